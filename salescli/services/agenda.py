"""The rep's day (follow-ups and tasks due, quotes about to expire, late or at-risk orders, tickets near their SLA),
and the open pipeline's total."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from salescli import records
from salescli.domain.leads import overdue_days
from salescli.domain.pipeline import DEAL_OPEN
from salescli.services import leads


def due_leads(conn: Connection, *, today: date, owner_id: int | None,
              limit: int | None = None) -> list[records.FollowUp]:
    out: list[records.FollowUp] = []
    for row in leads.listing(conn, due_by=today, owner_id=owner_id, limit=limit):
        due = row["follow_up"]
        assert due is not None  # listed because it is due by today
        out.append({**row, "overdue_days": overdue_days(due, today)})
    return out


EXPIRING_DAYS = 7


def today(conn: Connection, *, today: date, now: datetime, owner_id: int | None, at_risk_days: int) -> dict[str, Any]:
    """Sections of the agenda, each a list of rows; JSON prints this dict as is. Everything is the acting rep's
    (``owner_id``), or everyone's for a manager's ``--all`` and a single user."""
    from salescli.services import orders, quotes, tasks, tickets

    return {
        "date": today,
        "tasks": tasks.listing(conn, today=today, owner_id=owner_id, due_by=today),
        "follow_ups": due_leads(conn, today=today, owner_id=owner_id),
        "expiring_quotes": quotes.listing(conn, today=today, owner_id=owner_id, expiring_within=EXPIRING_DAYS),
        "orders": orders.listing(conn, today=today, at_risk_only=True, owner_id=owner_id, at_risk_days=at_risk_days),
        "tickets": tickets.listing(conn, now=now, near=True, owner_id=owner_id),
    }


def open_total(rows: Iterable[Mapping[str, Any]]) -> records.Totals:
    """The open stages' sum of ``services/deals.pipeline`` rows: deals, value and weighted value (no probability:
    each stage has its own)."""
    open_rows = [r for r in rows if r["stage"] in DEAL_OPEN]
    return {"deals": sum(r["deals"] for r in open_rows), "value": sum(r["value"] for r in open_rows),
            "probability": None, "weighted": sum(r["weighted"] for r in open_rows)}
