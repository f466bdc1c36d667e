"""Who is acting, and what they may do: the one home of the team rules (PRODUCT.md, "Team mode and who may do
what"). Services ask here first so the CLI can say why in one line; on PostgreSQL the same rules are also held by
the database itself (grants and row-level security, services/team.py), so they hold for psql too.

Who is acting:
- SQLite (one person; the file's permissions are the boundary): nobody unless ``--rep``/``SALESCLI_REP``/the
  config's ``default_rep`` names a rep, which must exist (canonical handle: trimmed, lower-case).
- PostgreSQL: the database login (``session_user``). A rep's login is that rep; ``--rep`` may only repeat its
  own handle. The database's administrator (a superuser, or a member of the role that owns the tables) acts
  with no rep, like the single user on SQLite, and may name any rep with ``--rep`` to act for them (backfills,
  scripts): the administrator can change anything in psql anyway. Any other login is refused.

What they may see: listings show the acting rep's own records (``scope``: ``--owner``/``--all`` are a manager's
view), reports their own figures (``report_scope``: ``kpi report/funnel/lost-reasons --rep OTHER`` is a manager's).
A refusal that needs a manager says how to get one (``ask_manager``: on a team database a manager runs it with their
own login; on SQLite ``--rep MANAGER``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from salescli import models
from salescli.errors import InputError, PolicyError
from salescli.i18n import _

Rep = models.reps


@dataclass(frozen=True, slots=True)
class Actor:
    """The acting person for one command, resolved once (``resolve``) and passed whole to the services. ``id``/
    ``handle`` are None for the administrator; a program acting for a rep (``acting_for``) has only the id."""

    id: int | None
    handle: str | None
    role: str  # rep | manager | admin
    name: str | None = None
    login: str | None = None
    team: bool = False  # a team database (PostgreSQL): identity is the login, --rep cannot name another person

    @property
    def is_manager(self) -> bool:
        return self.role in ("manager", "admin")

    @property
    def label(self) -> str:
        """Who is acting, for a person to read (translated)."""
        if self.handle is None:
            return _("the administrator ({login})").format(login=self.login) if self.login else _("the administrator")
        if self.role == "manager":
            return _("manager {handle!r}").format(handle=self.handle)
        if self.role == "rep":
            return _("rep {handle!r}").format(handle=self.handle)
        return _("{role} {handle!r}").format(role=self.role, handle=self.handle)


def handle_of(actor: Actor | None) -> str | None:
    """Who did it, for the audit trail (``rep``): the acting rep's handle; None for a single user, the
    administrator or the sample data."""
    return actor.handle if actor is not None else None


def id_of(actor: Actor | None) -> int | None:
    """Who did it, on events and activities (``rep_id``): the acting rep's id, or None."""
    return actor.id if actor is not None else None


def acting_for(rep_id: int | None) -> Actor | None:
    """A program writing on a rep's behalf with no person to check (the sample data): events and activities name
    the rep, the audit trail names nobody, and no rule refuses (like a single user)."""
    return None if rep_id is None else Actor(id=rep_id, handle=None, role="admin")


def canonical(handle: str) -> str:
    """Handles are compared trimmed and lower-cased everywhere."""
    return handle.strip().lower()


def _known(conn: Connection) -> str:
    handles = conn.execute(select(Rep.c.handle).where(Rep.c.active.is_(True)).order_by(Rep.c.handle)
                           .limit(20)).scalars()
    listed = ", ".join(handles)
    if not listed:
        return _("no reps yet: 'salescli rep add HANDLE --name NAME'")
    return _("known: {handles}").format(handles=listed)


def _by_handle(conn: Connection, handle: str, option: str) -> dict[str, Any]:
    row = conn.execute(select(Rep).where(Rep.c.handle == canonical(handle))).mappings().first()
    if row is None:
        raise InputError(_("{option}: no rep {handle!r} ({known})").format(option=option, handle=handle.strip(),
                                                                          known=_known(conn)))
    if not row["active"]:
        raise PolicyError(_("{option}: rep {handle!r} is disabled").format(option=option, handle=row["handle"]))
    return dict(row)


def _actor(row: dict[str, Any], login: str | None = None, *, team: bool = False) -> Actor:
    return Actor(id=int(row["id"]), handle=row["handle"], role=row["role"], name=row["name"],
                 login=login or row.get("login"), team=team)


def resolve(conn: Connection, requested: str | None, *, option: str = "--rep", bootstrap: bool = False) -> Actor | None:
    """The acting rep of this command (None: a single user on SQLite, nobody to check). ``bootstrap``: adding
    the first rep to a SQLite database, where no --rep can name anyone yet."""
    if conn.dialect.name != "postgresql":
        if requested is None or not requested.strip():
            return None
        if bootstrap and _no_reps(conn):
            return None
        return _actor(_by_handle(conn, requested, option))
    login, admin = conn.exec_driver_sql(
        "SELECT session_user, r.rolsuper OR pg_has_role(session_user, c.relowner, 'MEMBER') "
        "FROM pg_roles r, pg_class c WHERE r.rolname = session_user AND c.oid = 'reps'::regclass").one()
    row = conn.execute(select(Rep).where(Rep.c.login == login)).mappings().first()
    if row is not None:
        if not row["active"]:
            raise PolicyError(_("login {login}: rep {handle!r} is disabled; a manager can enable it").format(
                login=login, handle=row["handle"]))
        if requested and canonical(requested) != row["handle"]:
            raise PolicyError(_("you are logged in as {login} (rep {handle}); {option} can only name "
                                "yourself on a team database").format(login=login, handle=row["handle"], option=option))
        return _actor(dict(row), login, team=True)
    if not admin:
        raise PolicyError(_("login {login} is not a salescli rep; a manager adds it with "
                            "'salescli rep add HANDLE --name NAME --login-name {login}'").format(login=login))
    if requested and requested.strip() and not (bootstrap and _no_reps(conn)):
        return _actor(_by_handle(conn, requested, option), login, team=True)
    return Actor(id=None, handle=None, role="admin", login=login, team=True)


def _no_reps(conn: Connection) -> bool:
    return conn.execute(select(Rep.c.id).limit(1)).first() is None


# -- the rules ----------------------------------------------------------------------------------------------


def ask_manager(command: str, *, team: bool) -> str:
    """How to get a manager's action done, right for the backend (``command``: salescli's arguments). On a team
    database (PostgreSQL) who you are is your login and ``--rep`` cannot name another person: a manager runs it
    with their own login. On SQLite (one person) the user names a manager rep with ``--rep``."""
    if team:
        return _("ask a manager to run: salescli {command}").format(command=command)
    return _("salescli --rep MANAGER {command}").format(command=command)


def require_manager(actor: Actor | None, action: str) -> None:
    """Approvals, targets, reps, the catalog and team settings: managers only (a single user may)."""
    if actor is not None and not actor.is_manager:
        raise PolicyError(_("{action} needs a manager; acting as {actor}").format(action=action, actor=actor.label))


def approver(actor: Actor | None, action: str, *, command: str | None = None) -> Actor:
    """An approval is signed by a named manager: a manager rep must be acting (a single user adds one and uses
    ``--rep``; on a team database a manager runs it with their own login). ``command``: what a manager would run,
    for the refusal's hint on a team database."""
    if actor is None or actor.id is None or actor.role != "manager":
        who = actor.label if actor is not None else _("no rep (use --rep MANAGER)")
        line = _("{action} needs a manager; acting as {actor}").format(action=action, actor=who)
        if actor is not None and actor.team and command:
            line = _("{refusal} ({hint})").format(refusal=line, hint=ask_manager(command, team=True))
        raise PolicyError(line)
    return actor


def can_change(actor: Actor | None, owner_id: int | None) -> bool:
    """A rep changes only their own records (and those nobody owns yet); managers and a single user change any."""
    return actor is None or actor.is_manager or owner_id is None or owner_id == actor.id


def require_owner(conn: Connection, actor: Actor | None, owner_id: int | None, what: str) -> None:
    """Refuse a change to someone else's record (or to nobody's, for a rep) in one line naming the owner."""
    if can_change(actor, owner_id):
        return
    owner = conn.execute(select(Rep.c.handle).where(Rep.c.id == owner_id)).scalar()
    raise PolicyError(_("{what} belongs to {owner}; only its owner or a manager can change it").format(
        what=what, owner=owner))


def require_assignable(actor: Actor | None, owner_id: int | None, what: str) -> None:
    """A rep cannot give a record to someone else (or to nobody): only managers assign owners."""
    if actor is not None and not actor.is_manager and owner_id != actor.id:
        raise PolicyError(_("{what}: only a manager can give a record to another rep; acting as {actor}").format(
            what=what, actor=actor.label))


def owner_for(actor: Actor | None, owner_id: int | None) -> int | None:
    """Who a new or reassigned record belongs to: ``--owner``'s (``owner_id``; a rep may only name themselves),
    else the acting rep, else nobody."""
    if owner_id is not None:
        require_assignable(actor, owner_id, "--owner")
        return owner_id
    return id_of(actor)


def require_visible(actor: Actor | None, owner_id: int | None, what: str) -> None:
    """Listing someone else's records (``--owner bob``, ``--all``) is a manager's view."""
    if actor is not None and not actor.is_manager and owner_id != actor.id:
        raise PolicyError(_("{what} needs a manager; {handle} sees their own records").format(
            what=what, handle=actor.handle))


def report_scope(actor: Actor | None, rep_id: int | None, *, handle: str | None = None,
                 option: str = "--rep") -> int | None:
    """Whose records a report counts (kpi report, funnel, lost-reasons): a rep reads only their own deals and
    everything under them, so a rep's report is their own row and a total that is theirs (never other reps listed
    with nothing: on a team database row security hides their records); ``--rep`` naming another rep is a
    manager's view. A manager, the administrator or a single user: everyone's, or ``--rep``'s (``rep_id``)."""
    if actor is None or actor.is_manager:
        return rep_id
    if rep_id is not None and rep_id != actor.id:
        raise PolicyError(_("{option} {handle}: only managers see other reps' figures; acting as {actor}").format(
            option=option, handle=handle or rep_id, actor=actor.label))
    return actor.id


def search_scope(actor: Actor | None) -> int | None:
    """Whose leads and deals a search shows (customers and contacts are everyone's to read): a rep's own (the id),
    or everyone's (None) for a manager, the administrator or a single user."""
    return actor.id if actor is not None and not actor.is_manager else None


def scope(actor: Actor | None, owner_id: int | None, everyone: bool) -> int | None:
    """Whose records a listing shows: ``--owner``'s (a manager's view unless it is yourself); ``--all`` (a
    manager's); else the acting rep's own; a single user or the administrator sees everyone's."""
    if owner_id is not None:
        require_visible(actor, owner_id, "--owner")
        return owner_id
    if everyone:
        require_visible(actor, None, "--all")
        return None
    return actor.id if actor is not None else None


def customer_owner(conn: Connection, customer_id: int) -> int | None:
    return conn.execute(select(models.customers.c.owner_id).where(models.customers.c.id == customer_id)).scalar()


def order_owner(conn: Connection, order_id: int) -> int | None:
    """An order belongs to its deal's owner."""
    Deal, Order = models.deals, models.orders
    return conn.execute(select(Deal.c.owner_id).join(Order, Order.c.deal_id == Deal.c.id)
                        .where(Order.c.id == order_id)).scalar()
