"""Deals: created by lead conversion, moved along the pipeline by later steps, summarized by stage."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, func, insert, or_, select, update

from salescli import models
from salescli.domain import fields
from salescli.domain.dates import require_in_order
from salescli.domain.money import from_minor, round_money
from salescli.domain.pipeline import DEAL, DEAL_OPEN, STAGE_PROBABILITY
from salescli.errors import InputError, InvalidTransition
from salescli.services.common import audit, ensure_can_change, fetch, insert_id, money_fields

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


def fetch_deal(conn: Connection, deal_id: int) -> dict[str, Any]:
    return fetch(conn, D, deal_id, "deal")


def get_open(conn: Connection, deal_id: int, *, actor: str | None = None, at: datetime | None = None,
             doing: str = "this change") -> dict[str, Any]:
    """The deal, which must still be open (not won or lost) for pipeline work on it, and the acting rep's
    to change (or any, for a manager). With ``at``, work dated before the deal was created is refused
    (``doing`` names it in the message)."""
    deal = fetch(conn, D, deal_id, "deal")
    ensure_can_change(conn, owner_id=deal["owner_id"], actor=actor, what=f"deal {deal_id}")
    if deal["stage"] not in DEAL_OPEN:
        raise InvalidTransition(f"deal {deal_id} is {deal['stage']}, which is final")
    if at is not None:
        require_in_order(at, f"deal {deal_id}: {doing}", (deal["created_at"], "the deal was created"))
    return deal


def stage_change_in_order(deal: dict[str, Any], target: str, *, at: datetime, doing: str) -> None:
    """Dates in order for the deal: nothing on it before it was created, and a stage change (to ``target``, if it
    moves the deal) not before its last one."""
    moves = target == "lost" or DEAL.order.index(target) > DEAL.order.index(deal["stage"])
    require_in_order(at, f"deal {deal['id']}: {doing}", (deal["created_at"], "the deal was created"),
                     (deal["stage_at"] if moves else None, f"it moved to {deal['stage']}"))


def advance(conn: Connection, deal: dict[str, Any], target: str, *, at: datetime, note: str | None,
            rep_id: int | None, actor: str | None) -> str:
    """Move the deal forward to ``target`` (never back: a later stage stays); record the change. Work dated
    before the deal was created, or a move dated before its last stage change, is refused (exit 2)."""
    stage = DEAL.promote(deal["stage"], target, label=f"deal {deal['id']}")
    stage_change_in_order(deal, stage, at=at, doing=note or f"moving to {stage}")
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


def lose(conn: Connection, deal_id: int, *, reason: str, at: datetime, rep_id: int | None,
         actor: str | None) -> None:
    deal = fetch(conn, D, deal_id, "deal")
    ensure_can_change(conn, owner_id=deal["owner_id"], actor=actor, what=f"deal {deal_id}")
    text = fields.required_text("deals", "lost_reason", reason, field="--reason")
    DEAL.check(deal["stage"], "lost", label=f"deal {deal_id}")
    stage_change_in_order(deal, "lost", at=at, doing="lost")
    conn.execute(update(D).where(D.c.id == deal_id).values(stage="lost", stage_at=at, closed_at=at, lost_reason=text,
                                                           updated_at=at))
    conn.execute(insert(E).values(deal_id=deal_id, at=at, from_stage=deal["stage"], to_stage="lost", note=text,
                                  rep_id=rep_id))
    audit(conn, at=at, rep=actor, entity="deal", entity_id=deal_id, action="lose", before={"stage": deal["stage"]},
          after={"stage": "lost", "lost_reason": text})


def _select() -> Select[Any]:
    return (select(D.c.id, D.c.title, D.c.customer_id, C.c.name.label("customer"), D.c.stage, D.c.value_minor,
                   D.c.source, R.c.handle.label("owner"), D.c.expected_close, D.c.lost_reason, D.c.created_at,
                   D.c.stage_at, D.c.closed_at)
            .select_from(D.join(C, C.c.id == D.c.customer_id).outerjoin(R, R.c.id == D.c.owner_id)))


def listing(conn: Connection, *, stage: str | None = None, owner_id: int | None = None,
            customer_id: int | None = None, search: str | None = None, open_only: bool = False,
            limit: int | None = None) -> list[dict[str, Any]]:
    query = _select().order_by(D.c.stage_at.desc(), D.c.id.desc())
    if stage:
        if stage not in DEAL.states:
            raise InputError(f"--stage: {stage!r} is not a deal stage (one of {', '.join(DEAL.states)})")
        query = query.where(D.c.stage == stage)
    if open_only:
        query = query.where(D.c.stage.in_(DEAL_OPEN))
    if owner_id is not None:
        query = query.where(D.c.owner_id == owner_id)
    if customer_id is not None:
        query = query.where(D.c.customer_id == customer_id)
    if search:
        from salescli.services.search import ESCAPE, contains_pattern

        like = contains_pattern(search.strip())
        query = query.where(or_(D.c.title.ilike(like, escape=ESCAPE), C.c.name.ilike(like, escape=ESCAPE)))
    if limit:
        query = query.limit(limit)
    return [money_fields(r) for r in conn.execute(query).mappings()]


def show(conn: Connection, deal_id: int) -> dict[str, Any]:
    """The deal and a timeline of everything that happened on it, oldest first."""
    fetch(conn, D, deal_id, "deal")
    record = money_fields(conn.execute(_select().where(D.c.id == deal_id)).mappings().one())
    events: list[dict[str, Any]] = []

    def add(at: datetime | None, kind: str, detail: str, who: str | None = None) -> None:
        if at is not None:
            events.append({"at": at, "event": kind, "detail": detail, "rep": who})

    for e in conn.execute(select(E.c.at, E.c.from_stage, E.c.to_stage, E.c.note, R.c.handle)
                          .select_from(E.outerjoin(R, R.c.id == E.c.rep_id)).where(E.c.deal_id == deal_id)):
        add(e[0], "stage", f"{e[1] or '(new)'} → {e[2]}" + (f" · {e[3]}" if e[3] else ""), e[4])
    A = models.activities
    for a in conn.execute(select(A.c.at, A.c.kind, A.c.summary, R.c.handle)
                          .select_from(A.outerjoin(R, R.c.id == A.c.rep_id)).where(A.c.deal_id == deal_id)):
        add(a[0], a[1], a[2], a[3])
    N = models.needs
    for n in conn.execute(select(N.c.confirmed_at, N.c.budget_minor, N.c.deliver_by, N.c.status)
                          .where(N.c.deal_id == deal_id)):
        add(n[0], "needs", f"budget {from_minor(n[1])}, deliver by {n[2]}" + (" (superseded)" if n[3] != "confirmed"
                                                                               else ""))
    M = models.demos
    for m in conn.execute(select(M.c.at, M.c.products, M.c.outcome, M.c.questions).where(M.c.deal_id == deal_id)):
        add(m[0], "demo", f"{m[1]} · {m[2] or 'no outcome'}" + (f" · {m[3]}" if m[3] else ""))
    Q = models.quotes
    for q in conn.execute(select(Q.c.number, Q.c.revision, Q.c.created_at, Q.c.sent_at, Q.c.decided_at, Q.c.status,
                                 Q.c.total_minor, Q.c.approved_at).where(Q.c.deal_id == deal_id)):
        label = f"{q[0]} r{q[1]}"
        add(q[2], "quote", f"{label} created, total {from_minor(q[6])}")
        add(q[7], "quote", f"{label} approved")
        add(q[3], "quote", f"{label} sent")
        if q[5] in ("accepted", "rejected"):
            add(q[4], "quote", f"{label} {q[5]}")
    K = models.contracts
    for k in conn.execute(select(K.c.number, K.c.created_at, K.c.signed_at, K.c.signed_by, K.c.net_minor)
                          .where(K.c.deal_id == deal_id)):
        add(k[1], "contract", f"{k[0]} drafted, net {from_minor(k[4])}")
        add(k[2], "contract", f"{k[0]} signed by {k[3]}")
    events.sort(key=lambda e: e["at"])
    record["timeline"] = events
    return record
