"""Printable documents from records: a quote as Markdown, a self-contained HTML page, or a PDF with an embedded
CJK font (fpdf2). Labels are bilingual (中文 / English); every user string is escaped for its format."""

from __future__ import annotations

import html
import os
import shutil
import subprocess
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from salescli.errors import PolicyError

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simsun.ttc",
)
NO_FONT = ("no CJK font found for the PDF: install one (Debian/Ubuntu: apt-get install fonts-wqy-zenhei) or "
           "point to a .ttf/.ttc file with 'salescli config set pdf_font PATH'")


def _money(value: Any) -> str:
    return "" if value is None else f"{Decimal(value):,.2f}"


def _pct(value: Any) -> str:
    return "" if value in (None, Decimal(0)) else f"{Decimal(value):g}%"


def _status_line(quote: Mapping[str, Any]) -> str:
    status = str(quote["status"])
    if quote["needs_approval"] and not quote["approved"]:
        return f"{status} · 待审批 pending manager approval"
    return status


def quote_markdown(quote: Mapping[str, Any]) -> str:
    from salescli.output import markdown_cell

    def cell(text: Any) -> str:
        """Customer-provided text as inert Markdown: no raw HTML, links or images, no extra table column."""
        return markdown_cell(str(text if text is not None else ""))

    out = [f"# 报价单 Quotation {quote['number']} (rev. {quote['revision']})", "",
           f"- 客户 Customer: {cell(quote['customer'])}", f"- 项目 Deal: {cell(quote['deal'])}",
           f"- 日期 Date: {quote['created_at']:%Y-%m-%d} · 有效期至 Valid until: {quote['valid_until']:%Y-%m-%d}",
           f"- 状态 Status: {_status_line(quote)}", "",
           "| SKU | 品名 Item | 数量 Qty | 单价 Unit price | 折扣 Disc. | 金额 Net |",
           "|---|---|--:|--:|--:|--:|"]
    for line in quote["lines"]:
        out.append(f"| {cell(line['sku'])} | {cell(line['name'])} | {line['qty']} | {_money(line['unit_price'])} | "
                   f"{_pct(line['line_discount'])} | {_money(line['net'])} |")
    out += ["", f"| | {cell(quote['currency'])} |", "|---|--:|", f"| 小计 Subtotal | {_money(quote['subtotal'])} |",
            f"| 折扣 Discount {_pct(quote['discount_pct'])} | -{_money(quote['discount'])} |",
            f"| 净额 Net | {_money(quote['net'])} |", f"| 税 Tax {_pct(quote['tax_rate'])} | {_money(quote['tax'])} |",
            f"| **合计 Total** | **{_money(quote['total'])}** |"]
    if quote.get("note"):
        out += ["", f"备注 Note: {cell(quote['note'])}"]
    return "\n".join(out) + "\n"


def quote_html(quote: Mapping[str, Any]) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(line['sku'])}</td><td>{e(line['name'])}</td><td class=n>{line['qty']}</td>"
        f"<td class=n>{_money(line['unit_price'])}</td><td class=n>{_pct(line['line_discount'])}</td>"
        f"<td class=n>{_money(line['net'])}</td></tr>" for line in quote["lines"])
    note = f"<p class=note>备注 Note: {e(quote['note'])}</p>" if quote.get("note") else ""
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{e(quote['number'])} · {e(str(quote['customer'] or ''))}</title>
<style>
body{{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei","WenQuanYi Zen Hei",sans-serif;
margin:2.5em auto;max-width:52em;color:#222;font-size:14px}}
h1{{font-size:1.6em;margin-bottom:.2em}} .meta{{color:#555;line-height:1.6}}
table{{border-collapse:collapse;width:100%;margin-top:1.2em}} th,td{{padding:.45em .6em;border-bottom:1px solid #ddd}}
th{{text-align:left;background:#f4f4f4}} .n{{text-align:right;font-variant-numeric:tabular-nums}}
.totals{{width:22em;margin-left:auto}} .total td{{font-weight:bold;border-top:2px solid #222}}
.status{{display:inline-block;padding:.1em .5em;border:1px solid #999;border-radius:3px}}
@media print{{body{{margin:0}}}}
</style></head><body>
<h1>报价单 Quotation {e(quote['number'])} <small>rev. {quote['revision']}</small></h1>
<div class=meta>客户 Customer: <b>{e(str(quote['customer'] or ''))}</b><br>项目 Deal: {e(str(quote['deal'] or ''))}<br>
日期 Date: {quote['created_at']:%Y-%m-%d} · 有效期至 Valid until: {quote['valid_until']:%Y-%m-%d}<br>
状态 Status: <span class=status>{e(_status_line(quote))}</span></div>
<table><thead><tr><th>SKU</th><th>品名 Item</th><th class=n>数量 Qty</th><th class=n>单价 Unit price</th>
<th class=n>折扣 Disc.</th><th class=n>金额 Net</th></tr></thead><tbody>{rows}</tbody></table>
<table class=totals><tbody>
<tr><td>小计 Subtotal</td><td class=n>{_money(quote['subtotal'])}</td></tr>
<tr><td>折扣 Discount {_pct(quote['discount_pct'])}</td><td class=n>-{_money(quote['discount'])}</td></tr>
<tr><td>净额 Net</td><td class=n>{_money(quote['net'])}</td></tr>
<tr><td>税 Tax {_pct(quote['tax_rate'])}</td><td class=n>{_money(quote['tax'])}</td></tr>
<tr class=total><td>合计 Total ({e(quote['currency'])})</td><td class=n>{_money(quote['total'])}</td></tr>
</tbody></table>{note}
</body></html>
"""


def find_cjk_font(configured: str | None) -> Path:
    """The font for PDFs: the configured file, else a known CJK font on this system, else a clear error."""
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise PolicyError(f"pdf_font {configured!r} is not a file; {NO_FONT}")
        return path
    for candidate in FONT_CANDIDATES:
        if os.path.isfile(candidate):
            return Path(candidate)
    if shutil.which("fc-match"):
        found = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh"], capture_output=True, text=True,
                               timeout=10).stdout.strip()
        if found.lower().endswith((".ttf", ".ttc", ".otf")) and os.path.isfile(found):
            return Path(found)
    raise PolicyError(NO_FONT)


def quote_pdf(quote: Mapping[str, Any], *, font: Path) -> bytes:
    """The quote as PDF bytes (the command writes them by the rules of ``salescli.files``)."""
    import logging

    from fpdf import FPDF
    from fpdf.enums import XPos, YPos
    from fpdf.fonts import FontFace

    logging.getLogger("fontTools").setLevel(logging.ERROR)
    pdf = FPDF(format="A4")
    pdf.set_title(f"{quote['number']} rev. {quote['revision']}")
    pdf.set_creator("salescli")
    pdf.add_page()
    try:
        pdf.add_font("cjk", "", str(font), collection_font_number=0)
    except Exception as error:  # fpdf2 raises several kinds for unusable fonts
        raise PolicyError(f"cannot use font {font} for the PDF ({error}); {NO_FONT}") from None
    pdf.set_font("cjk", size=18)
    pdf.cell(0, 10, f"报价单 Quotation {quote['number']}  rev. {quote['revision']}", new_x=XPos.LMARGIN,
             new_y=YPos.NEXT)
    pdf.set_font("cjk", size=10)
    for text in (f"客户 Customer: {quote['customer'] or ''}", f"项目 Deal: {quote['deal'] or ''}",
                 f"日期 Date: {quote['created_at']:%Y-%m-%d}    有效期至 Valid until: {quote['valid_until']:%Y-%m-%d}",
                 f"状态 Status: {_status_line(quote)}"):
        pdf.multi_cell(0, 6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    plain = FontFace(emphasis="", fill_color=(240, 240, 240))  # one regular CJK face: no bold headings
    with pdf.table(col_widths=(24, 56, 16, 28, 20, 30), text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
                   line_height=7, headings_style=plain) as table:
        table.row(["SKU", "品名 Item", "数量 Qty", "单价 Unit", "折扣 Disc.", "金额 Net"])
        for line in quote["lines"]:
            table.row([str(line["sku"]), str(line["name"]), str(line["qty"]), _money(line["unit_price"]),
                       _pct(line["line_discount"]), _money(line["net"])])
    pdf.ln(4)
    with pdf.table(col_widths=(50, 30), width=80, align="RIGHT", text_align=("LEFT", "RIGHT"),
                   first_row_as_headings=False, line_height=7) as table:
        for label, value in (("小计 Subtotal", _money(quote["subtotal"])),
                             (f"折扣 Discount {_pct(quote['discount_pct'])}", f"-{_money(quote['discount'])}"),
                             ("净额 Net", _money(quote["net"])),
                             (f"税 Tax {_pct(quote['tax_rate'])}", _money(quote["tax"])),
                             (f"合计 Total ({quote['currency']})", _money(quote["total"]))):
            table.row([label, value])
    if quote.get("note"):
        pdf.ln(4)
        pdf.multi_cell(0, 6, f"备注 Note: {quote['note']}")
    return bytes(pdf.output())
