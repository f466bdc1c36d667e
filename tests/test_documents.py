"""Quotes and contracts a customer receives (quote render, contract render): what they say, in which language,
in fonts that never drop a character, and laid out to fit A4."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pypdf
import pytest

from salescli.domain.documents import build, labels
from tests import browser
from tests.conftest import Case, Cli, built, check_refusals

FONTS = Path("/usr/share/fonts/truetype")
DROID = FONTS / "droid/DroidSansFallbackFull.ttf"  # CJK glyphs, no Latin ones
DEJAVU = FONTS / "dejavu/DejaVuSans.ttf"  # Latin, no CJK
SELLER = {"company_name": "上海云帆科技有限公司", "company_address": "上海市浦东新区张江路 88 号",
          "company_phone": "021-5555-0101", "company_tax_id": "91310000MA1FL0XX00",
          "company_bank": "招商银行上海张江支行", "company_account": "6222 0210 0100 1234 567"}


def _font(path: Path) -> Path:
    if not path.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing (CI installs it: .ci/run)")
        pytest.skip(f"{path} is not installed here")
    return path


@pytest.fixture
def quote(cli: Cli, request: pytest.FixtureRequest) -> str:
    """A quote with everything a customer's document shows, and an internal note that it must not show (made
    once per backend, copied for each test)."""
    return built(request, cli, _quote)


def _quote(cli: Cli) -> str:
    cli.ok("rep", "add", "wang", "--name", "王芳", "--email", "wang.fang@example.cn")
    for key, value in SELLER.items():
        cli.ok("config", "set", key, value)
    cli.ok("product", "add", "HW-GW-100", "--name", "工业物联网网关", "--price", "1200", "--cost", "700",
           "--spec", "4G 全网通，8 路 RS485", "--unit", "台")
    cli.ok("product", "add", "SV-IMPL", "--name", "实施服务", "--price", "2500", "--cost", "1200", "--unit", "人天")
    customer = cli.id("customer", "add", "华信", "--legal-name", "上海华信机械有限公司",
                      "--address", "上海市闵行区莘庄工业区 1 号", "--tax-id", "9131 0112 MA1G 0000 0X")
    lead = cli.id("--rep", "wang", "lead", "add", "赵敏", "--source", "web", "--company", "华信", "--phone",
                  "13800138000", "--email", "zhao@huaxin.cn", "--date", "2026-11-01")
    deal = cli.id("--rep", "wang", "lead", "convert", str(lead), "--date", "2026-11-02")
    assert cli.json("deal", "show", str(deal))["customer_id"] == customer
    number = cli.ok("--rep", "wang", "quote", "create", str(deal), "--item", "HW-GW-100:80:1150:5",
                    "--item", "SV-IMPL:10", "--discount", "3", "--payment-terms", "30% 预付，70% 货到付款",
                    "--delivery-terms", "送货上门，运费卖方承担", "--delivery-date", "2026-12-20",
                    "--remarks", "含一年质保", "--date", "2026-11-05").stdout.strip()
    cli.ok("--rep", "wang", "quote", "revise", number, "--note", "客户要求增加传感器数量 INTERNAL", "--date",
           "2026-11-06")
    return number


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def test_quote_document_says_what_the_customer_needs_in_every_format(cli: Cli, quote: str, tmp_path: Path) -> None:
    shown = cli.json("quote", "show", quote)
    amounts = [line["net"] for line in shown["lines"]] + [shown[k] for k in ("subtotal", "discount", "net", "tax",
                                                                                "total")]
    money = [f"{Decimal(a):,.2f}" for a in amounts]
    assert shown["total"] == "123201.64" and _capitals(shown["total"]) == "壹拾贰万叁仟贰佰零壹元陆角肆分"
    for suffix in ("md", "html", "pdf"):
        target = tmp_path / f"q.{suffix}"
        run = cli.ok("quote", "render", quote, "--to", str(target))
        assert run.stderr.strip() == f"wrote {target}"  # no warning on success
        text = _pdf_text(target) if suffix == "pdf" else target.read_text(encoding="utf-8")
        flat = " ".join(text.split())
        for expected in (quote, "HW-GW-100", "SV-IMPL", *money, "壹拾贰万叁仟贰佰零壹元陆角肆分",
                         "上海云帆科技有限公司", "91310000MA1FL0XX00", "招商银行上海张江支行", "上海华信机械有限公司",
                         "9131 0112 MA1G 0000 0X".replace(" ", ""), "赵敏", "13800138000", "30% 预付，70% 货到付款",
                         "送货上门，运费卖方承担", "2026年12月20日", "含一年质保", "4G 全网通，8 路 RS485", "台",
                         "人天", "卖方（盖章）", "买方（盖章）", "草稿"):
            assert expected in flat, (suffix, expected)
        for internal in ("INTERNAL", "客户要求增加传感器数量", "draft", "Status", "状态"):
            assert internal not in text, (suffix, internal)


def _capitals(amount: str) -> str:
    from salescli.domain.money import in_capitals

    return in_capitals(Decimal(amount))


def test_a_sent_quote_is_not_marked_draft_and_languages_share_one_layout(cli: Cli, quote: str,
                                                                          tmp_path: Path) -> None:
    cli.ok("--rep", "wang", "quote", "send", quote, "--date", "2026-11-07")
    pages = {}
    for lang in ("zh", "en", "bilingual"):
        target = tmp_path / f"{lang}.md"
        cli.ok("quote", "render", quote, "--to", str(target), "--lang", lang)
        pages[lang] = target.read_text(encoding="utf-8")
        assert "草稿" not in pages[lang] and "DRAFT" not in pages[lang]
    assert "报价单" in pages["zh"] and "Quotation" not in pages["zh"]
    assert "Quotation" in pages["en"] and "报价单" not in pages["en"] and "Valid until: 2026-12-05" in pages["en"]
    assert "报价单 Quotation" in pages["bilingual"]
    assert [len(p.splitlines()) for p in pages.values()] == [len(pages["zh"].splitlines())] * 3  # one layout
    cli.ok("config", "set", "document_language", "en")
    cli.ok("quote", "render", quote, "--to", str(tmp_path / "default.md"))
    assert (tmp_path / "default.md").read_text(encoding="utf-8") == pages["en"]


def test_contract_render_carries_the_quote_terms_and_places_to_sign(cli: Cli, quote: str, tmp_path: Path) -> None:
    cli.ok("--rep", "wang", "quote", "send", quote, "--date", "2026-11-07")
    cli.ok("--rep", "wang", "quote", "accept", quote, "--date", "2026-11-08")
    contract = cli.ok("--rep", "wang", "contract", "create", quote, "--terms",
                      "质保期内免费维修。\n逾期交货按日万分之五赔付。", "--date", "2026-11-09").stdout.strip()
    record = cli.json("contract", "show", contract)
    assert (record["payment_terms"], record["delivery_terms"], record["delivery_date"], record["remarks"]) == (
        "30% 预付，70% 货到付款", "送货上门，运费卖方承担", "2026-12-20", "含一年质保")
    target = tmp_path / "c.pdf"
    cli.ok("contract", "render", contract, "--to", str(target), "--lang", "bilingual")
    flat = " ".join(_pdf_text(target).split())
    for expected in (contract, "销售合同 Sales Contract", quote, "壹拾贰万叁仟贰佰零壹元陆角肆分", "123,201.64",
                     "逾期交货按日万分之五赔付", "卖方（盖章） Seller (company seal)",
                     "买方（盖章） Buyer (company seal)", "草稿 DRAFT"):
        assert expected in flat, expected
    cli.ok("contract", "sign", contract, "--signed-by", "张总", "--date", "2026-11-10")
    cli.ok("contract", "render", contract, "--to", str(tmp_path / "signed.md"))
    signed = (tmp_path / "signed.md").read_text(encoding="utf-8")
    assert "草稿" not in signed and "逾期交货按日万分之五赔付" in signed


def test_seller_details_missing_are_said_not_hidden(cli: Cli, tmp_path: Path) -> None:
    cli.ok("product", "add", "P-1", "--name", "网关", "--price", "100", "--cost", "50")
    lead = cli.id("lead", "add", "Li", "--source", "web", "--company", "ACME")
    deal = cli.id("lead", "convert", str(lead))
    number = cli.ok("quote", "create", str(deal), "--item", "P-1:2").stdout.strip()
    run = cli.ok("quote", "render", number, "--to", str(tmp_path / "q.md"))
    assert "warning: the seller's company name is not set: salescli config set company_name" in run.stderr


def test_pdf_fonts_cover_every_character_or_the_render_refuses(cli: Cli, quote: str, tmp_path: Path) -> None:
    droid, dejavu = _font(DROID), _font(DEJAVU)
    only_cjk, only_latin, both = (tmp_path / name for name in ("only-cjk", "only-latin", "both"))
    for folder, fonts in ((only_cjk, [droid]), (only_latin, [dejavu]), (both, [droid, dejavu])):
        folder.mkdir()
        for font in fonts:
            (folder / font.name).symlink_to(font)
    target = tmp_path / "q.pdf"
    cli.ok("config", "set", "pdf_font", str(only_cjk))  # DroidSansFallbackFull alone: no digits, no Latin
    line = cli.fails(1, "quote", "render", quote, "--to", str(target))
    assert "apt-get install fonts-dejavu-core" in line and not target.exists()
    cli.ok("config", "set", "pdf_font", str(only_latin))  # no Chinese font at all
    line = cli.fails(1, "quote", "render", quote, "--to", str(target))
    assert "apt-get install fonts-noto-cjk" in line and "config set pdf_font" in line and not target.exists()
    cli.ok("config", "set", "pdf_font", str(both))  # Latin first, DroidSansFallbackFull for the Chinese
    run = cli.ok("quote", "render", quote, "--to", str(target))
    assert "warning" not in run.stderr
    flat = " ".join(_pdf_text(target).split())
    assert quote in flat and "HW-GW-100" in flat and "123,201.64" in flat and "上海华信机械有限公司" in flat
    cli.ok("config", "set", "pdf_font", str(droid))  # a file is tried first; the system's fonts fill the gaps
    cli.ok("quote", "render", quote, "--to", str(target), "--force")
    assert "123,201.64" in _pdf_text(target)


def test_html_fits_a4_in_chromium(cli: Cli, quote: str, tmp_path: Path) -> None:
    long_spec = "超长规格说明" * 30 + "X" * 80  # a spec with no place to break must still wrap inside its cell
    cli.ok("product", "update", "SV-IMPL", "--spec", long_spec)
    cli.ok("--rep", "wang", "quote", "revise", quote, "--item", "SV-IMPL:11", "--date", "2026-11-07")
    page = tmp_path / "q.html"
    cli.ok("quote", "render", quote, "--to", str(page), "--lang", "bilingual")
    a4 = 794  # 210 mm at 96 dpi
    scroll, widest = browser.laid_out_width(page, width=a4)
    assert scroll <= a4 and widest <= a4, (scroll, widest)
    browser.screenshot(page, tmp_path / "q.png", width=a4)


def test_a_teams_own_template_is_sandboxed_and_escaped(cli: Cli, quote: str, tmp_path: Path) -> None:
    cli.ok("customer", "update", "1", "--legal-name", "<script>alert(1)</script>华信")
    template = tmp_path / "mine.html"
    template.write_text("<h1>{{ doc.title }} {{ doc.number }}</h1><p>{{ doc.buyer.name }}</p>"
                        "<p>{{ doc.in_capitals }}</p>", encoding="utf-8")
    cli.ok("config", "set", "quote_template", str(template))
    cli.ok("quote", "render", quote, "--to", str(tmp_path / "q.html"))
    page = (tmp_path / "q.html").read_text(encoding="utf-8")
    assert page.startswith(f"<h1>报价单 {quote}</h1>") and "&lt;script&gt;alert(1)&lt;/script&gt;华信" in page
    line = cli.fails(2, "quote", "render", quote, "--to", str(template), "--force")  # the template is an input
    assert "input" in line and template.read_text(encoding="utf-8").startswith("<h1>")
    template.write_text("{{ doc.__class__.__mro__ }}", encoding="utf-8")
    assert "quote_template" in cli.fails(2, "quote", "render", quote, "--to", str(tmp_path / "x.html"))
    template.write_text("{% for x in %}", encoding="utf-8")
    assert "line 1" in cli.fails(2, "quote", "render", quote, "--to", str(tmp_path / "y.html"))
    assert not (tmp_path / "x.html").exists() and not (tmp_path / "y.html").exists()


CASES: list[Case] = [
    (2, ["quote", "render", "Q-2026-0001", "--to", "{tmp}/q.pdf", "--lang", "fr"], "--lang: 'fr' is not zh, en"),
    (2, ["quote", "render", "Q-2026-0001", "--to", "{tmp}/q.docx"], "must end in .pdf, .html or .md"),
    (2, ["contract", "render", "C-2026-0001", "--to", "{tmp}/c.txt"], "must end in .pdf, .html or .md"),
    (1, ["contract", "render", "C-2026-0099", "--to", "{tmp}/c.pdf"], "contract C-2026-0099 not found"),
    (2, ["quote", "revise", "Q-2026-0001", "--delivery-date", "2020-01-01"], "before the document's date"),
    (2, ["quote", "revise", "Q-2026-0001", "--remarks", "x" * 2001], "--remarks"),
    (2, ["customer", "update", "1", "--tax-id", "12-3"], "--tax-id: '12-3' is not a taxpayer number"),
    (2, ["product", "update", "HW-GW-100", "--unit", "u" * 21], "--unit"),
    (2, ["config", "set", "document_language", "fr"], "document_language"),
]


def test_bad_document_input_is_refused_and_changes_nothing(cli: Cli, quote: str, tmp_path: Path) -> None:
    check_refusals(cli, CASES, tmp_path)
    assert not any(tmp_path.glob("*.pdf")) and not any(tmp_path.glob("*.docx"))


def test_document_model_never_holds_internal_fields() -> None:
    from datetime import date, datetime

    record = {"number": "Q-2026-0001", "revision": 2, "status": "sent", "needs_approval": True, "approved": True,
              "created_at": datetime(2026, 11, 5, 9), "valid_until": date(2026, 12, 5), "currency": "USD",
              "lines": [{"sku": "A", "name": "x", "qty": 1200, "unit_price": Decimal("1.50"),
                         "line_discount": Decimal(0), "net": Decimal("1800.00")}],
              "subtotal": Decimal("1800.00"), "discount": Decimal(0), "discount_pct": Decimal(0),
              "net": Decimal("1800.00"), "tax": Decimal(0), "tax_rate": Decimal(0), "total": Decimal("1800.00"),
              "note": "SECRET margin 40%", "approval_reasons": ["SECRET"], "margin": 0.4}
    doc = build("quote", record, seller={}, buyer={"name": "ACME"}, language="en")
    assert "SECRET" not in repr(doc) and doc.mark is None and doc.in_capitals is None  # capitals for CNY only
    assert doc.lines[0].qty == "1,200" and doc.total == ("Total (USD)", "1,800.00")
    assert doc.warnings and doc.seller.name == "—"
    pending = build("quote", {**record, "approved": False}, seller={}, buyer={}, language="zh")
    assert pending.mark == "草稿" and pending.meta[2] == ("日期", "2026年11月5日")
    assert set(labels("bilingual")) == set(labels("zh")) == set(labels("en"))


def test_buyer_details_import_with_chinese_headers(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "c.csv"
    source.write_text("客户名称,单位全称,地址,税号\n"
                      "华信,上海华信机械有限公司,上海市闵行区 1 号,9131 0112 MA1G 0000 0X\nACME,,,\n", encoding="utf-8")
    cli.ok("import", "customers", str(source))
    shown = {c["name"]: c for c in cli.json("customer", "list")}
    assert (shown["华信"]["legal_name"], shown["华信"]["address"], shown["华信"]["tax_id"]) == (
        "上海华信机械有限公司", "上海市闵行区 1 号", "91310112MA1G00000X")
    assert shown["ACME"]["tax_id"] is None
    source.write_text("客户名称,税号\n坏税号,12-3\n", encoding="utf-8")
    run = cli("import", "customers", str(source))
    assert run.exit_code == 2 and f"{source}:2: 税号: '12-3' is not a taxpayer number" in run.stderr


def test_customer_text_that_looks_like_layout_stays_text(cli: Cli, quote: str, tmp_path: Path) -> None:
    """A remark holding fpdf2's page-count alias prints as typed; a revision drops a delivery date that passed."""
    cli.ok("--rep", "wang", "quote", "revise", quote, "--remarks", "页码{nb}测试 · 100%", "--date", "2026-12-21")
    assert cli.json("quote", "show", quote)["delivery_date"] is None  # 2026-12-20 had passed
    target = tmp_path / "q.pdf"
    cli.ok("quote", "render", quote, "--to", str(target))
    assert "页码{nb}测试 · 100%" in _pdf_text(target)


def test_characters_no_installed_font_has_are_named_with_what_to_install(cli: Cli, quote: str,
                                                                          tmp_path: Path) -> None:
    fonts = tmp_path / "fonts"  # a known set of fonts: Latin and common Chinese, no emoji, no CJK Extension B
    fonts.mkdir()
    for font in (_font(DEJAVU), _font(DROID)):
        (fonts / font.name).symlink_to(font)
    cli.ok("config", "set", "pdf_font", str(fonts))
    target = tmp_path / "q.pdf"
    for remark, package in (("收据🧾", "fonts-symbola"), ("𠀀𪚥", "fonts-hanazono")):
        cli.ok("--rep", "wang", "quote", "revise", quote, "--remarks", remark, "--date", "2026-11-07")
        line = cli.fails(1, "quote", "render", quote, "--to", str(target))
        assert remark[-1] in line and package in line and not target.exists(), line
    cli.ok("--rep", "wang", "quote", "revise", quote, "--remarks", "含一年质保", "--date", "2026-11-07")
    cli.ok("quote", "render", quote, "--to", str(target))  # the same fonts do for everything else
