"""Money and percentages as Decimal; stored as integer minor units (fen/cents) and basis points."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from salescli.errors import InputError
from salescli.i18n import _

CENT = Decimal("0.01")
#: Largest amount accepted anywhere (a trillion): far beyond any deal, far inside a 64-bit integer of cents.
MAX_AMOUNT = Decimal("999999999999.99")


def round_money(value: Decimal) -> Decimal:
    """Round half-up to the cent, the one rounding rule of PRODUCT.md."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(text: str | int | Decimal, *, field: str | None = None, allow_zero: bool = True) -> Decimal:
    """Parse a user amount like ``"1999.90"`` exactly; refuse floats' traps, NaN, negatives and sub-cent digits.
    ``field`` names it in errors (default: amount, in the user's language)."""
    field = field or _("amount")
    raw = str(text).strip().replace(",", "").replace("_", "")
    if raw.startswith(("¥", "￥", "$")):
        raw = raw[1:].strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise InputError(_("{field}: {text!r} is not an amount (expected e.g. 1999.90)").format(
            field=field, text=str(text))) from None
    if not value.is_finite():
        raise InputError(_("{field}: {text!r} is not a finite amount").format(field=field, text=str(text)))
    if value < 0:
        raise InputError(_("{field}: {text!r} is negative").format(field=field, text=str(text)))
    if value == 0 and not allow_zero:
        raise InputError(_("{field}: must be greater than zero").format(field=field))
    if value > MAX_AMOUNT:
        raise InputError(_("{field}: {text!r} is larger than the maximum {most}").format(
            field=field, text=str(text), most=MAX_AMOUNT))
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and value != value.quantize(CENT):
        raise InputError(_("{field}: {text!r} has more than 2 decimal places").format(field=field, text=str(text)))
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


def parse_pct(text: str | int | Decimal, *, field: str | None = None, maximum: Decimal = Decimal(100)) -> Decimal:
    """Parse a percentage where ``10`` means 10%; at most two decimals; returns the percent (not the fraction).
    ``field`` names it in errors (default: percent, in the user's language)."""
    field = field or _("percent")
    raw = str(text).strip().rstrip("%").strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise InputError(_("{field}: {text!r} is not a percentage (expected e.g. 10 for 10%)").format(
            field=field, text=str(text))) from None
    if not value.is_finite() or value < 0 or value > maximum:
        raise InputError(_("{field}: {text!r} must be between 0 and {most}").format(field=field, text=str(text),
                                                                                    most=maximum))
    if value != value.quantize(CENT):
        raise InputError(_("{field}: {text!r} has more than 2 decimal places").format(field=field, text=str(text)))
    return value.quantize(CENT)


def pct_to_bp(pct: Decimal) -> int:
    """Percent (``12.5``) → basis points (``1250``), the stored form."""
    return int(pct * 100)


def bp_to_pct(bp: int | None) -> Decimal | None:
    """Basis points → percent with two places."""
    if bp is None:
        return None
    return (Decimal(bp) / 100).quantize(CENT)


_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_PLACES = ("", "拾", "佰", "仟")
_LARGEST_IN_CAPITALS = Decimal("9999999999999999.99")  # 玖仟玖佰玖拾玖万…亿…: beyond this there is no common unit


def _group(value: int) -> str:
    """0 < value < 10000 in capitals, a 零 for each run of zeros inside (1004: 壹仟零肆; 1100: 壹仟壹佰)."""
    out: list[str] = []
    zero = False
    for place in range(3, -1, -1):
        digit = value // 10**place % 10
        if digit == 0:
            zero = bool(out)
        else:
            if zero:
                out.append("零")
                zero = False
            out.append(_DIGITS[digit] + _PLACES[place])
    return "".join(out)


def in_capitals(amount: Decimal) -> str:
    """An amount of yuan in Chinese capital numerals (大写金额) as written on invoices, contracts and cheques:
    106997.44 → 壹拾万陆仟玖佰玖拾柒元肆角肆分; 100 → 壹佰元整; 1004.5 → 壹仟零肆元伍角整; 0.05 → 伍分.

    The rules (中国人民银行《支付结算办法》附件一): 整 after 元 or 角 when there are no 分; a run of zeros inside the
    number is one 零 (1,000,100 → 壹佰万零壹佰元整); a zero 角 between 元 and 分 is 零 (1.05 → 壹元零伍分); tens
    are written 壹拾 (10 → 壹拾元整); 万 and 亿 name the groups of four digits, 万亿 the group above 亿.
    Negative amounts begin with 负; the amount is rounded half-up to the fen first."""
    value = round_money(amount)
    if abs(value) > _LARGEST_IN_CAPITALS:
        raise InputError(_("{amount} is too large to write in Chinese capital numerals").format(amount=amount))
    sign = "负" if value < 0 else ""
    fen_total = int(abs(value) * 100)
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    groups = [(yuan // 10**(4 * i)) % 10000 for i in range(3, -1, -1)]  # 万亿, 亿, 万, 元 groups
    units = ("万", "亿", "万", "")
    parts: list[str] = []
    zero_pending = False
    for i, group in enumerate(groups):
        if group == 0:
            zero_pending = bool(parts)
            if i == 1 and parts:  # 壹万亿: the 亿 belongs after a non-zero 万亿 group even when the 亿 group is 0
                parts.append("亿")
            continue
        if parts and (zero_pending or group < 1000):
            parts.append("零")
        parts.append(_group(group) + units[i])  # 壹万贰仟亿: after a 万亿 group the 亿 comes with the next group
        zero_pending = False
    text = "".join(parts)
    if text:
        text += "元"
    if jiao == 0 and fen == 0:
        return sign + (text or "零元") + "整"
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif text:
        text += "零"
    if fen:
        return sign + text + _DIGITS[fen] + "分"
    return sign + text + "整"
