"""Revenue and unit targets per rep and period (year, quarter or month)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from salescli import models
from salescli.domain.dates import parse_period
from salescli.domain.money import parse_amount, to_minor
from salescli.domain.pricing import MAX_UNITS
from salescli.errors import InputError
from salescli.i18n import _
from salescli.services import reps
from salescli.services.audit import audit
from salescli.services.authz import Actor, handle_of
from salescli.services.rows import money_fields

T = models.targets
R = models.reps


def set_target(conn: Connection, *, rep: str, period: str, revenue: str, units: int | None, at: datetime,
               actor: Actor | None) -> dict[str, Any]:
    """Set (or replace) a rep's target for a period."""
    who = reps.get(conn, rep, field="REP")
    span = parse_period(period, today=at.date())
    if span.kind == "range":
        raise InputError(_("period: {period!r} must be a year, quarter or month").format(period=period))
    if units is not None and units < 0:
        raise InputError(_("--units must not be negative"))
    if units is not None and units > MAX_UNITS:
        raise InputError(_("--units: {units} is more than the maximum {maximum}").format(units=f"{units:,}",
                                                                                          maximum=f"{MAX_UNITS:,}"))
    values = {"rep_id": who["id"], "period": span.label, "period_start": span.start, "period_end": span.end,
              "revenue_minor": to_minor(parse_amount(revenue, field="--revenue")), "units": units}
    existing = conn.execute(select(T).where(T.c.rep_id == who["id"], T.c.period == span.label)).mappings().first()
    if existing:
        conn.execute(update(T).where(T.c.id == existing["id"]).values(**values))
    else:
        conn.execute(insert(T).values(**values))
    audit(conn, at=at, rep=handle_of(actor), entity="target", entity_id=f"{who['handle']}:{span.label}",
          action="update" if existing else "create", before=dict(existing) if existing else None, after=values)
    return {"rep": who["handle"], "period": span.label, "from": span.start, "to": span.end,
            "revenue": parse_amount(revenue), "units": units}


def listing(conn: Connection, *, rep: str | None = None, year: int | None = None) -> list[dict[str, Any]]:
    query = (select(R.c.handle.label("rep"), T.c.period, T.c.period_start.label("from"),
                    T.c.period_end.label("to"), T.c.revenue_minor, T.c.units)
             .select_from(T.join(R, R.c.id == T.c.rep_id)).order_by(R.c.handle, T.c.period_start, T.c.period))
    if rep:
        query = query.where(T.c.rep_id == reps.get(conn, rep, field="--rep")["id"])
    if year:
        query = query.where(T.c.period.like(f"{year}%"))
    return [money_fields(r) for r in conn.execute(query).mappings()]
