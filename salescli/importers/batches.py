"""The import's pure half: read a file in batches, check each batch column by column, and turn the good rows
into tuples ready for the driver. Never touches the database, so it can run in a second process
(importers/worker.py) while the first one writes.

Duplicate keys are pre-screened here with a :class:`KeyFilter`: a row whose key cannot have been seen before
(not stored, not in an earlier row) is certain to be new, so the writer looks up only the few flagged rows.
"""

from __future__ import annotations

import json
import mmap
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import repeat
from pathlib import Path
from typing import Any, TextIO

from salescli.domain.search import column_terms, tsvector_copy
from salescli.errors import InputError
from salescli.i18n import _
from salescli.importers.fields import ColumnCheck, Context, Spec, column_check, finish_columns, resolve_headers
from salescli.importers.reader import Record, detect_format, problem, read_records, read_table, unguard

BATCH = 5000
_MARKED = re.compile(b"\x01")


@dataclass
class Options:
    mapping: Mapping[str, str]
    constants: Mapping[str, str]  # --set field=value for every row
    keys: tuple[str, ...] | None
    update: bool
    dry_run: bool
    skip_invalid: bool
    rejects: TextIO | None
    encoding: str | None
    input_format: str | None


def _columns_of(name: str) -> tuple[str, ...]:
    """The stored columns a field fills (budget → budget_minor, customer → customer_id)."""
    return {"budget": ("budget_minor",), "price": ("price_minor",), "cost": ("cost_minor",), "owner": ("owner_id",),
            "customer": ("customer_id",), "email": ("email",), "phone": ("phone",)}.get(name, (name,))


@dataclass
class Chunk:
    """One batch of the file, checked: the good rows ready for the driver, the bad ones with their reasons."""

    read: int = 0  # rows of the file this chunk covers
    names: tuple[str, ...] = ()  # the stored column of each value in a row
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # FILE:LINE: column: message
    rejected: list[list[Any]] = field(default_factory=list)  # each bad row as read, plus its reasons
    header: list[str] | None = None  # the file's header, on the first chunk only
    suspects: dict[str, list[int]] | None = None  # key column → rows whose key may repeat (see KeyFilter)
    terms: str | None = None  # SQLite: the search terms of each row, a JSON array of arrays (see ``chunks``)
    documents: list[str] | None = None  # PostgreSQL: each row's terms as tsvector text for COPY ("" for none)


@dataclass
class _Checks:
    """How every batch of one file is checked: each mapped column's check (header, its index in a row, the field,
    the check), the ``--set`` values, the required fields (with the stored columns they fill), and whether cells
    are text (CSV, xlsx: the export's formula guard to undo) or JSON values."""

    cells: list[tuple[str, int, str, ColumnCheck]]
    constants: dict[str, Any]
    required: list[tuple[str, tuple[str, ...]]]
    textual: bool


def chunks(spec: Spec, path: Path, options: Options, ctx: Context, allowed: frozenset[str], sqlite: bool,
           screen: KeyFilter | None = None, search_kind: str | None = None) -> Iterator[Chunk]:
    """Check the file batch by batch, column by column; yield each batch as a :class:`Chunk` whose rows hold
    the ``allowed`` columns. With ``screen``, each chunk also says which rows' keys may repeat an earlier one.
    With ``search_kind`` (lead, customer, contact), each chunk also carries its rows' search terms, worked
    out here, in the reader process, so that the writer only stores them (domain/search.py): as JSON on SQLite
    (``terms``), as COPY-ready tsvector text on PostgreSQL (``documents``)."""
    table = read_table(path, encoding=options.encoding, input_format=options.input_format, batch=BATCH)
    if not table.header:
        return
    checks = _checks(spec, path, options, ctx, table.header)
    convert = _converter(sqlite)
    header: list[str] | None = list(table.header)
    for first, rows in table.batches:
        n = len(rows)
        chunk = Chunk(read=n, header=header)
        header = None
        columns, problems = _check_batch(checks, rows)
        if problems:
            bad = sorted(problems)
            for row, line in zip(bad, table.lines([first + r for r in bad]), strict=True):
                chunk.problems.extend(problem(path, line, column, message)
                                      for column, _field, message in problems[row])
                chunk.rejected.append([*("" if v is None else v for v in rows[row]),
                                       "; ".join(f"{c}: {m}" for c, _field, m in problems[row])])
            keep = [r for r in range(n) if r not in problems]
            columns = {k: [v[r] for r in keep] for k, v in columns.items()}
            lines = [first + r for r in keep]
        else:
            lines = list(range(first, first + n))
        if lines:
            _fill(chunk, spec, ctx, columns, lines, allowed, convert, screen, search_kind, sqlite)
        yield chunk


def _checks(spec: Spec, path: Path, options: Options, ctx: Context, file_header: list[str]) -> _Checks:
    """The file's header mapped to fields (an unknown column or a missing required one refuses the file), and the
    ``--set`` values checked once."""
    header_map, unknown = resolve_headers(file_header, spec, options.mapping, source=path)
    if unknown:
        raise InputError(_("{path}: unknown column(s) {columns} for {entity} (map with --map 'HEADER=field', "
                           "ignore with --map 'HEADER=-'; fields: {fields})").format(
            path=path, columns=", ".join(unknown), entity=spec.entity, fields=", ".join(spec.fields)))
    fields = set(header_map.values()) | set(options.constants)
    missing = [f for f in spec.required if f not in fields and f not in spec.defaults]
    if missing:
        raise InputError(_("{path}: no column for {fields} (add it, --map a header to it, or --set it for every "
                           "row)").format(path=path, fields=", ".join(missing)))
    constants: dict[str, Any] = {}
    for name, value in options.constants.items():
        if name not in spec.fields:
            raise InputError(_("--set: {name!r} is not a {entity} field").format(name=name, entity=spec.entity))
        try:
            constants.update(spec.fields[name](ctx)(value))
        except InputError as error:
            raise InputError(f"--set {name}: {error.message}") from None
    index = {h: i for i, h in enumerate(file_header)}
    cells = [(h, index[h], n, column_check(spec, n, ctx)) for h, n in header_map.items() if n not in options.constants]
    required = [(n, _columns_of(n)) for n in spec.required if n not in spec.defaults and n not in options.constants]
    textual = (options.input_format or path.suffix.lower().lstrip(".")) not in ("json", "jsonl", "ndjson")
    return _Checks(cells, constants, required, textual)


def _check_batch(checks: _Checks, rows: list[list[Any]]) -> tuple[dict[str, list[Any]],
                                                                  dict[int, list[tuple[str, str, str]]]]:
    """One batch checked column by column: the stored columns it fills, and each bad row's problems (header,
    field, message)."""
    n = len(rows)
    by_column = list(zip(*rows, strict=True))
    columns: dict[str, list[Any]] = {k: [v] * n for k, v in checks.constants.items()}
    problems: dict[int, list[tuple[str, str, str]]] = {}
    for head, i, name, check in checks.cells:
        if checks.textual:
            raw = unguard(by_column[i])
        else:
            raw = [v if type(v) is str else "" if v is None else str(v) for v in by_column[i]]
        produced, failed = check(raw)
        columns.update(produced)
        for row, message in failed:
            column, _sep, detail = message.partition(": ")
            problems.setdefault(row, []).append((head, name, detail if column == name else message))
    for name, stored in checks.required:
        present = [columns.get(c) for c in stored]
        if all(col is not None and None not in col for col in present):
            continue  # the usual case, decided in C
        for row in range(n):
            if all(col is None or col[row] is None for col in present) and \
                    not any(p[1] == name for p in problems.get(row, ())):
                problems.setdefault(row, []).append((name, name, _("must not be empty")))
    return columns, problems


def _fill(chunk: Chunk, spec: Spec, ctx: Context, columns: dict[str, list[Any]], lines: list[int],
          allowed: frozenset[str], convert: Callable[[list[Any]], list[Any]], screen: KeyFilter | None,
          search_kind: str | None, sqlite: bool) -> None:
    """The good rows into ``chunk``: defaults and derived columns added, the ``allowed`` columns as tuples for the
    driver, with the rows' key suspects and search terms when asked for."""
    for name, value in spec.defaults.items():
        columns.setdefault(name, [value] * len(lines))
    finish_columns(spec, columns, len(lines), ctx)
    columns["line"] = lines
    chunk.names = tuple(c for c in columns if c in allowed)
    if screen is not None:
        chunk.suspects = {c: screen.scan(c, columns[c]) for c in screen.columns if c in columns}
    chunk.rows = list(zip(*(convert(columns[c]) for c in chunk.names), strict=True))
    if search_kind is not None:
        terms = column_terms(search_kind, columns, len(lines))
        if sqlite:
            chunk.terms = json.dumps(terms, ensure_ascii=False, separators=(",", ":"), check_circular=False)
        else:
            chunk.documents = [tsvector_copy(row) for row in terms]


@dataclass(frozen=True, slots=True)
class Checked:
    """One record of a small import, checked: its place in the file, its values by field (None: empty or absent)
    and its problems as (column, message)."""

    line: Any
    values: dict[str, Any]
    problems: list[tuple[str, str]]


def checked_records(spec: Spec, path: Path, ctx: Context, *, encoding: str | None,
                    input_format: str | None) -> Iterator[Checked]:
    """The rows of a small import (importers/fields.UPDATES), one by one, for a service that applies each row
    after the rows before it (an order moves several times in one file): read by the same reader as a batch import
    (encodings, CSV quoting, JSON, .xlsx, line numbers), the header mapped by the same rules (field names, aliases,
    one header per field; an unknown column refuses the file) and checked column by column by the fields' checks
    (_check_batch, over the records read so far that share a header): an empty required field is "must not be
    empty", as in a batch import. JSON objects may differ in their keys (a key left out is an empty cell)."""
    checks: dict[tuple[str, ...], _Checks] = {}
    batch: list[Record] = []
    header: tuple[str, ...] = ()
    for record in read_records(path, encoding=encoding, input_format=input_format):
        if tuple(record.values) != header or len(batch) >= BATCH:
            yield from _checked(checks[header], batch) if batch else ()
            header, batch = tuple(record.values), []
            if header not in checks:
                checks[header] = _record_checks(spec, path, ctx, list(header), record.line, input_format)
        batch.append(record)
    yield from _checked(checks[header], batch) if batch else ()


def _checked(checks: _Checks, records: list[Record]) -> Iterator[Checked]:
    """Records of one header, checked column by column as one batch, handed out row by row."""
    columns, problems = _check_batch(checks, [list(r.values.values()) for r in records])
    for row, record in enumerate(records):
        yield Checked(record.line, {name: column[row] for name, column in columns.items()},
                      [(head, message) for head, _field, message in problems.get(row, [])])


def _record_checks(spec: Spec, path: Path, ctx: Context, header: list[str], line: Any,
                   input_format: str | None) -> _Checks:
    """How records with this header are checked (cells are given as read: the reader undid the formula guard)."""
    header_map, unknown = resolve_headers(header, spec, {}, source=path)
    if unknown:
        kind = detect_format(path, input_format)
        where = f"{path}:1" if kind == "csv" else str(path) if kind == "xlsx" else f"{path}:{line}"
        raise InputError(_("{where}: unknown column(s) {columns} (expected {fields}); nothing imported").format(
            where=where, columns=", ".join(unknown), fields=", ".join(spec.fields)))
    index = {h: i for i, h in enumerate(header)}
    cells = [(h, index[h], n, column_check(spec, n, ctx)) for h, n in header_map.items()]
    return _Checks(cells, {}, [(n, _columns_of(n)) for n in spec.required], textual=False)


def file_line(path: Path, options: Options, index: int) -> Any:
    """Where the ``index``-th record of the file (0-based, as the ``line`` column of a chunk's rows counts them)
    is in the file: its physical line (CSV), object (JSON) or ``SHEET!ROW`` (xlsx). The file is read again, only
    when a message needs the place of a row that was checked earlier."""
    table = read_table(path, encoding=options.encoding, input_format=options.input_format, batch=BATCH)
    for first, rows in table.batches:
        if first <= index < first + len(rows):
            return table.lines([index])[0]
    return index + 2  # not found again (the file changed meanwhile): the line it would have on a plain CSV


def _converter(sqlite: bool) -> Callable[[list[Any]], list[Any]]:
    """A column's values for the driver's executemany, stored exactly as SQLAlchemy would store them: on SQLite
    datetimes as 'YYYY-MM-DD HH:MM:SS.ffffff', dates ISO, booleans 0/1 (PostgreSQL's driver adapts them)."""
    if not sqlite:
        return lambda values: values

    def one(v: Any) -> Any:
        kind = type(v)
        if kind is datetime:
            return v.strftime("%Y-%m-%d %H:%M:%S.%f")
        if kind is date:
            return v.isoformat()
        if kind is bool:
            return int(v)
        return v

    def column(values: list[Any]) -> list[Any]:
        sample = next((v for v in values if v is not None), None)
        kind = type(sample)
        if kind not in (datetime, date, bool):
            return values
        if values.count(sample) == len(values):  # a constant, like created_at for every row
            return [one(sample)] * len(values)
        memo: dict[Any, Any] = {}
        return [None if v is None else memo[v] if v in memo else memo.setdefault(v, one(v)) for v in values]

    return column


class KeyFilter:
    """Which keys may have been seen before, in one byte per slot per key column (a one-hash Bloom filter).

    ``scan`` marks a column's keys and returns the rows whose slot was already marked: every key that was
    stored (``mark`` at the start) or met in an earlier row is among them — no misses — plus a few others that
    share a slot (about keys/slots of them: slots are 8x the expected keys, up to ``most``). The writer then
    looks up only those rows, exactly. The slots are anonymous shared memory: a forked reader writes the same
    pages the parent made (no copy), and pages never touched take no memory."""

    def __init__(self, columns: Iterable[str], expected: int, *, most: int = 1 << 23) -> None:
        size = 1 << 16
        while size < expected * 8 and size < most:
            size <<= 1
        self.mask = size - 1
        self.slots: dict[str, mmap.mmap | bytearray] = {c: _shared(size) for c in columns}

    @property
    def columns(self) -> list[str]:
        return list(self.slots)

    def mark(self, column: str, keys: Iterable[Any]) -> None:
        slots, mask = self.slots[column], self.mask
        deque(map(slots.__setitem__, map(mask.__and__, map(hash, keys)), repeat(1)), maxlen=0)  # a C loop

    def scan(self, column: str, keys: list[Any]) -> list[int]:
        slots, mask = self.slots[column], self.mask
        where = list(map(mask.__and__, map(hash, keys)))  # C loops throughout, but for the rare hits
        marked = bytes(map(slots.__getitem__, where))
        hits = [m.start() for m in _MARKED.finditer(marked)] if 1 in marked else []
        empty = keys.count(None)
        if len(set(keys)) != len(keys) - max(empty - 1, 0):  # a key repeated within the chunk: later rows hit
            first: dict[Any, int] = {}
            hits = sorted({*hits, *(i for i, key in enumerate(keys) if first.setdefault(key, i) != i)})
        deque(map(slots.__setitem__, where, repeat(1, len(where))), maxlen=0)
        return [i for i in hits if keys[i] is not None] if empty else hits


def _shared(size: int) -> mmap.mmap | bytearray:
    try:
        return mmap.mmap(-1, size)  # MAP_SHARED | MAP_ANONYMOUS, zero-filled on first touch
    except (OSError, ValueError):
        return bytearray(size)
