"""Team mode: the same commands give the same results on a real PostgreSQL server as on SQLite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import Cli


def _strip(value: Any) -> Any:
    """Drop wall-clock timestamps (the two runs happen seconds apart), at any depth."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in ("created_at", "updated_at")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _session(cli: Cli) -> dict[str, Any]:
    cli.ok("rep", "add", "wang.fang", "--name", "王芳", "--manager")
    cid = cli.id("customer", "add", "上海华信精密机械有限公司", "--industry", "manufacturing", "--size", "300",
                 "--budget", "99999999999.99", "--city", "上海")
    cli.id("contact", "add", str(cid), "--name", "赵敏", "--email", "zhao@example.cn")
    lead = cli.id("--rep", "wang.fang", "lead", "add", "李雷", "--source", "展会", "--company",
                  "上海华信精密机械有限公司",
                  "--phone", "13800138000", "--follow-up", "2026-11-28", "--date", "2026-11-20")
    cli.id("lead", "log", str(lead), "--kind", "call", "--summary", "'; DROP TABLE leads; --", "--date",
           "2026-11-21T09:30")
    due = cli.json("lead", "due", "--date", "2026-11-29")
    converted = cli.json("lead", "convert", str(lead), "--date", "2026-11-29")
    refused = cli.fails(1, "lead", "convert", str(lead))
    return _strip({
        "due": due,
        "converted": converted,
        "refused": refused,
        "lead": cli.json("lead", "show", str(lead)),
        "customer": cli.json("customer", "show", str(cid)),
        "analyze": cli.json("customer", "analyze"),
        "pipeline": cli.json("pipeline"),
        "export": cli.ok("export", "leads", "--format", "jsonl").stdout.count("\n"),
    })


def test_same_results_on_postgres_and_sqlite(pg_url: str, tmp_path: Path) -> None:
    on_pg = _session(Cli(pg_url))
    on_sqlite = _session(Cli(str(tmp_path / "same.db")))
    assert on_pg == on_sqlite
    assert on_pg["customer"]["budget"] == "99999999999.99"  # exact, no float on either backend
    assert on_pg["lead"]["activities"][0]["summary"] == "'; DROP TABLE leads; --"


def test_postgres_schema_at_head_and_upgrade_idempotent(pg_url: str) -> None:
    cli = Cli(pg_url)
    assert "upgraded from schema (empty)" in cli.ok("db", "upgrade").stderr
    assert "up to date" in cli.ok("db", "upgrade").stderr
    assert "pg_dump" in cli.fails(1, "db", "backup", "/tmp/never-written.db")


def test_sample_on_postgres(pg_url: str) -> None:
    cli = Cli(pg_url)
    cli.ok("sample", "--date", "2026-11-29", "--leads", "200", "--customers", "30")
    assert cli.json("db", "info")["leads"] == 200
    assert "already loaded" in cli.ok("sample").stderr


def _every_step(cli: Cli, tmp: Path) -> dict[str, Any]:
    """One pass through all ten steps, with fixed dates, returning what a user would read."""
    cli.ok("rep", "add", "wang", "--name", "王芳")
    cli.ok("rep", "add", "boss", "--name", "陈静", "--manager")
    cli.ok("product", "add", "GW-1", "--name", "工业网关", "--price", "1200", "--cost", "700", "--lead-time-days", "10")
    # created before lead 1 is converted (2026-10-01): a conversion cannot be dated before its lead
    (tmp / "leads.csv").write_text("姓名,公司,手机,来源,创建时间\n赵敏,上海华信,13800138000,展会,2026-09-30\n"
                                   "李雷,杭州启明,13900001111,web,2026-09-30\n",
                                   encoding="utf-8")
    cli.ok("--rep", "wang", "import", "leads", str(tmp / "leads.csv"), "--set", "owner=wang")
    deal = cli.id("--rep", "wang", "lead", "convert", "1", "--date", "2026-10-01")
    cli.ok("--rep", "wang", "needs", "confirm", str(deal), "--item", "GW-1:10", "--budget", "10000", "--deliver-by",
           "2026-10-05", "--date", "2026-10-02")
    cli.id("--rep", "wang", "demo", "log", str(deal), "--products", "GW-1", "--questions", "价格", "--date",
           "2026-10-03")
    quote = cli.ok("--rep", "wang", "quote", "create", str(deal), "--from-needs", "--discount", "20", "--date",
                   "2026-10-04").stdout.strip()
    cli.ok("--rep", "boss", "quote", "approve", quote, "--date", "2026-10-04")
    cli.ok("--rep", "wang", "quote", "send", quote, "--date", "2026-10-05")
    cli.ok("--rep", "wang", "quote", "revise", quote, "--discount", "10", "--date", "2026-10-06")
    cli.ok("--rep", "wang", "quote", "send", quote, "--date", "2026-10-06")
    cli.ok("--rep", "wang", "quote", "accept", quote, "--date", "2026-10-07")
    contract = cli.ok("--rep", "wang", "contract", "create", quote, "--date", "2026-10-08").stdout.strip()
    cli.ok("--rep", "wang", "contract", "sign", contract, "--signed-by", "赵总", "--date", "2026-10-09")
    order = cli.ok("--rep", "wang", "order", "create", contract, "--promised", "2026-10-20", "--date",
                   "2026-10-09").stdout.strip()
    cli.ok("--rep", "wang", "order", "update", order, "--status", "delivered", "--date", "2026-10-19")
    ticket = cli.id("ticket", "open", "--order", order, "--subject", "无法联网", "--priority", "high", "--date",
                    "2026-10-20T09:00")
    cli.ok("ticket", "update", str(ticket), "--status", "in_progress", "--date", "2026-10-20T10:00")
    cli.ok("ticket", "resolve", str(ticket), "--date", "2026-10-20T12:00")
    cli.id("survey", "record", "--order", order, "--nps", "9", "--csat", "5", "--date", "2026-10-25")
    cli.ok("target", "set", "wang", "2026-10", "--revenue", "20000")
    return _strip({
        "quote": cli.json("quote", "show", quote),
        "diff": cli.json("quote", "diff", quote),
        "contract": cli.json("contract", "show", contract),
        "order": cli.json("order", "track", order, "--date", "2026-10-30"),
        "ticket": cli.json("ticket", "list", "--closed", "--date", "2026-10-30"),
        "kpi": cli.json("kpi", "report", "--period", "2026-10"),
        "by_month": cli.json("kpi", "report", "--period", "2026-Q4", "--by", "month"),
        "funnel": cli.json("kpi", "funnel", "--period", "2026", "--by", "rep"),
        "surveys": cli.json("survey", "results", "--period", "2026-10"),
        "deal": [e["event"] for e in cli.json("deal", "show", str(deal))["timeline"]],
        "history": [(h["rep"], h["action"]) for h in cli.json("history", "quote", quote)],
        "export": cli.ok("export", "deals", "--format", "jsonl").stdout.count("\n"),
        "refused": cli.fails(1, "--rep", "wang", "order", "update", order, "--status", "shipped"),
    })


def test_all_ten_steps_give_the_same_answers_on_postgres(pg_url: str, tmp_path: Path) -> None:
    on_pg = _every_step(Cli(pg_url), tmp_path)
    on_sqlite = _every_step(Cli(str(tmp_path / "steps.db")), tmp_path)
    assert on_pg == on_sqlite
    assert on_pg["kpi"]["total"]["revenue"] == "10800.00" and on_pg["kpi"]["total"]["attainment"] == 0.54
    assert on_pg["kpi"]["total"]["on_time_rate"] == 1.0 and on_pg["kpi"]["total"]["nps"] == 100.0
