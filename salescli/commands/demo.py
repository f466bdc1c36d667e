"""demo log/list (step 4): what was shown and how the customer reacted; objections are searchable."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli import output
from salescli.app import App
from salescli.i18n import _
from salescli.options import AllOpt, DateOpt, FormatOpt, LimitOpt, OwnerOpt, command_group
from salescli.output import Col

app = command_group()

COLUMNS = [Col("id", "id", True), Col("at", "at"), Col("deal_id", "deal", True), Col("customer", "customer"),
           Col("products", "products"), Col("outcome", "outcome"), Col("questions", "questions / objections"),
           Col("feedback", "feedback"), Col("rep", "rep")]


@app.command("log")
def log(
    ctx: typer.Context,
    deal: Annotated[str, typer.Argument(help="Deal id.")],
    products: Annotated[str, typer.Option("--products", metavar="SKU[,SKU]", help="Products shown.")],
    attendees: Annotated[str | None, typer.Option("--attendees", metavar="A,B", help="Who attended.")] = None,
    questions: Annotated[str | None, typer.Option("--questions", help="Questions and objections raised.")] = None,
    feedback: Annotated[str | None, typer.Option("--feedback", help="How they reacted.")] = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="positive, neutral or negative.")] = None,
    date: DateOpt = None, fmt: FormatOpt = None,
) -> None:
    """Record a product introduction or demo; the deal moves to the demo stage. Prints the demo id."""
    from salescli.services import demos
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    deal_id = parse_id(deal, "deal")
    with a.store.write() as conn:
        demo_id = demos.log(conn, deal_id, skus=products, attendees=attendees, questions=questions,
                            feedback=feedback, outcome=outcome, at=a.moment(date),
                            actor=a.actor(conn))
        record = next(r for r in demos.listing(conn, deal_id=deal_id) if r["id"] == demo_id)
    output.created(demo_id, record, fmt)


@app.command("list")
def list_(
    ctx: typer.Context,
    deal: Annotated[str | None, typer.Option("--deal", help="Only this deal's demos.")] = None,
    objection: Annotated[str | None, typer.Option(
        "--objection", metavar="TEXT", help="Only demos whose questions or feedback mention TEXT.")] = None,
    outcome: Annotated[str | None, typer.Option("--outcome", help="positive, neutral or negative.")] = None,
    product: Annotated[str | None, typer.Option("--product", metavar="SKU", help="Only demos showing SKU.")]
    = None,
    owner: OwnerOpt = None, everyone: AllOpt = False, limit: LimitOpt = None, fmt: FormatOpt = None,
) -> None:
    """List demos, newest first."""
    from salescli.services import demos
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    with a.store.read() as conn:
        rows = demos.listing(conn, deal_id=parse_id(deal, "deal") if deal else None, objection=objection,
                             outcome=outcome, product=product, owner_id=a.scope(conn, owner, everyone), limit=limit)
    output.render(rows, COLUMNS, fmt, empty=_("no demos"))
