"""Excel in and out: .xlsx import and export through the CLI (typed cells, Chinese headers, sheets, merged cells,
errors at FILE:SHEET!ROW), CSV for spreadsheets (--excel) opened by a real LibreOffice, and the reader's pure
parts. Workbooks are read back with openpyxl, an independent reader."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from salescli.importers import xlsx
from tests.conftest import Cli, snapshot

SOFFICE = shutil.which("soffice") or ("/usr/bin/soffice" if Path("/usr/bin/soffice").exists() else None)


def _soffice(tmp_path: Path, *args: str) -> None:
    """Headless LibreOffice with a private profile; skipped when it is not installed (CI requires it)."""
    if SOFFICE is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is not installed (CI requires it)")
        pytest.skip("LibreOffice (soffice) is not installed")
    profile = tmp_path / "lo-profile"
    run = subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", *args],
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, run.stderr


def _book(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path)  # full mode: cell types and number formats


# -- export -----------------------------------------------------------------------------------------------------

def test_xlsx_export_has_typed_cells_inert_text_and_round_trips(cli: Cli, tmp_path: Path) -> None:
    cid = cli.id("customer", "add", "北京长城金融服务有限公司", "--budget", "1234567.5", "--industry", "金融")
    cli.id("contact", "add", str(cid), "--name", "刘洋", "--email", "liu@example.cn")
    cli.ok("product", "add", "P-1", "--name", "=SUM(A1:A9)", "--price", "1999.90", "--cost", "100")
    cli.id("lead", "add", "王芳", "--source", "展会", "--company", "=HYPERLINK(\"http://x\",\"y\")",
           "--phone", "13800138000", "--follow-up", "2026-12-01", "--notes", "-2+3\n第二行")
    cli.id("lead", "add", "@admin", "--source", "web", "--email", "a@example.com")
    out = tmp_path / "leads.xlsx"
    assert "exported 2 leads" in cli.ok("export", "leads", "--output", str(out)).stderr  # format from extension
    assert out.stat().st_mode & 0o777 == 0o600
    sheet = _book(out)["leads"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == 2
    first = rows[0]
    assert first["name"].value == "王芳" and first["company"].value == "=HYPERLINK(\"http://x\",\"y\")"
    assert first["company"].data_type == "s"  # text, never a formula
    assert first["notes"].value == "-2+3\n第二行" and first["notes"].data_type == "s"
    assert first["phone"].value == "13800138000" and first["phone"].data_type == "s"  # as typed: text
    assert first["follow_up"].is_date and first["follow_up"].value == datetime(2026, 12, 1)
    assert first["created_at"].is_date and first["score"].data_type == "n"
    assert rows[1]["name"].value == "@admin" and rows[1]["name"].data_type == "s"

    cli.ok("export", "customers", "--format", "xlsx", "--output", str(tmp_path / "c.xlsx"))
    customer = list(_book(tmp_path / "c.xlsx").active.iter_rows(values_only=False))
    budget = customer[1][[c.value for c in customer[0]].index("budget")]
    assert (budget.data_type == "n" and budget.value == Decimal("1234567.50")) or budget.value == 1234567.5
    assert budget.number_format == "#,##0.00"
    cli.ok("export", "products", "--output", str(tmp_path / "p.xlsx"))
    product = {h.value: c for h, c in zip(*_book(tmp_path / "p.xlsx").active.iter_rows(), strict=True)}
    assert product["name"].value == "=SUM(A1:A9)" and product["name"].data_type == "s"
    assert product["price"].value == 1999.9 and product["price"].number_format == "#,##0.00"
    for entity in ("contacts", "deals", "quotes", "orders", "surveys"):  # every entity, even when empty
        cli.ok("export", entity, "--output", str(tmp_path / f"{entity}.xlsx"))
        assert _book(tmp_path / f"{entity}.xlsx").active.max_row >= 1

    # import reads back what export wrote: the same records as from the CSV export
    copy = Cli(str(tmp_path / "copy.db"))
    via_csv = Cli(str(tmp_path / "via-csv.db"))
    csv_file = tmp_path / "leads.csv"
    cli.ok("export", "leads", "--output", str(csv_file))
    copy.ok("import", "leads", str(out))
    via_csv.ok("import", "leads", str(csv_file))
    strip = lambda rows: [{k: v for k, v in r.items() if k not in ("created_at", "updated_at")}  # noqa: E731
                          for r in rows]
    assert strip(copy.json("lead", "list")) == strip(via_csv.json("lead", "list"))
    assert copy.rows("SELECT company, notes FROM leads ORDER BY id")[0] == ("=HYPERLINK(\"http://x\",\"y\")",
                                                                             "-2+3\n第二行")
    copy.ok("import", "customers", str(tmp_path / "c.xlsx"))
    assert copy.json("customer", "list")[0]["budget"] == "1234567.50"
    copy.ok("import", "products", str(tmp_path / "p.xlsx"))
    assert copy.json("product", "list")[0]["price"] == "1999.90"


def test_order_lines_export_as_xlsx_and_excel_csv(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "orders.xlsx"
    assert "exported 0 order line(s)" in cli.ok("order", "export", "--output", str(out)).stderr
    assert [c.value for c in _book(out).active[1]] == ["order", "status", "promised", "customer", "sku", "item",
                                                       "qty", "contract"]
    cli.ok("order", "export", "--excel", "--output", str(tmp_path / "orders.csv"))
    written = (tmp_path / "orders.csv").read_bytes()
    assert written == b"\xef\xbb\xbforder,status,promised,customer,sku,item,qty,contract\r\n"
    assert cli.ok("order", "export", "--excel").stdout.startswith("\ufefforder,status")


def test_export_refuses_bad_combinations_and_paths(cli: Cli, tmp_path: Path, db_path: Path) -> None:
    assert "--excel is for csv" in cli.fails(2, "export", "leads", "--format", "json", "--excel")
    assert "--excel is for csv" in cli.fails(2, "export", "leads", "--output", str(tmp_path / "x.xlsx"), "--excel")
    target = tmp_path / "x.xlsx"
    target.write_bytes(b"keep")
    assert "use --force" in cli.fails(1, "export", "leads", "--output", str(target))
    assert target.read_bytes() == b"keep"
    cli.ok("export", "leads", "--output", str(target), "--force")
    assert target.read_bytes().startswith(b"PK")
    if cli.db == str(db_path):
        assert "is the database" in cli.fails(2, "export", "leads", "--format", "xlsx", "--output", str(db_path))


# -- import -----------------------------------------------------------------------------------------------------

def _crm_workbook(path: Path) -> None:
    """A workbook as a Chinese CRM or a person makes it: a hidden first sheet, a merged title above Chinese
    headers, numbers and dates as typed cells, a company merged over two rows, formatted empty rows at the end,
    shared strings (openpyxl's normal mode writes them), and a second visible sheet."""
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "说明"
    notes["A1"] = "name"
    notes.sheet_state = "hidden"
    leads = book.create_sheet("线索")
    leads["A1"] = "2026 展会线索"
    leads.merge_cells("A1:F1")
    leads.append(["姓名", "公司", "手机", "来源", "城市", "跟进日期"])
    leads.append(["李雷", "上海华信", 13900001111, "展会", "上海", datetime(2026, 12, 3)])
    leads.append(["韩梅梅", "杭州启明", 13900002222, "转介绍", "杭州", None])
    leads.append(["赵敏", None, 13900003333, "web", None, None])
    leads.merge_cells("B4:B5")  # 杭州启明 for both rows
    for row in range(6, 40):
        leads.cell(row=row, column=1).number_format = "@"  # formatted, empty
    other = book.create_sheet("English")
    other.append(["name", "email", "source"])
    other.append(["Emma Smith", "emma@example.com", "web"])
    book.save(path)


def test_xlsx_import_maps_chinese_headers_merged_cells_hidden_sheets(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "crm.xlsx"
    _crm_workbook(path)
    assert "3 were added" in cli.ok("import", "leads", str(path)).stderr  # the first visible sheet
    rows = cli.rows("SELECT name, company, phone_key, source, city, follow_up FROM leads ORDER BY id")
    assert rows == [("李雷", "上海华信", "+8613900001111", "exhibition", "上海", "2026-12-03"),
                    ("韩梅梅", "杭州启明", "+8613900002222", "referral", "杭州", None),
                    ("赵敏", "杭州启明", "+8613900003333", "web", None, None)]
    assert "1 were added" in cli.ok("import", "leads", str(path), "--sheet", "English").stderr
    assert "0 were added, 0 updated, 3 skipped" in cli.ok("import", "leads", str(path), "--sheet", "线索").stderr
    line = cli.fails(2, "import", "leads", str(path), "--sheet", "Nope")
    assert "no sheet 'Nope'" in line and "'说明' (hidden)" in line and "'English'" in line
    assert "--sheet is for .xlsx" in cli.fails(2, "import", "leads", str(path), "--sheet", "x", "--input-format",
                                               "csv")
    renamed = tmp_path / "crm.data"
    renamed.write_bytes(path.read_bytes())
    assert "1 were added" not in cli.ok("import", "leads", str(renamed), "--input-format", "xlsx").stderr
    assert cli.count("leads") == 4


def test_xlsx_problems_are_located_as_file_sheet_row(cli: Cli, tmp_path: Path) -> None:
    cli.ok("db", "upgrade")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Leads 2026"
    sheet.append(["name", "email", "source", "follow_up"])
    sheet.append(["OK", "ok@example.com", "web", date(2026, 12, 1)])
    sheet.append(["Bad", "not-an-email", "pigeon", None])
    path = tmp_path / "bad.xlsx"
    book.save(path)
    before = snapshot(cli)
    run = cli("import", "leads", str(path))
    assert run.exit_code == 2
    assert run.error_lines[:2] == [
        f"{path}:'Leads 2026'!3: email: 'not-an-email' is not an email address (An email address must have an "
        "@-sign.)",
        f"{path}:'Leads 2026'!3: source: 'pigeon' is not a channel (one of phone, email, social, exhibition, "
        "referral, web, other)"]
    assert run.error_lines[-1].startswith("error: 1 invalid row(s)")

    sheet["B3"] = "=CONCAT(\"a\",\"@b.c\")"  # openpyxl saves formulas without a computed value
    book.save(path)
    line = cli.fails(2, "import", "leads", str(path))
    assert line == f"error: {path}:'Leads 2026'!3: email: a formula without a saved value (open and save the file " \
                   "in Excel, WPS or LibreOffice, or paste values)"
    sheet["B3"] = "#N/A"  # an error value
    book.save(path)
    assert f"{path}:'Leads 2026'!3: email: the cell holds the error #N/A" in cli.fails(2, "import", "leads", str(path))
    sheet["B3"] = "b@example.com"
    sheet["F3"] = "stray"
    book.save(path)
    assert f"{path}:'Leads 2026'!3: column F: a value in a column with no header" in cli.fails(
        2, "import", "leads", str(path))
    fake = tmp_path / "fake.xlsx"
    fake.write_text("name,source\nA,web\n", encoding="utf-8")
    assert "not an .xlsx workbook" in cli.fails(2, "import", "leads", str(fake))
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    assert "save it as .xlsx" in cli.fails(2, "import", "leads", str(old))
    assert "no text encoding" in cli.fails(2, "import", "leads", str(path), "--encoding", "gbk")
    assert snapshot(cli) == before


def test_survey_responses_import_from_xlsx(cli: Cli, tmp_path: Path) -> None:
    from tests.test_kpi import _won

    cli.ok("rep", "add", "a", "--name", "Anna")
    cli.ok("product", "add", "P-1", "--name", "Widget", "--price", "500", "--cost", "100")
    order = _won(cli, "a", "2026-10-01", "2026-10-11", 1, delivered="2026-10-20", promised="2026-10-25")
    book = openpyxl.Workbook()
    book.active.append(["order", "nps", "csat", "comment", "date"])
    book.active.append([order, 9, 5, "很好", datetime(2026, 11, 2, 9, 30)])
    path = tmp_path / "answers.xlsx"
    book.save(path)
    assert "1 response(s) imported" in cli.ok("survey", "import", str(path)).stderr
    answer = cli.rows("SELECT nps, csat, comment FROM surveys")
    assert answer == [(9, 5, "很好")]


# -- CSV for spreadsheets, opened by LibreOffice ------------------------------------------------------------------

def test_excel_csv_has_bom_crlf_and_opens_in_libreoffice(cli: Cli, tmp_path: Path) -> None:
    names = ["王芳", "=HYPERLINK(\"http://evil\",\"点我\")", "+86 138", "@SUM(1)", "-5+5", "李雷, \"老李\""]
    for name in names:
        cli.id("lead", "add", "--source", "web", "--company", "杭州启明软件有限公司", "--notes", "第一行\n第二行", "--",
               name)
    out = tmp_path / "leads.csv"
    cli.ok("export", "leads", "--excel", "--output", str(out))
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfid,name,")
    assert raw.count(b"\r\n") == len(names) + 1  # every record ends in CRLF
    assert raw.replace(b"\r\n", b"").count(b"\n") == len(names)  # the line break inside each (quoted) note
    plain = cli.ok("export", "leads").stdout
    assert not plain.startswith("\ufeff")
    assert [r["name"] for r in csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))] == [
        names[0], *("'" + n for n in names[1:5]), names[5]]
    # LibreOffice 7.4 converting headless ignores the byte-order mark unless the import filter names UTF-8
    # (measured: mojibake with and without a BOM); the filter string is what its import dialog picks for this file.
    converted = tmp_path / "converted"
    _soffice(tmp_path, "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir", str(converted), str(out))
    sheet = _book(converted / "leads.xlsx").active
    rows = list(sheet.iter_rows())
    assert len(rows) == len(names) + 1  # the header and every lead, not one more, not one less
    header = [c.value for c in rows[0]]
    assert header[:2] == ["id", "name"]  # the BOM is not part of the first header
    cells = [row[header.index("name")] for row in rows[1:]]
    assert all(c.data_type != "f" for c in cells)  # nothing runs as a formula
    assert cells[0].value == "王芳" and cells[1].value == "'=HYPERLINK(\"http://evil\",\"点我\")"
    assert cells[5].value == "李雷, \"老李\""
    assert {row[header.index("company")].value for row in rows[1:]} == {"杭州启明软件有限公司"}
    assert {row[header.index("notes")].value for row in rows[1:]} == {"第一行\n第二行"}
    # the round trip: importing the converted workbook gives the names back (the guard is removed on import)
    again = Cli(str(tmp_path / "again.db"))
    again.ok("import", "leads", str(converted / "leads.xlsx"))
    assert [r[0] for r in again.rows("SELECT name FROM leads ORDER BY id")] == names


def test_libreoffice_reads_the_xlsx_export(cli: Cli, tmp_path: Path) -> None:
    for i in range(3):
        cli.id("lead", "add", f"客户{i}", "--source", "web", "--company", "=1+1", "--follow-up", f"2026-12-0{i + 1}")
    out = tmp_path / "leads.xlsx"
    cli.ok("export", "leads", "--output", str(out))
    converted = tmp_path / "converted"
    _soffice(tmp_path, "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", str(converted),
             str(out))
    rows = list(csv.DictReader((converted / "leads.csv").open(encoding="utf-8", newline="")))
    assert [r["name"] for r in rows] == ["客户0", "客户1", "客户2"]
    assert {r["company"] for r in rows} == {"=1+1"}  # text, not 2
    assert rows[0]["follow_up"] == "2026-12-01"


# -- the reader's and writer's pure parts ------------------------------------------------------------------------

def test_numbers_dates_and_references() -> None:
    assert xlsx.number_text("13800138000") == "13800138000"
    assert xlsx.number_text("1999.8999999999999") == "1999.9"
    assert xlsx.number_text("1.5E-5") == "0.000015" and xlsx.number_text("1E+16") == "10000000000000000"
    assert xlsx.from_serial(46357) == date(2026, 12, 1)
    assert xlsx.from_serial(46357.5) == datetime(2026, 12, 1, 12, 0)
    assert xlsx.from_serial(44895, date1904=True) == date(2026, 12, 1)  # 1,462 days later epoch
    assert xlsx.to_serial(datetime(2026, 12, 1, 12, 0)) == 46357.5 and xlsx.to_serial(date(2026, 12, 1)) == 46357
    assert xlsx.is_date_format('yyyy"年"m"月"d"日"') and xlsx.is_date_format("hh:mm")
    assert not xlsx.is_date_format('#,##0.00 "元"') and not xlsx.is_date_format("[Red]0.00")
    assert [xlsx.column_letters(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    assert xlsx.column_index("AAA") == 702
    assert str(xlsx.SheetRow(5, "Sheet1")) == "Sheet1!5" and f"{xlsx.SheetRow(7, 'My leads')}" == "'My leads'!7"


def test_writer_escapes_what_xml_cannot_hold(tmp_path: Path) -> None:
    path = tmp_path / "odd.xlsx"
    odd = ["a\x07b", "_x0041_", "<tag> & \"q\"", " padded ", "\t=1", "x" * 10]
    with path.open("wb") as fh:
        xlsx.write_records(fh, "odd", [{"v": v, "n": i} for i, v in enumerate(odd)])
    table = xlsx.open_table(path)
    assert table.header == ["v", "n"]
    assert [v for _, (v, _n) in table.rows] == odd
    assert openpyxl.load_workbook(path).active["A4"].value == "<tag> & \"q\""
    too_long = tmp_path / "long.xlsx"
    with too_long.open("wb") as fh, pytest.raises(Exception, match="at most 32,767"):
        xlsx.write_records(fh, "x", [{"v": "x" * 40_000}])


def test_json_export_still_plain(cli: Cli) -> None:
    assert json.loads(cli.ok("export", "leads", "--format", "json").stdout) == []


def test_general_path_reads_what_the_fast_path_reads(tmp_path: Path) -> None:
    """A workbook written in another form (other spacing, a namespace prefix, rich text) reads the same."""
    import zipfile

    usual = tmp_path / "usual.xlsx"
    records = [{"name": "王芳", "n": 13800138000, "money": Decimal("1999.90"), "day": date(2026, 12, 1),
                "at": datetime(2026, 12, 1, 9, 30), "yes": True, "text": "a & <b>"},
               {"name": "", "n": None, "money": Decimal("-0.50"), "day": None, "at": None, "yes": False, "text": "x"}]
    with usual.open("wb") as fh:
        xlsx.write_records(fh, "s", records)
    other = tmp_path / "other.xlsx"
    with zipfile.ZipFile(usual) as source, zipfile.ZipFile(other, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename.endswith("sheet1.xml"):
                text = data.decode().replace("<worksheet xmlns=", "<x:worksheet xmlns:x=").replace(
                    "</worksheet>", "</x:worksheet>")
                for tag in ("sheetData", "row", "c", "v", "is", "t", "sheetViews", "sheetView", "pane",
                            "sheetFormatPr", "cols", "col"):
                    text = text.replace(f"<{tag} ", f"<x:{tag} ").replace(f"<{tag}>", f"<x:{tag}>").replace(
                        f"</{tag}>", f"</x:{tag}>")
                text = text.replace("<x:is><x:t>王芳</x:t></x:is>",
                                    "<x:is><x:r><x:t>王</x:t></x:r><x:r><x:rPr/><x:t>芳</x:t></x:r></x:is>")
                data = text.encode()
            target.writestr(item, data)
    fast, general = xlsx.open_table(usual), xlsx.open_table(other)
    assert fast.header == general.header
    rows = list(fast.rows)
    assert rows == list(general.rows)
    assert rows[0] == (2, ["王芳", "13800138000", "1999.90", "2026-12-01", "2026-12-01T09:30:00", "true",
                           "a & <b>"])
    assert rows[1] == (3, ["", "", "-0.50", "", "", "false", "x"])
