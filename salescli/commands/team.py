"""team init/check/survey-login: team mode on PostgreSQL (services/team.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from salescli import output
from salescli.app import App
from salescli.errors import PolicyError
from salescli.i18n import _
from salescli.options import FormatOpt, command_group

app = command_group()


def _postgres_only(a: App, what: str) -> None:
    """Refuse SQLite before the file is opened (or created)."""
    if a.database_file() is not None:
        from salescli.services.team import SQLITE_SINGLE_USER

        raise PolicyError(f"{what}: {_(SQLITE_SINGLE_USER)}")


@app.command("init")
def init(ctx: typer.Context, fmt: FormatOpt = None) -> None:
    """Turn on team mode (once, by the database's administrator; again after a salescli upgrade is harmless):
    group roles salescli_rep and salescli_manager; the tables owned by this database's own role salescli_owner_DB
    (nobody logs in as it; you become a member); grants; row-level security (ENABLE and FORCE) with the team's
    policies. Then add reps with 'salescli rep add HANDLE --name NAME --login'."""
    from salescli.services import team

    a = App.of(ctx)
    _postgres_only(a, "team init")
    with a.store.write() as conn:
        summary = team.init(conn)
    if fmt == output.Format.json:
        output.render_record(summary, fmt)
        return
    done = (_("team mode is on: {tables} tables owned by {owner}, row security on {secured}; created the roles "
              "{roles}. Next: salescli rep add HANDLE --name NAME --login [--manager]") if summary["created_roles"]
            else _("team mode is on: {tables} tables owned by {owner}, row security on {secured}. Next: salescli rep "
                   "add HANDLE --name NAME --login [--manager]"))
    output.message(done.format(tables=summary["tables"], owner=summary["owner"], secured=summary["row_security"],
                               roles=", ".join(summary["created_roles"])))


@app.command("check")
def check(ctx: typer.Context, fmt: FormatOpt = None) -> None:
    """Check team mode: every table with per-rep data under FORCE row security with policies, nothing a rep can
    write without row security, the tables owned by the database's own salescli_owner_DB, the audit log
    append-only. Exit 1 on a problem."""
    from salescli.services import team

    a = App.of(ctx)
    _postgres_only(a, "team check")
    with a.store.read() as conn:
        found = team.problems(conn)
    if fmt == output.Format.json:
        output.render_record({"ok": not found, "problems": found}, fmt)
    else:
        for line in found:  # the report (stdout); the verdict is the one error line
            sys.stdout.write(output.visible(line) + "\n")
    if found:
        problem = (_("team check: {count} problem (run 'salescli team init' as the administrator to repair)")
                   if len(found) == 1 else
                   _("team check: {count} problems (run 'salescli team init' as the administrator to repair)"))
        raise PolicyError(problem.format(count=len(found)))
    if fmt != output.Format.json:
        output.message(_("team mode: ok"))


@app.command("survey-login")
def survey_login(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(metavar="LOGIN", help="The login role to create (or adopt), e.g. "
                                         "survey_page.")],
    password_file: Annotated[Path | None, typer.Option(
        "--password-file", metavar="FILE", help="Read the login's password from FILE's first line ('-': stdin). "
        "Without it the password is asked twice on the terminal; never give it on the command line.")] = None,
    no_password: Annotated[bool, typer.Option(
        "--no-password", help="A login without a password (peer, certificate or trust authentication).")] = False,
) -> None:
    """The survey reply page's own login (by the administrator, after 'team init'): a member of salescli_survey,
    which reads a survey only by its token and writes only its answer. Serve with it:
    salescli --db postgresql://LOGIN@HOST/DB survey serve."""
    from salescli import prompts
    from salescli.errors import InputError
    from salescli.services import team

    a = App.of(ctx)
    _postgres_only(a, "team survey-login")
    if password_file is not None and no_password:
        raise InputError(_("give either --password-file or --no-password, not both"))
    with a.store.read() as conn:  # refuse before asking for a password
        team.require_initialized(conn, "team survey-login")
        name = team.parse_login(login)
        new_role = not team.role_exists(conn, name)
    password = prompts.password_from_file(password_file) if password_file is not None else (
        prompts.new_password(name, ask=a.input_allowed()) if new_role and not no_password else None)
    with a.store.write() as conn:
        created = team.survey_login(conn, name, verifier=team.encrypt(conn, name, password)
                                    if password is not None else None)
    done = (_("created the login {name} for the survey reply page; serve with salescli --db "
              "postgresql://{name}@HOST/DATABASE survey serve") if created else
            _("adopted the login {name} for the survey reply page; serve with salescli --db "
              "postgresql://{name}@HOST/DATABASE survey serve"))
    output.message(done.format(name=name))
