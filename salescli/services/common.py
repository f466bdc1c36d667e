"""Where the services' small helpers used to live, one module each now: record ids (``services/ids.py``), one row
at a time (``services/rows.py``), the audit trail (``services/audit.py``) and document numbers
(``services/numbers.py``), re-exported here so existing imports keep working. Still here: the ownership checks,
which belong with the team rules in ``services/authz.py``."""

from __future__ import annotations

from sqlalchemy import Connection, select

from salescli import models
from salescli.errors import PolicyError
from salescli.i18n import _
from salescli.services.audit import audit
from salescli.services.ids import ENTITIES, MAX_ID, parse_id
from salescli.services.numbers import next_number, parse_document_number
from salescli.services.rows import fetch, insert_id, money_fields

__all__ = ["ENTITIES", "MAX_ID", "audit", "customer_owner", "ensure_can_change", "fetch", "insert_id",
           "money_fields", "next_number", "order_owner", "parse_document_number", "parse_id"]


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
