"""Tasks on deals, leads and customers (issue 15): add/list/done/update, the team rules, and `today` showing only
the acting rep's tasks, follow-ups, quotes and tickets."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Case, Cli, built, check_refusals

BOB = ["--rep", "bob"]
ALICE = ["--rep", "alice"]
MGR = ["--rep", "mgr"]


@pytest.fixture
def team(cli: Cli, request: pytest.FixtureRequest) -> Cli:
    """bob owns lead 1, customer 1 and deal 1 (created 2026-10-02); alice owns lead 2; task 1 is bob's (made once
    per backend, copied for each test)."""
    built(request, cli, _team)
    return cli


def _team(cli: Cli) -> None:
    cli.ok("rep", "add", "bob", "--name", "鲍勃")
    cli.ok("rep", "add", "alice", "--name", "艾丽斯")
    cli.ok("rep", "add", "mgr", "--name", "经理", "--manager")
    cli.id(*BOB, "lead", "add", "客户乙", "--source", "web", "--company", "乙公司", "--date", "2026-10-01")
    assert cli.id(*BOB, "lead", "convert", "1", "--date", "2026-10-02") == 1
    assert cli.id(*ALICE, "lead", "add", "客户甲", "--source", "web", "--date", "2026-10-01") == 2
    assert cli.id(*BOB, "task", "add", "--deal", "1", "--due", "2026-10-10", "--date", "2026-10-03", "寄样品") == 1


def test_add_list_update_done(team: Cli) -> None:
    record = team.json(*BOB, "task", "add", "--customer", "1", "--due", "2026-10-08", "--priority", "HIGH",
                       "--date", "2026-10-03", "回访张总")
    assert {k: record[k] for k in ("id", "due", "priority", "status", "on", "record_id", "record", "text", "owner")} \
        == {"id": 2, "due": "2026-10-08", "priority": "high", "status": "open", "on": "customer", "record_id": 1,
            "record": "乙公司", "text": "回访张总", "owner": "bob"}
    assert team.id(*ALICE, "task", "add", "--lead", "2", "--due", "2026-10-20", "--date", "2026-10-03", "打电话") == 3
    mine = team.json(*BOB, "task", "list")
    assert [t["id"] for t in mine] == [2, 1]  # soonest due first, only bob's
    assert [t["id"] for t in team.json(*MGR, "task", "list", "--all")] == [2, 1, 3]
    assert [t["id"] for t in team.json(*MGR, "task", "list", "--owner", "alice")] == [3]
    assert [t["id"] for t in team.json(*BOB, "task", "list", "--due-before", "2026-10-09")] == [2]
    assert [t["id"] for t in team.json(*BOB, "task", "list", "--overdue")] == [2, 1]  # today is after both
    updated = team.json(*BOB, "task", "update", "1", "--due", "2026-10-12", "--priority", "low", "--text", "寄合同",
                        "--date", "2026-10-04")
    assert (updated["due"], updated["priority"], updated["text"]) == ("2026-10-12", "low", "寄合同")
    team.ok(*BOB, "task", "done", "1", "--date", "2026-10-05")
    assert [t["id"] for t in team.json(*BOB, "task", "list")] == [2]
    done = next(t for t in team.json(*BOB, "task", "list", "--done") if t["id"] == 1)
    assert done["status"] == "done" and done["done_at"].startswith("2026-10-05")
    assert [h["action"] for h in team.json("history", "task", "1")] == ["create", "update", "done"]


def test_a_reassigned_deal_takes_its_open_tasks(team: Cli) -> None:
    team.ok(*MGR, "deal", "update", "1", "--owner", "alice", "--date", "2026-10-04")
    assert [t["id"] for t in team.json(*ALICE, "task", "list")] == [1]
    assert team.json(*BOB, "task", "list") == []


CASES: list[Case] = [
    (2, [*BOB, "task", "add", "--due", "2026-10-10", "x"], "exactly one record"),
    (2, [*BOB, "task", "add", "--deal", "1", "--lead", "1", "--due", "2026-10-10", "x"], "exactly one record"),
    (2, [*BOB, "task", "add", "--deal", "1", "--due", "2026-10-32", "x"], "--due"),
    (2, [*BOB, "task", "add", "--deal", "1", "--due", "2026-10-10", "--priority", "urgent", "x"], "--priority"),
    (2, [*BOB, "task", "add", "--deal", "1", "--due", "2026-10-10", "  "], "TEXT"),
    (2, [*BOB, "task", "add", "--deal", "1", "--due", "2026-10-01", "--date", "2026-10-05", "x"],
     "is before the task was added"),
    (2, [*BOB, "task", "add", "--deal", "1", "--due", "2026-10-10", "--date", "2026-09-01", "x"],
     "is before the deal was created"),
    (1, [*BOB, "task", "add", "--deal", "99", "--due", "2026-10-10", "x"], "deal 99 not found"),
    (1, [*BOB, "task", "add", "--lead", "2", "--due", "2026-10-10", "x"], "lead 2 belongs to alice"),
    (1, [*ALICE, "task", "add", "--deal", "1", "--due", "2026-10-10", "x"], "deal 1 belongs to bob"),
    (1, [*ALICE, "task", "add", "--customer", "1", "--due", "2026-10-10", "x"], "customer 1 belongs to bob"),
    (1, [*ALICE, "task", "done", "1"], "task 1 belongs to bob"),
    (1, [*ALICE, "task", "update", "1", "--priority", "high"], "task 1 belongs to bob"),
    (1, [*BOB, "task", "done", "99"], "task 99 not found"),
    (2, [*BOB, "task", "done", "x1"], "is not an id"),
    (2, [*BOB, "task", "done", "1", "--date", "2026-10-02"], "is before it was added"),
    (2, [*BOB, "task", "update", "1"], "nothing to update"),
    (2, [*BOB, "task", "update", "1", "--due", "2026-10-01"], "is before it was added"),
    (1, [*ALICE, "task", "list", "--owner", "bob"], "--owner needs a manager"),
    (1, [*ALICE, "task", "list", "--all"], "--all needs a manager"),
    (1, [*ALICE, "today", "--all"], "--all needs a manager"),
]


def test_refusals_change_nothing(team: Cli, tmp_path: Path) -> None:
    check_refusals(team, CASES, tmp_path)


def test_done_twice_is_refused(team: Cli) -> None:
    team.ok(*BOB, "task", "done", "1", "--date", "2026-10-05")
    assert "task 1 is already done" in team.fails(1, *BOB, "task", "done", "1")


def test_today_shows_only_the_acting_reps_work(team: Cli) -> None:
    """Tasks due by the day; tickets, follow-ups and quotes only the acting rep's (issue 15: wang.fang saw others'
    breached tickets); a manager's --all sees everyone's."""
    team.ok("product", "add", "P-1", "--name", "Widget", "--price", "100", "--cost", "50")
    quote = team.ok(*BOB, "quote", "create", "1", "--item", "P-1:2", "--date", "2026-10-03").stdout.strip()
    team.ok(*BOB, "quote", "send", quote, "--date", "2026-10-04")
    team.ok(*BOB, "quote", "accept", quote, "--date", "2026-10-05")
    contract = team.ok(*BOB, "contract", "create", quote, "--date", "2026-10-06").stdout.strip()
    team.ok(*BOB, "contract", "sign", contract, "--signed-by", "张总", "--date", "2026-10-07")
    order = team.ok(*BOB, "order", "create", contract, "--promised", "2026-11-01", "--date", "2026-10-08").stdout
    team.ok(*BOB, "order", "update", order.strip(), "--status", "delivered", "--date", "2026-10-20")
    team.ok(*BOB, "ticket", "open", "--order", order.strip(), "--subject", "坏了", "--date", "2026-10-21")
    team.ok(*ALICE, "lead", "update", "2", "--follow-up", "2026-10-09")
    bob = team.json(*BOB, "today", "--date", "2026-10-25")
    alice = team.json(*ALICE, "today", "--date", "2026-10-25")
    assert [t["id"] for t in bob["tasks"]] == [1] and bob["tasks"][0]["overdue_days"] == 15
    assert len(bob["tickets"]) == 1 and bob["follow_ups"] == []
    assert alice["tasks"] == [] and alice["tickets"] == []  # bob's breached ticket is not alice's
    assert [f["id"] for f in alice["follow_ups"]] == [2]
    everyone = team.json(*MGR, "today", "--all", "--date", "2026-10-25")
    assert len(everyone["tickets"]) == 1 and [t["id"] for t in everyone["tasks"]] == [1]
    assert team.json(*BOB, "today", "--date", "2026-10-09")["tasks"] == []  # not due yet
