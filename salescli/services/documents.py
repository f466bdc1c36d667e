"""The facts a customer's document needs, read from the database: the quote or contract, its lines' spec and
unit, the buyer (customer and contact) and the rep; the seller's details come from the team settings."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from salescli import models
from salescli.domain import documents
from salescli.services import contracts, quotes

SELLER_KEYS = ("company_name", "company_address", "company_phone", "company_tax_id", "company_bank",
               "company_account")
C, K, D, R = models.customers, models.contacts, models.deals, models.reps


def _described(conn: Connection, table: Any, owner_column: str, owner_id: int,
               lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lines with the spec and unit each was offered with."""
    extra = conn.execute(select(table.c.spec, table.c.unit).where(table.c[owner_column] == owner_id)
                         .order_by(table.c.position)).all()
    return [{**line, "spec": spec, "unit": unit} for line, (spec, unit) in zip(lines, extra, strict=True)]


def _parties(conn: Connection, deal_id: int, rep_id: int | None) -> tuple[dict[str, Any], dict[str, Any]]:
    deal = conn.execute(select(D.c.customer_id, D.c.contact_id, D.c.owner_id).where(D.c.id == deal_id)).one()
    customer = conn.execute(select(C.c.name, C.c.legal_name, C.c.address, C.c.tax_id)
                            .where(C.c.id == deal.customer_id)).mappings().one()
    contact_query = select(K.c.name, K.c.phone, K.c.email)
    contact = None
    if deal.contact_id is not None:
        contact = conn.execute(contact_query.where(K.c.id == deal.contact_id)).first()
    if contact is None:  # the deal names nobody: the customer's first contact
        contact = conn.execute(contact_query.where(K.c.customer_id == deal.customer_id).order_by(K.c.id)
                               .limit(1)).first()
    buyer = {**customer, "contact": contact[0] if contact else None, "contact_phone": contact[1] if contact else None,
             "contact_email": contact[2] if contact else None}
    rep = conn.execute(select(R.c.name, R.c.email).where(R.c.id == (rep_id or deal.owner_id))).first() \
        if (rep_id or deal.owner_id) else None
    return buyer, {"rep_name": rep[0] if rep else None, "rep_email": rep[1] if rep else None}


def quote(conn: Connection, number: str, *, revision: int | None, today: date, language: str,
          settings: Mapping[str, Any]) -> documents.Document:
    record = quotes.record(conn, number, revision=revision, today=today)
    row = quotes.get_row(conn, record["number"], record["revision"])
    record["lines"] = _described(conn, models.quote_lines, "quote_id", row["id"], record["lines"])
    buyer, rep = _parties(conn, row["deal_id"], row["rep_id"])
    return documents.build("quote", record, seller={**{k: settings.get(k) for k in SELLER_KEYS}, **rep},
                           buyer=buyer, language=language)


def contract(conn: Connection, number: str, *, language: str, settings: Mapping[str, Any]) -> documents.Document:
    record = contracts.get(conn, number)
    row = contracts.get_row(conn, number)
    record["lines"] = _described(conn, models.contract_lines, "contract_id", row["id"], record["lines"])
    buyer, rep = _parties(conn, row["deal_id"], None)
    return documents.build("contract", record, seller={**{k: settings.get(k) for k in SELLER_KEYS}, **rep},
                           buyer=buyer, language=language)
