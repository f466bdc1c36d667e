"""Hostile dates, statuses and numbers (issue 13): every one is refused with one line and the right exit code, before
anything is written. Bounds: dates 1900-01-01..2999-12-31 (also for relative dates and periods), money at most
MAX_AMOUNT for every computed amount, at most MAX_QTY per quote line and MAX_UNITS per quote. Unknown status names
are bad input (exit 2); known ones the state machine refuses stay refusals (exit 1). And PRODUCT.md "Dates in
order": a state change dated before the record's previous event is refused (exit 2), naming both dates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from salescli.domain.catalog import MAX_QTY
from salescli.domain.dates import parse_date, parse_datetime, parse_period, period_between, require_in_order
from salescli.domain.money import MAX_AMOUNT
from salescli.domain.pipeline import DEAL, LEAD, ORDER, TICKET
from salescli.domain.pricing import MAX_UNITS, Line, check_limits, price
from salescli.errors import InputError, InvalidTransition
from tests.conftest import Case, Cli, check_refusals


def _deal(cli: Cli, name: str) -> int:
    lead = cli.id("lead", "add", name, "--source", "web", "--company", f"{name}公司", "--date", "2026-10-01")
    return cli.id("lead", "convert", str(lead), "--date", "2026-10-02")


def _quote(cli: Cli, deal: int, *extra: str, sent: bool = False, accepted: bool = False) -> str:
    number = cli.ok("quote", "create", str(deal), "--item", "P-1:1", *extra, "--date", "2026-10-05").stdout.strip()
    if sent or accepted:
        cli.ok("quote", "send", number, "--date", "2026-10-06")
    if accepted:
        cli.ok("quote", "accept", number, "--date", "2026-10-07")
    return number


@pytest.fixture
def book(cli: Cli) -> Cli:
    """Records in every state the cases need, each event dated (October 2026):

    deal 1: quote Q-1 created 10-05, sent 10-06, accepted 10-07 → C-1 created 10-08, signed 10-09 → SO-1 created
            10-10, confirmed 10-12 → ticket 1 opened 10-15 09:00, in progress 10-16 09:00
    deal 2: needs 10-03; Q-2 draft and Q-3 draft needing approval, created 10-05; Q-4 sent 10-06 (deal → proposal)
    deal 3: Q-5 accepted 10-07 → C-2 draft created 10-08
    deal 4: Q-6 accepted 10-07, no contract
    deal 5: Q-7 accepted 10-07 → C-3 created 10-08, signed 10-09, no order
    lead 6: new, created 10-01; ticket 2 (customer 1): open since 10-15 09:00
    """
    cli.ok("rep", "add", "boss", "--name", "陈静", "--manager")
    cli.ok("rep", "add", "wang", "--name", "王芳")
    cli.ok("product", "add", "P-1", "--name", "Widget", "--price", "100", "--cost", "50")
    cli.ok("product", "add", "BIG", "--name", "Big", "--price", "999999999999.99", "--cost", "1")
    deals = [_deal(cli, name) for name in ("甲", "乙", "丙", "丁", "戊")]
    assert deals == [1, 2, 3, 4, 5]
    _quote(cli, 1, accepted=True)
    cli.ok("contract", "create", "Q-2026-0001", "--date", "2026-10-08")
    cli.ok("contract", "sign", "C-2026-0001", "--signed-by", "张总", "--date", "2026-10-09")
    cli.ok("order", "create", "C-2026-0001", "--promised", "2026-12-01", "--date", "2026-10-10")
    cli.ok("order", "update", "SO-2026-0001", "--status", "confirmed", "--date", "2026-10-12")
    assert cli.id("ticket", "open", "--order", "SO-2026-0001", "--subject", "x", "--date", "2026-10-15T09:00") == 1
    cli.ok("ticket", "update", "1", "--status", "in_progress", "--date", "2026-10-16T09:00")
    cli.ok("needs", "confirm", "2", "--item", "P-1:1", "--budget", "1000", "--deliver-by", "2026-12-31", "--date",
           "2026-10-03")
    assert [_quote(cli, 2), _quote(cli, 2, "--discount", "20"), _quote(cli, 2, sent=True)] == [
        "Q-2026-0002", "Q-2026-0003", "Q-2026-0004"]
    _quote(cli, 3, accepted=True)
    cli.ok("contract", "create", "Q-2026-0005", "--date", "2026-10-08")
    _quote(cli, 4, accepted=True)
    _quote(cli, 5, accepted=True)
    cli.ok("contract", "create", "Q-2026-0007", "--date", "2026-10-08")
    cli.ok("contract", "sign", "C-2026-0003", "--signed-by", "李总", "--date", "2026-10-09")
    assert cli.id("lead", "add", "己", "--source", "web", "--date", "2026-10-01") == 6
    assert cli.id("ticket", "open", "--customer", "1", "--subject", "y", "--date", "2026-10-15T09:00") == 2
    return cli


MAX = "is more than the maximum amount 999999999999.99"
OUTSIDE = "outside the supported dates (1900-01-01 to 2999-12-31)"
NEEDS = ["needs", "confirm", "2", "--item", "P-1:1", "--budget", "1000", "--deliver-by", "2026-12-31"]

CASES: list[Case] = [
    # quantities and every computed amount stay within bounds (exit 2, naming the limit)
    (2, ["quote", "create", "2", "--item", "BIG:10000000"], f"= 9999999999999900000.00 {MAX}"),
    (2, ["quote", "create", "2", "--item", "P-1:10000000:999999999999.99"], MAX),
    (2, ["quote", "create", "2", "--item", "P-1:9000000:200000"], "9,000,000 × unit price 200000.00"),
    (2, ["quote", "create", "2", "--item", "BIG:2", "--tax-rate", "0"], f"= 1999999999999.98 {MAX}"),
    (2, ["quote", "create", "2", "--item", "BIG:1"], f"the quote's total 1129999999999.99 {MAX}"),
    (2, ["quote", "create", "2", "--item", "P-1:1", "--item", "BIG:1:999999999999.99:0", "--tax-rate", "0"],
     f"the quote's subtotal 1000000000099.99 {MAX}"),
    (2, ["quote", "revise", "Q-2026-0002", "--item", "BIG:2"], MAX),
    (2, ["quote", "create", "2", "--item", "P-1:10000001"], "is more than 10,000,000"),
    (2, ["target", "set", "wang", "2026", "--revenue", "1", "--units", "99999999999"],
     "--units: 99,999,999,999 is more than the maximum 1,000,000,000"),
    (2, ["quote", "show", "Q-2026-0001", "--revision", "99999999999"], "not in the range"),
    (2, ["quote", "diff", "Q-2026-0001", "1", "99999999999"], "not in the range"),
    (2, ["quote", "list", "--expiring", "99999999"], "not in the range"),
    # dates, relative dates and periods have bounds (exit 2, saying them)
    (2, ["target", "set", "wang", "0000", "--revenue", "1"], "year 0000 is outside the supported years 1900..2999"),
    (2, ["target", "set", "wang", "3000-Q1", "--revenue", "1"], "year 3000 is outside the supported years"),
    (2, ["lead", "add", "A", "--source", "web", "--date", "9999-12-31", "--follow-up", "+1d"],
     f"--date: '9999-12-31' is {OUTSIDE}"),
    (2, ["lead", "add", "A", "--source", "web", "--date", "2999-12-31", "--follow-up", "+1d"],
     f"--follow-up: '+1d' from 2999-12-31 is 3000-01-01, {OUTSIDE}"),
    (2, ["lead", "add", "A", "--source", "web", "--date", "2999-06-01", "--follow-up", "+9999w"], OUTSIDE),
    (2, ["lead", "add", "A", "--source", "web", "--date", "1899-12-31"], OUTSIDE),
    (2, ["lead", "add", "A", "--source", "web", "--date", "0001-01-01T00:00+14:00"], OUTSIDE),
    (2, ["lead", "log", "6", "--kind", "call", "--summary", "x", "--next", "9999-12-31"], "--next: '9999-12-31' is "),
    (2, ["kpi", "report", "--period", "9999"], "year 9999 is outside the supported years 1900..2999"),
    (2, ["kpi", "report", "--from", "0001-01-01", "--to", "9999-12-31"], f"--from: '0001-01-01' is {OUTSIDE}"),
    (2, ["kpi", "report", "--from", "2026-01-01", "--to", "9999-12-31"], f"--to: '9999-12-31' is {OUTSIDE}"),
    (2, ["order", "track", "--date", "3000-01-01"], OUTSIDE),
    (2, ["quote", "create", "2", "--item", "P-1:1", "--date", "9999-12-31T23:59"], OUTSIDE),
    # an unknown status is bad input (exit 2, listing the valid ones); a known one the machine refuses: exit 1
    (2, ["order", "update", "SO-2026-0001", "--status", "bogus"],
     "unknown status 'bogus' (one of submitted, confirmed, in_production, shipped, delivered, closed, cancelled)"),
    (2, ["lead", "update", "6", "--status", "bogus"],
     "unknown status 'bogus' (one of new, contacted, qualified, converted, lost)"),
    (2, ["ticket", "update", "1", "--status", "bogus"],
     "unknown status 'bogus' (one of open, in_progress, resolved, closed)"),
    (1, ["order", "update", "SO-2026-0001", "--status", "submitted"], "cannot become submitted"),
    (1, ["lead", "update", "6", "--status", "Converted"], "use 'salescli lead convert'"),
    (1, ["ticket", "update", "2", "--status", "closed"],
     "ticket 2 is open; it cannot become closed (allowed: in_progress)"),
    (1, ["ticket", "update", "1", "--status", "closed"],
     "ticket 1 is in_progress; it cannot become closed (allowed: resolved)"),
    # dates in order: before the record's previous event → exit 2, one line naming both dates
    (2, ["quote", "create", "2", "--item", "P-1:1", "--date", "2026-10-01"],
     "deal 2: quote created on 2026-10-01 is before the deal was created on 2026-10-02"),
    (2, ["quote", "send", "Q-2026-0002", "--date", "2026-10-04"],
     "quote Q-2026-0002 sent on 2026-10-04 is before it was created on 2026-10-05"),
    (2, ["--rep", "boss", "quote", "approve", "Q-2026-0003", "--date", "2026-10-04"],
     "quote Q-2026-0003 approved on 2026-10-04 is before it was created on 2026-10-05"),
    (2, ["quote", "accept", "Q-2026-0004", "--date", "2026-10-05T12:00"],
     "quote Q-2026-0004 accepted on 2026-10-05 12:00 is before it was sent on 2026-10-06 00:00"),
    (2, ["quote", "reject", "Q-2026-0004", "--date", "2026-10-05"],
     "quote Q-2026-0004 rejected on 2026-10-05 is before it was sent on 2026-10-06"),
    (2, ["quote", "revise", "Q-2026-0004", "--discount", "5", "--date", "2026-10-05"],
     "quote Q-2026-0004 revised on 2026-10-05 is before it was sent on 2026-10-06"),
    (2, ["quote", "revise", "Q-2026-0002", "--discount", "1", "--date", "2026-10-05T12:00"],
     "deal 2: Q-2026-0002 revision 2 on 2026-10-05 12:00 is before it moved to proposal on 2026-10-06 00:00"),
    (2, ["contract", "create", "Q-2026-0006", "--date", "2026-10-06"],
     "contract for quote Q-2026-0006 created on 2026-10-06 is before the quote was accepted on 2026-10-07"),
    (2, ["contract", "sign", "C-2026-0002", "--signed-by", "X", "--date", "2026-10-07"],
     "contract C-2026-0002 signed on 2026-10-07 is before it was created on 2026-10-08"),
    (2, ["contract", "cancel", "C-2026-0003", "--reason", "x", "--date", "2026-10-08"],
     "contract C-2026-0003 cancelled on 2026-10-08 is before it was signed on 2026-10-09"),
    (2, ["order", "create", "C-2026-0003", "--promised", "2026-12-01", "--date", "2026-10-08"],
     "order for contract C-2026-0003 created on 2026-10-08 is before the contract was signed on 2026-10-09"),
    (2, ["order", "update", "SO-2026-0001", "--status", "shipped", "--date", "2026-10-11"],
     "order SO-2026-0001 shipped on 2026-10-11 is before it became confirmed on 2026-10-12"),
    (2, ["ticket", "update", "1", "--status", "resolved", "--date", "2026-10-15T10:00"],
     "ticket 1 resolved on 2026-10-15 10:00 is before its last update on 2026-10-16 09:00"),
    (2, ["ticket", "resolve", "1", "--date", "2026-10-14"], "is before its last update on 2026-10-16 09:00"),
    (2, ["ticket", "update", "2", "--note", "x", "--date", "2026-10-14"],
     "ticket 2 updated on 2026-10-14 00:00 is before it was opened on 2026-10-15 09:00"),
    (2, ["lead", "log", "6", "--kind", "call", "--summary", "x", "--date", "2026-09-30"],
     "lead 6 call logged on 2026-09-30 is before the lead was created on 2026-10-01"),
    (2, ["lead", "convert", "6", "--date", "2026-09-30"],
     "lead 6 converted on 2026-09-30 is before the lead was created on 2026-10-01"),
    (2, ["lead", "lose", "6", "--reason", "x", "--date", "2026-09-30"], "lead 6 lost on 2026-09-30 is before"),
    (2, ["lead", "update", "6", "--status", "contacted", "--date", "2026-09-30"],
     "lead 6 contacted on 2026-09-30 is before the lead was created on 2026-10-01"),
    (2, ["deal", "lose", "2", "--reason", "price", "--date", "2026-10-05"],
     "deal 2: lost on 2026-10-05 is before it moved to proposal on 2026-10-06"),
    (2, [*NEEDS, "--date", "2026-10-01"], "deal 2: needs confirmed on 2026-10-01 is before the deal was created"),
    (2, ["demo", "log", "2", "--products", "P-1", "--date", "2026-10-01"],
     "on 2026-10-01 is before the deal was created on 2026-10-02"),
]


def test_catalogue(book: Cli, tmp_path: Path) -> None:
    check_refusals(book, CASES, tmp_path)
    assert len(CASES) >= 30


def test_amounts_at_the_limits_are_kept_exactly(cli: Cli) -> None:
    cli.ok("product", "add", "BIG", "--name", "Big", "--price", "999999999999.99", "--cost", "1")
    cli.ok("product", "add", "P-1", "--name", "Widget", "--price", "100", "--cost", "50")
    lead = cli.id("lead", "add", "甲", "--source", "web", "--date", "2026-10-01")
    deal = cli.id("lead", "convert", str(lead), "--date", "2026-10-01")
    shown = cli.json("quote", "create", str(deal), "--item", "BIG:1", "--tax-rate", "0", "--date", "2026-10-02")
    assert (shown["net"], shown["total"], shown["lines"][0]["net"]) == ("999999999999.99",) * 3
    many = cli.json("quote", "create", str(deal), "--item", f"P-1:{MAX_QTY}:0.09", "--tax-rate", "0", "--date",
                    "2026-10-02")
    assert (many["lines"][0]["qty"], many["total"]) == (MAX_QTY, "900000.00")


def test_same_moment_is_in_order_and_cycle_days_are_never_negative(cli: Cli) -> None:
    cli.ok("product", "add", "P-1", "--name", "Widget", "--price", "100", "--cost", "50")
    lead = cli.id("lead", "add", "甲", "--source", "web", "--date", "2026-10-02T09:00")
    deal = cli.id("lead", "convert", str(lead), "--date", "2026-10-02T09:00")
    quote = cli.ok("quote", "create", str(deal), "--item", "P-1:1", "--date", "2026-10-02T09:00").stdout.strip()
    for step in (["quote", "send", quote], ["quote", "accept", quote]):
        cli.ok(*step, "--date", "2026-10-02T09:00")  # the same moment as the previous event is in order
    contract = cli.ok("contract", "create", quote, "--date", "2026-10-02T09:00").stdout.strip()
    line = cli.fails(2, "contract", "sign", contract, "--signed-by", "X", "--date", "2026-10-01")
    assert line == (f"error: contract {contract} signed on 2026-10-01 00:00 is before it was created on "
                    "2026-10-02 09:00")
    cli.ok("contract", "sign", contract, "--signed-by", "X", "--date", "2026-10-09T09:00")
    total = cli.json("kpi", "report", "--period", "2026-10")["total"]
    assert (total["deals_won"], total["cycle_days"]) == (1, 7.0)


def test_ticket_machine_follows_product_md(cli: Cli) -> None:
    customer = cli.id("customer", "add", "ACME")
    ticket = str(cli.id("ticket", "open", "--customer", str(customer), "--subject", "x", "--date", "2026-11-01"))
    cli.ok("ticket", "update", ticket, "--status", "in_progress", "--date", "2026-11-02")
    cli.ok("ticket", "resolve", ticket, "--date", "2026-11-03")
    cli.ok("ticket", "update", ticket, "--status", "open", "--date", "2026-11-04")  # reopened
    assert "open; it cannot become resolved (allowed: in_progress)" in cli.fails(1, "ticket", "resolve", ticket)
    cli.ok("ticket", "update", ticket, "--status", "in_progress", "--date", "2026-11-05")
    cli.ok("ticket", "resolve", ticket, "--date", "2026-11-05")
    cli.ok("ticket", "update", ticket, "--status", "closed", "--date", "2026-11-06")
    assert "closed, which is final" in cli.fails(1, "ticket", "update", ticket, "--status", "open")


# -- pure domain ------------------------------------------------------------------------------------------------


def test_require_in_order_names_both_dates_and_the_latest_event() -> None:
    require_in_order(datetime(2026, 10, 5), "x", (datetime(2026, 10, 5), "it was created"))  # equal: in order
    require_in_order(date(2026, 10, 5), "x", (None, "never happened"), (date(2026, 10, 1), "it was created"))
    with pytest.raises(InputError) as error:
        require_in_order(datetime(2026, 10, 4), "quote Q-2026-0001 accepted", (datetime(2026, 10, 1), "created"),
                         (datetime(2026, 10, 6), "it was sent"), (datetime(2026, 10, 5), "it was approved"))
    assert error.value.exit_code == 2
    assert str(error.value) == "quote Q-2026-0001 accepted on 2026-10-04 is before it was sent on 2026-10-06"
    with pytest.raises(InputError, match=r"on 2026-10-06 08:59 is before it was opened on 2026-10-06 09:00$"):
        require_in_order(datetime(2026, 10, 6, 8, 59), "ticket 1 updated", (datetime(2026, 10, 6, 9), "it was opened"))
    with pytest.raises(InputError, match=r"on 2026-10-06 09:00:00 is before x on 2026-10-06 09:00:30$"):
        require_in_order(datetime(2026, 10, 6, 9), "y", (datetime(2026, 10, 6, 9, 0, 30), "x"))
    with pytest.raises(InputError, match="on 2026-10-05 is before the deal was created on 2026-10-06"):
        require_in_order(date(2026, 10, 5), "z", (datetime(2026, 10, 6), "the deal was created"))


@pytest.mark.parametrize("text", ["1899-12-31", "3000-01-01", "0001-01-01", "9999-12-31", "1899-12-31T23:59",
                                  "9999-12-31T23:59:59-12:00", "0001-01-01T00:00+14:00", "2999-12-31T23:00-12:00"])
def test_dates_outside_the_range_are_refused(text: str) -> None:
    with pytest.raises(InputError, match=r"outside the supported dates \(1900-01-01 to 2999-12-31\)"):
        parse_datetime(text, now=datetime(2026, 11, 30), field="--date")


def test_dates_at_the_edges_and_relative_overflow() -> None:
    assert parse_date("1900-01-01", today=date(2026, 1, 1)) == date(1900, 1, 1)
    assert parse_date("2999-12-31", today=date(2026, 1, 1)) == date(2999, 12, 31)
    assert parse_date("+1d", today=date(2999, 12, 30)) == date(2999, 12, 31)
    for text, today in [("+1d", date(2999, 12, 31)), ("tomorrow", date(2999, 12, 31)), ("+9999w", date(9999, 1, 1)),
                        ("+9999d", date(9999, 12, 31)), ("today", date(1, 1, 1))]:
        with pytest.raises(InputError, match="outside the supported dates"):
            parse_date(text, today=today, field="--follow-up")


@pytest.mark.parametrize("text", ["0000", "9999", "1899", "3000-Q1", "0001-12", "9999-12"])
def test_periods_outside_the_range_are_refused(text: str) -> None:
    with pytest.raises(InputError, match=r"is outside the supported years 1900\.\.2999"):
        parse_period(text)


def test_period_edges_and_ranges() -> None:
    assert parse_period("1900").start == date(1900, 1, 1)
    assert parse_period("2999-Q4").end == date(2999, 12, 31)
    with pytest.raises(InputError, match="--from: '0001-01-01' is outside"):
        period_between(date(1, 1, 1), date(2026, 1, 1))
    with pytest.raises(InputError, match="--to: '9999-12-31' is outside"):
        period_between(date(2026, 1, 1), date(9999, 12, 31))


def test_unknown_status_is_bad_input_and_known_refusals_stay_refusals() -> None:
    for machine, bogus in [(ORDER, "bogus"), (LEAD, "hot"), (TICKET, "done"), (DEAL, "")]:
        with pytest.raises(InputError, match=f"unknown status {bogus!r} \\(one of {machine.order[0]}, "):
            machine.check(machine.order[0], bogus)
    assert ORDER.check("submitted", " Confirmed ") == "confirmed"  # typed names are trimmed and any case
    with pytest.raises(InvalidTransition):
        ORDER.check("shipped", "confirmed")


@pytest.mark.parametrize(("current", "target", "allowed"), [
    ("open", "in_progress", True), ("open", "resolved", False), ("open", "closed", False),
    ("in_progress", "resolved", True), ("in_progress", "closed", False), ("in_progress", "open", False),
    ("resolved", "closed", True), ("resolved", "open", True), ("closed", "open", False),
])
def test_ticket_transitions(current: str, target: str, allowed: bool) -> None:
    if allowed:
        assert TICKET.check(current, target) == target
    else:
        with pytest.raises(InvalidTransition):
            TICKET.check(current, target)


def _line(qty: int, unit: str, *, cost: str = "1", sku: str = "S") -> Line:
    return Line(sku=sku, name=sku, qty=qty, unit_price=Decimal(unit), list_price=Decimal(unit), unit_cost=Decimal(cost))


def test_check_limits() -> None:
    top = [_line(1, str(MAX_AMOUNT))]
    check_limits(top, price(top, discount=Decimal(0), tax_rate=Decimal(0)))  # exactly the maximum is fine
    for lines, tax, message in [
        ([_line(2, str(MAX_AMOUNT))], "0", "--item S: 2 × unit price"),
        ([_line(1, "1", cost=str(MAX_AMOUNT)), _line(1, "1", cost="0", sku="T")], "0", None),
        ([_line(1, "1", cost="600000000000"), _line(1, "1", cost="600000000000", sku="T")], "0",
         "the quote's cost 1200000000000.00"),
        ([_line(1, "900000000000")], "13", "the quote's total 1017000000000.00"),
        ([_line(MAX_QTY + 1, "0.01")], "0", f"quantity {MAX_QTY + 1:,} is more than the maximum {MAX_QTY:,}"),
        ([_line(MAX_QTY, "0.01", sku=f"S{i}") for i in range(MAX_UNITS // MAX_QTY + 1)], "0",
         f"the quote's total quantity 1,010,000,000 is more than the maximum {MAX_UNITS:,}"),
    ]:
        totals = price(lines, discount=Decimal(0), tax_rate=Decimal(tax))
        if message is None:
            check_limits(lines, totals)
            continue
        with pytest.raises(InputError, match="maximum") as error:
            check_limits(lines, totals)
        assert message in str(error.value)
