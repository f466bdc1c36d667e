"""Lead rules: channels, the score, and what is due for follow-up."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from salescli.domain import aliases
from salescli.errors import InputError
from salescli.i18n import _

SOURCES = ("phone", "email", "social", "exhibition", "referral", "web", "other")
_SOURCE_ALIASES = {
    "电话": "phone", "tel": "phone", "call": "phone", "cold call": "phone",
    "邮件": "email", "邮箱": "email", "mail": "email", "e-mail": "email",
    "社交": "social", "社交媒体": "social", "微信": "social", "wechat": "social", "linkedin": "social",
    "展会": "exhibition", "expo": "exhibition", "trade show": "exhibition", "fair": "exhibition",
    "转介绍": "referral", "推荐": "referral", "介绍": "referral", "朋友介绍": "referral", "客户介绍": "referral",
    "熟人介绍": "referral", "老客户推荐": "referral", "口碑": "referral", "referral": "referral", "refer": "referral",
    "referred": "referral", "word of mouth": "referral", "展览": "exhibition", "展会活动": "exhibition",
    "电话营销": "phone", "陌拜电话": "phone", "电子邮件": "email", "网络": "web", "网上": "web", "搜索": "web",
    "网站": "web", "官网": "web", "website": "web", "online": "web",
    "其他": "other",
}
ACTIVITY_KINDS = ("call", "email", "meeting", "demo", "note")

_SOURCE_POINTS = {"referral": 30, "exhibition": 20, "web": 15, "social": 10, "email": 10, "phone": 10, "other": 5}
_STATUS_POINTS = {"new": 0, "contacted": 10, "qualified": 25, "converted": 25, "lost": 0}

SCORE_RULE = ("score 0-100 = source (referral 30, exhibition 20, web 15, social/email/phone 10, other 5) "
              "+ 10 each for company, email, phone + status (contacted 10, qualified 25) + 5 per logged "
              "touch (at most 15)")


#: Every name a channel is typed as (folded) → its key; a team adds its own with the setting ``channel_aliases``.
CHANNEL_TABLE = {**aliases.table({s: () for s in SOURCES}),
                 **{aliases.fold(alias): key for alias, key in _SOURCE_ALIASES.items()}}


def parse_source(text: str, extra: Mapping[str, str] | None = None) -> str:
    """The channel key for a name in any language (朋友介绍, 转介绍, 推荐 → referral); the team's aliases first."""
    source = aliases.lookup(text, CHANNEL_TABLE, extra)
    if source is None or source not in SOURCES:
        raise InputError(_("{field}: {text!r} is not a channel (one of {channels})").format(
            field="source", text=text, channels=", ".join(SOURCES)))
    return source


def parse_kind(text: str, *, allowed: tuple[str, ...] = ACTIVITY_KINDS) -> str:
    kind = text.strip().casefold()
    if kind not in allowed:
        raise InputError(_("{field}: {text!r} is not an activity kind (one of {kinds})").format(
            field="kind", text=text, kinds=", ".join(allowed)))
    return kind


def score(*, source: str, company: str | None, email: str | None, phone: str | None, status: str,
          touches: int = 0) -> int:
    """The lead score by :data:`SCORE_RULE`; a higher score means a warmer lead."""
    points = _SOURCE_POINTS.get(source, 0)
    points += sum(10 for value in (company, email, phone) if value)
    points += _STATUS_POINTS.get(status, 0)
    points += min(touches, 3) * 5
    return min(points, 100)


def overdue_days(follow_up: date, today: date) -> int:
    return (today - follow_up).days


def scores(sources: list[str], companies: list[Any], emails: list[Any], phones: list[Any],
           statuses: list[str]) -> list[int]:
    """:func:`score` for many leads at once (imports), touches 0: the same rule, computed with C-level maps
    (``None`` means an empty field, as imports store it)."""
    from itertools import repeat
    from operator import add, is_not, mul

    base = map(add, map(_SOURCE_POINTS.get, sources, repeat(0)), map(_STATUS_POINTS.get, statuses, repeat(0)))
    present = map(add, map(add, map(is_not, companies, repeat(None)), map(is_not, emails, repeat(None))),
                  map(is_not, phones, repeat(None)))
    return list(map(min, map(add, base, map(mul, present, repeat(10))), repeat(100)))
