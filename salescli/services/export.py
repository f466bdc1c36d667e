"""Complete, unpaginated, streamed exports of whole records (the fields ``import`` reads back)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Select, select

from salescli import models
from salescli.services.rows import money_fields

ENTITIES = ("leads", "customers", "contacts", "products", "deals", "quotes", "orders", "surveys")


def _query(entity: str) -> Select[Any]:
    Rep = models.reps
    if entity == "leads":
        Lead = models.leads
        return (select(Lead.c.id, Lead.c.name, Lead.c.company, Lead.c.title, Lead.c.email, Lead.c.phone, Lead.c.city,
                       Lead.c.source, Lead.c.status, Lead.c.score, Rep.c.handle.label("owner"), Lead.c.follow_up,
                       Lead.c.notes, Lead.c.lost_reason, Lead.c.customer_id, Lead.c.created_at, Lead.c.updated_at)
                .select_from(Lead.outerjoin(Rep, Rep.c.id == Lead.c.owner_id)).order_by(Lead.c.id))
    if entity == "customers":
        Customer = models.customers
        return (select(Customer.c.id, Customer.c.name, Customer.c.industry, Customer.c.size, Customer.c.city,
                       Customer.c.region, Customer.c.budget_minor, Customer.c.preferences, Customer.c.competitors,
                       Customer.c.tier, Rep.c.handle.label("owner"), Customer.c.notes, Customer.c.created_at,
                       Customer.c.updated_at)
                .select_from(Customer.outerjoin(Rep, Rep.c.id == Customer.c.owner_id)).order_by(Customer.c.id))
    if entity == "contacts":
        Contact, Customer = models.contacts, models.customers
        return (select(Contact.c.id, Contact.c.customer_id, Customer.c.name.label("customer"), Contact.c.name,
                       Contact.c.title, Contact.c.email, Contact.c.phone, Contact.c.created_at)
                .select_from(Contact.join(Customer, Customer.c.id == Contact.c.customer_id)).order_by(Contact.c.id))
    if entity == "products":
        Product = models.products
        return select(Product.c.id, Product.c.sku, Product.c.name, Product.c.category, Product.c.price_minor,
                      Product.c.cost_minor, Product.c.lead_time_days, Product.c.active, Product.c.description,
                      Product.c.created_at, Product.c.updated_at).order_by(Product.c.id)
    if entity == "deals":
        Deal, Customer = models.deals, models.customers
        return (select(Deal.c.id, Deal.c.title, Deal.c.customer_id, Customer.c.name.label("customer"), Deal.c.stage,
                       Deal.c.value_minor, Deal.c.source, Rep.c.handle.label("owner"), Deal.c.expected_close,
                       Deal.c.lost_reason, Deal.c.lead_id, Deal.c.created_at, Deal.c.stage_at, Deal.c.closed_at)
                .select_from(Deal.join(Customer, Customer.c.id == Deal.c.customer_id)
                             .outerjoin(Rep, Rep.c.id == Deal.c.owner_id))
                .order_by(Deal.c.id))
    if entity == "quotes":
        Quote = models.quotes
        return select(Quote.c.number, Quote.c.revision, Quote.c.status, Quote.c.deal_id, Quote.c.currency,
                      Quote.c.subtotal_minor, Quote.c.discount_minor, Quote.c.net_minor, Quote.c.tax_minor,
                      Quote.c.total_minor, Quote.c.valid_until, Quote.c.needs_approval, Quote.c.sent_at,
                      Quote.c.decided_at, Quote.c.created_at).order_by(Quote.c.number, Quote.c.revision)
    if entity == "orders":
        Order, Contract = models.orders, models.contracts
        return (select(Order.c.number, Order.c.status, Contract.c.number.label("contract"), Order.c.deal_id,
                       Order.c.promised, Order.c.shipped_at, Order.c.delivered_at, Order.c.closed_at,
                       Order.c.created_at)
                .select_from(Order.join(Contract, Contract.c.id == Order.c.contract_id)).order_by(Order.c.id))
    if entity == "surveys":
        Survey, Order = models.surveys, models.orders
        return (select(Survey.c.id, Survey.c.token, Survey.c.channel, Survey.c.status, Survey.c.customer_id,
                       Order.c.number.label("order"), Survey.c.email, Survey.c.sent_at, Survey.c.responded_at,
                       Survey.c.nps, Survey.c.csat, Survey.c.comment)
                .select_from(Survey.outerjoin(Order, Order.c.id == Survey.c.order_id)).order_by(Survey.c.id))
    raise ValueError(entity)


def rows(conn: Connection, entity: str, *, batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Every record of ``entity``, streamed in batches so memory stays flat."""
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(_query(entity)).mappings()
    for row in result:
        yield money_fields(row)
