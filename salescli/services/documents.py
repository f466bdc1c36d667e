"""The facts a customer's document needs, read from the database: the quote or contract, its lines' spec and
unit, the buyer (customer and contact) and the rep; the seller's details come from the team settings."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from salescli import models
from salescli.domain import documents
from salescli.services import contracts, quotes

SELLER_KEYS = ("company_name", "company_address", "company_phone", "company_tax_id", "company_bank",
               "company_account")
Customer, Contact, Deal, Rep = models.customers, models.contacts, models.deals, models.reps


def _described(conn: Connection, table: Any, owner_column: str, owner_id: int,
               lines: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The lines with the spec and unit each was offered with."""
    extra = conn.execute(select(table.c.spec, table.c.unit).where(table.c[owner_column] == owner_id)
                         .order_by(table.c.position)).all()
    return [{**line, "spec": spec, "unit": unit} for line, (spec, unit) in zip(lines, extra, strict=True)]


def _parties(conn: Connection, deal_id: int, rep_id: int | None) -> tuple[dict[str, Any], dict[str, Any]]:
    deal = conn.execute(select(Deal.c.customer_id, Deal.c.contact_id, Deal.c.owner_id)
                        .where(Deal.c.id == deal_id)).one()
    customer = conn.execute(select(Customer.c.name, Customer.c.legal_name, Customer.c.address, Customer.c.tax_id)
                            .where(Customer.c.id == deal.customer_id)).mappings().one()
    contact_query = select(Contact.c.name, Contact.c.phone, Contact.c.email)
    contact = None
    if deal.contact_id is not None:
        contact = conn.execute(contact_query.where(Contact.c.id == deal.contact_id)).first()
    if contact is None:  # the deal names nobody: the customer's first contact
        contact = conn.execute(contact_query.where(Contact.c.customer_id == deal.customer_id).order_by(Contact.c.id)
                               .limit(1)).first()
    buyer = {**customer, "contact": contact.name if contact else None,
             "contact_phone": contact.phone if contact else None, "contact_email": contact.email if contact else None}
    rep = conn.execute(select(Rep.c.name, Rep.c.email).where(Rep.c.id == (rep_id or deal.owner_id))).first() \
        if (rep_id or deal.owner_id) else None
    return buyer, {"rep_name": rep.name if rep else None, "rep_email": rep.email if rep else None}


def quote(conn: Connection, number: str, *, revision: int | None, today: date, language: str,
          settings: Mapping[str, Any]) -> documents.Document:
    record = quotes.record(conn, number, revision=revision, today=today)
    row = quotes.get_row(conn, record["number"], record["revision"])
    lines = _described(conn, models.quote_lines, "quote_id", row["id"], record["lines"])
    buyer, rep = _parties(conn, row["deal_id"], row["rep_id"])
    return documents.build("quote", {**record, "lines": lines},
                           seller={**{k: settings.get(k) for k in SELLER_KEYS}, **rep}, buyer=buyer, language=language)


def contract(conn: Connection, number: str, *, language: str, settings: Mapping[str, Any]) -> documents.Document:
    record = contracts.get(conn, number)
    row = contracts.get_row(conn, number)
    lines = _described(conn, models.contract_lines, "contract_id", row["id"], record["lines"])
    buyer, rep = _parties(conn, row["deal_id"], None)
    return documents.build("contract", {**record, "lines": lines},
                           seller={**{k: settings.get(k) for k in SELLER_KEYS}, **rep}, buyer=buyer, language=language)
