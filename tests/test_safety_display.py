"""Issue 13, display is safe: hidden controls are refused on input and never printed raw; Markdown stays inert;
``--search`` text is matched literally (``%`` and ``_`` find themselves)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from salescli.domain.identity import CONTROL_CHARS, clean_text
from salescli.errors import InputError
from salescli.output import Col, markdown_cell, render, render_record, visible
from tests.conftest import Case, Cli, check_refusals

# What a terminal or a document would act on: ESC (a terminal escape), CSI as one C1 character, a bidi override,
# the line/paragraph separators, CR (overwrites the line), BEL.
RAW = ("\x1b", "\x9b", "\u202e", "\u2028", "\u2029", "\r", "\x07")
# A name as an older database may hold it (input refuses all of this now).
EVIL = "Eve\u202eXE.exe\x1b[2J\x9b31m\u2028next\rover\x07"
EVIL_SHOWN = ("\\u202e", "\\x1b[2J", "\\x9b31m", "\\u2028next", "\\x0dover", "\\x07")

CASES: list[Case] = [
    # C1 controls, bidi embeddings/overrides/isolates, line and paragraph separators: refused like C0 controls
    (2, ["lead", "add", "\u202eevil", "--source", "web"], "name: contains control characters"),
    (2, ["lead", "add", "a\u009b31mb", "--source", "web"], "name: contains control characters"),
    (2, ["lead", "add", "a\u0085b", "--source", "web"], "name: contains control characters"),
    (2, ["lead", "add", "a\u2028b", "--source", "web"], "name: contains control characters"),
    (2, ["lead", "add", "a\u2029b", "--source", "web"], "name: contains control characters"),
    (2, ["lead", "add", "x\u2066y\u2069", "--source", "web"], "name: contains control characters"),
    (2, ["lead", "add", "A", "--source", "web", "--company", "Acme\u202d"], "company: contains control"),
    (2, ["lead", "add", "A", "--source", "web", "--city", "\x1b[2J上海"], "city: contains control"),
    (2, ["lead", "add", "A", "--source", "web", "--notes", "line one\nline\u2028two"], "notes: contains control"),
    (2, ["lead", "update", "2", "--name", "Li\u202a"], "name: contains control characters"),
    (2, ["customer", "add", "Evil\u202eCorp"], "name: contains control characters"),
    (2, ["customer", "update", "1", "--industry", "a\u009bb"], "industry: contains control"),
    (2, ["contact", "add", "1", "--name", "Wang", "--title", "CEO\u2067"], "title: contains control"),
    (2, ["product", "add", "P-2", "--name", "Widget\u202e", "--price", "1", "--cost", "1"], "contains control"),
    (2, ["demo", "log", "1", "--products", "P-1", "--questions", "why\u202e?"], "questions: contains control"),
    # names made only of zero-width characters, a BOM or soft hyphens are empty
    (2, ["lead", "add", "\u200b", "--source", "web"], "name: must not be empty"),
    (2, ["lead", "add", "\ufeff", "--source", "web"], "name: must not be empty"),
    (2, ["lead", "add", "\u200b\u200c \u200d\u2060\u00ad\ufeff", "--source", "web"], "name: must not be empty"),
    (2, ["lead", "update", "2", "--name", "\u200b\u200b"], "name: must not be empty"),
    (2, ["lead", "add", "\u3164\u180e", "--source", "web"], "name: must not be empty"),  # Hangul filler, MVS
    (2, ["customer", "add", "\u2060"], "name: must not be empty"),
    (2, ["contact", "add", "1", "--name", "\ufeff"], "name: must not be empty"),
    (2, ["product", "add", "P-2", "--name", "\u00ad", "--price", "1", "--cost", "1"], "name: must not be empty"),
    (2, ["rep", "add", "bob", "--name", "\u200b"], "name: must not be empty"),
]


def _book(cli: Cli) -> None:
    """Lead 1 (converted: customer 1, deal 1), lead 2 (open), product P-1."""
    cli.ok("product", "add", "P-1", "--name", "Widget", "--price", "100", "--cost", "50")
    lead = cli.id("lead", "add", "Li", "--source", "web", "--company", "Acme")
    cli.ok("lead", "convert", str(lead))
    assert cli.id("lead", "add", "Wu", "--source", "web") == 2


def test_hidden_controls_and_invisible_names_are_refused(cli: Cli, tmp_path: Path) -> None:
    _book(cli)
    check_refusals(cli, CASES, tmp_path)
    assert len(CASES) >= 15


# -- input rules, without a database ---------------------------------------------------------------------------

@pytest.mark.parametrize("char", ["\x1b", "\x7f", "\x80", "\x85", "\x9b", "\x9f", "\u202a", "\u202b", "\u202c",
                                  "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u2028", "\u2029"])
@pytest.mark.parametrize("multiline", [False, True])
def test_clean_text_refuses_hidden_controls(char: str, multiline: bool) -> None:
    with pytest.raises(InputError, match=r"^notes: contains control characters"):
        clean_text(f"a{char}b", field="notes", multiline=multiline, max_len=4000)


@pytest.mark.parametrize("text", ["\u200b", "\u200c\u200d", "\u2060", "\ufeff", "\u00ad", " \u200b \ufeff ",
                                  # the rest of Unicode's default-ignorables, Hangul fillers, the blank braille cell
                                  "\u180e", "\u034f", "\u3164", "\u115f", "\ufe0f", "\u200e", "\u2061", "\u2064",
                                  "\U0001d173", "\U000e0001", "\u2800", "\uffa0", "\u3164\u200e \ufe0f"])
def test_clean_text_counts_invisible_only_text_as_empty(text: str) -> None:
    with pytest.raises(InputError, match=r"^name: must not be empty$"):
        clean_text(text, field="name")
    assert clean_text(text, field="company", required=False) == ""  # an optional field stores nothing


@pytest.mark.parametrize("text", ["👩\u200d💻 Dev", "王\u00ad芳", "\ufeffAlice", "שלום\u200f", "上海[red]", "❤\ufe0f",
                                  "ㅤ김"])
def test_clean_text_keeps_real_text_with_invisible_characters_verbatim(text: str) -> None:
    assert clean_text(text, field="name") == text


def test_multiline_text_keeps_line_breaks_and_tabs() -> None:
    assert clean_text("one\r\ntwo\tthree", field="notes", multiline=True, max_len=4000) == "one\r\ntwo\tthree"


def test_control_chars_is_one_character_class_and_output_escapes_exactly_it() -> None:
    """Imports scan a whole column with CONTROL_CHARS in one pass; the renderer escapes the same set (but for
    the tab and line feed multiline text may hold), so what input refuses never reaches a terminal raw."""
    assert re.fullmatch(r"\[[^\[\]]+\]", CONTROL_CHARS.pattern), CONTROL_CHARS.pattern
    for code in range(0x3000):
        char = chr(code)
        refused = bool(CONTROL_CHARS.search(char)) and char not in "\t\n"
        assert (visible(char) != char) == refused, hex(code)
        if refused:
            assert visible(char) in (f"\\x{code:02x}", f"\\u{code:04x}")


def test_import_refuses_what_clean_text_refuses(sqlite_cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "bidi.csv").write_text("name,source\nX\u202eY,web\nBob,web\n", encoding="utf-8")
    (tmp_path / "c1.csv").write_text("name,source,notes\nBob,web,ok\u009b31m\n", encoding="utf-8")
    bidi = sqlite_cli("import", "leads", f"{tmp_path}/bidi.csv")
    assert bidi.exit_code == 2 and "bidi.csv:2: name: contains control characters" in bidi.stderr
    c1 = sqlite_cli("import", "leads", f"{tmp_path}/c1.csv")
    assert c1.exit_code == 2 and "c1.csv:2: notes: contains control characters" in c1.stderr
    assert sqlite_cli.count("leads") == 0


def test_import_counts_invisible_only_cells_as_empty(sqlite_cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "zw.csv").write_text("name,source,company\nBob,web,\u200b\n", encoding="utf-8")
    sqlite_cli.ok("import", "leads", f"{tmp_path}/zw.csv")
    assert sqlite_cli.json("lead", "list")[0]["company"] is None
    (tmp_path / "zw2.csv").write_text("name,source\n\u200b,web\nAnn,web\n", encoding="utf-8")
    assert "zw2.csv:2: name: must not be empty" in sqlite_cli("import", "leads", f"{tmp_path}/zw2.csv").stderr


# -- stored text is shown escaped to people, exact to machines ---------------------------------------------------

def _no_raw(text: str) -> None:
    assert not [c for c in RAW if c in text], repr(text)


def _stored_evil(cli: Cli) -> int:
    """A lead whose name and notes hold what an older database may (written by SQL: input refuses it now)."""
    lead = cli.id("lead", "add", "Eve", "--source", "web", "--company", "Acme")
    cli.rows("UPDATE leads SET name = ?, company = ?, notes = ? WHERE id = ?", EVIL, "\u2067Acme\u2069",
             "line one\nline two\x1b]0;title\x07", lead)
    return lead


def test_lead_list_shows_stored_controls_escaped_in_human_formats(cli: Cli) -> None:
    _stored_evil(cli)
    for fmt in ("plain", "table", "markdown"):
        out = cli.ok("lead", "list", "--format", fmt).stdout
        _no_raw(out)
        if fmt == "markdown":  # Markdown escapes the backslash (and '[') of what is shown
            out = out.replace("\\\\", "\\").replace("\\[", "[")
        assert all(shown in out for shown in EVIL_SHOWN), (fmt, out)
        assert "\\u2067Acme\\u2069" in out
    assert len(cli.ok("lead", "list", "--format", "plain").stdout.splitlines()) == 2  # header and one row


def test_lead_show_escapes_stored_controls_but_keeps_line_breaks(cli: Cli) -> None:
    lead = _stored_evil(cli)
    for fmt in ("plain", "table"):
        out = cli.ok("lead", "show", str(lead), "--format", fmt).stdout
        _no_raw(out)
        assert "\\u202eXE.exe" in out and "line two\\x1b]0;title\\x07" in out
        assert re.search(r"line one *\n *line two", out), out  # a multiline note still reads as lines
    md = cli.ok("lead", "show", str(lead), "--format", "markdown").stdout
    _no_raw(md)
    assert "line one<br>line two\\\\x1b\\]0;title\\\\x07" in md


def test_machine_formats_keep_stored_text_exact(cli: Cli) -> None:
    lead = _stored_evil(cli)
    assert cli.json("lead", "show", str(lead))["name"] == EVIL
    assert cli.json("lead", "list")[0]["company"] == "\u2067Acme\u2069"
    rows = list(csv.DictReader(io.StringIO(cli.ok("lead", "list", "--format", "csv").stdout, newline="")))
    assert rows[0]["name"] == EVIL and rows[0]["notes"] == "line one\nline two\x1b]0;title\x07"


def test_config_values_are_never_shown_raw(sqlite_cli: Cli) -> None:
    """A config file written by hand (or by an older version) with hidden controls in a value: config list
    either shows the value escaped or refuses the file; a raw escape never reaches the terminal."""
    path = Path(sqlite_cli.ok("config", "path").stdout.strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('company_name = "Evil\\u202eCo\\u009b31m\\u2028x"\n', encoding="utf-8")
    for fmt in ("plain", "table", "markdown"):
        run = sqlite_cli("config", "list", "--format", fmt)
        _no_raw(run.stdout + run.stderr)
        if run.exit_code == 0:
            assert "Evil\\u202eCo\\x9b31m\\u2028x" in run.stdout.replace("\\\\", "\\"), run.stdout
        else:
            assert run.exit_code == 2 and "company_name" in run.stderr


def test_messages_to_the_terminal_are_escaped(cli: Cli) -> None:
    lead = cli.id("lead", "add", "Eve", "--source", "web", "--email", "eve@example.com")
    cli.rows("UPDATE leads SET name = ? WHERE id = ?", "Eve\x1b[2J", lead)
    run = cli.ok("lead", "add", "Eva", "--source", "web", "--email", "eve@example.com")  # warns: same email
    assert "Eve\\x1b[2J" in run.stderr and "\x1b" not in run.stderr


# -- Markdown stays inert ----------------------------------------------------------------------------------------

def _cells(line: str) -> int:
    """Table cell delimiters in a Markdown row: '|' not escaped by a backslash."""
    count, escaped = 0, False
    for char in line:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "|":
            count += 1
    return count


HOSTILE = "a|b\\|c <script>alert(1)</script> [click](javascript:alert(1)) ![x](http://t/x.png)"


def _inert(md: str) -> None:
    assert "<script" not in md and "<img" not in md and "<b>" not in md, md
    assert not re.search(r"(?<!\\)\]\(", md), md  # no [text](url) link or image left


def test_markdown_rows_never_gain_a_column_and_hold_no_html_or_links(cli: Cli) -> None:
    lead = cli.id("lead", "add", HOSTILE, "--source", "web", "--company", "<b>Acme</b>|x")
    cli.rows("UPDATE leads SET notes = ? WHERE id = ?", "one|two\nthree <i>", lead)
    md = cli.ok("lead", "list", "--format", "markdown").stdout
    _inert(md)
    lines = md.splitlines()
    assert len(lines) == 3 and {_cells(line) for line in lines} == {9}, md  # 8 columns
    assert "a\\|b\\\\\\|c &lt;script>" in md and "\\[click\\](javascript:" in md
    record = cli.ok("lead", "show", str(lead), "--format", "markdown").stdout
    _inert(record)
    table = record.split("\n\n")[0].splitlines()
    assert {_cells(line) for line in table} == {3}, record  # field | value
    assert "one\\|two<br>three &lt;i>" in record


def test_markdown_cell() -> None:
    assert markdown_cell("a|b") == "a\\|b"
    assert markdown_cell("a\\|b") == "a\\\\\\|b"
    assert markdown_cell("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)>"
    assert markdown_cell("[x](javascript:alert(1))") == "\\[x\\](javascript:alert(1))"
    assert markdown_cell("one\r\ntwo\tthree\x1b") == "one<br>two three\\\\x1b"
    assert markdown_cell("王芳 · 上海") == "王芳 · 上海"


def test_visible() -> None:
    assert visible("a\x1bb\u202ec\x9bd\u2028e\r\nf\tg\rh") == "a\\x1bb\\u202ec\\x9bd\\u2028e\nf\tg\\x0dh"
    assert visible("王芳 [red]x") == "王芳 [red]x"


def test_renderer_escapes_titles_headers_and_records() -> None:
    out = io.StringIO()
    render([{"n": "x\u202e|y"}], [Col("n", "na|me")], "markdown", stream=out, title="<b>t\x1b</b>", heading=True)
    text = out.getvalue()
    assert text.startswith("## &lt;b>t\\\\x1b&lt;/b>\n") and "x\\\\u202e\\|y" in text and "na\\|me" in text
    assert {_cells(line) for line in text.splitlines()[2:]} == {2}
    out = io.StringIO()
    render_record({"na\x1bme": "v\u2029w"}, "table", stream=out)
    _no_raw(out.getvalue())
    assert "na\\x1bme" in out.getvalue() and "v\\u2029w" in out.getvalue()


def test_quote_documents_hold_no_html_or_links_from_customer_text(cli: Cli, tmp_path: Path) -> None:
    cli.ok("product", "add", "P-1", "--name", HOSTILE, "--price", "100", "--cost", "50")
    lead = cli.id("lead", "add", "Li", "--source", "web", "--company", "<b>Acme</b> [x](javascript:void(0))|y")
    deal = cli.id("lead", "convert", str(lead), "--deal-title", "<img src=x onerror=alert(1)>")
    number = cli.ok("quote", "create", str(deal), "--item", "P-1:2").stdout.strip()
    cli.ok("quote", "render", number, "--to", str(tmp_path / "q.md"))
    md = (tmp_path / "q.md").read_text(encoding="utf-8")
    _inert(md)
    item = next(line for line in md.splitlines() if line.startswith("| 1 | P-1 "))
    assert _cells(item) == 9, item  # 8 columns
    assert "**买方**：&lt;b>Acme&lt;/b> \\[x\\](javascript:void(0))\\|y" in md
    cli.ok("quote", "render", number, "--to", str(tmp_path / "q.html"))
    page = (tmp_path / "q.html").read_text(encoding="utf-8")
    assert "<script" not in page and "<img" not in page and "<b>Acme" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# -- --search text is literal --------------------------------------------------------------------------------------

def test_search_matches_percent_underscore_and_backslash_literally(cli: Cli) -> None:
    pct = cli.id("lead", "add", "百分之100%", "--source", "web")
    under = cli.id("lead", "add", "a_b", "--source", "web")
    back = cli.id("lead", "add", "back\\slash", "--source", "web")
    cli.id("lead", "add", "plain", "--source", "web", "--company", "axb")

    def found(*args: str) -> list[int]:
        return sorted(r["id"] for r in cli.json(*args))

    assert found("lead", "list", "--search", "%") == [pct]
    assert found("lead", "list", "--search", "_") == [under]
    assert found("lead", "list", "--search", "a_b") == [under]  # not axb
    assert found("lead", "list", "--search", "\\") == [back]
    assert found("lead", "list", "--search", "0%") == [pct]
    assert found("lead", "list", "--search", "A_B") == [under]  # still case-insensitive

    deal = cli.id("lead", "convert", str(pct), "--deal-title", "50% off deal")
    cli.id("lead", "convert", str(back))
    assert [r["name"] for r in cli.json("customer", "list", "--search", "%")] == ["百分之100%"]
    assert [r["title"] for r in cli.json("deal", "list", "--search", "%")] == ["50% off deal"]
    cli.ok("contact", "add", "1", "--name", "x_y")
    cli.ok("contact", "add", "1", "--name", "xzy")
    assert [r["name"] for r in cli.json("contact", "list", "--search", "x_y")] == ["x_y"]
    cli.ok("product", "add", "P_1", "--name", "10% widget", "--price", "1", "--cost", "1")
    cli.ok("product", "add", "PX1", "--name", "gadget", "--price", "1", "--cost", "1")
    assert [r["sku"] for r in cli.json("product", "list", "--search", "%")] == ["P_1"]
    assert [r["sku"] for r in cli.json("product", "list", "--search", "p_1")] == ["P_1"]
    cli.ok("demo", "log", str(deal), "--products", "PX1", "--questions", "price too high")
    cli.ok("demo", "log", str(deal), "--products", "P_1", "--questions", "20% too high")
    assert [r["products"] for r in cli.json("demo", "list", "--objection", "%")] == ["P_1"]
    assert [r["products"] for r in cli.json("demo", "list", "--product", "P_1")] == ["P_1"]
