"""today (the rep's agenda) and pipeline (deals by stage)."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli import output
from salescli.app import App
from salescli.options import AllOpt, FormatOpt, OwnerOpt, command_group
from salescli.output import Col

PIPELINE_COLUMNS = [Col("stage", "stage"), Col("deals", "deals", True), Col("value", "value", True),
                    Col("probability", "win %", True, percent=True), Col("weighted", "weighted", True)]


def today(
    ctx: typer.Context,
    date: Annotated[str | None, typer.Option("--date", metavar="DATE", help="As of this day (default: today).")]
    = None,
    owner: OwnerOpt = None, everyone: AllOpt = False, fmt: FormatOpt = None,
) -> None:
    """Your agenda: follow-ups due today or overdue, quotes about to expire (later: orders, tickets)."""
    from salescli.commands.lead import DUE_COLUMNS
    from salescli.commands.quote import COLUMNS as QUOTE_COLUMNS
    from salescli.services import agenda

    a = App.of(ctx)
    day = a.day(date)
    with a.store.read() as conn:
        report = agenda.today(conn, today=day, owner_id=a.scope(conn, owner, everyone))
    kind = output.resolve_format(fmt)
    if kind is output.Format.json:
        output.render_record(report, kind)
        return
    output.render(report["follow_ups"], DUE_COLUMNS, kind, heading=True,
                  title=f"follow-ups due by {day.isoformat()} ({len(report['follow_ups'])})",
                  empty=f"no follow-ups due by {day.isoformat()}")
    if kind is not output.Format.csv:
        output.newline()
        output.render(report["expiring_quotes"], QUOTE_COLUMNS, kind, heading=True,
                      title=f"quotes expiring within {agenda.EXPIRING_DAYS} days ({len(report['expiring_quotes'])})",
                      empty=f"no quotes expiring within {agenda.EXPIRING_DAYS} days")


def pipeline(ctx: typer.Context, owner: OwnerOpt = None, everyone: AllOpt = False, fmt: FormatOpt = None) -> None:
    """Deals by stage: count, value, and value weighted by each stage's win probability."""
    from salescli.services import deals

    a = App.of(ctx)
    with a.store.read() as conn:
        rows = deals.pipeline(conn, owner_id=a.scope(conn, owner, everyone))
    kind = output.resolve_format(fmt)
    if kind not in (output.Format.json, output.Format.csv):
        open_rows = [r for r in rows if r["stage"] not in ("won", "lost")]
        rows = [*rows, {"stage": "open total", "deals": sum(r["deals"] for r in open_rows),
                        "value": sum(r["value"] for r in open_rows), "probability": None,
                        "weighted": sum(r["weighted"] for r in open_rows)}]
    output.render(rows, PIPELINE_COLUMNS, kind, title="pipeline")


today_app = command_group(single=True)
today_app.command("today")(today)
pipeline_app = command_group(single=True)
pipeline_app.command("pipeline")(pipeline)
