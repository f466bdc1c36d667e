"""The bad-input catalogue: every case exits with the right code and one clear line, and leaves the database
exactly as it was (compared row for row)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli, snapshot

SQLISH = "x'); DROP TABLE leads; --"


@pytest.fixture
def book(cli: Cli, tmp_path: Path) -> Cli:
    cli.ok("rep", "add", "wang", "--name", "王芳")
    cli.ok("product", "add", "P-1", "--name", "Widget", "--price", "100", "--cost", "50")
    lead = cli.id("lead", "add", "甲", "--source", "web", "--company", "甲公司")
    deal = cli.id("lead", "convert", str(lead))
    quote = cli.ok("quote", "create", str(deal), "--item", "P-1:1").stdout.strip()
    assert (lead, deal, quote) == (1, 1, "Q-2026-0001")
    (tmp_path / "bad.json").write_text('{"items": [{"sku": "P-1", "qty": "2"}], "budget": 99.5}', encoding="utf-8")
    (tmp_path / "types.json").write_text(json.dumps({"items": "P-1"}), encoding="utf-8")
    (tmp_path / "quote.csv").write_text('name,source\n"unterminated,web\nB,web\n', encoding="utf-8")
    (tmp_path / "wide.csv").write_text("name,source\nA,web,extra\n", encoding="utf-8")
    (tmp_path / "dups.csv").write_text("name,name,source\nA,B,web\n", encoding="utf-8")
    return cli


CASES: list[tuple[int, list[str], str]] = [
    # bad dates
    (2, ["lead", "add", "A", "--source", "web", "--date", "2026-13-01"], "is not a date"),
    (2, ["lead", "add", "A", "--source", "web", "--follow-up", "next tuesday"], "is not a date"),
    (2, ["order", "track", "--date", "29/11/2026"], "is not a date"),
    (2, ["kpi", "report", "--from", "2026-12-01", "--to", "2026-11-01"], "is before --from"),
    (2, ["needs", "confirm", "1", "--item", "P-1:1", "--budget", "1", "--deliver-by", "2026-02-29"], "not a date"),
    # negative, huge, NaN, sub-cent amounts
    (2, ["product", "add", "P-2", "--name", "x", "--price", "-1", "--cost", "1"], "is negative"),
    (2, ["product", "add", "P-2", "--name", "x", "--price", "1e20", "--cost", "1"], "larger than the maximum"),
    (2, ["product", "add", "P-2", "--name", "x", "--price", "NaN", "--cost", "1"], "not a finite amount"),
    (2, ["customer", "add", "C", "--budget", "12.345"], "more than 2 decimal places"),
    (2, ["quote", "create", "1", "--item", "P-1:1", "--discount", "150"], "between 0 and 100"),
    (2, ["quote", "create", "1", "--item", "P-1:0"], "not a positive whole number"),
    (2, ["quote", "create", "1", "--item", "P-1:99999999999"], "not a positive whole number"),
    (2, ["target", "set", "wang", "2026-11", "--revenue", "abc"], "not an amount"),
    # unknown ids and numbers
    (1, ["lead", "show", "999"], "lead 999 not found"),
    (2, ["lead", "show", "12abc"], "is not an id"),
    (2, ["lead", "show", "99999999999"], "is not an id"),
    (2, ["deal", "show", "2147483648"], "is not an id"),
    (1, ["quote", "show", "Q-2026-9999"], "not found"),
    (2, ["quote", "show", "Q2026"], "is not a quote number"),
    (1, ["contract", "sign", "C-2026-0001", "--signed-by", "x"], "not found"),
    (1, ["order", "update", "SO-2026-0001", "--status", "shipped"], "not found"),
    (2, ["demo", "log", "1", "--products", "NOPE-9"], "unknown SKU"),
    (2, ["--rep", "ghost", "lead", "list"], "no rep 'ghost' (known: wang)"),
    (2, ["--rep", " GHOST ", "lead", "add", "x", "--source", "web"], "no rep 'GHOST'"),
    # wrong states
    (1, ["quote", "accept", "Q-2026-0001"], "cannot become accepted"),
    (1, ["contract", "create", "Q-2026-0001"], "needs an accepted quote"),
    (1, ["lead", "convert", "1"], "already converted"),
    (1, ["lead", "update", "1", "--status", "new"], "cannot become new"),
    # malformed files and wrong types in JSON
    (2, ["needs", "confirm", "1", "--from", "{tmp}/bad.json"], "write amounts as strings"),
    (2, ["needs", "confirm", "1", "--from", "{tmp}/types.json"], "items must be a list"),
    (2, ["import", "leads", "{tmp}/quote.csv"], "malformed CSV"),
    (2, ["import", "leads", "{tmp}/wide.csv"], "fields, the header has 2"),
    (2, ["import", "leads", "{tmp}/dups.csv"], "duplicate column(s) name"),
    (2, ["import", "leads", "{tmp}/missing.csv"], "no such file"),
    (2, ["import", "widgets", "{tmp}/quote.csv"], "'widgets' is not one of"),
    # control characters, over-long text, SQL-looking text in the wrong place
    (2, ["lead", "add", "bad\x07bell", "--source", "web"], "control characters"),
    (2, ["customer", "add", "x" * 201], "longer than 200 characters"),
    (2, ["rep", "add", SQLISH, "--name", "x"], "handle"),
    (2, ["lead", "add", "A", "--source", SQLISH], "is not a channel"),
    (2, ["product", "add", SQLISH, "--name", "x", "--price", "1", "--cost", "1"], "is not a SKU"),
    (2, ["lead", "add", "A", "--source", "web", "--email", "a@b.com\r\nBcc: x@y.z"], "not an email address"),
    # usage
    (2, ["lead", "list", "--format", "xml"], "'xml' is not one of"),
    (2, ["kpi", "report", "--by", "planet"], "not one of"),
    (2, ["ticket", "open", "--subject", "x", "--order", "SO-2026-0001", "--customer", "1"], "exactly one of"),
]


def test_bad_input_catalogue(book: Cli, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(book)
    for code, args, fragment in CASES:
        line = book.fails(code, *(a.replace("{tmp}", str(tmp_path)) for a in args))
        assert fragment in line, (args, line)
        assert "Traceback" not in line
    assert snapshot(book) == before
    assert len(CASES) >= 30
    with capsys.disabled():
        print(f"\n{len(CASES)} bad-input cases: each exit code and one-line message as expected, database unchanged")


def test_catalogue_size(capsys: pytest.CaptureFixture[str]) -> None:
    """The bad-input catalogue across its modules: each module's CASES run through check_refusals (exit code, one
    line, database unchanged) in that module's own test."""
    import importlib
    import pkgutil

    import tests

    total = {}
    for info in pkgutil.iter_modules(tests.__path__):
        if info.name.startswith("test_"):
            module = importlib.import_module(f"tests.{info.name}")
            cases = sum(len(v) for k, v in vars(module).items() if k.endswith("CASES") and isinstance(v, list))
            if cases:
                total[info.name] = cases
    assert sum(total.values()) >= 120, total
    with capsys.disabled():
        print(f"\nbad-input catalogue: {sum(total.values())} cases ({', '.join(f'{k} {v}' for k, v in total.items())})")


def test_sql_looking_text_is_stored_verbatim(book: Cli) -> None:
    lead = book.id("lead", "add", SQLISH, "--source", "web", "--company", "Robert'); --")
    assert book.json("lead", "show", str(lead))["name"] == SQLISH
    assert [r["id"] for r in book.json("lead", "list", "--search", "DROP TABLE")] == [lead]
