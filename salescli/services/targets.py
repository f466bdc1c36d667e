"""Revenue and unit targets per rep and period (year, quarter or month)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import Connection, insert, select, update

from salescli import models, records
from salescli.domain.dates import parse_period
from salescli.domain.money import parse_amount, to_minor
from salescli.domain.pricing import MAX_UNITS
from salescli.errors import InputError
from salescli.i18n import _
from salescli.services import reps
from salescli.services.audit import audit
from salescli.services.authz import Actor, handle_of
from salescli.services.rows import money_fields

Target = models.targets
Rep = models.reps


def set_target(conn: Connection, *, rep: str, period: str, revenue: str, units: int | None, at: datetime,
               actor: Actor | None) -> records.Target:
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
    existing = conn.execute(select(Target)
                            .where(Target.c.rep_id == who["id"], Target.c.period == span.label)).mappings().first()
    if existing:
        conn.execute(update(Target).where(Target.c.id == existing["id"]).values(**values))
    else:
        conn.execute(insert(Target).values(**values))
    audit(conn, at=at, rep=handle_of(actor), entity="target", entity_id=f"{who['handle']}:{span.label}",
          action="update" if existing else "create", before=dict(existing) if existing else None, after=values)
    return {"rep": who["handle"], "period": span.label, "from": span.start, "to": span.end,
            "revenue": parse_amount(revenue), "units": units}


def listing(conn: Connection, *, rep: str | None = None, year: int | None = None) -> list[records.Target]:
    query = (select(Rep.c.handle.label("rep"), Target.c.period, Target.c.period_start.label("from"),
                    Target.c.period_end.label("to"), Target.c.revenue_minor, Target.c.units)
             .select_from(Target.join(Rep, Rep.c.id == Target.c.rep_id))
             .order_by(Rep.c.handle, Target.c.period_start, Target.c.period))
    if rep:
        query = query.where(Target.c.rep_id == reps.get(conn, rep, field="--rep")["id"])
    if year:
        query = query.where(Target.c.period.like(f"{year}%"))
    return [cast(records.Target, money_fields(r)) for r in conn.execute(query).mappings()]
