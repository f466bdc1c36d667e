"""kpi report/funnel/forecast (step 10)."""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from salescli import i18n, output
from salescli.app import App
from salescli.i18n import N_, _
from salescli.options import AllOpt, FormatOpt, OwnerOpt, command_group
from salescli.output import Col

if TYPE_CHECKING:
    from salescli.records import KpiReport

app = command_group()


def report_columns(key: str) -> list[Col]:
    return [Col(key, key), Col("revenue", "revenue", True), Col("units", "units", True),
            Col("deals_won", "won", True), Col("deals_lost", "lost", True),
            Col("win_rate", "win rate", True, percent=True), Col("avg_deal", "avg deal", True),
            Col("cycle_days", "cycle days", True, places=1), Col("target", "target", True),
            Col("attainment", "attain.", True, percent=True), Col("nps", "NPS", True, places=1),
            Col("csat", "CSAT", True, places=2),
            Col("surveys", "surveys", True), Col("on_time_rate", "on time", True, percent=True)]


GROUPS = (N_("rep"), N_("month"), N_("channel"), N_("product"))  # --by, as a report's title names it

FUNNEL_COLUMNS = [Col("leads", "leads", True), Col("deals", "deals", True),
                  Col("leads_to_deals", "→", True, percent=True), Col("needs", "needs", True),
                  Col("deals_to_needs", "→", True, percent=True), Col("demo", "demo", True),
                  Col("needs_to_demo", "→", True, percent=True), Col("quote_sent", "quoted", True),
                  Col("demo_to_quote_sent", "→", True, percent=True), Col("won", "won", True),
                  Col("quote_sent_to_won", "→", True, percent=True),
                  Col("lead_to_won", "lead→won", True, percent=True)]
FORECAST_COLUMNS = [Col("month", "expected close"), Col("deals", "deals", True), Col("value", "value", True),
                    Col("weighted", "weighted", True)]
PeriodOpt = Annotated[str | None, typer.Option(
    "--period", help="2026, 2026-Q4, 2026-11, this-month, this-quarter, this-year or last-year (default: this "
                     "month).")]
FromOpt = Annotated[str | None, typer.Option("--from", metavar="DATE", help="First day (with --to).")]
ToOpt = Annotated[str | None, typer.Option("--to", metavar="DATE", help="Last day, inclusive.")]


def _period(a: App, period: str | None, start: str | None, end: str | None) -> Any:
    from salescli.services.kpi import resolve_period

    return resolve_period(period, a.day(start, field="--from") if start else None,
                          a.day(end, field="--to") if end else None, a.day(None))


def charts(report: KpiReport, names: dict[str, str] | None = None) -> list[str]:
    """Revenue against target per rep (or per month), and the revenue trend by month when grouped by month."""
    from salescli.charts import bars, paired_bars
    from salescli.kpi_page import group_label

    key = report["by"]
    rows = report["rows"]
    words = _words()
    if key in ("rep", "month"):
        lines = [_("revenue vs target by {group}:").format(group=_(key))]
        lines += paired_bars([(group_label(key, r[key], words, names), r["revenue"], r["target"]) for r in rows],
                             (_("revenue"), _("target")), missing=_("no target"))
    else:
        lines = [_("revenue by {group}:").format(group=key), *bars([(group_label(key, r[key], words, names),
                                                                      r["revenue"]) for r in rows])]
    return lines


def _words() -> dict[str, str]:
    """The KPI page's words in the language people read ("unassigned", "unknown"); scripts get English."""
    from salescli.kpi_page import LABELS

    return LABELS["zh" if i18n.language() == "zh" else "en"]


def _views(conn: Any, span: Any, by: str, rep_id: int | None, result: KpiReport, today: Any) -> Any:
    """Every view the page and the workbook show, computed on the same connection (one snapshot)."""
    from salescli.kpi_page import Views
    from salescli.services import kpi

    others = {g: result if g == by else kpi.report(conn, period=span, by=g, rep_id=rep_id)
              for g in ("rep", "month", "channel", "product")}
    return Views(report=result, by_rep=others["rep"], by_month=others["month"], by_channel=others["channel"],
                 by_product=others["product"], funnel=kpi.funnel(conn, period=span, by="channel", rep_id=rep_id),
                 names=kpi.rep_names(conn), period_label=span.label, today=today)


def _human_rows(result: KpiReport, names: dict[str, str]) -> list[dict[str, Any]]:
    """Rows for people: reps by display name, no rep as "unassigned", and the TOTAL row."""
    from salescli.kpi_page import group_label

    by = result["by"]
    rows = [{**r, by: group_label(by, r[by], _words(), names)} for r in result["rows"]]
    return [*rows, {by: _("TOTAL"), **result["total"]}]


def _csv_rows(result: KpiReport) -> list[dict[str, Any]]:
    """Rows for scripts: handles, "unassigned" (no channel or product: "unknown", as in plain), the TOTAL row, and
    the period on every row."""
    from salescli.kpi_page import LABELS, group_label

    by = result["by"]
    period = {"from": result["period"]["from"], "to": result["period"]["to"]}
    rows = [{**r, by: group_label(by, r[by], LABELS["en"]), **period} for r in result["rows"]]
    return [*rows, {by: "TOTAL", **result["total"], **period}]


@app.command("report")
def report(
    ctx: typer.Context,
    period: PeriodOpt = None, start: FromOpt = None, end: ToOpt = None,
    by: Annotated[str, typer.Option("--by", help="rep, month, channel or product.")] = "rep",
    rep: Annotated[str | None, typer.Option("--rep", metavar="HANDLE", help="Only this rep's records.")] = None,
    chart: Annotated[bool, typer.Option("--chart", help="Also draw revenue vs target (text chart).")] = False,
    html: Annotated[Path | None, typer.Option("--html", metavar="FILE", help="Also write the report as one "
                                              "self-contained HTML page to forward (charts, funnel, prints on "
                                              "A4).")] = None,
    xlsx: Annotated[Path | None, typer.Option("--xlsx", metavar="FILE", help="Also write a workbook: a sheet by "
                                              "rep, month, channel, product, and the funnel.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the --html / --xlsx file if it exists.")] = False,
    fmt: FormatOpt = None,
) -> None:
    """Revenue, units, deals won/lost, win rate, average deal, cycle days, target and attainment, NPS, CSAT,
    surveys and on-time delivery, per rep (or month, channel, product) and in total.

    Attribution: the deal's owner. Revenue: net (before tax) of contracts signed in the period (cancelled ones
    excluded); by product it is the product's line nets before the quote discount. The total row pools all
    records of the period; its target is the sum of the reps' targets. Undefined ratios are empty (null).
    Revenue of deals no rep owns is shown as "unassigned" (null in JSON). CSV carries the period on every row.
    A rep sees their own figures only (their row, and a total that is theirs); managers see every rep's.
    """
    from salescli.services import kpi

    a = App.of(ctx)
    span = _period(a, period, start, end)
    if html is not None:
        a.check_output(html, option="--html", force=force)  # before the report is computed
    if xlsx is not None:
        a.check_output(xlsx, option="--xlsx", force=force, inputs=[html] if html is not None else [])
    kind = output.resolve_format(fmt)
    with a.store.read() as conn:
        rep_id = a.report_scope(conn, rep)
        result = kpi.report(conn, period=span, by=by, rep_id=rep_id)
        views = _views(conn, span, by, rep_id, result, a.day(None)) if html is not None or xlsx is not None \
            else None
        names = views.names if views is not None else (
            kpi.rep_names(conn) if by == "rep" and kind not in (output.Format.json, output.Format.csv) else {})
    if views is not None:
        import os

        from salescli.kpi_page import kpi_html, language, write_kpi_workbook

        lang = language(os.environ.get("SALESCLI_LANGUAGE") or a.config("language"))
        if html is not None:
            with a.output_file(html, option="--html", force=force, newline=None) as fh:
                fh.write(kpi_html(views, lang=lang))
            output.message(_("wrote {path}").format(path=html))
        if xlsx is not None:
            with a.output_file(xlsx, option="--xlsx", force=force, binary=True) as fh:
                write_kpi_workbook(fh, views, lang=lang)
            output.message(_("wrote {path}").format(path=xlsx))
    if kind is output.Format.json:
        output.render_record(result, kind)
        return
    if kind is output.Format.csv:
        output.write_csv(sys.stdout, _csv_rows(result))
        return
    title = _("KPI {period} ({start} to {end}) by {group}").format(period=span.label, start=span.start,
                                                                    end=span.end, group=_(by))  # rep → 销售
    output.render(_human_rows(result, dict(names or {})), report_columns(by), kind, title=title, heading=True)
    if chart:
        output.newline()
        output.lines(charts(result, dict(names or {})))


@app.command("funnel")
def funnel(
    ctx: typer.Context,
    period: PeriodOpt = None, start: FromOpt = None, end: ToOpt = None,
    by: Annotated[str, typer.Option("--by", help="channel or rep.")] = "channel",
    rep: Annotated[str | None, typer.Option("--rep", metavar="HANDLE", help="Only this rep's leads.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Leads created in the period and how far they got: lead → deal → needs → demo → quote sent → won, with
    the conversion at each step; and the average days deals spent in each stage. A rep sees their own leads
    only; managers see everyone's."""
    from salescli.services import kpi

    a = App.of(ctx)
    span = _period(a, period, start, end)
    with a.store.read() as conn:
        result = kpi.funnel(conn, period=span, by=by, rep_id=a.report_scope(conn, rep))
    kind = output.resolve_format(fmt)
    if kind is output.Format.json:
        output.render_record(result, kind)
        return
    rows = [*result["rows"], {by: _("TOTAL"), **result["total"]}] if kind is not output.Format.csv \
        else result["rows"]
    output.render(rows, [Col(by, by), *FUNNEL_COLUMNS], kind,
                  title=_("funnel {period} by {group}").format(period=span.label, group=by), heading=True)
    if kind is not output.Format.csv:
        output.newline()
        output.render(result["stage_days"], [Col("stage", "stage"), Col("deals", "deals", True),
                                             Col("avg_days", "avg days in stage", True)], kind,
                      title=_("days in each stage"), heading=True)


@app.command("forecast")
def forecast(ctx: typer.Context, owner: OwnerOpt = None, everyone: AllOpt = False, fmt: FormatOpt = None) -> None:
    """Open pipeline by expected close month: value, and value weighted by each stage's win probability."""
    from salescli.services import kpi

    a = App.of(ctx)
    with a.store.read() as conn:
        rows = kpi.forecast(conn, today=a.day(None), owner_id=a.scope(conn, owner, everyone))
    output.render(rows, FORECAST_COLUMNS, fmt, title=_("forecast"), empty=_("no open deals"))


@app.command("lost-reasons")
def lost_reasons(
    ctx: typer.Context,
    period: PeriodOpt = None, start: FromOpt = None, end: ToOpt = None,
    by: Annotated[str | None, typer.Option("--by", help="rep, channel or product (default: reasons only).")]
    = None,
    rep: Annotated[str | None, typer.Option("--rep", metavar="HANDLE", help="Only this rep's deals.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Why deals were lost in the period: deals, value lost and share per reason of the team's list (config
    lost_reasons), optionally per rep, channel or product.

    Shares are within each rep, channel or product. By product, a deal counts under every product quoted on it.
    Reasons written as free text before the list existed are shown as written. A rep sees their own deals only;
    managers see everyone's.
    """
    from salescli.domain.lost import parse_reasons
    from salescli.services import lost

    a = App.of(ctx)
    span = _period(a, period, start, end)
    reasons = parse_reasons(a.config("lost_reasons"))
    with a.store.read() as conn:
        result = lost.report(conn, period=span, reasons=reasons, by=by, rep_id=a.report_scope(conn, rep))
    kind = output.resolve_format(fmt)
    if kind is output.Format.json:
        output.render_record(result, kind)
        return
    columns = [*([Col(by, by)] if by else []), Col("reason", "reason"), Col("name", "name"),
               Col("deals", "deals", True), Col("value", "value lost", True),
               Col("share", "share", True, percent=True), Col("value_share", "value share", True, percent=True)]
    rows: Sequence[Mapping[str, Any]] = result["rows"]
    if kind is not output.Format.csv:
        rows = [*rows, {(by or "reason"): _("TOTAL"), **result["total"]}]
    title = (_("lost reasons {period} by {group}") if by else _("lost reasons {period}")).format(period=span.label,
                                                                                               group=by)
    output.render(rows, columns, kind, title=title, empty=_("no deals lost in the period"))
