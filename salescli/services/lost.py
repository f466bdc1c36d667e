"""Why deals are lost (``kpi lost-reasons``): lost deals of a period by reason, with their count, value and share,
optionally per rep, channel or product. Aggregated in SQL."""

from __future__ import annotations

import typing
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any, Literal, cast

from sqlalchemy import Connection, func, select

from salescli import models, records
from salescli.domain.dates import Period
from salescli.domain.lost import Reasons
from salescli.domain.money import from_minor
from salescli.errors import InputError
from salescli.i18n import _
from salescli.services.deals import value_column
from salescli.services.kpi import _day, _range

Deal, Rep, Quote, QuoteLine = models.deals, models.reps, models.quotes, models.quote_lines
GROUPINGS = ("rep", "channel", "product")
NONE = "(none)"


def report(conn: Connection, *, period: Period, reasons: Reasons, by: str | None = None,
           rep_id: int | None = None) -> records.LostReport:
    """Deals lost in the period (by the date they were lost; attribution: the deal's owner) per reason: ``deals``,
    ``value`` (each deal's value as ``deal show`` gives it, as it stood on the day it was lost: a quote still valid
    that day counts), ``share`` of the lost deals and ``value_share`` of the value lost — both within the row's
    group (its rep, channel or product), or of all when not grouped. Reasons stored as free text before the team's
    list existed are reported as written; an old alias (价格) counts under its key.

    By product a deal counts once under every product quoted on it (so a product's rows add up to its own lost
    deals, and the products' rows together may exceed the total)."""
    if by is not None and by not in GROUPINGS:
        raise InputError(_("--by: {by!r} is not one of {choices}").format(by=by, choices=", ".join(GROUPINGS)))
    start, end = _range(period)
    # value_column compares quotes' validity with a day; here each deal's own day of loss (a SQL expression)
    value = value_column(typing.cast(date, _day(conn, Deal.c.closed_at)))
    where = [Deal.c.stage == "lost", Deal.c.closed_at >= start, Deal.c.closed_at < end]
    if rep_id is not None:
        where.append(Deal.c.owner_id == rep_id)
    deals = select(Deal.c.id, Deal.c.lost_reason, Deal.c.owner_id, Deal.c.source,
                   value.label("v")).where(*where).subquery()
    key: Any = None
    source: Any = deals
    if by == "rep":
        key = func.coalesce(Rep.c.handle, NONE)
        source = deals.outerjoin(Rep, Rep.c.id == deals.c.owner_id)
    elif by == "channel":
        key = func.coalesce(deals.c.source, NONE)
    elif by == "product":
        quoted = (select(QuoteLine.c.sku, Quote.c.deal_id)
                  .select_from(Quote.join(QuoteLine, QuoteLine.c.quote_id == Quote.c.id)).distinct()
                  .subquery())
        key = func.coalesce(quoted.c.sku, NONE)
        source = deals.outerjoin(quoted, quoted.c.deal_id == deals.c.id)
    cols = [deals.c.lost_reason, func.count().label("n"), func.coalesce(func.sum(deals.c.v), 0).label("minor")]
    query = select(*cols, *([key.label("k")] if key is not None else [])).select_from(source)
    query = query.group_by(deals.c.lost_reason, *([key] if key is not None else []))
    found: dict[Any, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for found_row in conn.execute(query):
        group = found_row.k if key is not None else None
        reason = reasons.find(found_row.lost_reason) or found_row.lost_reason or NONE
        found[group][reason][0] += int(found_row.n)
        found[group][reason][1] += int(found_row.minor)
    total = conn.execute(select(func.count().label("n"), func.coalesce(func.sum(deals.c.v), 0).label("minor"))).one()
    order = {k: i for i, k in enumerate(reasons.keys)}
    rows: list[records.LostReason] = []
    for group in sorted(found, key=lambda g: (g is None or g == NONE, str(g or ""))):
        counts = found[group]
        group_deals = sum(c for c, _value in counts.values())
        group_value = sum(v for _count, v in counts.values())
        for reason in sorted(counts, key=lambda r: (-counts[r][0], -counts[r][1], order.get(r, len(order)), r)):
            n, minor = counts[reason]
            names = reasons.names.get(reason)
            fields: records.LostReason = {
                "reason": reason, "name": names[0] if names else None, "deals": n, "value": _money(minor),
                "share": round(n / group_deals, 4) if group_deals else None,
                "value_share": round(minor / group_value, 4) if group_value else None}
            rows.append(cast(records.LostReason, {by: group, **fields}) if by is not None else fields)  # group first
    return {"period": {"from": period.start, "to": period.end},
            "by": cast(Literal["rep", "channel", "product"], by) if by is not None else "reason", "rows": rows,
            "total": {"deals": int(total.n), "value": _money(int(total.minor))}}


def _money(minor: int) -> Decimal:
    return from_minor(minor) or Decimal("0.00")
