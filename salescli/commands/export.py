"""export ENTITY: whole records as CSV, JSON, JSON Lines or an Excel workbook, streamed."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from salescli import output
from salescli.app import App
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


def export_format(fmt: str | None, dest: Path | None, excel: bool) -> str:
    """--format, else the --output file's extension (.xlsx, .json, .jsonl), else csv; --excel is for csv."""
    from salescli.errors import InputError

    if fmt is None:
        suffix = dest.suffix.lower().lstrip(".") if dest is not None else ""
        fmt = {"xlsx": "xlsx", "json": "json", "jsonl": "jsonl", "ndjson": "jsonl"}.get(suffix, "csv")
    if excel and fmt != "csv":
        raise InputError(_("--excel is for csv (a CSV that Excel and WPS open as UTF-8), not --format {format}")
                         .format(format=fmt))
    if fmt == "xlsx" and dest is None and sys.stdout.isatty():
        raise InputError(_("--format xlsx writes a workbook: give --output FILE.xlsx (or redirect to a file)"))
    return fmt


@contextmanager
def utf8_stdout() -> Iterator[TextIO]:
    """stdout as UTF-8 whatever the terminal's encoding, line ends written as they are (--excel's CRLF)."""
    import io

    sys.stdout.flush()
    stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=True)
    try:
        yield stream
    finally:
        stream.flush()
        stream.detach()


def write_xlsx(out: Any, rows: Any, name: str, columns: list[str] | None = None) -> int:
    from salescli.importers.xlsx import write_records

    return write_records(out, name, rows, columns)


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
