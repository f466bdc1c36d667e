"""today (the rep's agenda) and pipeline (deals by stage)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from salescli import columns, output
from salescli.app import App
from salescli.i18n import _
from salescli.options import AllOpt, FormatOpt, OwnerOpt, command_group
from salescli.output import Col

PIPELINE_COLUMNS = [Col("stage", "stage"), Col("deals", "deals", True), Col("value", "value", True),
                    Col("probability", "win %", True, percent=True), Col("weighted", "weighted", True)]


def today(
    ctx: typer.Context,
    date: Annotated[str | None, typer.Option("--date", metavar="DATE", help="As of this day (default: today).")]
    = None,
    owner: OwnerOpt = None, everyone: AllOpt = False,
    top: Annotated[int, typer.Option(
        "--top", min=1, help="Rows per section on screen (plain, markdown, JSON and CSV have all).")] = 15,
    fmt: FormatOpt = None,
) -> None:
    """Your agenda: follow-ups due, quotes about to expire, late or at-risk orders, tickets near their SLA."""
    from salescli.services import agenda

    a = App.of(ctx)
    day = a.day(date)
    with a.store.read() as conn:
        now = a.moment(None) if date is None else datetime.combine(day, datetime.max.time()).replace(microsecond=0)
        owner_id = a.scope(conn, owner, everyone)
        report = agenda.today(conn, today=day, now=now, owner_id=owner_id, at_risk_days=a.config_int("at_risk_days"))
    if date is None:  # late orders, breached tickets, targets reached: to the hooks that want them (issue 20)
        from salescli.services import hooks

        hooks.raise_and_deliver(a, now=now, owner_id=owner_id)
    kind = output.resolve_format(fmt)
    if kind is output.Format.json:
        output.render_record(report, kind)
        return
    if kind is output.Format.csv:
        output.render(report["follow_ups"], columns.LEAD_DUE, kind)
        return
    shown_day, days = day.isoformat(), agenda.EXPIRING_DAYS
    sections = (
        ("tasks", columns.TASKS, _("tasks due by {day}").format(day=shown_day),
         _("no tasks due by {day}").format(day=shown_day), "salescli task list --due-before today"),
        ("follow_ups", columns.LEAD_DUE, _("follow-ups due by {day}").format(day=shown_day),
         _("no follow-ups due by {day}").format(day=shown_day), "salescli lead due"),
        ("expiring_quotes", columns.QUOTES, _("quotes expiring within {days} days").format(days=days),
         _("no quotes expiring within {days} days").format(days=days), f"salescli quote list --expiring {days}"),
        ("orders", columns.ORDERS, _("late and at-risk orders"), _("no late and at-risk orders"),
         "salescli order track --at-risk"),
        ("tickets", columns.TICKETS, _("tickets past or near their SLA"), _("no tickets past or near their SLA"),
         "salescli ticket list"),
    )
    shown = top if kind is output.Format.table else None  # on screen; plain and markdown (scripts, notes) all
    for n, (key, cols, title, empty, more) in enumerate(sections):
        if n:
            output.newline()
        rows = report[key]
        output.render(rows[:shown], cols, kind, heading=True, title=f"{title} ({len(rows)})", empty=empty)
        if shown is not None and len(rows) > shown:
            output.lines([_("… {count} more: {command}").format(count=len(rows) - shown, command=more)])


def pipeline(ctx: typer.Context, owner: OwnerOpt = None, everyone: AllOpt = False, fmt: FormatOpt = None) -> None:
    """Deals by stage: count, value, and value weighted by each stage's win probability."""
    from salescli.services import agenda, deals

    a = App.of(ctx)
    with a.store.read() as conn:
        rows = deals.pipeline(conn, today=a.day(None), owner_id=a.scope(conn, owner, everyone))
    kind = output.resolve_format(fmt)
    if kind not in (output.Format.json, output.Format.csv):
        rows = [*rows, {"stage": _("open total"), **agenda.open_total(rows)}]
    output.render(rows, PIPELINE_COLUMNS, kind, title=_("pipeline"))


today_app = command_group(single=True)
today_app.command("today")(today)
pipeline_app = command_group(single=True)
pipeline_app.command("pipeline")(pipeline)
