"""quote create/revise/approve/send/accept/reject/show/list/diff/history/render (step 5)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from salescli import columns, output
from salescli.app import App
from salescli.document_files import (
    DeliveryDate,
    DeliveryTerms,
    LangOpt,
    PaymentTerms,
    Remarks,
    terms,
    write_document,
)
from salescli.i18n import _
from salescli.options import AllOpt, DateOpt, FormatOpt, OwnerOpt, command_group
from salescli.output import Col

if TYPE_CHECKING:
    from salescli.domain.pricing import Policy
    from salescli.records import Quote

app = command_group()

LINE_COLUMNS = [Col("sku", "sku"), Col("name", "name"), Col("qty", "qty", True), Col("unit_price", "unit price", True),
                Col("list_price", "list price", True), Col("line_discount", "disc %", True), Col("net", "net", True)]
HISTORY_COLUMNS = [Col("at", "at"), Col("revision", "rev", True), Col("event", "event"), Col("total", "total", True),
                   Col("detail", "detail")]
DIFF_COLUMNS = [Col("what", "what"), Col("before", "before"), Col("after", "after")]

QuoteArg = Annotated[str, typer.Argument(help="Quote number, e.g. Q-2026-0001 (its latest revision).")]
Items = Annotated[list[str] | None, typer.Option(
    "--item", metavar="SKU:QTY[:UNIT_PRICE[:LINE_PCT]]",
    help="A line; the unit price defaults to the catalog price. Repeat for several.")]
Discount = Annotated[str | None, typer.Option("--discount", metavar="PCT", help="Quote discount, 10 = 10%.")]
TaxRate = Annotated[str | None, typer.Option("--tax-rate", metavar="PCT", help="Tax rate (default: config, 13).")]
ValidDays = Annotated[int | None, typer.Option("--valid-days", min=1, max=3650, help="Valid for N days from --date.")]
MAX_REVISION = 99_999  # far more revisions than any negotiation; keeps the number inside the database's integer
RevisionOpt = Annotated[int | None, typer.Option("--revision", "-r", min=1, max=MAX_REVISION,
                                                 help="An earlier revision.")]


def _policy(a: App) -> Policy:
    from salescli.domain.money import parse_pct
    from salescli.domain.pricing import Policy

    return Policy(max_discount=parse_pct(a.config("max_discount"), field="config max_discount"),
                  min_margin=parse_pct(a.config("min_margin"), field="config min_margin"))


def _warn_approval(record: Quote) -> None:
    if record["needs_approval"] and not record["approved"]:
        reasons = "; ".join(record["approval_reasons"])
        output.warn(_("{number} needs a manager's approval before it can be sent: {reasons}")
                    .format(number=record["number"], reasons=reasons))



@app.command("create")
def create(
    ctx: typer.Context,
    deal: Annotated[str, typer.Argument(help="Deal id.")],
    item: Items = None,
    from_needs: Annotated[bool, typer.Option("--from-needs", help="Lines from the deal's confirmed needs.")] = False,
    discount: Discount = None, tax_rate: TaxRate = None, valid_days: ValidDays = None,
    payment_terms: PaymentTerms = None, delivery_terms: DeliveryTerms = None, delivery_date: DeliveryDate = None,
    remarks: Remarks = None, date: DateOpt = None, fmt: FormatOpt = None,
) -> None:
    """Create a priced quote (draft); prints its number Q-YYYY-NNNN.

    Money is exact: each line net, the discount and the tax are rounded half-up to the cent. A quote whose
    effective discount is over the config's max_discount, or whose margin is under min_margin, needs a
    manager's approval before it can be sent.
    """
    from salescli.domain.money import parse_pct
    from salescli.domain.pricing import parse_line
    from salescli.services import quotes
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    at = a.moment(date)
    specs = [parse_line(text) for text in item or []]
    with a.store.write() as conn:
        number = quotes.create(
            conn, parse_id(deal, "deal"), specs=specs, from_needs=from_needs,
            discount=parse_pct(discount or "0", field="--discount"),
            tax_rate=parse_pct(tax_rate or a.config("tax_rate"), field="--tax-rate"),
            valid_days=valid_days or a.config_int("quote_valid_days"), at=at, actor=a.actor(conn),
            policy=_policy(a), currency=a.config("currency"),
            terms=terms(a, base=at.date(), payment_terms=payment_terms, delivery_terms=delivery_terms,
                        delivery_date=delivery_date, remarks=remarks, defaults=True))
        record = quotes.record(conn, number, today=at.date())
    _warn_approval(record)
    output.created(number, record, fmt)


@app.command("revise")
def revise(
    ctx: typer.Context,
    quote: QuoteArg,
    item: Items = None,
    remove: Annotated[list[str] | None, typer.Option("--remove", metavar="SKU", help="Drop a line.")] = None,
    discount: Discount = None, tax_rate: TaxRate = None, valid_days: ValidDays = None,
    note: Annotated[str | None, typer.Option("--note", help="What changed and why (internal: shown in history, "
                                                            "never on the customer's document).")] = None,
    payment_terms: PaymentTerms = None, delivery_terms: DeliveryTerms = None, delivery_date: DeliveryDate = None,
    remarks: Remarks = None, date: DateOpt = None, fmt: FormatOpt = None,
) -> None:
    """Make the next revision (a draft; the old one is superseded); prints the same number.

    --item changes the line of its SKU or adds one; lines not named stay. The deal moves to negotiation.
    """
    from salescli.domain.money import parse_pct
    from salescli.domain.pricing import parse_line
    from salescli.services import quotes

    a = App.of(ctx)
    at = a.moment(date)
    number = quotes.parse_number(quote)
    with a.store.write() as conn:
        revision = quotes.revise(
            conn, number, specs=[parse_line(text) for text in item or []], remove=remove or [],
            discount=parse_pct(discount, field="--discount") if discount is not None else None,
            tax_rate=parse_pct(tax_rate, field="--tax-rate") if tax_rate is not None else None,
            valid_days=valid_days, note=note, at=at, actor=a.actor(conn),
            policy=_policy(a), terms=terms(a, base=at.date(), payment_terms=payment_terms,
                                           delivery_terms=delivery_terms, delivery_date=delivery_date,
                                           remarks=remarks, defaults=False))
        record = quotes.record(conn, number, today=at.date())
    _warn_approval(record)
    if fmt == output.Format.json:
        output.render_record(record, fmt)
        return
    output.message(_("{number} revision {revision}: net {net}, total {total}")
                   .format(number=number, revision=revision, net=f"{record['net']:,.2f}",
                           total=f"{record['total']:,.2f}"))
    output.emit_id(number)


@app.command("approve")
def approve(ctx: typer.Context, quote: QuoteArg, date: DateOpt = None) -> None:
    """Approve a draft that breaks the discount policy (managers only: on SQLite name one with --rep MANAGER; on a
    team database a manager runs it with their own login)."""
    from salescli.services import quotes

    a = App.of(ctx)
    number = quotes.parse_number(quote)
    with a.store.write() as conn:
        from salescli.services import authz

        manager = authz.approver(a.actor(conn), _("approving {number}").format(number=number),
                                 command=f"quote approve {number}")
        reasons = quotes.approve(conn, number, at=a.moment(date), actor=manager)
    output.message(_("{number} approved by {manager} ({reasons})").format(number=number, manager=manager.handle,
                                                                          reasons="; ".join(reasons)))


@app.command("send")
def send(ctx: typer.Context, quote: QuoteArg, date: DateOpt = None) -> None:
    """Mark the quote sent to the customer; the deal moves to proposal. Refused while approval is pending."""
    from salescli.services import quotes

    a = App.of(ctx)
    number = quotes.parse_number(quote)
    with a.store.write() as conn:
        quotes.send(conn, number, at=a.moment(date), actor=a.actor(conn))
    output.message(_("{number} sent").format(number=number))


@app.command("accept")
def accept(ctx: typer.Context, quote: QuoteArg, date: DateOpt = None) -> None:
    """Record that the customer accepted the sent quote (one accepted quote per deal)."""
    from salescli.services import quotes

    a = App.of(ctx)
    number = quotes.parse_number(quote)
    with a.store.write() as conn:
        quotes.accept(conn, number, at=a.moment(date), actor=a.actor(conn))
    output.message(_("{number} accepted; next: salescli contract create {number}").format(number=number))


@app.command("reject")
def reject(
    ctx: typer.Context, quote: QuoteArg,
    reason: Annotated[str | None, typer.Option("--reason", help="Why the customer said no.")] = None,
    date: DateOpt = None,
) -> None:
    """Record that the customer rejected the sent quote."""
    from salescli.services import quotes

    a = App.of(ctx)
    number = quotes.parse_number(quote)
    with a.store.write() as conn:
        quotes.reject(conn, number, reason=reason, at=a.moment(date), actor=a.actor(conn))
    output.message(_("{number} rejected").format(number=number))


@app.command("show")
def show(
    ctx: typer.Context, quote: QuoteArg,
    revision: RevisionOpt = None,
    date: Annotated[str | None, typer.Option("--date", metavar="DATE", help="Status as of this day.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Show a quote: lines, totals, approval, validity."""
    from salescli.services import quotes

    a = App.of(ctx)
    with a.store.read() as conn:
        record = quotes.record(conn, quote, revision=revision, today=a.day(date))
    output.render_record(record, fmt, sections={"lines": (record["lines"], LINE_COLUMNS)})


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="draft, sent, accepted, rejected, expired...")]
    = None,
    deal: Annotated[str | None, typer.Option("--deal", help="Only this deal's quotes.")] = None,
    expiring: Annotated[int | None, typer.Option("--expiring", metavar="DAYS", min=0, max=3650,
                                                 help="Only open quotes expiring within DAYS.")] = None,
    revisions: Annotated[bool, typer.Option("--revisions", help="Include superseded revisions.")] = False,
    date: Annotated[str | None, typer.Option("--date", metavar="DATE", help="As of this day.")] = None,
    owner: OwnerOpt = None, everyone: AllOpt = False, fmt: FormatOpt = None,
) -> None:
    """List quotes (latest revisions), newest first."""
    from salescli.services import quotes
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    with a.store.read() as conn:
        rows = quotes.listing(conn, today=a.day(date), status=status, deal_id=parse_id(deal, "deal") if deal else None,
                              owner_id=a.scope(conn, owner, everyone), expiring_within=expiring,
                              all_revisions=revisions)
    output.render(rows, columns.QUOTES, fmt, empty=_("no quotes"))


@app.command("history")
def history(ctx: typer.Context, quote: QuoteArg, fmt: FormatOpt = None) -> None:
    """Every revision and status change of a quote, oldest first."""
    from salescli.services import quotes

    a = App.of(ctx)
    with a.store.read() as conn:
        rows = quotes.history(conn, quote, today=a.day(None))
    output.render(rows, HISTORY_COLUMNS, fmt)


@app.command("diff")
def diff(
    ctx: typer.Context, quote: QuoteArg,
    a_rev: Annotated[int | None, typer.Argument(metavar="[A]", min=1, max=MAX_REVISION,
                                                help="Older revision (default: latest - 1).")] = None,
    b_rev: Annotated[int | None, typer.Argument(metavar="[B]", min=1, max=MAX_REVISION,
                                                help="Newer revision (default: latest).")] = None,
    fmt: FormatOpt = None,
) -> None:
    """What changed between two revisions: lines, prices, discount, margin, total."""
    from salescli.services import quotes

    a = App.of(ctx)
    with a.store.read() as conn:
        result = quotes.diff(conn, quote, a_rev, b_rev, today=a.day(None))
    kind = output.resolve_format(fmt)
    if kind is output.Format.json:
        output.render_record(result, kind)
        return
    output.render(result["changes"], DIFF_COLUMNS, kind,
                  title=_("{number}: revision {before} → {after}").format(
                      number=result["number"], before=result["from_revision"], after=result["to_revision"]),
                  empty=_("no differences"))


@app.command("render")
def render(
    ctx: typer.Context, quote: QuoteArg,
    to: Annotated[Path, typer.Option("--to", metavar="FILE", help="Output file: .pdf, .html or .md.")],
    revision: RevisionOpt = None, lang: LangOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
) -> None:
    """Write the quote the customer receives: seller and buyer, lines, totals, the total in Chinese capitals
    (大写金额), terms, remarks and places to sign. Internal notes and status never appear; a draft or a quote
    awaiting approval is marked DRAFT. Seller details: config set company_name / company_address / ..."""
    from salescli.services import documents

    a = App.of(ctx)
    write_document(a, "quote", to, force=force, lang=lang,
                   build=lambda conn, language, seller: documents.quote(
                       conn, quote, revision=revision, today=a.day(None), language=language, settings=seller))
