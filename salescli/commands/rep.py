"""rep add/update/disable/enable/handover/list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from salescli import output
from salescli.app import App
from salescli.errors import InputError, PolicyError
from salescli.i18n import _
from salescli.options import FormatOpt, command_group
from salescli.output import Col

app = command_group()

COLUMNS = [Col("handle", "handle"), Col("name", "name"), Col("email", "email"), Col("role", "role")]


HandleArg = Annotated[str, typer.Argument(help="The rep's handle.")]


@app.command("add")
def add(
    ctx: typer.Context,
    handle: Annotated[str, typer.Argument(help="Short login-like name, e.g. wang.li")],
    name: Annotated[str, typer.Option("--name", help="Full name (中文 OK).")],
    email: Annotated[str | None, typer.Option("--email", help="Email address.")] = None,
    manager: Annotated[bool, typer.Option("--manager", help="A manager: may approve and see everyone's records.")]
    = False,
    login: Annotated[bool, typer.Option(
        "--login", help="Team mode (PostgreSQL): also create the rep's own login role, named like the handle.")]
    = False,
    login_name: Annotated[str | None, typer.Option(
        "--login-name", metavar="LOGIN", help="The login role's name, if not the handle (implies --login).")] = None,
    password_file: Annotated[Path | None, typer.Option(
        "--password-file", metavar="FILE", help="Read the login's password from FILE's first line ('-': stdin). "
        "Without it the password is asked twice on the terminal; never give it on the command line.")] = None,
    no_password: Annotated[bool, typer.Option(
        "--no-password", help="A login without a password (peer, certificate or trust authentication).")] = False,
    fmt: FormatOpt = None,
) -> None:
    """Add a rep; prints the handle. On a team database (after 'salescli team init') --login also creates the
    rep's PostgreSQL login, which is who they are: they connect with their own login, never as someone else."""
    from salescli.domain.identity import parse_handle
    from salescli.services import reps

    a = App.of(ctx)
    a.bootstrap = True  # the first rep may be added while SALESCLI_REP already names it
    wanted = login_name if login_name is not None else parse_handle(handle) if login else None
    password = _login_password(a, wanted, password_file, no_password, action=_("adding a rep"))
    with a.store.write() as conn:
        a.require_manager(conn, _("adding a rep"), bootstrap=True)
        reps.add(conn, handle=handle, name=name, email=email, manager=manager, at=a.moment(None),
                 actor=a.actor(conn), login=wanted, password=password)
        record = reps.get(conn, handle)
    output.created(record["handle"], {k: record[k] for k in ("handle", "name", "email", "role", "login")}, fmt)


def _login_password(a: App, login: str | None, password_file: Path | None, no_password: bool, *,
                    action: str) -> str | None:
    """The password for a new login role: from --password-file, or asked twice on the terminal; None with
    --no-password or when the role exists already (adopted as it is). Checked before anything is asked: PostgreSQL,
    a manager acting, a safe name."""
    if login is None:
        if password_file is not None or no_password:
            raise InputError(_("--password-file and --no-password are for a login: add --login"))
        return None
    if password_file is not None and no_password:
        raise InputError(_("give either --password-file or --no-password, not both"))
    if a.database_file() is not None:
        from salescli.services.team import SQLITE_SINGLE_USER

        raise PolicyError(f"--login: {_(SQLITE_SINGLE_USER)}")
    from salescli.services import reps

    with a.store.read() as conn:  # refuse before asking for a password
        a.require_manager(conn, action, bootstrap=True)
        new_role = reps.login_needs_password(conn, login)
    from salescli import prompts

    if password_file is not None:
        return prompts.password_from_file(password_file)
    if new_role and not no_password:
        return prompts.new_password(login, ask=a.input_allowed())
    return None


@app.command("update")
def update(
    ctx: typer.Context,
    handle: HandleArg,
    name: Annotated[str | None, typer.Option("--name", help="New full name.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="New email address ('' clears it).")] = None,
    manager: Annotated[bool | None, typer.Option(
        "--manager/--no-manager", help="Make the rep a manager, or a rep again (their login moves with them).")]
    = None,
    login: Annotated[bool, typer.Option(
        "--login", help="Give the rep a login named like the handle (a rep added before team mode, or whose login "
        "role is missing after a restore on another server).")] = False,
    login_name: Annotated[str | None, typer.Option(
        "--login-name", metavar="LOGIN", help="The login role's name, if not the handle (implies --login).")] = None,
    password_file: Annotated[Path | None, typer.Option(
        "--password-file", metavar="FILE", help="A new login's password: FILE's first line ('-': stdin).")] = None,
    no_password: Annotated[bool, typer.Option(
        "--no-password", help="A new login without a password (peer, certificate or trust authentication).")]
    = False,
    fmt: FormatOpt = None,
) -> None:
    """Change a rep's name, email, role or login (managers only)."""
    from salescli.domain.identity import parse_handle
    from salescli.services import reps

    wanted = login_name if login_name is not None else parse_handle(handle) if login else None
    if name is None and email is None and manager is None and wanted is None:
        raise InputError(_("nothing to update: give --name, --email, --manager/--no-manager or --login"))
    a = App.of(ctx)
    password = _login_password(a, wanted, password_file, no_password, action=_("changing a rep"))
    with a.store.write() as conn:
        a.require_manager(conn, _("changing a rep"))
        record = reps.update(conn, handle, name=name, email=email, manager=manager, at=a.moment(None),
                             actor=a.actor(conn), login=wanted, password=password)
    output.render_record({k: record[k] for k in ("handle", "name", "email", "role", "active", "login")}, fmt)


@app.command("disable")
def disable(ctx: typer.Context, handle: HandleArg) -> None:
    """Disable a rep (managers only): their login may no longer connect; their records stay (move them with
    'salescli rep handover')."""
    _set_active(ctx, handle, active=False)


@app.command("enable")
def enable(ctx: typer.Context, handle: HandleArg) -> None:
    """Enable a disabled rep again (managers only); their login may connect again."""
    _set_active(ctx, handle, active=True)


def _set_active(ctx: typer.Context, handle: str, *, active: bool) -> None:
    from salescli.services import reps

    a = App.of(ctx)
    with a.store.write() as conn:
        a.require_manager(conn, _("enabling a rep") if active else _("disabling a rep"))
        record, changed = reps.set_active(conn, handle, active=active, at=a.moment(None), actor=a.actor(conn))
    if not changed:
        done = _("rep {handle} was already enabled") if active else _("rep {handle} was already disabled")
    elif active:
        done = _("rep {handle} enabled")
    else:
        done = _("rep {handle} disabled; their records are kept ('salescli rep handover {handle} TO' moves them)")
    output.message(done.format(handle=record["handle"]))


@app.command("handover")
def handover(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(metavar="FROM", help="The rep whose records move.")],
    target: Annotated[str, typer.Argument(metavar="TO", help="The rep who takes them over.")],
    fmt: FormatOpt = None,
) -> None:
    """Give every lead, customer, deal and task owned by FROM to TO (managers only), in one transaction; each move
    is in the audit trail. Everything under a deal (quotes, contracts, orders, tickets...) follows its deal."""
    from salescli.services import reps

    a = App.of(ctx)
    with a.store.write() as conn:
        a.require_manager(conn, _("handing over records"))
        counts = reps.handover(conn, source, target, at=a.moment(None), actor=a.actor(conn))
    if fmt == output.Format.json:
        output.render_record({"from": source.strip().lower(), "to": target.strip().lower(), **counts}, fmt)
    else:
        output.message(_("handed over to {handle}: {leads} leads, {customers} customers, {deals} deals, {tasks} tasks")
                       .format(handle=target.strip().lower(), leads=counts["leads"], customers=counts["customers"],
                               deals=counts["deals"], tasks=counts["tasks"]))


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = None) -> None:
    """List reps."""
    from salescli.services import reps

    with App.of(ctx).store.read() as conn:
        rows = reps.listing(conn)
    output.render(rows, COLUMNS, fmt, empty=_("no reps yet: salescli rep add HANDLE --name NAME"))
