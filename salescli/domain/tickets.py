"""After-sales tickets: priorities and their SLA (hours to resolve), breach and near-breach on plain times."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from salescli.errors import InputError
from salescli.i18n import _

PRIORITIES = ("low", "normal", "high", "urgent")
DEFAULT_SLA_HOURS: Mapping[str, int] = {"urgent": 4, "high": 24, "normal": 72, "low": 168}
NEAR_FRACTION = 0.25  # "near breach" once less than a quarter of the SLA is left


def parse_priority(text: str) -> str:
    value = text.strip().lower()
    aliases = {"紧急": "urgent", "高": "high", "中": "normal", "普通": "normal", "低": "low", "medium": "normal"}
    value = aliases.get(value, value)
    if value not in PRIORITIES:
        raise InputError(_("{field}: {text!r} is not one of {choices}").format(
            field="--priority", text=text, choices=", ".join(PRIORITIES)))
    return value


MAX_SLA_HOURS = 87_600  # ten years


def parse_sla(text: str, *, name: str = "sla_hours") -> dict[str, int]:
    """Config form ``urgent=4,high=24,normal=72,low=168`` (whole hours, 1 to ten years); missing priorities keep
    their default. The one rule for this setting: ``config set`` and reading the file use it too."""
    hours = dict(DEFAULT_SLA_HOURS)
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise InputError(_("{name}: {text!r} is not PRIORITY=HOURS,... (e.g. urgent=4,high=24)").format(
            name=name, text=text))
    for part in parts:
        priority, _eq, value = part.partition("=")
        priority, value = priority.strip().lower(), value.strip()
        if (priority not in PRIORITIES or not value.isascii() or not value.isdigit() or len(value) > 6
                or not 1 <= int(value) <= MAX_SLA_HOURS):
            raise InputError(_("{name}: {part!r} is not PRIORITY=HOURS with HOURS from 1 to {most} "
                               "(priorities: {priorities})").format(name=name, part=part, most=MAX_SLA_HOURS,
                                                                    priorities=", ".join(PRIORITIES)))
        hours[priority] = int(value)
    return hours


def due(opened: datetime, priority: str, sla: Mapping[str, int]) -> datetime:
    return opened + timedelta(hours=sla[priority])


@dataclass(frozen=True)
class SlaState:
    due: datetime
    breached: bool  # resolved after the due time, or still open past it
    near: bool  # open, not breached, less than NEAR_FRACTION of the SLA left
    hours_left: float | None  # for open tickets: negative when overdue


def sla_state(*, opened: datetime, due_at: datetime, resolved: datetime | None, now: datetime) -> SlaState:
    if resolved is not None:
        return SlaState(due_at, resolved > due_at, False, None)
    left = (due_at - now).total_seconds() / 3600
    total = (due_at - opened).total_seconds() / 3600
    return SlaState(due_at, left < 0, 0 <= left < total * NEAR_FRACTION, round(left, 1))
