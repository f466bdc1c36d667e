"""Small helpers every service uses: fetch-or-NotFound, ids, the audit trail, record conversion."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update

from salescli import models
from salescli.domain.money import from_minor
from salescli.errors import InputError, NotFound, PolicyError
from salescli.i18n import N_, _

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL
# the record kinds named in messages (``entity`` below), for the catalog: translated where shown
ENTITIES = (N_("lead"), N_("deal"), N_("customer"), N_("contact"), N_("task"), N_("ticket"), N_("hook"),
            N_("event"), N_("order"), N_("quote"), N_("contract"), N_("demo"), N_("survey"), N_("product"))


def parse_id(text: str | int, entity: str) -> int:
    """A record id from the command line: a positive whole number (``#12`` is accepted too)."""
    raw = str(text).strip().lstrip("#")
    if not raw.isdigit() or int(raw) <= 0 or int(raw) > MAX_ID:
        raise InputError(_("{entity} id: {text!r} is not an id (expected a number such as 12)").format(
            entity=_(entity), text=str(text)))
    return int(raw)


def fetch(conn: Connection, table: Table, record_id: int, entity: str) -> dict[str, Any]:
    row = conn.execute(select(table).where(table.c.id == record_id)).mappings().first()
    if row is None:
        raise NotFound(_("{entity} {id} not found").format(entity=_(entity), id=record_id))
    return dict(row)


def insert_id(conn: Connection, table: Table, values: Mapping[str, Any]) -> int:
    """Insert one row and return its new id. The values go as parameters, not into the statement: one compiled
    statement per table and set of columns, cached (``insert().values(...)`` built and compiled a new statement
    for every row: two thirds of ``salescli sample``'s time, measured)."""
    key = conn.execute(insert(table), dict(values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def money_fields(row: Mapping[Any, Any]) -> dict[str, Any]:
    """Copy a row, turning every ``x_minor`` column into ``x`` as Decimal money."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key.endswith("_minor"):
            out[key[: -len("_minor")]] = from_minor(value)
        else:
            out[key] = value
    return out


def _jsonable(values: Mapping[str, Any] | None) -> str | None:
    if values is None:
        return None
    return json.dumps({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()},
                      ensure_ascii=False, default=str, sort_keys=True)


def audit(conn: Connection, *, at: datetime, rep: str | None, entity: str, entity_id: object, action: str,
          before: Mapping[str, Any] | None = None, after: Mapping[str, Any] | None = None) -> None:
    """Record who changed what (only the fields that changed, for updates)."""
    if before is not None and after is not None:
        changed = [k for k in after if before.get(k) != after.get(k)]
        before = {k: before.get(k) for k in changed}
        after = {k: after.get(k) for k in changed}
    conn.execute(insert(models.audit_log), {
        "at": at, "rep": rep, "entity": entity, "entity_id": str(entity_id), "action": action,
        "before": _jsonable(before), "after": _jsonable(after)})
    # the change's events, into the outbox in this same transaction (issue 20; only when a hook takes them)
    from salescli.services import hooks

    hooks.queue(conn, at=at, rep=rep, entity=entity, entity_id=entity_id, action=action, before=before, after=after)


def parse_document_number(text: str, kind: str, entity: str) -> str:
    """``q-2026-1`` style input → ``Q-2026-0001``-style canonical number, or InputError."""
    import re

    number = text.strip().upper()
    match = re.fullmatch(rf"{kind}-(\d{{4}})-(\d{{1,8}})", number)
    if not match:
        raise InputError(_("{entity}: {text!r} is not a {entity} number (like {kind}-2026-0001)").format(
            entity=_(entity), text=text, kind=kind))
    return f"{kind}-{match.group(1)}-{int(match.group(2)):04d}"


def next_number(conn: Connection, kind: str, year: int) -> str:
    """The next document number ``KIND-YYYY-NNNN`` (Q, C, SO), gap-free per year and safe under concurrency.

    PostgreSQL: the database's ``salescli_next_number`` (migration 0010), a SECURITY DEFINER function holding the
    counter's row lock until commit, so a rep's login needs no write grant on ``counters`` (team mode), and a
    deferred check refuses the commit unless the document numbered is stored in the same transaction. SQLite: one
    atomic ``UPDATE ... RETURNING`` after an insert-if-missing, under the write lock of BEGIN IMMEDIATE."""
    if conn.dialect.name == "postgresql":
        value = conn.exec_driver_sql("SELECT salescli_next_number(%(kind)s::text, %(year)s::integer)",
                                     {"kind": kind, "year": year}).scalar_one()
        return f"{kind}-{year}-{value:04d}"
    from sqlalchemy.dialects.sqlite import insert as upsert

    C = models.counters
    conn.execute(upsert(C).values(kind=kind, year=year, last=0).on_conflict_do_nothing())
    value = conn.execute(update(C).where(C.c.kind == kind, C.c.year == year).values(last=C.c.last + 1)
                         .returning(C.c.last)).scalar_one()
    return f"{kind}-{year}-{value:04d}"


def ensure_can_change(conn: Connection, *, owner_id: int | None, actor: str | None, what: str) -> None:
    """Team rule (services/authz.py): a rep changes only their own records; managers change any. ``actor`` is
    the acting rep's handle as resolved for this command (None: a single user, or the administrator)."""
    from salescli.services import authz

    if actor is None or owner_id is None:
        return
    R = models.reps
    rep = conn.execute(select(R.c.id, R.c.handle, R.c.role).where(R.c.handle == actor)).first()
    if rep is None:  # never trust a name that is not a rep
        raise PolicyError(_("no rep {actor!r} may change {what}").format(actor=actor, what=what))
    authz.require_owner(conn, authz.Actor(id=rep.id, handle=rep.handle, role=rep.role), owner_id, what)


def customer_owner(conn: Connection, customer_id: int) -> int | None:
    return conn.execute(select(models.customers.c.owner_id).where(models.customers.c.id == customer_id)).scalar()


def order_owner(conn: Connection, order_id: int) -> int | None:
    """An order belongs to its deal's owner."""
    D, O = models.deals, models.orders  # noqa: E741
    return conn.execute(select(D.c.owner_id).join(O, O.c.deal_id == D.c.id).where(O.c.id == order_id)).scalar()
