"""Customers and their contacts (step 1, customer analysis)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Select, func, or_, select, update

from salescli import models
from salescli.domain import customers as rules
from salescli.domain import fields
from salescli.domain.identity import name_key, normalize_email, normalize_phone
from salescli.domain.money import from_minor, parse_amount, round_money, to_minor
from salescli.errors import InputError, PolicyError
from salescli.services.common import audit, ensure_can_change, fetch, insert_id, money_fields

C = models.customers
R = models.reps
K = models.contacts

EDITABLE = ("name", "industry", "size", "city", "region", "budget", "preferences", "competitors", "notes")


def clean_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """Validate customer fields as typed by a user; returns column values (money in minor units)."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        if key == "name":
            out["name"] = fields.required_text("customers", "name", value, field="name")
            out["name_key"] = name_key(out["name"])
        elif key == "size":
            out["size"] = rules.parse_size(value) if value.strip() else None
        elif key == "budget":
            out["budget_minor"] = to_minor(parse_amount(value, field="--budget")) if str(value).strip() else None
        elif key == "competitors":
            out["competitors"] = fields.text("customers", "competitors", ", ".join(rules.split_list(value)),
                                             field="--competitors")
        elif key in ("preferences", "notes") or key in ("industry", "city", "region"):
            out[key] = fields.text("customers", key, value, field=f"--{key}")
        else:
            raise InputError(f"unknown customer field {key!r}")
    return out


def tier_of(values: Mapping[Any, Any], targets: Iterable[str]) -> str:
    return rules.tier(budget=from_minor(values.get("budget_minor")), size=values.get("size"),
                      industry=values.get("industry"), competitors=values.get("competitors"),
                      target_industries=targets)


def find_by_name(conn: Connection, name: str) -> dict[str, Any] | None:
    row = conn.execute(select(C).where(C.c.name_key == name_key(name)).order_by(C.c.id)).mappings().first()
    return dict(row) if row else None


def add(conn: Connection, *, values: Mapping[str, Any], owner_id: int | None, at: datetime,
        actor: str | None, targets: Iterable[str], allow_duplicate: bool = False) -> int:
    row = clean_fields(values)
    if "name" not in row:
        raise InputError("name is required")
    existing = find_by_name(conn, row["name"])
    if existing and not allow_duplicate:
        raise PolicyError(f"customer {existing['name']!r} already exists (id {existing['id']}); "
                          "use --allow-duplicate to add another with the same name")
    row.update(owner_id=owner_id, created_at=at, updated_at=at)
    row["tier"] = tier_of(row, targets)
    customer_id = insert_id(conn, C, row)
    audit(conn, at=at, rep=actor, entity="customer", entity_id=customer_id, action="create", after=row)
    return customer_id


def update_customer(conn: Connection, customer_id: int, *, values: Mapping[str, Any], owner_id: int | None,
                    at: datetime, actor: str | None, targets: Iterable[str]) -> dict[str, Any]:
    before = fetch(conn, C, customer_id, "customer")
    ensure_can_change(conn, owner_id=before["owner_id"], actor=actor, what=f"customer {customer_id}")
    changes = clean_fields(values)
    if owner_id is not None:
        changes["owner_id"] = owner_id
    if not changes:
        raise InputError("nothing to update: give at least one field option (see --help)")
    after = {**before, **changes}
    changes["tier"] = tier_of(after, targets)
    changes["updated_at"] = at
    conn.execute(update(C).where(C.c.id == customer_id).values(**changes))
    audit(conn, at=at, rep=actor, entity="customer", entity_id=customer_id, action="update",
          before=before, after={**before, **changes})
    return get(conn, customer_id)


def _select() -> Select[Any]:
    contacts = (select(func.count()).where(K.c.customer_id == C.c.id).correlate(C).scalar_subquery())
    return (select(C.c.id, C.c.name, C.c.industry, C.c.size, C.c.city, C.c.region, C.c.budget_minor,
                   C.c.tier, R.c.handle.label("owner"), C.c.competitors, C.c.preferences, C.c.notes,
                   contacts.label("contacts"), C.c.created_at, C.c.updated_at)
            .select_from(C.outerjoin(R, R.c.id == C.c.owner_id)))


def get(conn: Connection, customer_id: int) -> dict[str, Any]:
    fetch(conn, C, customer_id, "customer")
    row = conn.execute(_select().where(C.c.id == customer_id)).mappings().one()
    record = money_fields(row)
    record["contacts"] = contact_list(conn, customer_id=customer_id)
    return record


def listing(conn: Connection, *, tier: str | None = None, industry: str | None = None, city: str | None = None,
            owner_id: int | None = None, search: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    query = _select()
    if tier:
        query = query.where(C.c.tier == tier.upper())
    if industry:
        query = query.where(func.lower(C.c.industry) == industry.strip().lower())
    if city:
        query = query.where(C.c.city == city.strip())
    if owner_id is not None:
        query = query.where(C.c.owner_id == owner_id)
    if search:
        from salescli.services.search import ESCAPE, contains_pattern

        like = contains_pattern(search.strip())
        query = query.where(or_(C.c.name.ilike(like, escape=ESCAPE),
                                C.c.name_key.like(contains_pattern(name_key(search)), escape=ESCAPE),
                                C.c.industry.ilike(like, escape=ESCAPE), C.c.city.ilike(like, escape=ESCAPE)))
    query = query.order_by(C.c.tier, C.c.budget_minor.desc(), C.c.id)
    if limit:
        query = query.limit(limit)
    return [money_fields(row) for row in conn.execute(query).mappings()]


BREAKDOWNS = ("tier", "industry", "city", "size", "region", "owner")


def breakdown(conn: Connection, by: str) -> list[dict[str, Any]]:
    """Counts and budget totals per value of ``by``, aggregated in SQL, largest first."""
    if by not in BREAKDOWNS:
        raise InputError(f"--by: {by!r} is not one of {', '.join(BREAKDOWNS)}")
    column = R.c.handle if by == "owner" else C.c[by]
    total = func.coalesce(func.sum(C.c.budget_minor), 0)
    query = (select(column.label("key"), func.count().label("customers"), total.label("budget_minor"),
                    func.count(C.c.budget_minor).label("with_budget"))
             .select_from(C.outerjoin(R, R.c.id == C.c.owner_id)).group_by(column))
    query = query.order_by(column) if by == "tier" else query.order_by(func.count().desc(), total.desc(), column)
    rows = []
    grand = conn.execute(select(func.count()).select_from(C)).scalar_one() or 0
    for row in conn.execute(query).mappings():
        budget = Decimal(int(row["budget_minor"])) / 100
        rows.append({by: row["key"] if row["key"] is not None else "(none)", "customers": row["customers"],
                     "share": round(row["customers"] / grand, 4) if grand else None,
                     "budget": round_money(budget),
                     "avg_budget": round_money(budget / row["with_budget"]) if row["with_budget"] else None})
    return rows


def retier(conn: Connection, *, targets: Iterable[str], at: datetime) -> int:
    """Recompute every customer's tier (after the rule's config changed); returns how many changed."""
    targets = list(targets)
    changed = 0
    for row in conn.execute(select(C.c.id, C.c.budget_minor, C.c.size, C.c.industry, C.c.competitors,
                                   C.c.tier)).mappings().all():
        new = tier_of(row, targets)
        if new != row["tier"]:
            conn.execute(update(C).where(C.c.id == row["id"]).values(tier=new, updated_at=at))
            changed += 1
    return changed


# -- contacts ------------------------------------------------------------------------------------------


def clean_contact(values: Mapping[str, Any], *, region: str) -> dict[str, Any]:
    out: dict[str, Any] = {"name": fields.required_text("contacts", "name", values["name"], field="name")}
    if values.get("title"):
        out["title"] = fields.text("contacts", "title", values["title"], field="--title")
    if values.get("email"):
        out["email"], out["email_key"] = normalize_email(values["email"], field="--email")
    if values.get("phone"):
        out["phone"], out["phone_key"] = normalize_phone(values["phone"], region=region, field="--phone")
    return out


def add_contact(conn: Connection, *, customer_id: int, values: Mapping[str, Any], region: str, at: datetime,
                actor: str | None) -> int:
    customer = fetch(conn, C, customer_id, "customer")
    ensure_can_change(conn, owner_id=customer["owner_id"], actor=actor, what=f"customer {customer_id}")
    row = clean_contact(values, region=region)
    if row.get("email_key"):
        dup = conn.execute(select(K.c.id).where(K.c.customer_id == customer_id,
                                                K.c.email_key == row["email_key"])).first()
        if dup:
            raise PolicyError(f"customer {customer_id} already has a contact with email {row['email']} "
                              f"(contact {dup[0]})")
    row.update(customer_id=customer_id, created_at=at)
    contact_id = insert_id(conn, K, row)
    audit(conn, at=at, rep=actor, entity="contact", entity_id=contact_id, action="create", after=row)
    return contact_id


def contact_list(conn: Connection, *, customer_id: int | None = None, search: str | None = None,
                 limit: int | None = None) -> list[dict[str, Any]]:
    query = (select(K.c.id, K.c.customer_id, C.c.name.label("customer"), K.c.name, K.c.title, K.c.email,
                    K.c.phone, K.c.created_at)
             .select_from(K.join(C, C.c.id == K.c.customer_id)).order_by(K.c.customer_id, K.c.id))
    if customer_id is not None:
        query = query.where(K.c.customer_id == customer_id)
    if search:
        from salescli.services.search import ESCAPE, contains_pattern

        like = contains_pattern(search.strip())
        query = query.where(or_(K.c.name.ilike(like, escape=ESCAPE), K.c.email.ilike(like, escape=ESCAPE),
                                C.c.name.ilike(like, escape=ESCAPE)))
    if limit:
        query = query.limit(limit)
    return [dict(row) for row in conn.execute(query).mappings()]
