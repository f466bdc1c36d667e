"""product add/list/show/update/recommend (step 4 catalog)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from salescli import output
from salescli.app import App
from salescli.i18n import _
from salescli.options import FormatOpt, LimitOpt, SheetOpt, command_group
from salescli.output import Col

app = command_group()

COLUMNS = [Col("sku", "sku"), Col("name", "name"), Col("category", "category"), Col("price", "price", True),
           Col("cost", "cost", True), Col("margin", "margin", True, percent=True),
           Col("lead_time_days", "lead days", True), Col("active", "active")]
RECOMMEND_COLUMNS = [Col("for_sku", "for"), Col("sku", "sku"), Col("name", "name"), Col("price", "price", True),
                     Col("qty", "qty", True), Col("line_value", "line value", True),
                     Col("lead_time_days", "lead days", True), Col("reason", "why")]

SkuArg = Annotated[str, typer.Argument(help="Product SKU (case-insensitive).")]
Category = Annotated[str | None, typer.Option("--category", help="Category, e.g. hardware or 软件.")]
LeadTime = Annotated[str | None, typer.Option("--lead-time-days", metavar="N",
                                              help="Days from order to delivery.")]
Description = Annotated[str | None, typer.Option("--description", help="What it is, for quotes and demos.")]
Spec = Annotated[str | None, typer.Option("--spec", help="Specification printed under the name on quotes and "
                                          "contracts, e.g. '4G, 8 路 RS485'.")]
Unit = Annotated[str | None, typer.Option("--unit", help="Unit of sale on documents, e.g. 台, 套, pcs.")]


@app.command("add")
def add(
    ctx: typer.Context,
    sku: SkuArg,
    name: Annotated[str, typer.Option("--name", help="Product name (中文 OK).")],
    price: Annotated[str, typer.Option("--price", metavar="AMOUNT", help="List price per unit.")],
    cost: Annotated[str, typer.Option("--cost", metavar="AMOUNT", help="Unit cost (for margin checks).")],
    lead_time_days: LeadTime = None, category: Category = None, description: Description = None,
    spec: Spec = None, unit: Unit = None, fmt: FormatOpt = None,
) -> None:
    """Add a product to the catalog; prints its SKU."""
    from salescli.services import products

    a = App.of(ctx)
    values = {"name": name, "price": price, "cost": cost, "lead_time_days": lead_time_days, "category": category,
              "description": description, "spec": spec, "unit": unit}
    with a.store.write() as conn:
        a.require_manager(conn, _("changing the catalog"))
        key = products.add(conn, sku=sku, values=values, at=a.moment(None), actor=a.actor(conn))
        record = products.get(conn, key)
    if record["cost"] > record["price"]:
        output.warn(_("{sku}: cost {cost} is above the price {price}").format(sku=key, cost=record["cost"],
                                                                              price=record["price"]))
    output.created(key, record, fmt)


@app.command("list")
def list_(
    ctx: typer.Context,
    category: Category = None,
    search: Annotated[str | None, typer.Option("--search", "-s", help="Text in SKU, name or description.")]
    = None,
    inactive: Annotated[bool, typer.Option("--inactive", help="Include products no longer sold.")] = False,
    limit: LimitOpt = None, fmt: FormatOpt = None,
) -> None:
    """List the catalog by category and SKU."""
    from salescli.services import products

    with App.of(ctx).store.read() as conn:
        rows = products.listing(conn, category=category, search=search, include_inactive=inactive, limit=limit)
    output.render(rows, COLUMNS, fmt, empty=_("no products (salescli product add SKU --name --price --cost)"))


@app.command("show")
def show(ctx: typer.Context, sku: SkuArg, fmt: FormatOpt = None) -> None:
    """Show one product."""
    from salescli.services import products

    with App.of(ctx).store.read() as conn:
        record = products.get(conn, sku)
    output.render_record(record, fmt)


@app.command("update")
def update(
    ctx: typer.Context,
    sku: SkuArg,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    price: Annotated[str | None, typer.Option("--price", metavar="AMOUNT", help="New list price.")] = None,
    cost: Annotated[str | None, typer.Option("--cost", metavar="AMOUNT", help="New unit cost.")] = None,
    lead_time_days: LeadTime = None, category: Category = None, description: Description = None,
    spec: Spec = None, unit: Unit = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive", help="Still sold, or retired.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Change a product (existing quotes keep their prices)."""
    from salescli.services import products

    a = App.of(ctx)
    values = {"name": name, "price": price, "cost": cost, "lead_time_days": lead_time_days, "category": category,
              "description": description, "spec": spec, "unit": unit, "active": active}
    with a.store.write() as conn:
        a.require_manager(conn, _("changing the catalog"))
        record = products.update_product(conn, sku, values=values, at=a.moment(None), actor=a.actor(conn))
    output.render_record(record, fmt)


@app.command("recommend")
def recommend(
    ctx: typer.Context,
    deal: Annotated[str, typer.Argument(help="Deal id (with confirmed needs).")],
    date: Annotated[str | None, typer.Option("--date", metavar="DATE", help="As of this day (default: today).")]
    = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many products.")] = 20,
    fmt: FormatOpt = None,
) -> None:
    """Catalog products that fit the deal's confirmed needs, budget and deadline, best first.

    For each requested item: the products of its category, judged for its quantity against the item's share
    of the budget (its target price, else the budget split by list value) and the deliver-by date.
    """
    from salescli.services import needs
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    with a.store.read() as conn:
        rows = needs.recommend(conn, parse_id(deal, "deal"), today=a.moment(date), limit=limit)
    output.render(rows, RECOMMEND_COLUMNS, fmt, empty=_("nothing in the catalog fits"))


@app.command("import")
def import_products(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV, JSON, JSON Lines or .xlsx with sku, name, price, cost...")],
    map_: Annotated[list[str] | None, typer.Option("--map", metavar="HEADER=field", help="Map a header.")] = None,
    update: Annotated[bool, typer.Option("--update", help="Update products whose SKU exists.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and print the plan only.")] = False,
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid", help="Import the good rows.")] = False,
    rejects: Annotated[Path | None, typer.Option("--rejects", metavar="FILE", help="Where bad rows go.")] = None,
    encoding: Annotated[str | None, typer.Option("--encoding", help="Default: detected.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the --rejects file if it exists.")] = False,
    sheet: SheetOpt = None,
) -> None:
    """Import a catalog file (the same as 'salescli import products FILE')."""
    from salescli.importers.reader import with_sheet
    from salescli.services import imports

    input_format = with_sheet(None, sheet)
    imports.check_options(skip_invalid=skip_invalid, rejects=rejects)
    request = imports.Request(entity="products", file=file, mapping=imports.pairs(map_, "--map"), constants={},
                              update=update, dry_run=dry_run, skip_invalid=skip_invalid, rejects=rejects, force=force,
                              encoding=encoding, input_format=input_format)
    a = App.of(ctx)
    output.message(imports.import_file(request, store=a.store, database=a.database_file(), now=a.moment(None),
                                       config=a.config, actor=a.actor))
