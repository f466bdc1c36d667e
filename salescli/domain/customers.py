"""Customer analysis: size bands, the A/B/C tier rule, and breakdowns over plain records."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from salescli.errors import InputError

#: Size bands by head count, smallest first: (band, lowest head count).
SIZE_BANDS: tuple[tuple[str, int], ...] = (("small", 1), ("medium", 50), ("large", 250), ("enterprise", 1000))
_SIZE_ALIASES = {"小": "small", "小型": "small", "中": "medium", "中型": "medium", "大": "large", "大型": "large",
                 "集团": "enterprise", "特大": "enterprise", "s": "small", "m": "medium", "l": "large",
                 "xl": "enterprise"}

TIER_RULE = """Tier rule (points, then A >= 6, B >= 3, else C):
  budget   >= 1,000,000: 3 | >= 200,000: 2 | >= 50,000: 1 | less or unknown: 0
  size     enterprise (1000+): 3 | large (250-999): 2 | medium (50-249): 1 | small or unknown: 0
  fit      industry is one of the config's target_industries: +1; no known competitor: +1"""

DEFAULT_TARGET_INDUSTRIES = ("manufacturing", "retail", "healthcare", "education", "logistics", "software")


def parse_size(text: str) -> str:
    """Accept a band name (``medium``, ``中型``) or a head count (``120``) and return the band."""
    raw = text.strip().casefold()
    if raw.isdigit():
        count = int(raw)
        if count < 1:
            raise InputError(f"size: head count must be at least 1, got {text!r}")
        return [band for band, low in SIZE_BANDS if count >= low][-1]
    band = _SIZE_ALIASES.get(raw, raw)
    if band not in dict(SIZE_BANDS):
        names = ", ".join(b for b, _ in SIZE_BANDS)
        raise InputError(f"size: {text!r} is not a size (one of {names}, or a head count)")
    return band


def tier(*, budget: Decimal | None, size: str | None, industry: str | None, competitors: str | None,
         target_industries: Iterable[str] = DEFAULT_TARGET_INDUSTRIES) -> str:
    """The customer's tier by :data:`TIER_RULE`."""
    points = 0
    if budget is not None:
        points += 3 if budget >= 1_000_000 else 2 if budget >= 200_000 else 1 if budget >= 50_000 else 0
    points += {"enterprise": 3, "large": 2, "medium": 1}.get(size or "", 0)
    targets = {t.strip().casefold() for t in target_industries}
    if industry and industry.strip().casefold() in targets:
        points += 1
    if not (competitors or "").strip():
        points += 1
    return "A" if points >= 6 else "B" if points >= 3 else "C"


def split_list(text: str | None) -> list[str]:
    """``"A, B，C"`` → ``["A", "B", "C"]`` (ASCII and full-width commas, 、 too)."""
    if not text:
        return []
    for sep in ("，", "、", ";", "；"):
        text = text.replace(sep, ",")
    return [part.strip() for part in text.split(",") if part.strip()]
