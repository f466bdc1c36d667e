"""Rules for working a deal: activity kinds and the probability a rep sets by hand."""

from __future__ import annotations

from decimal import Decimal

from salescli.domain.money import parse_pct, pct_to_bp
from salescli.errors import InputError
from salescli.i18n import _

#: What a rep logs on a deal (``deal log --kind``).
ACTIVITY_KINDS = ("call", "email", "meeting", "visit", "wechat", "note")
_KIND_ALIASES = {"微信": "wechat", "电话": "call", "邮件": "email", "会议": "meeting", "拜访": "visit", "备注": "note"}


def parse_kind(text: str) -> str:
    raw = text.strip().casefold()
    kind = _KIND_ALIASES.get(raw, raw)
    if kind not in ACTIVITY_KINDS:
        raise InputError(_("{field}: {text!r} is not an activity kind (one of {kinds})").format(
            field="--kind", text=text, kinds=", ".join(ACTIVITY_KINDS)))
    return kind


def parse_probability(text: str) -> int:
    """``--probability 35`` (percent, 0–100) → basis points."""
    return pct_to_bp(parse_pct(text, field="--probability", maximum=Decimal(100)))
