"""Merging two records of the same lead or customer (``lead merge``, ``customer merge``).

Everything that points to the other record (activities, deals, contacts, tasks, tickets, surveys: every column
with a foreign key to it, so a table added later moves too) is moved to the kept one; the kept record's empty
fields are filled from the other; the other is not deleted but marked ``merged_into`` the kept one and hidden from
listings. Both records must be the acting rep's (a manager merges any), and so must every deal, lead and task that
moves — on a team database row security would otherwise skip someone else's rows silently. Audited on both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Table, func, select, update

from salescli import models
from salescli.errors import InputError, InvalidTransition
from salescli.i18n import _
from salescli.services.audit import audit
from salescli.services.authz import Actor, handle_of, require_owner
from salescli.services.rows import fetch

#: fields copied from the other record when the kept one has none
FILL = {
    "leads": ("company", "title", "email", "email_key", "phone", "phone_key", "city", "notes", "customer_id",
              "contact_id", "follow_up"),
    "customers": ("industry", "size", "city", "region", "budget_minor", "preferences", "competitors", "notes"),
}
ENTITY = {"leads": "lead", "customers": "customer"}
_SINGULAR = {"leads": "lead", "deals": "deal", "tasks": "task", "customers": "customer"}


def references(table: Table) -> list[Column[Any]]:
    """Every column that points to ``table``'s rows (except a record's own ``merged_into``), table by table."""
    found = []
    for other in models.metadata.sorted_tables:
        for column in other.columns:
            if column.name == "merged_into" and other is table:
                continue
            if any(fk.column.table is table for fk in column.foreign_keys):
                found.append(column)
    return found


def plan(conn: Connection, table: Table, keep_id: int, other_id: int, *, actor: Actor | None) -> dict[str, Any]:
    """What the merge would do, after every check (nothing written): the records, what moves (``moves``: rows per
    table and column) and the fields the kept record takes from the other."""
    what = ENTITY[table.name]
    if keep_id == other_id:
        raise InputError(_("{entity} {id} cannot be merged into itself").format(entity=_(what), id=keep_id))
    keep = fetch(conn, table, keep_id, what)
    other = fetch(conn, table, other_id, what)
    for record in (keep, other):
        if record["merged_into"] is not None:
            raise InvalidTransition(_("{entity} {id} was already merged into {entity} {kept}").format(
                entity=_(what), id=record["id"], kept=record["merged_into"]))
    require_owner(conn, actor, keep["owner_id"], _("{entity} {id}").format(entity=_(what), id=keep_id))
    require_owner(conn, actor, other["owner_id"], _("{entity} {id}").format(entity=_(what), id=other_id))
    moves: list[dict[str, Any]] = []
    for column in references(table):
        count = int(conn.execute(select(func.count()).where(column == other_id)).scalar_one())
        if not count:
            continue
        if "owner_id" in column.table.c:
            for owner_id, row_id in conn.execute(select(column.table.c.owner_id, column.table.c.id)
                                                 .where(column == other_id, column.table.c.owner_id.is_not(None))):
                require_owner(conn, actor, owner_id, _("{kind} {id} (under {entity} {other})").format(
                    kind=_(_SINGULAR.get(column.table.name, column.table.name)), id=row_id, entity=_(what),
                    other=other_id))
        moves.append({"table": column.table.name, "column": column.name, "rows": count})
    fill = {name: other[name] for name in FILL[table.name]
            if keep.get(name) in (None, "") and other.get(name) not in (None, "")}
    shown = sorted(name.removesuffix("_minor") for name in fill if not name.endswith("_key"))  # (keys go along)
    return {"keep": keep_id, "other": other_id, "moves": moves, "fill": shown, "_fill": fill,
            "_keep": keep, "_other": other}


def merge(conn: Connection, table: Table, keep_id: int, other_id: int, *, at: datetime, actor: Actor | None,
          dry_run: bool = False, after_fill: Any = None, kind: str | None = None) -> dict[str, Any]:
    """Merge ``other_id`` into ``keep_id`` (see the module); ``dry_run``: only the plan. ``after_fill``: computes
    extra columns of the kept record from its merged values (a lead's score, a customer's tier). ``kind``: the
    search index's name for the records (the kept one is indexed again, the other leaves the index)."""
    found = plan(conn, table, keep_id, other_id, actor=actor)
    keep, other, fill = found.pop("_keep"), found.pop("_other"), found.pop("_fill")
    found["dry_run"] = dry_run
    if dry_run:
        return found
    what = ENTITY[table.name]
    for move in found["moves"]:
        moved = models.metadata.tables[move["table"]]
        conn.execute(update(moved).where(moved.c[move["column"]] == other_id).values({move["column"]: keep_id}))
    changes = dict(fill)
    if after_fill is not None:
        changes.update(after_fill(conn, {**keep, **fill}))
    changes["updated_at"] = at
    conn.execute(update(table).where(table.c.id == keep_id).values(**changes))
    hidden: dict[str, Any] = {"merged_into": keep_id, "updated_at": at}
    if "follow_up" in table.c:
        hidden["follow_up"] = None  # nothing is due on a merged lead
    conn.execute(update(table).where(table.c.id == other_id).values(**hidden))
    if kind is not None:
        from salescli.services import search

        search.reindex_one(conn, kind, keep_id, keep, {**keep, **changes})
        search.forget(conn, kind, other_id, other)
    summary = {"moves": found["moves"], "fill": found["fill"]}
    audit(conn, at=at, rep=handle_of(actor), entity=what, entity_id=other_id, action="merge", before=other,
          after={**other, **hidden, **summary})
    audit(conn, at=at, rep=handle_of(actor), entity=what, entity_id=keep_id, action="merge", before=keep,
          after={**keep, **changes, "merged": other_id, **summary})
    return found


def describe(result: dict[str, Any], what: str) -> str:
    """One line for the person at the terminal: what moved (or would move) and which fields were filled."""
    moved = ", ".join(f"{m['rows']} {m['table']}" + (f" ({m['column']})" if m["column"] not in (
        f"{what}_id",) else "") for m in result["moves"]) or _("nothing")
    filled = _("; fields taken from {entity} {id}: {fields}").format(
        entity=_(what), id=result["other"], fields=", ".join(result["fill"])) if result["fill"] else ""
    if result["dry_run"]:
        line = _("{entity} {other} would be merged into {entity} {keep}: would move {moved}{filled} "
                 "(dry run, nothing changed)")
    else:
        line = _("{entity} {other} merged into {entity} {keep}: moved {moved}{filled}")
    return line.format(entity=_(what), other=result["other"], keep=result["keep"], moved=moved, filled=filled)


def refuse_merged(record: dict[str, Any], what: str) -> None:
    """Work on a record merged into another goes to the kept one (exit 1 naming it)."""
    if record.get("merged_into") is not None:
        raise InvalidTransition(_("{entity} {id} was merged into {entity} {kept}; work on {entity} {kept}").format(
            entity=_(what), id=record["id"], kept=record["merged_into"]))
