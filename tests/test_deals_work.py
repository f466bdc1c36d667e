"""Working a deal (issue 15): deal log, one timeline in deal show, deal update with history, the deal's value
(current quote's net, else the needs' budget, else set by hand), and forecast/pipeline by probability."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Case, Cli, built, check_refusals

BOB = ["--rep", "bob"]
ALICE = ["--rep", "alice"]


@pytest.fixture
def deal(cli: Cli, request: pytest.FixtureRequest) -> Cli:
    """bob's deal 1 (created 2026-10-02) with a product P-1 (100.00, cost 50); alice is another rep, mgr a manager
    (made once per backend, copied for each test)."""
    built(request, cli, _deal)
    return cli


def _deal(cli: Cli) -> None:
    cli.ok("rep", "add", "bob", "--name", "鲍勃")
    cli.ok("rep", "add", "alice", "--name", "艾丽斯")
    cli.ok("rep", "add", "mgr", "--name", "经理", "--manager")
    cli.ok("product", "add", "P-1", "--name", "Widget", "--price", "100", "--cost", "50")
    cli.id(*BOB, "lead", "add", "客户乙", "--source", "web", "--company", "乙公司", "--date", "2026-10-01")
    assert cli.id(*BOB, "lead", "convert", "1", "--date", "2026-10-02") == 1


def value(cli: Cli) -> str:
    return str(cli.json("deal", "show", "1")["value"])


def test_deal_log_prints_the_activity_and_the_next_day_becomes_a_task(deal: Cli) -> None:
    activity = deal.id(*BOB, "deal", "log", "1", "--kind", "wechat", "--summary", "聊了价格", "--next", "2026-10-09",
                       "--date", "2026-10-03T10:00")
    assert activity >= 1
    deal.id(*BOB, "deal", "log", "1", "--kind", "Visit", "--summary", "上门拜访", "--date", "2026-10-04")
    tasks = deal.json(*BOB, "task", "list")
    assert [(t["on"], t["record_id"], t["due"], t["text"]) for t in tasks] == [
        ("deal", 1, "2026-10-09", "follow up: 聊了价格")]
    kinds = [e["event"] for e in deal.json("deal", "show", "1")["timeline"]]
    assert "wechat" in kinds and "visit" in kinds and "task" in kinds


def test_deal_log_format_json_prints_the_activity(deal: Cli) -> None:
    record = deal.json(*BOB, "deal", "log", "1", "--kind", "meeting", "--summary", "报价沟通", "--next", "+2d",
                       "--date", "2026-10-03T10:00")
    assert record == {"id": record["id"], "deal_id": 1, "kind": "meeting", "at": "2026-10-03T10:00:00",
                      "summary": "报价沟通", "next_step": "2026-10-05", "rep": "bob"}
    assert deal.id(*BOB, "deal", "log", "1", "--kind", "note", "--summary", "x") == record["id"] + 1  # id alone
    assert "--kind" in deal.fails(2, *BOB, "deal", "log", "1", "--kind", "fax", "--summary", "x", "--format", "json")


def test_show_is_one_timeline_in_time_order(deal: Cli) -> None:
    deal.ok(*BOB, "needs", "confirm", "1", "--item", "P-1:2", "--budget", "300", "--deliver-by", "2027-06-01",
            "--date", "2026-10-05")
    deal.ok(*BOB, "deal", "log", "1", "--kind", "call", "--summary", "确认需求", "--date", "2026-10-04")
    deal.ok(*BOB, "demo", "log", "1", "--products", "P-1", "--outcome", "positive", "--date", "2026-10-06")
    quote = deal.ok(*BOB, "quote", "create", "1", "--item", "P-1:2", "--date", "2026-10-07").stdout.strip()
    deal.ok(*BOB, "quote", "send", quote, "--date", "2026-10-08")
    deal.ok(*BOB, "quote", "accept", quote, "--date", "2026-10-09")
    contract = deal.ok(*BOB, "contract", "create", quote, "--date", "2026-10-10").stdout.strip()
    deal.ok(*BOB, "contract", "sign", contract, "--signed-by", "张总", "--date", "2026-10-11")
    order = deal.ok(*BOB, "order", "create", contract, "--promised", "2026-11-01", "--date", "2026-10-12").stdout
    deal.ok(*BOB, "order", "update", order.strip(), "--status", "delivered", "--date", "2026-10-20")
    deal.ok(*BOB, "ticket", "open", "--order", order.strip(), "--subject", "坏了", "--date", "2026-10-21")
    deal.ok(*BOB, "survey", "record", "--order", order.strip(), "--nps", "9", "--date", "2026-10-25")
    record = deal.json("deal", "show", "1")
    timeline = record["timeline"]
    assert [e["at"] for e in timeline] == sorted(e["at"] for e in timeline)
    assert set(timeline[0]) == {"at", "event", "detail", "rep"}
    events = [e["event"] for e in timeline]
    for kind in ("stage", "call", "needs", "demo", "quote", "contract", "order", "ticket", "survey"):
        assert kind in events, kind
    assert events.index("call") < events.index("needs") < events.index("demo") < events.index("quote")
    assert events.index("contract") < events.index("order") < events.index("ticket") < events.index("survey")
    assert record["stage"] == "won" and record["value"] == "200.00"  # the signed contract's net


def test_value_is_current_quote_net_else_budget_else_by_hand(deal: Cli) -> None:
    assert deal.json("deal", "show", "1")["value"] is None
    deal.ok(*BOB, "deal", "update", "1", "--value", "999.90", "--date", "2026-10-03")
    assert value(deal) == "999.90"  # by hand
    deal.ok(*BOB, "needs", "confirm", "1", "--item", "P-1:50", "--budget", "5000", "--deliver-by", "2027-06-01",
            "--date", "2026-10-04")
    assert value(deal) == "5000.00"  # the needs' budget
    quote = deal.ok(*BOB, "quote", "create", "1", "--item", "P-1:50", "--valid-days", "3650",
                    "--date", "2026-10-05").stdout.strip()
    assert value(deal) == "5000.00" == deal.json("quote", "show", quote)["net"]
    deal.ok(*BOB, "quote", "revise", quote, "--item", "P-1:10", "--valid-days", "3650",
            "--date", "2026-10-06")
    assert value(deal) == "1000.00"  # the latest revision, not the superseded one
    deal.ok(*BOB, "quote", "send", quote, "--date", "2026-10-07")
    deal.ok(*BOB, "quote", "reject", quote, "--date", "2026-10-08")
    assert value(deal) == "5000.00"  # a rejected quote's amount is never the value (issue 15)
    second = deal.ok(*BOB, "quote", "create", "1", "--item", "P-1:1", "--valid-days", "3650",
                     "--date", "2026-10-09").stdout.strip()
    deal.ok(*BOB, "quote", "send", second, "--date", "2026-10-09")
    deal.ok(*BOB, "quote", "accept", second, "--date", "2026-10-10")
    assert value(deal) == "100.00"
    assert [d["value"] for d in deal.json("deal", "list")] == ["100.00"]
    stage = deal.json("deal", "show", "1")["stage"]
    assert {r["stage"]: r["value"] for r in deal.json("pipeline")}[stage] == "100.00"


def test_expired_quote_is_not_the_value(deal: Cli) -> None:
    deal.ok(*BOB, "deal", "update", "1", "--value", "42", "--date", "2026-10-03")
    deal.ok(*BOB, "quote", "create", "1", "--item", "P-1:3", "--valid-days", "5", "--date", "2026-10-03")
    assert value(deal) == "42.00"  # valid until 2026-10-08: expired by now


def test_update_keeps_history_and_feeds_forecast_and_pipeline(deal: Cli) -> None:
    deal.ok(*BOB, "deal", "update", "1", "--value", "1000", "--date", "2026-10-03")
    forecast = deal.json("kpi", "forecast")
    assert forecast == [{"month": "(no date)", "deals": 1, "value": "1000.00", "weighted": "100.00"}]  # 10% default
    record = deal.json(*BOB, "deal", "update", "1", "--expected-close", "2026-12-15", "--probability", "35",
                       "--next-step", "约王总吃饭", "--title", "乙公司 一期", "--date", "2026-10-04")
    assert (record["expected_close"], record["probability"], record["win_probability"], record["next_step"],
            record["title"]) == ("2026-12-15", "35.00", 0.35, "约王总吃饭", "乙公司 一期")
    assert deal.json("kpi", "forecast") == [{"month": "2026-12", "deals": 1, "value": "1000.00",
                                             "weighted": "350.00"}]
    stages = {r["stage"]: r for r in deal.json("pipeline")}
    assert stages["qualification"]["weighted"] == "350.00" and stages["qualification"]["probability"] == 0.1
    history = deal.json("history", "deal", "1")
    updates = [h for h in history if h["action"] == "update"]
    assert len(updates) == 2 and all(h["rep"] == "bob" for h in updates)
    deal.ok("--rep", "mgr", "deal", "update", "1", "--owner", "alice", "--date", "2026-10-05")
    assert deal.json("deal", "show", "1")["owner"] == "alice"


CASES: list[Case] = [
    (2, [*BOB, "deal", "log", "1", "--kind", "fax", "--summary", "x"], "--kind: 'fax' is not an activity kind"),
    (2, [*BOB, "deal", "log", "1", "--kind", "call", "--summary", "  "], "--summary"),
    (2, [*BOB, "deal", "log", "1", "--kind", "call", "--summary", "x", "--date", "2026-13-01"], "--date"),
    (2, [*BOB, "deal", "log", "1", "--kind", "call", "--summary", "x", "--date", "2026-09-01"],
     "is before the deal was created"),
    (2, [*BOB, "deal", "log", "1", "--kind", "call", "--summary", "x", "--date", "2026-10-05", "--next",
         "2026-10-04"], "is before the activity"),
    (1, [*BOB, "deal", "log", "99", "--kind", "call", "--summary", "x"], "deal 99 not found"),
    (2, [*BOB, "deal", "log", "abc", "--kind", "call", "--summary", "x"], "is not an id"),
    (1, [*ALICE, "deal", "log", "1", "--kind", "call", "--summary", "x"], "deal 1 belongs to bob"),
    (1, [*ALICE, "deal", "update", "1", "--probability", "90"], "deal 1 belongs to bob"),
    (1, [*BOB, "deal", "update", "1", "--owner", "alice"], "only a manager can give a record"),
    (1, [*BOB, "deal", "update", "99", "--probability", "10"], "deal 99 not found"),
    (2, [*BOB, "deal", "update", "1"], "nothing to update"),
    (2, [*BOB, "deal", "update", "1", "--probability", "120"], "--probability"),
    (2, [*BOB, "deal", "update", "1", "--value", "-5"], "--value"),
    (2, [*BOB, "deal", "update", "1", "--value", "abc"], "--value"),
    (2, [*BOB, "deal", "update", "1", "--expected-close", "2026-02-30"], "--expected-close"),
    (2, [*BOB, "deal", "update", "1", "--expected-close", "2026-09-30"], "is before the deal was created"),
    (2, [*BOB, "deal", "update", "1", "--title", "x", "--date", "2026-10-01"], "is before the deal was created"),
    (2, [*BOB, "deal", "update", "1", "--title", " "], "--title"),
]


def test_refusals_change_nothing(deal: Cli, tmp_path: Path) -> None:
    check_refusals(deal, CASES, tmp_path)


def test_a_closed_deal_is_not_updated(deal: Cli) -> None:
    deal.ok(*BOB, "deal", "lose", "1", "--reason", "price", "--date", "2026-10-03")
    assert "deal 1 is lost" in deal.fails(1, *BOB, "deal", "update", "1", "--probability", "50")
    deal.id(*BOB, "deal", "log", "1", "--kind", "call", "--summary", "回访", "--date", "2026-10-04")  # still loggable
