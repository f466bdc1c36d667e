"""Customers and their contacts (step 1, customer analysis)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Connection, Select, func, select, update

from salescli import models, records
from salescli.domain import customers as rules
from salescli.domain import fields
from salescli.domain.identity import name_key, normalize_email, normalize_phone, parse_tax_id
from salescli.domain.money import from_minor, parse_amount, round_money, to_minor
from salescli.errors import InputError, PolicyError
from salescli.i18n import _
from salescli.services.audit import audit
from salescli.services.authz import Actor, handle_of, require_owner
from salescli.services.merge import refuse_merged
from salescli.services.rows import fetch, insert_id, money_fields

Customer = models.customers
Rep = models.reps
Contact = models.contacts

EDITABLE = ("name", "industry", "size", "city", "region", "budget", "preferences", "competitors", "notes",
            "legal_name", "address", "tax_id")


def clean_fields(values: Mapping[str, Any], *, industries: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Validate customer fields as typed by a user; returns column values (money in minor units). The industry is
    stored as its canonical key (``industries``: the team's own aliases, folded alias → key)."""
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
        elif key == "industry":
            industry = rules.parse_industry(value, industries)
            out["industry"] = fields.text("customers", key, industry, field="--industry") if industry else None
        elif key in ("preferences", "notes", "city", "region", "legal_name", "address"):
            out[key] = fields.text("customers", key, value, field=f"--{key.replace('_', '-')}")
        elif key == "tax_id":
            out["tax_id"] = parse_tax_id(value, field="--tax-id") if value.strip() else None
        else:
            raise InputError(_("unknown customer field {key!r}").format(key=key))
    return out


def tier_of(values: Mapping[Any, Any], targets: Iterable[str]) -> str:
    return rules.tier(budget=from_minor(values.get("budget_minor")), size=values.get("size"),
                      industry=values.get("industry"), competitors=values.get("competitors"),
                      target_industries=targets)


def find_by_name(conn: Connection, name: str) -> dict[str, Any] | None:
    """The customer with this name (folded); one merged into another leads to the one kept."""
    row = conn.execute(select(Customer).where(Customer.c.name_key == name_key(name))
                       .order_by(Customer.c.merged_into.is_not(None), Customer.c.id)).mappings().first()
    for _step in range(100):  # (a chain of merges: kept records are never merged themselves, but be safe)
        if row is None or row["merged_into"] is None:
            break
        row = conn.execute(select(Customer).where(Customer.c.id == row["merged_into"])).mappings().first()
    return dict(row) if row else None


def add(conn: Connection, *, values: Mapping[str, Any], owner_id: int | None, at: datetime,
        actor: Actor | None, targets: Iterable[str], allow_duplicate: bool = False,
        industries: Mapping[str, str] | None = None) -> int:
    row = clean_fields(values, industries=industries)
    if "name" not in row:
        raise InputError(_("name is required"))
    existing = find_by_name(conn, row["name"])
    if existing and not allow_duplicate:
        raise PolicyError(_("customer {name!r} already exists (id {id}); "
                            "use --allow-duplicate to add another with the same name").format(
            name=existing["name"], id=existing["id"]))
    row.update(owner_id=owner_id, created_at=at, updated_at=at)
    row["tier"] = tier_of(row, targets)
    customer_id = insert_id(conn, Customer, row)
    _search().index(conn, "customer", customer_id, row)
    audit(conn, at=at, rep=handle_of(actor), entity="customer", entity_id=customer_id, action="create", after=row)
    return customer_id


def update_customer(conn: Connection, customer_id: int, *, values: Mapping[str, Any], owner_id: int | None,
                    at: datetime, actor: Actor | None, targets: Iterable[str],
                    industries: Mapping[str, str] | None = None) -> records.CustomerDetail:
    before = fetch(conn, Customer, customer_id, "customer")
    refuse_merged(before, "customer")
    require_owner(conn, actor, before["owner_id"], _("customer {id}").format(id=customer_id))
    changes = clean_fields(values, industries=industries)
    if owner_id is not None:
        changes["owner_id"] = owner_id
    if not changes:
        raise InputError(_("nothing to update: give at least one field option (see --help)"))
    after = {**before, **changes}
    changes["tier"] = tier_of(after, targets)
    changes["updated_at"] = at
    conn.execute(update(Customer).where(Customer.c.id == customer_id).values(**changes))
    _search().reindex_one(conn, "customer", customer_id, before, {**before, **changes})
    audit(conn, at=at, rep=handle_of(actor), entity="customer", entity_id=customer_id, action="update",
          before=before, after={**before, **changes})
    return get(conn, customer_id)


def _select() -> Select[Any]:
    contacts = (select(func.count()).where(Contact.c.customer_id == Customer.c.id).correlate(Customer)
                .scalar_subquery())
    return (select(Customer.c.id, Customer.c.name, Customer.c.industry, Customer.c.size, Customer.c.city,
                   Customer.c.region, Customer.c.budget_minor, Customer.c.tier, Rep.c.handle.label("owner"),
                   Customer.c.competitors, Customer.c.preferences, Customer.c.notes, contacts.label("contacts"),
                   Customer.c.legal_name, Customer.c.address, Customer.c.tax_id, Customer.c.created_at,
                   Customer.c.updated_at, Customer.c.merged_into)
            .select_from(Customer.outerjoin(Rep, Rep.c.id == Customer.c.owner_id)))


def get(conn: Connection, customer_id: int) -> records.CustomerDetail:
    fetch(conn, Customer, customer_id, "customer")
    row = conn.execute(_select().where(Customer.c.id == customer_id)).mappings().one()
    record = money_fields(row)
    record["contacts"] = contact_list(conn, customer_id=customer_id)
    return cast(records.CustomerDetail, record)


def listing(conn: Connection, *, tier: str | None = None, industry: str | None = None, city: str | None = None,
            owner_id: int | None = None, search: str | None = None, limit: int | None = None,
            industries: Mapping[str, str] | None = None, merged: bool = False) -> list[records.Customer]:
    """Customers, best tier and biggest budget first; one merged into another only with ``merged``."""
    query = _select()
    if not merged:
        query = query.where(Customer.c.merged_into.is_(None))
    if tier:
        query = query.where(Customer.c.tier == tier.upper())
    if industry:  # any name of the industry finds it: 软件, 软件业, software
        query = query.where(Customer.c.industry == rules.parse_industry(industry, industries))
    if city:
        query = query.where(Customer.c.city == city.strip())
    if owner_id is not None:
        query = query.where(Customer.c.owner_id == owner_id)
    if search:
        query = query.where(_search().condition("customer", search, Customer.c.id,
                                                (Customer.c.name, Customer.c.name_key, Customer.c.industry,
                                                 Customer.c.city)))
    query = query.order_by(Customer.c.tier, Customer.c.budget_minor.desc(), Customer.c.id)
    if limit:
        query = query.limit(limit)
    return [cast(records.Customer, money_fields(row)) for row in conn.execute(query).mappings()]


BREAKDOWNS = ("tier", "industry", "city", "size", "region", "owner")


def breakdown(conn: Connection, by: str) -> list[dict[str, Any]]:
    """Counts and budget totals per value of ``by``, aggregated in SQL, largest first."""
    if by not in BREAKDOWNS:
        raise InputError(_("--by: {by!r} is not one of {choices}").format(by=by, choices=", ".join(BREAKDOWNS)))
    column = Rep.c.handle if by == "owner" else Customer.c[by]
    total = func.coalesce(func.sum(Customer.c.budget_minor), 0)
    query = (select(column.label("key"), func.count().label("customers"), total.label("budget_minor"),
                    func.count(Customer.c.budget_minor).label("with_budget"))
             .select_from(Customer.outerjoin(Rep, Rep.c.id == Customer.c.owner_id))
             .where(Customer.c.merged_into.is_(None)).group_by(column))
    query = query.order_by(column) if by == "tier" else query.order_by(func.count().desc(), total.desc(), column)
    rows = []
    grand = conn.execute(select(func.count()).select_from(Customer)
                         .where(Customer.c.merged_into.is_(None))).scalar_one() or 0
    for row in conn.execute(query).mappings():
        budget = Decimal(int(row["budget_minor"])) / 100
        rows.append({by: row["key"] if row["key"] is not None else "(none)", "customers": row["customers"],
                     "share": round(row["customers"] / grand, 4) if grand else None,
                     "budget": round_money(budget),
                     "avg_budget": round_money(budget / row["with_budget"]) if row["with_budget"] else None})
    return rows


def retier(conn: Connection, *, targets: Iterable[str], at: datetime,
           industries: Mapping[str, str] | None = None) -> int:
    """Recompute every customer's tier (after the rule's config changed), storing each industry as its canonical
    key (after the team's aliases changed); returns how many customers changed."""
    targets = list(targets)
    changed = 0
    for row in conn.execute(select(Customer.c.id, Customer.c.budget_minor, Customer.c.size, Customer.c.industry,
                                   Customer.c.competitors, Customer.c.tier)).mappings().all():
        industry = rules.parse_industry(row["industry"], industries)
        if industry is not None and len(industry) > fields.length("customers", "industry"):
            industry = row["industry"]
        new = tier_of({**row, "industry": industry}, targets)
        if new != row["tier"] or industry != row["industry"]:
            conn.execute(update(Customer).where(Customer.c.id == row["id"])
                         .values(tier=new, industry=industry, updated_at=at))
            changed += 1
    return changed


def merge(conn: Connection, keep_id: int, other_id: int, *, at: datetime, actor: Actor | None,
          targets: Iterable[str], dry_run: bool = False) -> dict[str, Any]:
    """``customer merge``: the other customer's contacts, leads, deals, tasks, tickets and surveys move to the kept
    one, which takes the other's profile fields where it has none (and is tiered again); the other is marked merged
    (services/merge.py)."""
    from salescli.services import merge as merging

    targets = list(targets)

    def retier(_: Connection, row: dict[str, Any]) -> dict[str, Any]:
        return {"tier": tier_of(row, targets)}

    return merging.merge(conn, Customer, keep_id, other_id, at=at, actor=actor, dry_run=dry_run, after_fill=retier,
                         kind="customer")


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
                actor: Actor | None) -> int:
    customer = fetch(conn, Customer, customer_id, "customer")
    refuse_merged(customer, "customer")
    require_owner(conn, actor, customer["owner_id"], _("customer {id}").format(id=customer_id))
    row = clean_contact(values, region=region)
    if row.get("email_key"):
        dup = conn.execute(select(Contact.c.id).where(Contact.c.customer_id == customer_id,
                                                      Contact.c.email_key == row["email_key"])).first()
        if dup:
            raise PolicyError(_("customer {id} already has a contact with email {email} (contact {contact})").format(
                id=customer_id, email=row["email"], contact=dup.id))
    row.update(customer_id=customer_id, created_at=at)
    contact_id = insert_id(conn, Contact, row)
    _search().index(conn, "contact", contact_id, row)
    audit(conn, at=at, rep=handle_of(actor), entity="contact", entity_id=contact_id, action="create", after=row)
    return contact_id


def contact_list(conn: Connection, *, customer_id: int | None = None, search: str | None = None,
                 limit: int | None = None) -> list[records.Contact]:
    query = (select(Contact.c.id, Contact.c.customer_id, Customer.c.name.label("customer"), Contact.c.name,
                    Contact.c.title, Contact.c.email, Contact.c.phone, Contact.c.created_at)
             .select_from(Contact.join(Customer, Customer.c.id == Contact.c.customer_id))
             .order_by(Contact.c.customer_id, Contact.c.id))
    if customer_id is not None:
        query = query.where(Contact.c.customer_id == customer_id)
    if search:
        query = query.where(_search().condition("contact", search, Contact.c.id,
                                                (Contact.c.name, Contact.c.email, Customer.c.name),
                                                customer_id=Contact.c.customer_id))
    if limit:
        query = query.limit(limit)
    return [cast(records.Contact, dict(row)) for row in conn.execute(query).mappings()]


def _search() -> Any:
    """The search index (services/search.py), kept in step with every customer and contact written here."""
    from salescli.services import search

    return search
