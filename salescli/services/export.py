"""Complete, unpaginated, streamed exports of whole records (the fields ``import`` reads back)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Select, select

from salescli import models
from salescli.services.rows import money_fields

ENTITIES = ("leads", "customers", "contacts", "products", "deals", "quotes", "orders", "surveys")


def _query(entity: str) -> Select[Any]:
    R = models.reps
    if entity == "leads":
        L = models.leads
        return (select(L.c.id, L.c.name, L.c.company, L.c.title, L.c.email, L.c.phone, L.c.city, L.c.source,
                       L.c.status, L.c.score, R.c.handle.label("owner"), L.c.follow_up, L.c.notes, L.c.lost_reason,
                       L.c.customer_id, L.c.created_at, L.c.updated_at)
                .select_from(L.outerjoin(R, R.c.id == L.c.owner_id)).order_by(L.c.id))
    if entity == "customers":
        C = models.customers
        return (select(C.c.id, C.c.name, C.c.industry, C.c.size, C.c.city, C.c.region, C.c.budget_minor,
                       C.c.preferences, C.c.competitors, C.c.tier, R.c.handle.label("owner"), C.c.notes,
                       C.c.created_at, C.c.updated_at)
                .select_from(C.outerjoin(R, R.c.id == C.c.owner_id)).order_by(C.c.id))
    if entity == "contacts":
        K, C = models.contacts, models.customers
        return (select(K.c.id, K.c.customer_id, C.c.name.label("customer"), K.c.name, K.c.title, K.c.email,
                       K.c.phone, K.c.created_at)
                .select_from(K.join(C, C.c.id == K.c.customer_id)).order_by(K.c.id))
    if entity == "products":
        P = models.products
        return select(P.c.id, P.c.sku, P.c.name, P.c.category, P.c.price_minor, P.c.cost_minor, P.c.lead_time_days,
                      P.c.active, P.c.description, P.c.created_at, P.c.updated_at).order_by(P.c.id)
    if entity == "deals":
        D, C = models.deals, models.customers
        return (select(D.c.id, D.c.title, D.c.customer_id, C.c.name.label("customer"), D.c.stage, D.c.value_minor,
                       D.c.source, R.c.handle.label("owner"), D.c.expected_close, D.c.lost_reason, D.c.lead_id,
                       D.c.created_at, D.c.stage_at, D.c.closed_at)
                .select_from(D.join(C, C.c.id == D.c.customer_id).outerjoin(R, R.c.id == D.c.owner_id))
                .order_by(D.c.id))
    if entity == "quotes":
        Q = models.quotes
        return select(Q.c.number, Q.c.revision, Q.c.status, Q.c.deal_id, Q.c.currency, Q.c.subtotal_minor,
                      Q.c.discount_minor, Q.c.net_minor, Q.c.tax_minor, Q.c.total_minor, Q.c.valid_until,
                      Q.c.needs_approval, Q.c.sent_at, Q.c.decided_at, Q.c.created_at).order_by(Q.c.number,
                                                                                              Q.c.revision)
    if entity == "orders":
        O, K = models.orders, models.contracts  # noqa: E741
        return (select(O.c.number, O.c.status, K.c.number.label("contract"), O.c.deal_id, O.c.promised,
                       O.c.shipped_at, O.c.delivered_at, O.c.closed_at, O.c.created_at)
                .select_from(O.join(K, K.c.id == O.c.contract_id)).order_by(O.c.id))
    if entity == "surveys":
        S, O = models.surveys, models.orders  # noqa: E741
        return (select(S.c.id, S.c.token, S.c.channel, S.c.status, S.c.customer_id, O.c.number.label("order"),
                       S.c.email, S.c.sent_at, S.c.responded_at, S.c.nps, S.c.csat, S.c.comment)
                .select_from(S.outerjoin(O, O.c.id == S.c.order_id)).order_by(S.c.id))
    raise ValueError(entity)


def rows(conn: Connection, entity: str, *, batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Every record of ``entity``, streamed in batches so memory stays flat."""
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(_query(entity)).mappings()
    for row in result:
        yield money_fields(row)
