"""Explicit dates: ISO input, relative shortcuts resolved against a given day, and report periods."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from salescli.errors import InputError
from salescli.i18n import _

_RELATIVE = re.compile(r"^([+-])(\d{1,4})([dw])$")

#: Every date a user gives (and every date computed from one, like ``--follow-up +3d``) lies in these years:
#: wide enough for any history or contract, narrow enough that date arithmetic never overflows.
MIN_YEAR = 1900
MAX_YEAR = 2999
DATE_RANGE = f"{MIN_YEAR}-01-01 to {MAX_YEAR}-12-31"
_RANGE = {"first": f"{MIN_YEAR}-01-01", "last": f"{MAX_YEAR}-12-31"}  # DATE_RANGE's ends, for messages


Day = TypeVar("Day", date, datetime)


def in_range(day: Day, *, field: str, text: str) -> Day:
    """``day`` (a date or datetime) if its year is within MIN_YEAR..MAX_YEAR, else InputError (exit 2)."""
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise InputError(_("{field}: {text!r} is outside the supported dates ({first} to {last})").format(
            field=field, text=text, **_RANGE))
    return day


def parse_date(text: str, *, today: date, field: str | None = None) -> date:
    """A calendar day: ``2026-10-05``, ``today``, ``tomorrow``, ``yesterday``, ``+3d``, ``+2w`` or ``-7d``
    (relative to ``today``), within :data:`DATE_RANGE`. ``field`` names it in errors (default: date, in the user's
    language)."""
    field = field or _("date")
    raw = text.strip().lower()
    match = _RELATIVE.match(raw)
    if raw in ("today", "tomorrow", "yesterday") or match:
        days = {"tomorrow": 1, "yesterday": -1}.get(raw, 0)
        if match:
            sign, count, unit = match.group(1), int(match.group(2)), match.group(3)
            days = (-1 if sign == "-" else 1) * count * (7 if unit == "w" else 1)
        try:
            day = today + timedelta(days=days)
        except OverflowError:
            raise InputError(_("{field}: {text!r} from {today} is outside the supported dates ({first} to {last})")
                             .format(field=field, text=text, today=today.isoformat(), **_RANGE)) from None
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise InputError(_("{field}: {text!r} from {today} is {day}, outside the supported dates ({first} to "
                               "{last})").format(field=field, text=text, today=today.isoformat(), day=day.isoformat(),
                                                 **_RANGE))
        return day
    try:
        if len(raw) > 10:
            return _parse_iso_datetime(text.strip(), field=field).date()
        return in_range(date.fromisoformat(raw), field=field, text=text)
    except ValueError:
        raise InputError(
            _("{field}: {text!r} is not a date (expected YYYY-MM-DD, today, tomorrow, +3d, +2w or -7d)").format(
                field=field, text=text)
        ) from None


def parse_datetime(text: str, *, now: datetime, field: str | None = None) -> datetime:
    """A moment: ``now``, an ISO datetime, or any form :func:`parse_date` takes (meaning midnight).

    An offset (``+08:00``, ``Z``) is converted to local time and dropped: the database keeps local wall time.
    """
    field = field or _("date")
    raw = text.strip()
    if raw.lower() == "now":
        return now
    if len(raw) > 10 and not raw.startswith(("+", "-")):
        try:
            return _parse_iso_datetime(raw, field=field)
        except ValueError:
            raise InputError(
                _("{field}: {text!r} is not a date or datetime (expected e.g. 2026-10-05 or 2026-10-05T14:30)").format(
                    field=field, text=text)
            ) from None
    return datetime.combine(parse_date(raw, today=now.date(), field=field), time())


def _parse_iso_datetime(raw: str, *, field: str) -> datetime:
    value = datetime.fromisoformat(raw.replace("Z", "+00:00") if raw.endswith("Z") else raw)
    in_range(value, field=field, text=raw)  # before any offset arithmetic, which could overflow at the edges
    if value.tzinfo is not None:
        value = in_range(value.astimezone().replace(tzinfo=None), field=field, text=raw)
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
    if (m := re.fullmatch(r"(\d{4})(-.*)?", raw)) and not MIN_YEAR <= int(m.group(1)) <= MAX_YEAR:
        raise InputError(_("{field}: {text!r}: year {year} is outside the supported years {first}..{last}").format(
            field="period", text=text, year=m.group(1), first=MIN_YEAR, last=MAX_YEAR))
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
    raise InputError(_("{field}: {text!r} is not a period (expected 2026, 2026-Q4, 2026-11 or this-month, "
                       "this-quarter, this-year, last-...)").format(field="period", text=text))


def period_between(start: date, end: date) -> Period:
    in_range(start, field="--from", text=start.isoformat())
    in_range(end, field="--to", text=end.isoformat())
    if end < start:
        raise InputError(_("--to {end} is before --from {start}").format(end=end.isoformat(), start=start.isoformat()))
    return Period(f"{start.isoformat()}..{end.isoformat()}", start, end)


# -- dates in order ---------------------------------------------------------------------------------------------

Moment = datetime | date


def _as_datetime(value: Moment) -> datetime:
    return value if isinstance(value, datetime) else datetime.combine(value, time())


def _show(value: datetime, *, seconds: bool, clock: bool) -> str:
    if not clock:
        return value.strftime("%Y-%m-%d")
    return value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def require_in_order(when: Moment, what: str, *previous: tuple[Moment | None, str]) -> None:
    """PRODUCT.md "Dates in order": a state change dated before the record's previous event is refused (exit 2).

    ``what`` names the change (``quote Q-2026-0001 sent``); each of ``previous`` is (when it happened or None,
    what happened: ``it was created``). The latest previous event later than ``when`` is named with both dates:
    ``quote Q-2026-0001 sent on 2026-10-01 is before it was created on 2026-10-05`` (times shown when either
    has one). Equal moments are in order. Services call it for each state change inside the write transaction
    (normally before the first write; a refusal rolls back whatever was written).
    """
    moment = _as_datetime(when)
    late = [(_as_datetime(at), label) for at, label in previous if at is not None and _as_datetime(at) > moment]
    if not late:
        return
    after, label = max(late, key=lambda pair: pair[0])
    seconds = bool(moment.second or after.second)
    clock = seconds or any(t.time() != time() for t in (moment, after))
    raise InputError(_("{what} on {when} is before {previous} on {then}").format(
        what=what, when=_show(moment, seconds=seconds, clock=clock), previous=label,
        then=_show(after, seconds=seconds, clock=clock)))
