"""Product catalog rules: SKUs, item specs typed on the command line, close-match suggestions."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from salescli.domain.money import parse_amount
from salescli.errors import InputError

_SKU = re.compile(r"^[A-Z0-9][A-Z0-9._/-]{0,63}$")
MAX_QTY = 10_000_000


def parse_sku(text: str, *, field: str = "SKU") -> str:
    """SKUs are case-insensitive: stored upper-case (``ab-100`` → ``AB-100``)."""
    sku = text.strip().upper()
    if not _SKU.match(sku):
        raise InputError(f"{field}: {text!r} is not a SKU (letters, digits, '.', '_', '/', '-'; at most 64)")
    return sku


def parse_qty(text: str | int, *, field: str = "quantity") -> int:
    raw = str(text).strip()
    if not re.fullmatch(r"\d{1,8}", raw) or int(raw) == 0:
        raise InputError(f"{field}: {str(text)!r} is not a positive whole number")
    qty = int(raw)
    if qty > MAX_QTY:
        raise InputError(f"{field}: {qty} is more than {MAX_QTY:,}")
    return qty


def parse_lead_time(text: str | int) -> int:
    raw = str(text).strip()
    if not re.fullmatch(r"\d{1,4}", raw):
        raise InputError(f"--lead-time-days: {str(text)!r} is not a whole number of days (0-9999)")
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
        raise InputError(f"{field}: {text!r} is not SKU:QTY or SKU:QTY:TARGET_PRICE")
    sku = parse_sku(parts[0], field=field)
    qty = parse_qty(parts[1], field=f"{field} {sku} quantity")
    price = parse_amount(parts[2], field=f"{field} {sku} target price") if len(parts) == 3 and parts[2] else None
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
    hint = f"; did you mean {', '.join(close)}?" if close else "; see 'salescli product list'"
    return f"unknown SKU {sku!r}{hint}"
