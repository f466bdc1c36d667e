"""Values offered by Tab, for the shell's completion (``salescli shell``) and the one-shot command's (bash, zsh,
fish through Typer's ``_SALESCLI_COMPLETE``): one source for both.

- :func:`what` says what a parameter of a command names (``db:lead``, ``source``, ``status``, ``period``...);
- :func:`values` gives the (value, help) pairs for it that start with what was typed; values from the database
  are matched in SQL (the typed prefix, LIMIT), so a big table answers as fast as a small one;
- :func:`attach` gives a loaded command's parameters that completion (``Parameter._custom_shell_complete``).

The one-shot completion opens the database read-only and only when it is at the schema this salescli knows:
no database, an older or newer one, a lock or a damaged file offers nothing, silently (a Tab never writes,
migrates or prints an error). Light: no SQLAlchemy for SQLite, no Rich, no prompt_toolkit.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from typing import Any

LIMIT = 200  # values offered per Tab; enough to pick from, never a scan of a big table

# rows of a query: sql (named parameters, ``:name``), parameters → tuples; None when there is no database
Read = Callable[[str, dict[str, Any]], list[tuple[Any, ...]]]

# parameter name → the record it names (arguments and options alike)
KINDS: dict[str, str] = {"lead": "lead", "deal": "deal", "quote": "quote", "contract": "contract",
                         "order": "order", "sku": "sku", "customer": "customer", "owner": "rep", "rep": "rep",
                         "handle": "rep", "ticket": "ticket", "item": "sku", "remove": "sku", "products": "sku",
                         "product": "sku"}

# database kind → (SQL of (value, help...) rows with ``:pattern``/``:limit``, newest or first first). The first
# column is matched, lower-cased, against the typed prefix; standard SQL (SQLite and PostgreSQL).
_MATCH = "LOWER(CAST({column} AS TEXT)) LIKE :pattern ESCAPE '\\'"
QUERIES: dict[str, tuple[str, str]] = {
    "lead": ("SELECT id, name, company FROM leads WHERE merged_into IS NULL AND {match} ORDER BY id DESC", "id"),
    "deal": ("SELECT id, title, stage FROM deals WHERE {match} ORDER BY id DESC", "id"),
    "quote": ("SELECT number, status, revision FROM quotes WHERE {match} ORDER BY id DESC", "number"),
    "contract": ("SELECT number, status FROM contracts WHERE {match} ORDER BY id DESC", "number"),
    "order": ("SELECT number, status FROM orders WHERE {match} ORDER BY id DESC", "number"),
    "ticket": ("SELECT id, subject FROM tickets WHERE {match} ORDER BY id DESC", "id"),
    "sku": ("SELECT sku, name FROM products WHERE active = :yes AND {match} ORDER BY sku", "sku"),
    "customer": ("SELECT id, name FROM customers WHERE merged_into IS NULL AND {match} ORDER BY id DESC", "id"),
    "rep": ("SELECT handle, name FROM reps WHERE active = :yes AND {match} ORDER BY handle", "handle"),
}

# the statuses of a command group's records: its state machine in salescli.domain.pipeline
_MACHINES = {"lead": "LEAD", "deal": "DEAL", "quote": "QUOTE", "contract": "CONTRACT", "order": "ORDER",
             "ticket": "TICKET"}
# --by of each command (the services check the same lists: tests/test_completion.py compares them)
BY: dict[tuple[str, ...], tuple[str, ...]] = {
    ("kpi", "report"): ("rep", "month", "channel", "product"),
    ("kpi", "funnel"): ("channel", "rep"),
    ("kpi", "lost-reasons"): ("rep", "channel", "product"),
    ("customer", "analyze"): ("tier", "industry", "city", "size", "region", "owner"),
    ("survey", "results"): ("rep",),
}
HOOK_KINDS = ("wecom", "dingtalk", "feishu", "json")
_ADDING = {("product", "add"), ("rep", "add")}  # their argument is a new SKU or handle: nothing to offer


def what(name: str, param_type: str, path: tuple[str, ...]) -> str | None:
    """What parameter ``name`` (an ``argument`` or ``option``) of the command at ``path`` names: ``db:KIND``
    for records, or a fixed list's name (source, status, by, period, kind, priority, reason, tier, config-key);
    None: nothing to offer (free text, numbers, dates, files)."""
    name = (name or "").lower()
    group = path[0] if path else ""
    if param_type == "argument":
        if tuple(path[:2]) in _ADDING:
            return None
        if group == "rep" and name in ("source", "target"):  # rep handover SOURCE TARGET
            return "db:rep"
        if group == "config" and name == "key":
            return "config-key"
        if name in ("keep", "other") and group in ("lead", "customer"):
            return f"db:{group}"
    if name == "period":
        return "period"
    if name in ("status", "stage"):
        return "status" if group in _MACHINES else None
    if name in ("source", "channel"):
        return "source"
    if name == "by":
        return "by" if tuple(path[:2]) in BY else None
    if name == "kind":
        return "kind" if group in ("lead", "deal", "hook") else None
    if name == "priority":
        return "priority" if group in ("ticket", "task") else None
    if name == "reason":
        return "reason" if group in ("lead", "deal") else None  # the team's list; quote/contract: free text
    if name == "tier":
        return "tier"
    kind = KINDS.get(name) or (KINDS.get(name[:-3]) if name.endswith("_id") else None)
    return f"db:{kind}" if kind else None


def words(spec: str, path: tuple[str, ...], read: Read | None = None) -> list[tuple[str, str]]:
    """The fixed values of ``spec`` (a name :func:`what` returns) for the command at ``path``, with help."""
    group = path[0] if path else ""
    if spec == "status":
        from salescli.domain import pipeline

        machine = getattr(pipeline, _MACHINES[group])
        return [(state, "") for state in machine.states]
    if spec == "source":
        from salescli.domain.leads import _SOURCE_ALIASES, SOURCES

        found = [(source, "") for source in SOURCES]
        found += [(alias, key) for alias, key in _SOURCE_ALIASES.items() if " " not in alias]
        found += [(alias, key) for alias, key in _team_pairs(read, "channel_aliases") if " " not in alias]
        return found
    if spec == "by":
        return [(value, "") for value in BY.get(tuple(path[:2]), ())]
    if spec == "kind":
        if group == "hook":
            return [(kind, "") for kind in HOOK_KINDS]
        if group == "deal":
            from salescli.domain import deals

            return [*((k, "") for k in deals.ACTIVITY_KINDS), *((alias, k) for alias, k in deals._KIND_ALIASES.items())]
        from salescli.domain.leads import ACTIVITY_KINDS

        return [(kind, "") for kind in ACTIVITY_KINDS]
    if spec == "priority":
        from salescli.domain import tasks, tickets

        return [(p, "") for p in (tickets.PRIORITIES if group == "ticket" else tasks.PRIORITIES)]
    if spec == "reason":
        return _reasons(read)
    if spec == "tier":
        return [("A", ""), ("B", ""), ("C", "")]
    if spec == "config-key":
        from salescli.settings import KEYS

        return [(name, "") for name in KEYS]
    return []


def periods(prefix: str) -> list[tuple[str, str]]:
    """The domain's relative periods, and for a year typed (``2026``, ``2026-``) the year, its quarters and
    months; with nothing typed, also this year's."""
    from datetime import date

    from salescli.domain.dates import RELATIVE_PERIODS

    found = [(p, "") for p in RELATIVE_PERIODS]
    year = prefix[:4] if len(prefix) >= 4 and prefix[:4].isdigit() else str(date.today().year)
    found += [(year, ""), *((f"{year}-Q{q}", "") for q in range(1, 5)),
              *((f"{year}-{m:02d}", "") for m in range(1, 13))]
    return found


def values(spec: str, prefix: str, path: tuple[str, ...], read: Read | None) -> list[tuple[str, str]]:
    """(value, help) for ``spec`` that start with ``prefix`` (any case): at most LIMIT."""
    if spec.startswith("db:"):
        return rows(read, spec[3:], prefix) if read is not None else []
    found = periods(prefix) if spec == "period" else words(spec, path, read)
    lowered = prefix.lower()
    unique: dict[str, str] = {}
    for value, meta in found:
        if value.lower().startswith(lowered):
            unique.setdefault(value, meta)  # an alias that is also a key ("referral") once, as the key
    return list(unique.items())[:LIMIT]


def rows(read: Read, kind: str, prefix: str) -> list[tuple[str, str]]:
    """(value, what it is) of ``kind`` starting with ``prefix``, matched in SQL, at most LIMIT (a quote's
    revisions: its number once)."""
    sql, column = QUERIES[kind]
    seen: dict[str, str] = {}

    def add(found: list[tuple[Any, ...]]) -> None:
        for row in found:
            value = str(row[0])
            if value not in seen:
                seen[value] = " · ".join(str(v) for v in row[1:] if v not in (None, ""))

    if column == "id" and prefix.isdigit() and prefix.isascii() and not prefix.startswith("0") and len(prefix) < 19:
        # a record id (newest first): the ids that start with these digits are ranges (...1200-1299, 120-129,
        # 12), each found in the primary key without reading the table, the longest ids (the newest) first
        query = sql.format(match="id BETWEEN :low AND :high") + " LIMIT :limit"
        for digits in range(18 - len(prefix), -1, -1):
            low = int(prefix) * 10 ** digits
            add(read(query, {"low": low, "high": low + 10 ** digits - 1, "limit": LIMIT - len(seen), "yes": True}))
            if len(seen) >= LIMIT:
                break
    else:
        escaped = prefix.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        add(read(sql.format(match=_MATCH.format(column=column)) + " LIMIT :limit",
                 {"pattern": escaped + "%", "limit": LIMIT * 2, "yes": True}))
    return list(seen.items())[:LIMIT]


def _team_setting(read: Read | None, key: str) -> str | None:
    if read is None:
        return None
    try:
        found = read("SELECT value FROM team_settings WHERE key = :key", {"key": key})
    except Exception:  # an older database without the table: the defaults
        return None
    return str(found[0][0]) if found else None


def _team_pairs(read: Read | None, key: str) -> list[tuple[str, str]]:
    raw = _team_setting(read, key)
    if not raw:
        return []
    try:
        from salescli.domain.aliases import parse_pairs

        return [(alias, value) for alias, value in parse_pairs(raw, name=key).items()]
    except Exception:  # a bad value is reported by the commands, not by a Tab
        return []


def _reasons(read: Read | None) -> list[tuple[str, str]]:
    from salescli.domain.lost import DEFAULT_REASONS, parse_reasons

    reasons = DEFAULT_REASONS
    raw = _team_setting(read, "lost_reasons")
    if raw:
        with contextlib.suppress(Exception):  # a bad value is reported by the commands, not by a Tab
            reasons = parse_reasons(raw)
    return [(key, " · ".join(names)) for key, names in reasons.names.items()]


# -- the one-shot command's completion ----------------------------------------------------------------------------
def attach(command: Any, path: tuple[str, ...]) -> None:
    """Give the parameters of ``command`` (at ``path`` after ``salescli``) their values on Tab. Cheap: runs for
    every command when its group loads; nothing is computed until a Tab asks."""
    for param in getattr(command, "params", ()):
        if getattr(param.type, "choices", None) or getattr(param, "is_flag", False):
            continue  # Click offers a choice list itself
        spec = what(param.name or "", param.param_type_name, path)
        if spec is not None:
            param._custom_shell_complete = _completer(spec, path)


def _completer(spec: str, path: tuple[str, ...]) -> Callable[[Any, Any, str], list[Any]]:
    def complete(ctx: Any, param: Any, incomplete: str) -> list[Any]:
        from typer._click.shell_completion import CompletionItem

        if param.name == "item" and ":" in incomplete:
            return []  # SKU:QTY: the SKU is typed, the quantity is the user's
        try:
            if spec.startswith("db:") or spec in ("reason", "source"):
                with _reader(ctx) as read:
                    found = values(spec, incomplete, path, read)
            else:
                found = values(spec, incomplete, path, None)
        except Exception:  # no database, an old one, a lock, a bad config: offer nothing, print nothing
            return []
        return [CompletionItem(value, help=meta or None) for value, meta in found]

    return complete


class _reader:
    """A read-only look at the database the command would use (``--db``, SALESCLI_DB, the config file's db, the
    default): ``with _reader(ctx) as read``; ``read`` is None when there is none at this salescli's schema."""

    def __init__(self, ctx: Any) -> None:
        self.ctx = ctx
        self.close: Callable[[], None] = lambda: None

    def __enter__(self) -> Read | None:
        try:
            return self._open()
        except Exception:
            self.close()
            self.close = lambda: None
            return None

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self) -> Read | None:
        from salescli.migrations import HEAD

        db = database(self.ctx)
        if "://" in db and not db.startswith("sqlite:"):
            return self._server(db, HEAD)
        import sqlite3
        from pathlib import Path
        from urllib.parse import quote, unquote

        path = Path(unquote(db.split(":///", 1)[1].split("?", 1)[0]) if "://" in db else db).expanduser()
        if not path.is_file():
            return None
        conn = sqlite3.connect(f"file:{quote(str(path.resolve()), safe='/')}?mode=ro", uri=True, timeout=0.2)
        self.close = conn.close
        if conn.execute("SELECT version_num FROM alembic_version").fetchone() != (HEAD,):
            return None

        def read(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
            return conn.execute(sql, params).fetchall()

        return read

    def _server(self, url: str, head: str) -> Read | None:
        from sqlalchemy import create_engine, text

        if url.startswith(("postgresql://", "postgres://")):
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        engine = create_engine(url, connect_args={"connect_timeout": 2})
        conn = engine.connect()

        def close() -> None:
            conn.close()
            engine.dispose()

        self.close = close
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        if conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() != head:
            return None

        def read(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
            return [tuple(row) for row in conn.execute(text(sql), params)]

        return read


def database(ctx: Any) -> str:
    """The database a command would use: --db (or SALESCLI_DB, folded in by Click), else the config file's, else
    the default."""
    root = ctx.find_root() if ctx is not None else None
    given = root.params.get("db") if root is not None else None
    from salescli.settings import ENV_DB, Settings

    given = given or os.environ.get(ENV_DB)
    if given:
        return str(given)
    return Settings.resolve(db=None, rep=None, debug=False, no_input=True).db

