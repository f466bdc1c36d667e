"""order create/update/track/list/export/import-status (step 7)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from salescli import columns, output
from salescli.app import App
from salescli.i18n import _
from salescli.options import AllOpt, DateOpt, FormatOpt, InputFormatOpt, OwnerOpt, SheetOpt, command_group
from salescli.output import Col

app = command_group()

EVENT_COLUMNS = [Col("at", "at"), Col("from_status", "from"), Col("to_status", "to"), Col("note", "note"),
                 Col("rep", "rep")]
OrderArg = Annotated[str, typer.Argument(help="Order number, e.g. SO-2026-0001.")]


@app.command("create")
def create(
    ctx: typer.Context,
    contract: Annotated[str, typer.Argument(help="The signed contract's number.")],
    promised: Annotated[str, typer.Option("--promised", metavar="DATE", help="Delivery date promised to the "
                                                                            "customer: YYYY-MM-DD or +30d.")],
    date: DateOpt = None, fmt: FormatOpt = None,
) -> None:
    """Hand a signed contract to supply chain as an order (status submitted); prints SO-YYYY-NNNN."""
    from salescli.services import orders

    a = App.of(ctx)
    at = a.moment(date)
    with a.store.write() as conn:
        number = orders.create(conn, contract, promised=a.parse_day(promised, field="--promised", base=at.date()),
                               at=at, actor=a.actor(conn))
        record = orders.track(conn, number, today=at.date())
    output.created(number, record, fmt)


@app.command("update")
def update(
    ctx: typer.Context, order: OrderArg,
    status: Annotated[str, typer.Option("--status", help="confirmed, in_production, shipped, delivered, closed, "
                                                         "cancelled (forward only; cancel before shipping).")],
    note: Annotated[str | None, typer.Option("--note", help="e.g. the tracking number.")] = None,
    date: DateOpt = None,
) -> None:
    """Move an order forward (skips allowed, never back); every change is an event on its timeline."""
    from salescli.services import orders

    a = App.of(ctx)
    with a.store.write() as conn:
        row = orders.update_status(conn, order, status, note=note, at=a.moment(date), actor=a.actor(conn))
    output.message(f"{row['number']}: {row['status']} → {status.strip().lower()}")


@app.command("track")
def track(
    ctx: typer.Context,
    order: Annotated[str | None, typer.Argument(help="One order's timeline; without it, every open order.")] = None,
    late: Annotated[bool, typer.Option("--late", help="Only orders past their promised date.")] = False,
    at_risk: Annotated[bool, typer.Option("--at-risk", help="Only late or at-risk orders.")] = False,
    date: Annotated[str | None, typer.Option("--date", metavar="DATE", help="As of this day.")] = None,
    owner: OwnerOpt = None, everyone: AllOpt = False, fmt: FormatOpt = None,
) -> None:
    """Where orders stand: promised vs expected delivery, LATE and at-risk flags; or one order's timeline."""
    from salescli.services import orders

    a = App.of(ctx)
    today = a.day(date)
    with a.store.read() as conn:
        if order:
            record = orders.track(conn, order, today=today, at_risk_days=a.config_int("at_risk_days"))
        else:
            rows = orders.listing(conn, today=today, late_only=late, at_risk_only=at_risk,
                                  owner_id=a.scope(conn, owner, everyone), at_risk_days=a.config_int("at_risk_days"))
    if order:
        output.render_record(record, fmt, sections={"events": (record["events"], EVENT_COLUMNS)})
    else:
        output.render(rows, columns.ORDERS, fmt,
                      empty=_("no open orders") if not (late or at_risk) else _("nothing late"))


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="Only this status.")] = None,
    closed: Annotated[bool, typer.Option("--closed", help="Include delivered, closed and cancelled orders.")] = False,
    owner: OwnerOpt = None, everyone: AllOpt = False, fmt: FormatOpt = None,
) -> None:
    """List orders by promised date."""
    from salescli.services import orders

    a = App.of(ctx)
    with a.store.read() as conn:
        rows = orders.listing(conn, today=a.day(None), status=status, include_closed=closed,
                              owner_id=a.scope(conn, owner, everyone), at_risk_days=a.config_int("at_risk_days"))
    output.render(rows, columns.ORDERS, fmt, empty=_("no orders"))


@app.command("export")
def export(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="Only orders in this status, e.g. submitted.")]
    = None,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="csv, json or xlsx (default: by the --output "
                                                                   "extension, else csv).")] = None,
    dest: Annotated[Path | None, typer.Option("--output", "-o", help="File (default: stdout).")] = None,
    excel: Annotated[bool, typer.Option("--excel", help="CSV for spreadsheets: UTF-8 with a byte-order mark and "
                                                        "CRLF line ends.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace the --output file if it exists.")] = False,
) -> None:
    """Order lines for the supply-chain team (order, status, promised, customer, sku, item, qty, contract)."""
    import sys
    from contextlib import nullcontext

    from salescli.errors import InputError
    from salescli.export_files import export_format, utf8_stdout, write_xlsx
    from salescli.services import orders

    kind = export_format(fmt.lower() if fmt else None, dest, excel)
    if kind not in ("csv", "json", "xlsx"):
        raise InputError(_("--format: {format} is not csv, json or xlsx").format(format=repr(kind)))
    a = App.of(ctx)
    if dest is not None:
        a.check_output(dest, option="--output", force=force)
    with a.store.read() as conn:
        rows = orders.export_rows(conn, status=status)
    keys = ["order", "status", "promised", "customer", "sku", "item", "qty", "contract"]
    if kind == "xlsx":
        with a.output_file(dest, option="--output", force=force, binary=True) if dest else \
                nullcontext(sys.stdout.buffer) as out:
            write_xlsx(out, rows, "orders", keys)
    else:
        with a.output_file(dest, option="--output", force=force) if dest else \
                utf8_stdout() if excel else nullcontext(sys.stdout) as out:
            if kind == "csv":
                output.write_csv(out, rows, [Col(k, k) for k in keys], excel=excel)
            else:
                out.write(output.dumps(rows) + "\n")
    output.message(_("exported {count} order line(s)").format(count=len(rows)))


@app.command("import-status")
def import_status(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV, JSON, JSON Lines or .xlsx with columns order, status, date, "
                                              "note.")],
    encoding: Annotated[str | None, typer.Option("--encoding", help="Default: detected (UTF-8, GBK...).")] = None,
    input_format: InputFormatOpt = None, sheet: SheetOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row, change nothing.")] = False,
) -> None:
    """Apply status updates from supply chain, all or nothing: any bad row → every problem listed as
    FILE:LINE: column: message, nothing changed (exit 2)."""
    from salescli.importers.reader import with_sheet
    from salescli.services import orders

    a = App.of(ctx)
    with a.store.write() as conn:
        count = orders.import_status(conn, file, encoding=encoding, input_format=with_sheet(input_format, sheet),
                                     now=a.moment(None), actor=a.actor(conn), dry_run=dry_run)
    done = _("{count} status update(s) valid (dry run, nothing changed)") if dry_run \
        else _("{count} status update(s) applied")
    output.message(done.format(count=count))
