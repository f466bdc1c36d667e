"""salescli mcp (issue 20): the SDK's own client lists the tools and calls them in-process (and once over stdio, as
an assistant would); the tools call the CLI's services with the acting rep's rights; a refused write changes
nothing; --help never imports the SDK."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli, snapshot
from tests.test_team_pg import Team, fresh  # the team database fixture (listed in __all__)

__all__ = ["fresh"]

TOOLS = {"whoami", "find_leads", "today_agenda", "log_activity", "add_task", "create_quote", "show_quote",
         "pipeline", "kpi_report"}


def with_client(db: str, rep: str | None, body: Callable[[Any], Awaitable[Any]]) -> Any:
    """Run ``body(client)`` against salescli's MCP server, in-process (the SDK's Client on an MCPServer)."""
    from mcp import Client

    from salescli.mcp_server import build
    from salescli.settings import Settings

    server = build(Settings.resolve(db=db, rep=rep, debug=False, no_input=True))

    async def main() -> Any:
        async with Client(server) as client:
            return await body(client)

    return asyncio.run(main())


def result(call: Any) -> Any:
    assert not call.is_error, call.content
    if call.structured_content is not None:
        return call.structured_content
    return json.loads(call.content[0].text)


def setup(cli: Cli) -> int:
    cli.ok("rep", "add", "wangfang", "--name", "王芳")
    cli.ok("rep", "add", "li", "--name", "李")
    cli.ok("product", "add", "P-1", "--name", "Widget", "--price", "100", "--cost", "50")
    lead = cli.id("--rep", "wangfang", "lead", "add", "李雷", "--source", "web", "--company", "上海华信",
                  "--follow-up", "2026-01-01", "--date", "2025-12-01")
    cli.id("--rep", "wangfang", "lead", "add", "韩梅梅", "--source", "phone", "--company", "北京科技")
    return cli.id("--rep", "wangfang", "lead", "convert", str(lead), "--date", "2025-12-02")


def test_tools_are_listed_and_do_the_everyday_jobs(cli: Cli) -> None:
    deal = setup(cli)

    async def body(client: Any) -> dict[str, Any]:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        out: dict[str, Any] = {"tools": tools}
        out["whoami"] = result(await client.call_tool("whoami", {}))
        out["found"] = result(await client.call_tool("find_leads", {"query": "北京"}))
        out["agenda"] = result(await client.call_tool("today_agenda", {}))
        out["log"] = result(await client.call_tool("log_activity", {"deal_id": deal, "kind": "call",
                                                                    "summary": "谈了价格", "next_follow_up": "+3d"}))
        out["task"] = result(await client.call_tool("add_task", {"text": "发报价", "due": "tomorrow",
                                                                 "deal_id": deal, "priority": "high"}))
        out["quote"] = result(await client.call_tool("create_quote", {"deal_id": deal, "items": ["P-1:10"],
                                                                      "discount_pct": "30"}))
        out["shown"] = result(await client.call_tool("show_quote", {"number": out["quote"]["number"]}))
        out["pipeline"] = result(await client.call_tool("pipeline", {}))
        out["kpi"] = result(await client.call_tool("kpi_report", {"period": "2025"}))
        return out

    out = with_client(cli.db, "wangfang", body)
    tools = out["tools"]
    assert set(tools) == TOOLS
    for name in ("log_activity", "add_task", "create_quote"):  # write tools say what they change
        assert tools[name].description.startswith("WRITES:"), name
        assert tools[name].annotations.read_only_hint is False
    assert tools["find_leads"].annotations.read_only_hint is True
    assert out["whoami"]["handle"] == "wangfang" and out["whoami"]["role"] == "rep"
    assert [lead["name"] for lead in out["found"]["leads"]] == ["韩梅梅"]
    assert set(out["agenda"]) >= {"tasks", "follow_ups", "expiring_quotes", "orders", "tickets"}
    assert out["task"]["text"] == "发报价" and out["task"]["priority"] == "high" and out["task"]["owner"] == "wangfang"
    quote = out["quote"]
    assert quote["number"].startswith("Q-") and quote["net"] == "700.00" and quote["total"] == "791.00"
    assert quote["needs_approval"] is True and quote["approved"] is False
    assert out["shown"]["lines"][0]["sku"] == "P-1" and out["shown"]["lines"][0]["qty"] == 10
    assert any(stage["stage"] == "qualification" for stage in out["pipeline"]["stages"])
    assert out["kpi"]["period"] == {"from": "2025-01-01", "to": "2025-12-31"}
    # the same records the CLI sees
    tasks = cli.json("--rep", "wangfang", "task", "list")
    assert len(tasks) == 2 and "发报价" in {t["text"] for t in tasks}  # and the follow-up the call left
    assert cli.rows("SELECT kind, summary FROM activities WHERE deal_id = ?", deal)[-1] == ("call", "谈了价格")
    assert cli.rows("SELECT rep, entity, action FROM audit_log ORDER BY id DESC LIMIT 1")[0][0] == "wangfang"


def test_a_refused_write_is_a_tool_error_and_changes_nothing(cli: Cli) -> None:
    deal = setup(cli)
    before = snapshot(cli)

    async def body(client: Any) -> list[Any]:
        return [await client.call_tool("add_task", {"text": "抢单", "due": "tomorrow", "deal_id": deal}),
                await client.call_tool("log_activity", {"deal_id": deal, "kind": "call", "summary": "x"}),
                await client.call_tool("create_quote", {"deal_id": deal, "items": ["P-1:1"]}),
                await client.call_tool("log_activity", {"lead_id": 2, "deal_id": deal, "kind": "call",
                                                        "summary": "x"}),
                await client.call_tool("add_task", {"text": "x", "due": "someday", "lead_id": 2}),
                await client.call_tool("find_leads", {})]

    calls = with_client(cli.db, "li", body)
    errors = [c.content[0].text for c in calls[:5]]
    assert all(c.is_error for c in calls[:5])
    assert "deal 1 belongs to wangfang" in errors[0] and "only its owner or a manager" in errors[0]
    assert "belongs to wangfang" in errors[1] and "belongs to wangfang" in errors[2]
    assert errors[3].endswith("give exactly one of lead_id or deal_id")
    assert "due" in errors[4] and "is not a date" in errors[4]
    assert result(calls[5]) == {"leads": []}  # li sees only li's leads
    assert snapshot(cli) == before


def test_events_of_mcp_writes_are_delivered_like_a_commands(sqlite_cli: Cli, tmp_path: Path) -> None:
    cli = sqlite_cli
    deal = setup(cli)
    target = tmp_path / "events.jsonl"
    cli.id("hook", "add", "quote.needs_approval", "--run",
           f"{sys.executable} -c \"import sys; open({str(target)!r}, 'a').write(sys.stdin.read())\"")

    async def body(client: Any) -> Any:
        return result(await client.call_tool("create_quote", {"deal_id": deal, "items": ["P-1:10"],
                                                              "discount_pct": "30"}))

    quote = with_client(cli.db, "wangfang", body)
    event = json.loads(target.read_text(encoding="utf-8"))
    assert event["event"] == "quote.needs_approval" and event["record"]["number"] == quote["number"]
    assert event["actor"] == "wangfang"


def test_over_stdio_as_an_assistant_runs_it(sqlite_cli: Cli) -> None:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    cli = sqlite_cli
    setup(cli)
    env = {k: v for k, v in os.environ.items() if k != "SALESCLI_DEBUG"}
    params = StdioServerParameters(command=sys.executable, args=["-m", "salescli", "--db", cli.db, "--rep", "wangfang",
                                                                 "mcp"], env=env,
                                   cwd=str(Path(__file__).parent.parent))

    async def main() -> tuple[set[str], Any]:
        async with Client(params) as client:
            names = {t.name for t in (await client.list_tools()).tools}
            return names, result(await client.call_tool("find_leads", {"query": "韩"}))

    names, found = asyncio.run(main())
    assert names == TOOLS
    assert [lead["company"] for lead in found["leads"]] == ["北京科技"]


@pytest.mark.parametrize("args", [["--help"], ["mcp", "--help"], ["hook", "--help"]])
def test_help_does_not_import_the_sdk(args: list[str]) -> None:
    code = ("import sys\nfrom salescli import cli\ntry:\n    cli.app(sys.argv[1:], prog_name='salescli')\n"
            "except SystemExit:\n    pass\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'mcp', 'pydantic', 'sqlalchemy', 'anyio'}))")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "Usage" in done.stdout


def test_on_a_team_database_the_tools_act_as_the_login(fresh: Team) -> None:
    team = fresh  # a team database after team init; dropped with its roles afterwards
    team.add_rep("mgr", "经理", manager=True)
    team.add_rep("alice", "艾丽斯", by=team.cli("mgr"))
    team.add_rep("bob", "鲍勃", by=team.cli("mgr"))
    bob = team.cli("bob")
    deal = bob.id("lead", "convert", str(bob.id("lead", "add", "客户乙", "--source", "web")))

    async def body(client: Any) -> list[Any]:
        return [await client.call_tool("whoami", {}), await client.call_tool("find_leads", {}),
                await client.call_tool("add_task", {"text": "x", "due": "tomorrow", "deal_id": deal})]

    before = snapshot(team.admin)
    me, found, refused = with_client(team.url("alice"), None, body)
    assert result(me)["handle"] == "alice" and result(found) == {"leads": []}
    assert refused.is_error and f"deal {deal} not found" in refused.content[0].text  # row security: not there
    assert snapshot(team.admin) == before
    me, found, done = with_client(team.url("bob"), None, body)
    assert result(me)["handle"] == "bob" and [lead["name"] for lead in result(found)["leads"]] == ["客户乙"]
    assert result(done)["owner"] == "bob"
