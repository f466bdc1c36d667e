"""Money and percentages as Decimal; stored as integer minor units (fen/cents) and basis points."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from salescli.errors import InputError

CENT = Decimal("0.01")
#: Largest amount accepted anywhere (a trillion): far beyond any deal, far inside a 64-bit integer of cents.
MAX_AMOUNT = Decimal("999999999999.99")


def round_money(value: Decimal) -> Decimal:
    """Round half-up to the cent, the one rounding rule of PRODUCT.md."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(text: str | int | Decimal, *, field: str = "amount", allow_zero: bool = True) -> Decimal:
    """Parse a user amount like ``"1999.90"`` exactly; refuse floats' traps, NaN, negatives and sub-cent digits."""
    raw = str(text).strip().replace(",", "").replace("_", "")
    if raw.startswith(("¥", "￥", "$")):
        raw = raw[1:].strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise InputError(f"{field}: {str(text)!r} is not an amount (expected e.g. 1999.90)") from None
    if not value.is_finite():
        raise InputError(f"{field}: {str(text)!r} is not a finite amount")
    if value < 0:
        raise InputError(f"{field}: {str(text)!r} is negative")
    if value == 0 and not allow_zero:
        raise InputError(f"{field}: must be greater than zero")
    if value > MAX_AMOUNT:
        raise InputError(f"{field}: {str(text)!r} is larger than the maximum {MAX_AMOUNT}")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and value != value.quantize(CENT):
        raise InputError(f"{field}: {str(text)!r} has more than 2 decimal places")
    return value.quantize(CENT)


def to_minor(value: Decimal) -> int:
    """Decimal amount → integer minor units, exactly (the amount must already be rounded to the cent)."""
    cents = value * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{value} is not a whole number of cents")
    return int(cents)


def from_minor(minor: int | None) -> Decimal | None:
    """Integer minor units → Decimal with two places; None stays None."""
    if minor is None:
        return None
    return (Decimal(minor) / 100).quantize(CENT)


def format_money(value: Decimal | None) -> str | None:
    """Money as text with two decimals, the form JSON and CSV carry (``"1234.50"``)."""
    if value is None:
        return None
    return f"{round_money(value):.2f}"


def parse_pct(text: str | int | Decimal, *, field: str = "percent", maximum: Decimal = Decimal(100)) -> Decimal:
    """Parse a percentage where ``10`` means 10%; at most two decimals; returns the percent (not the fraction)."""
    raw = str(text).strip().rstrip("%").strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise InputError(f"{field}: {str(text)!r} is not a percentage (expected e.g. 10 for 10%)") from None
    if not value.is_finite() or value < 0 or value > maximum:
        raise InputError(f"{field}: {str(text)!r} must be between 0 and {maximum}")
    if value != value.quantize(CENT):
        raise InputError(f"{field}: {str(text)!r} has more than 2 decimal places")
    return value.quantize(CENT)


def pct_to_bp(pct: Decimal) -> int:
    """Percent (``12.5``) → basis points (``1250``), the stored form."""
    return int(pct * 100)


def bp_to_pct(bp: int | None) -> Decimal | None:
    """Basis points → percent with two places."""
    if bp is None:
        return None
    return (Decimal(bp) / 100).quantize(CENT)
