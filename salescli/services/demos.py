"""Product introductions and demos (step 4): what was shown, who came, what they asked, how it landed."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Connection, or_, select

from salescli import models, records
from salescli.domain import fields
from salescli.domain.catalog import parse_sku
from salescli.domain.customers import split_list
from salescli.errors import InputError
from salescli.i18n import _
from salescli.services import deals, products
from salescli.services.audit import audit
from salescli.services.authz import Actor, handle_of, id_of
from salescli.services.rows import insert_id

Demo = models.demos
Deal = models.deals
Customer = models.customers
Rep = models.reps
OUTCOMES = ("positive", "neutral", "negative")


def log(conn: Connection, deal_id: int, *, skus: str, attendees: str | None, questions: str | None,
        feedback: str | None, outcome: str | None, at: datetime, actor: Actor | None) -> int:
    """Record a demo of catalog products on an open deal; the deal moves to the demo stage (never back)."""
    wanted = split_list(skus)
    if not wanted:
        raise InputError(_("--products: name at least one SKU"))
    if outcome is not None and outcome.strip().lower() not in OUTCOMES:
        raise InputError(_("--outcome: {outcome!r} is not one of {choices}").format(outcome=outcome,
                                                                                    choices=", ".join(OUTCOMES)))
    row = {
        "deal_id": deal_id, "at": at, "rep_id": id_of(actor),
        "attendees": ", ".join(split_list(fields.required_text("demos", "attendees", attendees, field="--attendees")))
        if attendees else None,
        "questions": fields.text("demos", "questions", questions, field="--questions") if questions else None,
        "feedback": fields.text("demos", "feedback", feedback, field="--feedback") if feedback else None,
        "outcome": outcome.strip().lower() if outcome else None,
    }
    deal = deals.get_open(conn, deal_id, actor=actor, at=at, doing=_("deal {id}: demo logged").format(id=deal_id))
    products.resolve(conn, wanted)  # unknown SKU → exit 2 with close matches
    row["products"] = ", ".join(dict.fromkeys(parse_sku(s, field="--products") for s in wanted))
    demo_id = insert_id(conn, Demo, row)
    deals.advance(conn, deal, "demo", at=at, note=f"demo {demo_id}", actor=actor,
                  doing=_("deal {id}: demo {demo}").format(id=deal_id, demo=demo_id))
    audit(conn, at=at, rep=handle_of(actor), entity="demo", entity_id=demo_id, action="create", after=row)
    return demo_id


def listing(conn: Connection, *, deal_id: int | None = None, objection: str | None = None,
            outcome: str | None = None, product: str | None = None, owner_id: int | None = None,
            limit: int | None = None) -> list[records.Demo]:
    query = (select(Demo.c.id, Demo.c.deal_id, Deal.c.title.label("deal"), Customer.c.name.label("customer"), Demo.c.at,
                    Demo.c.products, Demo.c.attendees, Demo.c.questions, Demo.c.feedback, Demo.c.outcome,
                    Rep.c.handle.label("rep"))
             .select_from(Demo.join(Deal, Deal.c.id == Demo.c.deal_id)
                          .join(Customer, Customer.c.id == Deal.c.customer_id)
                          .outerjoin(Rep, Rep.c.id == Demo.c.rep_id))
             .order_by(Demo.c.at.desc(), Demo.c.id.desc()))
    if deal_id is not None:
        query = query.where(Demo.c.deal_id == deal_id)
    from salescli.services.search import ESCAPE, contains_pattern

    if objection:
        like = contains_pattern(objection.strip())
        query = query.where(or_(Demo.c.questions.ilike(like, escape=ESCAPE),
                                Demo.c.feedback.ilike(like, escape=ESCAPE)))
    if outcome:
        if outcome not in OUTCOMES:
            raise InputError(_("--outcome: {outcome!r} is not one of {choices}").format(outcome=outcome,
                                                                                        choices=", ".join(OUTCOMES)))
        query = query.where(Demo.c.outcome == outcome)
    if product:
        query = query.where(Demo.c.products.ilike(contains_pattern(product.strip()), escape=ESCAPE))
    if owner_id is not None:
        query = query.where(Deal.c.owner_id == owner_id)
    if limit:
        query = query.limit(limit)
    return [cast(records.Demo, dict(row)) for row in conn.execute(query).mappings()]
