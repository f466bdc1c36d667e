"""Survey measures, score parsing, language choice and header safety as pure functions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from salescli.domain.surveys import (
    csat_mean,
    header_safe,
    language_for,
    letter,
    new_token,
    nps,
    parse_csat,
    parse_nps,
    satisfied_share,
)
from salescli.errors import InputError


def test_nps_definition_and_rounding() -> None:
    assert nps([10, 9, 8, 7, 6, 0]) == Decimal("0.0")  # 2 promoters, 2 detractors
    assert nps([9, 9, 6]) == Decimal("33.3")
    assert nps([10, 10, 9, 5, 7, 8]) == Decimal("33.3")  # 3 − 1 = 2 of 6
    assert nps([9, 9, 9, 9, 9, 9, 9, 0]) == Decimal("75.0")
    assert nps([1, 2]) == Decimal("-100.0")
    assert nps([]) is None


def test_csat_mean_and_satisfied_share() -> None:
    assert csat_mean([5, 4, 3]) == Decimal("4.00") and csat_mean([5, 4]) == Decimal("4.50")
    assert csat_mean([1, 2, 2]) == Decimal("1.67")
    assert satisfied_share([5, 4, 3]) == Decimal("0.6667") and satisfied_share([]) is None


def test_score_parsing() -> None:
    assert parse_nps("0") == 0 and parse_nps(10) == 10 and parse_csat("5") == 5
    for bad in ("-1", "11", "7.5", "x", ""):
        with pytest.raises(InputError):
            parse_nps(bad)
    for bad in ("0", "6"):
        with pytest.raises(InputError):
            parse_csat(bad)


def test_tokens_unique_and_unguessable() -> None:
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000 and all(len(t) == 32 and not t.startswith("-") for t in tokens)


def test_language_and_letters() -> None:
    assert language_for("赵敏") == "zh" and language_for("Bob Smith") == "en" and language_for(None) == "zh"
    zh = letter(language="zh", contact="赵敏", customer="上海华信", order="SO-2026-0001", token="T0K",
                sender_name="王芳", link=None)
    assert zh.subject == "满意度调查：订单 SO-2026-0001" and "T0K" in zh.body and "（0-10 分）" in zh.body
    en = letter(language="en", contact="Bob", customer="ACME", order=None, token="T", sender_name="Li",
                link="https://s.example.com/T")
    assert "https://s.example.com/T" in en.body and en.subject.endswith("our service")


def test_header_safe_folds_line_breaks() -> None:
    assert header_safe("Evil\r\nBcc: x@y.z") == "Evil Bcc: x@y.z"
    assert header_safe("a\x00b\x1bc") == "a b c"


def test_bar_charts_scale_and_align_cjk() -> None:
    from decimal import Decimal

    from salescli.charts import bars, paired_bars

    assert bars([("9", 4), ("10", 2), ("0", 0)], width=8) == ["9  │████████ 4", "10 │████ 2", "0  │0"]
    lines = paired_bars([("王芳", Decimal("50.00"), Decimal("100.00")), ("li", Decimal("100.00"), None)],
                        ("revenue", "target"), width=4)
    assert lines[1:] == ["王芳 │██ 50.00", "     │░░░░ 100.00", "li   │████ 100.00", "     │(none)"]
