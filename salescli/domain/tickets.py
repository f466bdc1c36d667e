"""After-sales tickets: priorities and their SLA (hours to resolve), breach and near-breach on plain times."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from salescli.errors import InputError

PRIORITIES = ("low", "normal", "high", "urgent")
DEFAULT_SLA_HOURS: Mapping[str, int] = {"urgent": 4, "high": 24, "normal": 72, "low": 168}
NEAR_FRACTION = 0.25  # "near breach" once less than a quarter of the SLA is left


def parse_priority(text: str) -> str:
    value = text.strip().lower()
    aliases = {"紧急": "urgent", "高": "high", "中": "normal", "普通": "normal", "低": "low", "medium": "normal"}
    value = aliases.get(value, value)
    if value not in PRIORITIES:
        raise InputError(f"--priority: {text!r} is not one of {', '.join(PRIORITIES)}")
    return value


def parse_sla(text: str) -> dict[str, int]:
    """Config form ``urgent=4,high=24,normal=72,low=168`` (hours); missing priorities keep their default."""
    hours = dict(DEFAULT_SLA_HOURS)
    for part in (p.strip() for p in text.split(",") if p.strip()):
        name, _, value = part.partition("=")
        name = name.strip().lower()
        if name not in PRIORITIES or not value.strip().isdigit() or int(value) <= 0:
            raise InputError(f"sla_hours: {part!r} is not PRIORITY=HOURS (priorities: {', '.join(PRIORITIES)})")
        hours[name] = int(value)
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
