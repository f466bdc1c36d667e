"""Orders (step 7): handed to supply chain from a signed contract, tracked event by event to delivery."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, func, select, update

from salescli import models, records
from salescli.domain import fields
from salescli.domain import orders as rules
from salescli.domain.dates import require_in_order
from salescli.domain.money import from_minor
from salescli.domain.pipeline import ORDER
from salescli.errors import InputError, InvalidTransition, NotFound, PolicyError, SalesError
from salescli.i18n import _
from salescli.services import contracts
from salescli.services.audit import audit
from salescli.services.authz import Actor, require_owner
from salescli.services.numbers import next_number, parse_document_number
from salescli.services.rows import fetch, insert_id

Order = models.orders
OrderEvent = models.order_events
Contract = models.contracts
ContractLine = models.contract_lines
Deal = models.deals
Customer = models.customers
Rep = models.reps
Product = models.products
TIMESTAMP = {"shipped": "shipped_at", "delivered": "delivered_at", "closed": "closed_at", "cancelled": "closed_at"}


def parse_number(text: str) -> str:
    return parse_document_number(text, "SO", "order")


def create(conn: Connection, contract_number: str, *, promised: date, at: datetime, actor: Actor | None) -> str:
    if promised < at.date():
        raise InputError(_("--promised {promised} is before the order date {ordered}").format(
            promised=promised.isoformat(), ordered=at.date().isoformat()))
    contract = contracts.get_row(conn, contract_number)
    owner = conn.execute(select(Deal.c.owner_id).where(Deal.c.id == contract["deal_id"])).scalar()
    require_owner(conn, actor, owner, _("contract {number}").format(number=contract["number"]))
    if contract["status"] != "signed":
        raise InvalidTransition(_("contract {number} is {status}; an order needs a signed "
                                  "contract (salescli contract sign {number})").format(number=contract["number"],
                                                                                        status=contract["status"]))
    existing = conn.execute(select(Order.c.number).where(Order.c.contract_id == contract["id"],
                                                         Order.c.status != "cancelled")).first()
    if existing:
        raise PolicyError(_("contract {number} already has order {order}").format(number=contract["number"],
                                                                                  order=existing.number))
    require_in_order(at, _("order for contract {number} created").format(number=contract["number"]),
                     (contract["signed_at"], _("the contract was signed")))
    number = next_number(conn, "SO", at.year)
    order_id = insert_id(conn, Order, {"number": number, "contract_id": contract["id"], "deal_id": contract["deal_id"],
                                       "status": "submitted", "promised": promised, "created_at": at, "updated_at": at})
    insert_id(conn, OrderEvent, {"order_id": order_id, "at": at, "from_status": None, "to_status": "submitted",
                                 "note": f"from contract {contract['number']}", "rep_id": actor.id if actor else None})
    audit(conn, at=at, rep=actor.handle if actor else None, entity="order", entity_id=number, action="create",
          after={"contract": contract["number"], "promised": promised})
    return number


def subject_of(conn: Connection, *, order: str | None, customer_id: int | None) -> tuple[int | None, int]:
    """What a ticket or a survey is about: (order id, customer id) from exactly one of --order or --customer."""
    if (order is None) == (customer_id is None):
        raise InputError(_("give exactly one of --order or --customer"))
    if order is not None:
        row = get_row(conn, order)
        return row["id"], conn.execute(select(Deal.c.customer_id).where(Deal.c.id == row["deal_id"])).scalar_one()
    assert customer_id is not None
    from salescli.services.merge import refuse_merged

    refuse_merged(fetch(conn, Customer, customer_id, "customer"), "customer")
    return None, customer_id


def get_row(conn: Connection, number: str) -> records.OrderRow:
    key = parse_number(number)
    row = conn.execute(select(Order).where(Order.c.number == key)).mappings().first()
    if row is None:
        raise NotFound(_("order {number} not found").format(number=key))
    return cast(records.OrderRow, dict(row))


def _became(status: str) -> str:
    """The order's last event, named for the dates-in-order message (translated)."""
    return _("it was submitted") if status == "submitted" else _("it became {status}").format(status=status)


def update_status(conn: Connection, number: str, status: str, *, note: str | None, at: datetime,
                  actor: Actor | None) -> records.OrderRow:
    """One step along the order machine (forward skips allowed, never back; cancel only before shipping)."""
    row = get_row(conn, number)
    owner = conn.execute(select(Deal.c.owner_id).where(Deal.c.id == row["deal_id"])).scalar()
    label = _("order {number}").format(number=row["number"])
    require_owner(conn, actor, owner, label)
    target = status.strip().lower()
    ORDER.check(row["status"], target, label=label)
    last = conn.execute(select(func.max(OrderEvent.c.at)).where(OrderEvent.c.order_id == row["id"])).scalar()
    require_in_order(at, _("order {number} {status}").format(number=row["number"], status=target),
                     (last, _became(row["status"])))
    text = fields.text("order_events", "note", note, field="--note") if note else None
    values: dict[str, Any] = {"status": target, "updated_at": at}
    if target in TIMESTAMP:
        values[TIMESTAMP[target]] = at
    if target in ("delivered", "closed") and row["shipped_at"] is None:
        values.setdefault("shipped_at", at)  # a skip past shipping still records when it left
    if target == "closed" and row["delivered_at"] is None:
        values["delivered_at"] = at
    conn.execute(update(Order).where(Order.c.id == row["id"]).values(**values))
    insert_id(conn, OrderEvent, {"order_id": row["id"], "at": at, "from_status": row["status"], "to_status": target,
                                 "note": text, "rep_id": actor.id if actor else None})
    audit(conn, at=at, rep=actor.handle if actor else None, entity="order", entity_id=row["number"],
          action=f"status:{target}", before={"status": row["status"]}, after={"status": target, "note": text})
    return row


def _lead_times(conn: Connection, contract_ids: Iterable[int]) -> dict[int, int]:
    ids = list(contract_ids)
    if not ids:
        return {}
    query = (select(ContractLine.c.contract_id, func.max(Product.c.lead_time_days))
             .select_from(ContractLine.outerjoin(Product, Product.c.id == ContractLine.c.product_id))
             .where(ContractLine.c.contract_id.in_(ids)).group_by(ContractLine.c.contract_id))
    return {cid: int(days or 0) for cid, days in conn.execute(query)}


def _base() -> Any:
    return (select(Order.c.id, Order.c.number, Order.c.status, Order.c.contract_id, Contract.c.number.label("contract"),
                   Order.c.deal_id, Customer.c.name.label("customer"), Order.c.promised, Order.c.created_at,
                   Order.c.shipped_at, Order.c.delivered_at, Contract.c.net_minor, Rep.c.handle.label("owner"))
            .select_from(Order.join(Contract, Contract.c.id == Order.c.contract_id)
                         .join(Deal, Deal.c.id == Order.c.deal_id)
                         .join(Customer, Customer.c.id == Deal.c.customer_id)
                         .outerjoin(Rep, Rep.c.id == Deal.c.owner_id)))


def _with_tracking(rows: list[dict[str, Any]], lead: dict[int, int], today: date,
                   at_risk_days: int) -> list[records.Order]:
    out: list[records.Order] = []
    for r in rows:
        t = rules.track(status=r["status"], promised=r["promised"], ordered=r["created_at"].date(), today=today,
                        lead_time_days=lead.get(r["contract_id"], 0),
                        shipped=r["shipped_at"].date() if r["shipped_at"] else None,
                        delivered=r["delivered_at"].date() if r["delivered_at"] else None, at_risk_days=at_risk_days)
        flag = "LATE" if t.late else "at risk" if t.at_risk else ""
        out.append({"number": r["number"], "status": r["status"], "flag": flag, "late": t.late, "at_risk": t.at_risk,
                    "promised": r["promised"], "expected": t.expected, "days_left": t.days_left,
                    "contract": r["contract"], "deal_id": r["deal_id"], "customer": r["customer"],
                    "net": from_minor(r["net_minor"]), "owner": r["owner"], "ordered_at": r["created_at"],
                    "shipped_at": r["shipped_at"], "delivered_at": r["delivered_at"]})
    return out


def listing(conn: Connection, *, today: date, late_only: bool = False, at_risk_only: bool = False,
            status: str | None = None, include_closed: bool = False, owner_id: int | None = None,
            at_risk_days: int = rules.DEFAULT_AT_RISK_DAYS) -> list[records.Order]:
    query = _base().order_by(Order.c.promised, Order.c.number)
    if status:
        query = query.where(Order.c.status == ORDER.parse(status, field="--status"))
    elif not include_closed:
        query = query.where(Order.c.status.notin_(rules.CLOSED))
    if owner_id is not None:
        query = query.where(Deal.c.owner_id == owner_id)
    rows = [dict(r) for r in conn.execute(query).mappings()]
    tracked = _with_tracking(rows, _lead_times(conn, {r["contract_id"] for r in rows}), today, at_risk_days)
    if late_only:
        tracked = [r for r in tracked if r["late"]]
    if at_risk_only:
        tracked = [r for r in tracked if r["at_risk"] or r["late"]]
    return tracked


def track(conn: Connection, number: str, *, today: date,
          at_risk_days: int = rules.DEFAULT_AT_RISK_DAYS) -> records.Order:
    row = get_row(conn, number)
    base = dict(conn.execute(_base().where(Order.c.id == row["id"])).mappings().one())
    record = _with_tracking([base], _lead_times(conn, [base["contract_id"]]), today, at_risk_days)[0]
    record["events"] = [cast(records.StatusEvent, dict(e)) for e in conn.execute(
        select(OrderEvent.c.at, OrderEvent.c.from_status, OrderEvent.c.to_status, OrderEvent.c.note,
               Rep.c.handle.label("rep"))
        .select_from(OrderEvent.outerjoin(Rep, Rep.c.id == OrderEvent.c.rep_id))
        .where(OrderEvent.c.order_id == row["id"])
        .order_by(OrderEvent.c.at, OrderEvent.c.id)).mappings()]
    return record


def export_rows(conn: Connection, *, status: str | None) -> list[dict[str, Any]]:
    """What the supply-chain team needs per order line: order, customer, promised date, SKU, quantity."""
    query = (select(Order.c.number.label("order"), Order.c.status, Order.c.promised, Customer.c.name.label("customer"),
                    ContractLine.c.sku, ContractLine.c.name.label("item"), ContractLine.c.qty,
                    Contract.c.number.label("contract"))
             .select_from(Order.join(Contract, Contract.c.id == Order.c.contract_id)
                          .join(ContractLine, ContractLine.c.contract_id == Contract.c.id)
                          .join(Deal, Deal.c.id == Order.c.deal_id).join(Customer, Customer.c.id == Deal.c.customer_id))
             .order_by(Order.c.promised, Order.c.number, ContractLine.c.position))
    if status:
        query = query.where(Order.c.status == ORDER.parse(status, field="--status"))
    return [dict(r) for r in conn.execute(query).mappings()]


def import_status(conn: Connection, path: Path, *, encoding: str | None, input_format: str | None,
                  now: datetime, actor: Actor | None, dry_run: bool) -> int:
    """Apply a supply-chain file of status updates (columns: order, status, date, note) all or nothing.

    Read and checked like a batch import (importers/batches.checked_records), then every row in file order (an
    order may move several times in one file); any problem → every problem listed as FILE:LINE: column: message,
    nothing applied, exit 2. A dry run applies the rows and rolls them back (services/imports.apply).
    """
    from salescli.importers.batches import checked_records
    from salescli.importers.fields import UPDATES, Context
    from salescli.importers.reader import Report
    from salescli.services import imports

    report = Report(path)
    planned: list[Callable[[], object]] = []
    state: dict[str, tuple[str, datetime | None]] = {}
    for row in checked_records(UPDATES["order status"], path, Context(now=now, region="", reps={}),
                               encoding=encoding, input_format=input_format):
        if report.add(row.line, row.problems):
            continue
        column = "order"
        try:
            number = parse_number(row.values["order"])
            if number not in state:
                found = get_row(conn, number)
                state[number] = (found["status"], conn.execute(select(func.max(OrderEvent.c.at))
                                                               .where(OrderEvent.c.order_id == found["id"])).scalar())
            current, last = state[number]
            column, target = "status", row.values["status"]
            ORDER.check(current, target, label=_("order {number}").format(number=number))
            column, at = "date", row.values.get("date") or now
            require_in_order(at, _("order {number} {status}").format(number=number, status=target),
                             (last, _became(current)))
        except SalesError as error:
            report.add(row.line, [(column, error.message)])
            continue
        state[number] = (target, at)
        planned.append(partial(update_status, conn, number, target, note=row.values.get("note"), at=at,
                               actor=actor))
    report.refuse()
    return imports.apply(conn, planned, dry_run=dry_run)
