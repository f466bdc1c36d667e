"""Who may do what (services/authz.py), through the CLI on SQLite and PostgreSQL: every hole a hostile review
found in issue 14 is refused in one line with the database unchanged; managers and a single user may.

On PostgreSQL these tests connect as the administrator, who may act for a rep with --rep; tests/test_team_pg.py
connects as each rep's own login role."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Case, Cli, built, check_refusals, snapshot


@pytest.fixture
def team(cli: Cli, tmp_path: Path, request: pytest.FixtureRequest) -> Cli:
    built(request, cli, _team)  # made once per backend, copied for each test
    (tmp_path / "up.csv").write_text("name,source,status\n客户乙,web,lost\n", encoding="utf-8")
    (tmp_path / "cust.csv").write_text("name,city\n乙公司,北京\n", encoding="utf-8")
    (tmp_path / "owned.csv").write_text("name,source,owner\n新客户,web,bob\n", encoding="utf-8")
    (tmp_path / "contacts.csv").write_text("customer,name,phone\n乙公司,张三,13800138000\n", encoding="utf-8")
    # bob's lead and customer have no email or phone: match them by name
    return cli


def _team(cli: Cli) -> None:
    cli.ok("rep", "add", "alice", "--name", "艾丽斯")
    cli.ok("rep", "add", "bob", "--name", "鲍勃")
    cli.ok("rep", "add", "mgr", "--name", "经理", "--manager")
    cli.ok("product", "add", "P-1", "--name", "Widget", "--price", "100", "--cost", "50")
    bob = ["--rep", "bob"]
    lead = cli.id(*bob, "lead", "add", "客户乙", "--source", "web", "--company", "乙公司", "--date", "2026-10-01")
    assert lead == 1
    deal = cli.id(*bob, "lead", "convert", "1", "--date", "2026-10-02")
    quote = cli.ok(*bob, "quote", "create", str(deal), "--item", "P-1:2", "--date", "2026-10-03").stdout.strip()
    cli.ok(*bob, "quote", "send", quote, "--date", "2026-10-04")
    cli.ok(*bob, "quote", "accept", quote, "--date", "2026-10-05")
    contract = cli.ok(*bob, "contract", "create", quote, "--date", "2026-10-06").stdout.strip()
    cli.ok(*bob, "contract", "sign", contract, "--signed-by", "张总", "--date", "2026-10-07")
    order = cli.ok(*bob, "order", "create", contract, "--promised", "2026-11-01", "--date", "2026-10-08").stdout
    assert order.strip() == "SO-2026-0001"
    cli.ok(*bob, "order", "update", "SO-2026-0001", "--status", "delivered", "--date", "2026-10-20")
    cli.ok(*bob, "ticket", "open", "--order", "SO-2026-0001", "--subject", "坏了", "--date", "2026-10-21")
    cli.ok("--rep", "alice", "customer", "add", "甲公司")  # alice's customer (id 2)


ALICE = ["--rep", "alice"]

CASES: list[Case] = [
    (1, [*ALICE, "rep", "add", "evil", "--name", "x", "--manager"], "adding a rep needs a manager"),
    (1, [*ALICE, "rep", "add", "evil", "--name", "x"], "adding a rep needs a manager"),
    (1, [*ALICE, "quote", "approve", "Q-2026-0001"], "needs a manager"),
    (1, [*ALICE, "target", "set", "bob", "2026-11", "--revenue", "1"], "setting targets needs a manager"),
    (1, [*ALICE, "target", "set", "alice", "2026-11", "--revenue", "999999"], "setting targets needs a manager"),
    (1, [*ALICE, "product", "add", "P-2", "--name", "x", "--price", "1", "--cost", "1"], "needs a manager"),
    (1, [*ALICE, "product", "update", "P-1", "--price", "1"], "needs a manager"),
    (1, [*ALICE, "customer", "update", "1", "--city", "上海"], "customer 1 belongs to bob"),
    (1, [*ALICE, "customer", "update", "1", "--owner", "alice"], "customer 1 belongs to bob"),
    (1, [*ALICE, "customer", "update", "2", "--owner", "bob"], "only a manager can give a record"),
    (1, [*ALICE, "lead", "add", "x", "--source", "web", "--owner", "bob"], "only a manager can give a record"),
    (1, [*ALICE, "lead", "update", "1", "--city", "上海"], "lead 1 belongs to bob"),
    (1, [*ALICE, "contact", "add", "1", "--name", "间谍"], "customer 1 belongs to bob"),
    (1, [*ALICE, "ticket", "open", "--order", "SO-2026-0001", "--subject", "x"], "belongs to bob"),
    (1, [*ALICE, "ticket", "open", "--customer", "1", "--subject", "x"], "customer 1 belongs to bob"),
    (1, [*ALICE, "ticket", "update", "1", "--status", "in_progress"], "ticket 1 belongs to bob"),
    (1, [*ALICE, "ticket", "resolve", "1"], "ticket 1 belongs to bob"),
    (1, [*ALICE, "survey", "record", "--order", "SO-2026-0001", "--nps", "0"], "belongs to bob"),
    (1, [*ALICE, "survey", "record", "--customer", "1", "--nps", "0"], "customer 1 belongs to bob"),
    (1, [*ALICE, "survey", "send", "--customer", "1", "--dry-run"], "customer 1 belongs to bob"),
    (1, [*ALICE, "survey", "send", "--order", "SO-2026-0001", "--dry-run"], "belongs to bob"),
    (1, [*ALICE, "order", "update", "SO-2026-0001", "--status", "closed"], "belongs to bob"),
    (1, [*ALICE, "deal", "list", "--owner", "bob"], "--owner needs a manager"),
    (1, [*ALICE, "pipeline", "--owner", "bob"], "--owner needs a manager"),
    (1, [*ALICE, "deal", "list", "--all"], "--all needs a manager"),
    (1, [*ALICE, "lead", "list", "--owner", "bob"], "--owner needs a manager"),
    (1, [*ALICE, "import", "leads", "{tmp}/up.csv", "--update", "--key", "name"], "belongs to bob"),
    (1, [*ALICE, "import", "customers", "{tmp}/cust.csv", "--update", "--key", "name"], "belongs to bob"),
    (2, ["--rep", "ghost", "deal", "list"], "no rep 'ghost'"),
]


def test_a_rep_cannot_reach_past_their_own_records(team: Cli, tmp_path: Path) -> None:
    check_refusals(team, CASES, tmp_path)


def test_import_rows_for_other_reps_are_problems(team: Cli, tmp_path: Path) -> None:
    before = snapshot(team)
    run = team(*ALICE, "import", "leads", str(tmp_path / "owned.csv"))
    assert run.exit_code == 2 and "owned.csv:2: owner: only a manager can give a record to another rep" in run.stderr
    run = team(*ALICE, "import", "contacts", str(tmp_path / "contacts.csv"))
    assert run.exit_code == 2 and "contacts.csv:2: customer: customer 1 belongs to another rep" in run.stderr
    assert snapshot(team) == before


def test_handles_are_canonical(team: Cli) -> None:
    lead = team.id("--rep", " ALICE ", "lead", "add", "大写", "--source", "web")
    assert team.json("lead", "show", str(lead))["owner"] == "alice"
    assert "lead 1 belongs to bob" in team.fails(1, "--rep", "ALICE", "lead", "update", "1", "--city", "x")
    history = team.json("history", "lead", str(lead))
    assert history[0]["rep"] == "alice"


def test_a_reps_rows_and_imports_are_their_own(team: Cli, tmp_path: Path) -> None:
    source = tmp_path / "mine.csv"
    source.write_text("name,source\n我的线索,web\n", encoding="utf-8")
    team.ok(*ALICE, "import", "leads", str(source))
    mine = [lead for lead in team.json("lead", "list", "--all") if lead["name"] == "我的线索"]
    assert [lead["owner"] for lead in mine] == ["alice"]
    assert [lead["name"] for lead in team.json(*ALICE, "lead", "list")] == ["我的线索"]
    team.ok(*ALICE, "contact", "add", "2", "--name", "李四")  # her own customer
    team.ok(*ALICE, "customer", "update", "2", "--city", "杭州")


def test_managers_and_a_single_user_may(team: Cli, tmp_path: Path) -> None:
    mgr = ["--rep", "mgr"]
    team.ok(*mgr, "target", "set", "bob", "2026-11", "--revenue", "1000")
    team.ok(*mgr, "customer", "update", "1", "--owner", "alice")
    assert team.json("customer", "show", "1")["owner"] == "alice"
    team.ok(*mgr, "import", "leads", str(tmp_path / "owned.csv"))
    team.ok(*mgr, "rep", "add", "carol", "--name", "卡罗尔")
    assert {d["owner"] for d in team.json(*mgr, "deal", "list", "--all")} == {"bob"}
    team.ok("ticket", "update", "1", "--status", "in_progress")  # a single user is not restricted
    team.ok("survey", "record", "--order", "SO-2026-0001", "--nps", "9")


def test_first_rep_can_be_added_with_a_rep_already_named(cli: Cli) -> None:
    """SALESCLI_REP set before any rep exists (the README's set-up order) does not block adding the first."""
    cli.ok("rep", "add", "wang", "--name", "王芳", env={"SALESCLI_REP": "wang"})
    assert "adding a rep needs a manager" in cli.fails(1, "--rep", "wang", "rep", "add", "li", "--name", "李")
