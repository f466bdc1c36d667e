"""ticket open/update/resolve/show/list (step 8)."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli import columns, output
from salescli.app import App
from salescli.i18n import _
from salescli.options import DateOpt, FormatOpt, command_group
from salescli.output import Col

app = command_group()

EVENT_COLUMNS = [Col("at", "at"), Col("from_status", "from"), Col("to_status", "to"), Col("note", "note"),
                 Col("rep", "rep")]
TicketArg = Annotated[str, typer.Argument(help="Ticket id.")]
Priority = Annotated[str | None, typer.Option("--priority", help="low, normal, high or urgent.")]
Note = Annotated[str | None, typer.Option("--note", help="What was done or found.")]


def _sla(a: App) -> dict[str, int]:
    from salescli.domain.tickets import parse_sla

    return parse_sla(a.config("sla_hours"))



@app.command("open")
def open_(
    ctx: typer.Context,
    subject: Annotated[str, typer.Option("--subject", help="The problem, in a line.")],
    order: Annotated[str | None, typer.Option("--order", help="About this order (SO-...).")] = None,
    customer: Annotated[str | None, typer.Option("--customer", metavar="ID", help="Or about this customer.")] = None,
    priority: Priority = "normal", date: DateOpt = None, fmt: FormatOpt = None,
) -> None:
    """Open an after-sales ticket; prints its id. Its SLA due time follows the priority (config sla_hours)."""
    from salescli.services import tickets
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    at = a.moment(date)
    with a.store.write() as conn:
        ticket_id = tickets.open_ticket(conn, order=order, customer_id=parse_id(customer, "customer") if customer
                                        else None, subject=subject, priority=priority or "normal", at=at,
                                        actor=a.actor(conn), sla=_sla(a))
        record = tickets.get(conn, ticket_id, now=at)
    output.created(ticket_id, record, fmt)


@app.command("update")
def update(
    ctx: typer.Context, ticket: TicketArg,
    status: Annotated[str | None, typer.Option("--status", help="in_progress, resolved, closed, or open to "
                                                                "reopen a resolved ticket.")] = None,
    priority: Priority = None, note: Note = None, date: DateOpt = None, fmt: FormatOpt = None,
) -> None:
    """Change a ticket's status or priority, or add a note."""
    from salescli.services import tickets
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    with a.store.write() as conn:
        record = tickets.change(conn, parse_id(ticket, "ticket"), status=status, priority=priority, note=note,
                                at=a.moment(date), actor=a.actor(conn), sla=_sla(a))
    output.render_record(record, fmt, sections={"events": (record["events"], EVENT_COLUMNS)})


@app.command("resolve")
def resolve(ctx: typer.Context, ticket: TicketArg, note: Note = None, date: DateOpt = None) -> None:
    """Mark a ticket in progress resolved (reopen later with: ticket update ID --status open)."""
    from salescli.services import tickets
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    with a.store.write() as conn:
        record = tickets.change(conn, parse_id(ticket, "ticket"), status="resolved", priority=None, note=note,
                                at=a.moment(date), actor=a.actor(conn), sla=_sla(a))
    done = _("ticket {id} resolved (after its SLA)") if record["breached"] else _("ticket {id} resolved")
    output.message(done.format(id=record["id"]))


@app.command("show")
def show(ctx: typer.Context, ticket: TicketArg, fmt: FormatOpt = None) -> None:
    """Show a ticket with its SLA and history."""
    from salescli.services import tickets
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    with a.store.read() as conn:
        record = tickets.get(conn, parse_id(ticket, "ticket"), now=a.moment(None))
    output.render_record(record, fmt, sections={"events": (record["events"], EVENT_COLUMNS)})


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="open, in_progress, resolved, closed.")] = None,
    priority: Priority = None,
    customer: Annotated[str | None, typer.Option("--customer", metavar="ID", help="Only this customer.")] = None,
    breached: Annotated[bool, typer.Option("--breached", help="Only tickets past their SLA (open or resolved "
                                                              "late).")] = False,
    closed: Annotated[bool, typer.Option("--closed", help="Include resolved and closed tickets.")] = False,
    date: Annotated[str | None, typer.Option("--date", metavar="DATE", help="SLA as of this moment.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """List tickets, the most urgent SLA first (open ones unless --closed or --status)."""
    from salescli.services import tickets
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    with a.store.read() as conn:
        rows = tickets.listing(conn, now=a.moment(date), status=status, priority=priority,
                               customer_id=parse_id(customer, "customer") if customer else None, breached=breached,
                               include_closed=closed)
    output.render(rows, columns.TICKETS, fmt, empty=_("no tickets"))
