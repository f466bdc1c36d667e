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
