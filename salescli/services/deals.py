"""Deals: created by lead conversion, moved forward along the pipeline by confirmed needs, demos, sent and
revised quotes and a signed contract (never back), lost with a reason, logged, summarized by stage."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, and_, case, func, insert, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from salescli import models
from salescli.domain import fields
from salescli.domain.dates import require_in_order
from salescli.domain.lost import DEFAULT_REASONS, Reasons
from salescli.domain.money import bp_to_pct, from_minor, round_money
from salescli.domain.pipeline import DEAL, DEAL_OPEN, STAGE_PROBABILITY, win_probability
from salescli.errors import InputError, InvalidTransition
from salescli.i18n import N_, _
from salescli.services.audit import audit
from salescli.services.authz import Actor, handle_of, id_of, require_owner
from salescli.services.rows import fetch, insert_id, money_fields

D = models.deals
E = models.deal_events
R = models.reps
C = models.customers
_CREATED = N_("the deal was created")  # translated where shown


def value_column(today: date) -> ColumnElement[Any]:
    """A deal's value (PRODUCT.md) as one SQL expression, in minor units: its signed contract's net once won; else
    its current quote's net (the accepted one, else the latest revision that is not rejected, expired on ``today``
    or superseded); else the budget of its confirmed needs; else the value set by hand (``deal update --value``)."""
    Q, N, K = models.quotes, models.needs, models.contracts
    signed = (select(K.c.net_minor).where(K.c.deal_id == D.c.id, K.c.signed_at.is_not(None),
                                          K.c.status != "cancelled")
              .order_by(K.c.signed_at.desc(), K.c.id.desc()).limit(1).scalar_subquery())
    alive = or_(Q.c.status == "accepted", and_(Q.c.status.in_(("draft", "sent")), Q.c.valid_until >= today))
    current = (select(Q.c.net_minor).where(Q.c.deal_id == D.c.id, alive)
               .order_by(case((Q.c.status == "accepted", 0), else_=1), Q.c.created_at.desc(), Q.c.id.desc())
               .limit(1).scalar_subquery())
    budget = (select(N.c.budget_minor).where(N.c.deal_id == D.c.id, N.c.status == "confirmed",
                                             N.c.budget_minor.is_not(None))
              .order_by(N.c.confirmed_at.desc(), N.c.id.desc()).limit(1).scalar_subquery())
    return func.coalesce(signed, current, budget, D.c.value_minor)


def create(conn: Connection, *, customer_id: int, contact_id: int | None, lead_id: int | None,
           owner_id: int | None, title: str, source: str | None, at: datetime, actor: Actor | None,
           value_minor: int | None = None) -> int:
    row = {"title": title, "customer_id": customer_id, "contact_id": contact_id, "lead_id": lead_id,
           "owner_id": owner_id, "source": source, "stage": "qualification", "value_minor": value_minor,
           "created_at": at, "updated_at": at, "stage_at": at}
    deal_id = insert_id(conn, D, row)
    from salescli.services import search

    search.index(conn, "deal", deal_id, row)
    conn.execute(insert(E).values(deal_id=deal_id, at=at, from_stage=None, to_stage="qualification",
                                  note="created"))
    audit(conn, at=at, rep=handle_of(actor), entity="deal", entity_id=deal_id, action="create", after=row)
    return deal_id


def fetch_deal(conn: Connection, deal_id: int) -> dict[str, Any]:
    return fetch(conn, D, deal_id, "deal")


def get_open(conn: Connection, deal_id: int, *, actor: Actor | None = None, at: datetime | None = None,
             doing: str | None = None) -> dict[str, Any]:
    """The deal, which must still be open (not won or lost) for pipeline work on it, and the acting rep's
    to change (or any, for a manager). With ``at``, work dated before the deal was created is refused
    (``doing`` names it in the message, whole and translated: "deal 12: quote created"; default "deal 12: this
    change")."""
    deal = fetch(conn, D, deal_id, "deal")
    require_owner(conn, actor, deal["owner_id"], _("deal {id}").format(id=deal_id))
    if deal["stage"] not in DEAL_OPEN:
        raise InvalidTransition(_("deal {id} is {stage}, which is final").format(id=deal_id, stage=deal["stage"]))
    if at is not None:
        require_in_order(at, doing or _("deal {id}: this change").format(id=deal_id), (deal["created_at"], _(_CREATED)))
    return deal


def stage_change_in_order(deal: dict[str, Any], target: str, *, at: datetime, doing: str) -> None:
    """Dates in order for the deal: nothing on it before it was created, and a stage change (to ``target``, if it
    moves the deal) not before its last one. ``doing``: the change, whole and translated ("deal 12: lost")."""
    moves = target == "lost" or DEAL.order.index(target) > DEAL.order.index(deal["stage"])
    require_in_order(at, doing, (deal["created_at"], _(_CREATED)),
                     (deal["stage_at"] if moves else None, _("it moved to {stage}").format(stage=deal["stage"])))


def advance(conn: Connection, deal: dict[str, Any], target: str, *, at: datetime, note: str | None,
            actor: Actor | None, doing: str | None = None) -> str:
    """Move the deal forward to ``target`` (never back: a later stage stays); record the change (``note``: stored
    with it, as is). Work dated before the deal was created, or a move dated before its last stage change, is
    refused (exit 2; ``doing`` names the change there, whole and translated: "deal 12: demo 3"; default
    "deal 12: NOTE", else "deal 12: moving to STAGE")."""
    stage = DEAL.promote(deal["stage"], target, label=_("deal {id}").format(id=deal["id"]))
    if doing is None:
        doing = (_("deal {id}: {note}").format(id=deal["id"], note=note) if note
                 else _("deal {id}: moving to {stage}").format(id=deal["id"], stage=stage))
    stage_change_in_order(deal, stage, at=at, doing=doing)
    if stage != deal["stage"]:
        conn.execute(update(D).where(D.c.id == deal["id"]).values(stage=stage, stage_at=at, updated_at=at))
        conn.execute(insert(E).values(deal_id=deal["id"], at=at, from_stage=deal["stage"], to_stage=stage,
                                      note=note, rep_id=id_of(actor)))
        audit(conn, at=at, rep=handle_of(actor), entity="deal", entity_id=deal["id"], action="stage",
              before={"stage": deal["stage"]}, after={"stage": stage})
    return stage


def valued(today: date, *, owner_id: int | None = None) -> Any:
    """A subquery of deals with their derived value (``v``, minor units), stage, probability and expected close."""
    query = select(D.c.id, D.c.stage, D.c.probability_bp, D.c.expected_close, value_column(today).label("v"))
    if owner_id is not None:
        query = query.where(D.c.owner_id == owner_id)
    return query.subquery()


def pipeline(conn: Connection, *, today: date, owner_id: int | None = None) -> list[dict[str, Any]]:
    """Deals per stage, in stage order: count, value (derived, see value_column) and value weighted by each deal's
    probability (set by hand, else its stage's default, which ``probability`` shows)."""
    sub = valued(today, owner_id=owner_id)
    query = (select(sub.c.stage, sub.c.probability_bp, func.count(), func.coalesce(func.sum(sub.c.v), 0))
             .group_by(sub.c.stage, sub.c.probability_bp))
    found: dict[str, dict[str, Any]] = {}
    for stage, bp, count, minor in conn.execute(query):
        value = from_minor(int(minor)) or Decimal("0.00")
        row = found.setdefault(stage, {"deals": 0, "value": Decimal("0.00"), "weighted": Decimal("0")})
        row["deals"] += count
        row["value"] += value
        row["weighted"] += value * win_probability(stage, bp)
    rows = []
    for stage in DEAL.states:
        got = found.get(stage, {"deals": 0, "value": Decimal("0.00"), "weighted": Decimal("0")})
        rows.append({"stage": stage, "deals": got["deals"], "value": got["value"],
                     "probability": float(STAGE_PROBABILITY[stage]), "weighted": round_money(got["weighted"])})
    return rows


def log(conn: Connection, deal_id: int, *, kind: str, summary: str, next_day: date | None, at: datetime,
        actor: Actor | None) -> int:
    """Record a call, email, meeting, visit, WeChat message or note on a deal (any stage: after-sales calls count);
    ``next_day`` is the next follow-up, which also becomes an open task on the deal for its owner."""
    from salescli.domain.deals import parse_kind

    deal = fetch(conn, D, deal_id, "deal")
    require_owner(conn, actor, deal["owner_id"], _("deal {id}").format(id=deal_id))
    kind = parse_kind(kind)
    text = fields.required_text("activities", "summary", summary, field="--summary")
    require_in_order(at, _("deal {id}: {kind} logged").format(id=deal_id, kind=kind), (deal["created_at"], _(_CREATED)))
    if next_day is not None:
        require_in_order(next_day, _("deal {id}: --next").format(id=deal_id), (at.date(), _("the activity")))
    activity_id = insert_id(conn, models.activities, {"deal_id": deal_id, "kind": kind, "at": at, "summary": text,
                                                      "next_step": next_day, "rep_id": id_of(actor)})
    audit(conn, at=at, rep=handle_of(actor), entity="deal", entity_id=deal_id, action="log",
          after={"activity_id": activity_id, "kind": kind, "summary": text, "next_step": next_day})
    if next_day is not None:
        from salescli.services import tasks

        tasks.insert_task(conn, subject=("deal", deal_id), owner_id=deal["owner_id"], due=next_day,
                          priority="normal", text=fields.fit("tasks", "text", f"follow up: {text}"), at=at,
                          actor=actor)
    return activity_id


def activity(conn: Connection, activity_id: int) -> dict[str, Any]:
    """One activity logged on a deal, as ``deal log --format json`` prints it."""
    A = models.activities
    row = conn.execute(select(A.c.id, A.c.deal_id, A.c.kind, A.c.at, A.c.summary, A.c.next_step,
                              R.c.handle.label("rep"))
                       .select_from(A.outerjoin(R, R.c.id == A.c.rep_id)).where(A.c.id == activity_id)).mappings().one()
    return dict(row)


def update_deal(conn: Connection, deal_id: int, *, title: str | None = None, expected_close: date | None = None,
                value: Decimal | None = None, probability_bp: int | None = None, next_step: str | None = None,
                owner_id: int | None = None, at: datetime, actor: Actor | None) -> dict[str, Any]:
    """Change an open deal's title, expected close, value set by hand, probability, next step or owner (the owner:
    a manager's change, checked by the caller with authz.require_assignable); the audit log keeps the history."""
    deal = get_open(conn, deal_id, actor=actor, at=at, doing=_("deal {id}: updated").format(id=deal_id))
    changes: dict[str, Any] = {}
    if title is not None:
        changes["title"] = fields.required_text("deals", "title", title, field="--title")
    if expected_close is not None:
        require_in_order(expected_close, _("deal {id}: --expected-close").format(id=deal_id),
                         (deal["created_at"].date(), _(_CREATED)))
        changes["expected_close"] = expected_close
    if value is not None:
        from salescli.domain.money import to_minor

        changes["value_minor"] = to_minor(value)
    if probability_bp is not None:
        changes["probability_bp"] = probability_bp
    if next_step is not None:
        changes["next_step"] = fields.text("deals", "next_step", next_step, field="--next-step")
    if owner_id is not None:
        changes["owner_id"] = owner_id
    if not changes:
        raise InputError(_("nothing to update: give at least one field option (see --help)"))
    conn.execute(update(D).where(D.c.id == deal_id).values(**changes, updated_at=at))
    if "title" in changes:
        from salescli.services import search

        search.reindex_one(conn, "deal", deal_id, deal, {**deal, **changes})
    if owner_id is not None and owner_id != deal["owner_id"]:
        from salescli.services import tasks

        tasks.follow_owner(conn, deal_id=deal_id, owner_id=owner_id)
    audit(conn, at=at, rep=handle_of(actor), entity="deal", entity_id=deal_id, action="update", before=deal,
          after={**deal, **changes})
    return show(conn, deal_id, today=at.date())


def lose(conn: Connection, deal_id: int, *, reason: str, at: datetime, actor: Actor | None,
         reasons: Reasons = DEFAULT_REASONS, note: str | None = None) -> None:
    """Mark an open deal lost for a reason of the team's list (a key or an alias: 价格 → price; anything else is
    refused, exit 2, listing the keys), stored as its key; ``note``: the rep's words, kept beside it."""
    deal = fetch(conn, D, deal_id, "deal")
    require_owner(conn, actor, deal["owner_id"], _("deal {id}").format(id=deal_id))
    DEAL.check(deal["stage"], "lost", label=_("deal {id}").format(id=deal_id))
    key = reasons.parse(fields.required_text("deals", "lost_reason", reason, field="--reason") or "")
    words = fields.text("deals", "lost_note", note, field="--note") if note is not None else None
    stage_change_in_order(deal, "lost", at=at, doing=_("deal {id}: lost").format(id=deal_id))
    conn.execute(update(D).where(D.c.id == deal_id).values(stage="lost", stage_at=at, closed_at=at, lost_reason=key,
                                                           lost_note=words, updated_at=at))
    conn.execute(insert(E).values(deal_id=deal_id, at=at, from_stage=deal["stage"], to_stage="lost",
                                  note=f"{key} · {words}" if words else key, rep_id=id_of(actor)))
    audit(conn, at=at, rep=handle_of(actor), entity="deal", entity_id=deal_id, action="lose",
          before={"stage": deal["stage"]}, after={"stage": "lost", "lost_reason": key, "lost_note": words})


def _select(today: date) -> Select[Any]:
    return (select(D.c.id, D.c.title, D.c.customer_id, C.c.name.label("customer"), D.c.stage,
                   value_column(today).label("value_minor"), D.c.source, R.c.handle.label("owner"),
                   D.c.expected_close, D.c.probability_bp, D.c.next_step, D.c.lost_reason, D.c.created_at,
                   D.c.stage_at, D.c.closed_at)
            .select_from(D.join(C, C.c.id == D.c.customer_id).outerjoin(R, R.c.id == D.c.owner_id)))


def _record(row: Any) -> dict[str, Any]:
    """A deal row for output: money as Decimal, the probability as a percent (set by hand, else the stage's)."""
    record = money_fields(row)
    bp = record.pop("probability_bp")
    record["probability"] = bp_to_pct(bp) if bp is not None else None
    record["win_probability"] = float(win_probability(record["stage"], bp))
    return record


def listing(conn: Connection, *, today: date, stage: str | None = None, owner_id: int | None = None,
            customer_id: int | None = None, search: str | None = None, open_only: bool = False,
            limit: int | None = None) -> list[dict[str, Any]]:
    query = _select(today).order_by(D.c.stage_at.desc(), D.c.id.desc())
    if stage:
        query = query.where(D.c.stage == DEAL.parse(stage, field="--stage"))
    if open_only:
        query = query.where(D.c.stage.in_(DEAL_OPEN))
    if owner_id is not None:
        query = query.where(D.c.owner_id == owner_id)
    if customer_id is not None:
        query = query.where(D.c.customer_id == customer_id)
    if search:
        from salescli.services import search as finder

        query = query.where(finder.condition("deal", search, D.c.id, (D.c.title, C.c.name),
                                             customer_id=D.c.customer_id))
    if limit:
        query = query.limit(limit)
    return [_record(r) for r in conn.execute(query).mappings()]


def show(conn: Connection, deal_id: int, *, today: date) -> dict[str, Any]:
    """The deal and one timeline of everything on it, oldest first: stage changes, activities, needs, demos,
    quotes, contracts, orders, tickets, surveys and tasks. Each event: at, event, detail, rep."""
    fetch(conn, D, deal_id, "deal")
    record = _record(conn.execute(_select(today).where(D.c.id == deal_id)).mappings().one())
    events: list[dict[str, Any]] = []

    def add(at: datetime | date | None, kind: str, detail: str, who: str | None = None) -> None:
        if at is not None:
            moment = at if isinstance(at, datetime) else datetime.combine(at, datetime.min.time())
            events.append({"at": moment, "event": kind, "detail": detail, "rep": who})

    def by_rep(table: Any) -> Any:
        return table.outerjoin(R, R.c.id == table.c.rep_id)

    for e in conn.execute(select(E.c.at, E.c.from_stage, E.c.to_stage, E.c.note, R.c.handle)
                          .select_from(by_rep(E)).where(E.c.deal_id == deal_id)):
        add(e[0], "stage", f"{e[1] or '(new)'} → {e[2]}" + (f" · {e[3]}" if e[3] else ""), e[4])
    A = models.activities
    for a in conn.execute(select(A.c.at, A.c.kind, A.c.summary, A.c.next_step, R.c.handle)
                          .select_from(by_rep(A)).where(A.c.deal_id == deal_id)):
        add(a[0], a[1], a[2] + (f" · next {a[3].isoformat()}" if a[3] else ""), a[4])
    N = models.needs
    for n in conn.execute(select(N.c.confirmed_at, N.c.budget_minor, N.c.deliver_by, N.c.status, R.c.handle)
                          .select_from(by_rep(N)).where(N.c.deal_id == deal_id)):
        add(n[0], "needs", f"budget {from_minor(n[1])}, deliver by {n[2]}"
            + (" (superseded)" if n[3] != "confirmed" else ""), n[4])
    M = models.demos
    for m in conn.execute(select(M.c.at, M.c.products, M.c.outcome, M.c.questions, R.c.handle)
                          .select_from(by_rep(M)).where(M.c.deal_id == deal_id)):
        add(m[0], "demo", f"{m[1]} · {m[2] or 'no outcome'}" + (f" · {m[3]}" if m[3] else ""), m[4])
    Q = models.quotes
    for q in conn.execute(select(Q.c.number, Q.c.revision, Q.c.created_at, Q.c.sent_at, Q.c.decided_at, Q.c.status,
                                 Q.c.net_minor, Q.c.total_minor, Q.c.approved_at, R.c.handle)
                          .select_from(by_rep(Q)).where(Q.c.deal_id == deal_id)):
        label = f"{q[0]} r{q[1]}"
        add(q[2], "quote", f"{label} created, net {from_minor(q[6])}, total {from_minor(q[7])}", q[9])
        add(q[8], "quote", f"{label} approved")
        add(q[3], "quote", f"{label} sent")
        if q[5] in ("accepted", "rejected"):
            add(q[4], "quote", f"{label} {q[5]}")
    K = models.contracts
    for k in conn.execute(select(K.c.number, K.c.created_at, K.c.signed_at, K.c.signed_by, K.c.net_minor, K.c.status,
                                 K.c.closed_at).where(K.c.deal_id == deal_id)):
        add(k[1], "contract", f"{k[0]} drafted, net {from_minor(k[4])}")
        add(k[2], "contract", f"{k[0]} signed by {k[3]}")
        if k[5] in ("completed", "cancelled"):
            add(k[6], "contract", f"{k[0]} {k[5]}")
    OD, OE = models.orders, models.order_events
    order_ids = select(OD.c.id).where(OD.c.deal_id == deal_id)
    for o in conn.execute(select(OE.c.at, OD.c.number, OE.c.from_status, OE.c.to_status, OE.c.note, R.c.handle)
                          .select_from(by_rep(OE).join(OD, OD.c.id == OE.c.order_id))
                          .where(OD.c.deal_id == deal_id)):
        change = f"{o[2]} → {o[3]}" if o[2] else f"created ({o[3]})"
        add(o[0], "order", f"{o[1]} {change}" + (f" · {o[4]}" if o[4] else ""), o[5])
    T, TE = models.tickets, models.ticket_events
    for t in conn.execute(select(TE.c.at, T.c.id, T.c.subject, TE.c.from_status, TE.c.to_status, TE.c.note,
                                 R.c.handle)
                          .select_from(by_rep(TE).join(T, T.c.id == TE.c.ticket_id))
                          .where(T.c.order_id.in_(order_ids))):
        change = f"{t[3]} → {t[4]}" if t[3] else "opened"
        add(t[0], "ticket", f"ticket {t[1]} {t[2]}: {change}" + (f" · {t[5]}" if t[5] else ""), t[6])
    S = models.surveys
    for s in conn.execute(select(S.c.id, S.c.channel, S.c.sent_at, S.c.responded_at, S.c.nps, S.c.csat, S.c.comment)
                          .where(S.c.order_id.in_(order_ids))):
        add(s[2], "survey", f"survey {s[0]} sent by {s[1]}")
        scores = ", ".join(part for part in (f"NPS {s[4]}" if s[4] is not None else "",
                                             f"CSAT {s[5]}" if s[5] is not None else "") if part)
        add(s[3], "survey", f"survey {s[0]} answered" + (f": {scores}" if scores else "")
            + (f" · {s[6]}" if s[6] else ""))
    TK = models.tasks
    for task in conn.execute(select(TK.c.id, TK.c.created_at, TK.c.due, TK.c.text, TK.c.status, TK.c.done_at,
                                    TK.c.priority, R.c.handle)
                             .select_from(by_rep(TK)).where(TK.c.deal_id == deal_id)):
        add(task[1], "task", f"task {task[0]} ({task[6]}) due {task[2].isoformat()}: {task[3]}", task[7])
        if task[4] == "done":
            add(task[5], "task", f"task {task[0]} done")
    events.sort(key=lambda e: e["at"])
    record["timeline"] = events
    return record
