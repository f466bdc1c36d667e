"""Money and date parsing: the exact-value rules every later step relies on."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from salescli.domain.dates import parse_date, parse_datetime, parse_period
from salescli.domain.money import (
    format_money,
    from_minor,
    parse_amount,
    parse_pct,
    pct_to_bp,
    round_money,
    to_minor,
)
from salescli.errors import InputError

TODAY = date(2026, 11, 29)
NOW = datetime(2026, 11, 29, 10, 30)


@pytest.mark.parametrize(("text", "expected"), [
    ("1999.90", Decimal("1999.90")), ("1,234.5", Decimal("1234.50")), ("¥88", Decimal("88.00")),
    ("0", Decimal("0.00")), ("999999999999.99", Decimal("999999999999.99")), ("1.000", Decimal("1.00")),
])
def test_parse_amount_exact(text: str, expected: Decimal) -> None:
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text", ["abc", "NaN", "inf", "-1", "1.005", "1e400", "1000000000000", ""])
def test_parse_amount_refuses(text: str) -> None:
    with pytest.raises(InputError):
        parse_amount(text)


def test_minor_units_round_trip_large_and_small() -> None:
    for value in (Decimal("99999999999.99"), Decimal("0.01"), Decimal("1.10")):
        assert from_minor(to_minor(value)) == value
    assert to_minor(Decimal("1999.90")) == 199990
    assert from_minor(None) is None


def test_round_half_up_not_bankers() -> None:
    assert round_money(Decimal("0.125")) == Decimal("0.13")  # banker's rounding would give 0.12
    assert round_money(Decimal("2.675")) == Decimal("2.68")  # float(2.675) rounds to 2.67
    assert format_money(Decimal("1234.5")) == "1234.50"


def test_percentages() -> None:
    assert parse_pct("12.5") == Decimal("12.50")
    assert pct_to_bp(parse_pct("13%")) == 1300
    for bad in ("101", "-1", "x", "1.234"):
        with pytest.raises(InputError):
            parse_pct(bad)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-10-05", date(2026, 10, 5)), ("today", TODAY), ("tomorrow", date(2026, 11, 30)),
    ("+3d", date(2026, 12, 2)), ("+2w", date(2026, 12, 13)), ("2026-10-05T14:30", date(2026, 10, 5)),
])
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize("text", ["2026-02-30", "yesterday-ish", "+3m", "10/05/2026", ""])
def test_parse_date_refuses(text: str) -> None:
    with pytest.raises(InputError, match="not a date"):
        parse_date(text, today=TODAY)


def test_parse_datetime_forms() -> None:
    assert parse_datetime("2026-10-05", now=NOW) == datetime(2026, 10, 5)
    assert parse_datetime("2026-10-05T14:30", now=NOW) == datetime(2026, 10, 5, 14, 30)
    assert parse_datetime("now", now=NOW) == NOW
    assert parse_datetime("+1d", now=NOW) == datetime(2026, 11, 30)
    with pytest.raises(InputError):
        parse_datetime("2026-10-05T25:00", now=NOW)


def test_periods_at_their_edges() -> None:
    year = parse_period("2026")
    assert (year.start, year.end, year.kind) == (date(2026, 1, 1), date(2026, 12, 31), "year")
    q = parse_period("2026-q4")
    assert (q.label, q.start, q.end) == ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31))
    assert q.months() == ["2026-10", "2026-11", "2026-12"]
    feb = parse_period("2028-02")
    assert feb.end == date(2028, 2, 29)
    for bad in ("2026-13", "2026-Q5", "26"):
        with pytest.raises(InputError):
            parse_period(bad)


def test_relative_periods() -> None:
    today = date(2026, 1, 15)
    assert parse_period("this-quarter", today=today).label == "2026-Q1"
    assert parse_period("last-quarter", today=today).label == "2025-Q4"
    assert parse_period("last-month", today=today).label == "2025-12"
    assert parse_period("THIS-YEAR", today=today).label == "2026"
    with pytest.raises(InputError):
        parse_period("this-quarter")  # needs a today


def test_relative_days_back_and_forth() -> None:
    from datetime import date

    from salescli.domain.dates import parse_date

    today = date(2026, 11, 30)
    assert parse_date("-7d", today=today) == date(2026, 11, 23)
    assert parse_date("-2w", today=today) == date(2026, 11, 16)
    assert parse_date("yesterday", today=today) == date(2026, 11, 29)
    assert parse_date("+1w", today=today) == date(2026, 12, 7)
