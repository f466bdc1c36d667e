"""KPI aggregation in SQL (never loading every record): one grouped query per family of measures, combined
with domain/kpi.py. Works on SQLite and PostgreSQL (date functions differ and are chosen per dialect)."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal, cast

from sqlalchemy import Connection, Date, Row, case, distinct, func, literal, or_, select
from sqlalchemy import cast as sql_cast
from sqlalchemy.sql.elements import ColumnElement

from salescli import models, records
from salescli.domain import kpi as rules
from salescli.domain.dates import Period, parse_period
from salescli.domain.money import from_minor
from salescli.domain.pipeline import DEAL_OPEN
from salescli.errors import InputError
from salescli.i18n import _
from salescli.store import sqlite_cache

Contract, ContractLine, Deal, DealEvent = models.contracts, models.contract_lines, models.deals, models.deal_events
Customer, Rep, Lead, Target = models.customers, models.reps, models.leads, models.targets
Order, Survey, Quote, QuoteLine = models.orders, models.surveys, models.quotes, models.quote_lines
GROUPINGS = ("rep", "month", "channel", "product")


def _month(conn: Connection, column: Any) -> ColumnElement[Any]:
    if conn.dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _month_key(conn: Connection, column: Any) -> ColumnElement[Any]:
    """The month of ``column`` to group on; _month_label turns it into YYYY-MM. On PostgreSQL date_trunc: a
    timestamp sorts and hashes faster than to_char's text (--by month at 1M orders: 5.8 s → 5.2 s)."""
    if conn.dialect.name == "postgresql":
        return func.date_trunc("month", column)
    return _month(conn, column)


def _month_label(key: Any) -> Any:
    return f"{key:%Y-%m}" if isinstance(key, (date, datetime)) else key


def _day(conn: Connection, column: Any) -> ColumnElement[Any]:
    return sql_cast(column, Date) if conn.dialect.name == "postgresql" else func.date(column)


def _days_between(conn: Connection, start: Any, end: Any) -> ColumnElement[Any]:
    if conn.dialect.name == "postgresql":
        return func.extract("epoch", end - start) / 86400.0
    return func.julianday(end) - func.julianday(start)


def _range(period: Period) -> tuple[datetime, datetime]:
    return datetime.combine(period.start, time()), datetime.combine(period.end + timedelta(days=1), time())


FAMILIES = ("won", "lost", "surveys", "delivered")  # the record families a KPI row adds up
# whose records a family's are, for one rep's report: the deal's owner (a survey without a deal: the customer's)
_OWNER: dict[str, Any] = {"won": Deal.c.owner_id, "lost": Deal.c.owner_id, "delivered": Deal.c.owner_id,
                          "surveys": func.coalesce(Deal.c.owner_id, Customer.c.owner_id)}


@dataclass(frozen=True)
class _Family:
    """One family's query: its columns (each labelled with its ``rules.Sums`` field) over ``source`` where
    ``where``, grouped by ``key``; ``pooled``: the columns and source without the grouping's extra join, for a
    total where a record counts once (by product, a contract has several lines)."""

    name: str
    key: Any
    where: list[Any]
    columns: list[Any]
    source: Any
    pooled: tuple[list[Any], Any] | None = None


def report(conn: Connection, *, period: Period, by: str = "rep", rep_id: int | None = None) -> records.KpiReport:
    """Every measure per group and for the pooled total, exactly per PRODUCT.md's KPI definitions."""
    if by not in GROUPINGS:
        raise InputError(_("--by: {by!r} is not one of {choices}").format(by=by, choices=", ".join(GROUPINGS)))
    # every record falls in exactly one group (by month: the month of its own date, inside the period): the total
    # is their sum, no second pass over the records
    partitions = by in ("rep", "channel", "month")
    with _report_settings(conn):
        groups, totals = _collect(conn, _families(conn, by, *_range(period), mine=rep_id is not None), rep_id=rep_id,
                                  pooled=not partitions)
    targets = _targets(conn, period, by, rep_id)
    if by == "rep":
        rows, total_target = _rep_rows(conn, groups, targets, rep_id)
    else:
        rows, total_target = _group_rows(by, period, groups, targets)
    pooled = sum((_sums(g) for g in groups.values()), rules.Sums()) if partitions else _sums(totals)
    return {"period": {"from": period.start, "to": period.end}, "by": cast(records.Grouping, by), "rows": rows,
            "total": _measures(pooled, total_target)}


def _measures(sums: rules.Sums, target: Decimal | None) -> records.Measures:
    return cast(records.Measures, rules.as_numbers(rules.measures(sums, target)))


REPORT_CACHE_KB = 2000  # SQLite's default


@contextmanager
def _report_settings(conn: Connection) -> Iterator[None]:
    """How the report's queries run. SQLite: its default page cache. SQLite lets a GROUP BY's sort hold as much
    memory as the page cache before it spills to a temporary file, so with the store's 64 MB cache the report
    peaked at 175 MB on 1M orders (64 MB of pages + a sort as big); with 2 MB at 47-49 MB. CPU seconds at 1M
    orders, one process, alternately: by rep 8.2-8.7 with 64 MB, 7.7-9.4 with 2 MB (8 MB: 9.0-10.6); by month
    4.1-4.6 → 5.4-5.8 (less user time, more system time reading pages from the OS's file cache). A cache big
    enough for the deals index (40 MB) peaks at 134-142 MB.
    PostgreSQL: no JIT compiling. Each query scans about every record of the period and costs enough for JIT,
    which compiles again in each parallel worker (0.1 s per query in EXPLAIN ANALYZE); without it --by month at
    1M orders took 2.16 s instead of 2.44 s (medians of 5)."""
    if conn.dialect.name == "postgresql":
        jit = (conn.dialect.server_version_info or (0,)) >= (11,)  # no jit setting before PostgreSQL 11
        before = conn.execute(select(func.current_setting("jit"))).scalar() if jit else None
        if jit:
            conn.execute(select(func.set_config("jit", "off", True)))  # for this transaction only
        yield  # (a failed query aborts the transaction, and with it the setting)
        if jit:
            conn.execute(select(func.set_config("jit", before, True)))
        return
    with sqlite_cache(conn, REPORT_CACHE_KB):
        yield


def _families(conn: Connection, by: str, start: datetime, end: datetime, *, mine: bool = False) -> list[_Family]:
    """The four families' queries for the grouping ``by``, over records of [start, end); ``mine``: one rep's
    report (the owner's joins are needed). Each query joins only what its key, columns and owner need (a survey
    always has its customer, an order its deal: those inner joins drop nothing)."""
    cycle = _days_between(conn, Deal.c.created_at, Contract.c.signed_at)
    on_time = func.sum(case((_day(conn, Order.c.delivered_at) <= Order.c.promised, 1), else_=0))
    where = {
        "won": [Contract.c.signed_at >= start, Contract.c.signed_at < end, Contract.c.status != "cancelled"],
        "lost": [Deal.c.stage == "lost", Deal.c.closed_at >= start, Deal.c.closed_at < end],
        "surveys": [Survey.c.status == "responded", Survey.c.responded_at >= start, Survey.c.responded_at < end],
        "delivered": [Order.c.delivered_at >= start, Order.c.delivered_at < end, Order.c.status != "cancelled"],
    }
    columns = {
        "won": [func.coalesce(func.sum(Contract.c.net_minor), 0).label("revenue"),  # minor units
                func.coalesce(func.sum(Contract.c.units), 0).label("units"),
                func.count(distinct(Contract.c.deal_id)).label("won"),
                func.coalesce(func.sum(cycle), 0).label("cycle_days")],
        "lost": [func.count().label("lost")],
        "surveys": [func.sum(case((Survey.c.nps >= 9, 1), else_=0)).label("promoters"),
                    func.sum(case((Survey.c.nps <= 6, 1), else_=0)).label("detractors"),
                    func.count(Survey.c.nps).label("nps_answers"),
                    func.coalesce(func.sum(Survey.c.csat), 0).label("csat_total"),
                    func.count(Survey.c.csat).label("csat_answers"), func.count().label("surveys")],
        "delivered": [func.count().label("delivered"), on_time.label("on_time")],
    }
    owned = mine or by == "rep"  # the deal's (or the customer's) owner is needed
    sources = {
        "won": Contract.join(Deal, Deal.c.id == Contract.c.deal_id),  # the deal's creation: the cycle
        "lost": Deal,
        "surveys": (Survey.join(Customer, Customer.c.id == Survey.c.customer_id)
                    .outerjoin(Order, Order.c.id == Survey.c.order_id).outerjoin(Deal, Deal.c.id == Order.c.deal_id)
                    if owned else
                    Survey.outerjoin(Order, Order.c.id == Survey.c.order_id)
                    .outerjoin(Deal, Deal.c.id == Order.c.deal_id) if by == "channel"
                    else Survey),
        "delivered": Order.join(Deal, Deal.c.id == Order.c.deal_id) if owned or by == "channel" else Order,
    }
    if by != "product":
        keys = {
            "rep": {"won": Deal.c.owner_id, "lost": Deal.c.owner_id, "surveys": _OWNER["surveys"],
                    "delivered": Deal.c.owner_id},
            "channel": dict.fromkeys(FAMILIES, Deal.c.source),
            "month": {"won": _month_key(conn, Contract.c.signed_at), "lost": _month_key(conn, Deal.c.closed_at),
                      "surveys": _month_key(conn, Survey.c.responded_at),
                      "delivered": _month_key(conn, Order.c.delivered_at)},
        }[by]
        return [_Family(name, keys[name], where[name], columns[name], sources[name]) for name in FAMILIES]
    # by product: a contract's lines (its SKUs); a lost deal's: the SKUs it was quoted (a deal counts once per SKU)
    pooled = {name: (columns[name], sources[name]) for name in FAMILIES}
    surveyed = sources["surveys"] if owned else Survey.join(Order, Order.c.id == Survey.c.order_id)
    return [
        _Family("won", ContractLine.c.sku, where["won"],
                [func.coalesce(func.sum(ContractLine.c.net_minor), 0).label("revenue"),
                 func.coalesce(func.sum(ContractLine.c.qty), 0).label("units"),
                 func.count(distinct(Contract.c.deal_id)).label("won"),
                 func.coalesce(func.sum(cycle), 0).label("cycle_days")],
                sources["won"].join(ContractLine, ContractLine.c.contract_id == Contract.c.id), pooled["won"]),
        _Family("lost", QuoteLine.c.sku, where["lost"], [func.count(distinct(Deal.c.id)).label("lost")],
                Deal.join(Quote, Quote.c.deal_id == Deal.c.id)
                .join(QuoteLine, QuoteLine.c.quote_id == Quote.c.id), pooled["lost"]),
        _Family("surveys", ContractLine.c.sku, where["surveys"], columns["surveys"],
                surveyed.join(ContractLine, ContractLine.c.contract_id == Order.c.contract_id), pooled["surveys"]),
        _Family("delivered", ContractLine.c.sku, where["delivered"], columns["delivered"],
                sources["delivered"].join(ContractLine, ContractLine.c.contract_id == Order.c.contract_id),
                pooled["delivered"]),
    ]


def _collect(conn: Connection, families: list[_Family], *, rep_id: int | None,
             pooled: bool) -> tuple[dict[Any, dict[str, Row[Any]]], dict[str, Row[Any]]]:
    """Run each family's query grouped by its key (``groups``: key → family → row), and, when the groups do not
    partition the records (``pooled``) or the family has a pooled form, once over all of them (``totals``)."""
    groups: dict[Any, dict[str, Row[Any]]] = defaultdict(dict)
    totals: dict[str, Row[Any]] = {}
    for family in families:
        if pooled or family.pooled is not None:
            columns, source = family.pooled or (family.columns, family.source)
            totals[family.name] = conn.execute(_query(family, columns, source, rep_id)).one()
        grouped = _query(family, family.columns, family.source, rep_id)
        for row in conn.execute(grouped.add_columns(family.key.label("k")).group_by(family.key)):
            groups[_month_label(row.k)][family.name] = row
    return groups, totals


def _query(family: _Family, columns: list[Any], source: Any, rep_id: int | None) -> Any:
    query = select(*columns).select_from(source).where(*family.where)
    return query.where(_OWNER[family.name] == rep_id) if rep_id is not None else query


def _rep_rows(conn: Connection, groups: dict[Any, dict[str, Row[Any]]], targets: dict[Any, Decimal | None],
              rep_id: int | None) -> tuple[list[records.KpiRow], Decimal | None]:
    """A row per rep (every rep, or only ``rep_id``; and "unassigned" when deals have no owner), by handle; and
    the total's target: the sum of theirs."""
    handles = dict(conn.execute(select(Rep.c.id, Rep.c.handle)).all())
    wanted = set(groups) | ({rep_id} if rep_id is not None else set(handles))
    rows = [cast(records.KpiRow, {"rep": handles.get(k) if k is not None else None,
                                  **_measures(_sums(groups.get(k, {})), targets.get(k))}) for k in wanted]
    rows.sort(key=lambda r: (r["rep"] is None, r["rep"] or ""))
    return rows, rules.sum_targets(targets.get(k) for k in wanted if k is not None)


def _group_rows(by: str, period: Period, groups: dict[Any, dict[str, Row[Any]]],
                targets: dict[Any, Decimal | None]) -> tuple[list[records.KpiRow], Decimal | None]:
    """A row per month (every month of the period), channel or product; the total's target by month only."""
    if by == "month":
        for month in period.months():
            groups.setdefault(month, {})
    # the group first: its key is the report's --by
    rows = [cast(records.KpiRow, {by: k, **_measures(_sums(groups[k]), targets.get(k))}) for k in groups]
    rows.sort(key=lambda r: (r.get(by) is None, str(r.get(by) or "")))
    return rows, rules.sum_targets(targets.values()) if by == "month" else None


def _sums(found: dict[str, Row[Any]]) -> rules.Sums:
    """One group's family rows as the domain's sums (the columns are labelled by field; revenue comes in minor
    units, cycle days as a float); a family with no row leaves its fields at zero."""
    values: dict[str, Any] = {}
    for row in found.values():
        for name, value in row._mapping.items():
            if name == "revenue":
                values[name] = from_minor(int(value or 0))
            elif name == "cycle_days":
                values[name] = Decimal(str(round(float(value or 0), 6)))
            elif name != "k":
                values[name] = int(value or 0)
    return rules.Sums(**values)


def _targets(conn: Connection, period: Period, by: str, rep_id: int | None) -> dict[Any, Decimal | None]:
    """Per rep: the target for the period; per month: the sum of the reps' targets for that month."""
    if by not in ("rep", "month") or period.kind == "range":
        return {}
    query = select(Target.c.rep_id, Target.c.period, Target.c.revenue_minor)
    if rep_id is not None:
        query = query.where(Target.c.rep_id == rep_id)
    by_rep: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for rid, label, minor in conn.execute(query):
        value = from_minor(minor)
        assert value is not None
        by_rep[rid][label] = value
    if by == "rep":
        return {rid: rules.target_for(period, labels) for rid, labels in by_rep.items()}
    out: dict[Any, Decimal | None] = {}
    for month in period.months():
        out[month] = rules.sum_targets(labels.get(month) for labels in by_rep.values())
    return out


def resolve_period(period: str | None, start: date | None, end: date | None, today: date) -> Period:
    """--period, or --from/--to (a range that is exactly a month, quarter or year is treated as that period,
    so targets apply), or the current month by default."""
    from salescli.domain.dates import period_between

    if period and (start or end):
        raise InputError(_("give --period or --from/--to, not both"))
    if period:
        return parse_period(period, today=today)
    if start or end:
        if not (start and end):
            raise InputError(_("give both --from and --to"))
        candidate = period_between(start, end)
        for label in (f"{start.year:04d}", f"{start.year:04d}-Q{(start.month - 1) // 3 + 1}",
                      f"{start.year:04d}-{start.month:02d}"):
            named = parse_period(label)
            if (named.start, named.end) == (start, end):
                return named
        return candidate
    return parse_period(f"{today:%Y-%m}")


# -- funnel and forecast --------------------------------------------------------------------------------------

FUNNEL_STEPS = ("leads", "deals", "needs", "demo", "quote_sent", "won")


def funnel(conn: Connection, *, period: Period, by: str, rep_id: int | None = None) -> records.Funnel:
    """Leads created in the period and how far they got: lead → deal → needs → demo → quote sent → won, with
    the conversion from each step to the next, by channel or rep; and the mean days deals spent per stage.
    ``rep_id``: only that rep's leads (services/authz.report_scope)."""
    if by not in ("channel", "rep"):
        raise InputError(_("--by: {by!r} is not channel or rep").format(by=by))
    start, end = _range(period)
    key = Lead.c.source if by == "channel" else func.coalesce(Rep.c.handle, literal("unassigned"))  # as kpi report says
    def reached(*stages: str) -> Any:
        return Deal.c.id.in_(select(DealEvent.c.deal_id).where(DealEvent.c.to_stage.in_(stages)))

    won = Deal.c.stage == "won"
    quoted = or_(Deal.c.id.in_(select(Quote.c.deal_id).where(Quote.c.sent_at.is_not(None))), won)
    demo = or_(reached("demo"), quoted)  # a deal further down the funnel passed the earlier steps (skips count)
    needs = or_(reached("needs_confirmed"), demo)
    mine = [Lead.c.owner_id == rep_id] if rep_id is not None else []
    reaching = (distinct(Lead.c.id), distinct(Deal.c.id),
                *(distinct(case((condition, Deal.c.id))) for condition in (needs, demo, quoted, won)))
    counts = [func.count(column).label(step) for step, column in zip(FUNNEL_STEPS, reaching, strict=True)]
    query = (select(key.label("k"), *counts)
             .select_from(Lead.outerjoin(Deal, Deal.c.lead_id == Lead.c.id).outerjoin(Rep, Rep.c.id == Lead.c.owner_id))
             .where(Lead.c.created_at >= start, Lead.c.created_at < end, *mine).group_by(key).order_by(key))
    rows: list[records.FunnelRow] = []
    counts_of: list[dict[str, int]] = []
    for row in conn.execute(query).mappings():
        values = {step: row[step] for step in FUNNEL_STEPS}
        counts_of.append(values)
        rows.append(cast(records.FunnelRow, {by: row["k"], **values, **_conversions(values)}))  # the group first
    total = {step: sum(c[step] for c in counts_of) for step in FUNNEL_STEPS}
    return {"period": {"from": period.start, "to": period.end}, "by": cast(Literal["channel", "rep"], by),
            "rows": rows, "total": cast(records.FunnelCounts, {**total, **_conversions(total)}),
            "stage_days": _stage_days(conn, start, end, mine)}


def _conversions(values: dict[str, int]) -> dict[str, float | None]:
    """Step-to-step conversion rates as JSON numbers (4 places), None where the earlier step is empty."""
    pairs = [*itertools.pairwise(FUNNEL_STEPS), ("leads", "won")]
    out: dict[str, float | None] = {}
    for before, after in pairs:
        rate = rules.ratio(values[after], values[before])
        out["lead_to_won" if (before, after) == ("leads", "won") else f"{before}_to_{after}"] = (
            float(rate) if rate is not None else None)
    return out


def _stage_days(conn: Connection, start: datetime, end: datetime, mine: list[Any]) -> list[records.StageDays]:
    """Mean days spent in each stage by deals of leads created in the period (time to the next event); ``mine``:
    the funnel's condition on the leads' owner."""
    cohort = (select(Deal.c.id).select_from(Deal.join(Lead, Lead.c.id == Deal.c.lead_id))
              .where(Lead.c.created_at >= start, Lead.c.created_at < end, *mine))
    events = conn.execute(select(DealEvent.c.deal_id, DealEvent.c.at, DealEvent.c.to_stage)
                          .where(DealEvent.c.deal_id.in_(cohort))
                          .order_by(DealEvent.c.deal_id, DealEvent.c.at, DealEvent.c.id)).all()
    spent: dict[str, list[float]] = defaultdict(list)
    for current, following in itertools.pairwise(events):
        if current.deal_id == following.deal_id:
            spent[current.to_stage].append((following.at - current.at).total_seconds() / 86400)
    out: list[records.StageDays] = []
    for stage in DEAL_OPEN:
        mean = rules.ratio(Decimal(str(round(sum(spent[stage]), 6))), len(spent[stage]), "0.1")
        out.append({"stage": stage, "deals": len(spent[stage]), "avg_days": float(mean) if mean is not None else None})
    return out


def forecast(conn: Connection, *, today: date, owner_id: int | None = None) -> list[records.ForecastMonth]:
    """Open pipeline by expected close month: value (a deal's derived value, services/deals.value_column) and value
    × the deal's probability (set by hand, else its stage's default)."""
    from salescli.domain.pipeline import win_probability
    from salescli.services.deals import valued

    sub = valued(today, owner_id=owner_id)
    month = _month(conn, sub.c.expected_close)
    query = (select(month.label("month"), sub.c.stage, sub.c.probability_bp, func.count(),
                    func.coalesce(func.sum(sub.c.v), 0))
             .where(sub.c.stage.in_(DEAL_OPEN)).group_by(month, sub.c.stage, sub.c.probability_bp))
    months: dict[str | None, records.ForecastMonth] = {}
    for m, stage, bp, count, minor in conn.execute(query):
        value = from_minor(int(minor)) or Decimal("0.00")
        row = months.setdefault(m, {"month": m or "(no date)", "deals": 0, "value": Decimal("0.00"),
                                    "weighted": Decimal("0")})
        row["deals"] += count
        row["value"] += value
        row["weighted"] += value * win_probability(stage, bp)
    for row in months.values():
        row["weighted"] = rules.rounded(row["weighted"], "0.01")
    return [months[k] for k in sorted(months, key=lambda k: (k is None, k or ""))]


def rep_names(conn: Connection) -> dict[str, str]:
    """Each rep's display name by handle (the name, else the handle): how reports show people."""
    return {handle: (name or "").strip() or handle for handle, name in conn.execute(select(Rep.c.handle, Rep.c.name))}
