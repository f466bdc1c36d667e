"""contract create/sign/show/list (step 6)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from salescli import document_files, output
from salescli.app import App
from salescli.document_files import DeliveryDate, DeliveryTerms, LangOpt, Remarks
from salescli.i18n import _
from salescli.options import AllOpt, DateOpt, FormatOpt, OwnerOpt, command_group
from salescli.output import Col

app = command_group()

COLUMNS = [Col("number", "number"), Col("status", "status"), Col("deal_id", "deal", True),
           Col("customer", "customer"), Col("net", "net", True), Col("total", "total", True),
           Col("signed_at", "signed"), Col("signed_by", "signed by"), Col("owner", "owner")]
LINE_COLUMNS = [Col("sku", "sku"), Col("name", "name"), Col("qty", "qty", True), Col("unit_price", "unit price", True),
                Col("line_discount", "disc %", True), Col("net", "net", True)]
ContractArg = Annotated[str, typer.Argument(help="Contract number, e.g. C-2026-0001.")]


@app.command("create")
def create(
    ctx: typer.Context,
    quote: Annotated[str, typer.Argument(help="The accepted quote's number.")],
    payment_terms: Annotated[str | None, typer.Option("--payment-terms", help="e.g. 30% 预付, 70% 货到付款.")] = None,
    terms: Annotated[str | None, typer.Option("--terms", help="Other terms (clauses printed on the contract).")]
    = None,
    delivery_terms: DeliveryTerms = None, delivery_date: DeliveryDate = None, remarks: Remarks = None,
    date: DateOpt = None, fmt: FormatOpt = None,
) -> None:
    """Draft a contract from an accepted quote (lines and amounts copied and frozen); prints C-YYYY-NNNN.

    Payment and delivery terms, the delivery date and remarks carry over from the quote unless given.
    """
    from salescli.services import contracts

    a = App.of(ctx)
    at = a.moment(date)
    given = document_files.terms(a, base=at.date(), payment_terms=None, delivery_terms=delivery_terms,
                                 delivery_date=delivery_date, remarks=remarks, defaults=False)
    with a.store.write() as conn:
        number = contracts.create(conn, quote, payment_terms=payment_terms, terms=terms, at=at,
                                  actor=a.actor(conn), document_terms=given)
        record = contracts.get(conn, number)
    output.created(number, record, fmt)


@app.command("sign")
def sign(
    ctx: typer.Context, contract: ContractArg,
    signed_by: Annotated[str, typer.Option("--signed-by", metavar="NAME", help="Who signed for the customer.")],
    date: DateOpt = None,
) -> None:
    """Sign the contract: its amounts never change again, and the deal is won."""
    from salescli.services import contracts

    a = App.of(ctx)
    with a.store.write() as conn:
        contracts.sign(conn, contract, signed_by=signed_by, at=a.moment(date), actor=a.actor(conn))
    output.message(_("{number} signed; the deal is won").format(number=contract.strip().upper()))


@app.command("complete")
def complete(ctx: typer.Context, contract: ContractArg, date: DateOpt = None) -> None:
    """Mark a signed contract completed (all its orders delivered or closed)."""
    from salescli.services import contracts

    a = App.of(ctx)
    with a.store.write() as conn:
        contracts.close(conn, contract, "completed", reason=None, at=a.moment(date), actor=a.actor(conn))
    output.message(_("{number} completed").format(number=contract.strip().upper()))


@app.command("cancel")
def cancel(
    ctx: typer.Context, contract: ContractArg,
    reason: Annotated[str, typer.Option("--reason", help="Why it was cancelled.")],
    date: DateOpt = None,
) -> None:
    """Cancel a draft or signed contract (its amounts stay as they were, for the record)."""
    from salescli.services import contracts

    a = App.of(ctx)
    with a.store.write() as conn:
        contracts.close(conn, contract, "cancelled", reason=reason, at=a.moment(date), actor=a.actor(conn))
    output.message(_("{number} cancelled").format(number=contract.strip().upper()))


@app.command("show")
def show(ctx: typer.Context, contract: ContractArg, fmt: FormatOpt = None) -> None:
    """Show a contract with its frozen lines and amounts."""
    from salescli.services import contracts

    with App.of(ctx).store.read() as conn:
        record = contracts.get(conn, contract)
    output.render_record(record, fmt, sections={"lines": (record["lines"], LINE_COLUMNS)})


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="draft, signed, completed, cancelled.")] = None,
    deal: Annotated[str | None, typer.Option("--deal", help="Only this deal's contracts.")] = None,
    owner: OwnerOpt = None, everyone: AllOpt = False, fmt: FormatOpt = None,
) -> None:
    """List contracts, newest first."""
    from salescli.services import contracts
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    with a.store.read() as conn:
        rows = contracts.listing(conn, status=status, deal_id=parse_id(deal, "deal") if deal else None,
                                 owner_id=a.scope(conn, owner, everyone))
    output.render(rows, COLUMNS, fmt, empty=_("no contracts"))


@app.command("render")
def render(
    ctx: typer.Context, contract: ContractArg,
    to: Annotated[Path, typer.Option("--to", metavar="FILE", help="Output file: .pdf, .html or .md.")],
    lang: LangOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Write the contract for both sides to sign: seller and buyer (with tax ids and bank), lines, totals, the
    total in Chinese capitals (大写金额), payment and delivery terms, clauses, remarks, and signature and stamp
    areas. A draft is marked DRAFT, a cancelled contract VOID."""
    from salescli.services import documents

    a = App.of(ctx)
    document_files.write_document(
        a, "contract", to, force=force, lang=lang,
        build=lambda conn, language, seller: documents.contract(conn, contract, language=language, settings=seller))
