"""hook add/list/remove/test/log/deliver/tick/events: send events to WeCom, DingTalk, Feishu, a JSON webhook or a
script (issue 20; services/hooks.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from salescli import output
from salescli.app import App
from salescli.i18n import _
from salescli.options import DateOpt, FormatOpt, LimitOpt, command_group
from salescli.output import Col

if TYPE_CHECKING:
    from salescli.services.hooks import Report

app = command_group()

COLUMNS = [Col("id", "id", True), Col("events", "events"), Col("kind", "kind"), Col("target", "url / command"),
           Col("secret", "secret"), Col("lang", "lang"), Col("pending", "pending", True),
           Col("delivered", "delivered", True), Col("failed", "failed", True)]
LOG_COLUMNS = [Col("id", "id", True), Col("hook_id", "hook", True), Col("event", "event"),
               Col("entity_id", "record"), Col("at", "at"), Col("status", "status"), Col("attempts", "tries", True),
               Col("next_attempt_at", "next try"), Col("last_error", "error")]
HookArg = Annotated[str, typer.Argument(help="Hook id (salescli hook list).")]


@app.command("add")
def add(
    ctx: typer.Context,
    events: Annotated[str, typer.Argument(metavar="EVENT[,EVENT]", help="Events to send (salescli hook events), or "
                                          "'*' for all.")],
    webhook: Annotated[str | None, typer.Option("--webhook", metavar="URL", help="The robot's webhook URL.")] = None,
    kind: Annotated[str | None, typer.Option(
        "--kind", help="wecom, dingtalk, feishu (group robots) or json (the event itself).")] = None,
    run: Annotated[str | None, typer.Option(
        "--run", metavar="COMMAND", help="Run this command (no shell) with the event's JSON on stdin.")] = None,
    secret_env: Annotated[str | None, typer.Option(
        "--secret-env", metavar="VAR", help="Signing secret (DingTalk/Feishu 加签, json) from this environment "
                                            "variable.")] = None,
    secret_stdin: Annotated[bool, typer.Option("--secret-stdin", help="Read the signing secret from stdin.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="Language of robot messages: zh or en.")] = "zh",
    note: Annotated[str | None, typer.Option("--note", help="What this hook is for.")] = None,
    fmt: FormatOpt = None,
) -> None:
    """Send events to a group robot or a script. Team setting: managers only. Prints the hook id."""
    import os
    import sys

    from salescli.domain.events import parse_events
    from salescli.errors import InputError
    from salescli.services import hooks

    a = App.of(ctx)
    names = parse_events(events)
    secret = None
    if secret_env and secret_stdin:
        raise InputError(_("give --secret-env or --secret-stdin, not both"))
    if secret_env:
        if secret_env not in os.environ:
            raise InputError(_("--secret-env: the environment variable {name} is not set").format(name=secret_env))
        secret = os.environ[secret_env]
    elif secret_stdin:
        if sys.stdin.isatty():
            import getpass

            secret = getpass.getpass(_("signing secret (not shown): "))
        else:
            secret = sys.stdin.readline().rstrip("\r\n")
    if run is not None and webhook is not None:
        raise InputError(_("give either --run COMMAND or --webhook URL, not both"))
    if run is not None:
        if kind not in (None, "run"):
            raise InputError(_("--run takes no --kind (the event's JSON goes to the command's stdin)"))
        spec = hooks.HookSpec(events=names, kind="run", command=run, secret=secret, lang=lang, note=note)
    else:
        if webhook is None:
            raise InputError(_("give --webhook URL --kind wecom|dingtalk|feishu|json, or --run COMMAND"))
        if kind is None:
            raise InputError(_("--kind: give wecom, dingtalk, feishu or json for --webhook"))
        spec = hooks.HookSpec(events=names, kind=kind.strip().lower(), url=webhook.strip(), secret=secret, lang=lang,
                              note=note)
    hooks.check_spec(spec)
    with a.store.write() as conn:
        a.require_manager(conn, _("adding a hook"))
        hook_id = hooks.add(conn, spec, at=a.moment(None), actor=a.actor(conn))
        record = next(r for r in hooks.listing(conn) if r["id"] == hook_id)
    output.created(hook_id, record, fmt)


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = None) -> None:
    """Hooks with their events and delivery counts (secrets show only as set / not set)."""
    from salescli.services import hooks

    a = App.of(ctx)
    with a.store.read() as conn:
        a.require_manager(conn, _("listing hooks"))
        rows = hooks.listing(conn)
    output.render(rows, COLUMNS, fmt, empty=_("no hooks: salescli hook add EVENT --webhook URL --kind KIND"))


@app.command("remove")
def remove(ctx: typer.Context, hook: HookArg) -> None:
    """Remove a hook (its undelivered events and its log go with it)."""
    from salescli.services import hooks
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    hook_id = parse_id(hook, "hook")
    with a.store.write() as conn:
        a.require_manager(conn, _("removing a hook"))
        dropped = hooks.remove(conn, hook_id, at=a.moment(None), actor=a.actor(conn))
    done = _("hook {id} removed ({count} undelivered event(s) dropped)") if dropped else _("hook {id} removed")
    output.message(done.format(id=hook_id, count=dropped))


@app.command("test")
def test(ctx: typer.Context, hook: HookArg) -> None:
    """Send a sample event to one hook now and say what happened (exit 1 if it was not delivered)."""
    from salescli.services import hooks
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    hook_id = parse_id(hook, "hook")
    with a.store.read() as conn:
        a.require_manager(conn, _("testing a hook"))
        row = hooks.get(conn, hook_id)
        actor = a.actor(conn)
    outcome = hooks.send(row, hooks.sample_event(row, now=a.moment(None), actor=actor),
                         timeout=hooks.DELIVER_TIMEOUT_S)
    if not outcome.ok:
        raise hooks.DeliveryFailed(_("hook {id}: not delivered: {detail}").format(id=hook_id, detail=outcome.detail))
    detail = outcome.detail.strip()[:200]
    done = _("hook {id}: delivered ({detail})") if detail else _("hook {id}: delivered")
    output.message(done.format(id=hook_id, detail=detail))


@app.command("log")
def log(
    ctx: typer.Context,
    hook: Annotated[str | None, typer.Option("--hook", metavar="ID", help="Only this hook's events.")] = None,
    status: Annotated[str | None, typer.Option("--status", help="pending, delivered or failed.")] = None,
    limit: LimitOpt = 50, fmt: FormatOpt = None,
) -> None:
    """Deliveries, newest first: status, tries, next try and the last error (or the answer, in JSON)."""
    from salescli.services import hooks
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    hook_id = parse_id(hook, "hook") if hook is not None else None
    with a.store.read() as conn:
        a.require_manager(conn, _("reading the hook log"))
        rows = hooks.log(conn, hook_id=hook_id, status=status, limit=limit)
    output.render(rows, LOG_COLUMNS, fmt, empty=_("no events yet"))


@app.command("deliver")
def deliver(
    ctx: typer.Context,
    hook: Annotated[str | None, typer.Option("--hook", metavar="ID", help="Only this hook's events.")] = None,
    event: Annotated[str | None, typer.Option("--event", metavar="ID", help="Only this event (hook log).")] = None,
    timeout: Annotated[float, typer.Option("--timeout", min=0.5, max=120, help="Seconds per delivery.")]
    = 10.0,
) -> None:
    """Deliver every undelivered event now (pending, and failed ones that gave up), without waiting for the
    backoff. Exit 1 if any is still not delivered."""
    from salescli.services import hooks
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    hook_id = parse_id(hook, "hook") if hook is not None else None
    event_id = parse_id(event, "event") if event is not None else None
    with a.store.read() as conn:
        a.require_manager(conn, _("delivering events"))
        hooks.require_delivery_rights(conn)
    report = hooks.deliver(a.store, budget=None, timeout=timeout, due_only=False, include_failed=True,
                           hook_id=hook_id, event_id=event_id)
    _report(report)
    if report.failed:
        raise hooks.DeliveryFailed(_("{count} event(s) not delivered; they are retried later (salescli hook log)")
                                   .format(count=report.failed))


@app.command("tick")
def tick(
    ctx: typer.Context, date: DateOpt = None,
    timeout: Annotated[float, typer.Option("--timeout", min=0.5, max=120, help="Seconds per delivery.")]
    = 10.0,
) -> None:
    """For cron (every few minutes): raise order.late, ticket.breached and target.attained once per record, then
    deliver what is due. A delivery that fails is retried later; the exit code stays 0."""
    from salescli.services import hooks

    a = App.of(ctx)
    now = a.moment(date)
    with a.store.write() as conn:
        raised = hooks.raise_timed(conn, now=now, actor=a.actor(conn)) if hooks.timed_wanted(conn) else 0
        allowed = hooks.can_deliver(conn)
    report = hooks.deliver(a.store, budget=None, timeout=timeout) if allowed else hooks.Report()
    hooks.clear_queued()
    done = (_("{raised} timed event(s) raised; {delivered} delivered, {failed} failed (retried later)")
            if report.failed else _("{raised} timed event(s) raised; {delivered} delivered"))
    output.message(done.format(raised=raised, delivered=report.delivered, failed=report.failed))
    for line in report.errors or []:
        output.message(f"  {line}")


@app.command("events")
def events_(fmt: FormatOpt = None) -> None:
    """The events a hook can take (stable names)."""
    from salescli.domain.events import EVENTS, TIMED

    rows = [{"event": name, "raised_by": "hook tick / today" if name in TIMED else "the change itself"}
            for name in EVENTS]
    output.render(rows, [Col("event", "event"), Col("raised_by", "raised by")], fmt)


def _report(report: Report) -> None:
    done = (_("{delivered} event(s) delivered, {failed} failed") if report.failed
            else _("{delivered} event(s) delivered"))
    output.message(done.format(delivered=report.delivered, failed=report.failed))
    for line in report.errors or []:
        output.message(f"  {line}")
