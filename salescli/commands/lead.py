"""lead add/list/show/update/log/convert/lose/due (step 2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from salescli import columns, output
from salescli.app import App
from salescli.domain.leads import SCORE_RULE, SOURCES
from salescli.i18n import _
from salescli.options import AllOpt, DateOpt, FormatOpt, LimitOpt, OwnerOpt, command_group
from salescli.output import Col

if TYPE_CHECKING:
    from salescli.records import LeadMatch

app = command_group()

COLUMNS = [Col("id", "id", True), Col("name", "name"), Col("company", "company"), Col("source", "source"),
           Col("status", "status"), Col("score", "score", True), Col("owner", "owner"),
           Col("follow_up", "follow-up")]
ACTIVITY_COLUMNS = [Col("at", "at"), Col("kind", "kind"), Col("summary", "summary"), Col("next_step", "next"),
                    Col("rep", "rep")]

Company = Annotated[str | None, typer.Option("--company", help="Company (used to find or create the customer).")]
Email = Annotated[str | None, typer.Option("--email", help="Email address.")]
Phone = Annotated[str | None, typer.Option("--phone", help="Phone; without +country the config's region.")]
Title = Annotated[str | None, typer.Option("--title", help="Job title.")]
City = Annotated[str | None, typer.Option("--city", help="City.")]
Notes = Annotated[str | None, typer.Option("--notes", help="Free notes.")]
FollowUp = Annotated[str | None, typer.Option(
    "--follow-up", metavar="DATE", help="Next follow-up: YYYY-MM-DD, today, tomorrow, +3d, +2w.")]
LeadArg = Annotated[str, typer.Argument(help="Lead id.")]


def _warn_duplicates(lead_id: int, dups: list[LeadMatch]) -> None:
    for dup in dups:
        if dup["id"] != lead_id:
            output.warn(_("lead {id} ({name}) has the same email or phone").format(id=dup["id"], name=dup["name"]))


def _source_help() -> str:
    return f"Channel: {', '.join(SOURCES)} (Chinese names like 展会, 转介绍, 朋友介绍 work too)."


def _channels(a: App) -> dict[str, str]:
    """The team's own channel aliases (setting channel_aliases), folded alias → key."""
    from salescli.domain.aliases import extra

    return extra(a.config("channel_aliases"), name="channel_aliases")


@app.command("add", epilog=SCORE_RULE)
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Person's name (中文 OK).")],
    source: Annotated[str, typer.Option("--source", help=_source_help())],
    company: Company = None, email: Email = None, phone: Phone = None, title: Title = None, city: City = None,
    notes: Notes = None, owner: OwnerOpt = None, follow_up: FollowUp = None, date: DateOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Add a lead; prints its id. Warns (stderr) when the email or phone is already known."""
    from salescli.services import leads

    a = App.of(ctx)
    at = a.moment(date)
    due = a.parse_day(follow_up, field="--follow-up", base=at.date()) if follow_up else None
    values = {"name": name, "source": source, "company": company, "email": email, "phone": phone, "title": title,
              "city": city, "notes": notes}
    with a.store.write() as conn:
        lead_id, dups = leads.add(conn, values=values, owner_id=a.owner_id(conn, owner), follow_up=due, at=at,
                                  actor=a.actor(conn), region=a.config("phone_region"), channels=_channels(a))
        record = leads.get(conn, lead_id)
    _warn_duplicates(lead_id, dups)
    output.created(lead_id, record, fmt)


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="new, contacted, qualified, converted, lost.")]
    = None,
    source: Annotated[str | None, typer.Option("--source", help="Only this channel.")] = None,
    search: Annotated[str | None, typer.Option("--search", "-s", help="Text in name, company, email, phone.")]
    = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only new, contacted and qualified leads.")] = False,
    merged: Annotated[bool, typer.Option("--merged", help="Also leads merged into another.")] = False,
    owner: OwnerOpt = None, everyone: AllOpt = False, limit: LimitOpt = None, fmt: FormatOpt = None,
) -> None:
    """List leads, newest first (the acting rep's, when a rep is set)."""
    from salescli.services import leads

    a = App.of(ctx)
    with a.store.read() as conn:
        rows = leads.listing(conn, status=status, source=source, owner_id=a.scope(conn, owner, everyone),
                             search=search, open_only=open_only, limit=limit,
                             channels=_channels(a) if source else None,
                             merged=merged)
    output.render(rows, COLUMNS, fmt, empty=_("no leads"))


@app.command("show")
def show(ctx: typer.Context, lead: LeadArg, fmt: FormatOpt = None) -> None:
    """Show a lead with its activity history."""
    from salescli.services import leads
    from salescli.services.ids import parse_id

    with App.of(ctx).store.read() as conn:
        record = leads.get(conn, parse_id(lead, "lead"))
    output.render_record(record, fmt, sections={"activities": (record["activities"], ACTIVITY_COLUMNS)})


@app.command("update")
def update(
    ctx: typer.Context,
    lead: LeadArg,
    name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    source: Annotated[str | None, typer.Option("--source", help=_source_help())] = None,
    status: Annotated[str | None, typer.Option("--status", help="contacted or qualified (forward only).")] = None,
    company: Company = None, email: Email = None, phone: Phone = None, title: Title = None, city: City = None,
    notes: Notes = None, owner: OwnerOpt = None, follow_up: FollowUp = None,
    no_follow_up: Annotated[bool, typer.Option("--no-follow-up", help="Clear the follow-up date.")] = False,
    date: DateOpt = None, fmt: FormatOpt = None,
) -> None:
    """Change a lead's fields, status (forward only), owner or follow-up date."""
    from salescli.services import leads
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    at = a.moment(date)
    due = a.parse_day(follow_up, field="--follow-up", base=at.date()) if follow_up else None
    values = {"name": name, "source": source, "company": company, "email": email, "phone": phone, "title": title,
              "city": city, "notes": notes}
    lead_id = parse_id(lead, "lead")
    with a.store.write() as conn:
        owner_id = a.owner_id(conn, owner) if owner else None
        record, dups = leads.update_lead(conn, lead_id, values=values, status=status, owner_id=owner_id,
                                         follow_up=due, clear_follow_up=no_follow_up, at=at, actor=a.actor(conn),
                                         region=a.config("phone_region"),
                                         channels=_channels(a) if source is not None else None)
    _warn_duplicates(lead_id, dups)
    output.render_record(record, fmt, sections={"activities": (record["activities"], ACTIVITY_COLUMNS)})


@app.command("log")
def log(
    ctx: typer.Context,
    lead: LeadArg,
    kind: Annotated[str, typer.Option("--kind", help="call, email, meeting or note.")],
    summary: Annotated[str, typer.Option("--summary", help="What was said or done.")],
    next_: Annotated[str | None, typer.Option(
        "--next", metavar="DATE", help="Next follow-up (sets the lead's follow-up): YYYY-MM-DD, +3d...")] = None,
    date: DateOpt = None,
) -> None:
    """Record a call, email, meeting or note; the first real touch moves a new lead to contacted.

    Prints the activity id.
    """
    from salescli.services import leads
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    at = a.moment(date)
    next_day = a.parse_day(next_, field="--next", base=at.date()) if next_ else None
    with a.store.write() as conn:
        activity_id = leads.log(conn, parse_id(lead, "lead"), kind=kind, summary=summary, next_step=next_day,
                                at=at, actor=a.actor(conn))
    output.emit_id(activity_id)


@app.command("convert")
def convert(
    ctx: typer.Context,
    lead: LeadArg,
    deal_title: Annotated[str | None, typer.Option("--deal-title", help="Deal title (default: company · name).")]
    = None,
    owner: OwnerOpt = None, date: DateOpt = None, fmt: FormatOpt = None,
) -> None:
    """Convert a lead: find or create the customer (by company), add the contact, open a deal.

    Prints the deal id.
    """
    from salescli.domain.customers import split_list
    from salescli.services import leads
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    with a.store.write() as conn:
        owner_id = a.owner_id(conn, owner) if owner else None
        result = leads.convert(conn, parse_id(lead, "lead"), title=deal_title, owner_id=owner_id, at=a.moment(date),
                               actor=a.actor(conn), targets=split_list(a.config("target_industries")),
                               region=a.config("phone_region"))
    if fmt == output.Format.json:
        output.render_record(result, fmt)
        return
    done = (_("lead {lead} converted: new customer {customer}, contact {contact}, deal {deal}")
            if result["customer_created"] else
            _("lead {lead} converted: existing customer {customer}, contact {contact}, deal {deal}"))
    output.message(done.format(lead=result["lead_id"], customer=result["customer_id"], contact=result["contact_id"],
                               deal=result["deal_id"]))
    output.emit_id(result["deal_id"])


@app.command("lose")
def lose(
    ctx: typer.Context,
    lead: LeadArg,
    reason: Annotated[str, typer.Option("--reason", help="Why it was lost: a key of the team's list (price, "
                                                          "lead_time, competitor, budget, no_decision, other; "
                                                          "价格, 竞品... too) or your own words.")],
    date: DateOpt = None,
) -> None:
    """Mark an open lead lost, with the reason (a reason from the team's list is stored as its key)."""
    from salescli.domain.lost import parse_reasons
    from salescli.services import leads
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    lead_id = parse_id(lead, "lead")
    with a.store.write() as conn:
        leads.lose(conn, lead_id, reason=reason, at=a.moment(date), actor=a.actor(conn),
                   reasons=parse_reasons(a.config("lost_reasons")))
    output.message(_("lead {id} lost").format(id=lead_id))


@app.command("due")
def due(
    ctx: typer.Context,
    date: Annotated[str | None, typer.Option("--date", metavar="DATE", help="As of this day (default: today).")]
    = None,
    owner: OwnerOpt = None, everyone: AllOpt = False, limit: LimitOpt = None, fmt: FormatOpt = None,
) -> None:
    """Leads whose follow-up is due today or overdue, oldest first."""
    from salescli.services import agenda

    a = App.of(ctx)
    today = a.day(date)
    with a.store.read() as conn:
        rows = agenda.due_leads(conn, today=today, owner_id=a.scope(conn, owner, everyone), limit=limit)
    output.render(rows, columns.LEAD_DUE, fmt, empty=_("nothing due by {day}").format(day=today.isoformat()))


@app.command("merge")
def merge(
    ctx: typer.Context,
    keep: Annotated[str, typer.Argument(help="Lead id to keep.")],
    other: Annotated[str, typer.Argument(help="Lead id merged into it (kept, marked merged, hidden from lists).")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would move; change nothing.")] = False,
    date: DateOpt = None, fmt: FormatOpt = None,
) -> None:
    """Merge two leads of the same person: OTHER's activities, deals and tasks move to KEEP, which takes OTHER's
    contact details where it has none; OTHER is marked merged into KEEP (not deleted). Both must be yours (a
    manager merges any)."""
    from salescli import merge_report
    from salescli.services import leads
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    keep_id, other_id = parse_id(keep, "lead"), parse_id(other, "lead")
    with a.store.read() if dry_run else a.store.write() as conn:
        result = leads.merge(conn, keep_id, other_id, at=a.moment(date), actor=a.actor(conn), dry_run=dry_run)
    merge_report.show(result, "lead", keep_id, other_id, fmt, dry_run=dry_run)
