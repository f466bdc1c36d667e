"""The work moved out of commands into services (issue 22) keeps what people see: the pipeline's open total, the
survey summary's delivered count, db info's counts."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from salescli.services import agenda
from tests.conftest import Cli, delivered_order


def test_open_total_sums_the_open_stages_only() -> None:
    found = [{"stage": "qualification", "deals": 2, "value": Decimal("10.00"), "weighted": Decimal("1.00")},
             {"stage": "negotiation", "deals": 1, "value": Decimal("5.50"), "weighted": Decimal("4.40")},
             {"stage": "won", "deals": 7, "value": Decimal("99.00"), "weighted": Decimal("99.00")},
             {"stage": "lost", "deals": 3, "value": Decimal("8.00"), "weighted": Decimal("0.00")}]
    assert agenda.open_total(found) == {"deals": 3, "value": Decimal("15.50"), "probability": None,
                                        "weighted": Decimal("5.40")}


def test_pipeline_shows_the_open_total_on_screen_not_in_json(cli: Cli) -> None:
    cli.id("lead", "add", "客户乙", "--source", "web", "--company", "乙公司")
    assert cli.id("lead", "convert", "1") == 1
    cli.ok("deal", "update", "1", "--value", "1000")
    shown = cli.ok("pipeline", "--format", "plain").stdout
    total = next(line for line in shown.splitlines() if "open total" in line)
    assert "1000.00" in total.replace(",", "")
    assert "open total" not in {r["stage"] for r in cli.json("pipeline")}


def test_survey_send_counts_what_was_delivered(cli: Cli, tmp_path: Path) -> None:
    cli.ok("config", "set", "smtp_from", "sales@example.com")
    order = delivered_order(cli)[0]
    assert "0 delivered, 0 failed" in cli.ok("survey", "send", "--order", order, "--dry-run").stderr
    run = cli.ok("survey", "send", "--order", order, "--outbox", str(tmp_path / "out"))
    assert "1 delivered, 0 failed" in run.stderr and "written to" in run.stdout


def test_db_info_counts_records(cli: Cli) -> None:
    cli.id("customer", "add", "上海华信")
    info = cli.json("db", "info")
    assert info["customers"] == 1 and info["leads"] == 0
    assert list(info)[2:10] == ["reps", "customers", "contacts", "leads", "deals", "products", "quotes", "orders"]
