"""export ENTITY: whole records as CSV, JSON, JSON Lines or an Excel workbook, streamed."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from salescli import output
from salescli.app import App
from salescli.export_files import export_format, utf8_stdout, write_xlsx
from salescli.i18n import _
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
    xlsx = "xlsx"


def _write(out: TextIO, rows: Any, fmt: ExportFormat, excel: bool = False) -> int:
    if fmt is ExportFormat.csv:
        return output.write_csv(out, rows, excel=excel)
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
    fmt: Annotated[ExportFormat | None, typer.Option(
        "--format", "-f", case_sensitive=False, help="File format (default: by the --output extension, else csv).")]
    = None,
    dest: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")]
    = None,
    excel: Annotated[bool, typer.Option("--excel", help="CSV for spreadsheets: UTF-8 with a byte-order mark and "
                                                        "CRLF line ends (Excel, WPS).")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace the --output file if it exists.")] = False,
) -> None:
    """Export every record (not paginated). CSV cells that a spreadsheet would run as formulas are
    prefixed with ' ; money is written with two decimals. xlsx: typed cells (numbers, money as #,##0.00, dates),
    formula-looking text stored as text."""
    from salescli.services import export as service

    a = App.of(ctx)
    kind = ExportFormat(export_format(fmt.value if fmt else None, dest, excel))
    if dest is not None:
        a.check_output(dest, option="--output", force=force)  # before the database is read
    with a.store.read() as conn:
        rows = service.rows(conn, entity.value)
        if kind is ExportFormat.xlsx:
            if dest is None:
                count = write_xlsx(sys.stdout.buffer, rows, entity.value)
            else:
                with a.output_file(dest, option="--output", force=force, binary=True) as fh:
                    count = write_xlsx(fh, rows, entity.value)
        elif dest is None:
            if excel:
                with utf8_stdout() as stream:
                    count = _write(stream, rows, kind, excel)
            else:
                count = _write(sys.stdout, rows, kind)
        else:
            with a.output_file(dest, option="--output", force=force) as fh:
                count = _write(fh, rows, kind, excel)
    done = _("exported {count} {entity} to {path}") if dest else _("exported {count} {entity}")
    output.message(done.format(count=count, entity=entity.value, path=dest))


app = command_group(single=True)
app.command("export")(export)
