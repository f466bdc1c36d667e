"""Step 1 through the CLI: customers, contacts, tiers and the analysis a manager reads."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import Cli


def test_add_prints_id_and_json_shape(cli: Cli) -> None:
    first = cli.id("customer", "add", "上海华信精密机械有限公司", "--industry", "manufacturing", "--size", "1200",
                   "--city", "上海", "--budget", "1500000")
    record = cli.json("customer", "show", str(first))
    assert record["name"] == "上海华信精密机械有限公司"
    assert record["size"] == "enterprise"
    assert record["budget"] == "1500000.00"  # money is a string with two decimals
    assert record["tier"] == "A"
    assert record["contacts"] == []


def test_bad_input_changes_nothing(cli: Cli, db_path: Path) -> None:
    cli.ok("db", "upgrade")
    assert "--budget" in cli.fails(2, "customer", "add", "X", "--budget", "12.345")
    assert "--budget" in cli.fails(2, "customer", "add", "X", "--budget", "-5")
    assert "size" in cli.fails(2, "customer", "add", "X", "--size", "gigantic")
    assert "name" in cli.fails(2, "customer", "add", "   ")
    assert cli.count("customers") == 0


def test_duplicate_name_refused_unless_allowed(cli: Cli, db_path: Path) -> None:
    cli.id("customer", "add", "ACME Ltd")
    line = cli.fails(1, "customer", "add", "  acme   LTD. ")
    assert "already exists (id 1)" in line
    cli.id("customer", "add", "acme ltd", "--allow-duplicate")
    assert cli.count("customers") == 2


def test_update_recomputes_tier_and_clears_fields(cli: Cli) -> None:
    cid = cli.id("customer", "add", "Northwind", "--budget", "10000", "--city", "Hamburg", "--competitors", "Zoho")
    assert cli.json("customer", "show", str(cid))["tier"] == "C"
    updated = cli.json("customer", "update", str(cid), "--budget", "2000000", "--size", "enterprise",
                       "--competitors", "", "--city", "")
    assert updated["tier"] == "A"
    assert updated["city"] is None and updated["competitors"] is None
    assert "nothing to update" in cli.fails(2, "customer", "update", str(cid))
    assert "not found" in cli.fails(1, "customer", "update", "999", "--city", "x")


def test_contacts_validated_and_listed(cli: Cli) -> None:
    cid = cli.id("customer", "add", "杭州启明软件有限公司")
    contact = cli.id("contact", "add", str(cid), "--name", "赵敏", "--title", "采购经理", "--email",
                     "Zhao.Min@Example.cn", "--phone", "138 0013 8000")
    assert "already has a contact" in cli.fails(1, "contact", "add", str(cid), "--name", "Other", "--email",
                                                "zhao.min@example.cn")
    assert "phone" in cli.fails(2, "contact", "add", str(cid), "--name", "X", "--phone", "12")
    rows = cli.json("contact", "list", "--customer", str(cid))
    assert [(r["id"], r["name"], r["customer"]) for r in rows] == [(contact, "赵敏", "杭州启明软件有限公司")]
    assert cli.json("customer", "show", str(cid))["contacts"][0]["email"] == "Zhao.Min@example.cn"


def test_list_filters(cli: Cli) -> None:
    cli.id("customer", "add", "Alpha", "--industry", "retail", "--city", "上海", "--budget", "2000000",
           "--size", "enterprise")
    cli.id("customer", "add", "Beta", "--industry", "finance", "--city", "北京")
    assert [r["name"] for r in cli.json("customer", "list", "--tier", "A")] == ["Alpha"]
    assert [r["name"] for r in cli.json("customer", "list", "--city", "北京")] == ["Beta"]
    assert [r["name"] for r in cli.json("customer", "list", "--search", "alp")] == ["Alpha"]
    assert "--tier" in cli.fails(2, "customer", "list", "--tier", "D")


def test_analyze_breakdowns_hand_computed(cli: Cli) -> None:
    for name, industry, city, budget in [
        ("A1", "retail", "上海", "100000"), ("A2", "retail", "北京", "300000"), ("A3", "energy", "上海", None),
        ("A4", "retail", "上海", "50000.50"),
    ]:
        args = ["customer", "add", name, "--industry", industry, "--city", city]
        cli.id(*args, *(["--budget", budget] if budget else []))
    report = cli.json("customer", "analyze", "--by", "industry", "--by", "city")
    assert report["industry"][0] == {"industry": "retail", "customers": 3, "share": 0.75, "budget": "450000.50",
                                     "avg_budget": "150000.17"}
    assert report["industry"][1]["budget"] == "0.00" and report["industry"][1]["avg_budget"] is None
    assert [(r["city"], r["customers"]) for r in report["city"]] == [("上海", 3), ("北京", 1)]
    assert set(report) == {"industry", "city", "worth_pursuing"}


def test_analyze_table_shows_the_rule_in_help(cli: Cli) -> None:
    help_text = cli.ok("customer", "analyze", "--help").stdout
    assert "A >= 6" in help_text and "target_industries" in help_text
    cli.id("customer", "add", "Solo", "--industry", "retail")
    text = cli.ok("customer", "analyze", "--format", "plain").stdout
    assert "retail" in text and "100.0%" in text


def test_retier_after_config_change(cli: Cli) -> None:
    cid = cli.id("customer", "add", "Fit Co", "--industry", "mining", "--budget", "1000000", "--size", "large",
                 "--competitors", "Zoho")
    assert cli.json("customer", "show", str(cid))["tier"] == "B"  # budget 3 + size 2 = 5
    cli.ok("config", "set", "target_industries", "mining")
    run = cli.ok("customer", "analyze", "--retier", "--format", "json")
    assert "1 changed" in run.stderr
    assert cli.json("customer", "show", str(cid))["tier"] == "A"  # + fit 1 = 6
