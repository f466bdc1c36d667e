"""The product catalog."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, func, or_, select, update

from salescli import models
from salescli.domain import catalog as rules
from salescli.domain import fields
from salescli.domain.money import parse_amount, to_minor
from salescli.domain.needs import Product
from salescli.errors import InputError, NotFound, PolicyError
from salescli.i18n import _
from salescli.services.audit import audit
from salescli.services.authz import Actor
from salescli.services.rows import insert_id, money_fields

P = models.products


def clean_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        if key == "name":
            out["name"] = fields.required_text("products", "name", value, field="--name")
        elif key == "category":
            out["category"] = fields.text("products", "category", value, field="--category")
        elif key in ("description", "spec", "unit"):
            out[key] = fields.text("products", key, value, field=f"--{key}")
        elif key in ("price", "cost"):
            out[f"{key}_minor"] = to_minor(parse_amount(value, field=f"--{key}"))
        elif key == "lead_time_days":
            out["lead_time_days"] = rules.parse_lead_time(value)
        elif key == "active":
            out["active"] = bool(value)
        else:
            raise InputError(_("unknown product field {key!r}").format(key=key))
    return out


def add(conn: Connection, *, sku: str, values: Mapping[str, Any], at: datetime, actor: Actor | None) -> str:
    sku = rules.parse_sku(sku)
    row = clean_fields(values)
    missing = [f"--{k}" for k in ("name", "price", "cost") if (k if k == "name" else f"{k}_minor") not in row]
    if missing:
        raise InputError(_("missing {options}").format(options=", ".join(missing)))
    if conn.execute(select(P.c.id).where(P.c.sku == sku)).first():
        raise PolicyError(_("product {sku} already exists (use 'salescli product update {sku}')").format(sku=sku))
    row.setdefault("lead_time_days", 0)
    row.update(sku=sku, active=True, created_at=at, updated_at=at)
    insert_id(conn, P, row)
    audit(conn, at=at, rep=actor.handle if actor else None, entity="product", entity_id=sku, action="create", after=row)
    return sku


def _select() -> Select[Any]:
    return select(P.c.id, P.c.sku, P.c.name, P.c.category, P.c.price_minor, P.c.cost_minor, P.c.lead_time_days,
                  P.c.active, P.c.description, P.c.spec, P.c.unit, P.c.created_at, P.c.updated_at)


def _record(row: Mapping[Any, Any]) -> dict[str, Any]:
    record = money_fields(row)
    price, cost = record["price"], record["cost"]
    record["margin"] = round(float((price - cost) / price), 4) if price else None
    return record


def get(conn: Connection, sku: str) -> dict[str, Any]:
    key = rules.parse_sku(sku)
    row = conn.execute(_select().where(P.c.sku == key)).mappings().first()
    if row is None:
        raise NotFound(rules.unknown_sku_message(key, all_skus(conn)))
    return _record(row)


def all_skus(conn: Connection) -> list[str]:
    return list(conn.execute(select(P.c.sku).order_by(P.c.sku)).scalars())


def update_product(conn: Connection, sku: str, *, values: Mapping[str, Any], at: datetime,
                   actor: Actor | None) -> dict[str, Any]:
    before = get(conn, sku)
    changes = clean_fields(values)
    if not changes:
        raise InputError(_("nothing to update: give at least one field option (see --help)"))
    changes["updated_at"] = at
    conn.execute(update(P).where(P.c.id == before["id"]).values(**changes))
    after = get(conn, sku)
    audit(conn, at=at, rep=actor.handle if actor else None, entity="product", entity_id=before["sku"],
          action="update", before=before, after=after)
    return after


def listing(conn: Connection, *, category: str | None = None, search: str | None = None,
            include_inactive: bool = False, limit: int | None = None) -> list[dict[str, Any]]:
    query = _select().order_by(P.c.category, P.c.sku)
    if not include_inactive:
        query = query.where(P.c.active.is_(True))
    if category:
        query = query.where(func.lower(P.c.category) == category.strip().lower())
    if search:
        from salescli.services.search import ESCAPE, contains_pattern

        like = contains_pattern(search.strip())
        query = query.where(or_(P.c.sku.ilike(like, escape=ESCAPE), P.c.name.ilike(like, escape=ESCAPE),
                                P.c.category.ilike(like, escape=ESCAPE), P.c.description.ilike(like, escape=ESCAPE)))
    if limit:
        query = query.limit(limit)
    return [_record(row) for row in conn.execute(query).mappings()]


def as_domain(record: Mapping[str, Any]) -> Product:
    return Product(sku=record["sku"], name=record["name"], category=record["category"], price=record["price"],
                   cost=record["cost"], lead_time_days=record["lead_time_days"], active=bool(record["active"]))


def resolve(conn: Connection, skus: Iterable[str]) -> dict[str, dict[str, Any]]:
    """SKU → product record for every SKU given; an unknown SKU is an input error with close matches."""
    wanted = {rules.parse_sku(s) for s in skus}
    found = {r["sku"]: _record(r) for r in conn.execute(_select().where(P.c.sku.in_(wanted))).mappings()}
    for sku in sorted(wanted - set(found)):
        raise InputError(rules.unknown_sku_message(sku, all_skus(conn)))
    return found


def catalog(conn: Connection) -> list[Product]:
    return [as_domain(_record(r)) for r in conn.execute(_select().where(P.c.active.is_(True))).mappings()]

