"""Quote math as pure functions: half-up at each step, in PRODUCT.md's order, where float and banker's differ."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import pytest

from salescli.domain.pricing import Line, LineSpec, Policy, apply_specs, approval_reasons, parse_line, price
from salescli.errors import InputError

D = Decimal


def line(unit: str, qty: int = 1, pct: str = "0", cost: str = "0", listed: str | None = None) -> Line:
    return Line("X", "x", qty, D(unit), D(listed or unit), D(cost), D(pct))


def test_line_net_rounds_half_up_where_float_and_bankers_do_not() -> None:
    trap = line("1.65", pct="10")  # 1.485 exactly
    assert trap.net == D("1.49")
    assert round(1.65 * 0.9, 2) == 1.48  # what a float computation prints
    assert D("1.485").quantize(D("0.01"), ROUND_HALF_EVEN) == D("1.48")  # what banker's rounding gives


def test_quote_discount_and_tax_each_rounded_in_order() -> None:
    totals = price([line("100.10")], discount=D("5"), tax_rate=D("13"))
    assert totals.subtotal == D("100.10")
    assert totals.discount == D("5.01")  # 5.005 → 5.01 (float: 5.00)
    assert totals.net == D("95.09")
    assert totals.tax == D("12.36")  # 12.3617
    assert totals.total == D("107.45")
    tax_trap = price([line("0.50")], discount=D("0"), tax_rate=D("13"))
    assert tax_trap.tax == D("0.07")  # 0.065 → 0.07 (banker's: 0.06)


def test_rounding_happens_per_line_not_on_the_sum() -> None:
    lines = [line("1.65", pct="10"), line("1.65", pct="10")]
    assert price(lines, discount=D(0), tax_rate=D(0)).subtotal == D("2.98")  # 1.49 + 1.49, not round(2.97)


def test_large_amounts_stay_exact() -> None:
    totals = price([line("99999999.99", qty=1000)], discount=D("0.01"), tax_rate=D("13"))
    assert totals.subtotal == D("99999999990.00")
    assert totals.discount == D("9999999.999").quantize(D("0.01"))
    assert totals.total == totals.net + totals.tax


def test_effective_discount_margin_and_policy() -> None:
    lines = [Line("A", "a", 10, D("90.00"), D("100.00"), D("60.00"), D("0"))]  # 10% off list on the line
    totals = price(lines, discount=D("8"), tax_rate=D("13"))
    assert totals.net == D("828.00")
    assert totals.effective_discount == D("0.1720")  # 1 − 828 / 1000
    assert totals.margin == D("0.2754")  # (828 − 600) / 828
    reasons = approval_reasons(totals, Policy(max_discount=D("15"), min_margin=D("30")))
    assert reasons == ["effective discount 17.20% is over the 15.00% maximum by 2.20 points",
                       "margin 27.54% is under the 30.00% minimum by 2.46 points"]
    assert approval_reasons(totals, Policy(max_discount=D("17.20"), min_margin=D("27.54"))) == []


def test_zero_net_has_no_margin() -> None:
    totals = price([line("10.00", pct="100")], discount=D(0), tax_rate=D(13))
    assert totals.net == D("0.00") and totals.margin is None and totals.effective_discount == D("1.0000")


def test_parse_line_and_apply_specs() -> None:
    assert parse_line("ab-1:3") == LineSpec("AB-1", 3)
    assert parse_line("AB-1:3:99.5:7.5") == LineSpec("AB-1", 3, D("99.50"), D("7.50"))
    assert parse_line("AB-1:3::5") == LineSpec("AB-1", 3, None, D("5.00"))
    for bad in ("AB-1", "AB-1:x", "AB-1:1:-3", "AB-1:1:1:101", "AB-1:1:1:1:1"):
        with pytest.raises(InputError):
            parse_line(bad)
    catalog = {"B": Line("B", "b", 1, D("5.00"), D("5.00"), D("1.00"))}
    existing = [Line("A", "a", 1, D("9.00"), D("10.00"), D("2.00"), D("5"))]
    out = apply_specs(existing, [LineSpec("A", 4), LineSpec("B", 2, D("4.50"))], catalog)
    assert [(x.sku, x.qty, x.unit_price, x.line_discount) for x in out] == [
        ("A", 4, D("9.00"), D("5")), ("B", 2, D("4.50"), D("0.00"))]
    with pytest.raises(InputError, match="at least one line"):
        apply_specs([], [], {})
