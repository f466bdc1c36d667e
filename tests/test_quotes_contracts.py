"""Steps 5-6 through the CLI: quotes, policy and approval, revisions, expiry, contracts; refusals change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Cli, built, snapshot


@pytest.fixture
def deal(cli: Cli, request: pytest.FixtureRequest) -> int:
    return built(request, cli, _deal)  # made once per backend, copied for each test


def _deal(cli: Cli) -> int:
    cli.ok("rep", "add", "boss", "--name", "陈静", "--manager")
    cli.ok("rep", "add", "wang", "--name", "王芳")
    cli.ok("product", "add", "GW-1", "--name", "工业网关", "--price", "1200", "--cost", "700", "--lead-time-days", "30")
    cli.ok("product", "add", "SW-1", "--name", "CRM 订阅", "--price", "3000", "--cost", "300")
    lead = cli.id("--rep", "wang", "lead", "add", "李雷", "--source", "web", "--company", "上海华信", "--date",
                  "2026-10-01")
    return cli.id("lead", "convert", str(lead), "--date", "2026-10-02")


def _stage(cli: Cli, deal: int) -> str:
    return str(cli.rows("SELECT stage FROM deals WHERE id = ?", deal)[0][0])


def test_create_prints_number_and_show_json_matches_contract(cli: Cli, deal: int) -> None:
    number = cli.ok("quote", "create", str(deal), "--item", "GW-1:3:1100:5", "--item", "SW-1:1", "--discount", "5",
                    "--date", "2026-10-05").stdout.strip()
    assert number == "Q-2026-0001"
    shown = cli.json("quote", "show", number)
    contract_keys = {"number", "revision", "status", "deal_id", "lines", "subtotal", "discount", "net", "tax",
                     "total", "currency", "needs_approval", "approved"}
    assert contract_keys <= set(shown)
    assert shown["lines"] == [
        {"sku": "GW-1", "name": "工业网关", "qty": 3, "unit_price": "1100.00", "list_price": "1200.00",
         "line_discount": "5.00", "net": "3135.00"},
        {"sku": "SW-1", "name": "CRM 订阅", "qty": 1, "unit_price": "3000.00", "list_price": "3000.00",
         "line_discount": "0.00", "net": "3000.00"}]
    assert {k: shown[k] for k in ("subtotal", "discount", "net", "tax", "total", "currency")} == {
        "subtotal": "6135.00", "discount": "306.75", "net": "5828.25", "tax": "757.67", "total": "6585.92",
        "currency": "CNY"}
    assert (shown["revision"], shown["deal_id"]) == (1, deal)
    assert shown["status"] == "expired"  # valid for 30 days from 2026-10-05; today is later
    assert cli.json("quote", "show", number, "--date", "2026-10-05")["status"] == "draft"
    assert shown["needs_approval"] is False and shown["valid_until"] == "2026-11-04"
    assert cli.ok("quote", "create", str(deal), "--item", "SW-1:1", "--date", "2026-10-06").stdout == "Q-2026-0002\n"


def test_from_needs_uses_catalog_prices(cli: Cli, deal: int) -> None:
    cli.ok("needs", "confirm", str(deal), "--item", "GW-1:2:900", "--budget", "2000", "--deliver-by", "+60d")
    record = cli.json("quote", "create", str(deal), "--from-needs", "--item", "SW-1:1")
    assert [(x["sku"], x["qty"], x["unit_price"]) for x in record["lines"]] == [
        ("GW-1", 2, "1200.00"), ("SW-1", 1, "3000.00")]
    assert cli.fails(1, "quote", "create", "999", "--from-needs") == "error: deal 999 not found"


def test_policy_approval_and_send(cli: Cli, db_path: Path, deal: int) -> None:
    run = cli.ok("quote", "create", str(deal), "--item", "GW-1:10", "--discount", "20")
    number = run.stdout.strip()
    assert "effective discount 20.00% is over the 15.00% maximum by 5.00 points" in run.stderr
    before = snapshot(cli)
    line = cli.fails(1, "quote", "send", number)
    assert "needs a manager's approval" in line and "quote approve" in line
    assert "needs a manager" in cli.fails(1, "--rep", "wang", "quote", "approve", number)
    assert "needs a manager" in cli.fails(1, "quote", "approve", number)
    assert snapshot(cli) == before
    cli.ok("--rep", "boss", "quote", "approve", number)
    assert cli.json("quote", "show", number)["approved"] is True
    assert "already approved" in cli.fails(1, "--rep", "boss", "quote", "approve", number)
    cli.ok("--rep", "wang", "quote", "send", number)
    assert _stage(cli, deal) == "proposal"
    within = cli.ok("quote", "create", str(deal), "--item", "SW-1:1").stdout.strip()
    assert "needs no approval" in cli.fails(1, "--rep", "boss", "quote", "approve", within)


def test_low_margin_needs_approval(cli: Cli, deal: int) -> None:
    cli.ok("product", "add", "LM-1", "--name", "Low margin", "--price", "1000", "--cost", "921.10")
    record = cli.json("quote", "create", str(deal), "--item", "LM-1:1")  # margin 78.90 / 1000 = 7.89%
    assert record["needs_approval"] is True
    assert record["approval_reasons"] == ["margin 7.89% is under the 10.00% minimum by 2.11 points"]


def test_revise_diff_history_and_negotiation(cli: Cli, db_path: Path, deal: int) -> None:
    number = cli.ok("quote", "create", str(deal), "--item", "GW-1:2", "--item", "SW-1:1").stdout.strip()
    cli.ok("quote", "send", number)
    run = cli.ok("quote", "revise", number, "--item", "GW-1:3::5", "--remove", "SW-1", "--discount", "2",
                 "--note", "客户砍价")
    assert run.stdout == f"{number}\n" and "revision 2" in run.stderr
    assert _stage(cli, deal) == "negotiation"
    assert cli.json("quote", "show", number, "--revision", "1")["status"] == "superseded"
    latest = cli.json("quote", "show", number)
    assert (latest["revision"], latest["status"], latest["note"]) == (2, "draft", "客户砍价")
    changes = {c["what"]: (c["before"], c["after"]) for c in cli.json("quote", "diff", number)["changes"]}
    assert changes["line SW-1"] == ("1 × 3000.00 − 0.00% = 3000.00", None)
    assert changes["GW-1 qty"] == (2, 3)
    assert changes["total"] == ("6102.00", "3787.31")  # 3 × 1200 × 0.95 = 3420; −2% = 3351.60; +13% tax 435.71
    events = [(e["revision"], e["event"]) for e in cli.json("quote", "history", number)]
    assert events == [(1, "created"), (1, "sent"), (2, "revised")]
    assert [q["revision"] for q in cli.json("quote", "list", "--revisions")] == [2, 1]
    assert "nothing to revise" in cli.fails(2, "quote", "revise", number)
    assert "not on quote" in cli.fails(2, "quote", "revise", number, "--remove", "SW-1")


def test_refused_transitions_change_nothing(cli: Cli, db_path: Path, deal: int) -> None:
    number = cli.ok("quote", "create", str(deal), "--item", "SW-1:1").stdout.strip()
    before = snapshot(cli)
    assert "cannot become accepted" in cli.fails(1, "quote", "accept", number)  # a draft was never sent
    assert "cannot become rejected" in cli.fails(1, "quote", "reject", number)
    assert "needs an accepted quote" in cli.fails(1, "contract", "create", number)
    assert "not found" in cli.fails(1, "quote", "send", "Q-2026-0099")
    assert "not a quote number" in cli.fails(2, "quote", "send", "Q-26-1")
    assert snapshot(cli) == before
    cli.ok("quote", "send", number)
    cli.ok("quote", "accept", number)
    before = snapshot(cli)
    assert "already accepted" in cli.fails(1, "quote", "accept", number)
    assert "only a draft or sent quote can be revised" in cli.fails(1, "quote", "revise", number, "--discount", "1")
    other = cli.ok("quote", "create", str(deal), "--item", "GW-1:1").stdout.strip()
    cli.ok("quote", "send", other)
    before = snapshot(cli)
    assert "one per deal" in cli.fails(1, "quote", "accept", other)
    assert snapshot(cli) == before


def test_expiry_is_shown_and_enforced(cli: Cli, db_path: Path, deal: int) -> None:
    # the deal was created 2026-10-02: its quote cannot be dated earlier (dates in order); valid to 2026-10-11
    number = cli.ok("quote", "create", str(deal), "--item", "SW-1:1", "--valid-days", "9", "--date",
                    "2026-10-02").stdout.strip()
    cli.ok("quote", "send", number, "--date", "2026-10-02")
    assert [q["number"] for q in cli.json("quote", "list", "--expiring", "7", "--date", "2026-10-05")] == [number]
    assert cli.json("quote", "show", number, "--date", "2026-10-12")["status"] == "expired"
    assert [q["number"] for q in cli.json("quote", "list", "--status", "expired", "--date", "2026-10-12")] == [number]
    before = snapshot(cli)
    assert "expired on 2026-10-11" in cli.fails(1, "quote", "accept", number, "--date", "2026-10-12")
    assert snapshot(cli) == before
    cli.ok("quote", "revise", number, "--valid-days", "30", "--date", "2026-10-12")
    agenda = cli.json("today", "--date", "2026-11-08")
    assert [q["number"] for q in agenda["expiring_quotes"]] == [number]


def test_contract_from_accepted_quote_and_signing_wins(cli: Cli, db_path: Path, deal: int) -> None:
    number = cli.ok("quote", "create", str(deal), "--item", "GW-1:2", "--date", "2026-10-05").stdout.strip()
    cli.ok("quote", "send", number, "--date", "2026-10-06")
    cli.ok("quote", "accept", number, "--date", "2026-10-07")
    contract = cli.ok("contract", "create", number, "--payment-terms", "30% 预付", "--date",
                      "2026-10-08").stdout.strip()
    assert contract == "C-2026-0001"
    assert "already has contract" in cli.fails(1, "contract", "create", number)
    record = cli.json("contract", "show", contract)
    quote = cli.json("quote", "show", number)
    assert {k: record[k] for k in ("net", "tax", "total", "subtotal")} == {
        k: quote[k] for k in ("net", "tax", "total", "subtotal")}
    assert record["units"] == 2 and record["status"] == "draft"
    cli.ok("product", "update", "GW-1", "--price", "9999")  # catalog changes never touch the contract
    assert cli.json("contract", "show", contract)["lines"][0]["unit_price"] == "1200.00"
    assert "Missing option '--signed-by'" in cli.fails(2, "contract", "sign", contract)
    cli.ok("contract", "sign", contract, "--signed-by", "张总", "--date", "2026-10-10")
    assert _stage(cli, deal) == "won"
    signed = cli.json("contract", "show", contract)
    assert (signed["status"], signed["signed_by"], signed["signed_at"]) == ("signed", "张总", "2026-10-10T00:00:00")
    before = snapshot(cli)
    assert "already signed" in cli.fails(1, "contract", "sign", contract, "--signed-by", "x")
    assert "final" in cli.fails(1, "deal", "lose", str(deal), "--reason", "x")
    assert "final" in cli.fails(1, "quote", "create", str(deal), "--item", "SW-1:1")
    assert snapshot(cli) == before
    assert [c["number"] for c in cli.json("contract", "list", "--status", "signed")] == [contract]
    timeline = [e["event"] for e in cli.json("deal", "show", str(deal))["timeline"]]
    assert timeline.count("quote") == 3 and timeline.count("contract") == 2 and timeline[-1] in ("stage", "contract")


def test_deal_lose_and_list(cli: Cli, db_path: Path, deal: int) -> None:
    cli.ok("deal", "lose", str(deal), "--reason", "竞品", "--date", "2026-10-20")  # the list's alias → its key
    rows = cli.json("deal", "list", "--stage", "lost")
    assert [(r["id"], r["lost_reason"]) for r in rows] == [(deal, "competitor")]
    assert cli.json("deal", "list", "--open") == []
    assert "already lost" in cli.fails(1, "deal", "lose", str(deal), "--reason", "again")
    assert "not a deal stage" in cli.fails(2, "deal", "list", "--stage", "won-ish")


def test_contract_complete_and_cancel(cli: Cli, db_path: Path, deal: int) -> None:
    number = cli.ok("quote", "create", str(deal), "--item", "GW-1:1").stdout.strip()
    cli.ok("quote", "send", number)
    cli.ok("quote", "accept", number)
    contract = cli.ok("contract", "create", number).stdout.strip()
    assert "cannot become completed" in cli.fails(1, "contract", "complete", contract)  # a draft was never signed
    cli.ok("contract", "sign", contract, "--signed-by", "张总")
    order = cli.ok("order", "create", contract, "--promised", "+30d").stdout.strip()
    assert f"still has open order(s) {order}" in cli.fails(1, "contract", "complete", contract)
    cli.ok("order", "update", order, "--status", "delivered")
    cli.ok("contract", "complete", contract)
    assert cli.json("contract", "show", contract)["status"] == "completed"
    assert "final" in cli.fails(1, "contract", "cancel", contract, "--reason", "x")
