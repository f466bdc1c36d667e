"""KPI math over aggregated sums (PRODUCT.md, KPI definitions). The store adds up records in SQL; this module
turns the sums into measures, rounded the way the report promises. Undefined ratios are None."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from salescli.domain.dates import Period

MEASURES = ("revenue", "units", "deals_won", "deals_lost", "win_rate", "avg_deal", "cycle_days", "target",
            "attainment", "nps", "csat", "surveys", "on_time_rate")


@dataclass(frozen=True)
class Sums:
    """What one group of records adds up to in the period."""

    revenue: Decimal = Decimal("0.00")  # Σ net of contracts signed in the period
    units: int = 0
    won: int = 0  # deals whose contract was signed in the period
    cycle_days: Decimal = Decimal(0)  # Σ days from deal creation to signing, over the won deals
    lost: int = 0  # deals lost in the period
    promoters: int = 0
    detractors: int = 0
    nps_answers: int = 0
    csat_total: int = 0
    csat_answers: int = 0
    surveys: int = 0  # responses in the period
    delivered: int = 0  # orders delivered in the period
    on_time: int = 0  # … on or before their promised date

    def __add__(self, other: Sums) -> Sums:
        return Sums(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


def rounded(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def ratio(part: Decimal | int, whole: Decimal | int, places: str = "0.0001") -> Decimal | None:
    if not whole:
        return None
    return rounded(Decimal(part) / Decimal(whole), places)


def measures(s: Sums, target: Decimal | None) -> dict[str, Any]:
    """The report's measures for one row: money as Decimal (2 places), rates 4 places, cycle_days and nps
    1 place, csat 2 places; None where a ratio has no denominator."""
    return {
        "revenue": rounded(s.revenue, "0.01"),
        "units": s.units,
        "deals_won": s.won,
        "deals_lost": s.lost,
        "win_rate": ratio(s.won, s.won + s.lost),
        "avg_deal": ratio(s.revenue, s.won, "0.01"),
        "cycle_days": ratio(s.cycle_days, s.won, "0.1"),
        "target": rounded(target, "0.01") if target is not None else None,
        "attainment": ratio(s.revenue, target) if target else None,
        "nps": ratio(100 * (s.promoters - s.detractors), s.nps_answers, "0.1"),
        "csat": ratio(s.csat_total, s.csat_answers, "0.01"),
        "surveys": s.surveys,
        "on_time_rate": ratio(s.on_time, s.delivered),
    }


NUMBERS = ("win_rate", "attainment", "on_time_rate", "cycle_days", "nps", "csat")


def as_numbers(row: Mapping[str, Any]) -> dict[str, Any]:
    """Rates, cycle days, NPS and CSAT as JSON numbers (already rounded); money stays Decimal (a string)."""
    return {k: (float(v) if k in NUMBERS and v is not None else v) for k, v in row.items()}


def target_for(period: Period, targets: Mapping[str, Decimal]) -> Decimal | None:
    """A rep's target for exactly ``period`` (its label: 2026, 2026-Q4, 2026-11); for a quarter or a year
    without one, the sum of the monthly targets inside it (a year also accepts its quarters). None if none."""
    if period.label in targets:
        return targets[period.label]
    if period.kind not in ("quarter", "year"):
        return None
    months = [targets[m] for m in period.months() if m in targets]
    if months:
        return sum(months, Decimal(0))
    if period.kind == "year":
        quarters = [targets[f"{period.label}-Q{q}"] for q in range(1, 5) if f"{period.label}-Q{q}" in targets]
        if quarters:
            return sum(quarters, Decimal(0))
    return None


def sum_targets(values: Iterable[Decimal | None]) -> Decimal | None:
    """The total row's target: the sum of the reps' targets (None when no rep has one)."""
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None
