"""Explicit dates: ISO input, relative shortcuts resolved against a given day, and report periods."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from salescli.errors import InputError

_RELATIVE = re.compile(r"^\+(\d{1,4})([dw])$")


def parse_date(text: str, *, today: date, field: str = "date") -> date:
    """A calendar day: ``2026-10-05``, ``today``, ``tomorrow``, ``+3d`` or ``+2w`` (relative to ``today``)."""
    raw = text.strip().lower()
    if raw == "today":
        return today
    if raw == "tomorrow":
        return today + timedelta(days=1)
    match = _RELATIVE.match(raw)
    if match:
        count, unit = int(match.group(1)), match.group(2)
        return today + timedelta(days=count * (7 if unit == "w" else 1))
    try:
        if len(raw) > 10:
            return _parse_iso_datetime(text.strip()).date()
        return date.fromisoformat(raw)
    except ValueError:
        raise InputError(
            f"{field}: {text!r} is not a date (expected YYYY-MM-DD, today, tomorrow, +3d or +2w)"
        ) from None


def parse_datetime(text: str, *, now: datetime, field: str = "date") -> datetime:
    """A moment: ``now``, an ISO datetime, or any form :func:`parse_date` takes (meaning midnight).

    An offset (``+08:00``, ``Z``) is converted to local time and dropped: the database keeps local wall time.
    """
    raw = text.strip()
    if raw.lower() == "now":
        return now
    if len(raw) > 10 and not raw.startswith("+"):
        try:
            return _parse_iso_datetime(raw)
        except ValueError:
            raise InputError(
                f"{field}: {text!r} is not a date or datetime (expected e.g. 2026-10-05 or 2026-10-05T14:30)"
            ) from None
    return datetime.combine(parse_date(raw, today=now.date(), field=field), time())


def _parse_iso_datetime(raw: str) -> datetime:
    value = datetime.fromisoformat(raw.replace("Z", "+00:00") if raw.endswith("Z") else raw)
    if value.tzinfo is not None:
        value = value.astimezone().replace(tzinfo=None)
    return value.replace(microsecond=0)


def local_now() -> datetime:
    """Local wall time to the second: the default of every ``--date``."""
    return datetime.now().replace(microsecond=0)


@dataclass(frozen=True)
class Period:
    """An inclusive range of days with the label the user gave (``2026``, ``2026-Q4``, ``2026-11``)."""

    label: str
    start: date
    end: date

    @property
    def kind(self) -> str:
        if re.fullmatch(r"\d{4}", self.label):
            return "year"
        if re.fullmatch(r"\d{4}-Q[1-4]", self.label):
            return "quarter"
        if re.fullmatch(r"\d{4}-\d{2}", self.label):
            return "month"
        return "range"

    def months(self) -> list[str]:
        """The month labels (``2026-10``) that the period covers, first to last."""
        out = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out


RELATIVE_PERIODS = ("this-month", "this-quarter", "this-year", "last-month", "last-quarter", "last-year")


def parse_period(text: str, *, today: date | None = None) -> Period:
    """``2026`` → the year, ``2026-Q4`` → the quarter, ``2026-11`` → the month; with ``today``, also
    this-month, this-quarter, this-year and last-month, last-quarter, last-year."""
    relative = text.strip().lower()
    if today is not None and relative in RELATIVE_PERIODS:
        quarter = (today.month - 1) // 3 + 1
        last_month = (today.replace(day=1) - timedelta(days=1))
        last_quarter = (today.year, quarter - 1) if quarter > 1 else (today.year - 1, 4)
        text = {"this-month": f"{today:%Y-%m}", "this-quarter": f"{today.year}-Q{quarter}",
                "this-year": f"{today.year}", "last-month": f"{last_month:%Y-%m}",
                "last-quarter": f"{last_quarter[0]}-Q{last_quarter[1]}", "last-year": f"{today.year - 1}"}[relative]
    raw = text.strip().upper()
    if m := re.fullmatch(r"(\d{4})", raw):
        year = int(m.group(1))
        return Period(raw, date(year, 1, 1), date(year, 12, 31))
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", raw):
        year, quarter = int(m.group(1)), int(m.group(2))
        first = 3 * quarter - 2
        return Period(raw, date(year, first, 1), date(year, first + 2, calendar.monthrange(year, first + 2)[1]))
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", raw):
        year, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            return Period(f"{year:04d}-{month:02d}", date(year, month, 1),
                          date(year, month, calendar.monthrange(year, month)[1]))
    raise InputError(f"period: {text!r} is not a period (expected 2026, 2026-Q4, 2026-11 or this-month, "
                     "this-quarter, this-year, last-...)")


def period_between(start: date, end: date) -> Period:
    if end < start:
        raise InputError(f"--to {end.isoformat()} is before --from {start.isoformat()}")
    return Period(f"{start.isoformat()}..{end.isoformat()}", start, end)
