"""Reps: who sells, who manages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from salescli import models
from salescli.domain import fields
from salescli.domain.identity import normalize_email, parse_handle
from salescli.errors import NotFound, PolicyError
from salescli.services.common import audit, insert_id

ROLES = ("rep", "manager")


def add(conn: Connection, *, handle: str, name: str, email: str | None, manager: bool, at: datetime,
        actor: str | None) -> int:
    handle = parse_handle(handle)
    name = fields.required_text("reps", "name", name, field="--name")
    email_text = normalize_email(email, field="--email")[0] if email else None
    if conn.execute(select(models.reps.c.id).where(models.reps.c.handle == handle)).first():
        raise PolicyError(f"rep {handle!r} already exists")
    role = "manager" if manager else "rep"
    rep_id = insert_id(conn, models.reps, {"handle": handle, "name": name, "email": email_text, "role": role,
                                           "active": True, "created_at": at})
    audit(conn, at=at, rep=actor, entity="rep", entity_id=handle, action="create",
          after={"handle": handle, "name": name, "email": email_text, "role": role})
    return rep_id


def get(conn: Connection, handle: str, *, field: str = "rep") -> dict[str, Any]:
    key = handle.strip().lower()
    row = conn.execute(select(models.reps).where(models.reps.c.handle == key)).mappings().first()
    if row is None:
        known = conn.execute(select(func.count()).select_from(models.reps)).scalar_one()
        hint = " (see 'salescli rep list')" if known else " (no reps yet: 'salescli rep add HANDLE --name NAME')"
        raise NotFound(f"{field}: no rep {handle!r}{hint}")
    return dict(row)


def listing(conn: Connection) -> list[dict[str, Any]]:
    r = models.reps
    rows = conn.execute(select(r.c.handle, r.c.name, r.c.email, r.c.role, r.c.active, r.c.created_at)
                        .order_by(r.c.handle)).mappings()
    return [dict(row) for row in rows]
