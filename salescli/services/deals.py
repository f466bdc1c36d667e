"""Deals: created by lead conversion, moved along the pipeline by later steps, summarized by stage."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from salescli import models
from salescli.domain.money import from_minor, round_money
from salescli.domain.pipeline import DEAL, DEAL_OPEN, STAGE_PROBABILITY
from salescli.errors import InvalidTransition
from salescli.services.common import audit, fetch, insert_id

D = models.deals
E = models.deal_events
R = models.reps
C = models.customers


def create(conn: Connection, *, customer_id: int, contact_id: int | None, lead_id: int | None,
           owner_id: int | None, title: str, source: str | None, at: datetime, actor: str | None,
           value_minor: int | None = None) -> int:
    row = {"title": title, "customer_id": customer_id, "contact_id": contact_id, "lead_id": lead_id,
           "owner_id": owner_id, "source": source, "stage": "qualification", "value_minor": value_minor,
           "created_at": at, "updated_at": at, "stage_at": at}
    deal_id = insert_id(conn, D, row)
    conn.execute(insert(E).values(deal_id=deal_id, at=at, from_stage=None, to_stage="qualification",
                                  note="created"))
    audit(conn, at=at, rep=actor, entity="deal", entity_id=deal_id, action="create", after=row)
    return deal_id


def get_open(conn: Connection, deal_id: int) -> dict[str, Any]:
    """The deal, which must still be open (not won or lost) for pipeline work on it."""
    deal = fetch(conn, D, deal_id, "deal")
    if deal["stage"] not in DEAL_OPEN:
        raise InvalidTransition(f"deal {deal_id} is {deal['stage']}, which is final")
    return deal


def advance(conn: Connection, deal: dict[str, Any], target: str, *, at: datetime, note: str | None,
            rep_id: int | None, actor: str | None) -> str:
    """Move the deal forward to ``target`` (never back: a later stage stays); record the change."""
    stage = DEAL.promote(deal["stage"], target, label=f"deal {deal['id']}")
    if stage != deal["stage"]:
        conn.execute(update(D).where(D.c.id == deal["id"]).values(stage=stage, stage_at=at, updated_at=at))
        conn.execute(insert(E).values(deal_id=deal["id"], at=at, from_stage=deal["stage"], to_stage=stage,
                                      note=note, rep_id=rep_id))
        audit(conn, at=at, rep=actor, entity="deal", entity_id=deal["id"], action="stage",
              before={"stage": deal["stage"]}, after={"stage": stage})
    return stage


def pipeline(conn: Connection, *, owner_id: int | None = None) -> list[dict[str, Any]]:
    """Deals per stage, in stage order: count, value and value weighted by the stage's probability."""
    query = (select(D.c.stage, func.count().label("deals"), func.coalesce(func.sum(D.c.value_minor), 0).label("v"))
             .group_by(D.c.stage))
    if owner_id is not None:
        query = query.where(D.c.owner_id == owner_id)
    found = {row["stage"]: row for row in conn.execute(query).mappings()}
    rows = []
    for stage in DEAL.states:
        row = found.get(stage)
        value = from_minor(int(row["v"])) if row else Decimal("0.00")
        assert value is not None
        rows.append({"stage": stage, "deals": row["deals"] if row else 0, "value": value,
                     "probability": float(STAGE_PROBABILITY[stage]),
                     "weighted": round_money(value * STAGE_PROBABILITY[stage])})
    return rows
