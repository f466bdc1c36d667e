"""deal list/show/lose."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli import output
from salescli.app import App
from salescli.options import AllOpt, DateOpt, FormatOpt, LimitOpt, OwnerOpt, command_group
from salescli.output import Col

app = command_group()

COLUMNS = [Col("id", "id", True), Col("title", "title"), Col("customer", "customer"), Col("stage", "stage"),
           Col("value", "value", True), Col("owner", "owner"), Col("expected_close", "expected close"),
           Col("stage_at", "since")]
TIMELINE_COLUMNS = [Col("at", "at"), Col("event", "event"), Col("detail", "detail"), Col("rep", "rep")]
DealArg = Annotated[str, typer.Argument(help="Deal id.")]


@app.command("list")
def list_(
    ctx: typer.Context,
    stage: Annotated[str | None, typer.Option("--stage", help="qualification, needs_confirmed, demo, proposal, "
                                                              "negotiation, won, lost.")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only deals not yet won or lost.")] = False,
    customer: Annotated[str | None, typer.Option("--customer", help="Only this customer's deals (id).")] = None,
    search: Annotated[str | None, typer.Option("--search", "-s", help="Text in the title or customer.")] = None,
    owner: OwnerOpt = None, everyone: AllOpt = False, limit: LimitOpt = None, fmt: FormatOpt = None,
) -> None:
    """List deals, most recently moved first."""
    from salescli.services import deals
    from salescli.services.common import parse_id

    a = App.of(ctx)
    with a.store.read() as conn:
        rows = deals.listing(conn, stage=stage, owner_id=a.scope(conn, owner, everyone), open_only=open_only,
                             customer_id=parse_id(customer, "customer") if customer else None, search=search,
                             limit=limit)
    output.render(rows, COLUMNS, fmt, empty="no deals")


@app.command("show")
def show(ctx: typer.Context, deal: DealArg, fmt: FormatOpt = None) -> None:
    """Show a deal with the timeline of everything on it: stages, calls, needs, demos, quotes, contracts."""
    from salescli.services import deals
    from salescli.services.common import parse_id

    with App.of(ctx).store.read() as conn:
        record = deals.show(conn, parse_id(deal, "deal"))
    output.render_record(record, fmt, sections={"timeline": (record["timeline"], TIMELINE_COLUMNS)})


@app.command("lose")
def lose(
    ctx: typer.Context, deal: DealArg,
    reason: Annotated[str, typer.Option("--reason", help="Why it was lost.")],
    date: DateOpt = None,
) -> None:
    """Mark an open deal lost, with the reason."""
    from salescli.services import deals
    from salescli.services.common import parse_id

    a = App.of(ctx)
    deal_id = parse_id(deal, "deal")
    with a.store.write() as conn:
        deals.lose(conn, deal_id, reason=reason, at=a.moment(date), rep_id=a.acting_rep_id(conn),
                   actor=a.handle(conn))
    output.message(f"deal {deal_id} lost")
