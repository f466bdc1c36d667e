"""target set/list (step 10)."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli import output
from salescli.app import App
from salescli.i18n import _
from salescli.options import FormatOpt, command_group
from salescli.output import Col

app = command_group()

COLUMNS = [Col("rep", "rep"), Col("period", "period"), Col("from", "from"), Col("to", "to"),
           Col("revenue", "revenue", True), Col("units", "units", True)]


@app.command("set")
def set_(
    ctx: typer.Context,
    rep: Annotated[str, typer.Argument(help="Rep handle.")],
    period: Annotated[str, typer.Argument(help="2026, 2026-Q4 or 2026-11.")],
    revenue: Annotated[str, typer.Option("--revenue", metavar="AMOUNT", help="Revenue target (net, before tax).")],
    units: Annotated[int | None, typer.Option("--units", min=0, help="Units target.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Set (or replace) a rep's target for a year, quarter or month. A quarter or year without its own
    target counts the sum of its monthly targets."""
    from salescli.services import targets

    a = App.of(ctx)
    with a.store.write() as conn:
        a.require_manager(conn, _("setting targets"))
        record = targets.set_target(conn, rep=rep, period=period, revenue=revenue, units=units, at=a.moment(None),
                                    actor=a.actor(conn))
    if fmt == output.Format.json:
        output.render_record(record, fmt)
    else:
        done = _("target {rep} {period}: {revenue}, {units} units") if units is not None \
            else _("target {rep} {period}: {revenue}")
        output.message(done.format(rep=record["rep"], period=record["period"], revenue=f"{record['revenue']:,.2f}",
                                   units=units))


@app.command("list")
def list_(
    ctx: typer.Context,
    rep: Annotated[str | None, typer.Option("--rep", metavar="HANDLE", help="Only this rep's targets.")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Only this year's targets.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """List targets by rep and period."""
    from salescli.services import targets

    with App.of(ctx).store.read() as conn:
        rows = targets.listing(conn, rep=rep, year=year)
    output.render(rows, COLUMNS, fmt, empty=_("no targets (salescli target set REP PERIOD --revenue AMOUNT)"))
