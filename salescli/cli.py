"""Root command: global options, the error contract, and one sub-app per command group.

Kept light: importing this module (and so ``salescli --help``) must not import SQLAlchemy, Alembic or
questionary. Command modules import those inside their functions.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import sys
from typing import Annotated, Any

import typer

# Typer 0.28 vendors Click as its private ``typer._click`` and no longer depends on click (the ``click`` installed
# alongside is uvicorn's, and its exception classes are not the ones Typer raises). Typer re-exports only
# BadParameter, so the usage errors are imported from the vendored module, here only (``import typer`` has
# already loaded it: no start-up cost). pyproject pins typer<0.29 and tests/test_structure_typer.py fails if the
# module or these names move, or if Typer stops raising them.
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer.core import TyperGroup

from salescli import __version__
from salescli.errors import InputError, SalesError, redact
from salescli.i18n import _
from salescli.settings import ENV_DB, ENV_DEBUG, ENV_NO_INPUT, ENV_REP, Settings

# A byte that is not UTF-8 in argv (or the environment) reaches Python as a lone surrogate: printing or storing it
# fails later with a traceback, so such input is refused up front.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _undecodable(text: str) -> str:
    """``text`` with its undecodable bytes shown as ``\\xff`` (printable, short)."""
    errors = "backslashreplace" if re.search("[\ud800-\udc7f]", text) else "surrogateescape"  # the original bytes
    printable = text.encode("utf-8", errors).decode("utf-8", "backslashreplace")
    printable = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", printable)
    return "'" + (printable if len(printable) <= 40 else printable[:37] + "...") + "'"


def _fail(message: str, code: int) -> typer.Exit:
    from salescli.output import visible

    sys.stderr.write(_("error: {message}").format(message=visible(redact(message))) + "\n")
    return typer.Exit(code)


def _debug_on(ctx: Any) -> bool:
    obj = ctx.find_root().obj if ctx is not None else None
    if obj is not None and getattr(obj, "settings", None) is not None:
        return bool(obj.settings.debug)
    return os.environ.get(ENV_DEBUG, "") not in ("", "0", "false")


def _deliver_events(app: Any) -> None:
    """When a command ends (its transaction committed or rolled back): deliver the events it queued (issue 20).
    Nothing to do, and nothing imported, unless the command queued events; never changes the exit code."""
    hooks = sys.modules.get("salescli.services.hooks")
    if hooks is not None:
        hooks.after_command(app)


class SalesGroup(TyperGroup):
    """The root group: loads command groups on first use (so ``--help`` imports none of them) and turns
    every expected failure into one ``error: ...`` line and the contract's exit code."""

    def list_commands(self, ctx: Any) -> list[str]:
        from salescli.commands import COMMANDS

        return [*COMMANDS, *(name for name in super().list_commands(ctx) if name not in COMMANDS)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        from salescli.commands import COMMANDS, load

        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self.commands[cmd_name] = load(cmd_name)  # type: ignore[assignment]
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        from salescli.commands import COMMANDS

        with formatter.section(_("Commands")):
            formatter.write_dl([(name, _(help_text)) for name, (_target, help_text) in COMMANDS.items()])

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        from salescli.help_text import decorate

        decorate(self, (), recursive=False)  # the root's own help and options (its groups load later)
        return super().make_context(info_name, args, parent, **extra)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        """A mistyped command gets "did you mean" from every command, not only the ones loaded so far."""
        from difflib import get_close_matches

        try:
            return super().resolve_command(ctx, args)
        except UsageError as error:
            if args and "Did you mean" not in error.message:
                matches = get_close_matches(args[0], self.list_commands(ctx))
                if matches:
                    choices = ", ".join(f"{match!r}" for match in matches)
                    error.message = f"{error.message.rstrip('.')}. Did you mean {choices}?"
            raise

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        for number, arg in enumerate(args, 1):  # before any command runs: nothing is read or written
            if _SURROGATE.search(arg):
                raise _fail(_("argument {number} ({text}) is not valid UTF-8 text; check the terminal's encoding "
                              "(LANG/LC_ALL) and type it again; nothing was done").format(
                                  number=number, text=_undecodable(arg)), 2)
        try:
            return super().parse_args(ctx, args)
        except NoArgsIsHelpError:
            raise
        except UsageError as error:
            if error.ctx is None or ctx.resilient_parsing:
                raise
            raise _usage(error) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except SalesError as error:  # expected: one line even with --debug (after an import's problem list)
            from salescli.output import visible

            for line in error.details:
                sys.stderr.write(visible(redact(line)) + "\n")
            raise _fail(error.message, error.exit_code) from None
        except NoArgsIsHelpError:
            raise
        except UsageError as error:
            raise _usage(error) from None
        except (ClickException, typer.Exit, typer.Abort):
            raise
        except KeyboardInterrupt:
            raise _fail(_("interrupted; the current change was not saved"), 130) from None
        except BrokenPipeError:
            sys.stderr.close()  # the reader went away (| head): not an error
            raise typer.Exit(0) from None
        except Exception as error:
            if _debug_on(ctx):
                raise
            raise _fail(_("unexpected {kind}: {error} (rerun with --debug for details)").format(
                kind=type(error).__name__, error=error), 1) from None


def _usage(error: Any) -> typer.Exit:
    from salescli.help_text import click_message

    where = error.ctx.command_path if error.ctx is not None else "salescli"
    return _fail(_("{message} (see '{where} --help')").format(message=click_message(error.format_message()),
                                                             where=where), 2)


app = typer.Typer(
    cls=SalesGroup,
    name="salescli",
    help="Terminal-first sales pipeline manager: leads → deals → quotes → contracts → orders → KPIs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110},
)


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"salescli {__version__}\n")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[str | None, typer.Option(
        "--db", envvar=ENV_DB, show_envvar=True, metavar="PATH|URL",
        help="SQLite file path or SQLAlchemy URL (postgresql+psycopg://...). "
             "Default: salescli.db in the user data directory.")] = None,
    rep: Annotated[str | None, typer.Option(
        "--rep", envvar=ENV_REP, show_envvar=True, metavar="HANDLE",
        help="Act as this rep (default: the config's default_rep, or nobody for a single user).")] = None,
    no_input: Annotated[bool, typer.Option(
        "--no-input", envvar=ENV_NO_INPUT, help="Never prompt; fail naming the missing fields.")] = False,
    debug: Annotated[bool, typer.Option("--debug", envvar=ENV_DEBUG, help="Show tracebacks on errors.")] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """Terminal-first sales pipeline manager over SQLite (default) or PostgreSQL."""
    from salescli.app import App

    os.umask(0o077)  # database, backups and exports are private to the user
    for option, value in (("--db/SALESCLI_DB", db), ("--rep/SALESCLI_REP", rep)):
        if value and _SURROGATE.search(value):  # from the environment (arguments were checked while parsing)
            raise InputError(_("{option} ({text}) is not valid UTF-8 text; nothing was done").format(
                option=option, text=_undecodable(value)))
    # the config commands read the file themselves, so that a bad value in it can be shown and repaired
    ctx.obj = App(Settings.resolve(db=db, rep=rep, debug=debug, no_input=no_input,
                                   read_file=ctx.invoked_subcommand != "config"))
    ctx.call_on_close(ctx.obj.close)
    ctx.call_on_close(lambda: _deliver_events(ctx.obj))  # runs first (last registered): the store is still open


ENV_LANGUAGE = "SALESCLI_LANGUAGE"


def choose_language(environ: Any = None) -> str:
    """The language for this process, chosen before any help text is built: SALESCLI_LANGUAGE, else the config
    file's ``language`` (a bad file is reported later, by the command), else auto (the locale variables)."""
    from salescli import i18n
    from salescli.settings import KEYS, config_path, read_config_raw

    env = os.environ if environ is None else environ
    setting = env.get(ENV_LANGUAGE)
    if not setting:
        with contextlib.suppress(SalesError):
            setting = KEYS["language"].parse(read_config_raw(config_path()).get("language", "auto"))
    try:
        setting = KEYS["language"].parse(setting or "auto")
    except SalesError:
        setting = "auto"
    language = i18n.pick(setting, env)
    i18n.use(language)
    from salescli.help_text import install

    install()
    return language


def main() -> None:
    """Run a command, then leave without tearing the interpreter down: by then the database is closed (the
    root context's close) and the output flushed; freeing every object one by one only costs time (measured:
    0.13 s after a 100,000-row import). An unexpected exception still goes the normal way."""
    # Start-up makes tens of thousands of objects that live as long as the process (SQLAlchemy, the tables, the
    # command group); the cycle collector, run after every 700 new ones by default, walked them about 140 times in
    # ``lead list`` (30 ms, measured) to find some 560 objects in cycles. After every 100,000 it does not run during
    # start-up, and a long command (an import, the shell) still has its cycles collected.
    gc.set_threshold(100_000)
    choose_language()
    try:
        app(prog_name="salescli")
    except SystemExit as done:
        if done.code is not None and not isinstance(done.code, int):
            raise
        _leave(done.code or 0)
    except Exception:  # only with --debug (else SalesGroup made it one line): the traceback, passwords hidden
        import traceback

        sys.stderr.write(redact(traceback.format_exc()))
        _leave(1)


def _leave(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # the reader went away, or the stream is closed
            stream.flush()
    os._exit(code)
