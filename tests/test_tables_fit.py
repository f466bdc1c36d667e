"""Issue 17, tables that fit: in a real terminal (a pty of 80, 120 and 160 columns, through pexpect) with Chinese
data, no line is wider than the terminal, ids, money, dates and statuses appear whole (or their column is named
in the one note on stderr), and reps are shown by display name; JSON keeps the handles."""

from __future__ import annotations

import io
import json
import os
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from salescli import output
from salescli.output import Col, render, render_record
from tests.conftest import run_like_a_process

pexpect = pytest.importorskip("pexpect")
from wcwidth import wcswidth  # noqa: E402

WIDTHS = (80, 120, 160)
LONG_NAME = "内蒙古自治区呼和浩特市新城区现代农牧业科技发展集团股份有限公司华北地区销售服务分公司"
NAMES = {"wang.fang": "王芳", "li.wei": "李伟", "zhang.min": "张敏", "chen.jing": "陈静"}


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A sample database (Chinese names) with a customer whose name is very long: the environment to run in."""
    home = tmp_path_factory.mktemp("fit")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESCLI_") and k not in ("COLUMNS", "LINES")}
    env.update({"HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config"),
                "SALESCLI_DB": str(home / "sales.db"), "NO_COLOR": "1", "TZ": "Asia/Shanghai", "LANG": "C.UTF-8",
                "TERM": "xterm"})

    def run(*args: str) -> None:
        done = run_like_a_process(*args, env=env)
        assert done.exit_code == 0, done.stderr

    run("sample", "--customers", "40", "--leads", "120")
    run("customer", "add", LONG_NAME, "--size", "large", "--budget", "98765432.10", "--city", "呼和浩特",
        "--industry", "agriculture", "--owner", "wang.fang")
    return env


def _json(env: dict[str, str], *args: str) -> Any:
    """What the command gives as JSON (in this process: only the terminal views need one of their own)."""
    done = run_like_a_process(*args, "--format", "json", env=env)
    assert done.exit_code == 0, done.stderr
    return json.loads(done.stdout)


def _screen(env: dict[str, str], width: int, *args: str, tmp: Path) -> tuple[str, str]:
    """What salescli prints on a terminal ``width`` columns wide (stdout is the pty), and its stderr."""
    err = tmp / f"err-{width}"
    command = " ".join([sys.executable, "-m", "salescli", *(f"'{a}'" for a in args)]) + f" 2>'{err}'"
    child = pexpect.spawn("/bin/sh", ["-c", command], env=env, dimensions=(50, width), encoding="utf-8",
                          timeout=120)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, (args, child.before, err.read_text(encoding="utf-8"))
    return _bare(child.before.replace("\r\n", "\n")), err.read_text(encoding="utf-8")


def _bare(text: str) -> str:
    """The text without terminal styles (bold headers)."""
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def _fits(text: str, width: int) -> None:
    for line in text.splitlines():
        assert "\x1b" not in line and wcswidth(line) <= width, f"{wcswidth(line)} > {width}: {line!r}"


def _money(value: str) -> str:
    return f"{Decimal(value):,.2f}"


def _whole(text: str, note: str, rows: list[dict[str, Any]], spec: dict[str, tuple[str, Any]]) -> None:
    """Each value of ``spec``'s keys (key → (header, how it is shown)) appears whole, or its header is in the
    note saying what was left out."""
    for row in rows:
        for key, (header, shown) in spec.items():
            if row.get(key) in (None, ""):
                continue
            value = shown(row[key])
            assert value in text or header in note, (key, value, note)


def _people(text: str, note: str, rows: list[dict[str, Any]], key: str = "owner") -> None:
    if "owner" in note and key == "owner":
        return
    for row in rows:
        handle = row.get(key)
        if handle in NAMES:
            assert NAMES[handle] in text, (handle, text)
    assert not any(handle in text for handle in NAMES), text


@pytest.mark.parametrize("width", WIDTHS)
def test_customer_and_lead_lists_fit_and_keep_values_whole(book: dict[str, str], width: int,
                                                           tmp_path: Path) -> None:
    customers = _json(book, "customer", "list", "--tier", "A", "--limit", "15")
    assert any(c["name"] == LONG_NAME for c in customers)
    text, note = _screen(book, width, "customer", "list", "--tier", "A", "--limit", "15", tmp=tmp_path)
    _fits(text, width)
    _whole(text, note, customers, {"id": ("id", str), "budget": ("budget", _money), "tier": ("tier", str)})
    _people(text, note, customers)
    assert len(note.splitlines()) <= 1

    leads = _json(book, "lead", "list", "--limit", "20")
    text, note = _screen(book, width, "lead", "list", "--limit", "20", tmp=tmp_path)
    _fits(text, width)
    _whole(text, note, leads, {"id": ("id", str), "score": ("score", str), "status": ("status", str),
                               "follow_up": ("follow-up", str), "source": ("source", str)})
    _people(text, note, leads)


@pytest.mark.parametrize("width", WIDTHS)
def test_today_and_kpi_report_fit(book: dict[str, str], width: int, tmp_path: Path) -> None:
    report = _json(book, "today", "--all")
    text, note = _screen(book, width, "today", "--all", tmp=tmp_path)
    _fits(text, width)
    shown = report["follow_ups"][:15]
    _whole(text, note, shown, {"id": ("id", str), "follow_up": ("due", str), "status": ("status", str)})
    _whole(text, note, report["orders"], {"number": ("order", str), "net": ("net", _money),
                                          "promised": ("promised", str)})
    _whole(text, note, report["expiring_quotes"], {"number": ("number", str), "total": ("total", _money)})
    assert not any(handle in text for handle in NAMES), text

    kpi = _json(book, "kpi", "report", "--period", "2026")
    text, note = _screen(book, width, "kpi", "report", "--period", "2026", tmp=tmp_path)
    _fits(text, width)
    _whole(text, note, kpi["rows"], {"revenue": ("revenue", _money), "deals_won": ("won", str)})
    assert "王芳" in text and "wang.fang" not in text
    if width >= 160:
        assert not note  # the whole KPI table at 160 columns


@pytest.mark.parametrize("width", WIDTHS)
def test_record_views_fit(book: dict[str, str], width: int, tmp_path: Path) -> None:
    quote = _json(book, "quote", "list")[0]["number"]
    record = _json(book, "quote", "show", quote)
    text, _note = _screen(book, width, "quote", "show", quote, tmp=tmp_path)
    _fits(text, width)
    for key in ("number", "status", "valid_until", "currency"):
        assert str(record[key]) in text, key
    for key in ("net", "total", "subtotal"):
        assert _money(record[key]) in text, key
    for line in record["lines"]:
        assert line["sku"] in text and _money(line["net"]) in text
    assert f"{NAMES.get(record['rep'], record['rep'])}" in text

    deal = record["deal_id"]
    shown = _json(book, "deal", "show", str(deal))
    text, _note = _screen(book, width, "deal", "show", str(deal), tmp=tmp_path)
    _fits(text, width)
    assert str(shown["id"]) in text and shown["stage"] in text and shown["created_at"][:16].replace("T", " ") in text
    if shown["owner"] in NAMES:
        assert f"{NAMES[shown['owner']]} ({shown['owner']})" in text  # a record shows the name and the handle


def test_json_and_plain_keep_everything(book: dict[str, str], tmp_path: Path) -> None:
    leads = _json(book, "lead", "list", "--limit", "20")
    assert {lead["owner"] for lead in leads} <= {*NAMES, "emily.chen", "james.liu", None}
    assert any(lead["owner"] in NAMES for lead in leads)  # handles, not names
    customers = _json(book, "customer", "list")
    assert any(c["name"] == LONG_NAME and c["owner"] == "wang.fang" for c in customers)
    plain = run_like_a_process("customer", "list", "--format", "plain", env={**book, "COLUMNS": "80"})
    assert plain.exit_code == 0, plain.stderr
    assert LONG_NAME in plain.stdout and "98,765,432.10" in plain.stdout and not plain.stderr  # never shortened


# -- the renderer alone ----------------------------------------------------------------------------------------

class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


ROWS = [{"id": i, "name": f"客户{i}", "city": "乌鲁木齐" * 3, "industry": "manufacturing", "owner": "wang.fang",
         "budget": Decimal("1234567.89"), "since": __import__("datetime").date(2026, 1, 2)} for i in range(3)]
COLS = [Col("id", "id", True), Col("name", "name"), Col("city", "city"), Col("industry", "industry"),
        Col("owner", "owner"), Col("budget", "budget", True), Col("since", "since")]


def test_narrow_table_drops_the_widest_optional_columns_with_one_note(monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COLUMNS", "48")
    screen = Terminal()
    render(ROWS, COLS, "table", stream=screen)
    text = _bare(screen.getvalue())
    _fits(text, 48)
    assert "1,234,567.89" in text and "2026-01-02" in text and "客户2" in text
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "city" in err and "--format plain" in err


def test_very_narrow_table_shows_one_record_per_block(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("COLUMNS", "24")
    screen = Terminal()
    rows = [{**row, "name": f"客户客户客户{row['id']}"} for row in ROWS]  # only id and name would fit
    render(rows, COLS, "table", stream=screen, title="customers")
    text = _bare(screen.getvalue())
    _fits(text, 24)
    blocks = text.split("\n\n")
    assert len(blocks) == 3 and blocks[0].startswith("customers\n")
    assert all("1,234,567.89" in b and "2026-01-02" in b and "客户客户客户" in b for b in blocks)
    assert "manufacturing" in text and not capsys.readouterr().err  # nothing left out


def test_rep_names_only_in_human_formats_and_only_asked_when_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []

    def names() -> dict[str, str]:
        asked.append(1)
        return {"wang.fang": "王芳", "nobody": ""}

    monkeypatch.setattr(output, "_rep_names", names)
    rows = [{"id": 1, "owner": "wang.fang"}, {"id": 2, "owner": "nobody"}]
    for fmt in ("plain", "markdown", "table"):
        out = io.StringIO()
        render(rows, [Col("id", "id", True), Col("owner", "owner")], fmt, stream=out)
        assert "王芳" in out.getvalue() and "wang.fang" not in out.getvalue() and "nobody" in out.getvalue()
    for fmt in ("json", "csv"):
        out = io.StringIO()
        render(rows, [Col("id", "id", True), Col("owner", "owner")], fmt, stream=out)
        assert "wang.fang" in out.getvalue() and "王芳" not in out.getvalue()
    asked.clear()
    render(rows, [Col("id", "id", True)], "plain", stream=io.StringIO())
    assert not asked  # no person column shown: no query
    out = io.StringIO()
    render_record({"id": 1, "owner": "wang.fang", "created_at": None}, "plain", stream=out)
    assert "王芳 (wang.fang)" in out.getvalue() and "created at" in out.getvalue()


def test_headers_and_labels_are_translated_when_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    from salescli import i18n

    monkeypatch.setattr(i18n, "_translations", _Fake({"owner": "负责人", "created at": "创建时间", "yes": "是"}))
    out = io.StringIO()
    render([{"owner": "x"}], [Col("owner", "owner")], "plain", stream=out)
    assert out.getvalue().startswith("负责人")
    out = io.StringIO()
    render_record({"created_at": None, "approved": True, "odd_key": 1}, "plain", stream=out)
    assert "创建时间" in out.getvalue() and "是" in out.getvalue() and "odd_key" in out.getvalue()
    out = io.StringIO()
    render_record({"approved": True}, "json", stream=out)
    assert json.loads(out.getvalue()) == {"approved": True}


class _Fake:
    def __init__(self, table: dict[str, str]) -> None:
        self.table = table

    def gettext(self, message: str) -> str:
        return self.table.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural
