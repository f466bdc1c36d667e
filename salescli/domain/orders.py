"""Order tracking rules: expected delivery, late and at-risk flags, all on plain dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

CLOSED = ("delivered", "closed", "cancelled")
DEFAULT_AT_RISK_DAYS = 7
DEFAULT_TRANSIT_DAYS = 3


@dataclass(frozen=True)
class Tracking:
    expected: date | None  # when it should arrive, as things stand
    late: bool  # the promised date has passed and it has not been delivered
    at_risk: bool  # not late yet, but promised within the window and not shipped, or expected after promised
    days_left: int | None  # promised − today, for open orders


def track(*, status: str, promised: date, ordered: date, today: date, lead_time_days: int,
          shipped: date | None = None, delivered: date | None = None, at_risk_days: int = DEFAULT_AT_RISK_DAYS,
          transit_days: int = DEFAULT_TRANSIT_DAYS) -> Tracking:
    """Where an order stands on ``today``.

    Expected delivery: the delivery date once delivered; shipped + transit days once shipped (never before
    today while it has not arrived); otherwise the later of today and order date + the longest lead time of
    its products, plus transit days.
    """
    if status == "cancelled":
        return Tracking(None, False, False, None)
    if delivered is not None or status in ("delivered", "closed"):
        return Tracking(delivered, False, False, None)
    if shipped is not None or status == "shipped":
        expected = max((shipped or today) + timedelta(days=transit_days), today)
    else:
        expected = max(today, ordered + timedelta(days=lead_time_days)) + timedelta(days=transit_days)
    days_left = (promised - today).days
    late = promised < today
    not_shipped = status in ("submitted", "confirmed", "in_production")
    at_risk = not late and ((not_shipped and days_left <= at_risk_days) or expected > promised)
    return Tracking(expected, late, at_risk, days_left)
