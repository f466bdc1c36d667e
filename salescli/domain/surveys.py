"""Satisfaction surveys: score rules (NPS 0-10, CSAT 1-5), the measures, tokens and the email text.

Everything is pure; sending lives in services/surveys.py.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from salescli.errors import InputError
from salescli.i18n import _

LANGUAGES = ("zh", "en")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LINE_BREAKS = re.compile(r"[\r\n\x00-\x1f\x7f]+")


def parse_nps(text: str | int) -> int:
    raw = str(text).strip()
    if not raw.isdigit() or not 0 <= int(raw) <= 10:
        raise InputError(_("{field}: {text!r} must be a whole number from {low} to {high}").format(
            field="--nps", text=str(text), low=0, high=10))
    return int(raw)


def parse_csat(text: str | int) -> int:
    raw = str(text).strip()
    if not raw.isdigit() or not 1 <= int(raw) <= 5:
        raise InputError(_("{field}: {text!r} must be a whole number from {low} to {high}").format(
            field="--csat", text=str(text), low=1, high=5))
    return int(raw)


def new_token() -> str:
    """128 random bits as 32 hex digits: unguessable, fits a link, and never starts with '-' (which a command
    line would read as an option, as token_urlsafe's output sometimes does)."""
    return secrets.token_hex(16)


#: What a reply link's token may look like: this version's 32 hex digits, and the URL-safe tokens of earlier ones.
#: Anything else is no token at all (the reply page answers it like an unknown one, without asking the database).
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def well_formed_token(text: str) -> bool:
    return _TOKEN.fullmatch(text) is not None


def letter_language(setting: str, stored: str | None) -> str:
    """The language of a survey's letter and of its reply page: the team's ``survey_language`` when it is zh or en,
    else (auto) the survey's own, chosen at sending by the contact (``language_for``); Chinese when none is known."""
    if setting in LANGUAGES:
        return setting
    return stored if stored in LANGUAGES else "zh"


def local_only(link: str) -> bool:
    """Whether a reply link leads to this computer only (the default survey_url: 'survey serve' on loopback)."""
    from urllib.parse import urlsplit

    try:
        host = (urlsplit(link).hostname or "").lower()
    except ValueError:
        return False
    return host in ("localhost", "::1") or host.startswith("127.")


def language_for(*names: str | None, default: str = "zh") -> str:
    """Chinese for a customer or contact written in Chinese, English for one written in Latin letters."""
    text = "".join(n for n in names if n)
    if not text:
        return default
    return "zh" if _CJK.search(text) else "en"


def header_safe(text: str) -> str:
    """A display name for an email header: line breaks and control characters folded to spaces, so customer
    data can never add a header."""
    return _LINE_BREAKS.sub(" ", text).strip()


# -- measures ---------------------------------------------------------------------------------------------


def _half_up(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def nps(scores: Iterable[int]) -> Decimal | None:
    """100 × (promoters 9-10 − detractors 0-6) / responses, to one decimal; None without responses."""
    values = list(scores)
    if not values:
        return None
    promoters = sum(1 for s in values if s >= 9)
    detractors = sum(1 for s in values if s <= 6)
    return _half_up(Decimal(100 * (promoters - detractors)) / len(values), "0.1")


def csat_mean(scores: Iterable[int]) -> Decimal | None:
    values = list(scores)
    if not values:
        return None
    return _half_up(Decimal(sum(values)) / len(values), "0.01")


def satisfied_share(scores: Iterable[int]) -> Decimal | None:
    """Share of CSAT answers that are 4 or 5, as a fraction to 4 places."""
    values = list(scores)
    if not values:
        return None
    return _half_up(Decimal(sum(1 for s in values if s >= 4)) / len(values), "0.0001")


def ratio(part: int, whole: int) -> Decimal | None:
    return _half_up(Decimal(part) / whole, "0.0001") if whole else None


def distribution(scores: Iterable[int], values: Sequence[int]) -> list[tuple[str, int]]:
    """(score, how many answers gave it) for every possible score, in order."""
    counted = list(scores)
    return [(str(v), counted.count(v)) for v in values]


# -- the email --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Letter:
    subject: str
    body: str


def letter(*, language: str, contact: str, customer: str, order: str | None, token: str, sender_name: str,
           link: str | None) -> Letter:
    """The survey email in Chinese or English. ``link`` is the reply page for this token, if one is set up."""
    about_zh = f"订单 {order}" if order else "我们的服务"
    about_en = f"order {order}" if order else "our service"
    if language == "zh":
        how = (f"请点击链接打分：{link}" if link else
               "请直接回复本邮件，写下两个数字，例如“9 5”（第一个 0-10，第二个 1-5），也可附上意见。")
        body = (f"{contact} 您好：\n\n感谢 {customer} 的信任。关于{about_zh}，想请您花一分钟回答两个问题：\n\n"
                f"1. 您有多大可能把我们推荐给朋友或同事？（0-10 分）\n2. 您对这次的产品和服务满意吗？（1-5 分）\n\n"
                f"{how}\n\n问卷编号：{token}\n\n{sender_name}")
        return Letter(f"满意度调查：{about_zh}", body)
    how = (f"Please answer here: {link}" if link else
           "Just reply to this email with two numbers, e.g. \"9 5\" (first 0-10, second 1-5), and any comment.")
    body = (f"Dear {contact},\n\nThank you for choosing us at {customer}. About {about_en}, two quick "
            f"questions:\n\n1. How likely are you to recommend us to a friend or colleague? (0-10)\n"
            f"2. How satisfied are you with the product and service? (1-5)\n\n{how}\n\nSurvey reference: {token}\n\n"
            f"{sender_name}")
    return Letter(f"How did we do? Your feedback on {about_en}", body)
