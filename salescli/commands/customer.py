"""customer add/list/show/update/analyze (step 1)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from salescli import output
from salescli.app import App
from salescli.domain.customers import TIER_RULE
from salescli.i18n import _
from salescli.options import DateOpt, FormatOpt, LimitOpt, OwnerOpt, command_group
from salescli.output import Col

app = command_group()

COLUMNS = [Col("id", "id", True), Col("name", "name"), Col("tier", "tier"), Col("industry", "industry"),
           Col("size", "size"), Col("city", "city"), Col("budget", "budget", True), Col("owner", "owner")]
CONTACT_COLUMNS = [Col("id", "id", True), Col("name", "name"), Col("title", "title"), Col("email", "email"),
                   Col("phone", "phone")]

Industry = Annotated[str | None, typer.Option("--industry", help="Industry, e.g. manufacturing or 制造业.")]
Size = Annotated[str | None, typer.Option(
    "--size", help="small (<50 staff), medium (50-249), large (250-999), enterprise (1000+), or a head count.")]
City = Annotated[str | None, typer.Option("--city", help="City.")]
Region = Annotated[str | None, typer.Option("--region", help="Region or province.")]
Budget = Annotated[str | None, typer.Option("--budget", metavar="AMOUNT", help="Yearly budget, e.g. 250000.")]
Preferences = Annotated[str | None, typer.Option("--preferences", help="What they care about.")]
Competitors = Annotated[str | None, typer.Option("--competitors", metavar="A,B", help="Competing vendors.")]
Notes = Annotated[str | None, typer.Option("--notes", help="Free notes.")]
LegalName = Annotated[str | None, typer.Option("--legal-name", help="Registered name on documents (default: "
                                               "the name), e.g. 上海华信机械有限公司.")]
Address = Annotated[str | None, typer.Option("--address", help="Address on quotes and contracts.")]
TaxId = Annotated[str | None, typer.Option("--tax-id", metavar="NUMBER",
                                           help="Taxpayer number (纳税人识别号) on contracts.")]


def _targets(a: App) -> list[str]:
    from salescli.domain.customers import split_list

    return split_list(a.config("target_industries"))


def _industries(a: App) -> dict[str, str]:
    """The team's own industry aliases (setting industry_aliases), folded alias → key."""
    from salescli.domain.aliases import extra

    return extra(a.config("industry_aliases"), name="industry_aliases")


@app.command("add", epilog=TIER_RULE)
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Company name (中文 OK).")],
    industry: Industry = None, size: Size = None, city: City = None, region: Region = None, budget: Budget = None,
    preferences: Preferences = None, competitors: Competitors = None, notes: Notes = None, owner: OwnerOpt = None,
    legal_name: LegalName = None, address: Address = None, tax_id: TaxId = None,
    allow_duplicate: Annotated[bool, typer.Option("--allow-duplicate",
                                                  help="Add even if a customer has the same name.")] = False,
    fmt: FormatOpt = None,
) -> None:
    """Add a customer; prints its id. The tier (A/B/C) is computed from budget, size and fit."""
    from salescli.services import customers

    a = App.of(ctx)
    values = {"name": name, "industry": industry, "size": size, "city": city, "region": region, "budget": budget,
              "preferences": preferences, "competitors": competitors, "notes": notes, "legal_name": legal_name,
              "address": address, "tax_id": tax_id}
    with a.store.write() as conn:
        customer_id = customers.add(conn, values=values, owner_id=a.owner_id(conn, owner), at=a.moment(None),
                                    actor=a.actor(conn), targets=_targets(a), allow_duplicate=allow_duplicate,
                                    industries=_industries(a))
        record = customers.get(conn, customer_id)
    output.created(customer_id, record, fmt)


@app.command("list")
def list_(
    ctx: typer.Context,
    tier: Annotated[str | None, typer.Option("--tier", help="Only tier A, B or C.")] = None,
    industry: Industry = None, city: City = None, owner: OwnerOpt = None,
    search: Annotated[str | None, typer.Option("--search", "-s", help="Text in name, industry or city.")] = None,
    merged: Annotated[bool, typer.Option("--merged", help="Also customers merged into another.")] = False,
    limit: LimitOpt = None, fmt: FormatOpt = None,
) -> None:
    """List customers, best tier and biggest budget first."""
    from salescli.errors import InputError
    from salescli.services import customers

    if tier and tier.upper() not in ("A", "B", "C"):
        raise InputError(_("--tier: {tier} is not A, B or C").format(tier=repr(tier)))
    a = App.of(ctx)
    with a.store.read() as conn:
        owner_id = a.owner_id(conn, owner) if owner else None
        rows = customers.listing(conn, tier=tier, industry=industry, city=city, owner_id=owner_id, search=search,
                                 limit=limit, industries=_industries(a) if industry else None, merged=merged)
    output.render(rows, COLUMNS, fmt, empty=_("no customers"))


@app.command("show")
def show(ctx: typer.Context, customer: Annotated[str, typer.Argument(help="Customer id.")],
         fmt: FormatOpt = None) -> None:
    """Show one customer with its contacts."""
    from salescli.services import customers
    from salescli.services.ids import parse_id

    with App.of(ctx).store.read() as conn:
        record = customers.get(conn, parse_id(customer, "customer"))
    output.render_record(record, fmt, sections={"contacts": (record["contacts"], CONTACT_COLUMNS)})


@app.command("update", epilog=TIER_RULE)
def update(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="Customer id.")],
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    industry: Industry = None, size: Size = None, city: City = None, region: Region = None, budget: Budget = None,
    preferences: Preferences = None, competitors: Competitors = None, notes: Notes = None, owner: OwnerOpt = None,
    legal_name: LegalName = None, address: Address = None, tax_id: TaxId = None, fmt: FormatOpt = None,
) -> None:
    """Change a customer's fields (the tier is recomputed). An empty value clears a field: --city ''."""
    from salescli.services import customers
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    values = {"name": name, "industry": industry, "size": size, "city": city, "region": region, "budget": budget,
              "preferences": preferences, "competitors": competitors, "notes": notes, "legal_name": legal_name,
              "address": address, "tax_id": tax_id}
    with a.store.write() as conn:
        owner_id = a.owner_id(conn, owner) if owner else None
        record = customers.update_customer(conn, parse_id(customer, "customer"), values=values, owner_id=owner_id,
                                           at=a.moment(None), actor=a.actor(conn), targets=_targets(a),
                                           industries=_industries(a))
    output.render_record(record, fmt, sections={"contacts": (record["contacts"], CONTACT_COLUMNS)})


@app.command("analyze", epilog=TIER_RULE)
def analyze(
    ctx: typer.Context,
    by: Annotated[list[str] | None, typer.Option(
        "--by", help="Breakdown(s): tier, industry, city, size, region, owner (default: tier, industry, city).")]
    = None,
    top: Annotated[int, typer.Option("--top", min=1, help="Rows per breakdown in tables.")] = 10,
    retier: Annotated[bool, typer.Option("--retier", help="Recompute every tier first, and store every industry "
                                                          "as its key (after a rule or alias change).")]
    = False,
    fmt: FormatOpt = None,
) -> None:
    """Segment customers: counts and budget totals by tier, industry, city...; who is worth pursuing."""
    from salescli.services import customers

    a = App.of(ctx)
    groups = by or ["tier", "industry", "city"]
    if retier:
        with a.store.write() as conn:
            changed = customers.retier(conn, targets=_targets(a), at=a.moment(None), industries=_industries(a))
        output.message(_("tiers recomputed: {count} changed").format(count=changed))
    with a.store.read() as conn:
        report: dict[str, Any] = {g: customers.breakdown(conn, g) for g in groups}
        report["worth_pursuing"] = customers.listing(conn, tier="A", limit=top)
    kind = output.resolve_format(fmt)
    if kind is output.Format.json:
        output.render_record(report, kind)
        return
    for i, group in enumerate(groups):
        if i:
            output.newline()
        columns = [Col(group, group), Col("customers", "customers", True), Col("share", "share", True, percent=True),
                   Col("budget", "budget", True), Col("avg_budget", "avg budget", True)]
        rows = report[group] if kind is output.Format.csv else report[group][:top]
        output.render(rows, columns, kind, title=_("by {group}").format(group=_(group)), heading=True)
    if kind is not output.Format.csv:
        output.newline()
        output.render(report["worth_pursuing"], COLUMNS, kind, title=_("worth pursuing (tier A, biggest budget)"),
                      heading=True, empty=_("no tier A customers"))


@app.command("merge")
def merge(
    ctx: typer.Context,
    keep: Annotated[str, typer.Argument(help="Customer id to keep.")],
    other: Annotated[str, typer.Argument(help="Customer id merged into it (kept, marked merged, hidden from lists).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would move; change nothing.")] = False,
    date: DateOpt = None, fmt: FormatOpt = None,
) -> None:
    """Merge two customers that are the same company: OTHER's contacts, leads, deals, tasks, tickets and surveys
    move to KEEP, which takes OTHER's profile fields where it has none (the tier is computed again); OTHER is marked
    merged into KEEP (not deleted). Both must be yours, and all that moves (a manager merges any)."""
    from salescli import merge_report
    from salescli.services import customers
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    keep_id, other_id = parse_id(keep, "customer"), parse_id(other, "customer")
    with a.store.read() if dry_run else a.store.write() as conn:
        result = customers.merge(conn, keep_id, other_id, at=a.moment(date), actor=a.actor(conn),
                                 targets=_targets(a), dry_run=dry_run)
    merge_report.show(result, "customer", keep_id, other_id, fmt, dry_run=dry_run)
