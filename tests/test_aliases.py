"""Industry and channel names in Chinese and English map to one canonical key (issue 15), on both backends."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from salescli.domain.aliases import parse_pairs
from salescli.domain.customers import parse_industry, tier
from salescli.domain.leads import parse_source
from salescli.errors import InputError
from tests.conftest import Case, Cli, check_refusals

CASES: list[Case] = [
    (2, ["lead", "add", "X", "--source", "信鸽"], "'信鸽' is not a channel"),
    (2, ["lead", "list", "--source", "信鸽"], "is not a channel"),
    (2, ["config", "set", "channel_aliases", "抖音=tiktok"], "channel_aliases: 'tiktok' is not one of phone"),
    (2, ["config", "set", "channel_aliases", "抖音"], "channel_aliases: '抖音' is not alias=key"),
    (2, ["config", "set", "industry_aliases", "汽车=Auto Parts!"], "industry_aliases: 'auto_parts!' is not a key"),
    (2, ["config", "set", "industry_aliases", "汽车=automotive,汽车=energy"], "'汽车' is given two keys"),
]


def test_domain_tables_map_every_name_to_one_key() -> None:
    assert {parse_industry(n) for n in ("制造业", "制造", "Manufacturing", " manufacturing ")} == {"manufacturing"}
    assert {parse_industry(n) for n in ("软件", "软件业", "SOFTWARE")} == {"software"}
    assert parse_industry("Mining") == "mining" and parse_industry("矿业") == "矿业"  # unknown: kept as written
    assert parse_industry("汽车配件", {"汽车配件": "automotive"}) == "automotive"  # the team's own first
    assert {parse_source(n) for n in ("朋友介绍", "转介绍", "推荐", "Referral")} == {"referral"}
    assert parse_source("展会") == parse_source("Trade Show") == "exhibition"
    assert parse_source("抖音", {"抖音": "social"}) == "social"
    with pytest.raises(InputError):
        parse_source("抖音")
    # the tier rule compares keys, whatever language the industry or the target list is written in
    common: dict[str, Any] = {"budget": Decimal("200000"), "size": "large", "competitors": None}  # 5 points
    assert tier(industry="制造业", **common) == tier(industry="manufacturing", **common) == "A"  # + fit
    assert tier(industry="manufacturing", target_industries=["制造业"], **common) == "A"
    assert tier(industry="mining", **common) == "B"
    assert parse_pairs("抖音=Social, 小红书=social", name="x") == {"抖音": "social", "小红书": "social"}


def test_industry_aliases_in_tiers_filters_and_analysis(cli: Cli) -> None:
    common = ["--budget", "2000000", "--size", "1200"]
    a = cli.json("customer", "add", "华信制造", "--industry", "制造业", *common)
    b = cli.json("customer", "add", "Acme", "--industry", "manufacturing", *common)
    assert (a["industry"], a["tier"]) == (b["industry"], b["tier"]) == ("manufacturing", "A")  # was B for 制造业
    cli.id("customer", "add", "软一", "--industry", "软件")
    soft = cli.id("customer", "add", "软二", "--industry", "软件业")
    cli.id("customer", "add", "矿一", "--industry", "矿业")
    for name in ("软件", "software", "软件业", "Software"):
        assert len(cli.json("customer", "list", "--industry", name)) == 2, name
    assert {r["name"] for r in cli.json("customer", "list", "--industry", "制造")} == {"华信制造", "Acme"}
    segments = {r["industry"]: r["customers"] for r in cli.json("customer", "analyze", "--by", "industry")["industry"]}
    assert segments == {"manufacturing": 2, "software": 2, "矿业": 1}
    updated = cli.json("customer", "update", str(soft), "--industry", "制造")
    assert updated["industry"] == "manufacturing"


def test_team_industry_aliases_and_retier_of_stored_values(cli: Cli) -> None:
    cid = cli.id("customer", "add", "某车企", "--industry", "汽车配件", "--budget", "2000000", "--size", "1200")
    assert cli.json("customer", "show", str(cid))["industry"] == "汽车配件"
    cli.ok("config", "set", "industry_aliases", "汽车配件=manufacturing")
    assert cli.json("customer", "list", "--industry", "汽车配件") == []  # stored before the alias existed
    cli.ok("customer", "analyze", "--retier")  # stores every industry as its key again
    record = cli.json("customer", "show", str(cid))
    assert (record["industry"], record["tier"]) == ("manufacturing", "A")
    assert [r["id"] for r in cli.json("customer", "list", "--industry", "汽车配件")] == [cid]
    other = cli.json("customer", "add", "另一车企", "--industry", "汽车配件")
    assert other["industry"] == "manufacturing"


def test_channel_aliases_on_add_list_update_and_team_setting(cli: Cli) -> None:
    friend = cli.json("lead", "add", "王芳", "--source", "朋友介绍")  # was refused
    assert friend["source"] == "referral"
    cli.id("lead", "add", "李雷", "--source", "转介绍")
    assert len(cli.json("lead", "list", "--source", "推荐")) == 2
    cli.ok("config", "set", "channel_aliases", "抖音=social")
    lead = cli.id("lead", "add", "赵敏", "--source", "抖音")
    assert cli.json("lead", "show", str(lead))["source"] == "social"
    assert [r["id"] for r in cli.json("lead", "list", "--source", "抖音")] == [lead]
    assert cli.json("lead", "update", str(lead), "--source", "展会")["source"] == "exhibition"


def test_imports_store_canonical_keys(cli: Cli, tmp_path: Path) -> None:
    cli.ok("config", "set", "channel_aliases", "抖音=social")
    cli.ok("config", "set", "industry_aliases", "汽车配件=manufacturing")
    customers = tmp_path / "customers.csv"
    customers.write_text("客户名称,行业,预算,规模\n华信,制造业,2000000,1200\n软一,软件业,,\n车企,汽车配件,2000000,1200\n"
                         "矿企,Mining,,\n", encoding="utf-8-sig")
    cli.ok("import", "customers", str(customers))
    rows = {r["name"]: (r["industry"], r["tier"]) for r in cli.json("customer", "list")}
    assert rows == {"华信": ("manufacturing", "A"), "软一": ("software", "C"), "车企": ("manufacturing", "A"),
                    "矿企": ("mining", "C")}
    leads = tmp_path / "leads.csv"
    leads.write_text("姓名,渠道\n甲,朋友介绍\n乙,抖音\n丙,展会\n", encoding="utf-8")
    cli.ok("import", "leads", str(leads))
    assert sorted(r["source"] for r in cli.json("lead", "list")) == ["exhibition", "referral", "social"]


def test_bad_channel_and_alias_settings_are_refused_and_change_nothing(cli: Cli, tmp_path: Path) -> None:
    cli.id("lead", "add", "甲", "--source", "web")
    check_refusals(cli, CASES, tmp_path)
