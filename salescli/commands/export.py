"""export ENTITY: whole records as CSV, JSON or JSON Lines, streamed."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from salescli import output
from salescli.app import App
from salescli.options import command_group


class Entity(StrEnum):
    leads = "leads"
    customers = "customers"
    contacts = "contacts"
    products = "products"
    deals = "deals"
    quotes = "quotes"
    orders = "orders"
    surveys = "surveys"


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"
    jsonl = "jsonl"


def _write(out: TextIO, rows: Any, fmt: ExportFormat) -> int:
    if fmt is ExportFormat.csv:
        return output.write_csv(out, rows)
    count = 0
    if fmt is ExportFormat.jsonl:
        for row in rows:
            out.write(output.json_line(row) + "\n")
            count += 1
        return count
    out.write("[")
    for row in rows:
        out.write(("," if count else "") + "\n" + output.json_line(row))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def export(
    ctx: typer.Context,
    entity: Annotated[Entity, typer.Argument(help="What to export.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", case_sensitive=False, help="File format.")]
    = ExportFormat.csv,
    dest: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")]
    = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the --output file if it exists.")] = False,
) -> None:
    """Export every record (not paginated). CSV cells that a spreadsheet would run as formulas are
    prefixed with ' ; money is written with two decimals."""
    from salescli.services import export as service

    a = App.of(ctx)
    if dest is not None:
        a.check_output(dest, option="--output", force=force)  # before the database is read
    with a.store.read() as conn:
        rows = service.rows(conn, entity.value)
        if dest is None:
            count = _write(sys.stdout, rows, fmt)
        else:
            with a.output_file(dest, option="--output", force=force) as fh:
                count = _write(fh, rows, fmt)
    output.message(f"exported {count} {entity.value}" + (f" to {dest}" if dest else ""))


app = command_group(single=True)
app.command("export")(export)
