"""Late / at-risk and SLA math as pure functions with fixed dates."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from salescli.domain.orders import track
from salescli.domain.tickets import DEFAULT_SLA_HOURS, due, parse_priority, parse_sla, sla_state
from salescli.errors import InputError

TODAY = date(2026, 11, 29)


def test_late_when_promise_passed_and_not_delivered() -> None:
    t = track(status="in_production", promised=date(2026, 11, 28), ordered=date(2026, 11, 1), today=TODAY,
              lead_time_days=20)
    assert (t.late, t.at_risk, t.days_left) == (True, False, -1)
    assert t.expected == date(2026, 12, 2)  # today + 3 transit days: it cannot arrive in the past


def test_at_risk_when_close_and_not_shipped_or_expected_after_promise() -> None:
    near = track(status="confirmed", promised=date(2026, 12, 6), ordered=date(2026, 11, 20), today=TODAY,
                 lead_time_days=0)
    assert (near.late, near.at_risk, near.days_left, near.expected) == (False, True, 7, date(2026, 12, 2))
    far = track(status="confirmed", promised=date(2026, 12, 7), ordered=date(2026, 11, 20), today=TODAY,
                lead_time_days=0)
    assert far.at_risk is False  # 8 days left, expected in time
    slow = track(status="submitted", promised=date(2026, 12, 31), ordered=TODAY, today=TODAY, lead_time_days=45)
    assert slow.at_risk is True and slow.expected == date(2027, 1, 16)  # lead time makes it miss the promise


def test_shipped_and_delivered_orders() -> None:
    shipped = track(status="shipped", promised=date(2026, 12, 1), ordered=date(2026, 11, 1), today=TODAY,
                    lead_time_days=30, shipped=date(2026, 11, 27))
    assert (shipped.expected, shipped.late, shipped.at_risk) == (date(2026, 11, 30), False, False)
    done = track(status="delivered", promised=date(2026, 11, 20), ordered=date(2026, 11, 1), today=TODAY,
                 lead_time_days=30, delivered=date(2026, 11, 25))
    assert (done.late, done.at_risk, done.expected) == (False, False, date(2026, 11, 25))
    gone = track(status="cancelled", promised=date(2026, 11, 1), ordered=date(2026, 10, 1), today=TODAY,
                 lead_time_days=0)
    assert (gone.late, gone.at_risk, gone.expected) == (False, False, None)


def test_sla_due_breach_and_near() -> None:
    opened = datetime(2026, 11, 29, 9, 0)
    due_at = due(opened, "urgent", DEFAULT_SLA_HOURS)
    assert due_at == datetime(2026, 11, 29, 13, 0)
    assert sla_state(opened=opened, due_at=due_at, resolved=None, now=datetime(2026, 11, 29, 12, 30)).near is True
    state = sla_state(opened=opened, due_at=due_at, resolved=None, now=datetime(2026, 11, 29, 14, 0))
    assert (state.breached, state.near, state.hours_left) == (True, False, -1.0)
    fine = sla_state(opened=opened, due_at=due_at, resolved=None, now=datetime(2026, 11, 29, 10, 0))
    assert (fine.breached, fine.near, fine.hours_left) == (False, False, 3.0)
    late_fix = sla_state(opened=opened, due_at=due_at, resolved=datetime(2026, 11, 29, 13, 1),
                         now=datetime(2026, 12, 1))
    assert (late_fix.breached, late_fix.hours_left) == (True, None)


def test_priorities_and_sla_config() -> None:
    assert parse_priority("紧急") == "urgent" and parse_priority(" High ") == "high"
    with pytest.raises(InputError):
        parse_priority("asap")
    assert parse_sla("urgent=2, low=100") == {"urgent": 2, "high": 24, "normal": 72, "low": 100}
    for bad in ("urgent=0", "urgent=x", "critical=4"):
        with pytest.raises(InputError):
            parse_sla(bad)


@pytest.mark.parametrize(("current", "allowed"), [
    ("open", ("in_progress",)), ("in_progress", ("resolved",)), ("resolved", ("closed", "open")), ("closed", ()),
])
def test_ticket_machine_is_exactly_product_md(current: str, allowed: tuple[str, ...]) -> None:
    """open → in_progress → resolved → closed; resolved → open. No skips (open → resolved, open or in_progress →
    closed are refused, naming the allowed next states)."""
    from salescli.domain.pipeline import TICKET
    from salescli.errors import InvalidTransition

    for target in TICKET.states:
        if target in allowed:
            assert TICKET.check(current, target) == target
        else:
            with pytest.raises(InvalidTransition) as refused:
                TICKET.check(current, target, label="ticket 7")
            if allowed and target != current:
                named = ", ".join(state for state in TICKET.order if state in allowed)
                assert refused.value.message.endswith(f"(allowed: {named})")
