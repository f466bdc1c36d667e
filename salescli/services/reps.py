"""Reps: who sells, who manages."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Connection, func, select
from sqlalchemy import update as update_

from salescli import models, records
from salescli.domain import fields
from salescli.domain.identity import normalize_email, parse_handle
from salescli.errors import InputError, NotFound, PolicyError
from salescli.i18n import _
from salescli.services import team
from salescli.services.audit import audit
from salescli.services.authz import Actor, handle_of
from salescli.services.rows import insert_id

ROLES = ("rep", "manager")


def add(conn: Connection, *, handle: str, name: str, email: str | None, manager: bool, at: datetime,
        actor: Actor | None, login: str | None = None, password: str | None = None) -> int:
    """A new rep; with ``login`` (PostgreSQL team mode) also its login role, a member of salescli_rep or
    salescli_manager, with ``password`` (never stored or shown in clear: only its SCRAM verifier reaches the
    server) or none (peer, certificate or trust authentication)."""
    handle = parse_handle(handle)
    name = fields.required_text("reps", "name", name, field="--name")
    email_text = normalize_email(email, field="--email")[0] if email else None
    if conn.execute(select(models.reps.c.id).where(models.reps.c.handle == handle)).first():
        raise PolicyError(_("rep {handle!r} already exists").format(handle=handle))
    if login is not None:
        login = _check_new_login(conn, login, with_password=password is not None)
    role = "manager" if manager else "rep"
    rep_id = insert_id(conn, models.reps, {"handle": handle, "name": name, "email": email_text, "role": role,
                                           "active": True, "created_at": at, "login": login})
    after = {"handle": handle, "name": name, "email": email_text, "role": role}
    if login is not None:
        verifier = team.encrypt(conn, login, password) if password is not None else None
        team.manage_login(conn, "create", login, manager=manager, verifier=verifier)
        after["login"] = login
    audit(conn, at=at, rep=handle_of(actor), entity="rep", entity_id=handle, action="create", after=after)
    return rep_id


def _check_new_login(conn: Connection, login: str, *, with_password: bool) -> str:
    """A login that can be given to a new rep: team mode on, a safe name, no other rep's; an existing role is
    adopted as it is (no password)."""
    team.require_initialized(conn, "--login")
    login = team.parse_login(login)
    other = team.login_in_use(conn, login)
    if other is not None:
        raise PolicyError(_("--login: {login} is already rep {other}'s login").format(login=login, other=other))
    if team.role_exists(conn, login):
        team.check_adoptable(conn, login)
        if with_password:
            raise PolicyError(_("--login: the role {login} already exists: use --no-password (its password stays "
                                "as it is)").format(login=login))
    return login


def login_needs_password(conn: Connection, login: str) -> bool:
    """Whether adding ``login`` would create a new role (which then needs a password or --no-password)."""
    return conn.dialect.name == "postgresql" and not team.role_exists(conn, team.parse_login(login))


def update(conn: Connection, handle: str, *, name: str | None, email: str | None, manager: bool | None,
           at: datetime, actor: Actor | None, login: str | None = None,
           password: str | None = None) -> records.Rep:
    """Change a rep's name, email or role; a manager's login moves between salescli_rep and salescli_manager in
    the same transaction. ``login`` gives the rep a login (one added before team mode, or whose role is missing,
    e.g. after a restore on another server): created, or an existing role adopted, as for ``add``."""
    before = get(conn, handle)
    changes: records.RepChanges = {}  # only what differs
    if name is not None and (new_name := fields.required_text("reps", "name", name, field="--name")) != before["name"]:
        changes["name"] = new_name
    if email is not None:
        new_email = normalize_email(email, field="--email")[0] if email.strip() else None
        if new_email != before["email"]:
            changes["email"] = new_email
    if manager is not None and (new_role := "manager" if manager else "rep") != before["role"]:
        changes["role"] = new_role
    if login is not None:  # (re)attached even when unchanged: the role is created or put in its group again
        login = _check_login_for(conn, before, login, with_password=password is not None)
        changes["login"] = login
    if not changes:
        return before
    conn.execute(update_(models.reps).where(models.reps.c.id == before["id"]).values(**changes))
    role = changes.get("role", before["role"])
    if login is not None:
        verifier = team.encrypt(conn, login, password) if password is not None else None
        team.manage_login(conn, "create", login, manager=role == "manager", verifier=verifier)
    elif "role" in changes and before["login"] and conn.dialect.name == "postgresql":
        team.manage_login(conn, "group", before["login"], manager=role == "manager")
    audit(conn, at=at, rep=handle_of(actor), entity="rep", entity_id=before["handle"], action="update",
          before={k: v for k, v in before.items() if k in changes}, after=changes)
    updated: records.Rep = {**before, **changes}
    return updated


def _check_login_for(conn: Connection, rep: records.Rep, login: str, *, with_password: bool) -> str:
    """A login for an existing rep: as for a new one, and a rep whose login role exists keeps it (no silent
    switch to another role; the old one would keep its rights)."""
    team.require_initialized(conn, "--login")
    login = team.parse_login(login)
    current = rep["login"]
    if current and current != login and team.role_exists(conn, current):
        raise PolicyError(_("--login: rep {handle} already has the login {login}").format(handle=rep["handle"],
                                                                                          login=current))
    other = team.login_in_use(conn, login)
    if other is not None and other != rep["handle"]:
        raise PolicyError(_("--login: {login} is already rep {other}'s login").format(login=login, other=other))
    if team.role_exists(conn, login):
        team.check_adoptable(conn, login)
        if with_password:
            raise PolicyError(_("--login: the role {login} already exists: its password is not changed here (the rep "
                                "changes it with psql's \\password; the administrator with ALTER ROLE)").format(
                login=login))
    return login


def set_active(conn: Connection, handle: str, *, active: bool, at: datetime,
               actor: Actor | None) -> tuple[records.Rep, bool]:
    """Disable (records kept, the login may no longer connect) or enable a rep. Returns (the rep, whether anything
    changed)."""
    rep = get(conn, handle)
    if not active and rep["handle"] == handle_of(actor):
        raise PolicyError(_("a manager cannot disable themselves; another manager or the administrator can"))
    if bool(rep["active"]) == active:
        return rep, False
    conn.execute(update_(models.reps).where(models.reps.c.id == rep["id"]).values(active=active))
    if rep["login"] and conn.dialect.name == "postgresql":
        team.manage_login(conn, "enable" if active else "disable", rep["login"])
    audit(conn, at=at, rep=handle_of(actor), entity="rep", entity_id=rep["handle"],
          action="enable" if active else "disable", before={"active": bool(rep["active"])}, after={"active": active})
    return {**rep, "active": active}, True


#: The records a rep owns (owner_id): what a handover moves (everything under a deal follows its deal).
OWNED = ("leads", "customers", "deals", "tasks")


def handover(conn: Connection, source: str, target: str, *, at: datetime, actor: Actor | None) -> dict[str, int]:
    """Every record owned by ``source`` now belongs to ``target``, each move in the audit trail (one transaction:
    all of them or none). Returns the count per kind."""
    old, new = get(conn, source, field="FROM"), get(conn, target, field="TO")
    if old["id"] == new["id"]:
        raise InputError(_("handover: FROM and TO are both {handle}").format(handle=old["handle"]))
    if not new["active"]:
        raise PolicyError(_("handover: rep {handle!r} is disabled; enable it first or choose another rep").format(
            handle=new["handle"]))
    counts: dict[str, int] = {}
    for name in OWNED:
        table = models.metadata.tables[name]
        ids = sorted(conn.execute(update_(table).where(table.c.owner_id == old["id"])
                                  .values(owner_id=new["id"], updated_at=at).returning(table.c.id)).scalars())
        counts[name] = len(ids)
        entity = name[:-1]
        for record_id in ids:
            audit(conn, at=at, rep=handle_of(actor), entity=entity, entity_id=record_id, action="handover",
                  before={"owner_id": old["id"]}, after={"owner_id": new["id"]})
    audit(conn, at=at, rep=handle_of(actor), entity="rep", entity_id=old["handle"], action="handover",
          after={"to": new["handle"], **counts})
    return counts


def get(conn: Connection, handle: str, *, field: str = "rep") -> records.Rep:
    key = handle.strip().lower()
    row = conn.execute(select(models.reps).where(models.reps.c.handle == key)).mappings().first()
    if row is None:
        known = conn.execute(select(func.count()).select_from(models.reps)).scalar_one()
        missing = (_("{field}: no rep {handle!r} (see 'salescli rep list')") if known
                   else _("{field}: no rep {handle!r} (no reps yet: 'salescli rep add HANDLE --name NAME')"))
        raise NotFound(missing.format(field=field, handle=handle))
    return cast(records.Rep, dict(row))


def listing(conn: Connection) -> list[records.RepSummary]:
    r = models.reps
    rows = conn.execute(select(r.c.handle, r.c.name, r.c.email, r.c.role, r.c.active, r.c.created_at)
                        .order_by(r.c.handle)).mappings()
    return [cast(records.RepSummary, dict(row)) for row in rows]
