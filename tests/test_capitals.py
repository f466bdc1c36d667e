"""大写金额: the total in Chinese capital numerals, by the rules banks and tax offices read it."""

from __future__ import annotations

import random
import re
from decimal import Decimal

import pytest

from salescli.domain.money import in_capitals
from salescli.errors import InputError

DIGIT = {c: n for n, c in enumerate("零壹贰叁肆伍陆柒捌玖")}
PLACE = {"拾": 10, "佰": 100, "仟": 1000}


def _read(text: str) -> Decimal:
    """An independent reader of capitals (the test's own, not the code under test): back to a number."""
    sign = -1 if text.startswith("负") else 1
    text = text.removeprefix("负")
    yuan_part, _, small = text.partition("元")
    if not _:  # no 元: only 角/分
        yuan_part, small = "", text
    total, section, number = 0, 0, 0
    for ch in yuan_part:
        if ch in DIGIT:
            number = DIGIT[ch]
        elif ch in PLACE:
            section += (number or 1) * PLACE[ch]
            number = 0
        elif ch == "万":  # the digits since the last unit are 万s (万亿: then all of it becomes 亿s)
            total += (section + number) * 10**4
            section, number = 0, 0
        elif ch == "亿":
            section += number
            total = (total + section) * 10**8
            section, number = 0, 0
    total += section + number
    fen = 0
    jiao_match = re.search(r"(.)角", small)
    fen_match = re.search(r"(.)分", small)
    if jiao_match:
        fen += DIGIT[jiao_match.group(1)] * 10
    if fen_match:
        fen += DIGIT[fen_match.group(1)]
    return sign * (Decimal(total) + Decimal(fen) / 100)


KNOWN = {
    "106997.44": "壹拾万陆仟玖佰玖拾柒元肆角肆分",  # the example
    "0": "零元整",
    "0.01": "壹分",
    "0.10": "壹角整",
    "0.5": "伍角整",
    "1": "壹元整",
    "1.05": "壹元零伍分",  # a zero 角 between 元 and 分 is 零
    "1.50": "壹元伍角整",
    "10": "壹拾元整",  # tens are written 壹拾
    "15": "壹拾伍元整",
    "100": "壹佰元整",
    "101": "壹佰零壹元整",
    "110": "壹佰壹拾元整",
    "1004.5": "壹仟零肆元伍角整",
    "1010": "壹仟零壹拾元整",
    "1680.32": "壹仟陆佰捌拾元叁角贰分",
    "10000": "壹万元整",
    "10004": "壹万零肆元整",
    "100000": "壹拾万元整",
    "1000100": "壹佰万零壹佰元整",  # a run of zeros across the 万 boundary is one 零
    "1001000": "壹佰万壹仟元整",
    "10000000": "壹仟万元整",
    "100000000": "壹亿元整",
    "100010000": "壹亿零壹万元整",
    "100000001": "壹亿零壹元整",
    "120000000.07": "壹亿贰仟万元零柒分",
    "999999999999.99": "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分",  # the largest amount stored
    "1000000000000": "壹万亿元整",
    "1000500000000": "壹万零伍亿元整",
    "-3.2": "负叁元贰角整",
    "0.005": "壹分",  # rounded half-up to the fen first
}


@pytest.mark.parametrize(("amount", "expected"), sorted(KNOWN.items()))
def test_known_amounts(amount: str, expected: str) -> None:
    assert in_capitals(Decimal(amount)) == expected


def test_every_amount_reads_back_and_follows_the_writing_rules() -> None:
    """Thousands of amounts: the capitals read back to the amount, and obey the rules a bank checks."""
    rng = random.Random(20261130)
    amounts = [Decimal(rng.randrange(0, 10**rng.randrange(1, 15))) / 100 for _ in range(4000)]
    amounts += [Decimal(n) for n in (10**k for k in range(13))] + [Decimal(n) + Decimal("0.01") for n in
                                                                     (10**k for k in range(13))]
    amounts += [Decimal(d) * 10**k for d in range(1, 10) for k in range(12)]  # one digit and zeros
    for amount in amounts:
        text = in_capitals(amount)
        assert _read(text) == amount, (amount, text)
        assert "零零" not in text, (amount, text)  # one 零 for a run of zeros
        assert not re.search(r"零[元万亿]", text) or text == "零元整", (amount, text)  # none before a unit
        assert not text.startswith("零") or text == "零元整", (amount, text)
        assert text.endswith("整") == (amount * 100 % 10 == 0), (amount, text)  # 整 exactly when there are no 分
        assert not re.search(r"[^壹贰叁肆伍陆柒捌玖]拾", "^" + text), (amount, text)  # 拾 always has its digit
        assert set(text) <= set("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整负"), (amount, text)


def test_too_large_is_refused() -> None:
    with pytest.raises(InputError, match="too large"):
        in_capitals(Decimal("10000000000000000"))
