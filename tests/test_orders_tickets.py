"""Steps 7-8 through the CLI: orders from signed contracts, tracking, supply-chain files, tickets and SLA."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.conftest import Cli, built, snapshot


@pytest.fixture
def contract(cli: Cli, request: pytest.FixtureRequest) -> str:
    return built(request, cli, _contract)  # made once per backend, copied for each test


def _contract(cli: Cli) -> str:
    cli.ok("product", "add", "GW-1", "--name", "工业网关", "--price", "1200", "--cost", "700", "--lead-time-days", "10")
    lead = cli.id("lead", "add", "李雷", "--source", "web", "--company", "上海华信", "--date", "2026-11-01")
    deal = cli.id("lead", "convert", str(lead), "--date", "2026-11-01")
    quote = cli.ok("quote", "create", str(deal), "--item", "GW-1:4", "--date", "2026-11-02").stdout.strip()
    cli.ok("quote", "send", quote, "--date", "2026-11-02")
    cli.ok("quote", "accept", quote, "--date", "2026-11-03")
    number = cli.ok("contract", "create", quote, "--date", "2026-11-03").stdout.strip()
    return number


def test_order_only_from_signed_contract(cli: Cli, db_path: Path, contract: str) -> None:
    before = snapshot(cli)
    assert "needs a signed contract" in cli.fails(1, "order", "create", contract, "--promised", "2026-12-01")
    assert snapshot(cli) == before
    cli.ok("contract", "sign", contract, "--signed-by", "张总", "--date", "2026-11-04")
    order = cli.ok("order", "create", contract, "--promised", "2026-12-01", "--date", "2026-11-05").stdout.strip()
    assert order == "SO-2026-0001"
    assert "already has order" in cli.fails(1, "order", "create", contract, "--promised", "2026-12-01")
    assert "before the order date" in cli.fails(2, "order", "create", contract, "--promised", "2026-01-01",
                                                "--date", "2026-11-05")


@pytest.fixture
def order(cli: Cli, contract: str) -> str:
    cli.ok("contract", "sign", contract, "--signed-by", "张总", "--date", "2026-11-04")
    return cli.ok("order", "create", contract, "--promised", "2026-11-25", "--date", "2026-11-05").stdout.strip()


def test_status_moves_forward_with_events_and_refusals_change_nothing(cli: Cli, db_path: Path, order: str) -> None:
    cli.ok("order", "update", order, "--status", "confirmed", "--note", "工厂确认", "--date", "2026-11-06")
    cli.ok("order", "update", order, "--status", "shipped", "--note", "SF123", "--date", "2026-11-20")
    before = snapshot(cli)
    assert "cannot become confirmed" in cli.fails(1, "order", "update", order, "--status", "confirmed")
    assert "cannot become cancelled" in cli.fails(1, "order", "update", order, "--status", "cancelled")
    assert "unknown status 'lost'" in cli.fails(2, "order", "update", order, "--status", "lost")  # bad input
    assert "delivered on 2026-11-19 is before it became shipped on 2026-11-20" in cli.fails(
        2, "order", "update", order, "--status", "delivered", "--date", "2026-11-19")
    assert snapshot(cli) == before
    cli.ok("order", "update", order, "--status", "delivered", "--date", "2026-11-24")
    record = cli.json("order", "track", order, "--date", "2026-11-30")
    assert [(e["from_status"], e["to_status"], e["note"]) for e in record["events"]] == [
        (None, "submitted", "from contract C-2026-0001"), ("submitted", "confirmed", "工厂确认"),
        ("confirmed", "shipped", "SF123"), ("shipped", "delivered", None)]
    assert (record["late"], record["expected"], record["delivered_at"]) == (False, "2026-11-24",
                                                                            "2026-11-24T00:00:00")


def test_track_flags_late_and_at_risk(cli: Cli, order: str) -> None:
    rows = cli.json("order", "track", "--date", "2026-11-20")
    assert [(r["number"], r["flag"], r["days_left"]) for r in rows] == [(order, "at risk", 5)]
    late = cli.json("order", "track", "--late", "--date", "2026-11-26")
    assert [(r["number"], r["late"], r["days_left"]) for r in late] == [(order, True, -1)]
    assert cli.json("order", "track", "--late", "--date", "2026-11-24") == []
    agenda = cli.json("today", "--date", "2026-11-26")
    assert [o["number"] for o in agenda["orders"]] == [order]


def test_cancel_only_before_shipping(cli: Cli, order: str) -> None:
    cli.ok("order", "update", order, "--status", "cancelled", "--note", "客户取消", "--date", "2026-11-06")
    assert cli.json("order", "list") == []
    assert [o["status"] for o in cli.json("order", "list", "--closed")] == ["cancelled"]
    assert "final" in cli.fails(1, "order", "update", order, "--status", "confirmed")


def test_export_for_supply_chain(cli: Cli, order: str, tmp_path: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(cli.ok("order", "export", "--status", "submitted").stdout)))
    assert rows == [{"order": order, "status": "submitted", "promised": "2026-11-25", "customer": "上海华信",
                     "sku": "GW-1", "item": "工业网关", "qty": "4", "contract": "C-2026-0001"}]
    out = tmp_path / "orders.json"
    cli.ok("order", "export", "--format", "json", "--output", str(out))
    assert json.loads(out.read_text(encoding="utf-8"))[0]["order"] == order


def test_import_status_all_or_nothing_with_line_numbers(cli: Cli, db_path: Path, order: str, tmp_path: Path) -> None:
    bad = tmp_path / "status.csv"
    bad.write_text(f"order,status,date,note\n{order},confirmed,2026-11-06,ok\n\"SO-2026-0009\",shipped,,\n"
                   f"{order},shipped,2026-11-01,\n{order},bogus,,\n", encoding="utf-8")
    before = snapshot(cli)
    run = cli("order", "import-status", str(bad))
    assert run.exit_code == 2
    assert run.error_lines == [
        f"{bad}:3: order: order SO-2026-0009 not found",
        f"{bad}:4: date: order {order} shipped on 2026-11-01 is before it became confirmed on 2026-11-06",
        f"{bad}:5: status: order {order}: unknown status 'bogus' (one of submitted, confirmed, in_production, "
        "shipped, delivered, closed, cancelled)",
        f"error: 3 invalid row(s) in {bad}; nothing imported"]
    assert snapshot(cli) == before
    good = tmp_path / "status.gbk.csv"
    good.write_bytes(f"order,status,date,note\n{order},confirmed,2026-11-06,工厂确认\n{order},shipped,2026-11-20,"
                     "顺丰\n".encode("gbk"))
    assert "valid (dry run" in cli.ok("order", "import-status", str(good), "--dry-run").stderr
    assert snapshot(cli) == before
    assert "2 status update(s) applied" in cli.ok("order", "import-status", str(good)).stderr
    events = cli.json("order", "track", order)["events"]
    assert [(e["to_status"], e["note"]) for e in events[1:]] == [("confirmed", "工厂确认"), ("shipped", "顺丰")]


def test_tickets_sla_reopen_and_breached(cli: Cli, db_path: Path, order: str) -> None:
    ticket = cli.id("ticket", "open", "--order", order, "--subject", "设备无法联网", "--priority", "urgent",
                    "--date", "2026-11-26T09:00")
    record = cli.json("ticket", "show", str(ticket))
    assert (record["customer"], record["order"], record["sla_due_at"]) == ("上海华信", order, "2026-11-26T13:00:00")
    assert [t["id"] for t in cli.json("ticket", "list", "--breached", "--date", "2026-11-26T14:00")] == [ticket]
    assert cli.json("ticket", "list", "--breached", "--date", "2026-11-26T12:00") == []
    assert [t["id"] for t in cli.json("today", "--date", "2026-11-26")["tickets"]] == [ticket]
    cli.ok("ticket", "update", str(ticket), "--status", "in_progress", "--date", "2026-11-26T10:00")
    cli.ok("ticket", "resolve", str(ticket), "--note", "重置网关", "--date", "2026-11-26T12:00")
    assert cli.json("ticket", "list") == []
    before = snapshot(cli)
    assert "cannot become in_progress" in cli.fails(1, "ticket", "update", str(ticket), "--status", "in_progress")
    assert "nothing to update" in cli.fails(2, "ticket", "update", str(ticket))
    assert snapshot(cli) == before
    reopened = cli.json("ticket", "update", str(ticket), "--status", "open", "--note", "复现", "--date",
                        "2026-11-27T09:00")
    assert (reopened["status"], reopened["resolved_at"], reopened["breached"]) == ("open", None, True)  # past due
    assert [e["to_status"] for e in reopened["events"]] == ["open", "in_progress", "resolved", "open"]
    raised = cli.json("ticket", "update", str(ticket), "--priority", "low")
    assert raised["sla_due_at"] == "2026-12-03T09:00:00"  # 168 h from when it was opened


def test_ticket_refusals(cli: Cli, db_path: Path) -> None:
    cli.ok("db", "upgrade")
    cid = cli.id("customer", "add", "ACME")
    assert "exactly one of" in cli.fails(2, "ticket", "open", "--subject", "x")
    assert "--priority" in cli.fails(2, "ticket", "open", "--customer", str(cid), "--subject", "x", "--priority",
                                     "asap")
    assert "customer 99 not found" in cli.fails(1, "ticket", "open", "--customer", "99", "--subject", "x")
    assert "order SO-2026-0042 not found" in cli.fails(1, "ticket", "open", "--order", "so-2026-42", "--subject", "x")
    assert cli.json("ticket", "list", "--closed") == []
    cli.ok("config", "set", "sla_hours", "normal=2")
    ticket = cli.id("ticket", "open", "--customer", str(cid), "--subject", "发票抬头错误", "--date", "2026-11-29T08:00")
    assert cli.json("ticket", "show", str(ticket))["sla_due_at"] == "2026-11-29T10:00:00"


def test_ticket_follows_the_state_machine_of_product_md(cli: Cli) -> None:
    """open → in_progress → resolved → closed; resolved → open. A skip is refused (exit 1, one line naming the
    allowed next states) and changes nothing."""
    cli.ok("db", "upgrade")
    cid = cli.id("customer", "add", "ACME")
    ticket = str(cli.id("ticket", "open", "--customer", str(cid), "--subject", "x", "--date", "2026-11-01"))
    before = snapshot(cli)
    assert cli.fails(1, "ticket", "update", ticket, "--status", "closed") == (
        f"error: ticket {ticket} is open; it cannot become closed (allowed: in_progress)")
    assert cli.fails(1, "ticket", "resolve", ticket) == (
        f"error: ticket {ticket} is open; it cannot become resolved (allowed: in_progress)")
    assert snapshot(cli) == before
    cli.ok("ticket", "update", ticket, "--status", "in_progress", "--date", "2026-11-02")
    assert cli.fails(1, "ticket", "update", ticket, "--status", "closed") == (
        f"error: ticket {ticket} is in_progress; it cannot become closed (allowed: resolved)")
    cli.ok("ticket", "resolve", ticket, "--date", "2026-11-03")
    cli.ok("ticket", "update", ticket, "--status", "open", "--date", "2026-11-04")  # reopened
    assert "allowed: in_progress" in cli.fails(1, "ticket", "resolve", ticket)
    cli.ok("ticket", "update", ticket, "--status", "in_progress", "--date", "2026-11-05")
    cli.ok("ticket", "resolve", ticket, "--date", "2026-11-06")
    done = cli.json("ticket", "update", ticket, "--status", "closed", "--date", "2026-11-07")
    assert [e["to_status"] for e in done["events"]] == ["open", "in_progress", "resolved", "open", "in_progress",
                                                       "resolved", "closed"]
