"""Product catalog rules: SKUs, item specs typed on the command line, close-match suggestions."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from salescli.domain.money import parse_amount
from salescli.errors import InputError
from salescli.i18n import _

_SKU = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{0,63}$")
MAX_QTY = 10_000_000


def parse_sku(text: str, *, field: str = "SKU") -> str:
    """SKUs are case-insensitive: stored upper-case (``ab-100`` → ``AB-100``)."""
    sku = text.strip().upper()
    if not _SKU.match(sku):
        raise InputError(_("{field}: {text!r} is not a SKU (letters, digits, '.', '_', '/', '-'; at most 64)")
                         .format(field=field, text=text))
    return sku


def parse_qty(text: str | int, *, field: str | None = None) -> int:
    """A positive whole quantity; ``field`` names it in the error (default: quantity, in the user's language)."""
    label = field or _("quantity")
    raw = str(text).strip()
    if not re.fullmatch(r"\d{1,8}", raw) or int(raw) == 0:
        raise InputError(_("{field}: {text!r} is not a positive whole number").format(field=label, text=str(text)))
    qty = int(raw)
    if qty > MAX_QTY:
        raise InputError(_("{field}: {qty} is more than {most:,}").format(field=label, qty=qty, most=MAX_QTY))
    return qty


def parse_lead_time(text: str | int) -> int:
    raw = str(text).strip()
    if not re.fullmatch(r"\d{1,4}", raw):
        raise InputError(_("{field}: {text!r} is not a whole number of days (0-9999)").format(
            field="--lead-time-days", text=str(text)))
    return int(raw)


@dataclass(frozen=True)
class ItemSpec:
    """One requested item: ``SKU:QTY`` or ``SKU:QTY:TARGET_PRICE`` (unit price the customer hopes for)."""

    sku: str
    qty: int
    target_price: Decimal | None = None
    spec: str | None = None


def parse_item(text: str, *, field: str = "--item") -> ItemSpec:
    parts = text.split(":")
    if len(parts) not in (2, 3) or not parts[0].strip():
        raise InputError(_("{field}: {text!r} is not SKU:QTY or SKU:QTY:TARGET_PRICE").format(field=field, text=text))
    sku = parse_sku(parts[0], field=field)
    qty = parse_qty(parts[1], field=_("{field} {sku} quantity").format(field=field, sku=sku))
    price = parse_amount(parts[2], field=_("{field} {sku} target price").format(field=field, sku=sku)) \
        if len(parts) == 3 and parts[2] else None
    return ItemSpec(sku, qty, price)


def suggest(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Close matches for an unknown SKU or name, best first."""
    pool = list(candidates)
    upper = {c.upper(): c for c in pool}
    hits = difflib.get_close_matches(word.upper(), list(upper), n=n, cutoff=0.5)
    prefix = [c for c in pool if c.upper().startswith(word.upper()[:3])] if len(word) >= 3 else []
    out: list[str] = []
    for hit in [upper[h] for h in hits] + prefix:
        if hit not in out:
            out.append(hit)
    return out[:n]


def unknown_sku_message(sku: str, catalog: Iterable[str]) -> str:
    close = suggest(sku, catalog)
    if close:
        return _("unknown SKU {sku!r}; did you mean {choices}?").format(sku=sku, choices=", ".join(close))
    return _("unknown SKU {sku!r}; see 'salescli product list'").format(sku=sku)
