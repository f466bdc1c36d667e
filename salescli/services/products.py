"""The product catalog."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Select, func, or_, select, update

from salescli import models, records
from salescli.domain import catalog as rules
from salescli.domain import fields, needs
from salescli.domain.money import parse_amount, to_minor
from salescli.errors import InputError, NotFound, PolicyError
from salescli.i18n import _
from salescli.services.audit import audit
from salescli.services.authz import Actor
from salescli.services.rows import insert_id, money_fields

Product = models.products


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
    if conn.execute(select(Product.c.id).where(Product.c.sku == sku)).first():
        raise PolicyError(_("product {sku} already exists (use 'salescli product update {sku}')").format(sku=sku))
    row.setdefault("lead_time_days", 0)
    row.update(sku=sku, active=True, created_at=at, updated_at=at)
    insert_id(conn, Product, row)
    audit(conn, at=at, rep=actor.handle if actor else None, entity="product", entity_id=sku, action="create", after=row)
    return sku


def _select() -> Select[Any]:
    return select(Product.c.id, Product.c.sku, Product.c.name, Product.c.category, Product.c.price_minor,
                  Product.c.cost_minor, Product.c.lead_time_days, Product.c.active, Product.c.description,
                  Product.c.spec, Product.c.unit, Product.c.created_at, Product.c.updated_at)


def _record(row: Mapping[Any, Any]) -> records.Product:
    record = money_fields(row)
    price, cost = record["price"], record["cost"]
    record["margin"] = round(float((price - cost) / price), 4) if price else None
    return cast(records.Product, record)


def get(conn: Connection, sku: str) -> records.Product:
    key = rules.parse_sku(sku)
    row = conn.execute(_select().where(Product.c.sku == key)).mappings().first()
    if row is None:
        raise NotFound(rules.unknown_sku_message(key, all_skus(conn)))
    return _record(row)


def all_skus(conn: Connection) -> list[str]:
    return list(conn.execute(select(Product.c.sku).order_by(Product.c.sku)).scalars())


def update_product(conn: Connection, sku: str, *, values: Mapping[str, Any], at: datetime,
                   actor: Actor | None) -> records.Product:
    before = get(conn, sku)
    changes = clean_fields(values)
    if not changes:
        raise InputError(_("nothing to update: give at least one field option (see --help)"))
    changes["updated_at"] = at
    conn.execute(update(Product).where(Product.c.id == before["id"]).values(**changes))
    after = get(conn, sku)
    audit(conn, at=at, rep=actor.handle if actor else None, entity="product", entity_id=before["sku"],
          action="update", before=before, after=after)
    return after


def listing(conn: Connection, *, category: str | None = None, search: str | None = None,
            include_inactive: bool = False, limit: int | None = None) -> list[records.Product]:
    query = _select().order_by(Product.c.category, Product.c.sku)
    if not include_inactive:
        query = query.where(Product.c.active.is_(True))
    if category:
        query = query.where(func.lower(Product.c.category) == category.strip().lower())
    if search:
        from salescli.services.search import ESCAPE, contains_pattern

        like = contains_pattern(search.strip())
        query = query.where(or_(Product.c.sku.ilike(like, escape=ESCAPE), Product.c.name.ilike(like, escape=ESCAPE),
                                Product.c.category.ilike(like, escape=ESCAPE),
                                Product.c.description.ilike(like, escape=ESCAPE)))
    if limit:
        query = query.limit(limit)
    return [_record(row) for row in conn.execute(query).mappings()]


def as_domain(record: Mapping[str, Any]) -> needs.Product:
    return needs.Product(sku=record["sku"], name=record["name"], category=record["category"], price=record["price"],
                   cost=record["cost"], lead_time_days=record["lead_time_days"], active=bool(record["active"]))


def resolve(conn: Connection, skus: Iterable[str]) -> dict[str, records.Product]:
    """SKU → product record for every SKU given; an unknown SKU is an input error with close matches."""
    wanted = {rules.parse_sku(s) for s in skus}
    found = {r["sku"]: _record(r) for r in conn.execute(_select().where(Product.c.sku.in_(wanted))).mappings()}
    for sku in sorted(wanted - set(found)):
        raise InputError(rules.unknown_sku_message(sku, all_skus(conn)))
    return found


def catalog(conn: Connection) -> list[needs.Product]:
    return [as_domain(_record(r)) for r in conn.execute(_select().where(Product.c.active.is_(True))).mappings()]

