"""survey send/record/respond/import/results/list/serve (step 9)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer

from salescli import output
from salescli.app import App
from salescli.i18n import _
from salescli.options import DateOpt, FormatOpt, InputFormatOpt, SheetOpt, command_group
from salescli.output import Col

app = command_group()

PLAN_COLUMNS = [Col("customer", "customer"), Col("order", "order"), Col("contact", "contact"), Col("email", "email"),
                Col("language", "lang"), Col("result", "result")]
LIST_COLUMNS = [Col("id", "id", True), Col("status", "status"), Col("channel", "channel"), Col("customer", "customer"),
                Col("order", "order"), Col("contact", "contact"), Col("email", "email"), Col("sent_at", "sent"),
                Col("responded_at", "answered"), Col("nps", "nps", True), Col("csat", "csat", True),
                Col("error", "error")]
MEASURE_COLUMNS = [Col("rep", "rep"), Col("responses", "responses", True), Col("nps", "NPS", True, places=1),
                   Col("promoters", "promoters", True), Col("passives", "passives", True),
                   Col("detractors", "detractors", True), Col("csat", "CSAT", True, places=2),
                   Col("satisfied", "satisfied", True, percent=True), Col("sent", "emailed", True),
                   Col("response_rate", "response rate", True, percent=True)]
COMMENT_COLUMNS = [Col("at", "at"), Col("customer", "customer"), Col("nps", "nps", True), Col("csat", "csat", True),
                   Col("comment", "comment"), Col("rep", "rep")]
Nps = Annotated[str | None, typer.Option("--nps", metavar="0-10", help="How likely to recommend (0-10).")]
Csat = Annotated[str | None, typer.Option("--csat", metavar="1-5", help="How satisfied (1-5).")]
Comment = Annotated[str | None, typer.Option("--comment", help="What they said.")]


def _scores(nps: str | None, csat: str | None) -> tuple[int | None, int | None]:
    from salescli.domain.surveys import parse_csat, parse_nps

    return (parse_nps(nps) if nps is not None else None, parse_csat(csat) if csat is not None else None)


def _sender(a: App, conn: Any, *, sending: bool) -> tuple[Any, str]:
    """From: config smtp_from, else the acting rep's email; a real send needs one, a preview does not."""
    from salescli.errors import PolicyError
    from salescli.mailer import address
    from salescli.services import reps

    actor = a.actor(conn)
    rep = reps.get(conn, actor.handle) if actor is not None and actor.handle is not None else None
    email = a.config("smtp_from") or (rep["email"] if rep and rep["email"] else None)
    if email is None:
        if sending:
            raise PolicyError(_("no sender address: salescli config set smtp_from sales@your-company.com "
                                "(or act as a rep who has an email)"))
        email = "noreply@example.com"
    name = rep["name"] if rep else a.config("company_name") or "Sales"
    return address(email, name), name


@app.command("send")
def send(
    ctx: typer.Context,
    order: Annotated[str | None, typer.Option("--order", help="Ask about this order (SO-...).")] = None,
    customer: Annotated[str | None, typer.Option("--customer", metavar="ID", help="Ask this customer.")] = None,
    delivered_since: Annotated[str | None, typer.Option(
        "--delivered-since", metavar="DATE", help="Ask about every order delivered since DATE.")] = None,
    outbox: Annotated[Path | None, typer.Option("--outbox", metavar="DIR",
                                                help="Write .eml files there instead of sending.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show who would get what; send and store nothing.")]
    = False,
    resend: Annotated[bool, typer.Option("--resend", help="Also contacts already surveyed about the same thing.")]
    = False,
    fmt: FormatOpt = None,
) -> None:
    """Email a satisfaction survey (NPS 0-10, CSAT 1-5) to each target contact, each with its own unguessable
    token; Chinese or English by the contact's name (or their stored language).

    SMTP from SALESCLI_SMTP_URL=smtp://user:password@host:port (config smtp_security: plain, starttls or ssl;
    smtp_from: the sender). A refused recipient or an unreachable server is recorded and reported; the rest
    continue, and the exit code is 1 if anything failed. Never sends the same survey twice without --resend.
    """
    from salescli import mailer
    from salescli.services import surveys
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    at = a.moment(None)
    since = a.parse_day(delivered_since, field="--delivered-since") if delivered_since else None
    settings = None
    if outbox is not None and not dry_run:
        from salescli import files

        outbox = files.output_folder(outbox, option="--outbox")  # refused before anything is stored
    if not (dry_run or outbox):
        settings = mailer.smtp_settings(a.config("smtp_url"), a.config("smtp_security"))
    with a.store.write() as conn:
        found = surveys.targets(conn, order=order, customer_id=parse_id(customer, "customer") if customer else None,
                                delivered_since=since)
        found = surveys.owned(conn, found, actor=a.actor(conn), explicit=since is None)
        to_send, skipped = surveys.prepare(conn, found, resend=resend, at=at, dry_run=dry_run)
        sender, sender_name = _sender(a, conn, sending=settings is not None)
    link_base = a.config("survey_url")
    if settings is not None and link_base and to_send:
        from salescli.domain.surveys import local_only

        if local_only(link_base):
            output.message(_("note: the survey links lead to {url} (survey_url), which only this computer can "
                             "open; for customers set survey_url to the reply page's public address")
                           .format(url=link_base))
    language = str(a.config("survey_language") or "auto").lower()  # checked when the config is read
    plan: list[dict[str, Any]] = [{**s, "result": s["reason"]} for s in skipped]

    def record(survey_id: int, error: str | None) -> None:
        with a.store.write() as conn:  # recorded message by message: a crash never forgets a sent mail
            surveys.mark(conn, survey_id, sent=error is None, error=error, at=a.moment(None))

    with mailer.Mailer(settings) if settings else nullcontext() as smtp:
        how = surveys.Delivery(sender=sender, sender_name=sender_name, language=language, link_base=link_base,
                               send=smtp.send if smtp is not None else None, outbox=outbox, dry_run=dry_run,
                               database=a.database_file())
        delivery = surveys.deliver(to_send, how, record)
    plan += delivery.rows
    output.render(plan, PLAN_COLUMNS, fmt, empty=_("nobody to survey"))
    summary = (_("dry run: {count} survey(s) to send, {sent} delivered, {failed} failed, {skipped} skipped")
               if dry_run else _("{count} survey(s) processed, {sent} delivered, {failed} failed, {skipped} skipped"))
    output.message(summary.format(count=len(to_send), sent=delivery.delivered, failed=delivery.failures,
                                  skipped=len(skipped)))
    if delivery.failures:
        raise typer.Exit(1)


@app.command("record")
def record(
    ctx: typer.Context,
    order: Annotated[str | None, typer.Option("--order", help="About this order.")] = None,
    customer: Annotated[str | None, typer.Option("--customer", metavar="ID", help="Or this customer.")] = None,
    nps: Nps = None, csat: Csat = None, comment: Comment = None, date: DateOpt = None,
) -> None:
    """Record answers (taken on the phone, or by any other way); prints the survey id. The answer goes to the
    survey already sent to the order (or customer) if one awaits an answer, else to a new phone survey."""
    from salescli.services import surveys
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    n, c = _scores(nps, csat)
    with a.store.write() as conn:
        survey_id = surveys.record_phone(conn, order=order, customer_id=parse_id(customer, "customer")
                                         if customer else None, nps=n, csat=c, comment=comment, at=a.moment(date),
                                         actor=a.actor(conn))
    output.emit_id(survey_id)


@app.command("respond")
def respond(
    ctx: typer.Context,
    token: Annotated[str, typer.Argument(help="The survey's token (from the email or the reply link).")],
    nps: Nps = None, csat: Csat = None, comment: Comment = None, date: DateOpt = None,
) -> None:
    """Record the answers to an emailed survey, collected elsewhere (a reply, the web form)."""
    from salescli.services import surveys

    a = App.of(ctx)
    n, c = _scores(nps, csat)
    with a.store.write() as conn:
        survey_id = surveys.respond(conn, token, nps=n, csat=c, comment=comment, at=a.moment(date),
                                    actor=a.actor(conn), dated=date is not None)
    output.message(_("survey {id} answered").format(id=survey_id))


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV, JSON, JSON Lines or .xlsx: token, order or customer (id); nps, "
                                              "csat, comment, date.")],
    encoding: Annotated[str | None, typer.Option("--encoding", help="Default: detected (UTF-8, GBK...).")] = None,
    input_format: InputFormatOpt = None, sheet: SheetOpt = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check every row, change nothing.")] = False,
) -> None:
    """Import responses, all or nothing: any bad row → every problem listed as FILE:LINE: column: message. A row
    for an order or customer answers the survey sent to it; an answer already stored is refused (never counted
    twice)."""
    from salescli.importers.reader import with_sheet
    from salescli.services import surveys

    a = App.of(ctx)
    with a.store.write() as conn:
        count = surveys.import_responses(conn, file, encoding=encoding, input_format=with_sheet(input_format, sheet),
                                         now=a.moment(None), actor=a.actor(conn), dry_run=dry_run)
    done = _("{count} response(s) valid (dry run, nothing changed)") if dry_run else _("{count} response(s) imported")
    output.message(done.format(count=count))


@app.command("list")
def list_(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option("--status", help="pending, sent, failed, responded.")] = None,
    order: Annotated[str | None, typer.Option("--order", help="Only this order's surveys.")] = None,
    customer: Annotated[str | None, typer.Option("--customer", metavar="ID", help="Only this customer's.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """List surveys, newest first (tokens are not shown)."""
    from salescli.services import surveys
    from salescli.services.ids import parse_id

    with App.of(ctx).store.read() as conn:
        rows = surveys.listing(conn, status=status, order=order,
                               customer_id=parse_id(customer, "customer") if customer else None)
    output.render(rows, LIST_COLUMNS, fmt, empty=_("no surveys"))


@app.command("results")
def results(
    ctx: typer.Context,
    period: Annotated[str | None, typer.Option(
        "--period", help="2026, 2026-Q4, 2026-11, this-quarter... (default: all time).")]
    = None,
    by: Annotated[str | None, typer.Option("--by", help="rep: one row per rep as well.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """NPS (promoters 9-10, passives 7-8, detractors 0-6), CSAT mean and % satisfied (4-5), response rate,
    the score distribution as a bar chart, and recent comments."""
    from salescli.charts import bars
    from salescli.domain.dates import parse_period
    from salescli.errors import InputError
    from salescli.services import surveys

    if by not in (None, "rep"):
        raise InputError(_("--by: {by} is not rep").format(by=repr(by)))
    a = App.of(ctx)
    with a.store.read() as conn:
        report = surveys.results(conn, period=parse_period(period, today=a.day(None)) if period else None,
                                 by_rep=by == "rep")
    kind = output.resolve_format(fmt)
    if kind is output.Format.json:
        output.render_record(report, kind)
        return
    rows = [{"rep": "(all)", **report["total"]}, *report.get("by_rep", [])]
    title = _("satisfaction {period}").format(period=period) if period else _("satisfaction")
    output.render(rows, MEASURE_COLUMNS, kind, title=title, heading=True)
    if kind is output.Format.csv:
        return
    for key, heading in (("nps_distribution", _("NPS answers (0-10)")), ("csat_distribution", _("CSAT answers (1-5)"))):
        output.newline()
        output.lines([f"{heading}:", *bars([(b["score"], b["count"]) for b in report[key]])])
    output.newline()
    output.render(report["comments"], COMMENT_COLUMNS, kind, title=_("recent comments"), heading=True,
                  empty=_("no comments"))


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on (0.0.0.0: every interface).")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")] = 8080,
    root_path: Annotated[str | None, typer.Option(
        "--root-path", metavar="PATH", help="Where a reverse proxy mounts the page, e.g. /survey (the proxy strips "
        "it before passing requests on).")] = None,
    forwarded_allow_ips: Annotated[str | None, typer.Option(
        "--forwarded-allow-ips", metavar="IPS", help="Trust X-Forwarded-For/-Proto from these proxies "
        "(comma-separated addresses or networks); without it those headers are ignored.")] = None,
    rate_limit: Annotated[int, typer.Option(
        "--rate-limit", min=0, metavar="N", help="Answers per minute from one address (page views: 6 x N); "
        "0: no limit.")] = 10,
) -> None:
    """Serve the reply page the survey emails link to: /s/TOKEN shows the customer's survey (their language, your
    company_name, the order), NPS 0-10 and CSAT 1-5 as buttons and a comment; the answer is stored like
    'survey respond'. One answer per token; unknown links get the same 404 page.

    The default survey_url (http://127.0.0.1:8080/s/{token}) points here; for customers on the internet put a
    reverse proxy with TLS in front and set survey_url to its public address. On a team database (PostgreSQL) the
    page connects as its own login ('salescli team survey-login LOGIN'), which reads a survey only by its token.
    """
    from salescli.web import server

    a = App.of(ctx)
    options = server.Options(host=host, port=port, root_path=server.parse_root_path(root_path),
                             forwarded_allow_ips=server.parse_forwarded(forwarded_allow_ips), rate_limit=rate_limit)
    server.run(db=a.settings.db, settings_file=a.settings.file, options=options, team_database=a.team_database)
