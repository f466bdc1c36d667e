"""A customer's document (``salescli.domain.documents.Document``) as Markdown, as HTML from a Jinja2 template
(autoescaped; the shipped one or a team's own), or as an A4 PDF (fpdf2) with the same content and layout, in
fonts that cover every character (``salescli.pdf_fonts``)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from salescli.errors import InputError, PolicyError
from salescli.i18n import _

if TYPE_CHECKING:
    from salescli.domain.documents import Document

TEMPLATES = Path(__file__).with_name("templates")
PAGES = "\x00pages\x00"  # fpdf2's page-count alias: a text no customer can type ("{nb}" could be in a remark)
DEFAULT_TEMPLATE = "document.html.j2"


# -- Markdown ----------------------------------------------------------------------------------------------------

def markdown(doc: Document) -> str:
    from salescli.output import markdown_cell as cell

    out = [f"# {cell(doc.title)} {cell(doc.number)}", ""]
    if doc.mark:
        out += [f"> **{cell(doc.mark)}**" + (f" · {cell(doc.mark_note)}" if doc.mark_note else ""), ""]
    out += [" · ".join(f"{cell(label)}{doc.colon}{cell(value)}" for label, value in doc.meta), ""]
    for title, party in ((doc.label["seller"], doc.seller), (doc.label["buyer"], doc.buyer)):
        out += [f"**{cell(title)}**{doc.colon}{cell(party.name)}", ""]
        out += [f"- {cell(label)}{doc.colon}{cell(value)}" for label, value in party.lines]
        out.append("")
    out += [cell(doc.intro), ""]
    heads = [doc.label[k] for k in ("line_no", "sku", "item", "qty", "unit", "unit_price", "line_discount", "amount")]
    out += ["| " + " | ".join(cell(h) for h in heads) + " |", "|--:|---|---|--:|---|--:|--:|--:|"]
    for line in doc.lines:
        item = cell(line.name) + (f"<br>{cell(line.spec)}" if line.spec else "")
        out.append(f"| {line.no} | {cell(line.sku)} | {item} | {line.qty} | {cell(line.unit)} | {line.unit_price} | "
                   f"{line.discount} | {line.amount} |")
    out += ["", "| | |", "|---|--:|"]
    out += [f"| {cell(label)} | {value} |" for label, value in doc.totals]
    out += [f"| **{cell(doc.total[0])}** | **{doc.total[1]}** |", ""]
    if doc.in_capitals:
        out += [f"{cell(doc.label['in_capitals'])}{doc.colon}{doc.in_capitals}", ""]
    out += [f"- **{cell(label)}**{doc.colon}{cell(value)}" for label, value in doc.terms]
    if doc.terms:
        out.append("")
    for side in doc.signatures:
        out += [f"{cell(side)}", "", f"{cell(doc.label['signature'])}{doc.colon}________________ "
                f"{cell(doc.label['sign_date'])}{doc.colon}____________", ""]
    return "\n".join(out)


# -- HTML ---------------------------------------------------------------------------------------------------------

def html(doc: Document, *, template: str | None = None, setting: str = "quote_template") -> str:
    """The page from the shipped template, or from the team's own (``template``: a file path, read as UTF-8, run
    in Jinja2's sandbox with autoescaping, so customer data never becomes markup)."""
    from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=StrictUndefined,
                               trim_blocks=True, lstrip_blocks=True)
    try:
        if template:
            path = Path(template).expanduser()
            try:
                source = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise InputError(_("{setting} {template}: cannot read it ({reason})").format(
                    setting=setting, template=repr(template), reason=error.__class__.__name__)) from None
            compiled = env.from_string(source)
        else:
            compiled = env.get_template(DEFAULT_TEMPLATE)
        return compiled.render(doc=doc)
    except TemplateError as error:
        line = getattr(error, "lineno", None)
        message = _("{setting} {template} line {line}: {problem}") if line else _("{setting} {template}: {problem}")
        raise InputError(message.format(setting=setting, template=repr(template or DEFAULT_TEMPLATE), line=line,
                                        problem=error.message or error)) from None


# -- PDF ----------------------------------------------------------------------------------------------------------

def pdf(doc: Document, *, fonts: list[Path]) -> bytes:
    """The document as A4 PDF bytes, in ``fonts`` (``pdf_fonts.choose``: the main font, then fallbacks)."""
    import logging

    from fpdf import FPDF

    logging.getLogger("fontTools").setLevel(logging.ERROR)
    label = doc.label

    class Page(FPDF):
        def header(self) -> None:
            if doc.mark:  # across every page, behind the text
                with self.local_context(text_color=(235, 190, 190)), self.rotation(24, 105, 160):
                    self.set_font("f0", size=72)
                    self.set_xy(20, 150)
                    self.cell(170, 30, doc.mark, align="C")
                self.set_xy(self.l_margin, self.t_margin)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("f0", size=8)
            self.set_text_color(120)
            text = label["page"].format(page=self.page_no(), pages=PAGES)
            self.cell(0, 6, f"{doc.title} {doc.number} · {text}", align="C")

    with warnings.catch_warnings(record=True) as caught:  # fpdf2 warns (and drops) while laying text out
        warnings.simplefilter("always")
        data = _layout(doc, fonts, Page)
    dropped = [str(w.message) for w in caught if "glyph" in str(w.message).lower()]
    if dropped:  # pdf_fonts.choose checked coverage; this is the last line of defence, never a silent gap
        raise PolicyError(_("the PDF would miss characters: {problem}").format(problem=dropped[0][:200]))
    return data


def _layout(doc: Document, fonts: list[Path], page: Any) -> bytes:
    """The pages, drawn (see ``pdf``)."""
    from fpdf.enums import XPos, YPos
    from fpdf.fonts import FontFace

    label = doc.label
    out = page(format="A4")
    out.set_margins(15, 15, 15)
    out.set_auto_page_break(True, margin=18)
    out.set_title(f"{doc.title} {doc.number}")
    out.set_creator("salescli")
    for n, path in enumerate(fonts):
        try:
            out.add_font(f"f{n}", "", str(path), collection_font_number=0)
        except Exception as error:  # fpdf2 raises several kinds for unusable fonts
            raise PolicyError(_("cannot use font {path} for the PDF ({kind}: {problem})").format(
                path=path, kind=error.__class__.__name__, problem=error)) from None
    if len(fonts) > 1:
        out.set_fallback_fonts([f"f{n}" for n in range(1, len(fonts))], exact_match=False)
    out.alias_nb_pages(PAGES)
    out.add_page()
    width = out.epw

    def text(size: float, value: str, *, h: float = 5.5, align: str = "L", color: int = 34) -> None:
        out.set_font("f0", size=size)
        out.set_text_color(color)
        out.multi_cell(width, h, value, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    # heading: seller's name left, title and number right
    top = out.get_y()
    out.set_font("f0", size=15)
    out.multi_cell(width * 0.55, 8, doc.seller.name, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    left_end = out.get_y()
    out.set_xy(out.l_margin + width * 0.55, top)
    out.set_font("f0", size=18)
    out.cell(width * 0.45, 9, doc.title, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    out.set_font("f0", size=9)
    for key, value in doc.meta:
        out.set_x(out.l_margin + width * 0.45)
        out.multi_cell(width * 0.55, 5, f"{key}{doc.colon}{value}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    out.set_y(max(out.get_y(), left_end) + 1)
    out.set_draw_color(34)
    out.set_line_width(0.5)
    out.line(out.l_margin, out.get_y(), out.l_margin + width, out.get_y())
    out.ln(3)
    if doc.mark_note:
        text(9, f"{doc.mark} · {doc.mark_note}", color=170)
        out.ln(1)

    # seller and buyer side by side
    out.set_line_width(0.2)
    half = (width - 6) / 2
    top = out.get_y()
    bottoms = []
    for column, (title, party) in enumerate(((label["seller"], doc.seller), (label["buyer"], doc.buyer))):
        x = out.l_margin + column * (half + 6)
        out.set_xy(x, top)
        out.set_font("f0", size=9)
        out.set_text_color(90)
        out.multi_cell(half, 5, title, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        out.set_font("f0", size=11)
        out.set_text_color(34)
        out.multi_cell(half, 6, party.name, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        out.set_font("f0", size=9)
        for key, value in party.lines:
            out.multi_cell(half, 5, f"{key}{doc.colon}{value}", align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        bottoms.append(out.get_y())
    out.set_xy(out.l_margin, max(bottoms) + 3)
    text(9.5, doc.intro)
    out.ln(1)

    # the lines
    plain = FontFace(emphasis="", fill_color=(238, 238, 238))
    right = ("RIGHT",)
    heads = [label[k] for k in ("line_no", "sku", "item", "qty", "unit", "unit_price", "line_discount", "amount")]
    out.set_font("f0", size=8.5)
    with out.table(col_widths=(10, 22, 49, 12, 10, 24, 13, 26),
                   text_align=("RIGHT", "LEFT", "LEFT", *right, "LEFT", *right, *right, *right),
                   line_height=5, headings_style=plain, padding=1) as table:
        table.row(heads)
        for line in doc.lines:
            item = line.name + (f"\n{line.spec}" if line.spec else "")
            table.row([str(line.no), line.sku, item, line.qty, line.unit, line.unit_price, line.discount,
                       line.amount])
    out.ln(2)
    out.set_font("f0", size=9.5)
    rows = [*doc.totals, doc.total]
    with out.table(col_widths=(50, 35), width=85, align="RIGHT", text_align=("LEFT", "RIGHT"),
                   first_row_as_headings=False, line_height=5.5, borders_layout="NONE", padding=0.5) as table:
        for key, value in rows:
            table.row([key, value])
    out.ln(2)
    if doc.in_capitals:
        text(10, f"{label['in_capitals']}{doc.colon}{doc.in_capitals}", h=6)
        out.ln(1)
    for key, value in doc.terms:
        text(9.5, f"{key}{doc.colon}{value}")
    out.ln(6)

    # signature and stamp areas
    if out.get_y() > out.h - 70:
        out.add_page()
    top = out.get_y()
    for column, side in enumerate(doc.signatures):
        x = out.l_margin + column * (half + 6)
        out.rect(x, top, half, 42)
        out.set_xy(x + 2, top + 2)
        out.set_font("f0", size=10)
        out.cell(half - 4, 6, side)
        out.set_font("f0", size=8.5)
        out.set_text_color(90)
        for n, key in enumerate(("signature", "sign_date")):
            y = top + 24 + n * 9
            out.line(x + 4, y, x + half - 4, y)
            out.set_xy(x + 4, y + 0.5)
            out.cell(half - 8, 5, label[key])
        out.set_text_color(34)
    return bytes(out.output())
