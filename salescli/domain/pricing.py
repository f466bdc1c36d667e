"""Quote math in Decimal, rounded half-up to the cent at each step in PRODUCT.md's order, and the discount
policy that decides when a manager must approve.

    line net = qty × unit price × (1 − line discount)      → rounded
    subtotal = Σ line nets
    discount = subtotal × quote discount                   → rounded
    net      = subtotal − discount
    tax      = net × tax rate                              → rounded
    total    = net + tax
    effective discount = 1 − net / Σ qty × catalog price
    margin             = (net − Σ qty × unit cost) / net
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from salescli.domain.catalog import MAX_QTY, parse_qty, parse_sku
from salescli.domain.money import MAX_AMOUNT, parse_amount, parse_pct, round_money
from salescli.errors import InputError
from salescli.i18n import _

HUNDRED = Decimal(100)
RATE = Decimal("0.0001")


@dataclass(frozen=True)
class Line:
    sku: str
    name: str
    qty: int
    unit_price: Decimal
    list_price: Decimal
    unit_cost: Decimal
    line_discount: Decimal = Decimal("0.00")  # percent, 5 = 5%

    @property
    def net(self) -> Decimal:
        return round_money(self.qty * self.unit_price * (1 - self.line_discount / HUNDRED))


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal
    list_value: Decimal
    cost: Decimal

    @property
    def effective_discount(self) -> Decimal:
        """1 − net / list value, as a fraction (0.18 = 18%); 0 when there is no list value."""
        if self.list_value == 0:
            return Decimal(0)
        return (1 - self.net / self.list_value).quantize(RATE)

    @property
    def margin(self) -> Decimal | None:
        """(net − cost) / net as a fraction; None for a zero net."""
        if self.net == 0:
            return None
        return ((self.net - self.cost) / self.net).quantize(RATE)


def price(lines: Sequence[Line], *, discount: Decimal, tax_rate: Decimal) -> Totals:
    """Totals of a quote; ``discount`` and ``tax_rate`` are percentages (10 = 10%)."""
    subtotal = sum((line.net for line in lines), Decimal("0.00"))
    quote_discount = round_money(subtotal * discount / HUNDRED)
    net = subtotal - quote_discount
    tax = round_money(net * tax_rate / HUNDRED)
    return Totals(
        subtotal=subtotal, discount=quote_discount, net=net, tax=tax, total=net + tax,
        list_value=round_money(sum((line.qty * line.list_price for line in lines), Decimal(0))),
        cost=round_money(sum((line.qty * line.unit_cost for line in lines), Decimal(0))),
    )


@dataclass(frozen=True)
class Policy:
    max_discount: Decimal  # percent
    min_margin: Decimal  # percent


def approval_reasons(totals: Totals, policy: Policy) -> list[str]:
    """Why a manager must approve (empty: within policy). Each reason names the limit and by how much."""
    reasons = []
    effective = totals.effective_discount * HUNDRED
    if effective > policy.max_discount:
        reasons.append(f"effective discount {effective:.2f}% is over the {policy.max_discount:.2f}% maximum "
                       f"by {effective - policy.max_discount:.2f} points")
    margin = totals.margin
    if margin is not None and margin * HUNDRED < policy.min_margin:
        reasons.append(f"margin {margin * HUNDRED:.2f}% is under the {policy.min_margin:.2f}% minimum "
                       f"by {policy.min_margin - margin * HUNDRED:.2f} points")
    return reasons


@dataclass(frozen=True)
class LineSpec:
    """A quote line as typed: ``SKU:QTY[:UNIT_PRICE[:LINE_PCT]]``; missing price means the catalog price."""

    sku: str
    qty: int
    unit_price: Decimal | None = None
    line_discount: Decimal | None = None


def parse_line(text: str, *, field: str = "--item") -> LineSpec:
    parts = text.split(":")
    if not 2 <= len(parts) <= 4 or not parts[0].strip():
        raise InputError(_("{field}: {text!r} is not SKU:QTY[:UNIT_PRICE[:LINE_PCT]]").format(field=field, text=text))
    sku = parse_sku(parts[0], field=field)
    qty = parse_qty(parts[1], field=_("{field} {sku} quantity").format(field=field, sku=sku))
    unit = parse_amount(parts[2], field=_("{field} {sku} unit price").format(field=field, sku=sku)) \
        if len(parts) > 2 and parts[2] else None
    pct = parse_pct(parts[3], field=_("{field} {sku} line discount").format(field=field, sku=sku)) \
        if len(parts) > 3 and parts[3] else None
    return LineSpec(sku, qty, unit, pct)


def apply_specs(lines: Sequence[Line], specs: Sequence[LineSpec], catalog: dict[str, Line]) -> list[Line]:
    """Lines after the typed specs: a spec replaces the line of its SKU (keeping its price and discount unless
    given) or adds one priced from ``catalog`` (SKU → a catalog line with list price and cost)."""
    out = list(lines)
    for spec in specs:
        index = next((i for i, line in enumerate(out) if line.sku == spec.sku), None)
        base = out[index] if index is not None else catalog[spec.sku]
        line = replace(base, qty=spec.qty,
                       unit_price=spec.unit_price if spec.unit_price is not None else base.unit_price,
                       line_discount=spec.line_discount if spec.line_discount is not None else base.line_discount)
        if index is None:
            out.append(line)
        else:
            out[index] = line
    if not out:
        raise InputError(_("a quote needs at least one line (--item SKU:QTY or --from-needs)"))
    for line in out:
        if line.qty > MAX_QTY:
            raise InputError(_("--item {sku}: quantity {qty:,} is more than the maximum {most:,}").format(
                sku=line.sku, qty=line.qty, most=MAX_QTY))
    return out


#: Σ quantities of one quote (a contract's units): far beyond any order, inside a 32-bit column.
MAX_UNITS = 1_000_000_000


def check_limits(lines: Sequence[Line], totals: Totals) -> None:
    """Refuse (InputError, exit 2, naming the limit) a quote whose quantities or any computed amount — a line's
    value at its unit, list or cost price, the subtotal, discount, net, tax, total, list value or cost — is over
    the limits (MAX_QTY per line, MAX_UNITS per quote, MAX_AMOUNT for money), before anything is stored."""
    for line in lines:
        if line.qty > MAX_QTY:
            raise InputError(_("--item {sku}: quantity {qty:,} is more than the maximum {most:,}").format(
                sku=line.sku, qty=line.qty, most=MAX_QTY))
        for price_name, unit in (("unit price", line.unit_price), ("list price", line.list_price),
                                 ("cost", line.unit_cost)):
            amount = line.qty * unit
            if amount > MAX_AMOUNT:
                raise InputError(_("--item {sku}: {qty:,} × {price} {unit} = {amount:.2f} is more than the maximum "
                                   "amount {most}").format(sku=line.sku, qty=line.qty, price=_amount_name(price_name),
                                                           unit=unit, amount=amount, most=MAX_AMOUNT))
    units = sum(line.qty for line in lines)
    if units > MAX_UNITS:
        raise InputError(_("the quote's total quantity {units:,} is more than the maximum {most:,}").format(
            units=units, most=MAX_UNITS))
    for name in ("subtotal", "discount", "net", "tax", "total", "list_value", "cost"):
        amount = getattr(totals, name)
        if amount > MAX_AMOUNT:
            raise InputError(_("the quote's {name} {amount:.2f} is more than the maximum amount {most}").format(
                name=_amount_name(name), amount=amount, most=MAX_AMOUNT))


def _amount_name(name: str) -> str:
    """An amount of a quote or line as a person reads it, in the user's language (``list_value`` → list value)."""
    names = {"subtotal": _("subtotal"), "discount": _("discount"), "net": _("net"), "tax": _("tax"),
             "total": _("total"), "list_value": _("list value"), "cost": _("cost"), "unit price": _("unit price"),
             "list price": _("list price")}
    return names.get(name, name.replace("_", " "))
