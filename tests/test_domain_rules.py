"""State machines, tiers, lead scores and identity keys as pure functions."""

from decimal import Decimal

import pytest

from salescli.domain import customers, leads
from salescli.domain.identity import clean_text, name_key, normalize_email, normalize_phone, parse_handle
from salescli.domain.pipeline import DEAL, LEAD, ORDER, QUOTE, TICKET
from salescli.errors import InputError, InvalidTransition


def test_lead_machine_forward_with_skips_and_lost_from_open() -> None:
    assert LEAD.check("new", "converted") == "converted"
    assert LEAD.check("contacted", "lost") == "lost"
    for current, target in [("qualified", "new"), ("converted", "lost"), ("lost", "new"), ("new", "new")]:
        with pytest.raises(InvalidTransition):
            LEAD.check(current, target)


def test_deal_machine_and_promote_never_moves_back() -> None:
    assert DEAL.check("qualification", "proposal") == "proposal"
    assert DEAL.promote("proposal", "demo") == "proposal"  # a late demo does not move the deal back
    assert DEAL.promote("needs_confirmed", "demo") == "demo"
    with pytest.raises(InvalidTransition, match="final"):
        DEAL.promote("won", "demo")
    with pytest.raises(InvalidTransition):
        DEAL.check("negotiation", "qualification")


def test_other_machines_follow_product_spec() -> None:
    assert ORDER.check("confirmed", "shipped") == "shipped"
    with pytest.raises(InvalidTransition):
        ORDER.check("shipped", "cancelled")
    with pytest.raises(InvalidTransition):
        ORDER.check("delivered", "shipped")
    assert TICKET.check("resolved", "open") == "open"
    assert QUOTE.check("draft", "superseded") == "superseded"
    with pytest.raises(InvalidTransition):
        QUOTE.check("accepted", "sent")


def test_unknown_state_named_in_error() -> None:
    with pytest.raises(InputError, match="unknown status 'done'"):  # bad input (exit 2), not a refusal
        LEAD.check("new", "done")


@pytest.mark.parametrize(("budget", "size", "industry", "competitors", "expected"), [
    (Decimal(1_500_000), "enterprise", "manufacturing", None, "A"),  # 3 + 3 + 1 + 1
    (Decimal(1_000_000), "large", None, "Zoho", "B"),  # 3 + 2 = 5
    (Decimal(200_000), "large", "retail", "Zoho", "B"),  # 2 + 2 + 1 = 5
    (Decimal("49999.99"), "small", "finance", "Zoho", "C"),  # 0
    (None, None, None, None, "C"),  # only "no competitor": 1
    (Decimal(50_000), "medium", "software", None, "B"),  # 1 + 1 + 1 + 1 = 4
    (Decimal(1_000_000), "large", "Software", None, "A"),  # 3 + 2 + 1 + 1 = 7, industry case-insensitive
])
def test_tier_rule(budget: Decimal | None, size: str | None, industry: str | None, competitors: str | None,
                   expected: str) -> None:
    assert customers.tier(budget=budget, size=size, industry=industry, competitors=competitors) == expected


def test_size_from_band_alias_or_head_count() -> None:
    assert customers.parse_size("120") == "medium"
    assert customers.parse_size("49") == "small"
    assert customers.parse_size("1000") == "enterprise"
    assert customers.parse_size("大型") == "large"
    with pytest.raises(InputError):
        customers.parse_size("huge")
    with pytest.raises(InputError):
        customers.parse_size("0")


def test_split_list_handles_chinese_punctuation() -> None:
    assert customers.split_list("用友，金蝶、 Zoho;") == ["用友", "金蝶", "Zoho"]


def test_lead_sources_and_score() -> None:
    assert leads.parse_source("展会") == "exhibition"
    assert leads.parse_source(" Referral ") == "referral"
    with pytest.raises(InputError, match="not a channel"):
        leads.parse_source("carrier pigeon")
    cold = leads.score(source="phone", company=None, email=None, phone="1", status="new")
    warm = leads.score(source="referral", company="ACME", email="a@b.c", phone="1", status="qualified", touches=9)
    assert cold == 20
    assert warm == 100  # 30 + 30 + 25 + 15 (touches capped at 3)


def test_identity_keys() -> None:
    assert name_key("  ＡＣＭＥ   Ltd. ") == "acme ltd"
    assert name_key("上海华信有限公司") == "上海华信有限公司"
    assert normalize_email(" Li.Wei@Example.COM ")[1] == "li.wei@example.com"
    assert normalize_phone("138-0013-8000")[1] == "+8613800138000"
    assert normalize_phone("+1 (415) 555-2671")[1] == "+14155552671"
    with pytest.raises(InputError):
        normalize_phone("12")
    with pytest.raises(InputError):
        normalize_email("li.wei@")
    assert parse_handle("Wang.Fang") == "wang.fang"
    with pytest.raises(InputError):
        parse_handle("wang fang")


def test_clean_text_refuses_control_characters_and_overlong() -> None:
    assert clean_text("  王芳  ", field="name") == "王芳"
    assert clean_text("'; DROP TABLE leads; --", field="name") == "'; DROP TABLE leads; --"
    for bad in ("a\nb", "a\x1b[31mb", "", "x" * 201):
        with pytest.raises(InputError):
            clean_text(bad, field="name")
    assert clean_text("line 1\nline 2", field="notes", multiline=True, max_len=4000) == "line 1\nline 2"


def test_fast_paths_agree_with_the_libraries() -> None:
    """The quick email/phone checks used for imports give exactly what email-validator/phonenumbers give."""
    import random

    import phonenumbers
    from email_validator import validate_email

    rnd = random.Random(1)
    alphabet = "abcXYZ019._+-"
    for _ in range(3000):
        local = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 12)))
        domain = "".join(rnd.choice("abcXYZ019-") for _ in range(rnd.randint(1, 10)))
        address = f"{local}@{domain}.{rnd.choice(['com', 'CN', 'co.uk', 'test', 'x'])}"
        try:
            expected = validate_email(address, check_deliverability=False).normalized
        except Exception:
            expected = None
        try:
            got = normalize_email(address)[0]
        except InputError:
            got = None
        assert got == expected, address
    for _ in range(200):
        raw = f"{rnd.choice(['', '+86 ', '+86-'])}1{rnd.choice('3456789')}{rnd.randint(0, 999999999):09d}"
        parsed = phonenumbers.parse(raw, "CN")
        assert normalize_phone(raw)[1] == phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def test_scores_for_many_equal_score_for_each() -> None:
    import random

    rnd = random.Random(2)
    for _ in range(500):
        n = rnd.randint(1, 6)
        rows = [(rnd.choice(leads.SOURCES), rnd.choice([None, "ACME"]), rnd.choice([None, "a@b.cn"]),
                 rnd.choice([None, "138"]), rnd.choice(["new", "contacted", "qualified", "converted", "lost"]))
                for _ in range(n)]
        expected = [leads.score(source=s, company=c, email=e, phone=p, status=t) for s, c, e, p, t in rows]
        assert leads.scores(*(list(col) for col in zip(*rows, strict=True))) == expected
