"""Step 10: targets and KPIs against a hand-computed fixture; JSON compared exactly; periods at their edges."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from salescli.domain.dates import parse_period
from salescli.domain.kpi import Sums, as_numbers, measures, target_for
from tests.conftest import Cli, built


def _won(cli: Cli, owner: str, created: str, signed: str, qty: int, delivered: str | None = None,
         promised: str | None = None) -> str:
    lead = cli.id("--rep", owner, "lead", "add", f"L{owner}{created}", "--source", "referral", "--company",
                  f"Co {owner} {created}", "--date", created)
    deal = cli.id("lead", "convert", str(lead), "--date", created)
    quote = cli.ok("quote", "create", str(deal), "--item", f"P-1:{qty}", "--tax-rate", "0", "--date",
                   created).stdout.strip()
    cli.ok("quote", "send", quote, "--date", created)
    cli.ok("quote", "accept", quote, "--date", created)
    contract = cli.ok("contract", "create", quote, "--date", created).stdout.strip()
    cli.ok("contract", "sign", contract, "--signed-by", "X", "--date", signed)
    order = cli.ok("order", "create", contract, "--promised", promised or signed[:10], "--date",
                   signed).stdout.strip()
    if delivered:
        cli.ok("order", "update", order, "--status", "delivered", "--date", delivered)
    return order


def _lost(cli: Cli, owner: str, when: str) -> None:
    lead = cli.id("--rep", owner, "lead", "add", f"lost{when}", "--source", "web", "--date", "2026-09-01")
    deal = cli.id("lead", "convert", str(lead), "--date", "2026-09-01")
    cli.ok("deal", "lose", str(deal), "--reason", "price", "--date", when)


@pytest.fixture
def book(cli: Cli, request: pytest.FixtureRequest) -> Cli:
    built(request, cli, _book)  # made once per backend, copied for each test
    return cli


def _book(cli: Cli) -> None:
    cli.ok("rep", "add", "a", "--name", "Anna")
    cli.ok("rep", "add", "b", "--name", "白冰")
    cli.ok("rep", "add", "boss", "--name", "Boss", "--manager")
    cli.ok("product", "add", "P-1", "--name", "Widget", "--price", "500", "--cost", "100")
    cli.ok("target", "set", "a", "2026-Q4", "--revenue", "10000")
    for month, amount in (("2026-10", "1000"), ("2026-11", "2000"), ("2026-12", "3000")):
        cli.ok("target", "set", "b", month, "--revenue", amount)
    o1 = _won(cli, "a", "2026-10-01", "2026-10-11", 2, delivered="2026-10-20T18:00", promised="2026-10-20")
    _won(cli, "a", "2026-10-05T12:00", "2026-11-05", 1, delivered="2026-11-12", promised="2026-11-10")
    o3 = _won(cli, "b", "2026-09-01", "2026-12-31T23:00", 1, promised="2027-01-31")  # signed at the very edge
    _won(cli, "b", "2026-12-01", "2027-01-01T00:00", 5)  # one minute past the quarter
    _lost(cli, "b", "2026-10-20")
    _lost(cli, "a", "2027-01-01")
    for nps, csat in ((10, 5), (9, 4), (3, 2)):
        cli.id("survey", "record", "--order", o1, "--nps", str(nps), "--csat", str(csat), "--date", "2026-11-01")
    cli.id("survey", "record", "--order", o3, "--nps", "7", "--csat", "3", "--date", "2026-12-31T23:59")
    cli.id("survey", "record", "--order", o3, "--nps", "0", "--csat", "1", "--date", "2026-09-30T23:59")  # before


EXPECTED_A = {"rep": "a", "revenue": "1500.00", "units": 3, "deals_won": 2, "deals_lost": 0, "win_rate": 1.0,
              "avg_deal": "750.00", "cycle_days": 20.3, "target": "10000.00", "attainment": 0.15, "nps": 33.3,
              "csat": 3.67, "surveys": 3, "on_time_rate": 0.5}
EXPECTED_B = {"rep": "b", "revenue": "500.00", "units": 1, "deals_won": 1, "deals_lost": 1, "win_rate": 0.5,
              "avg_deal": "500.00", "cycle_days": 122.0, "target": "6000.00", "attainment": 0.0833, "nps": 0.0,
              "csat": 3.0, "surveys": 1, "on_time_rate": None}


def test_report_by_rep_hand_computed(book: Cli) -> None:
    report = book.json("kpi", "report", "--period", "2026-Q4")
    assert report["period"] == {"from": "2026-10-01", "to": "2026-12-31"} and report["by"] == "rep"
    rows = {r["rep"]: r for r in report["rows"]}
    assert rows["a"] == EXPECTED_A
    assert rows["b"] == EXPECTED_B
    assert rows["boss"] == {"rep": "boss", "revenue": "0.00", "units": 0, "deals_won": 0, "deals_lost": 0,
                            "win_rate": None, "avg_deal": None, "cycle_days": None, "target": None,
                            "attainment": None, "nps": None, "csat": None, "surveys": 0, "on_time_rate": None}
    # pooled, not averaged: cycle (10 + 30.5 + 121.958) / 3; NPS (2 promoters − 1 detractor) / 4 answers
    assert report["total"] == {"revenue": "2000.00", "units": 4, "deals_won": 3, "deals_lost": 1, "win_rate": 0.75,
                               "avg_deal": "666.67", "cycle_days": 54.2, "target": "16000.00", "attainment": 0.125,
                               "nps": 25.0, "csat": 3.5, "surveys": 4, "on_time_rate": 0.5}


def test_period_edges_ranges_and_monthly_targets(book: Cli) -> None:
    december = {r["rep"]: r for r in book.json("kpi", "report", "--period", "2026-12")["rows"]}
    assert december["b"]["deals_won"] == 1 and december["b"]["target"] == "3000.00"
    assert december["a"]["target"] is None  # a quarterly target is not split into months
    october = book.json("kpi", "report", "--from", "2026-10-01", "--to", "2026-10-31")
    assert {r["rep"]: r["target"] for r in october["rows"]}["b"] == "1000.00"  # the range is exactly a month
    odd = book.json("kpi", "report", "--from", "2026-10-02", "--to", "2026-10-31")
    assert all(r["target"] is None for r in odd["rows"])
    january = {r["rep"]: r for r in book.json("kpi", "report", "--period", "2027-01")["rows"]}
    assert (january["b"]["deals_won"], january["a"]["deals_lost"]) == (1, 1)
    only_a = book.json("kpi", "report", "--period", "2026-Q4", "--rep", "a")
    assert only_a["rows"] == [EXPECTED_A] and only_a["total"]["revenue"] == "1500.00"


def test_report_by_month_channel_product(book: Cli) -> None:
    by_month = book.json("kpi", "report", "--period", "2026-Q4", "--by", "month")
    assert [(r["month"], r["revenue"], r["target"]) for r in by_month["rows"]] == [
        ("2026-10", "1000.00", "1000.00"), ("2026-11", "500.00", "2000.00"), ("2026-12", "500.00", "3000.00")]
    by_channel = book.json("kpi", "report", "--period", "2026-Q4", "--by", "channel")
    assert [(r["channel"], r["deals_won"], r["deals_lost"]) for r in by_channel["rows"]] == [
        ("referral", 3, 0), ("web", 0, 1)]
    by_product = book.json("kpi", "report", "--period", "2026-Q4", "--by", "product")
    assert [(r["product"], r["units"], r["revenue"]) for r in by_product["rows"]] == [("P-1", 4, "2000.00")]
    assert by_product["total"]["surveys"] == 4  # pooled over records, not over product lines


def test_report_formats_chart_html_and_errors(book: Cli, tmp_path: Path) -> None:
    text = book.ok("kpi", "report", "--period", "2026-Q4", "--chart", "--format", "plain").stdout
    assert "TOTAL" in text and "revenue vs target" in text and "█" in text and "░" in text
    csv_text = book.ok("kpi", "report", "--period", "2026-Q4", "--format", "csv").stdout
    assert csv_text.splitlines()[0].startswith("rep,revenue,units,deals_won")
    assert csv_text.splitlines()[-1].startswith("TOTAL,2000.00,4,3,1,0.75,") and \
        csv_text.splitlines()[-1].endswith(",2026-10-01,2026-12-31")
    page = tmp_path / "kpi.html"
    book.ok("kpi", "report", "--period", "2026-Q4", "--html", str(page))
    html = page.read_text(encoding="utf-8")
    assert "<svg" in html and "Total" in html and "Anna" in html and "白冰" in html
    assert "1,500.00" in html and "<script" not in html
    assert "not a period" in book.fails(2, "kpi", "report", "--period", "2026-13")
    assert "not both" in book.fails(2, "kpi", "report", "--period", "2026", "--from", "2026-01-01")
    assert "not one of" in book.fails(2, "kpi", "report", "--by", "planet")
    assert "no rep 'zed'" in book.fails(1, "kpi", "report", "--rep", "zed")


def test_funnel_and_forecast(book: Cli) -> None:
    funnel = book.json("kpi", "funnel", "--period", "2026", "--by", "rep")
    total = funnel["total"]
    assert (total["leads"], total["deals"], total["won"]) == (6, 6, 4)
    assert total["quote_sent"] == 4 and total["needs"] == 4  # a quoted deal counts as past needs (skips)
    assert total["deals_to_needs"] == 0.6667 and total["lead_to_won"] == 0.6667
    assert book.json("kpi", "forecast") == []


def test_targets_set_replace_list(book: Cli) -> None:
    book.ok("target", "set", "a", "2026-Q4", "--revenue", "12000", "--units", "10")
    rows = book.json("target", "list", "--rep", "a")
    assert [(r["period"], r["revenue"], r["units"]) for r in rows] == [("2026-Q4", "12000.00", 10)]
    assert "not a period" in book.fails(2, "target", "set", "a", "2026-13", "--revenue", "1")
    assert "--revenue" in book.fails(2, "target", "set", "a", "2026-11", "--revenue", "-5")
    assert "no rep 'zed'" in book.fails(1, "target", "set", "zed", "2026-11", "--revenue", "5")


def test_pure_measures_and_targets() -> None:
    empty = measures(Sums(), None)
    assert (empty["win_rate"], empty["avg_deal"], empty["nps"], empty["on_time_rate"]) == (None, None, None, None)
    s = Sums(revenue=Decimal("1000.00"), won=3, lost=0, cycle_days=Decimal("10.25"), promoters=1, nps_answers=3)
    m = as_numbers(measures(s, Decimal("0")))
    assert m["attainment"] is None and m["avg_deal"] == Decimal("333.33") and m["cycle_days"] == 3.4
    assert m["nps"] == 33.3
    monthly = {"2026-10": Decimal(1), "2026-12": Decimal(2)}
    assert target_for(parse_period("2026-Q4"), monthly) == Decimal(3)
    assert target_for(parse_period("2026"), {"2026-Q1": Decimal(5), "2026-Q3": Decimal(1)}) == Decimal(6)
    assert target_for(parse_period("2026-11"), monthly) is None
    assert target_for(parse_period("2026-Q4"), {**monthly, "2026-Q4": Decimal(9)}) == Decimal(9)
    assert (Sums(won=1) + Sums(won=2, lost=1)).won == 3
