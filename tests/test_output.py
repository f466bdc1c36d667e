"""The renderer: the same rows in every format, CJK aligned, user text never read as markup."""

from __future__ import annotations

import csv
import io
import json

from salescli.output import Col, render, render_record
from tests.conftest import Cli

ROWS = [{"id": 1, "name": "王芳", "budget": __import__("decimal").Decimal("1234.50"), "note": "[red]x[/red]"},
        {"id": 22, "name": "Emma Smith", "budget": None, "note": "=1+1"}]
COLS = [Col("id", "id", True), Col("name", "name"), Col("budget", "budget", True), Col("note", "note")]


def _render(fmt: str) -> str:
    out = io.StringIO()
    render(ROWS, COLS, fmt, stream=out)
    return out.getvalue()


def test_plain_aligns_cjk_by_display_width() -> None:
    from wcwidth import wcswidth

    header, first, second = _render("plain").splitlines()
    # the note column starts at the same display column on every line, although 王芳 is 2 chars / 4 columns
    columns = {wcswidth(line[: line.index(marker)])
               for line, marker in ((header, "note"), (first, "[red]"), (second, "=1+1"))}
    assert len(columns) == 1


def test_table_prints_markup_literally_and_without_color() -> None:
    text = _render("table")
    assert "[red]x[/red]" in text
    assert "\x1b[" not in text
    assert "王芳" in text and "1,234.50" in text


def test_markdown_csv_json() -> None:
    md = _render("markdown")
    assert md.splitlines()[0].startswith("|") and "王芳" in md
    rows = list(csv.DictReader(io.StringIO(_render("csv"))))
    assert rows[1]["note"] == "'=1+1" and rows[0]["budget"] == "1234.50"
    data = json.loads(_render("json"))
    assert data[0] == {"id": 1, "name": "王芳", "budget": "1234.50", "note": "[red]x[/red]"}


def test_record_sections_in_plain() -> None:
    out = io.StringIO()
    render_record({"id": 3, "name": "李雷", "items": [{"sku": "A"}]}, "plain", stream=out,
                  sections={"items": ([{"sku": "A"}], [Col("sku", "sku")])})
    text = out.getvalue()
    assert "李雷" in text and "items:" in text and "A" in text


def test_table_format_through_cli_shows_user_text_verbatim(cli: Cli) -> None:
    cli.id("lead", "add", "[bold]Boss[/bold]", "--source", "web", "--company", "上海[red]")
    text = cli.ok("lead", "list", "--format", "table").stdout
    assert "[bold]Boss[/bold]" in text and "上海[red]" in text


def test_terminal_tables_show_the_first_rows_and_say_how_many_more(capsys) -> None:  # type: ignore[no-untyped-def]
    from salescli.output import SCREEN_ROWS

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    rows = [{"id": i, "name": f"客户{i}"} for i in range(SCREEN_ROWS + 7)]
    screen = Terminal()
    render(rows, [Col("id", "id", True), Col("name", "name")], "table", stream=screen)
    assert f"客户{SCREEN_ROWS - 1}" in screen.getvalue() and f"客户{SCREEN_ROWS}" not in screen.getvalue()
    assert "… 7 more rows" in capsys.readouterr().err
    piped = io.StringIO()
    render(rows, [Col("id", "id", True), Col("name", "name")], "plain", stream=piped)
    assert f"客户{SCREEN_ROWS + 6}" in piped.getvalue()  # scripts always get everything


def test_plain_and_markdown_are_tabulates_tables_to_the_byte() -> None:
    """Plain and markdown tables of ASCII and CJK text are made without tabulate (start-up, issue 21): the same text
    as tabulate's, whatever the cells (blank, padded, wider than their header, "True"), and the rest still goes to
    tabulate (accents, emoji, combining marks, line breaks, tabs, escapes)."""
    import random

    from tabulate import tabulate

    from salescli import output
    from salescli.output import Format

    wide = [chr(code) for low, high in output._WIDE_RANGES for code in range(low, high + 1)]
    ascii_ = [chr(code) for code in range(32, 127)]
    odd = ["é", "\n", "\u3000", "\xa0", "👍", "\u0301", "ｶ", "\t", "\x1b", "·", "\u200b", "|", "<", "[", "\\"]
    pools = [ascii_, wide, ascii_ + wide, ascii_ + odd, wide + odd, [" ", "a", "中", "True", "1", "-"]]
    rng = random.Random(21)

    def text() -> str:
        pool = rng.choice(pools)
        return "".join(rng.choice(pool) for _ in range(rng.choice([0, 1, 2, 3, 5, 9])))

    for _ in range(1500):
        width = rng.randint(1, 5)
        body = [[text() for _ in range(width)] for _ in range(rng.randint(1, 5))]
        columns = [Col(f"k{i}", text(), rng.random() < 0.5) for i in range(width)]
        for kind in (Format.plain, Format.markdown):
            out = io.StringIO()
            output._tabulate(out, body, columns, kind)
            safe = output.markdown_cell if kind is Format.markdown else output._human
            expected = tabulate([[safe(cell) for cell in row] for row in body],
                                headers=[safe(col.header) for col in columns],
                                tablefmt="github" if kind is Format.markdown else "plain",
                                colalign=["right" if col.numeric else "left" for col in columns],
                                disable_numparse=True)
            assert out.getvalue() == expected + "\n", (body, columns, kind)


def test_the_characters_measured_without_wcwidth_are_two_columns_in_wcwidth() -> None:
    from wcwidth import wcswidth, wcwidth

    from salescli import output

    wide = [chr(code) for low, high in output._WIDE_RANGES for code in range(low, high + 1)]
    assert [char for char in wide if wcwidth(char) != 2] == []
    mixed = "王芳 Wang（华南）한국어カタカナ"
    assert output._simple_chars([mixed])
    assert output._simple_width(mixed) == wcswidth(mixed)
