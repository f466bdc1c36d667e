"""contact add/list."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli import output
from salescli.app import App
from salescli.i18n import _
from salescli.options import FormatOpt, LimitOpt, command_group
from salescli.output import Col

app = command_group()

COLUMNS = [Col("id", "id", True), Col("customer", "customer"), Col("name", "name"), Col("title", "title"),
           Col("email", "email"), Col("phone", "phone")]


@app.command("add")
def add(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="Customer id.")],
    name: Annotated[str, typer.Option("--name", help="Person's name.")],
    title: Annotated[str | None, typer.Option("--title", help="Job title, e.g. 采购经理.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="Email address.")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="Phone; without +country the config's region.")]
    = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a contact person to a customer; prints the contact id."""
    from salescli.services import customers
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    customer_id = parse_id(customer, "customer")
    with a.store.write() as conn:
        contact_id = customers.add_contact(
            conn, customer_id=customer_id, values={"name": name, "title": title, "email": email, "phone": phone},
            region=a.config("phone_region"), at=a.moment(None), actor=a.actor(conn))
        rows = customers.contact_list(conn, customer_id=customer_id)
    output.created(contact_id, next(r for r in rows if r["id"] == contact_id), fmt)


@app.command("list")
def list_(
    ctx: typer.Context,
    customer: Annotated[str | None, typer.Option("--customer", help="Only this customer's contacts.")] = None,
    search: Annotated[str | None, typer.Option("--search", "-s", help="Text in name, email or company.")] = None,
    limit: LimitOpt = None, fmt: FormatOpt = None,
) -> None:
    """List contacts."""
    from salescli.services import customers
    from salescli.services.ids import parse_id

    customer_id = parse_id(customer, "customer") if customer else None
    with App.of(ctx).store.read() as conn:
        rows = customers.contact_list(conn, customer_id=customer_id, search=search, limit=limit)
    output.render(rows, COLUMNS, fmt, empty=_("no contacts"))
