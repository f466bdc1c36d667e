"""The one renderer: table (Rich) | plain / markdown (tabulate's layout) | csv | json; messages go to stderr.

Commands hand over rows as dicts of plain values (str, int, Decimal money, date, datetime, None) and a list
of columns to show. Human formats (table, plain, markdown) show those columns; machine formats (csv, json)
carry every field of the row so scripts get the whole record. Heavy libraries load only for their format.

For people the renderer also translates headers, labels and titles (``_()`` at display: they are marked with
``N_`` where they are defined), shows reps by display name (``PEOPLE`` columns; the App supplies the names,
see ``use_rep_names``), and fits a ``table`` to the terminal: ids, numbers, money, dates and statuses are never
split, text wraps (at most ``MAX_LINES`` lines, then an ellipsis); when that is not enough the table drops its
box, then its widest optional columns (one note on stderr says which), or shows one record per block.
Plain, markdown, csv and json are never shortened: scripts read them.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TextIO

from salescli.i18n import N_, _, language


class Format(StrEnum):
    table = "table"
    plain = "plain"
    markdown = "markdown"
    csv = "csv"
    json = "json"


@dataclass(frozen=True)
class Col:
    """A column of a human table: the row key, its header (English, marked by the extractor: translated when
    shown), and whether it is a number (right-aligned, never split)."""

    key: str
    header: str
    numeric: bool = False
    percent: bool = False  # a 0..1 ratio shown as 12.5% in human formats
    places: int | None = None  # fixed decimals for a number column (cycle days: 1)
    # False: never split on a narrow terminal (a code, a status); True: text that may wrap; None: from the values
    # (numbers, money, dates and short one-word text are never split)
    wrap: bool | None = None
    # True: may be left out on a narrow terminal; False: never; None: all but the first column and the record's
    # own id, number, name or title (KEY_COLUMNS)
    optional: bool | None = None


#: columns that name the record: never left out of a narrow table
KEY_COLUMNS = frozenset({"id", "number", "name", "title", "subject", "sku", "handle", "text"})
#: row keys that hold a rep's handle: people read the rep's display name there (json and csv keep the handle)
PEOPLE = frozenset({"owner", "rep", "approved_by", "manager", "assignee", "actor"})

_rep_names: Callable[[], Mapping[str, str]] | None = None


def use_rep_names(provider: Callable[[], Mapping[str, str]] | None) -> None:
    """Where human formats get reps' display names by handle (the App's ``rep_names``: one query, made only when
    a table shows a person column). None: handles as they are."""
    global _rep_names
    _rep_names = provider


def rep_names_provider() -> Callable[[], Mapping[str, str]] | None:
    return _rep_names


def _names_for(rows: Iterable[Mapping[str, Any]], keys: Iterable[str]) -> Mapping[str, str]:
    """Display names by handle when a shown person column holds a value, else nothing (no query)."""
    people = [k for k in keys if k in PEOPLE]
    if _rep_names is None or not people or not any(row.get(k) for row in rows for k in people):
        return {}
    return _rep_names()


def _person(value: Any, names: Mapping[str, str], *, with_handle: bool = False) -> Any:
    if not isinstance(value, str) or value not in names:
        return value
    name = names[value]
    if not name or name == value:
        return value
    return f"{name} ({value})" if with_handle else name


def _cell(row: Mapping[str, Any], col: Col, names: Mapping[str, str] | None = None) -> str:
    """A value as people read it (the text formats): percentages, fixed decimals, yes/no in their language, reps
    by display name."""
    value = row.get(col.key)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (int, float, Decimal)):
        if col.percent:
            return f"{float(value) * 100:.1f}%"
        if col.places is not None:
            return f"{value:,.{col.places}f}"
    if names and col.key in PEOPLE:
        value = _person(value, names)
    return text_value(code_label(col.key, value))


def _cells(rows: Sequence[Mapping[str, Any]], columns: Sequence[Col], names: Mapping[str, str]) -> list[list[str]]:
    """``[[_cell(row, col, names) for col in columns] for row in rows]``, made column by column: in a column that
    shows values as they are (no percent, decimals, rep names or translated codes) text, whole numbers, days and
    nothing take a short way (a listing of 1,000 rows has 8,000 cells)."""
    translated = language() != "en"
    by_column = []
    for col in columns:
        key = col.key
        if col.percent or col.places is not None or key in PEOPLE or (translated and key in VALUE_LABELS):
            by_column.append([_cell(row, col, names) for row in rows])
            continue
        texts: list[str] = []
        for row in rows:
            value = row.get(key)
            kind = type(value)
            if kind is str:
                texts.append(value)  # type: ignore[arg-type]  # (exactly str: kind is checked, not isinstance)
            elif value is None:
                texts.append("")
            elif kind is int:  # (exactly: bool, datetime and str enums are not these)
                texts.append(str(value))
            elif kind is date:
                texts.append(value.isoformat())
            else:
                texts.append(_cell(row, col, names))
        by_column.append(texts)
    return [list(cells) for cells in zip(*by_column, strict=True)] if by_column else [[] for _row in rows]


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


_preferred: Format | None = None  # the config file's format preference (app.App.use_preferences sets it)


def prefer_format(fmt: Format | str | None) -> None:
    """The format when a command is given no ``--format`` (and SALESCLI_FORMAT is not set): the personal
    preference ``format`` of the config file; None: table on a terminal, plain when piped."""
    global _preferred
    _preferred = Format(fmt) if fmt else None


def resolve_format(fmt: Format | str | None, stream: TextIO | None = None) -> Format:
    """``--format`` (or SALESCLI_FORMAT, folded in by typer), else the config file's ``format``, else table on a
    terminal, plain when piped."""
    if fmt:
        return Format(fmt)
    if _preferred is not None:
        return _preferred
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


#: how people read a record's field names (``show``): English, translated when shown; a key not here shows as is
LABELS: dict[str, str] = {
    "id": N_("id"), "name": N_("name"), "title": N_("title"), "company": N_("company"), "email": N_("email"),
    "phone": N_("phone"), "city": N_("city"), "region": N_("region"), "address": N_("address"),
    "source": N_("source"), "status": N_("status"), "score": N_("score"), "owner": N_("owner"), "rep": N_("rep"),
    "follow_up": N_("follow-up"), "notes": N_("notes"), "note": N_("note"), "lost_reason": N_("lost reason"),
    "customer": N_("customer"), "customer_id": N_("customer id"), "deal": N_("deal"), "deal_id": N_("deal id"),
    "created_at": N_("created at"), "updated_at": N_("updated at"), "closed_at": N_("closed at"),
    "merged_into": N_("merged into"), "industry": N_("industry"), "size": N_("size"), "budget": N_("budget"),
    "tier": N_("tier"), "competitors": N_("competitors"), "preferences": N_("preferences"),
    "legal_name": N_("legal name"), "tax_id": N_("tax id"), "stage": N_("stage"), "value": N_("value"),
    "expected_close": N_("expected close"), "next_step": N_("next step"), "stage_at": N_("in stage since"),
    "probability": N_("stage probability"), "win_probability": N_("win probability"), "number": N_("number"),
    "revision": N_("revision"), "latest_revision": N_("latest revision"), "subtotal": N_("subtotal"),
    "discount": N_("discount"), "discount_pct": N_("discount %"), "net": N_("net"), "tax": N_("tax"),
    "tax_rate": N_("tax rate %"), "total": N_("total"), "currency": N_("currency"), "list_value": N_("list value"),
    "effective_discount": N_("effective discount"), "margin": N_("margin"), "needs_approval": N_("needs approval"),
    "approved": N_("approved"), "approved_by": N_("approved by"), "approved_at": N_("approved at"),
    "valid_until": N_("valid until"), "sent_at": N_("sent at"), "decided_at": N_("decided at"),
    "reject_reason": N_("reject reason"), "payment_terms": N_("payment terms"),
    "delivery_terms": N_("delivery terms"), "delivery_date": N_("delivery date"), "remarks": N_("remarks"),
    "quote": N_("quote"), "quote_revision": N_("quote revision"), "units": N_("units"), "terms": N_("terms"),
    "signed_at": N_("signed at"), "signed_by": N_("signed by"), "flag": N_("flag"), "late": N_("late"),
    "at_risk": N_("at risk"), "promised": N_("promised"), "expected": N_("expected"), "days_left": N_("days left"),
    "contract": N_("contract"), "ordered_at": N_("ordered at"), "shipped_at": N_("shipped at"),
    "delivered_at": N_("delivered at"), "subject": N_("subject"), "priority": N_("priority"),
    "order": N_("order"), "opened_at": N_("opened at"), "sla_due_at": N_("SLA due at"),
    "resolved_at": N_("resolved at"), "sla": N_("SLA"), "breached": N_("breached"),
    "near_breach": N_("near breach"), "hours_left": N_("hours left"), "sku": N_("SKU"), "category": N_("category"),
    "price": N_("price"), "cost": N_("cost"), "lead_time_days": N_("lead time (days)"), "active": N_("active"),
    "description": N_("description"), "spec": N_("spec"), "unit": N_("unit"), "deliver_by": N_("deliver by"),
    "decision_maker": N_("decision maker"), "confirmed_at": N_("confirmed at"), "handle": N_("handle"),
    "role": N_("role"), "login": N_("login"), "period": N_("period"), "from": N_("from"), "to": N_("to"),
    "revenue": N_("revenue"), "due": N_("due"), "overdue_days": N_("late (days)"), "on": N_("on"),
    "record_id": N_("record id"), "record": N_("record"), "text": N_("task"), "done_at": N_("done at"),
    "database": N_("database"), "schema": N_("schema"), "size_bytes": N_("size (bytes)"),
    # nested lists shown as sections after the fields
    "activities": N_("activities"), "contacts": N_("contacts"), "timeline": N_("timeline"), "lines": N_("lines"),
    "events": N_("events"), "items": N_("items"), "findings": N_("findings"),
}
def _codes(*codes: str, **renamed: str) -> dict[str, str]:
    """``{code: message id}``: the code itself, or (``renamed``) an id of its own where the code's word is already a
    message meaning something else ("email" is the field label 邮箱; the channel is 邮件)."""
    return {code: renamed.get(code, code) for code in codes} | dict(renamed)


_INDUSTRY = _codes(N_("manufacturing"), N_("software"), N_("retail"), N_("healthcare"), N_("education"),
                   N_("logistics"), N_("finance"), N_("energy"), N_("construction"), N_("food"), N_("automotive"),
                   N_("electronics"), N_("chemicals"), N_("real_estate"), N_("telecom"), N_("government"),
                   N_("agriculture"))
_CHANNEL = _codes(N_("phone"), N_("social"), N_("exhibition"), N_("referral"), N_("web"), N_("other"),
                  email=N_("email (channel)"))
_STATUS = _codes(
    N_("new"), N_("contacted"), N_("qualified"), N_("converted"), N_("lost"), N_("merged"),  # leads, customers
    N_("qualification"), N_("needs_confirmed"), N_("demo"), N_("proposal"), N_("negotiation"), N_("won"),  # deals
    N_("draft"), N_("accepted"), N_("rejected"), N_("expired"), N_("superseded"),  # quotes
    N_("completed"), N_("cancelled"),  # contracts
    N_("submitted"), N_("confirmed"), N_("in_production"), N_("shipped"), N_("closed"),  # orders
    N_("open"), N_("in_progress"), N_("resolved"),  # tickets
    N_("pending"), N_("failed"), N_("responded"), N_("done"),  # surveys, tasks
    sent=N_("sent (status)"), signed=N_("signed (status)"), delivered=N_("delivered (status)"))
_KIND = _codes(N_("call"), N_("meeting"), N_("visit"), N_("wechat"), N_("note"), N_("demo"), N_("stage"),
               N_("needs"), N_("quote"), N_("contract"), N_("order"), N_("ticket"), N_("survey"), N_("task"),
               email=N_("email (channel)"))
_UNASSIGNED = {"unassigned": N_("unassigned"), "(none)": N_("unassigned")}  # no rep: the words reports use

#: Stored code values as people read them in Chinese, by the row key that holds them: industries, channels,
#: statuses, stages, priorities... The one table of these words (the catalog translates them). Human formats show
#: the translation when the language is not English; English shows the code as stored, and JSON and CSV always
#: carry the code exactly. A code not here (a team's own industry key) shows as stored.
VALUE_LABELS: dict[str, Mapping[str, str]] = {
    "industry": _INDUSTRY, "size": _codes(N_("small"), N_("medium"), N_("large"), N_("enterprise")),
    "source": _CHANNEL, "channel": _CHANNEL,
    **{key: _STATUS for key in ("status", "stage", "from_status", "to_status", "from_stage", "to_stage")},
    "priority": _codes(N_("low"), N_("normal"), N_("high"), N_("urgent")),
    "kind": _KIND, "event": _KIND, "outcome": _codes(N_("positive"), N_("neutral"), N_("negative")),
    "role": _codes(N_("rep"), N_("manager")),
    "flag": _codes(N_("LATE"), N_("at risk")), "sla": _codes(N_("BREACHED"), N_("near")),
    **{key: _UNASSIGNED for key in PEOPLE},
}


def code_label(key: str, value: Any) -> Any:
    """How people read a stored code in the ``key`` field (VALUE_LABELS): its translation when the language is not
    English and the catalog has one; else the value unchanged (other values, English, untranslated codes)."""
    if not isinstance(value, str) or language() == "en":
        return value
    message_id = VALUE_LABELS.get(key, {}).get(value)
    if message_id is None:
        return value
    label = _(message_id)
    return value if label == message_id else label


#: what an empty section says
SECTION_EMPTY: dict[str, str] = {
    "activities": N_("no activities"), "contacts": N_("no contacts"), "timeline": N_("no timeline"),
    "lines": N_("no lines"), "events": N_("no events"), "items": N_("no items"), "findings": N_("no findings"),
}

MAX_LINES = 3  # lines a text cell of a narrow table wraps to before it is shortened with "…"
TEXT_MIN = 10  # a text column is not narrowed below this (or its natural width)
_ATOMIC_TEXT = 16  # one-word text up to this width (a status, a code, a handle) is never split
_WORDS = re.compile(r"\S+")


def _console(stream: TextIO) -> Any:
    from rich.console import Console

    width = None if stream.isatty() else int(os.environ.get("COLUMNS", "0") or 0) or 160
    return Console(file=stream, markup=False, highlight=False, emoji=False, soft_wrap=False, width=width)


def _width(text: str) -> int:
    """Display width of the widest line (CJK characters are two columns)."""
    from rich.cells import cell_len

    return max((cell_len(line) for line in text.split("\n")), default=0)


def _longest_word(text: str) -> int:
    from rich.cells import cell_len

    return max((cell_len(word) for word in _WORDS.findall(text)), default=0)


def _atomic(col: Col, values: Iterable[Any], texts: Iterable[str]) -> bool:
    """Whether a column's values are never split: numbers, money, dates, yes/no, and text shown as one short word
    (statuses, codes, handles)."""
    if col.wrap is not None:
        return not col.wrap
    if col.numeric:
        return True
    for value, text in zip(values, texts, strict=True):
        if value is None or isinstance(value, (int, float, Decimal, date, bool)) or not text:
            continue
        if _WORDS.fullmatch(text) is None or _width(text) > _ATOMIC_TEXT:
            return False
    return True


@dataclass
class _Fit:
    """How a table is laid out on the screen: which columns (indexes), their content widths, boxed or not."""

    shown: list[int]
    widths: list[int]
    boxed: bool
    blocks: bool = False


def _overhead(count: int, boxed: bool) -> int:
    return 3 * count + 1 if boxed else 2 * (count - 1)  # borders and padding; unboxed: two spaces between


def _fit(columns: Sequence[Col], cells: list[list[str]], rows: Sequence[Mapping[str, Any]], width: int) -> _Fit:
    """The widest layout that fits ``width``: natural widths in a box; text narrowed (atomic columns keep their
    width); without the box; without the widest optional columns; else one record per block."""
    headers = [_(col.header) for col in columns]
    natural, minimum = [], []
    for i, col in enumerate(columns):
        body = max((_width(row[i]) for row in cells), default=0)
        head_min = _longest_word(headers[i])
        natural.append(max(body, _width(headers[i]), 1))
        if _atomic(col, (row.get(col.key) for row in rows), (row[i] for row in cells)):
            minimum.append(max(body, head_min, 1))
        else:
            minimum.append(min(natural[i], max(head_min, TEXT_MIN)))

    def spread(shown: list[int], boxed: bool) -> list[int] | None:
        room = width - _overhead(len(shown), boxed)
        if sum(natural[i] for i in shown) <= room:
            return [natural[i] for i in shown]
        spare = room - sum(minimum[i] for i in shown)
        if spare < 0:
            return None
        wants = {i: natural[i] - minimum[i] for i in shown}
        total = sum(wants.values())
        out = {i: minimum[i] + (spare * wants[i]) // total for i in shown}
        left = room - sum(out.values())
        for i in sorted(shown, key=lambda i: natural[i] - out[i], reverse=True):  # the remainder, one column each
            if left <= 0:
                break
            if out[i] < natural[i]:
                out[i] += 1
                left -= 1
        return [out[i] for i in shown]

    shown = list(range(len(columns)))
    for boxed in (True, False):
        widths = spread(shown, boxed)
        if widths is not None:
            return _Fit(shown, widths, boxed)
    optional = [i for i, col in enumerate(columns)
                if col.optional or (col.optional is None and i > 0 and col.key not in KEY_COLUMNS)]
    for i in sorted(optional, key=lambda i: (natural[i], i), reverse=True):  # the widest first, then from the right
        shown.remove(i)
        widths = spread(shown, False)
        if widths is not None:
            if len(shown) <= 2 < len(columns):
                break
            return _Fit(shown, widths, False)
    return _Fit(list(range(len(columns))), [], False, blocks=True)


def _clip(text: str, width: int, console: Any) -> str:
    """A text cell wrapped to ``width``: at most MAX_LINES lines, the last ending in "…" when there was more."""
    if _width(text) <= width:
        return text
    from rich.text import Text

    lines = Text(text).wrap(console, width, overflow="fold")
    if len(lines) <= MAX_LINES:
        return text
    kept = [line.plain.rstrip() for line in lines[:MAX_LINES]]
    last = Text(kept[-1])
    last.truncate(max(width - 1, 0))
    kept[-1] = last.plain + "…"
    return "\n".join(kept)


def _field_grid(fields: Sequence[tuple[str, str]], width: int) -> Any:
    """Field: value lines as a borderless two-column grid no wider than ``width`` (long values wrap)."""
    from rich.table import Table

    label = min(max((_width(name) for name, _value in fields), default=1), max(8, width // 3))
    value = max(1, min(max((_width(v) for _name, v in fields), default=1), width - label - 2))
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", width=label, overflow="fold")
    table.add_column(width=value, overflow="fold")
    for name, text in fields:
        table.add_row(name, text)
    return table


def _table(out: TextIO, rows: Sequence[Mapping[str, Any]], columns: Sequence[Col], title: str | None,
           names: Mapping[str, str], *, shorten: bool) -> None:
    """A Rich table that fits the terminal (see ``_fit``); ``shorten``: text cells at most MAX_LINES lines."""
    from rich import box
    from rich.table import Table

    console = _console(out)
    width = console.width
    cells = [[_human(cell) for cell in row] for row in _cells(rows, columns, names)]
    fit = _fit(columns, cells, rows, width)
    headers = [visible(_(col.header)) for col in columns]
    if fit.blocks:
        from rich.text import Text

        if title:
            console.print(Text(title), overflow="fold")
        for n, row_cells in enumerate(cells):
            if n:
                console.print()
            console.print(_field_grid(list(zip(headers, row_cells, strict=True)), width))
        return
    table = Table(title=title, title_justify="left", header_style="bold",
                  box=box.HEAVY_HEAD if fit.boxed else None, pad_edge=fit.boxed)
    for i, w in zip(fit.shown, fit.widths, strict=True):
        table.add_column(headers[i], justify="right" if columns[i].numeric else "left", overflow="fold", width=w)
    for row_cells in cells:
        table.add_row(*(_clip(row_cells[i], w, console) if shorten else row_cells[i]
                        for i, w in zip(fit.shown, fit.widths, strict=True)))
    console.print(table)
    left_out = [headers[i] for i in range(len(columns)) if i not in fit.shown]
    if left_out:
        message(_("not shown at {width} columns: {columns} (see them with --format plain, or widen the "
                  "terminal)").format(width=width, columns=", ".join(left_out)))


def render(rows: Sequence[Mapping[str, Any]], columns: Sequence[Col], fmt: Format | str | None = None, *,
           title: str | None = None, stream: TextIO | None = None, empty: str = N_("no records"),
           heading: bool = False, shorten: bool = True) -> None:
    """Print a list of records in the chosen format to stdout.

    ``title`` heads a Rich table; with ``heading`` (one of several sections) it also heads plain and
    markdown output, which otherwise stay bare for scripts. A table's long text cells wrap to MAX_LINES lines and
    end in "…" on a narrow terminal; with ``shorten`` False (the sections of a record) they wrap whole.
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
        message(_(empty))
        return
    title = _(title) if title else None
    if title and heading and kind is not Format.table:
        out.write(f"## {markdown_cell(title)}\n\n" if kind is Format.markdown else f"{visible(title)}:\n")
    shown = rows
    if kind is Format.table and out.isatty() and len(rows) > SCREEN_ROWS:
        shown = rows[:SCREEN_ROWS]  # a person reads the first screens; pipes and other formats get everything
    names = _names_for(shown, (c.key for c in columns))
    if kind is Format.table:
        _table(out, shown, columns, visible(title) if title else None, names, shorten=shorten)
        if len(shown) < len(rows):
            message(_("… {count} more rows: narrow with filters, or pipe / --format plain for all").format(
                count=len(rows) - len(shown)))
        return
    _tabulate(out, _cells(rows, columns, names), columns, kind)


def _tabulate(out: TextIO, body: list[list[str]], columns: Sequence[Col], kind: Format) -> None:
    aligns = ["right" if c.numeric else "left" for c in columns]
    safe = markdown_cell if kind is Format.markdown else _human
    if kind is Format.plain and "".join(cell for row in body for cell in row).isprintable():
        cells = body  # (what _human leaves as it is: no escapes, no tabs; one check for all 8,000 cells)
    else:
        cells = [[safe(cell) for cell in row] for row in body]
    headers = [safe(_(c.header)) for c in columns]
    text = _simple_table(cells, headers, aligns, markdown=kind is Format.markdown)
    if text is None:  # a cell with a line break, or characters whose width only wcwidth knows
        from tabulate import tabulate

        text = tabulate(cells, headers=headers, tablefmt="github" if kind is Format.markdown else "plain",
                        colalign=aligns, disable_numparse=True)
    out.write(text + "\n")


# Plain and markdown tables without importing tabulate and wcwidth (about 20 ms of every listing's start-up; and
# 1,000 rows took tabulate 28 ms, 3 ms here): the same text, byte for byte, for cells of printable ASCII (one
# column each) and the common CJK characters below (two columns each, as wcwidth says: tests/test_output.py checks
# every one of them, and the whole layout against tabulate). Anything else (a line break, an accent, an emoji) goes
# to tabulate.
_WIDE_RANGES = ((0x3000, 0x3029), (0x3030, 0x303E), (0x3041, 0x3096), (0x309B, 0x30FF), (0x3400, 0x4DBF),
                (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0xF900, 0xFAFF), (0xFE30, 0xFE4F), (0xFF01, 0xFF60),
                (0xFFE0, 0xFFE6))


def _simple_chars(texts: Iterable[str]) -> bool:
    """Whether every character of ``texts`` is printable ASCII or one of _WIDE_RANGES (each distinct character is
    looked at once: a column of 1,000 Chinese names holds a few hundred)."""
    for char in set().union(*texts):
        if " " <= char <= "~":
            continue
        code = ord(char)
        if not any(low <= code <= high for low, high in _WIDE_RANGES):
            return False
    return True


def _simple_width(text: str) -> int:
    """Display width of simple text (see _simple_chars): ASCII one column, the rest two."""
    if text.isascii():
        return len(text)
    return 2 * len(text) - len(text.encode("ascii", "ignore"))


def _simple_table(body: Sequence[Sequence[str]], headers: list[str], aligns: list[str], *,
                  markdown: bool) -> str | None:
    """What ``tabulate(body, headers, tablefmt="plain" or "github", colalign=aligns, disable_numparse=True)``
    prints (cells stripped, columns at least two wider than their header, plain lines right-stripped), or None
    when a cell is not simple text (see _simple_chars) and tabulate has to measure it."""
    if not body:
        return None
    if not _simple_chars([*headers, *(cell for row in body for cell in row)]):
        return None
    texts_by_column = [[header] + [row[i].strip() for row in body]  # the header is not stripped
                       for i, header in enumerate(headers)]
    columns: list[list[str]] = []
    widths: list[int] = []
    for texts, align in zip(texts_by_column, aligns, strict=True):
        sizes = [len(text) for text in texts] if "".join(texts).isascii() else [_simple_width(t) for t in texts]
        width = max(sizes[0] + 2, *sizes[1:])
        pad = str.rjust if align == "right" else str.ljust
        columns.append([pad(text, width - w + len(text)) for text, w in zip(texts, sizes, strict=True)])
        widths.append(width)
    rows = list(zip(*columns, strict=True))
    if not markdown:
        return "\n".join("  ".join(row).rstrip() for row in rows)
    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    lines = ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join([lines[0], rule, *lines[1:]])


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
    nested = sections or {}
    kept = {k: v for k, v in record.items() if k not in nested and not isinstance(v, (list, dict))}
    names = _names_for([kept], kept)
    fields = [(_label(k, labels), _field_value(k, v, names)) for k, v in kept.items()]
    if kind is Format.table:
        console = _console(out)
        console.print(_field_grid([(visible(name), _human(value)) for name, value in fields], console.width))
    else:
        _tabulate(out, [list(f) for f in fields], [Col("field", N_("field")), Col("value", N_("value"))], kind)
    for name, (rows, columns) in nested.items():
        out.write("\n")
        render(rows, columns, kind, title=_label(name, labels), heading=True, stream=out, shorten=False,
               empty=_(SECTION_EMPTY[name]) if name in SECTION_EMPTY else f"no {name}")


def _label(key: str, labels: Mapping[str, str]) -> str:
    """A record field's name for people: the command's label, else the common one, translated; else the key."""
    label = labels.get(key) or LABELS.get(key)
    return _(label) if label else key


def _field_value(key: str, value: Any, names: Mapping[str, str]) -> str:
    """A record's value for people: yes/no in their language, a rep as "王芳 (wang.fang)"."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if key in PEOPLE:
        value = _person(value, names, with_handle=True)
    return text_value(code_label(key, value))


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
