"""The records services return have exactly the keys their types in salescli/records.py name (issue 22): the
types are what mypy checks commands against, so a key added to a query but not to its type (or the other way
round) fails here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import pytest

from salescli import records
from tests.conftest import Cli, delivered_order


def _keys(kind: Any, *, full: bool) -> set[str]:
    return set(kind.__required_keys__) | (set(kind.__optional_keys__) if full else set())


def _check(kind: Any, found: Mapping[str, Any] | Iterable[Mapping[str, Any]], *, full: bool = False) -> None:
    """Every record in ``found`` has the type's required keys (and its optional ones too with ``full``)."""
    rows = [found] if isinstance(found, Mapping) else list(found)
    assert rows, kind.__name__
    for row in rows:
        assert set(row) == _keys(kind, full=full), kind.__name__


@pytest.fixture
def sold(sqlite_cli: Cli) -> tuple[Cli, str]:
    """A delivered order with a ticket and a survey, from a converted lead; a deal activity and task; a lead due
    today; a demo on another deal."""
    cli = sqlite_cli
    number, _customer = delivered_order(cli)
    cli.ok("ticket", "open", "--order", number, "--subject", "坏了")
    cli.id("task", "add", "--deal", "1", "--due", "today", "回电话")
    cli.id("survey", "record", "--order", number, "--nps", "9")
    cli.ok("deal", "log", "1", "--kind", "call", "--summary", "asked about delivery")
    due = cli.id("lead", "add", "钱伟", "--source", "web", "--phone", "13800138000", "--follow-up", "today")
    cli.ok("lead", "log", str(due), "--kind", "call", "--summary", "left a message")
    open_deal = cli.id("lead", "convert", str(cli.id("lead", "add", "李雷", "--source", "web", "--company", "丁公司")))
    cli.id("demo", "log", str(open_deal), "--products", "GW-1")
    return cli, number


def test_service_records_have_the_keys_their_types_name(sold: tuple[Cli, str]) -> None:
    from salescli.services import (
        agenda,
        contracts,
        customers,
        deals,
        demos,
        leads,
        orders,
        products,
        quotes,
        surveys,
        tasks,
        tickets,
    )

    cli, number = sold
    today = date.today()
    with cli.engine.connect() as conn:
        lead = leads.get(conn, 2)
        _check(records.Lead, lead, full=True)
        _check(records.Activity, lead["activities"])
        _check(records.Lead, leads.listing(conn, merged=True))
        _check(records.LeadMatch, leads.duplicates(conn, email_key=None, phone_key="+8613800138000"))
        _check(records.FollowUp, agenda.due_leads(conn, today=today, owner_id=None))

        customer = customers.get(conn, 1)
        _check(records.CustomerDetail, customer)
        _check(records.Contact, customer["contacts"])
        _check(records.Customer, customers.listing(conn))

        deal = deals.show(conn, 1, today=today)
        _check(records.Deal, deal, full=True)
        _check(records.TimelineEvent, deal["timeline"])
        _check(records.Deal, deals.listing(conn, today=today))
        _check(records.StageTotal, deals.pipeline(conn, today=today))
        _check(records.DealActivity, deals.activity(conn, 1))
        _check(records.Totals, agenda.open_total(deals.pipeline(conn, today=today)))

        quote = quotes.record(conn, cli.json("quote", "list")[0]["number"], today=today)
        _check(records.Quote, quote)
        _check(records.QuoteLine, quote["lines"])
        _check(records.QuoteSummary, quotes.listing(conn, today=today))

        contract = contracts.get(conn, cli.json("contract", "list")[0]["number"])
        _check(records.Contract, contract)
        _check(records.ContractLine, contract["lines"])
        _check(records.ContractSummary, contracts.listing(conn))

        order = orders.track(conn, number, today=today)
        _check(records.Order, order, full=True)
        _check(records.StatusEvent, order["events"])
        _check(records.Order, orders.listing(conn, today=today, include_closed=True))

        ticket = tickets.get(conn, 1, now=datetime.now())
        _check(records.Ticket, ticket, full=True)
        _check(records.StatusEvent, ticket["events"])
        _check(records.Ticket, tickets.listing(conn, now=datetime.now()))

        _check(records.Task, tasks.get(conn, 1, today=today))
        _check(records.Task, tasks.listing(conn, today=today))

        _check(records.Product, products.get(conn, "GW-1"))
        _check(records.Product, products.listing(conn))
        _check(records.Product, products.resolve(conn, ["GW-1"]).values())

        _check(records.Demo, demos.listing(conn))
        _check(records.Survey, surveys.listing(conn))


def test_targets_set_and_listed_have_one_shape(sqlite_cli: Cli) -> None:
    from salescli.services import targets

    sqlite_cli.ok("rep", "add", "wang", "--name", "王芳")
    with sqlite_cli.engine.begin() as conn:
        made = targets.set_target(conn, rep="wang", period="2026-11", revenue="100", units=3, at=datetime.now(),
                                  actor=None)
        _check(records.Target, made)
        _check(records.Target, targets.listing(conn))


def test_converting_returns_a_conversion(sqlite_cli: Cli) -> None:
    from salescli.services import leads

    lead = sqlite_cli.id("lead", "add", "孙丽", "--source", "web", "--company", "丙公司")
    with sqlite_cli.engine.begin() as conn:
        made = leads.convert(conn, lead, title=None, owner_id=None, at=datetime.now(), actor=None, targets=[],
                             region="CN")
    _check(records.Conversion, made)


def _check_grouped(kind: Any, rows: list[Any], by: str | None) -> None:
    """Rows of a report grouped ``by``: the type's required keys and the group's (none when not grouped)."""
    assert rows, kind.__name__
    for row in rows:
        assert set(row) == _keys(kind, full=False) | ({by} if by else set()), (kind.__name__, by)


def test_rows_reps_needs_history_and_reports_have_the_keys_their_types_name(sqlite_cli: Cli) -> None:
    from salescli.domain.dates import parse_period
    from salescli.domain.lost import parse_reasons
    from salescli.services import contracts, deals, history, kpi, lost, needs, orders, quotes, reps

    cli = sqlite_cli
    cli.ok("rep", "add", "wang", "--name", "王芳")
    cli.ok("rep", "update", "wang", "--email", "wang@example.cn")
    number, _customer = delivered_order(cli)
    cli.id("survey", "record", "--order", number, "--nps", "9")
    cli.ok("product", "add", "GW-2", "--name", "网关二代", "--price", "900", "--cost", "500", "--category", "gateway")
    cli.ok("product", "add", "GW-3", "--name", "网关三代", "--price", "800", "--cost", "400", "--category", "gateway")
    open_deal = cli.id("lead", "convert", str(cli.id("lead", "add", "李雷", "--source", "web", "--company", "丁公司")))
    cli.ok("needs", "confirm", str(open_deal), "--item", "GW-2:2", "--budget", "100", "--deliver-by", "+60d")
    lost_deal = cli.id("lead", "convert", str(cli.id("lead", "add", "韩梅", "--source", "referral",
                                                       "--company", "戊公司")))
    cli.ok("quote", "create", str(lost_deal), "--item", "GW-3:1")
    cli.ok("deal", "lose", str(lost_deal), "--reason", "price")
    today = date.today()
    period = parse_period(f"{today:%Y}")
    quote, contract = cli.json("quote", "list")[0]["number"], cli.json("contract", "list")[0]["number"]
    with cli.engine.begin() as conn:
        _check(records.DealRow, deals.fetch_deal(conn, lost_deal))
        _check(records.DealRow, deals.get_open(conn, open_deal))
        _check(records.QuoteRow, quotes.get_row(conn, quote))
        _check(records.ContractRow, contracts.get_row(conn, contract))
        _check(records.OrderRow, orders.get_row(conn, number))

        _check(records.Rep, reps.get(conn, "wang"))
        _check(records.RepSummary, reps.listing(conn))
        _check(records.Rep, reps.update(conn, "wang", name="王芳芳", email=None, manager=True, at=datetime.now(),
                                        actor=None))
        _check(records.Change, history.changes(conn, "rep", "wang"))

        confirmed = needs.get(conn, open_deal)
        _check(records.Needs, confirmed)
        _check(records.NeedItem, confirmed["items"])
        _check(records.Finding, confirmed["findings"])
        _check(records.Recommendation, needs.recommend(conn, open_deal, today=datetime.now(), limit=5))

        for by in ("rep", "month", "channel", "product"):
            report = kpi.report(conn, period=period, by=by)
            _check(records.KpiReport, report)
            _check(records.Span, report["period"])
            _check(records.Measures, report["total"])
            _check_grouped(records.Measures, list(report["rows"]), by)
        for by in ("channel", "rep"):
            funnel = kpi.funnel(conn, period=period, by=by)
            _check(records.Funnel, funnel)
            _check(records.FunnelCounts, funnel["total"])
            _check_grouped(records.FunnelCounts, list(funnel["rows"]), by)
            _check(records.StageDays, funnel["stage_days"])
        _check(records.ForecastMonth, kpi.forecast(conn, today=today))

        reasons = parse_reasons("price:价格,lead_time:交期")
        for grouping in (None, "rep", "channel", "product"):
            found = lost.report(conn, period=period, reasons=reasons, by=grouping)
            _check(records.LostReport, found)
            _check(records.LostTotal, found["total"])
            _check_grouped(records.LostReason, list(found["rows"]), grouping)
