"""Complete, unpaginated, streamed exports of whole records (the fields ``import`` reads back)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Select, select

from salescli import models
from salescli.services.common import money_fields

ENTITIES = ("leads", "customers", "contacts")


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
    raise ValueError(entity)


def rows(conn: Connection, entity: str, *, batch: int = 2000) -> Iterator[dict[str, Any]]:
    """Every record of ``entity``, streamed in batches so memory stays flat."""
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(_query(entity)).mappings()
    for row in result:
        yield money_fields(row)
