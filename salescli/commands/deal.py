"""deal list/show/log/update/lose."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli import output
from salescli.app import App
from salescli.i18n import _
from salescli.options import AllOpt, DateOpt, FormatOpt, LimitOpt, OwnerOpt, command_group
from salescli.output import Col

app = command_group()

COLUMNS = [Col("id", "id", True), Col("title", "title"), Col("customer", "customer"), Col("stage", "stage"),
           Col("value", "value", True), Col("win_probability", "win %", True, percent=True), Col("owner", "owner"),
           Col("expected_close", "expected close"), Col("stage_at", "since")]
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
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    with a.store.read() as conn:
        rows = deals.listing(conn, today=a.day(None), stage=stage, owner_id=a.scope(conn, owner, everyone),
                             open_only=open_only, customer_id=parse_id(customer, "customer") if customer else None,
                             search=search, limit=limit)
    output.render(rows, COLUMNS, fmt, empty=_("no deals"))


@app.command("show")
def show(ctx: typer.Context, deal: DealArg, fmt: FormatOpt = None) -> None:
    """Show a deal with the timeline of everything on it: stages, calls, needs, demos, quotes, contracts."""
    from salescli.services import deals
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    with a.store.read() as conn:
        record = deals.show(conn, parse_id(deal, "deal"), today=a.day(None))
    output.render_record(record, fmt, sections={"timeline": (record["timeline"], TIMELINE_COLUMNS)})


@app.command("lose")
def lose(
    ctx: typer.Context, deal: DealArg,
    reason: Annotated[str, typer.Option("--reason", metavar="KEY", help=(
        "Why it was lost: a key of the team's list (config lost_reasons; by default price, lead_time, competitor, "
        "budget, no_decision, other) or its Chinese name (价格, 交期, 竞品, 预算, 无决策, 其他)."))],
    note: Annotated[str | None, typer.Option("--note", help="In your own words (kept beside the reason).")] = None,
    date: DateOpt = None,
) -> None:
    """Mark an open deal lost, with a reason from the team's list (stored as its key) and a note."""
    from salescli.domain.lost import parse_reasons
    from salescli.services import deals
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    deal_id = parse_id(deal, "deal")
    reasons = parse_reasons(a.config("lost_reasons"))
    with a.store.write() as conn:
        deals.lose(conn, deal_id, reason=reason, at=a.moment(date), actor=a.actor(conn), reasons=reasons, note=note)
    output.message(_("deal {id} lost").format(id=deal_id))


@app.command("log")
def log(
    ctx: typer.Context, deal: DealArg,
    kind: Annotated[str, typer.Option("--kind", help="call, email, meeting, visit, wechat or note.")],
    summary: Annotated[str, typer.Option("--summary", help="What was said or done.")],
    next_: Annotated[str | None, typer.Option(
        "--next", metavar="DATE", help="Next follow-up (becomes an open task on the deal): YYYY-MM-DD, +3d...")]
    = None,
    date: DateOpt = None, fmt: FormatOpt = None,
) -> None:
    """Record a call, email, meeting, visit, WeChat message or note on a deal. Prints the activity id (the activity
    with --format json)."""
    from salescli.services import deals
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    at = a.moment(date)
    next_day = a.parse_day(next_, field="--next", base=at.date()) if next_ else None
    with a.store.write() as conn:
        activity_id = deals.log(conn, parse_id(deal, "deal"), kind=kind, summary=summary, next_day=next_day, at=at,
                                actor=a.actor(conn))
        record = deals.activity(conn, activity_id)
    output.created(activity_id, record, fmt)


@app.command("update")
def update(
    ctx: typer.Context, deal: DealArg,
    title: Annotated[str | None, typer.Option("--title", help="New title.")] = None,
    expected_close: Annotated[str | None, typer.Option(
        "--expected-close", metavar="DATE", help="When it should close: YYYY-MM-DD, +30d...")] = None,
    value: Annotated[str | None, typer.Option(
        "--value", metavar="AMOUNT", help="Value by hand (used when the deal has no current quote and no needs).")]
    = None,
    probability: Annotated[str | None, typer.Option(
        "--probability", metavar="PCT", help="Chance to win, 0-100 (default: the stage's).")] = None,
    next_step: Annotated[str | None, typer.Option("--next-step", help="The next step, as text.")] = None,
    owner: OwnerOpt = None, date: DateOpt = None, fmt: FormatOpt = None,
) -> None:
    """Change an open deal's title, expected close, value, probability, next step or owner (kept in history)."""
    from salescli.domain.deals import parse_probability
    from salescli.domain.money import parse_amount
    from salescli.services import deals
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    at = a.moment(date)
    deal_id = parse_id(deal, "deal")
    close = a.parse_day(expected_close, field="--expected-close", base=at.date()) if expected_close else None
    amount = parse_amount(value, field="--value") if value is not None else None
    bp = parse_probability(probability) if probability is not None else None
    with a.store.write() as conn:
        owner_id = a.owner_id(conn, owner) if owner else None
        record = deals.update_deal(conn, deal_id, title=title, expected_close=close, value=amount, probability_bp=bp,
                                   next_step=next_step, owner_id=owner_id, at=at, actor=a.actor(conn))
    output.render_record(record, fmt, sections={"timeline": (record["timeline"], TIMELINE_COLUMNS)})
