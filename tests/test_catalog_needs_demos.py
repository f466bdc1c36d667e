"""Steps 3-4 through the CLI: catalog, needs by flags and files, demos; refusals change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli, built


def _stage(cli: Cli, deal: int) -> str:
    return str(cli.rows("SELECT stage FROM deals WHERE id = ?", deal)[0][0])


@pytest.fixture
def deal(cli: Cli, request: pytest.FixtureRequest) -> int:
    return built(request, cli, _deal)  # made once per backend, copied for each test


def _deal(cli: Cli) -> int:
    cli.ok("product", "add", "ab-100", "--name", "工业网关", "--price", "1200", "--cost", "700", "--lead-time-days",
           "30", "--category", "hardware")
    cli.ok("product", "add", "AB-200", "--name", "边缘服务器", "--price", "800", "--cost", "500", "--lead-time-days",
           "10", "--category", "hardware")
    cli.ok("product", "add", "SW-1", "--name", "CRM 订阅", "--price", "3000", "--cost", "300", "--category", "software")
    lead = cli.id("lead", "add", "王芳", "--source", "web", "--company", "杭州启明", "--date", "2026-11-01")
    return cli.id("lead", "convert", str(lead), "--date", "2026-11-02")


def test_product_catalog(cli: Cli, db_path: Path) -> None:
    assert cli.ok("product", "add", "x-1", "--name", "Widget", "--price", "10", "--cost", "4").stdout == "X-1\n"
    record = cli.json("product", "show", "X-1")
    assert (record["price"], record["cost"], record["margin"], record["lead_time_days"]) == ("10.00", "4.00", 0.6, 0)
    assert "already exists" in cli.fails(1, "product", "add", "X-1", "--name", "again", "--price", "1", "--cost", "1")
    assert "--price" in cli.fails(2, "product", "add", "X-2", "--name", "Bad", "--price", "1.001", "--cost", "1")
    assert "SKU" in cli.fails(2, "product", "add", "bad sku", "--name", "n", "--price", "1", "--cost", "1")
    warn = cli.ok("product", "add", "X-3", "--name", "Loss", "--price", "1", "--cost", "2")
    assert "cost 2.00 is above the price 1.00" in warn.stderr
    cli.ok("product", "update", "x-1", "--price", "12.50", "--inactive")
    assert [p["sku"] for p in cli.json("product", "list")] == ["X-3"]
    assert [p["sku"] for p in cli.json("product", "list", "--inactive")] == ["X-1", "X-3"]
    assert "did you mean X-1" in cli.fails(1, "product", "show", "X-11")
    assert cli.count("products") == 2


def test_needs_confirm_by_flags_scripting_contract(cli: Cli, db_path: Path, deal: int) -> None:
    run = cli.ok("needs", "confirm", str(deal), "--item", "AB-100:5:1100", "--item", "sw-1:2", "--budget", "9000",
                 "--deliver-by", "2026-11-20", "--decision-maker", "张总", "--date", "2026-11-10")
    needs_id = int(run.stdout)
    assert "AB-100 (工业网关) needs 30 days lead time, but deliver-by 2026-11-20 is 10 days away" in run.stderr
    assert "budget 9000.00 is below the list value 12000.00" in run.stderr
    shown = cli.json("needs", "show", str(deal))
    assert shown["id"] == needs_id and shown["status"] == "confirmed"
    assert [(i["sku"], i["qty"], i["target_price"], i["line_value"]) for i in shown["items"]] == [
        ("AB-100", 5, "1100.00", "6000.00"), ("SW-1", 2, None, "6000.00")]
    assert (shown["budget"], shown["list_value"], shown["deliver_by"]) == ("9000.00", "12000.00", "2026-11-20")
    assert [f["kind"] for f in shown["findings"]] == ["lead_time", "budget"]
    assert _stage(cli, deal) == "needs_confirmed"


def test_needs_from_json_and_yaml_files_equal_flags(cli: Cli, deal: int, tmp_path: Path) -> None:
    flags = cli.json("needs", "confirm", str(deal), "--item", "AB-200:3", "--budget", "2400", "--deliver-by",
                     "2026-12-31", "--notes", "需要本地部署", "--date", "2026-11-10")
    data = {"items": [{"sku": "ab-200", "qty": 3}], "budget": "2400", "deliver_by": "2026-12-31",
            "notes": "需要本地部署"}
    (tmp_path / "n.json").write_text(json.dumps(data), encoding="utf-8")
    from_json = cli.json("needs", "confirm", str(deal), "--from", str(tmp_path / "n.json"), "--date", "2026-11-10")
    (tmp_path / "n.yaml").write_text("items:\n  - sku: AB-200\n    qty: 3\nbudget: '2400'\ndeliver_by: 2026-12-31\n"
                                     "notes: 需要本地部署\n", encoding="utf-8")
    from_yaml = cli.json("needs", "confirm", str(deal), "--from", str(tmp_path / "n.yaml"), "--date", "2026-11-10")
    strip = lambda r: {k: v for k, v in r.items() if k != "id"}  # noqa: E731
    assert strip(flags) == strip(from_json) == strip(from_yaml)
    assert cli.json("needs", "show", str(deal))["id"] == from_yaml["id"]  # the latest replaces earlier needs
    over = cli.json("needs", "confirm", str(deal), "--from", str(tmp_path / "n.json"), "--budget", "9999")
    assert over["budget"] == "9999.00"  # flags override the file


def test_needs_refusals_write_nothing(cli: Cli, db_path: Path, deal: int, tmp_path: Path) -> None:
    line = cli.fails(2, "--no-input", "needs", "confirm", str(deal), "--budget", "100")
    assert line.startswith("error: missing --item, --deliver-by")
    assert "did you mean AB-100" in cli.fails(2, "needs", "confirm", str(deal), "--item", "AB-10:1", "--budget", "1",
                                              "--deliver-by", "+30d")
    assert "more than once" in cli.fails(2, "needs", "confirm", str(deal), "--item", "AB-100:1", "--item",
                                         "ab-100:2", "--budget", "1", "--deliver-by", "+30d")
    assert "--item" in cli.fails(2, "needs", "confirm", str(deal), "--item", "AB-100:-1", "--budget", "1",
                                 "--deliver-by", "+30d")
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    assert "not valid JSON" in cli.fails(2, "needs", "confirm", str(deal), "--from", str(tmp_path / "bad.json"))
    assert "cannot read" in cli.fails(2, "needs", "confirm", str(deal), "--from", str(tmp_path / "none.json"))
    assert "deal 999 not found" in cli.fails(1, "needs", "confirm", "999", "--item", "AB-100:1", "--budget", "1",
                                             "--deliver-by", "+30d")
    assert cli.count("needs") == 0 and cli.count("need_items") == 0
    assert _stage(cli, deal) == "qualification"
    assert "no confirmed needs" in cli.fails(1, "needs", "show", str(deal))


def test_needs_on_a_lost_deal_is_refused(cli: Cli, db_path: Path, deal: int) -> None:
    cli.rows("UPDATE deals SET stage = 'lost'")
    line = cli.fails(1, "needs", "confirm", str(deal), "--item", "AB-100:1", "--budget", "1", "--deliver-by", "+30d")
    assert line == f"error: deal {deal} is lost, which is final"
    assert cli.count("needs") == 0


def test_recommend_after_needs(cli: Cli, deal: int) -> None:
    cli.ok("needs", "confirm", str(deal), "--item", "AB-100:2", "--budget", "2000", "--deliver-by", "2026-12-20",
           "--date", "2026-11-29")
    recs = cli.json("product", "recommend", str(deal), "--date", "2026-11-29")
    assert [(r["sku"], r["fits_budget"], r["fits_deadline"]) for r in recs] == [
        ("AB-200", True, True), ("AB-100", False, False)]
    assert cli.fails(1, "product", "recommend", "999") == "error: deal 999 not found"


def test_demo_log_moves_deal_and_objections_are_searchable(cli: Cli, db_path: Path, deal: int) -> None:
    demo = cli.id("demo", "log", str(deal), "--products", "ab-100, SW-1", "--attendees", "张总，李工",
                  "--questions", "价格太高；担心交付周期", "--feedback", "liked the dashboard", "--outcome", "positive",
                  "--date", "2026-11-15T14:00")
    assert _stage(cli, deal) == "demo"
    rows = cli.json("demo", "list", "--objection", "交付")
    assert [(r["id"], r["products"], r["attendees"], r["at"]) for r in rows] == [
        (demo, "AB-100, SW-1", "张总, 李工", "2026-11-15T14:00:00")]
    assert cli.json("demo", "list", "--objection", "warranty") == []
    assert [r["id"] for r in cli.json("demo", "list", "--product", "sw-1")] == [demo]
    # confirming needs after a demo does not move the deal back
    cli.ok("needs", "confirm", str(deal), "--item", "SW-1:1", "--budget", "3000", "--deliver-by", "+30d")
    assert _stage(cli, deal) == "demo"


def test_demo_refusals(cli: Cli, db_path: Path, deal: int) -> None:
    cli.ok("db", "upgrade")
    assert "unknown SKU 'NOPE'" in cli.fails(2, "demo", "log", str(deal), "--products", "NOPE")
    assert "--outcome" in cli.fails(2, "demo", "log", str(deal), "--products", "SW-1", "--outcome", "great")
    assert "Missing option '--products'" in cli.fails(2, "demo", "log", str(deal))
    assert cli.count("demos") == 0 and _stage(cli, deal) == "qualification"


def test_product_import_alias(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    path.write_text("货号,品名,单价,成本,交期\nGW-9,新网关,1500,900,20\n", encoding="utf-8")
    assert "1 were added" in cli.ok("product", "import", str(path)).stderr
    path.write_text("货号,品名,单价,成本,交期\nGW-9,新网关 V2,1600,900,20\n", encoding="utf-8")
    assert "1 updated" in cli.ok("product", "import", str(path), "--update").stderr
    record = cli.json("product", "show", "GW-9")
    assert (record["name"], record["price"], record["lead_time_days"]) == ("新网关 V2", "1600.00", 20)
