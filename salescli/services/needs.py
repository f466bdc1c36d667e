"""Needs confirmation (step 3): store what the customer needs, with its feasibility findings."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import cast

from sqlalchemy import Connection, insert, select, update

from salescli import models, records
from salescli.domain import needs as rules
from salescli.domain.money import from_minor, round_money, to_minor
from salescli.errors import InputError, NotFound
from salescli.i18n import _
from salescli.services import deals, products
from salescli.services.audit import audit
from salescli.services.authz import Actor, handle_of, id_of
from salescli.services.rows import insert_id

Need = models.needs
NeedItem = models.need_items
Product = models.products
Rep = models.reps


def check(conn: Connection, intake: rules.Intake, *,
          today: datetime) -> tuple[dict[str, records.Product], list[rules.Finding]]:
    """Resolve the SKUs (unknown → exit 2 with close matches) and compute the findings, writing nothing.

    Returns the catalog records by SKU and the findings.
    """
    dups = rules.duplicate_skus(intake.items)
    if dups:
        raise InputError(_("--item: {skus} listed more than once; give each SKU once with its total").format(
            skus=", ".join(dups)))
    catalog = products.resolve(conn, [i.sku for i in intake.items])
    items = [rules.Item(products.as_domain(catalog[i.sku]), i.qty, i.target_price) for i in intake.items]
    return catalog, rules.findings(items, budget=intake.budget, deliver_by=intake.deliver_by, today=today.date())


def confirm(conn: Connection, deal_id: int, intake: rules.Intake, *, at: datetime,
            actor: Actor | None) -> records.Needs:
    """Store confirmed needs for an open deal (replacing earlier ones) and move it to needs_confirmed."""
    missing = intake.missing()
    if missing:
        raise InputError(_("missing {options}").format(options=", ".join(missing)))
    assert intake.budget is not None
    deal = deals.get_open(conn, deal_id, actor=actor, at=at, doing=_("deal {id}: needs confirmed").format(id=deal_id))
    catalog, findings = check(conn, intake, today=at)
    conn.execute(update(Need).where(Need.c.deal_id == deal_id, Need.c.status == "confirmed")
                 .values(status="superseded"))
    needs_id = insert_id(conn, Need, {
        "deal_id": deal_id, "status": "confirmed", "budget_minor": to_minor(intake.budget),
        "deliver_by": intake.deliver_by, "decision_maker": intake.decision_maker, "notes": intake.notes,
        "findings": json.dumps([f.__dict__ for f in findings], ensure_ascii=False), "confirmed_at": at,
        "rep_id": id_of(actor)})
    conn.execute(insert(NeedItem), [
        {"needs_id": needs_id, "product_id": catalog[spec.sku]["id"], "sku": spec.sku, "spec": spec.spec,
         "qty": spec.qty, "target_price_minor": to_minor(spec.target_price) if spec.target_price is not None else None}
        for spec in intake.items])
    # the stated budget is the deal's value until it has a quote (services/deals.value_column): nothing to copy
    deals.advance(conn, deal, "needs_confirmed", at=at, note="needs confirmed", actor=actor,
                  doing=_("deal {id}: needs confirmed").format(id=deal_id))
    audit(conn, at=at, rep=handle_of(actor), entity="needs", entity_id=needs_id, action="confirm",
          after={"deal_id": deal_id, "items": [f"{i.sku}:{i.qty}" for i in intake.items],
                 "budget": str(intake.budget), "deliver_by": intake.deliver_by})
    return get(conn, deal_id)


def get(conn: Connection, deal_id: int) -> records.Needs:
    """The deal's current confirmed needs, with items priced from the catalog and the stored findings."""
    row = conn.execute(
        select(Need, Rep.c.handle.label("rep"), models.deals.c.title.label("deal"))
        .select_from(Need.join(models.deals, models.deals.c.id == Need.c.deal_id)
                     .outerjoin(Rep, Rep.c.id == Need.c.rep_id))
        .where(Need.c.deal_id == deal_id, Need.c.status == "confirmed").order_by(Need.c.id.desc())).mappings().first()
    if row is None:
        deals_exists = conn.execute(select(models.deals.c.id).where(models.deals.c.id == deal_id)).first()
        if not deals_exists:
            raise NotFound(_("deal {id} not found").format(id=deal_id))
        raise NotFound(_("deal {id} has no confirmed needs yet (salescli needs confirm {id})").format(id=deal_id))
    items: list[records.NeedItem] = []
    for item in conn.execute(
            select(NeedItem.c.sku, Product.c.name, Product.c.category, NeedItem.c.spec, NeedItem.c.qty,
                   NeedItem.c.target_price_minor, Product.c.price_minor, Product.c.lead_time_days, Product.c.active)
            .select_from(NeedItem.outerjoin(Product, Product.c.id == NeedItem.c.product_id))
            .where(NeedItem.c.needs_id == row["id"])
            .order_by(NeedItem.c.id)).mappings():
        price = from_minor(item["price_minor"])
        assert price is not None
        items.append({"sku": item["sku"], "name": item["name"], "category": item["category"], "spec": item["spec"],
                      "qty": item["qty"], "target_price": from_minor(item["target_price_minor"]),
                      "list_price": price, "line_value": round_money(price * item["qty"]),
                      "lead_time_days": item["lead_time_days"]})
    findings = cast(list[records.Finding], json.loads(row["findings"] or "[]"))
    return {
        "id": row["id"], "deal_id": deal_id, "deal": row["deal"], "status": row["status"], "items": items,
        "budget": from_minor(row["budget_minor"]),
        "list_value": sum((i["line_value"] for i in items), Decimal("0.00")),
        "deliver_by": row["deliver_by"], "decision_maker": row["decision_maker"], "notes": row["notes"],
        "findings": findings, "confirmed_at": row["confirmed_at"], "rep": row["rep"],
    }


def recommend(conn: Connection, deal_id: int, *, today: datetime, limit: int) -> list[records.Recommendation]:
    current = get(conn, deal_id)
    catalog = products.resolve(conn, [i["sku"] for i in current["items"]])
    items = [rules.Item(products.as_domain(catalog[i["sku"]]), i["qty"], i["target_price"]) for i in current["items"]]
    found = rules.recommend(items, products.catalog(conn), budget=current["budget"], deliver_by=current["deliver_by"],
                            today=today.date(), limit=limit)
    return [{"for_sku": r.for_sku, "sku": r.product.sku, "name": r.product.name, "category": r.product.category,
             "price": r.product.price, "qty": r.qty, "line_value": r.line_value,
             "lead_time_days": r.product.lead_time_days, "fits_budget": r.fits_budget,
             "fits_deadline": r.fits_deadline, "reason": r.reason} for r in found]
