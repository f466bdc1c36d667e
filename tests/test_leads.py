"""Step 2 through the CLI: capture, duplicates, follow-ups, activity, conversion and loss."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Cli


def test_scripting_contract_add_prints_id_alone(cli: Cli) -> None:
    cli.ok("rep", "add", "wang.fang", "--name", "王芳")
    lead = cli.id("lead", "add", "李雷", "--source", "exhibition", "--company", "上海华信", "--email",
                  "li.lei@example.cn", "--phone", "13800138000", "--owner", "wang.fang", "--follow-up", "2026-12-01",
                  "--date", "2026-11-20")
    record = cli.json("lead", "show", str(lead))
    assert {k: record[k] for k in ("name", "company", "source", "status", "owner", "follow_up", "created_at")} == {
        "name": "李雷", "company": "上海华信", "source": "exhibition", "status": "new", "owner": "wang.fang",
        "follow_up": "2026-12-01", "created_at": "2026-11-20T00:00:00"}
    assert record["activities"] == []


def test_duplicate_email_or_phone_warns_but_adds(cli: Cli, db_path: Path) -> None:
    first = cli.id("lead", "add", "Li Lei", "--source", "web", "--email", "Li.Lei@Example.com")
    run = cli.ok("lead", "add", "Lei Li", "--source", "web", "--email", "li.lei@example.COM")
    assert run.stdout.strip().isdigit()
    assert f"warning: lead {first} (Li Lei) has the same email or phone" in run.stderr
    run = cli.ok("lead", "add", "Phone Twin", "--source", "phone", "--phone", "+86 138-0013-8000")
    assert "warning" not in run.stderr
    run = cli.ok("lead", "add", "Phone Twin 2", "--source", "phone", "--phone", "13800138000")
    assert "same email or phone" in run.stderr
    assert cli.rows("SELECT count(*) FROM leads") == [(4,)]


def test_invalid_lead_input_writes_nothing(cli: Cli, db_path: Path) -> None:
    cli.ok("db", "upgrade")
    assert "not a channel" in cli.fails(2, "lead", "add", "X", "--source", "pigeon")
    assert "--follow-up" in cli.fails(2, "lead", "add", "X", "--source", "web", "--follow-up", "2026-02-30")
    assert "--date" in cli.fails(2, "lead", "add", "X", "--source", "web", "--date", "last tuesday")
    assert "no rep" in cli.fails(1, "lead", "add", "X", "--source", "web", "--owner", "nobody")
    assert "control characters" in cli.fails(2, "lead", "add", "X\x1b[2J", "--source", "web")
    assert cli.rows("SELECT count(*) FROM leads") == [(0,)]


def test_log_moves_new_to_contacted_and_sets_follow_up(cli: Cli) -> None:
    lead = cli.id("lead", "add", "张伟", "--source", "phone", "--date", "2026-11-01")
    note = cli.id("lead", "log", str(lead), "--kind", "note", "--summary", "looked them up", "--date", "2026-11-02")
    assert cli.json("lead", "show", str(lead))["status"] == "new"  # a note is not a touch
    call = cli.id("lead", "log", str(lead), "--kind", "call", "--summary", "初次电话，有兴趣", "--next", "+3d",
                  "--date", "2026-11-03T10:15")
    record = cli.json("lead", "show", str(lead))
    assert record["status"] == "contacted"
    assert record["follow_up"] == "2026-11-06"  # +3d counts from the activity's date
    assert [(a["id"], a["kind"], a["at"]) for a in record["activities"]] == [
        (note, "note", "2026-11-02T00:00:00"), (call, "call", "2026-11-03T10:15:00")]
    assert record["score"] > cli.json("lead", "list")[0]["score"] - 1
    assert "not an activity kind" in cli.fails(2, "lead", "log", str(lead), "--kind", "fax", "--summary", "x")


def test_status_update_forward_only_and_nothing_changes_on_refusal(cli: Cli) -> None:
    lead = cli.id("lead", "add", "A", "--source", "web")
    cli.ok("lead", "update", str(lead), "--status", "qualified")
    before = cli.json("lead", "show", str(lead))
    line = cli.fails(1, "lead", "update", str(lead), "--status", "contacted", "--company", "Changed Co")
    assert line == f"error: lead {lead} is qualified; it cannot become contacted (allowed: converted, lost)"
    assert cli.json("lead", "show", str(lead)) == before
    assert "lead convert" in cli.fails(1, "lead", "update", str(lead), "--status", "converted")


def test_due_and_today_as_of_a_date(cli: Cli) -> None:
    overdue = cli.id("lead", "add", "Overdue", "--source", "web", "--follow-up", "2026-11-25")
    today = cli.id("lead", "add", "Today", "--source", "web", "--follow-up", "2026-11-29")
    cli.id("lead", "add", "Later", "--source", "web", "--follow-up", "2026-12-05")
    lost = cli.id("lead", "add", "Lost", "--source", "web", "--follow-up", "2026-11-20")
    cli.ok("lead", "lose", str(lost), "--reason", "no budget")
    due = cli.json("lead", "due", "--date", "2026-11-29")
    assert [(r["id"], r["overdue_days"]) for r in due] == [(overdue, 4), (today, 0)]
    agenda = cli.json("today", "--date", "2026-11-29")
    assert agenda["date"] == "2026-11-29"
    assert [r["id"] for r in agenda["follow_ups"]] == [overdue, today]
    assert "nothing due" in cli.ok("lead", "due", "--date", "2026-11-01").stderr


def test_today_shortens_its_sections_on_screen_only(cli: Cli) -> None:
    """--top cuts each section of the table a person reads; plain and markdown (pipes, notes) have every row."""
    for i in range(4):
        cli.id("lead", "add", f"线索{i}", "--source", "web", "--follow-up", "2026-11-25")
    shown = {kind: cli.ok("today", "--date", "2026-11-29", "--top", "2", "--format", kind).stdout
             for kind in ("table", "plain", "markdown")}
    assert "… 2 more: salescli lead due" in shown["table"] and "线索1" in shown["table"]
    assert "线索2" not in shown["table"]
    for kind in ("plain", "markdown"):
        assert all(f"线索{i}" in shown[kind] for i in range(4)) and "more:" not in shown[kind], kind


def test_acting_rep_sees_own_leads_unless_all(cli: Cli) -> None:
    cli.ok("rep", "add", "wang.fang", "--name", "王芳")
    cli.ok("rep", "add", "li.wei", "--name", "李伟")
    cli.ok("rep", "add", "boss", "--name", "陈静", "--manager")
    mine = cli.id("--rep", "wang.fang", "lead", "add", "Mine", "--source", "web", "--follow-up", "today")
    theirs = cli.id("--rep", "li.wei", "lead", "add", "Theirs", "--source", "web", "--follow-up", "today")
    assert [r["id"] for r in cli.json("--rep", "wang.fang", "lead", "list")] == [mine]
    assert "--all needs a manager" in cli.fails(1, "--rep", "wang.fang", "lead", "list", "--all")
    assert [r["id"] for r in cli.json("--rep", "boss", "lead", "list", "--all")] == [theirs, mine]
    assert [r["id"] for r in cli.json("--rep", "li.wei", "lead", "due")] == [theirs]
    assert len(cli.json("lead", "list")) == 2  # no rep: a single user sees everything
    assert cli.json("lead", "show", str(mine))["owner"] == "wang.fang"


def test_convert_creates_customer_contact_and_deal(cli: Cli, db_path: Path) -> None:
    lead = cli.id("lead", "add", "赵敏", "--source", "referral", "--company", "杭州启明软件有限公司", "--email",
                  "zhao.min@example.cn", "--phone", "13900001111", "--follow-up", "today", "--date", "2026-11-28")
    cli.id("lead", "log", str(lead), "--kind", "meeting", "--summary", "需求沟通", "--date", "2026-11-28T10:00")
    deal = cli.id("lead", "convert", str(lead), "--date", "2026-11-29T15:00")  # dates in order: after the lead
    result = cli.json("lead", "show", str(lead))
    assert result["status"] == "converted" and result["deal_id"] == deal and result["follow_up"] is None
    customer = cli.json("customer", "show", str(result["customer_id"]))
    assert customer["name"] == "杭州启明软件有限公司"
    assert [(c["name"], c["email"]) for c in customer["contacts"]] == [("赵敏", "zhao.min@example.cn")]
    assert cli.rows(f"SELECT stage, title, source, created_at FROM deals WHERE id = {deal}") == [
        ("qualification", "杭州启明软件有限公司 · 赵敏", "referral", "2026-11-29 15:00:00.000000")]
    assert cli.rows(f"SELECT count(*) FROM activities WHERE deal_id = {deal}") == [(1,)]
    assert cli.fails(1, "lead", "convert", str(lead)) == f"error: lead {lead} is already converted"
    assert cli.rows("SELECT count(*) FROM deals") == [(1,)]


def test_convert_links_existing_customer_by_company_name(cli: Cli, db_path: Path) -> None:
    customer = cli.id("customer", "add", "ＡＣＭＥ Trading")
    lead = cli.id("lead", "add", "Bob", "--source", "web", "--company", "acme  trading")
    run = cli.json("lead", "convert", str(lead), "--deal-title", "ACME renewal")
    assert run["customer_id"] == customer and run["customer_created"] is False
    assert cli.rows("SELECT count(*) FROM customers") == [(1,)]
    assert cli.rows("SELECT title FROM deals") == [("ACME renewal",)]


def test_lose_needs_reason_and_open_lead(cli: Cli) -> None:
    lead = cli.id("lead", "add", "A", "--source", "web", "--date", "2026-11-01")  # lost on 11-10: after it
    assert "Missing option '--reason'" in cli.fails(2, "lead", "lose", str(lead))
    cli.ok("lead", "lose", str(lead), "--reason", "chose a competitor", "--date", "2026-11-10")
    record = cli.json("lead", "show", str(lead))
    assert (record["status"], record["lost_reason"], record["closed_at"]) == (
        "lost", "chose a competitor", "2026-11-10T00:00:00")
    assert cli.fails(1, "lead", "lose", str(lead), "--reason", "again") == f"error: lead {lead} is already lost"
    assert "lost" in cli.fails(1, "lead", "log", str(lead), "--kind", "call", "--summary", "x")


def test_search_and_filters(cli: Cli) -> None:
    a = cli.id("lead", "add", "王芳", "--source", "展会", "--company", "深圳恒通物流")
    cli.id("lead", "add", "Emma Smith", "--source", "web")
    assert [r["id"] for r in cli.json("lead", "list", "--search", "恒通")] == [a]
    assert [r["id"] for r in cli.json("lead", "list", "--source", "exhibition")] == [a]
    assert "not a lead status" in cli.fails(2, "lead", "list", "--status", "hot")
