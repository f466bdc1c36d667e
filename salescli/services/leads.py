"""Leads (step 2): capture, follow-up, activities, conversion to customer + contact + deal, loss."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Connection, Select, func, or_, select, update

from salescli import models, records
from salescli.domain import fields
from salescli.domain import leads as rules
from salescli.domain.dates import require_in_order
from salescli.domain.identity import normalize_email, normalize_phone
from salescli.domain.lost import Reasons
from salescli.domain.pipeline import LEAD, LEAD_OPEN
from salescli.errors import InputError, InvalidTransition
from salescli.i18n import N_, _
from salescli.services import customers, deals
from salescli.services.audit import audit
from salescli.services.authz import Actor, handle_of, id_of, require_owner
from salescli.services.merge import refuse_merged
from salescli.services.rows import fetch, insert_id

Lead = models.leads
Rep = models.reps
Activity = models.activities
Deal = models.deals

EDITABLE = ("name", "company", "title", "email", "phone", "city", "source", "notes")
_CREATED = N_("the lead was created")  # no later change on a lead may precede it (translated where shown)


def clean_fields(values: Mapping[str, Any], *, region: str,
                 channels: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Validate lead fields as a user typed them; returns column values including the dedupe keys."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        text = str(value)
        if key == "name":
            out["name"] = fields.required_text("leads", "name", text, field="name")
        elif key in ("company", "title", "city"):
            out[key] = fields.text("leads", key, text, field=f"--{key}")
        elif key == "email":
            out["email"], out["email_key"] = normalize_email(text, field="--email") if text.strip() else (None, None)
        elif key == "phone":
            out["phone"], out["phone_key"] = (normalize_phone(text, region=region, field="--phone")
                                              if text.strip() else (None, None))
        elif key == "source":
            out["source"] = rules.parse_source(text, channels)
        elif key == "notes":
            out["notes"] = fields.text("leads", "notes", text, field="--notes")
        else:
            raise InputError(_("unknown lead field {key!r}").format(key=key))
    return out


def duplicates(conn: Connection, *, email_key: str | None, phone_key: str | None,
               exclude: int | None = None) -> list[records.LeadMatch]:
    """Leads that share the normalized email or phone."""
    conditions = []
    if email_key:
        conditions.append(Lead.c.email_key == email_key)
    if phone_key:
        conditions.append(Lead.c.phone_key == phone_key)
    if not conditions:
        return []
    query = (select(Lead.c.id, Lead.c.name, Lead.c.email, Lead.c.phone)
             .where(or_(*conditions), Lead.c.merged_into.is_(None))
             .order_by(Lead.c.id))
    if exclude is not None:
        query = query.where(Lead.c.id != exclude)
    return [cast(records.LeadMatch, dict(r)) for r in conn.execute(query).mappings()]


def _rescore(row: Mapping[str, Any], touches: int) -> int:
    return rules.score(source=row["source"], company=row.get("company"), email=row.get("email"),
                       phone=row.get("phone"), status=row["status"], touches=touches)


def _touches(conn: Connection, lead_id: int) -> int:
    return int(conn.execute(select(func.count()).where(Activity.c.lead_id == lead_id,
                                                       Activity.c.kind.in_(("call", "email", "meeting")))).scalar_one())


def add(conn: Connection, *, values: Mapping[str, Any], owner_id: int | None, follow_up: date | None,
        at: datetime, actor: Actor | None, region: str,
        channels: Mapping[str, str] | None = None) -> tuple[int, list[records.LeadMatch]]:
    """Create a lead; returns its id and the existing leads it duplicates (a warning, not a refusal)."""
    row = clean_fields(values, region=region, channels=channels)
    for required in ("name", "source"):
        if required not in row:
            raise InputError(_("{field} is required").format(field=required))
    dups = duplicates(conn, email_key=row.get("email_key"), phone_key=row.get("phone_key"))
    row.update(status="new", owner_id=owner_id, follow_up=follow_up, created_at=at, updated_at=at)
    row["score"] = _rescore(row, 0)
    lead_id = insert_id(conn, Lead, row)
    _search().index(conn, "lead", lead_id, row)
    audit(conn, at=at, rep=handle_of(actor), entity="lead", entity_id=lead_id, action="create", after=row)
    return lead_id, dups


def _search() -> Any:
    from salescli.services import search

    return search


def _select() -> Select[Any]:
    deal_id = select(Deal.c.id).where(Deal.c.lead_id == Lead.c.id).order_by(Deal.c.id).limit(1).scalar_subquery()
    return (select(Lead.c.id, Lead.c.name, Lead.c.company, Lead.c.title, Lead.c.email, Lead.c.phone, Lead.c.city,
                   Lead.c.source, Lead.c.status, Lead.c.score, Rep.c.handle.label("owner"), Lead.c.follow_up,
                   Lead.c.notes, Lead.c.lost_reason, Lead.c.customer_id, deal_id.label("deal_id"), Lead.c.created_at,
                   Lead.c.updated_at, Lead.c.closed_at, Lead.c.merged_into)
            .select_from(Lead.outerjoin(Rep, Rep.c.id == Lead.c.owner_id)))


def get(conn: Connection, lead_id: int, *, with_activities: bool = True) -> records.Lead:
    fetch(conn, Lead, lead_id, "lead")
    record = cast(records.Lead, dict(conn.execute(_select().where(Lead.c.id == lead_id)).mappings().one()))
    if with_activities:
        record["activities"] = activities(conn, lead_id=lead_id)
    return record


def listing(conn: Connection, *, status: str | None = None, source: str | None = None,
            owner_id: int | None = None, search: str | None = None, due_by: date | None = None,
            open_only: bool = False, limit: int | None = None,
            channels: Mapping[str, str] | None = None, merged: bool = False) -> list[records.Lead]:
    """Leads, newest first (by follow-up with ``due_by``); a lead merged into another only with ``merged``."""
    query = _select()
    if not merged:
        query = query.where(Lead.c.merged_into.is_(None))
    if status:
        query = query.where(Lead.c.status == LEAD.parse(status, field="--status"))
    if open_only or due_by is not None:
        query = query.where(Lead.c.status.in_(LEAD_OPEN))
    if source:
        query = query.where(Lead.c.source == rules.parse_source(source, channels))
    if owner_id is not None:
        query = query.where(Lead.c.owner_id == owner_id)
    if due_by is not None:
        query = query.where(Lead.c.follow_up <= due_by).order_by(Lead.c.follow_up, Lead.c.score.desc(), Lead.c.id)
    else:
        query = query.order_by(Lead.c.id.desc())
    if search:
        from salescli.services import search as finder

        query = query.where(finder.condition("lead", search, Lead.c.id,
                                             (Lead.c.name, Lead.c.company, Lead.c.email, Lead.c.phone, Lead.c.city)))
    if limit:
        query = query.limit(limit)
    return [cast(records.Lead, dict(row)) for row in conn.execute(query).mappings()]


def update_lead(conn: Connection, lead_id: int, *, values: Mapping[str, Any], status: str | None,
                owner_id: int | None, follow_up: date | None, clear_follow_up: bool, at: datetime,
                actor: Actor | None, region: str,
                channels: Mapping[str, str] | None = None) -> tuple[records.Lead, list[records.LeadMatch]]:
    before = fetch(conn, Lead, lead_id, "lead")
    refuse_merged(before, "lead")
    label = _("lead {id}").format(id=lead_id)
    require_owner(conn, actor, before["owner_id"], label)
    changes = clean_fields(values, region=region, channels=channels)
    if status is not None:
        status = LEAD.parse(status, label=label)  # unknown → exit 2, listing the statuses
        if status in ("converted", "lost"):
            raise InvalidTransition(_("use 'salescli lead convert' to make a lead converted") if status == "converted"
                                    else _("use 'salescli lead lose' to make a lead lost"))
        changes["status"] = LEAD.check(before["status"], status, label=label)
    doing = (_("lead {id} {status}").format(id=lead_id, status=changes["status"]) if "status" in changes
             else _("lead {id} updated").format(id=lead_id))
    require_in_order(at, doing, (before["created_at"], _(_CREATED)))
    if owner_id is not None:
        changes["owner_id"] = owner_id
    if follow_up is not None or clear_follow_up:
        changes["follow_up"] = follow_up
    if not changes:
        raise InputError(_("nothing to update: give at least one field option (see --help)"))
    dups = duplicates(conn, email_key=changes.get("email_key"), phone_key=changes.get("phone_key"),
                      exclude=lead_id)
    merged = {**before, **changes}
    changes["score"] = _rescore(merged, _touches(conn, lead_id))
    changes["updated_at"] = at
    conn.execute(update(Lead).where(Lead.c.id == lead_id).values(**changes))
    _search().reindex_one(conn, "lead", lead_id, before, {**before, **changes})
    audit(conn, at=at, rep=handle_of(actor), entity="lead", entity_id=lead_id, action="update", before=before,
          after={**before, **changes})
    return get(conn, lead_id), dups


def log(conn: Connection, lead_id: int, *, kind: str, summary: str, next_step: date | None, at: datetime,
        actor: Actor | None) -> int:
    """Record a touch; a call, email or meeting moves a new lead to contacted; ``next_step`` sets the
    follow-up date."""
    lead = fetch(conn, Lead, lead_id, "lead")
    refuse_merged(lead, "lead")
    require_owner(conn, actor, lead["owner_id"], _("lead {id}").format(id=lead_id))
    kind = rules.parse_kind(kind, allowed=("call", "email", "meeting", "note"))
    summary = fields.required_text("activities", "summary", summary, field="--summary")
    if lead["status"] not in LEAD_OPEN:
        refusal = (_("lead {id} is {status}; log activity on its deal instead") if lead["status"] == "converted"
                   else _("lead {id} is {status}"))
        raise InvalidTransition(refusal.format(id=lead_id, status=lead["status"]))
    require_in_order(at, _("lead {id} {kind} logged").format(id=lead_id, kind=kind), (lead["created_at"], _(_CREATED)))
    activity_id = insert_id(conn, Activity, {"lead_id": lead_id, "kind": kind, "at": at, "summary": summary,
                                             "next_step": next_step, "rep_id": id_of(actor)})
    changes: dict[str, Any] = {"updated_at": at}
    if kind != "note" and lead["status"] == "new":
        changes["status"] = LEAD.check("new", "contacted", label=_("lead {id}").format(id=lead_id))
    if next_step is not None:
        changes["follow_up"] = next_step
    changes["score"] = _rescore({**lead, **changes}, _touches(conn, lead_id))
    conn.execute(update(Lead).where(Lead.c.id == lead_id).values(**changes))
    audit(conn, at=at, rep=handle_of(actor), entity="lead", entity_id=lead_id, action=f"log:{kind}", before=lead,
          after={**lead, **changes})
    return activity_id


def activities(conn: Connection, *, lead_id: int | None = None,
               deal_id: int | None = None) -> list[records.Activity]:
    query = (select(Activity.c.id, Activity.c.at, Activity.c.kind, Activity.c.summary, Activity.c.next_step,
                    Rep.c.handle.label("rep"))
             .select_from(Activity.outerjoin(Rep, Rep.c.id == Activity.c.rep_id))
             .order_by(Activity.c.at, Activity.c.id))
    if lead_id is not None:
        query = query.where(Activity.c.lead_id == lead_id)
    if deal_id is not None:
        query = query.where(Activity.c.deal_id == deal_id)
    return [cast(records.Activity, dict(row)) for row in conn.execute(query).mappings()]


def lose(conn: Connection, lead_id: int, *, reason: str, at: datetime, actor: Actor | None,
         reasons: Reasons | None = None) -> None:
    """Mark an open lead lost. A reason from the team's list (a key or an alias: 价格, price) is stored as its key;
    leads are also dropped for reasons outside the deal list (no contact, not a fit), kept as written."""
    lead = fetch(conn, Lead, lead_id, "lead")
    refuse_merged(lead, "lead")
    label = _("lead {id}").format(id=lead_id)
    require_owner(conn, actor, lead["owner_id"], label)
    reason = fields.required_text("leads", "lost_reason", reason, field="--reason")
    reason = (reasons.find(reason) if reasons is not None else None) or reason
    LEAD.check(lead["status"], "lost", label=label)
    require_in_order(at, _("lead {id} lost").format(id=lead_id), (lead["created_at"], _(_CREATED)))
    conn.execute(update(Lead).where(Lead.c.id == lead_id).values(status="lost", lost_reason=reason, closed_at=at,
                                                                 updated_at=at, follow_up=None))
    audit(conn, at=at, rep=handle_of(actor), entity="lead", entity_id=lead_id, action="lose", before=lead,
          after={**lead, "status": "lost", "lost_reason": reason})


def convert(conn: Connection, lead_id: int, *, title: str | None, owner_id: int | None, at: datetime,
            actor: Actor | None, targets: list[str], region: str) -> records.Conversion:
    """Lead → customer (found by company name, else created) + contact + deal in stage qualification."""
    lead = fetch(conn, Lead, lead_id, "lead")
    refuse_merged(lead, "lead")
    label = _("lead {id}").format(id=lead_id)
    require_owner(conn, actor, lead["owner_id"], label)
    LEAD.check(lead["status"], "converted", label=label)
    require_in_order(at, _("lead {id} converted").format(id=lead_id), (lead["created_at"], _(_CREATED)))
    company = lead["company"] or lead["name"]
    customer = customers.find_by_name(conn, company)
    created_customer = customer is None
    owner = owner_id if owner_id is not None else lead["owner_id"]
    if customer is None:
        customer_id = customers.add(conn, values={"name": company, "city": lead["city"]}, owner_id=owner, at=at,
                                    actor=actor, targets=targets)
    else:
        customer_id = int(customer["id"])
    contact_id = _contact_for(conn, lead, customer_id, at=at, actor=actor, region=region)
    deal_title = (fields.required_text("deals", "title", title, field="--deal-title") if title
                  else fields.fit("deals", "title", f"{company} · {lead['name']}"))
    deal_id = deals.create(conn, customer_id=customer_id, contact_id=contact_id, lead_id=lead_id, owner_id=owner,
                           title=deal_title, source=lead["source"], at=at, actor=actor)
    conn.execute(update(Lead).where(Lead.c.id == lead_id).values(
        status="converted", customer_id=customer_id, contact_id=contact_id, closed_at=at, updated_at=at,
        follow_up=None))
    conn.execute(update(Activity).where(Activity.c.lead_id == lead_id).values(deal_id=deal_id))
    audit(conn, at=at, rep=handle_of(actor), entity="lead", entity_id=lead_id, action="convert", before=lead,
          after={**lead, "status": "converted", "customer_id": customer_id})
    return {"lead_id": lead_id, "deal_id": deal_id, "customer_id": customer_id, "contact_id": contact_id,
            "customer_created": created_customer}


def _contact_for(conn: Connection, lead: Mapping[str, Any], customer_id: int, *, at: datetime,
                 actor: Actor | None, region: str) -> int:
    Contact = models.contacts
    match = None
    if lead["email_key"]:
        match = conn.execute(select(Contact.c.id).where(Contact.c.customer_id == customer_id,
                                                        Contact.c.email_key == lead["email_key"])).first()
    if match is None and lead["phone_key"]:
        match = conn.execute(select(Contact.c.id).where(Contact.c.customer_id == customer_id,
                                                        Contact.c.phone_key == lead["phone_key"])).first()
    if match is None:
        match = conn.execute(select(Contact.c.id)
                             .where(Contact.c.customer_id == customer_id, Contact.c.email_key.is_(None),
                                    Contact.c.phone_key.is_(None), Contact.c.name == lead["name"])).first()
    if match is not None:
        return int(match.id)
    return customers.add_contact(conn, customer_id=customer_id, region=region, at=at, actor=actor, values={
        "name": lead["name"], "title": lead["title"], "email": lead["email"], "phone": lead["phone"]})


def merge(conn: Connection, keep_id: int, other_id: int, *, at: datetime, actor: Actor | None,
          dry_run: bool = False) -> dict[str, Any]:
    """``lead merge``: the other lead's activities, deals and tasks move to the kept one, which takes the other's
    contact details where it has none (and is scored again); the other is marked merged (services/merge.py)."""
    from salescli.services import merge as merging

    def rescore(conn: Connection, row: dict[str, Any]) -> dict[str, Any]:
        return {"score": _rescore(row, _touches(conn, keep_id))}

    return merging.merge(conn, Lead, keep_id, other_id, at=at, actor=actor, dry_run=dry_run, after_fill=rescore,
                         kind="lead")
