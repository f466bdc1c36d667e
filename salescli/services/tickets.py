"""After-sales tickets (step 8): problems after delivery, with a priority and its SLA to resolve."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update

from salescli import models
from salescli.domain import fields
from salescli.domain import tickets as rules
from salescli.domain.dates import require_in_order
from salescli.domain.pipeline import TICKET
from salescli.errors import InputError
from salescli.i18n import _
from salescli.services import orders
from salescli.services.audit import audit
from salescli.services.authz import Actor, customer_owner, handle_of, id_of, order_owner, require_owner
from salescli.services.rows import fetch, insert_id

T = models.tickets
TE = models.ticket_events
O = models.orders  # noqa: E741
C = models.customers
D = models.deals
R = models.reps


def _check_owner(conn: Connection, order_id: int | None, customer_id: int, actor: Actor | None, *, what: str) -> None:
    """A ticket is its order's deal owner's (or, without an order, its customer's owner's) to work."""
    owner = order_owner(conn, order_id) if order_id is not None else customer_owner(conn, customer_id)
    require_owner(conn, actor, owner, what)


def open_ticket(conn: Connection, *, order: str | None, customer_id: int | None, subject: str, priority: str,
                at: datetime, actor: Actor | None, sla: Mapping[str, int]) -> int:
    order_id, customer_id = orders.subject_of(conn, order=order, customer_id=customer_id)
    _check_owner(conn, order_id, customer_id, actor,
                 what=_("order {number}").format(number=order) if order else _("customer {id}").format(id=customer_id))
    level = rules.parse_priority(priority)
    ticket_id = insert_id(conn, T, {
        "order_id": order_id, "customer_id": customer_id,
        "subject": fields.required_text("tickets", "subject", subject, field="--subject"),
        "priority": level, "status": "open", "opened_at": at, "sla_due_at": rules.due(at, level, sla),
        "rep_id": id_of(actor)})
    insert_id(conn, TE, {"ticket_id": ticket_id, "at": at, "from_status": None, "to_status": "open",
                         "note": None, "rep_id": id_of(actor)})
    audit(conn, at=at, rep=handle_of(actor), entity="ticket", entity_id=ticket_id, action="open",
          after={"priority": level, "customer_id": customer_id, "order_id": order_id})
    return ticket_id


def change(conn: Connection, ticket_id: int, *, status: str | None, priority: str | None, note: str | None,
           at: datetime, actor: Actor | None, sla: Mapping[str, int]) -> dict[str, Any]:
    """Move a ticket (open → in_progress → resolved → closed; resolved → open reopens it) and/or re-prioritize
    (the SLA due time is recomputed from when it was opened)."""
    row = fetch(conn, T, ticket_id, "ticket")
    label = _("ticket {id}").format(id=ticket_id)
    _check_owner(conn, row["order_id"], row["customer_id"], actor, what=label)
    if status is None and priority is None and not note:
        raise InputError(_("nothing to update: give --status, --priority or --note"))
    values: dict[str, Any] = {}
    text = fields.text("ticket_events", "note", note, field="--note") if note else None
    target = row["status"]
    if status is not None:
        target = TICKET.check(row["status"], status.strip().lower(), label=label)
        values["status"] = target
        if target == "resolved":
            values["resolved_at"] = at
        elif target == "closed":
            values["closed_at"] = at
            if row["resolved_at"] is None:
                values["resolved_at"] = at
        elif target == "open":  # reopened: the clock for resolution runs again
            values["resolved_at"] = None
    last = conn.execute(select(func.max(TE.c.at)).where(TE.c.ticket_id == ticket_id)).scalar()
    last_label = _("it was opened") if last is None or last == row["opened_at"] else _("its last update")
    doing = (_("ticket {id} {status}").format(id=ticket_id, status=target) if status is not None
             else _("ticket {id} updated").format(id=ticket_id))
    require_in_order(at, doing, (row["opened_at"], _("it was opened")), (last, last_label))
    if priority is not None:
        level = rules.parse_priority(priority)
        values["priority"] = level
        values["sla_due_at"] = rules.due(row["opened_at"], level, sla)
    if values:
        conn.execute(update(T).where(T.c.id == ticket_id).values(**values))
    insert_id(conn, TE, {"ticket_id": ticket_id, "at": at, "from_status": row["status"], "to_status": target,
                         "note": text, "rep_id": id_of(actor)})
    audit(conn, at=at, rep=handle_of(actor), entity="ticket", entity_id=ticket_id, action="update",
          before={k: row[k] for k in values}, after={**values, "note": text})
    return get(conn, ticket_id, now=at)


def _select() -> Any:
    return (select(T.c.id, T.c.subject, T.c.priority, T.c.status, C.c.name.label("customer"), T.c.customer_id,
                   O.c.number.label("order"), T.c.opened_at, T.c.sla_due_at, T.c.resolved_at, T.c.closed_at,
                   R.c.handle.label("rep"))
            .select_from(T.join(C, C.c.id == T.c.customer_id).outerjoin(O, O.c.id == T.c.order_id)
                         .outerjoin(R, R.c.id == T.c.rep_id)))


def _with_sla(row: Mapping[Any, Any], now: datetime) -> dict[str, Any]:
    state = rules.sla_state(opened=row["opened_at"], due_at=row["sla_due_at"], resolved=row["resolved_at"], now=now)
    flag = "BREACHED" if state.breached else "near" if state.near else ""
    return {**row, "sla": flag, "breached": state.breached, "near_breach": state.near, "hours_left": state.hours_left}


def get(conn: Connection, ticket_id: int, *, now: datetime) -> dict[str, Any]:
    fetch(conn, T, ticket_id, "ticket")
    record = _with_sla(conn.execute(_select().where(T.c.id == ticket_id)).mappings().one(), now)
    record["events"] = [dict(e) for e in conn.execute(
        select(TE.c.at, TE.c.from_status, TE.c.to_status, TE.c.note, R.c.handle.label("rep"))
        .select_from(TE.outerjoin(R, R.c.id == TE.c.rep_id)).where(TE.c.ticket_id == ticket_id)
        .order_by(TE.c.at, TE.c.id)).mappings()]
    return record


def listing(conn: Connection, *, now: datetime, status: str | None = None, priority: str | None = None,
            customer_id: int | None = None, breached: bool = False, near: bool = False,
            include_closed: bool = False, owner_id: int | None = None) -> list[dict[str, Any]]:
    """Tickets by SLA due time; ``owner_id``: only that rep's (a ticket on an order is its deal owner's, else its
    customer owner's, as in services/authz.order_owner and the row security of team mode)."""
    query = _select().order_by(T.c.sla_due_at, T.c.id)
    if owner_id is not None:
        deal_owner = select(D.c.owner_id).where(D.c.id == O.c.deal_id).scalar_subquery()
        query = query.where(or_(and_(T.c.order_id.is_not(None), deal_owner == owner_id),
                                and_(T.c.order_id.is_(None), C.c.owner_id == owner_id)))
    if status:
        query = query.where(T.c.status == TICKET.parse(status, field="--status"))
    elif not include_closed and not breached:
        query = query.where(T.c.status.in_(("open", "in_progress")))
    if priority:
        query = query.where(T.c.priority == rules.parse_priority(priority))
    if customer_id is not None:
        query = query.where(T.c.customer_id == customer_id)
    rows = [_with_sla(r, now) for r in conn.execute(query).mappings()]
    if breached:
        rows = [r for r in rows if r["breached"]]
    if near:
        rows = [r for r in rows if r["near_breach"] or (r["breached"] and r["status"] in ("open", "in_progress"))]
    return rows
