"""rep add/list."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli import output
from salescli.app import App
from salescli.options import FormatOpt, command_group
from salescli.output import Col

app = command_group()

COLUMNS = [Col("handle", "handle"), Col("name", "name"), Col("email", "email"), Col("role", "role")]


@app.command("add")
def add(
    ctx: typer.Context,
    handle: Annotated[str, typer.Argument(help="Short login-like name, e.g. wang.li")],
    name: Annotated[str, typer.Option("--name", help="Full name (中文 OK).")],
    email: Annotated[str | None, typer.Option("--email", help="Email address.")] = None,
    manager: Annotated[bool, typer.Option("--manager", help="A manager: may approve and see everyone's records.")]
    = False,
    fmt: FormatOpt = None,
) -> None:
    """Add a rep; prints the handle."""
    from salescli.services import reps

    a = App.of(ctx)
    with a.store.write() as conn:
        reps.add(conn, handle=handle, name=name, email=email, manager=manager, at=a.moment(None),
                 actor=a.settings.rep)
        record = reps.get(conn, handle)
    output.created(record["handle"], {k: record[k] for k in ("handle", "name", "email", "role")}, fmt)


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = None) -> None:
    """List reps."""
    from salescli.services import reps

    with App.of(ctx).store.read() as conn:
        rows = reps.listing(conn)
    output.render(rows, COLUMNS, fmt, empty="no reps yet: salescli rep add HANDLE --name NAME")
