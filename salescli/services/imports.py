"""Batch import: stream the file, check every row, stage the good ones in a temporary table in batches
(the driver's executemany), then find duplicates and write with a few set-based statements — all inside the
caller's single transaction, so a killed import leaves nothing behind and a re-run completes it.

Duplicates are recognized on normalized keys (email, phone, name, SKU...), both against the database and
earlier rows of the same file. Memory does not grow with the file: rows are never all held at once.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Column, Connection, Integer, MetaData, Table, and_, func, insert, literal, select, text, update

from salescli import models
from salescli.errors import InputError, SalesError
from salescli.importers.fields import SPECS, Context, Spec, resolve_headers
from salescli.importers.reader import Problems, problem, read_records
from salescli.services.common import audit

BATCH = 5000


@dataclass
class Plan:
    rows: int = 0
    add: int = 0
    update: int = 0
    skip: int = 0
    reject: int = 0
    problems: int = 0
    samples: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {"rows": self.rows, "add": self.add, "update": self.update, "skip": self.skip, "reject": self.reject}


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


def _context(conn: Connection, spec: Spec, now: datetime, region: str) -> Context:
    reps = {h: i for i, h in conn.execute(select(models.reps.c.id, models.reps.c.handle))}
    if spec.entity != "contacts":
        return Context(now=now, region=region, reps=reps)
    C = models.customers
    names: dict[str, int] = {}
    ids: set[int] = set()
    for cid, key in conn.execute(select(C.c.id, C.c.name_key).order_by(C.c.id)):
        names.setdefault(key, cid)
        ids.add(cid)
    return Context(now=now, region=region, reps=reps, customers=names, customer_ids=frozenset(ids))


def _stage_table(spec: Spec) -> Table:
    """A temporary table with the target's columns plus the line number and the decision per row."""
    target = models.metadata.tables[spec.table]
    columns = [Column("line", Integer, primary_key=True), Column("existing_id", Integer),
               Column("dup", Integer, nullable=False, server_default="0")]
    columns += [Column(c.name, c.type) for c in target.columns if c.name != "id"]
    return Table(f"import_{spec.entity}", MetaData(), *columns, prefixes=["TEMPORARY"])


def run(conn: Connection, *, entity: str, path: Path, options: Options, now: datetime, region: str,
        actor: str | None, on_problem: Callable[[str], None], progress: Callable[[int], None] | None = None) -> Plan:
    """Import ``path`` into ``entity``; returns the plan (counts). All or nothing unless ``skip_invalid``."""
    spec = SPECS[entity]
    keys = options.keys or spec.default_keys
    for key in keys:
        if key not in spec.keys:
            raise InputError(f"--key: {key!r} is not a key for {entity} (one of {', '.join(spec.keys)})")
    ctx = _context(conn, spec, now, region)
    plan = Plan()
    if options.update:
        _staged(conn, spec, keys, path, options, ctx, plan, on_problem, progress)
    else:
        savepoint = conn.begin_nested() if options.dry_run else None
        try:
            writer = _DirectWriter(conn, spec, keys)
            _load(spec, path, options, ctx, plan, on_problem, progress, writer.write)
            _refuse_if_invalid(plan, path, options)
            plan.add = writer.added
            plan.skip = writer.seen - writer.added
        finally:
            if savepoint is not None:
                savepoint.rollback()
    if not options.dry_run:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA analysis_limit = 1000")
            conn.exec_driver_sql("PRAGMA optimize")
        audit(conn, at=now, rep=actor, entity="import", entity_id=entity, action="import",
              after={"file": str(path), **plan.as_dict()})
    return plan


def _refuse_if_invalid(plan: Plan, path: Path, options: Options) -> None:
    if plan.problems and not options.skip_invalid:
        raise Problems([], f"{plan.problems} invalid row(s) in {path}; nothing imported "
                           "(--skip-invalid --rejects FILE imports the good ones)")


class _DirectWriter:
    """Per batch: look the batch's keys up in the database with one IN query per key (earlier batches of the
    file are already inserted in this transaction, so they count too), drop the rows that repeat a stored or
    an earlier row, and insert the rest with one executemany. Memory holds one batch, never the file."""

    def __init__(self, conn: Connection, spec: Spec, keys: Iterable[str]) -> None:
        self.conn = conn
        self.spec = spec
        self.target = models.metadata.tables[spec.table]
        self.keys = [spec.keys[k] for k in keys]
        self.added = 0
        self.seen = 0
        self.columns: list[str] | None = None
        self.sql = ""
        self.convert = _converter(conn)

    def _stored(self, stage_col: str, target_col: str, rows: list[dict[str, Any]]) -> set[Any]:
        scope = self.spec.scope_key
        wanted = {(row.get(scope) if scope else None, row[stage_col]) for row in rows if row.get(stage_col) is not None}
        found: set[Any] = set()
        values = sorted({v for _, v in wanted})
        column = self.target.c[target_col]
        for start in range(0, len(values), 900):
            query = select(self.target.c[scope] if scope else literal(None), column).where(
                column.in_(values[start:start + 900]))
            found.update((s, v) for s, v in self.conn.execute(query))
        return found

    def write(self, rows: list[dict[str, Any]]) -> None:
        if self.columns is None:
            self.columns = [c for c in rows[0] if c in self.target.c and c != "id"]
            mark = "?" if self.conn.dialect.name == "sqlite" else "%s"
            self.sql = (f"INSERT INTO {self.target.name} ({', '.join(self.columns)}) "
                        f"VALUES ({', '.join([mark] * len(self.columns))})")
        scope = self.spec.scope_key
        stored = [(stage_col, self._stored(stage_col, target_col, rows)) for stage_col, target_col in self.keys]
        convert, columns = self.convert, self.columns
        params = []
        for row in rows:
            owner = row.get(scope) if scope else None
            duplicate = False
            for stage_col, known in stored:
                value = row.get(stage_col)
                if value is not None:
                    if (owner, value) in known:
                        duplicate = True
                    known.add((owner, value))  # a later row of the file with the same key is a duplicate too
            if not duplicate:
                params.append(tuple([convert(row.get(c)) for c in columns]))
        if params:
            self.conn.exec_driver_sql(self.sql, params)
        self.seen += len(rows)
        self.added += len(params)


def _staged(conn: Connection, spec: Spec, keys: Iterable[str], path: Path, options: Options, ctx: Context,
            plan: Plan, on_problem: Callable[[str], None], progress: Callable[[int], None] | None) -> None:
    """--update: stage every row in a temporary table, then match, insert and update with set statements."""
    stage = _stage_table(spec)
    stage.create(conn)
    try:
        columns = [c.name for c in stage.columns if c.name not in ("existing_id", "dup")]
        convert = _converter(conn)
        mark = "?" if conn.dialect.name == "sqlite" else "%s"
        sql = f"INSERT INTO {stage.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"

        def flush(rows: list[dict[str, Any]]) -> None:
            conn.exec_driver_sql(sql, [tuple([convert(row.get(c)) for c in columns]) for row in rows])

        _load(spec, path, options, ctx, plan, on_problem, progress, flush)
        _refuse_if_invalid(plan, path, options)
        _decide(conn, spec, stage, keys, plan, options.update)
        if not options.dry_run:
            _write(conn, spec, stage, options.update, plan)
    finally:
        stage.drop(conn, checkfirst=True)


def _load(spec: Spec, path: Path, options: Options, ctx: Context, plan: Plan, on_problem: Callable[[str], None],
          progress: Callable[[int], None] | None, flush: Callable[[list[dict[str, Any]]], None]) -> None:
    """Check every row; stage the good ones in batches. The loop is the hot path of a million-row import:
    everything per file is prepared once, before it."""
    plan_cells: list[tuple[str, str, Any]] = []  # (header, field, check) for the file's columns
    required: list[tuple[str, tuple[str, ...]]] = []
    constant_values: dict[str, Any] = {}
    rejects = csv.writer(options.rejects, lineterminator="\n") if options.rejects is not None else None
    batch: list[dict[str, Any]] = []
    defaults = list(spec.defaults.items())
    finish = spec.finish
    prepared = False
    for record in read_records(path, encoding=options.encoding, input_format=options.input_format):
        values = record.values
        if not prepared:
            prepared = True
            header_map, unknown = resolve_headers(list(values), spec, options.mapping)
            if unknown:
                raise InputError(f"{path}: unknown column(s) {', '.join(unknown)} for {spec.entity} (map with "
                                 f"--map 'HEADER=field', ignore with --map 'HEADER=-'; fields: "
                                 f"{', '.join(spec.fields)})")
            fields = set(header_map.values()) | set(options.constants)
            missing = [f for f in spec.required if f not in fields and f not in spec.defaults]
            if missing:
                raise InputError(f"{path}: no column for {', '.join(missing)} (add it, --map a header to it, or "
                                 "--set it for every row)")
            for name, value in options.constants.items():
                if name not in spec.fields:
                    raise InputError(f"--set: {name!r} is not a {spec.entity} field")
                constant_values.update(spec.fields[name](ctx)(value))
            plan_cells = [(h, n, spec.fields[n](ctx)) for h, n in header_map.items() if n not in options.constants]
            required = [(n, _columns_of(n)) for n in spec.required if n not in spec.defaults]
            if rejects is not None:
                rejects.writerow([*values.keys(), "error"])
        plan.rows += 1
        row: dict[str, Any] = dict(constant_values)
        errors: list[tuple[str, str, str]] | None = None
        for header, name, check in plan_cells:
            raw = values.get(header)
            try:
                row.update(check(raw if type(raw) is str else "" if raw is None else str(raw)))
            except SalesError as error:
                column, _, message = error.message.partition(": ")
                (errors := errors or []).append((header, name, message if column == name else error.message))
        for name, columns in required:
            if all(row.get(c) is None for c in columns) and not (errors and any(e[1] == name for e in errors)):
                (errors := errors or []).append((name, name, "must not be empty"))
        if errors:
            plan.problems += 1
            plan.reject += 1
            for column, _, message in errors:
                on_problem(problem(path, record.line, column, message))
            if rejects is not None:
                rejects.writerow([*("" if v is None else v for v in values.values()),
                                  "; ".join(f"{c}: {m}" for c, _, m in errors)])
            continue
        for name, value in defaults:
            if name not in row:
                row[name] = value
        if finish is not None:
            finish(row, ctx)
        row["line"] = record.line
        batch.append(row)
        if len(batch) >= BATCH:
            flush(batch)
            batch = []
            if progress is not None:
                progress(plan.rows)
    if batch:
        flush(batch)
    if progress is not None:
        progress(plan.rows)


def _converter(conn: Connection) -> Callable[[Any], Any]:
    """Values for the driver's executemany, stored exactly as SQLAlchemy would store them: on SQLite datetimes
    as 'YYYY-MM-DD HH:MM:SS.ffffff', dates ISO, booleans 0/1 (PostgreSQL's driver adapts them itself)."""
    if conn.dialect.name != "sqlite":
        return lambda v: v
    memo: dict[Any, str] = {}

    def value(v: Any) -> Any:
        kind = type(v)
        if kind is str or kind is int or v is None:
            return v
        if kind is datetime or kind is date:
            text = memo.get(v)
            if text is None:
                text = v.strftime("%Y-%m-%d %H:%M:%S.%f") if kind is datetime else v.isoformat()
                if len(memo) < 4096:
                    memo[v] = text
            return text
        if kind is bool:
            return int(v)
        return v

    return value


def _columns_of(name: str) -> tuple[str, ...]:
    """The stored columns a field fills (budget → budget_minor, customer → customer_id)."""
    return {"budget": ("budget_minor",), "price": ("price_minor",), "cost": ("cost_minor",), "owner": ("owner_id",),
            "customer": ("customer_id",)}.get(name, (name,))


def _decide(conn: Connection, spec: Spec, stage: Table, keys: Iterable[str], plan: Plan, do_update: bool) -> None:
    """Mark rows that repeat an earlier row of the file, and rows that match a record already stored."""
    target = models.metadata.tables[spec.table]
    scope = spec.scope_key
    for key in keys:
        stage_col, target_col = spec.keys[key]
        conn.execute(text(f"CREATE INDEX IF NOT EXISTS ix_{stage.name}_{stage_col} ON {stage.name} ({stage_col})"))
        earlier = stage.alias("earlier")
        same = [earlier.c[stage_col] == stage.c[stage_col], earlier.c.line < stage.c.line]
        if scope:
            same.append(earlier.c[scope] == stage.c[scope])
        conn.execute(update(stage).where(stage.c[stage_col].is_not(None), stage.c.dup == 0,
                                         select(earlier.c.line).where(*same).exists()).values(dup=1))
        match = [target.c[target_col] == stage.c[stage_col]]
        if scope:
            match.append(target.c[scope] == stage.c[scope])
        found = select(target.c.id).where(*match).order_by(target.c.id).limit(1).scalar_subquery()
        conn.execute(update(stage).where(stage.c[stage_col].is_not(None), stage.c.existing_id.is_(None))
                     .values(existing_id=found))
    counts = conn.execute(select(
        func.count().filter(and_(stage.c.dup == 0, stage.c.existing_id.is_(None))),
        func.count().filter(and_(stage.c.dup == 0, stage.c.existing_id.is_not(None))),
        func.count().filter(stage.c.dup == 1))).one()
    plan.add = int(counts[0])
    plan.update = int(counts[1]) if do_update else 0
    plan.skip = int(counts[2]) + (0 if do_update else int(counts[1]))


def _write(conn: Connection, spec: Spec, stage: Table, do_update: bool, plan: Plan) -> None:
    target = models.metadata.tables[spec.table]
    provided = [c for c in target.columns if c.name != "id" and c.name in stage.c]
    names = [c.name for c in provided]
    fresh = select(*(stage.c[n] for n in names)).where(stage.c.dup == 0, stage.c.existing_id.is_(None)) \
        .order_by(stage.c.line)
    conn.execute(insert(target).from_select(names, fresh))
    if do_update and plan.update:
        # only the columns the file actually has are updated; the record keeps its id, history and creation time
        present = [n for n in names if n not in ("created_at", "line") and
                   conn.execute(select(func.count()).select_from(stage).where(stage.c[n].is_not(None))).scalar()]
        if "updated_at" in target.c:
            present = [*{*present, "updated_at"}]
        values = {n: select(stage.c[n]).where(stage.c.existing_id == target.c.id, stage.c.dup == 0)
                  .order_by(stage.c.line).limit(1).scalar_subquery() for n in present}
        conn.execute(update(target).where(target.c.id.in_(
            select(stage.c.existing_id).where(stage.c.dup == 0, stage.c.existing_id.is_not(None)))).values(**values))

