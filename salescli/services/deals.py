"""Deals: created by lead conversion, moved forward along the pipeline by confirmed needs, demos, sent and
revised quotes and a signed contract (never back), lost with a reason, logged, summarized by stage."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Connection, Select, and_, case, func, insert, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from salescli import models, records
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

Deal = models.deals
DealEvent = models.deal_events
Rep = models.reps
Customer = models.customers
_CREATED = N_("the deal was created")  # translated where shown


def value_column(today: date) -> ColumnElement[Any]:
    """A deal's value (PRODUCT.md) as one SQL expression, in minor units: its signed contract's net once won; else
    its current quote's net (the accepted one, else the latest revision that is not rejected, expired on ``today``
    or superseded); else the budget of its confirmed needs; else the value set by hand (``deal update --value``)."""
    Quote, Need, Contract = models.quotes, models.needs, models.contracts
    signed = (select(Contract.c.net_minor).where(Contract.c.deal_id == Deal.c.id, Contract.c.signed_at.is_not(None),
                                                 Contract.c.status != "cancelled")
              .order_by(Contract.c.signed_at.desc(), Contract.c.id.desc()).limit(1).scalar_subquery())
    alive = or_(Quote.c.status == "accepted", and_(Quote.c.status.in_(("draft", "sent")), Quote.c.valid_until >= today))
    current = (select(Quote.c.net_minor).where(Quote.c.deal_id == Deal.c.id, alive)
               .order_by(case((Quote.c.status == "accepted", 0), else_=1), Quote.c.created_at.desc(), Quote.c.id.desc())
               .limit(1).scalar_subquery())
    budget = (select(Need.c.budget_minor).where(Need.c.deal_id == Deal.c.id, Need.c.status == "confirmed",
                                                Need.c.budget_minor.is_not(None))
              .order_by(Need.c.confirmed_at.desc(), Need.c.id.desc()).limit(1).scalar_subquery())
    return func.coalesce(signed, current, budget, Deal.c.value_minor)


def create(conn: Connection, *, customer_id: int, contact_id: int | None, lead_id: int | None,
           owner_id: int | None, title: str, source: str | None, at: datetime, actor: Actor | None,
           value_minor: int | None = None) -> int:
    row = {"title": title, "customer_id": customer_id, "contact_id": contact_id, "lead_id": lead_id,
           "owner_id": owner_id, "source": source, "stage": "qualification", "value_minor": value_minor,
           "created_at": at, "updated_at": at, "stage_at": at}
    deal_id = insert_id(conn, Deal, row)
    from salescli.services import search

    search.index(conn, "deal", deal_id, row)
    conn.execute(insert(DealEvent).values(deal_id=deal_id, at=at, from_stage=None, to_stage="qualification",
                                          note="created"))
    audit(conn, at=at, rep=handle_of(actor), entity="deal", entity_id=deal_id, action="create", after=row)
    return deal_id


def fetch_deal(conn: Connection, deal_id: int) -> records.DealRow:
    return cast(records.DealRow, fetch(conn, Deal, deal_id, "deal"))


def get_open(conn: Connection, deal_id: int, *, actor: Actor | None = None, at: datetime | None = None,
             doing: str | None = None) -> records.DealRow:
    """The deal, which must still be open (not won or lost) for pipeline work on it, and the acting rep's
    to change (or any, for a manager). With ``at``, work dated before the deal was created is refused
    (``doing`` names it in the message, whole and translated: "deal 12: quote created"; default "deal 12: this
    change")."""
    deal = fetch_deal(conn, deal_id)
    require_owner(conn, actor, deal["owner_id"], _("deal {id}").format(id=deal_id))
    if deal["stage"] not in DEAL_OPEN:
        raise InvalidTransition(_("deal {id} is {stage}, which is final").format(id=deal_id, stage=deal["stage"]))
    if at is not None:
        require_in_order(at, doing or _("deal {id}: this change").format(id=deal_id), (deal["created_at"], _(_CREATED)))
    return deal


def stage_change_in_order(deal: records.DealRow, target: str, *, at: datetime, doing: str) -> None:
    """Dates in order for the deal: nothing on it before it was created, and a stage change (to ``target``, if it
    moves the deal) not before its last one. ``doing``: the change, whole and translated ("deal 12: lost")."""
    moves = target == "lost" or DEAL.order.index(target) > DEAL.order.index(deal["stage"])
    require_in_order(at, doing, (deal["created_at"], _(_CREATED)),
                     (deal["stage_at"] if moves else None, _("it moved to {stage}").format(stage=deal["stage"])))


def advance(conn: Connection, deal: records.DealRow, target: str, *, at: datetime, note: str | None,
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
        conn.execute(update(Deal).where(Deal.c.id == deal["id"]).values(stage=stage, stage_at=at, updated_at=at))
        conn.execute(insert(DealEvent).values(deal_id=deal["id"], at=at, from_stage=deal["stage"], to_stage=stage,
                                              note=note, rep_id=id_of(actor)))
        audit(conn, at=at, rep=handle_of(actor), entity="deal", entity_id=deal["id"], action="stage",
              before={"stage": deal["stage"]}, after={"stage": stage})
    return stage


def valued(today: date, *, owner_id: int | None = None) -> Any:
    """A subquery of deals with their derived value (``v``, minor units), stage, probability and expected close."""
    query = select(Deal.c.id, Deal.c.stage, Deal.c.probability_bp, Deal.c.expected_close,
                   value_column(today).label("v"))
    if owner_id is not None:
        query = query.where(Deal.c.owner_id == owner_id)
    return query.subquery()


def pipeline(conn: Connection, *, today: date, owner_id: int | None = None) -> list[records.StageTotal]:
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
    rows: list[records.StageTotal] = []
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

    deal = fetch_deal(conn, deal_id)
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


def activity(conn: Connection, activity_id: int) -> records.DealActivity:
    """One activity logged on a deal, as ``deal log --format json`` prints it."""
    Activity = models.activities
    row = conn.execute(select(Activity.c.id, Activity.c.deal_id, Activity.c.kind, Activity.c.at, Activity.c.summary,
                              Activity.c.next_step, Rep.c.handle.label("rep"))
                       .select_from(Activity.outerjoin(Rep, Rep.c.id == Activity.c.rep_id))
                       .where(Activity.c.id == activity_id)).mappings().one()
    return cast(records.DealActivity, dict(row))


def update_deal(conn: Connection, deal_id: int, *, title: str | None = None, expected_close: date | None = None,
                value: Decimal | None = None, probability_bp: int | None = None, next_step: str | None = None,
                owner_id: int | None = None, at: datetime, actor: Actor | None) -> records.Deal:
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
    conn.execute(update(Deal).where(Deal.c.id == deal_id).values(**changes, updated_at=at))
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
    deal = fetch_deal(conn, deal_id)
    require_owner(conn, actor, deal["owner_id"], _("deal {id}").format(id=deal_id))
    DEAL.check(deal["stage"], "lost", label=_("deal {id}").format(id=deal_id))
    key = reasons.parse(fields.required_text("deals", "lost_reason", reason, field="--reason") or "")
    words = fields.text("deals", "lost_note", note, field="--note") if note is not None else None
    stage_change_in_order(deal, "lost", at=at, doing=_("deal {id}: lost").format(id=deal_id))
    conn.execute(update(Deal).where(Deal.c.id == deal_id)
                 .values(stage="lost", stage_at=at, closed_at=at, lost_reason=key,
                         lost_note=words, updated_at=at))
    conn.execute(insert(DealEvent).values(deal_id=deal_id, at=at, from_stage=deal["stage"], to_stage="lost",
                                          note=f"{key} · {words}" if words else key, rep_id=id_of(actor)))
    audit(conn, at=at, rep=handle_of(actor), entity="deal", entity_id=deal_id, action="lose",
          before={"stage": deal["stage"]}, after={"stage": "lost", "lost_reason": key, "lost_note": words})


def _select(today: date) -> Select[Any]:
    return (select(Deal.c.id, Deal.c.title, Deal.c.customer_id, Customer.c.name.label("customer"), Deal.c.stage,
                   value_column(today).label("value_minor"), Deal.c.source, Rep.c.handle.label("owner"),
                   Deal.c.expected_close, Deal.c.probability_bp, Deal.c.next_step, Deal.c.lost_reason,
                   Deal.c.created_at, Deal.c.stage_at, Deal.c.closed_at)
            .select_from(Deal.join(Customer, Customer.c.id == Deal.c.customer_id)
                         .outerjoin(Rep, Rep.c.id == Deal.c.owner_id)))


def _record(row: Any) -> records.Deal:
    """A deal row for output: money as Decimal, the probability as a percent (set by hand, else the stage's)."""
    record = money_fields(row)
    bp = record.pop("probability_bp")
    record["probability"] = bp_to_pct(bp) if bp is not None else None
    record["win_probability"] = float(win_probability(record["stage"], bp))
    return cast(records.Deal, record)


def listing(conn: Connection, *, today: date, stage: str | None = None, owner_id: int | None = None,
            customer_id: int | None = None, search: str | None = None, open_only: bool = False,
            limit: int | None = None) -> list[records.Deal]:
    query = _select(today).order_by(Deal.c.stage_at.desc(), Deal.c.id.desc())
    if stage:
        query = query.where(Deal.c.stage == DEAL.parse(stage, field="--stage"))
    if open_only:
        query = query.where(Deal.c.stage.in_(DEAL_OPEN))
    if owner_id is not None:
        query = query.where(Deal.c.owner_id == owner_id)
    if customer_id is not None:
        query = query.where(Deal.c.customer_id == customer_id)
    if search:
        from salescli.services import search as finder

        query = query.where(finder.condition("deal", search, Deal.c.id, (Deal.c.title, Customer.c.name),
                                             customer_id=Deal.c.customer_id))
    if limit:
        query = query.limit(limit)
    return [_record(r) for r in conn.execute(query).mappings()]


def show(conn: Connection, deal_id: int, *, today: date) -> records.Deal:
    """The deal and one timeline of everything on it, oldest first: stage changes, activities, needs, demos,
    quotes, contracts, orders, tickets, surveys and tasks. Each event: at, event, detail, rep."""
    fetch(conn, Deal, deal_id, "deal")
    record = _record(conn.execute(_select(today).where(Deal.c.id == deal_id)).mappings().one())
    events: list[records.TimelineEvent] = []

    def add(at: datetime | date | None, kind: str, detail: str, who: str | None = None) -> None:
        if at is not None:
            moment = at if isinstance(at, datetime) else datetime.combine(at, datetime.min.time())
            events.append({"at": moment, "event": kind, "detail": detail, "rep": who})

    def by_rep(table: Any) -> Any:
        return table.outerjoin(Rep, Rep.c.id == table.c.rep_id)

    rep = Rep.c.handle.label("rep")
    for e in conn.execute(select(DealEvent.c.at, DealEvent.c.from_stage, DealEvent.c.to_stage, DealEvent.c.note, rep)
                          .select_from(by_rep(DealEvent)).where(DealEvent.c.deal_id == deal_id)):
        add(e.at, "stage", f"{e.from_stage or '(new)'} → {e.to_stage}" + (f" · {e.note}" if e.note else ""), e.rep)
    Activity = models.activities
    for a in conn.execute(select(Activity.c.at, Activity.c.kind, Activity.c.summary, Activity.c.next_step, rep)
                          .select_from(by_rep(Activity)).where(Activity.c.deal_id == deal_id)):
        add(a.at, a.kind, a.summary + (f" · next {a.next_step.isoformat()}" if a.next_step else ""), a.rep)
    Need = models.needs
    for n in conn.execute(select(Need.c.confirmed_at, Need.c.budget_minor, Need.c.deliver_by, Need.c.status, rep)
                          .select_from(by_rep(Need)).where(Need.c.deal_id == deal_id)):
        add(n.confirmed_at, "needs", f"budget {from_minor(n.budget_minor)}, deliver by {n.deliver_by}"
            + (" (superseded)" if n.status != "confirmed" else ""), n.rep)
    Demo = models.demos
    for m in conn.execute(select(Demo.c.at, Demo.c.products, Demo.c.outcome, Demo.c.questions, rep)
                          .select_from(by_rep(Demo)).where(Demo.c.deal_id == deal_id)):
        add(m.at, "demo", f"{m.products} · {m.outcome or 'no outcome'}" + (f" · {m.questions}" if m.questions else ""),
            m.rep)
    Quote = models.quotes
    for q in conn.execute(select(Quote.c.number, Quote.c.revision, Quote.c.created_at, Quote.c.sent_at,
                                 Quote.c.decided_at, Quote.c.status, Quote.c.net_minor, Quote.c.total_minor,
                                 Quote.c.approved_at, rep)
                          .select_from(by_rep(Quote)).where(Quote.c.deal_id == deal_id)):
        label = f"{q.number} r{q.revision}"
        add(q.created_at, "quote", f"{label} created, net {from_minor(q.net_minor)}, total {from_minor(q.total_minor)}",
            q.rep)
        add(q.approved_at, "quote", f"{label} approved")
        add(q.sent_at, "quote", f"{label} sent")
        if q.status in ("accepted", "rejected"):
            add(q.decided_at, "quote", f"{label} {q.status}")
    Contract = models.contracts
    for k in conn.execute(select(Contract.c.number, Contract.c.created_at, Contract.c.signed_at, Contract.c.signed_by,
                                 Contract.c.net_minor, Contract.c.status, Contract.c.closed_at)
                          .where(Contract.c.deal_id == deal_id)):
        add(k.created_at, "contract", f"{k.number} drafted, net {from_minor(k.net_minor)}")
        add(k.signed_at, "contract", f"{k.number} signed by {k.signed_by}")
        if k.status in ("completed", "cancelled"):
            add(k.closed_at, "contract", f"{k.number} {k.status}")
    Order, OrderEvent = models.orders, models.order_events
    order_ids = select(Order.c.id).where(Order.c.deal_id == deal_id)
    for o in conn.execute(select(OrderEvent.c.at, Order.c.number, OrderEvent.c.from_status, OrderEvent.c.to_status,
                                 OrderEvent.c.note, rep)
                          .select_from(by_rep(OrderEvent).join(Order, Order.c.id == OrderEvent.c.order_id))
                          .where(Order.c.deal_id == deal_id)):
        change = f"{o.from_status} → {o.to_status}" if o.from_status else f"created ({o.to_status})"
        add(o.at, "order", f"{o.number} {change}" + (f" · {o.note}" if o.note else ""), o.rep)
    Ticket, TicketEvent = models.tickets, models.ticket_events
    for t in conn.execute(select(TicketEvent.c.at, Ticket.c.id, Ticket.c.subject, TicketEvent.c.from_status,
                                 TicketEvent.c.to_status, TicketEvent.c.note, rep)
                          .select_from(by_rep(TicketEvent).join(Ticket, Ticket.c.id == TicketEvent.c.ticket_id))
                          .where(Ticket.c.order_id.in_(order_ids))):
        change = f"{t.from_status} → {t.to_status}" if t.from_status else "opened"
        add(t.at, "ticket", f"ticket {t.id} {t.subject}: {change}" + (f" · {t.note}" if t.note else ""), t.rep)
    Survey = models.surveys
    for s in conn.execute(select(Survey.c.id, Survey.c.channel, Survey.c.sent_at, Survey.c.responded_at, Survey.c.nps,
                                 Survey.c.csat, Survey.c.comment)
                          .where(Survey.c.order_id.in_(order_ids))):
        add(s.sent_at, "survey", f"survey {s.id} sent by {s.channel}")
        scores = ", ".join(part for part in (f"NPS {s.nps}" if s.nps is not None else "",
                                             f"CSAT {s.csat}" if s.csat is not None else "") if part)
        add(s.responded_at, "survey", f"survey {s.id} answered" + (f": {scores}" if scores else "")
            + (f" · {s.comment}" if s.comment else ""))
    Task = models.tasks
    for task in conn.execute(select(Task.c.id, Task.c.created_at, Task.c.due, Task.c.text, Task.c.status,
                                    Task.c.done_at, Task.c.priority, rep)
                             .select_from(by_rep(Task)).where(Task.c.deal_id == deal_id)):
        add(task.created_at, "task", f"task {task.id} ({task.priority}) due {task.due.isoformat()}: {task.text}",
            task.rep)
        if task.status == "done":
            add(task.done_at, "task", f"task {task.id} done")
    events.sort(key=lambda e: e["at"])
    record["timeline"] = events
    return record
