"""Needs confirmation: what makes confirmed needs real and feasible, and which products fit them.

Everything works on plain values so it can be tested without a database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from salescli.domain.catalog import ItemSpec
from salescli.domain.money import format_money, round_money
from salescli.errors import InputError
from salescli.i18n import _


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    category: str | None
    price: Decimal
    cost: Decimal
    lead_time_days: int
    active: bool = True


@dataclass(frozen=True)
class Item:
    product: Product
    qty: int
    target_price: Decimal | None = None


@dataclass(frozen=True)
class Finding:
    """One feasibility problem: ``kind`` for scripts, ``message`` for people."""

    kind: str
    message: str
    sku: str | None = None


def list_value(items: Iterable[Item]) -> Decimal:
    return round_money(sum((i.product.price * i.qty for i in items), Decimal(0)))


def earliest_delivery(item: Item, today: date) -> date:
    return today + timedelta(days=item.product.lead_time_days)


def findings(items: Sequence[Item], *, budget: Decimal | None, deliver_by: date | None, today: date) -> list[Finding]:
    """Why the needs may not be feasible: lead times, budget, inactive products, prices below cost."""
    out: list[Finding] = []
    if deliver_by is not None and deliver_by < today:
        out.append(Finding("deadline_past", f"deliver-by {deliver_by.isoformat()} is before today "
                                            f"({today.isoformat()})"))
    for item in items:
        p = item.product
        if not p.active:
            out.append(Finding("inactive", f"{p.sku} ({p.name}) is no longer sold (inactive)", p.sku))
        if deliver_by is not None and today <= deliver_by < earliest_delivery(item, today):
            days = (deliver_by - today).days
            out.append(Finding(
                "lead_time",
                f"{p.sku} ({p.name}) needs {p.lead_time_days} days lead time, but deliver-by "
                f"{deliver_by.isoformat()} is {days} days away (earliest {earliest_delivery(item, today).isoformat()})",
                p.sku))
        if item.target_price is not None and item.target_price < p.cost:
            out.append(Finding("below_cost", f"{p.sku} target price {format_money(item.target_price)} is below cost "
                                             f"{format_money(p.cost)}", p.sku))
    value = list_value(items)
    if budget is not None and items and budget < value:
        out.append(Finding("budget", f"budget {format_money(budget)} is below the list value {format_money(value)} of "
                                     f"the items (short by {format_money(value - budget)})"))
    return out


@dataclass(frozen=True)
class Recommendation:
    for_sku: str | None
    product: Product
    qty: int
    line_value: Decimal
    fits_budget: bool
    fits_deadline: bool
    reason: str


def recommend(items: Sequence[Item], catalog: Iterable[Product], *, budget: Decimal | None,
              deliver_by: date | None, today: date, limit: int = 20) -> list[Recommendation]:
    """Catalog products that fit the confirmed needs, best first.

    For every requested item, the candidates are the active products of its category (the item itself
    included). Each is judged for that item's quantity against the item's share of the budget (its target
    price × qty if given, else the budget split by list value) and against the deliver-by date. Order: fits
    both, then fits the deadline, then fits the budget; within that the cheapest line first.
    """
    catalog = [p for p in catalog if p.active]
    total_list = list_value(items)
    out: list[Recommendation] = []
    seen: set[tuple[str, str]] = set()
    for item in items:
        if item.target_price is not None:
            share: Decimal | None = item.target_price * item.qty
        elif budget is not None and total_list > 0:
            share = budget * (item.product.price * item.qty) / total_list
        else:
            share = None
        category = item.product.category
        candidates = [p for p in catalog if p.sku == item.product.sku or (category and p.category == category)]
        for p in candidates:
            if (item.product.sku, p.sku) in seen:
                continue
            seen.add((item.product.sku, p.sku))
            line = round_money(p.price * item.qty)
            fits_budget = share is None or line <= round_money(share)
            fits_deadline = deliver_by is None or today + timedelta(days=p.lead_time_days) <= deliver_by
            reasons = ["requested" if p.sku == item.product.sku else f"same category as {item.product.sku}"]
            over = f"over its budget share {format_money(round_money(share or Decimal(0)))}"
            reasons.append("within budget" if fits_budget else over)
            reasons.append("in time" if fits_deadline else f"{p.lead_time_days} days lead time is too long")
            out.append(Recommendation(item.product.sku, p, item.qty, line, fits_budget, fits_deadline,
                                      "; ".join(reasons)))
    out.sort(key=lambda r: (not (r.fits_budget and r.fits_deadline), not r.fits_deadline, not r.fits_budget,
                            r.line_value, r.product.sku))
    return out[:limit]


@dataclass
class Intake:
    """What a rep states as the customer's needs, from flags, a file or prompts (not yet checked against
    the catalog)."""

    items: list[ItemSpec]
    budget: Decimal | None = None
    deliver_by: date | None = None
    decision_maker: str | None = None
    notes: str | None = None

    def missing(self) -> list[str]:
        """The required fields still missing, named as their flags."""
        out = []
        if not self.items:
            out.append("--item")
        if self.budget is None:
            out.append("--budget")
        if self.deliver_by is None:
            out.append("--deliver-by")
        return out

    def merged(self, other: Intake) -> Intake:
        """This intake with ``other``'s values where this one has none (flags over file)."""
        return Intake(items=self.items or other.items,
                      budget=self.budget if self.budget is not None else other.budget,
                      deliver_by=self.deliver_by or other.deliver_by,
                      decision_maker=self.decision_maker or other.decision_maker,
                      notes=self.notes or other.notes)


def intake_from_mapping(data: object, *, today: date, source: str) -> Intake:
    """Validate a needs file (JSON or YAML already parsed). Every problem names the file and the field.

    Shape: ``{"items": [{"sku": "A-1", "qty": 2, "target_price": "99.50", "spec": "..."}], "budget": "5000",
    "deliver_by": "2026-12-20", "decision_maker": "...", "notes": "..."}``.
    """
    from salescli.domain import fields
    from salescli.domain.catalog import parse_qty, parse_sku
    from salescli.domain.dates import parse_date
    from salescli.domain.money import parse_amount

    if not isinstance(data, dict):
        raise InputError(_("{source}: expected an object with items, budget, deliver_by...").format(source=source))
    unknown = sorted(set(data) - {"items", "budget", "deliver_by", "decision_maker", "notes"})
    if unknown:
        raise InputError(_("{source}: unknown field(s) {fields}").format(source=source,
                                                                         fields=", ".join(map(str, unknown))))
    items: list[ItemSpec] = []
    raw_items = data.get("items") or []
    if not isinstance(raw_items, list):
        raise InputError(_("{source}: items must be a list").format(source=source))
    for n, raw in enumerate(raw_items, 1):
        where = f"{source}: items[{n}]"
        if not isinstance(raw, dict) or "sku" not in raw or "qty" not in raw:
            raise InputError(_("{where}: needs sku and qty").format(where=where))
        if isinstance(raw["qty"], bool) or not isinstance(raw["qty"], (int, str)):
            raise InputError(_("{where}.qty: {value!r} is not a whole number").format(where=where, value=raw["qty"]))
        price = raw.get("target_price")
        if isinstance(price, float):
            raise InputError(_("{where}.target_price: write amounts as strings (\"99.50\") so no cent is lost")
                             .format(where=where))
        spec = raw.get("spec")
        items.append(ItemSpec(
            sku=parse_sku(str(raw["sku"]), field=f"{where}.sku"),
            qty=parse_qty(raw["qty"], field=f"{where}.qty"),
            target_price=parse_amount(price, field=f"{where}.target_price") if price not in (None, "") else None,
            spec=fields.text("need_items", "spec", str(spec), field=f"{where}.spec") if spec else None,
        ))
    budget = data.get("budget")
    if isinstance(budget, float):
        raise InputError(_("{source}: budget: write amounts as strings (\"5000.00\") so no cent is lost")
                         .format(source=source))
    deliver_by = data.get("deliver_by")
    if isinstance(deliver_by, date):  # YAML reads 2026-12-20 as a date already
        deliver_by = deliver_by.isoformat()
    return Intake(
        items=items,
        budget=parse_amount(budget, field=f"{source}: budget") if budget not in (None, "") else None,
        deliver_by=parse_date(str(deliver_by), today=today, field=f"{source}: deliver_by") if deliver_by else None,
        decision_maker=fields.text("needs", "decision_maker", str(data["decision_maker"]),
                                   field=f"{source}: decision_maker")
        if data.get("decision_maker") else None,
        notes=fields.text("needs", "notes", str(data["notes"]), field=f"{source}: notes")
        if data.get("notes") else None,
    )


def duplicate_skus(items: Sequence[ItemSpec]) -> list[str]:
    seen: set[str] = set()
    dups = []
    for item in items:
        if item.sku in seen and item.sku not in dups:
            dups.append(item.sku)
        seen.add(item.sku)
    return dups
