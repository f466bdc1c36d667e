"""Contracts (step 6): a frozen copy of the accepted quote; signing wins the deal. Signed amounts never change."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, insert, select, update

from salescli import models, records
from salescli.domain import fields
from salescli.domain.dates import require_in_order
from salescli.domain.money import bp_to_pct, from_minor
from salescli.domain.pipeline import CONTRACT, DEAL, quote_status
from salescli.errors import InvalidTransition, NotFound, PolicyError
from salescli.i18n import _
from salescli.services import deals, quotes
from salescli.services.audit import audit
from salescli.services.authz import Actor, handle_of, require_owner
from salescli.services.numbers import next_number, parse_document_number
from salescli.services.rows import insert_id, money_fields

Contract = models.contracts
ContractLine = models.contract_lines
Quote = models.quotes
Deal = models.deals
Customer = models.customers
Rep = models.reps


def parse_number(text: str) -> str:
    return parse_document_number(text, "C", "contract")


def create(conn: Connection, quote_number: str, *, payment_terms: str | None, terms: str | None, at: datetime,
           actor: Actor | None, document_terms: Mapping[str, Any] | None = None) -> str:
    """A draft contract from an accepted quote: lines and amounts copied and frozen; the quote's payment and
    delivery terms, delivery date and remarks carry over unless given (``document_terms``)."""
    number = quotes.parse_number(quote_number)
    quote = quotes.get_row(conn, number)
    status = quote_status(quote["status"], quote["valid_until"], at.date())
    if status != "accepted":
        raise InvalidTransition(_("quote {number} is {status}; a contract needs an accepted quote "
                                  "(salescli quote accept {number})").format(number=number, status=status))
    existing = conn.execute(select(Contract.c.number)
                            .where(Contract.c.quote_id == quote["id"], Contract.c.status != "cancelled")).first()
    if existing:
        raise PolicyError(_("quote {number} already has contract {contract}").format(number=number,
                                                                                     contract=existing.number))
    deals.get_open(conn, quote["deal_id"], actor=actor)
    require_in_order(at, _("contract for quote {number} created").format(number=number),
                     (quote["decided_at"], _("the quote was accepted")))
    lines = conn.execute(select(models.quote_lines).where(models.quote_lines.c.quote_id == quote["id"])
                         .order_by(models.quote_lines.c.position)).mappings().all()
    carried = quotes.carried_terms(quote, at.date())
    carried.update(quotes.clean_terms("contracts", {**(document_terms or {}), "payment_terms": payment_terms},
                                      dated=at.date()))
    contract = next_number(conn, "C", at.year)
    contract_id = insert_id(conn, Contract, {
        "number": contract, "quote_id": quote["id"], "deal_id": quote["deal_id"], "status": "draft",
        "currency": quote["currency"],
        **carried,
        "terms": fields.text("contracts", "terms", terms, field="--terms") if terms else None,
        "discount_bp": quote["discount_bp"], "tax_rate_bp": quote["tax_rate_bp"],
        "subtotal_minor": quote["subtotal_minor"], "discount_minor": quote["discount_minor"],
        "net_minor": quote["net_minor"], "tax_minor": quote["tax_minor"], "total_minor": quote["total_minor"],
        "units": sum(line["qty"] for line in lines), "created_at": at})
    conn.execute(insert(ContractLine), [
        {"contract_id": contract_id, "position": line["position"], "product_id": line["product_id"],
         "sku": line["sku"], "name": line["name"], "qty": line["qty"], "unit_price_minor": line["unit_price_minor"],
         "line_discount_bp": line["line_discount_bp"], "net_minor": line["net_minor"], "spec": line["spec"],
         "unit": line["unit"]} for line in lines])
    audit(conn, at=at, rep=handle_of(actor), entity="contract", entity_id=contract, action="create",
          after={"quote": f"{number} r{quote['revision']}", "net_minor": quote["net_minor"]})
    return contract


def get_row(conn: Connection, number: str) -> records.ContractRow:
    row = conn.execute(select(Contract).where(Contract.c.number == parse_number(number))).mappings().first()
    if row is None:
        raise NotFound(_("contract {number} not found").format(number=number.strip().upper()))
    return cast(records.ContractRow, dict(row))


def sign(conn: Connection, number: str, *, signed_by: str, at: datetime, actor: Actor | None) -> None:
    """Sign: the contract is frozen and the deal is won."""
    row = get_row(conn, number)
    who = fields.required_text("contracts", "signed_by", signed_by, field="--signed-by")
    label = _("contract {number}").format(number=row["number"])
    CONTRACT.check(row["status"], "signed", label=label)
    deal = deals.fetch_deal(conn, row["deal_id"])
    require_owner(conn, actor, deal["owner_id"], label)
    DEAL.check(deal["stage"], "won", label=_("deal {id}").format(id=deal["id"]))
    require_in_order(at, _("contract {number} signed").format(number=row["number"]),
                     (row["created_at"], _("it was created")),
                     (deal["created_at"], _("deal {id} was created").format(id=deal["id"])),
                     (deal["stage_at"], _("deal {id} moved to {stage}").format(id=deal["id"], stage=deal["stage"])))
    conn.execute(update(Contract).where(Contract.c.id == row["id"])
                 .values(status="signed", signed_at=at, signed_by=who))
    conn.execute(update(Deal).where(Deal.c.id == deal["id"]).values(value_minor=row["net_minor"], closed_at=at))
    deals.advance(conn, deal, "won", at=at, note=f"contract {row['number']} signed", actor=actor,
                  doing=_("deal {id}: contract {number} signed").format(id=deal["id"], number=row["number"]))
    audit(conn, at=at, rep=handle_of(actor), entity="contract", entity_id=row["number"], action="sign",
          before={"status": row["status"]}, after={"status": "signed", "signed_by": who})


def close(conn: Connection, number: str, target: str, *, reason: str | None, at: datetime,
          actor: Actor | None) -> None:
    """Complete a signed contract (fully delivered), or cancel a draft or signed one. Amounts never change."""
    row = get_row(conn, number)
    CONTRACT.check(row["status"], target, label=_("contract {number}").format(number=row["number"]))
    require_in_order(at, _("contract {number} {status}").format(number=row["number"], status=target),
                     (row["created_at"], _("it was created")), (row["signed_at"], _("it was signed")))
    if target == "completed":
        open_orders = conn.execute(select(models.orders.c.number).where(
            models.orders.c.contract_id == row["id"],
            models.orders.c.status.notin_(("delivered", "closed", "cancelled")))).scalars().all()
        if open_orders:
            raise PolicyError(_("contract {number} still has open order(s) {orders}").format(
                number=row["number"], orders=", ".join(open_orders)))
    text = fields.text("audit_log", "reason", reason, field="--reason") if reason else None
    conn.execute(update(Contract).where(Contract.c.id == row["id"]).values(status=target, closed_at=at))
    audit(conn, at=at, rep=handle_of(actor), entity="contract", entity_id=row["number"], action=target,
          before={"status": row["status"]}, after={"status": target, "reason": text})


def get(conn: Connection, number: str) -> records.Contract:
    row = get_row(conn, number)
    quote = conn.execute(select(Quote.c.number, Quote.c.revision).where(Quote.c.id == row["quote_id"])).one()
    context = conn.execute(select(Customer.c.name, Deal.c.title, Rep.c.handle)
                           .select_from(Deal.join(Customer, Customer.c.id == Deal.c.customer_id)
                                        .outerjoin(Rep, Rep.c.id == Deal.c.owner_id))
                           .where(Deal.c.id == row["deal_id"])).one()
    lines: list[records.ContractLine] = [
        {"sku": line.sku, "name": line.name, "qty": line.qty, "unit_price": from_minor(line.unit_price_minor),
         "net": from_minor(line.net_minor), "line_discount": bp_to_pct(line.line_discount_bp)}
        for line in conn.execute(select(ContractLine.c.sku, ContractLine.c.name, ContractLine.c.qty,
                                        ContractLine.c.unit_price_minor, ContractLine.c.line_discount_bp,
                                        ContractLine.c.net_minor)
                                 .where(ContractLine.c.contract_id == row["id"]).order_by(ContractLine.c.position))]
    return {
        "number": row["number"], "status": row["status"], "quote": quote.number, "quote_revision": quote.revision,
        "deal_id": row["deal_id"], "deal": context.title, "customer": context.name, "owner": context.handle,
        "lines": lines, "subtotal": from_minor(row["subtotal_minor"]), "discount": from_minor(row["discount_minor"]),
        "discount_pct": bp_to_pct(row["discount_bp"]), "net": from_minor(row["net_minor"]),
        "tax_rate": bp_to_pct(row["tax_rate_bp"]), "tax": from_minor(row["tax_minor"]),
        "total": from_minor(row["total_minor"]), "currency": row["currency"], "units": row["units"],
        "payment_terms": row["payment_terms"], "terms": row["terms"], "delivery_terms": row["delivery_terms"],
        "delivery_date": row["delivery_date"], "remarks": row["remarks"], "signed_at": row["signed_at"],
        "signed_by": row["signed_by"], "closed_at": row["closed_at"], "created_at": row["created_at"],
    }


def listing(conn: Connection, *, status: str | None = None, deal_id: int | None = None,
            owner_id: int | None = None) -> list[records.ContractSummary]:
    query = (select(Contract.c.number, Contract.c.status, Contract.c.deal_id, Customer.c.name.label("customer"),
                    Contract.c.net_minor, Contract.c.total_minor, Contract.c.currency, Contract.c.signed_at,
                    Contract.c.signed_by, Rep.c.handle.label("owner"), Contract.c.created_at)
             .select_from(Contract.join(Deal, Deal.c.id == Contract.c.deal_id)
                          .join(Customer, Customer.c.id == Deal.c.customer_id)
                          .outerjoin(Rep, Rep.c.id == Deal.c.owner_id)).order_by(Contract.c.number.desc()))
    if status:
        query = query.where(Contract.c.status == CONTRACT.parse(status, field="--status"))
    if deal_id is not None:
        query = query.where(Contract.c.deal_id == deal_id)
    if owner_id is not None:
        query = query.where(Deal.c.owner_id == owner_id)
    return [cast(records.ContractSummary, money_fields(r)) for r in conn.execute(query).mappings()]
