"""Needs feasibility, recommendations, item specs and needs files as pure functions with fixed dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from salescli.domain.catalog import ItemSpec, parse_item, parse_sku, suggest, unknown_sku_message
from salescli.domain.needs import Intake, Item, Product, findings, intake_from_mapping, list_value, recommend
from salescli.errors import InputError

TODAY = date(2026, 11, 29)
GW = Product("AB-100", "工业网关", "hardware", Decimal("1200.00"), Decimal("700.00"), 30)
SRV = Product("AB-200", "边缘服务器", "hardware", Decimal("800.00"), Decimal("500.00"), 10)
OLD = Product("AB-050", "旧网关", "hardware", Decimal("500.00"), Decimal("300.00"), 5, active=False)
SW = Product("SW-1", "CRM 订阅", "software", Decimal("3000.00"), Decimal("300.00"), 0)


def kinds(found: list) -> list[str]:  # type: ignore[type-arg]
    return [f.kind for f in found]


def test_feasible_needs_have_no_findings() -> None:
    items = [Item(GW, 2), Item(SW, 1)]
    assert list_value(items) == Decimal("5400.00")
    assert findings(items, budget=Decimal("5400.00"), deliver_by=date(2026, 12, 29), today=TODAY) == []


def test_lead_time_finding_names_item_and_both_numbers() -> None:
    found = findings([Item(GW, 1)], budget=None, deliver_by=date(2026, 12, 28), today=TODAY)
    assert kinds(found) == ["lead_time"]
    assert "AB-100" in found[0].message and "30 days" in found[0].message and "29 days away" in found[0].message
    assert found[0].sku == "AB-100"


def test_budget_below_list_value_and_other_findings() -> None:
    found = findings([Item(GW, 2, Decimal("600.00")), Item(OLD, 1)], budget=Decimal("2000"),
                     deliver_by=date(2026, 11, 1), today=TODAY)
    assert kinds(found) == ["deadline_past", "below_cost", "inactive", "budget"]  # no lead-time noise once past
    assert found[-1].message == "budget 2000.00 is below the list value 2900.00 of the items (short by 900.00)"


def test_recommend_orders_fitting_products_first() -> None:
    recs = recommend([Item(GW, 2)], [GW, SRV, OLD, SW], budget=Decimal("2000"), deliver_by=date(2026, 12, 20),
                     today=TODAY)
    assert [r.product.sku for r in recs] == ["AB-200", "AB-100"]  # inactive and other categories left out
    assert (recs[0].fits_budget, recs[0].fits_deadline) == (True, True)
    assert (recs[1].fits_budget, recs[1].fits_deadline) == (False, False)
    assert "same category as AB-100" in recs[0].reason


def test_recommend_uses_target_price_as_the_items_budget() -> None:
    recs = recommend([Item(GW, 1, Decimal("1200.00"))], [GW, SRV], budget=None, deliver_by=None, today=TODAY)
    assert all(r.fits_budget and r.fits_deadline for r in recs)
    assert [r.product.sku for r in recs] == ["AB-200", "AB-100"]  # cheapest line first


def test_parse_item_forms() -> None:
    assert parse_item("ab-100:5") == ItemSpec("AB-100", 5, None)
    assert parse_item("AB-100:5:1100.50") == ItemSpec("AB-100", 5, Decimal("1100.50"))
    for bad in ("AB-100", "AB-100:0", "AB-100:-2", "AB-100:2.5", ":3", "AB-100:2:abc", "A B:1"):
        with pytest.raises(InputError):
            parse_item(bad)
    assert parse_sku(" sw-1 ") == "SW-1"


def test_unknown_sku_suggests_close_matches() -> None:
    assert suggest("AB-10", ["AB-100", "AB-200", "SW-1"])[:2] == ["AB-100", "AB-200"]
    assert unknown_sku_message("ZZZ-9", ["AB-100"]) == "unknown SKU 'ZZZ-9'; see 'salescli product list'"


def test_intake_from_mapping_validates_every_field() -> None:
    intake = intake_from_mapping({"items": [{"sku": "ab-100", "qty": 2, "target_price": "1100", "spec": "IP67"}],
                                  "budget": "5000", "deliver_by": date(2026, 12, 20), "decision_maker": "张总"},
                                 today=TODAY, source="n.yaml")
    assert intake.items == [ItemSpec("AB-100", 2, Decimal("1100.00"), "IP67")]
    assert (intake.budget, intake.deliver_by, intake.decision_maker) == (Decimal("5000.00"), date(2026, 12, 20), "张总")
    assert intake.missing() == []
    for bad, message in [
        ({"items": [{"sku": "A"}]}, "needs sku and qty"),
        ({"items": [{"sku": "A", "qty": 1.5}]}, "not a whole number"),
        ({"budget": 99.9}, "strings"),
        ({"deliver_by": "soon"}, "deliver_by"),
        ({"colour": "red"}, "unknown field"),
        ([1, 2], "expected an object"),
    ]:
        with pytest.raises(InputError, match=message):
            intake_from_mapping(bad, today=TODAY, source="n.json")


def test_intake_missing_and_merge() -> None:
    flags = Intake(items=[], budget=Decimal("10"))
    assert flags.missing() == ["--item", "--deliver-by"]
    merged = flags.merged(Intake(items=[ItemSpec("A", 1)], budget=Decimal("99"), deliver_by=TODAY))
    assert merged.budget == Decimal("10") and merged.items == [ItemSpec("A", 1)] and merged.missing() == []
