"""Team settings: the policy everyone on one database shares (tax rate, currency, discount and margin policy, quote
validity, SLA, the seller's company details, survey settings), kept in table team_settings as checked text.

Read in one query per command (``load``); changed by a manager in team mode (``require_may_change``), every change
in the audit trail (entity "setting", the key as its id). Which keys are team settings, and how each value is
checked, is ``salescli.settings.KEYS``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, select

from salescli import models
from salescli.errors import PolicyError
from salescli.i18n import _
from salescli.services.audit import audit
from salescli.services.authz import Actor, handle_of

TeamSettings = models.team_settings
ENTITY = "setting"


def load(conn: Connection) -> dict[str, str]:
    """Every stored team setting (text by key), in one query."""
    return {key: value for key, value in conn.execute(select(TeamSettings.c.key, TeamSettings.c.value))}


def stored(conn: Connection, key: str, *, lock: bool = False) -> str | None:
    """One stored value, or None (the default applies). ``lock``: keep the row for this transaction (PostgreSQL;
    SQLite's write transaction holds the whole file already)."""
    query = select(TeamSettings.c.value).where(TeamSettings.c.key == key)
    return conn.execute(query.with_for_update() if lock else query).scalar()


def require_may_change(actor: Actor | None, *, team_database: bool, action: str, command: str | None = None) -> None:
    """Team settings are changed by a manager. On a team database (PostgreSQL) someone must be acting (the
    administrator counts as a manager); on SQLite a single user with no rep acting may, a rep acting may not.
    ``command``: what a manager would run (default: ``action``), for the refusal's hint on a team database, where
    --rep cannot name another person."""
    if actor is None and not team_database:
        return
    if actor is not None and actor.is_manager:
        return
    from salescli.services.authz import ask_manager

    if team_database:
        who = actor.label if actor is not None else _("nobody")
        line = _("{action}: team settings are changed by a manager; acting as {actor}").format(action=action,
                                                                                                actor=who)
        raise PolicyError(_("{refusal} ({hint})").format(refusal=line,
                                                         hint=ask_manager(command or action, team=True)))
    who = actor.label if actor is not None else _("no rep (use --rep MANAGER)")
    raise PolicyError(_("{action}: team settings are changed by a manager; acting as {actor}").format(action=action,
                                                                                                       actor=who))


def put(conn: Connection, key: str, value: str, *, at: datetime, actor: Actor | None) -> bool:
    """Store ``value`` (already checked) for ``key``: insert or replace, audited with before and after. False when
    the value was already stored (nothing written)."""
    old = stored(conn, key, lock=True)
    if old == value:
        return False
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
    who = handle_of(actor)
    row = {"key": key, "value": value, "updated_at": at, "updated_by": who}
    conn.execute(upsert(TeamSettings).values(**row).on_conflict_do_update(
        index_elements=[TeamSettings.c.key], set_={"value": value, "updated_at": at, "updated_by": who}))
    audit(conn, at=at, rep=who, entity=ENTITY, entity_id=key, action="set", before={"value": old},
          after={"value": value})
    return True


def remove(conn: Connection, key: str, *, at: datetime, actor: Actor | None) -> bool:
    """Delete the stored value (the default applies again), audited. False when none was stored."""
    old = stored(conn, key, lock=True)
    if old is None:
        return False
    conn.execute(delete(TeamSettings).where(TeamSettings.c.key == key))
    audit(conn, at=at, rep=handle_of(actor), entity=ENTITY, entity_id=key, action="unset", before={"value": old},
          after={"value": None})
    return True
