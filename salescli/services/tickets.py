"""After-sales tickets (step 8): problems after delivery, with a priority and its SLA to resolve."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, and_, func, or_, select, update

from salescli import models, records
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

Ticket = models.tickets
TicketEvent = models.ticket_events
Order = models.orders
Customer = models.customers
Deal = models.deals
Rep = models.reps


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
    ticket_id = insert_id(conn, Ticket, {
        "order_id": order_id, "customer_id": customer_id,
        "subject": fields.required_text("tickets", "subject", subject, field="--subject"),
        "priority": level, "status": "open", "opened_at": at, "sla_due_at": rules.due(at, level, sla),
        "rep_id": id_of(actor)})
    insert_id(conn, TicketEvent, {"ticket_id": ticket_id, "at": at, "from_status": None, "to_status": "open",
                                  "note": None, "rep_id": id_of(actor)})
    audit(conn, at=at, rep=handle_of(actor), entity="ticket", entity_id=ticket_id, action="open",
          after={"priority": level, "customer_id": customer_id, "order_id": order_id})
    return ticket_id


def change(conn: Connection, ticket_id: int, *, status: str | None, priority: str | None, note: str | None,
           at: datetime, actor: Actor | None, sla: Mapping[str, int]) -> records.Ticket:
    """Move a ticket (open → in_progress → resolved → closed; resolved → open reopens it) and/or re-prioritize
    (the SLA due time is recomputed from when it was opened)."""
    row = fetch(conn, Ticket, ticket_id, "ticket")
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
    last = conn.execute(select(func.max(TicketEvent.c.at)).where(TicketEvent.c.ticket_id == ticket_id)).scalar()
    last_label = _("it was opened") if last is None or last == row["opened_at"] else _("its last update")
    doing = (_("ticket {id} {status}").format(id=ticket_id, status=target) if status is not None
             else _("ticket {id} updated").format(id=ticket_id))
    require_in_order(at, doing, (row["opened_at"], _("it was opened")), (last, last_label))
    if priority is not None:
        level = rules.parse_priority(priority)
        values["priority"] = level
        values["sla_due_at"] = rules.due(row["opened_at"], level, sla)
    if values:
        conn.execute(update(Ticket).where(Ticket.c.id == ticket_id).values(**values))
    insert_id(conn, TicketEvent, {"ticket_id": ticket_id, "at": at, "from_status": row["status"], "to_status": target,
                                  "note": text, "rep_id": id_of(actor)})
    audit(conn, at=at, rep=handle_of(actor), entity="ticket", entity_id=ticket_id, action="update",
          before={k: row[k] for k in values}, after={**values, "note": text})
    return get(conn, ticket_id, now=at)


def _select() -> Any:
    return (select(Ticket.c.id, Ticket.c.subject, Ticket.c.priority, Ticket.c.status, Customer.c.name.label("customer"),
                   Ticket.c.customer_id, Order.c.number.label("order"), Ticket.c.opened_at, Ticket.c.sla_due_at,
                   Ticket.c.resolved_at, Ticket.c.closed_at, Rep.c.handle.label("rep"))
            .select_from(Ticket.join(Customer, Customer.c.id == Ticket.c.customer_id)
                         .outerjoin(Order, Order.c.id == Ticket.c.order_id)
                         .outerjoin(Rep, Rep.c.id == Ticket.c.rep_id)))


def _with_sla(row: Mapping[Any, Any], now: datetime) -> records.Ticket:
    state = rules.sla_state(opened=row["opened_at"], due_at=row["sla_due_at"], resolved=row["resolved_at"], now=now)
    flag = "BREACHED" if state.breached else "near" if state.near else ""
    return cast(records.Ticket, {**row, "sla": flag, "breached": state.breached, "near_breach": state.near,
                                 "hours_left": state.hours_left})


def get(conn: Connection, ticket_id: int, *, now: datetime) -> records.Ticket:
    fetch(conn, Ticket, ticket_id, "ticket")
    record = _with_sla(conn.execute(_select().where(Ticket.c.id == ticket_id)).mappings().one(), now)
    record["events"] = [cast(records.StatusEvent, dict(e)) for e in conn.execute(
        select(TicketEvent.c.at, TicketEvent.c.from_status, TicketEvent.c.to_status, TicketEvent.c.note,
               Rep.c.handle.label("rep"))
        .select_from(TicketEvent.outerjoin(Rep, Rep.c.id == TicketEvent.c.rep_id))
        .where(TicketEvent.c.ticket_id == ticket_id)
        .order_by(TicketEvent.c.at, TicketEvent.c.id)).mappings()]
    return record


def listing(conn: Connection, *, now: datetime, status: str | None = None, priority: str | None = None,
            customer_id: int | None = None, breached: bool = False, near: bool = False,
            include_closed: bool = False, owner_id: int | None = None) -> list[records.Ticket]:
    """Tickets by SLA due time; ``owner_id``: only that rep's (a ticket on an order is its deal owner's, else its
    customer owner's, as in services/authz.order_owner and the row security of team mode)."""
    query = _select().order_by(Ticket.c.sla_due_at, Ticket.c.id)
    if owner_id is not None:
        deal_owner = select(Deal.c.owner_id).where(Deal.c.id == Order.c.deal_id).scalar_subquery()
        query = query.where(or_(and_(Ticket.c.order_id.is_not(None), deal_owner == owner_id),
                                and_(Ticket.c.order_id.is_(None), Customer.c.owner_id == owner_id)))
    if status:
        query = query.where(Ticket.c.status == TICKET.parse(status, field="--status"))
    elif not include_closed and not breached:
        query = query.where(Ticket.c.status.in_(("open", "in_progress")))
    if priority:
        query = query.where(Ticket.c.priority == rules.parse_priority(priority))
    if customer_id is not None:
        query = query.where(Ticket.c.customer_id == customer_id)
    rows = [_with_sla(r, now) for r in conn.execute(query).mappings()]
    if breached:
        rows = [r for r in rows if r["breached"]]
    if near:
        rows = [r for r in rows if r["near_breach"] or (r["breached"] and r["status"] in ("open", "in_progress"))]
    return rows
