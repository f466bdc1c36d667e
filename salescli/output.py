"""The one renderer: table (Rich) | plain / markdown (tabulate) | csv | json; messages go to stderr.

Commands hand over rows as dicts of plain values (str, int, Decimal money, date, datetime, None) and a list
of columns to show. Human formats (table, plain, markdown) show those columns; machine formats (csv, json)
carry every field of the row so scripts get the whole record. Heavy libraries load only for their format.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TextIO


class Format(StrEnum):
    table = "table"
    plain = "plain"
    markdown = "markdown"
    csv = "csv"
    json = "json"


@dataclass(frozen=True)
class Col:
    """A column of a human table: the row key, its header, and whether it is a number (right-aligned)."""

    key: str
    header: str
    numeric: bool = False
    percent: bool = False  # a 0..1 ratio shown as 12.5% in human formats
    places: int | None = None  # fixed decimals for a number column (cycle days: 1)


def _cell(row: Mapping[str, Any], col: Col) -> str:
    value = row.get(col.key)
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        if col.percent:
            return f"{float(value) * 100:.1f}%"
        if col.places is not None:
            return f"{value:,.{col.places}f}"
    return text_value(value)


# Never printed raw in human formats: C0 controls but tab and line feed (ESC starts terminal sequences, CR
# overwrites the line), DEL, C1 controls (U+009B is a one-character CSI), bidi embeddings/overrides/isolates (they
# reorder the rest of the line) and the line/paragraph separators. Input refuses them (domain.identity.CONTROL_CHARS);
# this is for text stored before that, or from elsewhere (config values, older databases).
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """Text as it is safe to show a person: unsafe characters as visible escapes (``\\x1b``, ``\\u202e``); line
    breaks (CRLF as LF) and tabs stay. Machine formats (json, csv) never go through this: they keep values exact."""
    if text.isprintable():  # the usual case, one C-level check (no control, format or separator character)
        return text
    return _UNSAFE.sub(_escaped, text.replace("\r\n", "\n"))


def _human(text: str) -> str:
    """A table cell for people: visible, tabs as spaces (they have no display width a table can measure)."""
    text = visible(text)
    return text.expandtabs(4) if "\t" in text else text


def markdown_cell(text: str) -> str:
    """A Markdown table cell that stays one cell of inert text: ``\\`` and ``|`` escaped (a row never gains a
    column), ``<`` as ``&lt;`` (no raw HTML), ``[``/``]`` escaped (no links), line breaks as ``<br>``."""
    text = _human(text)
    for char, escape in (("\\", "\\\\"), ("|", "\\|"), ("<", "&lt;"), ("[", "\\["), ("]", "\\]")):
        if char in text:
            text = text.replace(char, escape)
    return text.replace("\n", "<br>") if "\n" in text else text


def resolve_format(fmt: Format | str | None, stream: TextIO | None = None) -> Format:
    """``--format`` (or SALESCLI_FORMAT, folded in by typer) else table on a terminal, plain when piped."""
    if fmt:
        return Format(fmt)
    stream = stream or sys.stdout
    return Format.table if stream.isatty() else Format.plain


def text_value(value: Any) -> str:
    """How a value reads in text formats: money with two decimals, dates ISO, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:,.2f}" if value.as_tuple().exponent == -2 else str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(text_value(v) for v in value)
    return str(value)


def json_value(value: Any) -> Any:
    """JSON form: money as a string with its two decimals ("1234.50"), dates ISO, nested records kept."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return value


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SCREEN_ROWS = 200  # table rows shown on a terminal before "… N more"


def csv_value(value: Any) -> str:
    """CSV cell: text that a spreadsheet would run as a formula is prefixed with ' (numbers are left alone)."""
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, (datetime, date)):
        return json_value(value)  # type: ignore[no-any-return]
    if isinstance(value, (list, tuple, Mapping)):
        return json.dumps(json_value(value), ensure_ascii=False)
    text = text_value(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def dumps(value: Any) -> str:
    return json.dumps(json_value(value), ensure_ascii=False, indent=2)


def json_line(value: Any) -> str:
    """One record as compact JSON on one line (JSON Lines, export)."""
    return json.dumps(json_value(value), ensure_ascii=False, separators=(",", ":"))


def _console(stream: TextIO) -> Any:
    from rich.console import Console

    width = None if stream.isatty() else int(os.environ.get("COLUMNS", "0") or 0) or 160
    return Console(file=stream, markup=False, highlight=False, emoji=False, soft_wrap=False, width=width)


def render(rows: Sequence[Mapping[str, Any]], columns: Sequence[Col], fmt: Format | str | None = None, *,
           title: str | None = None, stream: TextIO | None = None, empty: str = "no records",
           heading: bool = False) -> None:
    """Print a list of records in the chosen format to stdout.

    ``title`` heads a Rich table; with ``heading`` (one of several sections) it also heads plain and
    markdown output, which otherwise stay bare for scripts.
    """
    out = stream or sys.stdout
    kind = resolve_format(fmt, out)
    if kind is Format.json:
        out.write(dumps(list(rows)) + "\n")
        return
    if kind is Format.csv:
        write_csv(out, rows, columns)
        return
    if not rows:
        message(empty)
        return
    if title and heading and kind is not Format.table:
        out.write(f"## {markdown_cell(title)}\n\n" if kind is Format.markdown else f"{visible(title)}:\n")
    shown = rows
    if kind is Format.table and out.isatty() and len(rows) > SCREEN_ROWS:
        shown = rows[:SCREEN_ROWS]  # a person reads the first screens; pipes and other formats get everything
    if kind is Format.table:
        from rich.table import Table

        table = Table(title=visible(title) if title else None, title_justify="left", header_style="bold")
        for col in columns:
            table.add_column(visible(col.header), justify="right" if col.numeric else "left", overflow="fold")
        for row in shown:
            table.add_row(*(_human(_cell(row, col)) for col in columns))
        _console(out).print(table)
        if len(shown) < len(rows):
            message(f"… {len(rows) - len(shown)} more rows: narrow with filters, or pipe / --format plain for all")
        return
    _tabulate(out, [[_cell(row, c) for c in columns] for row in rows], columns, kind)


def _tabulate(out: TextIO, body: list[list[str]], columns: Sequence[Col], kind: Format) -> None:
    from tabulate import tabulate

    aligns = ["right" if c.numeric else "left" for c in columns]
    tablefmt = "github" if kind is Format.markdown else "plain"
    safe = markdown_cell if kind is Format.markdown else _human
    text = tabulate([[safe(cell) for cell in row] for row in body], headers=[safe(c.header) for c in columns],
                    tablefmt=tablefmt, colalign=aligns, disable_numparse=True)
    out.write(text + "\n")


def _write_quoting_cr(out: TextIO, cells: list[str]) -> None:
    """One row holding a lone CR (a multiline note may): Python 3.11's csv quotes only the characters of its line
    terminator, so a writer ending lines in "\\n" would leave "a\\rb" unquoted and a reader would split the row.
    Written with a CRLF writer (which quotes it), the row still ends in "\\n" like the others."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(cells)
    out.write(buffer.getvalue()[:-2] + "\n")


def write_rows(out: TextIO, rows: Iterable[Sequence[str]]) -> None:
    """Rows of cell texts as CSV lines ending in "\n" (a cell with a lone CR is quoted, see _write_quoting_cr)."""
    writer = csv.writer(out, lineterminator="\n")
    for cells in rows:
        if "\r" in "".join(cells):
            _write_quoting_cr(out, list(cells))
        else:
            writer.writerow(cells)


def write_csv(out: TextIO, rows: Iterable[Mapping[str, Any]], columns: Sequence[Col] | None = None, *,
              excel: bool = False) -> int:
    """Every field of every row, header from the first row's keys; returns the number of rows written. ``excel``:
    a UTF-8 byte-order mark and CRLF line ends, as Excel and WPS expect (the caller's stream must be UTF-8)."""
    writer = None
    count = 0
    end = "\r\n" if excel else "\n"  # with CRLF ends the csv module quotes a lone CR itself
    if excel:
        out.write("\ufeff")
    for row in rows:
        if writer is None:
            writer = csv.writer(out, lineterminator=end)
            writer.writerow(list(row.keys()))
        cells = [csv_value(v) for v in row.values()]
        if not excel and "\r" in "".join(cells):
            _write_quoting_cr(out, cells)
        else:
            writer.writerow(cells)
        count += 1
    if writer is None and columns is not None:
        csv.writer(out, lineterminator=end).writerow([c.key for c in columns])
    return count


def render_record(record: Mapping[str, Any], fmt: Format | str | None = None, *,
                  labels: Mapping[str, str] | None = None, stream: TextIO | None = None,
                  sections: Mapping[str, tuple[Sequence[Mapping[str, Any]], Sequence[Col]]] | None = None) -> None:
    """Print one record: a field/value table for people, the object itself for machines.

    ``sections`` are nested lists (a lead's activities, a customer's contacts) shown as tables after the
    fields; in JSON they are part of the record already.
    """
    out = stream or sys.stdout
    kind = resolve_format(fmt, out)
    if kind is Format.json:
        out.write(dumps(record) + "\n")
        return
    if kind is Format.csv:
        write_csv(out, [{k: v for k, v in record.items() if k not in (sections or {})}])
        return
    labels = labels or {}
    fields = [(labels.get(k, k), text_value(v)) for k, v in record.items()
              if k not in (sections or {}) and not isinstance(v, (list, dict))]
    if kind is Format.table:
        from rich.table import Table

        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(style="bold")
        table.add_column(overflow="fold")
        for name, value in fields:
            table.add_row(visible(name), _human(value))
        _console(out).print(table)
    else:
        _tabulate(out, [list(f) for f in fields], [Col("field", "field"), Col("value", "value")], kind)
    for name, (rows, columns) in (sections or {}).items():
        out.write("\n")
        render(rows, columns, kind, title=name, heading=True, stream=out, empty=f"no {name}")


def created(key: object, record: Mapping[str, Any] | None, fmt: Format | str | None) -> None:
    """What a create command prints: the record with --format json, else its id or number alone."""
    if fmt == Format.json and record is not None:
        render_record(record, fmt)
    else:
        emit_id(key)


def emit_id(value: object) -> None:
    """An id or number alone on stdout, so ``$(salescli lead add ...)`` captures it."""
    sys.stdout.write(f"{value}\n")


def message(text: str) -> None:
    """A note for the person at the terminal (stderr, so pipes stay clean)."""
    sys.stderr.write(visible(text) + "\n")


def newline() -> None:
    sys.stdout.write("\n")


def lines(text: Sequence[str]) -> None:
    """Pre-formatted lines (a chart) to stdout."""
    for line in text:
        sys.stdout.write(visible(line) + "\n")


def warn(text: str) -> None:
    sys.stderr.write(f"warning: {visible(text)}\n")
