"""Lost reasons from the team's list and their report, merging leads and customers, and answers that go to the
survey already sent (issue 15), through the CLI on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import Case, Cli, check_refusals, delivered_order, snapshot

CASES: list[Case] = [
    # lost reasons: only the team's list (exit 2 listing the keys); state first (exit 1)
    (2, ["deal", "lose", "1", "--reason", "too expensive"],
     "--reason: 'too expensive' is not a lost reason (one of price (价格), lead_time (交期), competitor (竞品)"),
    (2, ["deal", "lose", "1", "--reason", " "], "--reason"),
    (1, ["deal", "lose", "2", "--reason", "price"], "deal 2 is already lost"),
    (1, ["deal", "lose", "99", "--reason", "price"], "deal 99 not found"),
    (2, ["config", "set", "lost_reasons", "价格"], "lost_reasons: '价格' does not start with a key"),
    (2, ["config", "set", "lost_reasons", "price:价格,budget:价格"], "lost_reasons: '价格' is given twice"),
    (2, ["kpi", "lost-reasons", "--period", "2026-Q4", "--by", "month"], "--by: 'month' is not one of rep"),
    # merges
    (2, ["lead", "merge", "1", "1"], "lead 1 cannot be merged into itself"),
    (1, ["lead", "merge", "1", "99"], "lead 99 not found"),
    (1, ["--rep", "li", "lead", "merge", "1", "3"], "lead 3 belongs to wang; only its owner or a manager"),
    (1, ["--rep", "wang", "lead", "merge", "3", "1"], "lead 1 belongs to li; only its owner or a manager"),
    (1, ["--rep", "li", "customer", "merge", "1", "2"], "(under customer 2) belongs to wang"),
    (2, ["customer", "merge", "1", "x"], "customer"),
]


def _deal(cli: Cli, rep: str, name: str, source: str, day: str, *items: str) -> int:
    """A lead of ``rep`` converted (its company a customer of its own) with a quote of ``items`` on ``day``."""
    lead = cli.id("--rep", rep, "lead", "add", name, "--source", source, "--company", f"{name}公司", "--date", day)
    deal = cli.id("--rep", rep, "lead", "convert", str(lead), "--date", day)
    cli.ok("--rep", rep, "quote", "create", str(deal), *(a for i in items for a in ("--item", i)), "--date", day)
    return deal


def _team(cli: Cli) -> None:
    cli.ok("rep", "add", "li", "--name", "李伟")
    cli.ok("rep", "add", "wang", "--name", "王芳")
    cli.ok("rep", "add", "boss", "--name", "陈静", "--manager")
    cli.ok("product", "add", "P-1", "--name", "网关", "--price", "100", "--cost", "50")
    cli.ok("product", "add", "P-2", "--name", "传感器", "--price", "300", "--cost", "100")


def test_deal_lose_takes_the_list_stores_the_key_and_the_note(cli: Cli) -> None:
    _team(cli)
    deal = _deal(cli, "li", "甲", "web", "2026-10-01", "P-1:10")
    cli.ok("--rep", "li", "deal", "lose", str(deal), "--reason", "价格", "--note", "比竞品贵 8%", "--date",
           "2026-10-20")
    assert cli.rows("SELECT lost_reason, lost_note, stage FROM deals WHERE id = ?", deal) == [
        ("price", "比竞品贵 8%", "lost")]
    assert cli.json("deal", "list", "--stage", "lost")[0]["lost_reason"] == "price"
    assert any("price · 比竞品贵 8%" in e["detail"] for e in cli.json("deal", "show", str(deal))["timeline"])
    # the team keeps its own list: a new reason is accepted (by key or alias), one taken off is refused
    cli.ok("config", "set", "lost_reasons", "price:价格|贵,timing:时机,other:其他")
    second = _deal(cli, "li", "乙", "web", "2026-10-02", "P-1:1")
    cli.ok("deal", "lose", str(second), "--reason", "时机", "--date", "2026-10-21")
    assert cli.rows("SELECT lost_reason FROM deals WHERE id = ?", second) == [("timing",)]
    third = _deal(cli, "li", "丙", "web", "2026-10-03", "P-1:1")
    assert "(one of price (价格/贵), timing (时机), other (其他))" in cli.fails(
        2, "deal", "lose", str(third), "--reason", "budget")
    cli.ok("deal", "lose", str(third), "--reason", "Price")
    assert cli.rows("SELECT lost_reason, lost_note FROM deals WHERE id = ?", third) == [("price", None)]


def test_lead_lose_stores_a_listed_reason_as_its_key_and_keeps_other_words(cli: Cli) -> None:
    a = cli.id("lead", "add", "甲", "--source", "web", "--date", "2026-10-01")
    b = cli.id("lead", "add", "乙", "--source", "web", "--date", "2026-10-01")
    cli.ok("lead", "lose", str(a), "--reason", "预算", "--date", "2026-10-02")
    cli.ok("lead", "lose", str(b), "--reason", "号码是空号", "--date", "2026-10-02")
    assert [(r["id"], r["lost_reason"]) for r in cli.json("lead", "list", "--status", "lost")] == [
        (b, "号码是空号"), (a, "budget")]


def test_kpi_lost_reasons_counts_value_and_share(cli: Cli) -> None:
    _team(cli)
    d1 = _deal(cli, "li", "甲", "朋友介绍", "2026-10-01", "P-1:10")  # net 1,000.00
    d2 = _deal(cli, "wang", "乙", "展会", "2026-10-20", "P-2:2")  # net 600.00, valid 30 days: when lost too
    d3 = _deal(cli, "li", "丙", "web", "2026-10-01", "P-1:1", "P-2:1")  # net 400.00
    d4 = _deal(cli, "wang", "丁", "web", "2026-09-01", "P-1:3")
    old = _deal(cli, "li", "戊", "web", "2026-11-15", "P-1:5")
    cli.ok("deal", "lose", str(d1), "--reason", "价格", "--date", "2026-10-20")
    cli.ok("deal", "lose", str(d2), "--reason", "competitor", "--date", "2026-11-05")
    cli.ok("deal", "lose", str(d3), "--reason", "price", "--date", "2026-10-25")
    cli.ok("deal", "lose", str(d4), "--reason", "price", "--date", "2026-09-30")  # before the period
    cli.ok("deal", "lose", str(old), "--reason", "other", "--date", "2026-12-01")
    cli.rows("UPDATE deals SET lost_reason = ? WHERE id = ?", "客户项目延期", old)  # free text from before the list
    report = cli.json("kpi", "lost-reasons", "--period", "2026-Q4")
    assert report["by"] == "reason" and report["period"] == {"from": "2026-10-01", "to": "2026-12-31"}
    assert report["total"] == {"deals": 4, "value": "2500.00"}
    rows = [(r["reason"], r["name"], r["deals"], r["value"], r["share"], r["value_share"]) for r in report["rows"]]
    assert rows == [("price", "价格", 2, "1400.00", 0.5, 0.56), ("competitor", "竞品", 1, "600.00", 0.25, 0.24),
                    ("客户项目延期", None, 1, "500.00", 0.25, 0.2)]
    by_rep = cli.json("kpi", "lost-reasons", "--period", "2026-Q4", "--by", "rep")["rows"]
    assert [(r["rep"], r["reason"], r["deals"], r["value"], r["share"]) for r in by_rep] == [
        ("li", "price", 2, "1400.00", 0.6667), ("li", "客户项目延期", 1, "500.00", 0.3333),
        ("wang", "competitor", 1, "600.00", 1.0)]
    by_channel = cli.json("kpi", "lost-reasons", "--period", "2026-Q4", "--by", "channel")["rows"]
    assert {(r["channel"], r["reason"]): r["deals"] for r in by_channel} == {
        ("referral", "price"): 1, ("exhibition", "competitor"): 1, ("web", "price"): 1, ("web", "客户项目延期"): 1}
    by_product = cli.json("kpi", "lost-reasons", "--period", "2026-Q4", "--by", "product")["rows"]
    assert {(r["product"], r["reason"]): r["deals"] for r in by_product} == {
        ("P-1", "price"): 2, ("P-1", "客户项目延期"): 1, ("P-2", "competitor"): 1, ("P-2", "price"): 1}
    only_wang = cli.json("kpi", "lost-reasons", "--period", "2026-Q4", "--rep", "wang")
    assert only_wang["total"] == {"deals": 1, "value": "600.00"}
    table = cli.ok("kpi", "lost-reasons", "--period", "2026-Q4", "--format", "plain").stdout
    assert "price" in table and "TOTAL" in table and "56.0%" in table


def _merge_setup(cli: Cli) -> dict[str, Any]:
    """Leads 1, 2 (li) and 3 (wang); customers 1 (li, with deal 1 of li) and 2 (nobody's, with deal 2 of wang)."""
    _team(cli)
    keep = cli.id("--rep", "li", "lead", "add", "王总", "--source", "web", "--date", "2026-10-01")
    other = cli.id("--rep", "li", "lead", "add", "王总(展会)", "--source", "展会", "--email", "wang@huaxin.cn",
                   "--company", "华信", "--follow-up", "2026-10-10", "--date", "2026-10-01")
    cli.id("--rep", "wang", "lead", "add", "别人的", "--source", "web", "--date", "2026-10-01")
    cli.ok("--rep", "li", "lead", "log", str(other), "--kind", "call", "--summary", "展会上聊过", "--date",
           "2026-10-02")
    deal = cli.id("--rep", "li", "lead", "convert", str(other), "--date", "2026-10-03")  # customer 1: 华信
    foreign = _deal(cli, "wang", "华信集团", "web", "2026-10-04", "P-1:1")  # customer 2, deal 2
    cli.rows("UPDATE customers SET owner_id = (SELECT id FROM reps WHERE handle = 'li') WHERE id = 1")
    cli.rows("UPDATE customers SET owner_id = NULL WHERE id = 2")  # nobody's customer, but wang's deal is under it
    return {"keep": keep, "other": other, "deal": deal, "foreign": foreign}


def test_refusals_exit_with_one_line_and_change_nothing(cli: Cli, tmp_path: Path) -> None:
    _merge_setup(cli)  # deal 1 (li) open, deal 2 (wang) lost below
    cli.ok("deal", "lose", "2", "--reason", "budget", "--date", "2026-10-06")
    check_refusals(cli, CASES, tmp_path)


def test_lead_merge_moves_everything_and_hides_the_other(cli: Cli) -> None:
    ids = _merge_setup(cli)
    keep, other = str(ids["keep"]), str(ids["other"])
    task = cli.id("--rep", "li", "task", "add", "--lead", other, "--due", "+7d", "回电话")
    before = snapshot(cli)
    plan = cli.json("--rep", "li", "lead", "merge", keep, other, "--dry-run")
    assert snapshot(cli) == before  # a dry run changes nothing
    assert (plan["dry_run"], plan["keep"], plan["other"]) == (True, ids["keep"], ids["other"])
    assert {(m["table"], m["rows"]) for m in plan["moves"]} == {("activities", 1), ("deals", 1), ("tasks", 1)}
    text = cli.ok("--rep", "li", "lead", "merge", keep, other, "--dry-run", "--format", "plain")
    assert "activities" in text.stdout and "would be merged" in text.stderr
    run = cli.ok("--rep", "li", "lead", "merge", keep, other, "--date", "2026-10-05")
    assert f"lead {other} merged into lead {keep}" in run.stderr
    record = cli.json("lead", "show", keep)
    assert (record["deal_id"], record["email"], record["company"], record["merged_into"]) == (
        ids["deal"], "wang@huaxin.cn", "华信", None)
    assert [a["summary"] for a in record["activities"]] == ["展会上聊过"]
    assert cli.rows("SELECT lead_id FROM tasks WHERE id = ?", task) == [(ids["keep"],)]
    merged = cli.json("lead", "show", other)
    assert (merged["merged_into"], merged["follow_up"]) == (ids["keep"], None)  # kept, pointing to KEEP
    assert ids["other"] not in [r["id"] for r in cli.json("lead", "list")]
    assert ids["other"] in [r["id"] for r in cli.json("lead", "list", "--merged")]
    assert [h["action"] for h in cli.json("history", "lead", other)][-1] == "merge"
    assert "already merged" in cli.fails(1, "lead", "merge", keep, other)
    assert f"was merged into lead {keep}" in cli.fails(1, "lead", "log", other, "--kind", "call", "--summary", "x")


def test_customer_merge_moves_contacts_deals_leads_tasks_and_surveys(cli: Cli, tmp_path: Path) -> None:
    _merge_setup(cli)
    cli.ok("customer", "update", "2", "--budget", "2000000", "--city", "上海")
    cli.ok("customer", "update", "1", "--industry", "制造业", "--size", "1200")
    cli.id("customer", "add", "华信2", "--allow-duplicate")  # customer 3
    cli.id("contact", "add", "3", "--name", "赵敏", "--email", "zhao@huaxin.cn")
    cli.id("task", "add", "--customer", "3", "--due", "+7d", "拜访")
    cli.id("survey", "record", "--customer", "3", "--nps", "9")
    ticket = cli.id("ticket", "open", "--customer", "3", "--subject", "发票抬头错误")
    before = snapshot(cli)
    plan = cli.json("customer", "merge", "1", "3", "--dry-run")
    assert snapshot(cli) == before
    assert {(m["table"], m["rows"]) for m in plan["moves"]} == {("contacts", 1), ("tasks", 1), ("surveys", 1),
                                                                 ("tickets", 1)}
    assert "(under customer 2) belongs to wang" in cli.fails(1, "--rep", "li", "customer", "merge", "1", "2")
    cli.ok("--rep", "boss", "customer", "merge", "1", "2")  # a manager may: wang's deal now under customer 1
    cli.ok("customer", "merge", "1", "3")
    kept = cli.json("customer", "show", "1")
    assert (kept["industry"], kept["budget"], kept["city"], kept["tier"]) == (
        "manufacturing", "2000000.00", "上海", "A")  # fields taken from customer 2, tier computed again
    assert {c["name"] for c in kept["contacts"]} >= {"赵敏"}
    assert cli.rows("SELECT DISTINCT customer_id FROM deals") == [(1,)]
    assert cli.rows("SELECT customer_id FROM tickets WHERE id = ?", ticket) == [(1,)]
    assert cli.rows("SELECT customer_id FROM surveys") == [(1,)]
    assert cli.rows("SELECT id, merged_into FROM customers ORDER BY id") == [(1, None), (2, 1), (3, 1)]
    assert [c["id"] for c in cli.json("customer", "list")] == [1]
    assert len(cli.json("customer", "list", "--merged")) == 3
    assert sum(r["customers"] for r in cli.json("customer", "analyze", "--by", "tier")["tier"]) == 1
    assert "was merged into customer 1" in cli.fails(1, "contact", "add", "3", "--name", "新联系人")
    assert "was merged into customer 1" in cli.fails(1, "task", "add", "--customer", "3", "--due", "+1d", "回访")
    assert "was merged into customer 1" in cli.fails(1, "ticket", "open", "--customer", "3", "--subject", "x")
    assert "was merged into customer 1" in cli.fails(1, "survey", "record", "--customer", "3", "--nps", "9")
    assert "was merged into customer 1" in cli.fails(1, "survey", "send", "--customer", "3", "--dry-run")
    # a lead from the merged company's name converts under the kept customer
    lead = cli.id("lead", "add", "新人", "--source", "web", "--company", "华信2", "--date", "2026-10-06")
    deal = cli.id("lead", "convert", str(lead), "--date", "2026-10-07")
    assert cli.rows("SELECT customer_id FROM deals WHERE id = ?", deal) == [(1,)]


def _order(cli: Cli) -> tuple[str, int]:
    cli.ok("config", "set", "smtp_from", "sales@example.com")
    return delivered_order(cli, second_contact=False)


def test_recorded_or_imported_answers_go_to_the_survey_already_sent(cli: Cli, tmp_path: Path) -> None:
    order, cid = _order(cli)
    cli.ok("survey", "send", "--order", order, "--outbox", str(tmp_path / "out"))
    [(sent_id, status)] = cli.rows("SELECT id, status FROM surveys")
    assert status == "sent"
    answered = cli.id("survey", "record", "--order", order, "--nps", "9", "--csat", "5")
    assert answered == sent_id
    assert cli.rows("SELECT channel, status, nps FROM surveys") == [("email", "responded", 9)]  # no second survey
    # a second answer (nothing sent awaits it) is a phone survey of its own
    phone = cli.id("survey", "record", "--order", order, "--nps", "7")
    assert phone != sent_id and cli.count("surveys") == 2
    # a survey sent to the customer (not about an order) is answered by an answer for the customer
    cli.ok("survey", "send", "--customer", str(cid), "--outbox", str(tmp_path / "out2"), "--resend")
    [(customer_survey,)] = cli.rows("SELECT id FROM surveys WHERE status = 'sent' AND order_id IS NULL")
    assert cli.id("survey", "record", "--customer", str(cid), "--csat", "4") == customer_survey
    # an imported answer by order answers the survey sent to that order again
    cli.ok("survey", "send", "--order", order, "--outbox", str(tmp_path / "out3"), "--resend")
    [(resent,)] = cli.rows("SELECT id FROM surveys WHERE status = 'sent'")
    file = tmp_path / "answers.csv"
    file.write_text(f"order,nps,csat\n{order},10,5\n", encoding="utf-8")
    cli.ok("survey", "import", str(file))
    assert cli.rows("SELECT status, nps FROM surveys WHERE id = ?", resent) == [("responded", 10)]
    assert cli.count("surveys") == 4 and cli.rows("SELECT count(*) FROM surveys WHERE status = 'sent'") == [(0,)]
    total = cli.json("survey", "results")["total"]
    assert (total["responses"], total["sent"], total["response_rate"]) == (4, 3, 1.0)  # every emailed one answered
