"""history ENTITY ID: the audit trail of one record."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli import output
from salescli.app import App
from salescli.options import FormatOpt, command_group
from salescli.output import Col

app = command_group(single=True)

COLUMNS = [Col("at", "at"), Col("rep", "rep"), Col("action", "action"), Col("changes", "changes")]


@app.command("history")
def history(
    ctx: typer.Context,
    entity: Annotated[str, typer.Argument(help="lead, customer, contact, deal, quote, contract, order, ticket, "
                                               "survey, product, rep, target, needs, demo, import.")],
    record: Annotated[str, typer.Argument(help="Its id or number (Q-2026-0001, SO-...), or handle.")],
    fmt: FormatOpt = None,
) -> None:
    """Every change to a record: when, by which rep, what it was and what it became."""
    from salescli.services import history as service

    with App.of(ctx).store.read() as conn:
        rows = service.changes(conn, entity.strip().lower(), record)
    output.render(rows, COLUMNS, fmt)
