"""Who sees which figures (issue 14): a rep's KPI reports cover their own records only — their row and a total that
is theirs, never other reps listed with nothing — and naming another rep is a manager's view (services/authz.
report_scope); the way to a manager's action is told right for the backend (a team database: ask a manager, whose
login it takes; SQLite: --rep MANAGER); and the personal preference ``format`` is the default --format.

Team mode is tested as each rep's own login role (the ``team`` fixture of tests/test_team_pg.py), never as the
superuser; the same rules on SQLite (and on a PostgreSQL database used without team mode) through ``--rep``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import Cli, snapshot
from tests.test_team_pg import Team, fresh, team  # the team database fixtures (listed in __all__)

__all__ = ["fresh", "team"]

ONLY_MANAGERS = "only managers see other reps' figures"


def _won(cli: Cli, name: str, qty: int, *, day: str = "2026-10-10") -> str:
    """A deal of the acting login's taken from lead to signed contract; its quote number."""
    lead = cli.id("lead", "add", name, "--source", "referral", "--company", f"{name}公司", "--date", day)
    deal = cli.id("lead", "convert", str(lead), "--date", day)
    quote = cli.ok("quote", "create", str(deal), "--item", f"P-1:{qty}", "--tax-rate", "0",
                   "--date", day).stdout.strip()
    cli.ok("quote", "send", quote, "--date", day)
    cli.ok("quote", "accept", quote, "--date", day)
    contract = cli.ok("contract", "create", quote, "--date", day).stdout.strip()
    cli.ok("contract", "sign", contract, "--signed-by", "王总", "--date", day)
    return quote


def _lost(cli: Cli, name: str, reason: str, *, day: str = "2026-10-12") -> None:
    lead = cli.id("lead", "add", name, "--source", "web", "--date", day)
    deal = cli.id("lead", "convert", str(lead), "--date", day)
    cli.ok("deal", "lose", str(deal), "--reason", reason, "--date", day)


def _rows(report: dict[str, Any]) -> dict[str | None, dict[str, Any]]:
    return {row["rep"]: row for row in report["rows"]}


# -- team mode: each rep's own login ------------------------------------------------------------------------------

def test_a_rep_login_sees_only_their_own_figures(team: Team, tmp_path: Path) -> None:
    alice, bob, mgr = team.cli("alice"), team.cli("bob"), team.cli("mgr")
    _won(alice, "甲", 3)  # alice: 300.00 signed in October; bob (the fixture): 200.00 signed 2026-10-07
    _lost(alice, "甲二", "price")
    _lost(bob, "乙二", "competitor")
    team.admin.id("lead", "add", "无主线索", "--source", "web", "--date", "2026-10-01")  # nobody's: any rep may see it

    mine = alice.json("kpi", "report", "--period", "2026")
    assert [row["rep"] for row in mine["rows"]] == ["alice"]  # not bob and mgr listed with 0
    assert mine["rows"][0]["revenue"] == mine["total"]["revenue"] == "300.00"
    assert (mine["total"]["deals_won"], mine["total"]["deals_lost"], mine["total"]["win_rate"]) == (1, 1, 0.5)
    assert alice.json("kpi", "report", "--period", "2026", "--rep", " Alice")["rows"] == mine["rows"]  # herself
    by_month = alice.json("kpi", "report", "--period", "2026-Q4", "--by", "month")
    assert by_month["total"]["revenue"] == "300.00" and by_month["total"]["deals_won"] == 1
    lost = alice.json("kpi", "lost-reasons", "--period", "2026", "--by", "rep")
    assert [(row["rep"], row["reason"]) for row in lost["rows"]] == [("alice", "price")] and lost["total"]["deals"] == 1
    funnel = alice.json("kpi", "funnel", "--period", "2026", "--by", "rep")
    assert [row["rep"] for row in funnel["rows"]] == ["alice"] and funnel["total"]["leads"] == 2  # not the unowned
    text = alice.ok("kpi", "report", "--period", "2026", "--format", "plain").stdout
    assert "艾丽斯" in text and "鲍勃" not in text and "经理" not in text
    page = tmp_path / "kpi.html"
    alice.ok("kpi", "report", "--period", "2026", "--html", str(page))
    assert "艾丽斯" in page.read_text(encoding="utf-8") and "鲍勃" not in page.read_text(encoding="utf-8")

    before = snapshot(team.admin)
    for args in (["kpi", "report", "--period", "2026", "--rep", "bob"],
                 ["kpi", "report", "--period", "2026", "--rep", "mgr", "--by", "month"],
                 ["kpi", "lost-reasons", "--period", "2026", "--rep", "bob"],
                 ["kpi", "funnel", "--period", "2026", "--rep", "bob"]):
        line = alice.fails(1, *args)
        assert ONLY_MANAGERS in line and "rep 'alice'" in line, (args, line)
    assert snapshot(team.admin) == before

    # a manager sees every rep (and any one of them); bob sees his own
    everyone = mgr.json("kpi", "report", "--period", "2026")
    assert {row["rep"] for row in everyone["rows"]} == {"alice", "bob", "mgr"}
    assert everyone["total"]["revenue"] == "500.00" and everyone["total"]["deals_lost"] == 2
    only_bob = mgr.json("kpi", "report", "--period", "2026", "--rep", "bob")
    assert [row["rep"] for row in only_bob["rows"]] == ["bob"] and only_bob["total"]["revenue"] == "200.00"
    assert mgr.json("kpi", "lost-reasons", "--period", "2026", "--rep", "bob")["total"]["deals"] == 1
    assert mgr.json("kpi", "funnel", "--period", "2026")["total"]["leads"] == 5
    theirs = bob.json("kpi", "report", "--period", "2026")
    assert [row["rep"] for row in theirs["rows"]] == ["bob"] and theirs["total"]["revenue"] == "200.00"


def test_on_a_team_database_the_way_to_a_manager_is_to_ask_one(team: Team) -> None:
    alice, mgr = team.cli("alice"), team.cli("mgr")
    lead = alice.id("lead", "add", "丙", "--source", "web", "--date", "2026-10-01")
    deal = alice.id("lead", "convert", str(lead), "--date", "2026-10-01")
    quote = alice.ok("quote", "create", str(deal), "--item", "P-1:2", "--discount", "30",
                     "--date", "2026-10-02").stdout.strip()
    before = snapshot(team.admin)
    sent = alice.fails(1, "quote", "send", quote, "--date", "2026-10-03")
    assert "needs a manager's approval" in sent and f"(ask a manager to run: salescli quote approve {quote})" in sent
    approve = alice.fails(1, "quote", "approve", quote)
    assert approve == (f"error: approving {quote} needs a manager; acting as rep 'alice' "
                       f"(ask a manager to run: salescli quote approve {quote})")
    setting = alice.fails(1, "config", "set", "max_discount", "90")
    assert setting.endswith("acting as rep 'alice' (ask a manager to run: salescli config set max_discount 90)")
    for line in (sent, approve, setting):
        assert "--rep" not in line  # --rep cannot name another person on a team database
    assert snapshot(team.admin) == before
    mgr.ok("config", "set", "company_name", "上海 某某")
    unset = alice.fails(1, "config", "unset", "company_name")
    assert unset.endswith("(ask a manager to run: salescli config unset company_name)")
    named = alice.fails(1, "config", "set", "company_name", "我的 公司")
    assert named.endswith("(ask a manager to run: salescli config set company_name '我的 公司')")  # as typed in a shell
    # what the hint says works: the manager runs it with their own login, then alice sends
    mgr.ok("quote", "approve", quote, "--date", "2026-10-03")
    alice.ok("quote", "send", quote, "--date", "2026-10-04")


# -- SQLite (and PostgreSQL without team mode): the same rules through --rep ---------------------------------------

def test_reports_by_the_acting_rep(cli: Cli) -> None:
    cli.ok("rep", "add", "a", "--name", "Anna")
    cli.ok("rep", "add", "b", "--name", "白冰")
    cli.ok("rep", "add", "boss", "--name", "Boss", "--manager")
    cli.ok("product", "add", "P-1", "--name", "Widget", "--price", "100", "--cost", "50")
    _won(_Acting(cli, "a"), "甲", 3)
    _won(_Acting(cli, "b"), "乙", 2)
    _lost(_Acting(cli, "b"), "乙二", "price")

    anna = cli.json("--rep", "a", "kpi", "report", "--period", "2026")
    assert [row["rep"] for row in anna["rows"]] == ["a"] and anna["total"]["revenue"] == "300.00"
    assert cli.json("--rep", "a", "kpi", "lost-reasons", "--period", "2026")["total"]["deals"] == 0
    before = snapshot(cli)
    for args in (["kpi", "report", "--rep", "b"], ["kpi", "lost-reasons", "--rep", "B "],
                 ["kpi", "funnel", "--rep", "b"]):
        line = cli.fails(1, "--rep", "a", *args)
        assert line == "error: --rep b: only managers see other reps' figures; acting as rep 'a'", (args, line)
    assert snapshot(cli) == before
    # a manager, and a single user with no rep, see everyone as before
    for who in (["--rep", "boss"], []):
        report = cli.json(*who, "kpi", "report", "--period", "2026")
        assert set(_rows(report)) == {"a", "b", "boss"} and report["total"]["revenue"] == "500.00"
        assert cli.json(*who, "kpi", "report", "--period", "2026", "--rep", "b")["total"]["revenue"] == "200.00"
        assert cli.json(*who, "kpi", "lost-reasons", "--period", "2026", "--rep", "b")["total"]["deals"] == 1
    assert "no rep 'zed'" in cli.fails(1, "--rep", "a", "kpi", "report", "--rep", "zed")
    # the MCP server's kpi_report tool: the same rule (what the acting rep may see)
    from tests.test_mcp import result, with_client

    async def body(client: Any) -> Any:
        return result(await client.call_tool("kpi_report", {"period": "2026"}))

    by_tool = with_client(cli.db, "a", body)
    assert [row["rep"] for row in by_tool["rows"]] == ["a"] and by_tool["total"]["revenue"] == "300.00"
    assert {row["rep"] for row in with_client(cli.db, "boss", body)["rows"]} == {"a", "b", "boss"}


class _Acting(Cli):
    """``cli`` with ``--rep HANDLE`` before every command."""

    def __init__(self, cli: Cli, handle: str) -> None:
        super().__init__(cli.db)
        self.handle = handle

    def __call__(self, *args: str, **kwargs: Any) -> Any:
        return super().__call__("--rep", self.handle, *args, **kwargs)


def test_the_hint_to_a_manager_on_sqlite_names_one_with_rep(cli: Cli) -> None:
    postgres = cli.db.startswith("postgresql")  # the administrator's login: a team database's hint
    cli.ok("rep", "add", "wang", "--name", "王")
    cli.ok("rep", "add", "boss", "--name", "Boss", "--manager")
    cli.ok("product", "add", "P-1", "--name", "Widget", "--price", "100", "--cost", "50")
    lead = cli.id("--rep", "wang", "lead", "add", "丁", "--source", "web")
    deal = cli.id("--rep", "wang", "lead", "convert", str(lead))
    quote = cli.ok("--rep", "wang", "quote", "create", str(deal), "--item", "P-1:1", "--discount", "40").stdout.strip()
    sent = cli.fails(1, "--rep", "wang", "quote", "send", quote)
    hint = (f"(ask a manager to run: salescli quote approve {quote})" if postgres
            else f"(salescli --rep MANAGER quote approve {quote})")
    assert sent.endswith(hint), sent
    nobody = cli.fails(1, "quote", "approve", quote)
    assert nobody.endswith(f"acting as the administrator (postgres) (ask a manager to run: salescli quote approve "
                           f"{quote})" if postgres else "acting as no rep (use --rep MANAGER)"), nobody
    assert cli.fails(1, "--rep", "wang", "quote", "approve", quote).endswith(
        f"acting as rep 'wang' (ask a manager to run: salescli quote approve {quote})" if postgres
        else "acting as rep 'wang'")
    setting = cli.fails(1, "--rep", "wang", "config", "set", "max_discount", "90")
    assert setting.endswith("(ask a manager to run: salescli config set max_discount 90)" if postgres
                            else "team settings are changed by a manager; acting as rep 'wang'"), setting
    cli.ok("--rep", "boss", "quote", "approve", quote)
    cli.ok("--rep", "wang", "quote", "send", quote)


# -- the personal preference "format" -------------------------------------------------------------------------------

def test_config_format_is_the_default_format(sqlite_cli: Cli) -> None:
    cli = sqlite_cli
    cli.ok("rep", "add", "wang", "--name", "王芳")
    assert cli.ok("rep", "list").stdout.startswith("handle")  # plain when piped
    line = cli.ok("config", "set", "format", "JSON").stderr
    assert "format = json" in line
    config = Path(cli.ok("config", "path").stdout.strip())
    assert 'format = "json"' in config.read_text(encoding="utf-8")
    assert cli.ok("rep", "list").json()[0]["handle"] == "wang"
    assert cli.ok("kpi", "report", "--period", "2026").json()["by"] == "rep"
    assert cli.ok("config", "get", "format").stdout == "json\n"
    rows = {row["key"]: row for row in cli.ok("config", "list").json()}  # config's own output too
    assert (rows["format"]["value"], rows["format"]["scope"], rows["format"]["source"]) == ("json", "personal", "file")
    # --format and SALESCLI_FORMAT still come first; create commands still print the id alone
    assert cli.ok("rep", "list", "--format", "csv").stdout.startswith("handle,name")
    assert cli.ok("rep", "list", env={"SALESCLI_FORMAT": "markdown"}).stdout.startswith("| handle")
    assert cli.ok("lead", "add", "李", "--source", "web").stdout == "1\n"
    # a bad value: one line, exit 2, the file unchanged; then back to the default
    written = config.read_bytes()
    assert cli.fails(2, "config", "set", "format", "yaml") == (
        f"error: format: 'yaml' is not table, plain, markdown, csv or json ({config} not changed)")
    assert config.read_bytes() == written
    cli.ok("config", "unset", "format")
    assert cli.ok("rep", "list").stdout.startswith("handle")
