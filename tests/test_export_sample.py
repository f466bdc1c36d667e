"""Exports are complete, safe for spreadsheets and faithful; the sample set is realistic and loads once."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli


def test_export_csv_complete_neutralizes_formulas_and_keeps_cjk(cli: Cli) -> None:
    ids = [cli.id("lead", "add", f"客户{i}", "--source", "web", "--company", "=HYPERLINK(\"http://x\")")
           for i in range(3)]
    cli.id("lead", "add", "@admin", "--source", "referral", "--notes", "-2+3")
    run = cli.ok("export", "leads")
    assert "exported 4 leads" in run.stderr
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert [int(r["id"]) for r in rows] == [*ids, ids[-1] + 1]
    assert rows[0]["name"] == "客户0"
    assert rows[0]["company"] == "'=HYPERLINK(\"http://x\")"
    assert rows[3]["name"] == "'@admin" and rows[3]["notes"] == "'-2+3"
    assert rows[0]["score"].isdigit()  # numbers are never prefixed


def test_export_json_and_jsonl_are_whole_records(cli: Cli, tmp_path: Path) -> None:
    cid = cli.id("customer", "add", "北京长城金融服务有限公司", "--budget", "1234.5", "--competitors", "用友,金蝶")
    cli.id("contact", "add", str(cid), "--name", "刘洋", "--email", "liu@example.cn")
    data = json.loads(cli.ok("export", "customers", "--format", "json").stdout)
    assert data[0]["budget"] == "1234.50" and data[0]["competitors"] == "用友, 金蝶"
    out = tmp_path / "contacts.jsonl"
    cli.ok("export", "contacts", "--format", "jsonl", "--output", str(out))
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["name"] for line in lines] == ["刘洋"]
    assert json.loads(cli.ok("export", "leads", "--format", "json").stdout) == []


def test_export_to_missing_folder_is_a_clear_error(cli: Cli, tmp_path: Path) -> None:
    line = cli.fails(2, "export", "leads", "--output", str(tmp_path / "no" / "such" / "dir.csv"))
    assert "cannot write" in line
    assert "widgets" in cli.fails(2, "export", "widgets")


def test_export_streams_more_rows_than_one_batch(cli: Cli, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from salescli.services import export

    streamed, batches = export.rows, []

    def in_batches_of_100(conn: Any, entity: str) -> Iterator[dict[str, Any]]:  # 250 rows: two and a half
        batches.append(100)
        return streamed(conn, entity, batch=100)

    monkeypatch.setattr(export, "rows", in_batches_of_100)
    cli.ok("sample", "--leads", "250", "--customers", "20", "--date", "2026-11-29")
    run = cli.ok("export", "leads", "--format", "jsonl")
    assert len(run.stdout.splitlines()) == 250 and batches == [100]


def test_sample_is_realistic_and_loads_once(cli: Cli) -> None:
    run = cli.ok("sample", "--date", "2026-11-29")
    assert "200 customers" in run.stderr and "1000 leads" in run.stderr
    info = cli.json("db", "info")
    assert info["reps"] >= 5 and info["customers"] == 200 and info["leads"] == 1000 and info["deals"] > 20
    leads = cli.json("lead", "list")
    names = [lead["name"] for lead in leads]
    assert any(all(ord(ch) > 0x4E00 for ch in name) for name in names)  # Chinese names
    assert any(name.isascii() for name in names)  # English names
    assert {lead["status"] for lead in leads} >= {"new", "contacted", "qualified", "converted", "lost"}
    assert cli.json("today", "--date", "2026-11-29")["follow_ups"]
    stages = {row["stage"]: row["deals"] for row in cli.json("pipeline")}
    assert sum(stages.values()) == info["deals"] and stages["qualification"] > 0
    assert info["products"] >= 10
    statuses = {q["status"] for q in cli.json("quote", "list", "--all", "--date", "2026-11-29")}
    assert statuses >= {"draft", "sent", "accepted", "rejected", "expired"}
    assert cli.json("contract", "list", "--status", "signed") and cli.json("deal", "list", "--stage", "won")
    order_states = {o["status"] for o in cli.json("order", "list", "--closed")}
    assert order_states >= {"submitted", "delivered"} and len(order_states) >= 4
    assert cli.json("ticket", "list", "--closed")
    assert cli.json("survey", "results")["total"]["responses"] > 0
    assert any(r["questions"] for r in cli.json("demo", "list"))
    needs_deal = next(d for d in cli.json("demo", "list"))["deal_id"]
    assert cli.json("needs", "show", str(needs_deal))["items"]  # a demoed deal went through needs first
    again = cli.ok("sample")
    assert "already loaded" in again.stderr
    assert cli.json("db", "info")["leads"] == 1000


def test_sample_is_deterministic(tmp_path: Path) -> None:
    a, b = Cli(str(tmp_path / "a.db")), Cli(str(tmp_path / "b.db"))
    for c in (a, b):
        c.ok("sample", "--date", "2026-11-29", "--leads", "50", "--customers", "10")
    strip = lambda rows: [{k: v for k, v in r.items() if k != "created_at"} for r in rows]  # noqa: E731
    assert strip(a.json("lead", "list")) == strip(b.json("lead", "list"))
