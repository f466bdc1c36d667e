"""salescli shell: one process for a working session. Each line runs through the very same command code as a
one-shot ``salescli ...`` (same output, same exit code), but the interpreter, the imported modules and the
database connection stay warm, so a command takes milliseconds instead of most of a second."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from salescli import output
from salescli.i18n import _
from salescli.options import command_group

app = command_group(single=True, invoke_without_command=True, add_completion=False)

BUILTINS = ("exit", "quit", "help", "use")
FIXED = ("--db", "--rep")  # fixed for the session: given to `salescli shell`, or `use rep X`


class Session:
    """What stays the same from line to line: the root command, the global options and the open database."""

    def __init__(self, *, db: str | None, rep: str | None, debug: bool, no_input: bool,
                 database: str | None = None) -> None:
        from typer.main import get_command

        from salescli import app as app_module
        from salescli.cli import app as root_app

        self.command = get_command(root_app)
        self.db, self.rep, self.debug, self.no_input = db, rep, debug, no_input
        self.database = database or db  # the database the session works on, however it was chosen
        self.stores: dict[str, Any] = {}
        app_module.SESSION_STORES = self.stores  # every command of the session shares the open database

    def argv(self, words: list[str]) -> list[str]:
        head = [*(["--db", self.db] if self.db else []), *(["--rep", self.rep] if self.rep else [])]
        head += ["--debug"] if self.debug else []
        head += ["--no-input"] if self.no_input else []
        return [*head, *words]

    def run(self, words: list[str]) -> int:
        """One command line, exactly as ``salescli WORDS`` would run it; its exit code."""
        try:
            self.command.main(args=self.argv(words), prog_name="salescli", standalone_mode=True)
        except SystemExit as done:
            code = done.code
            return code if isinstance(code, int) else (0 if code is None else 1)
        except Exception:  # only with --debug: SalesGroup made everything else one line
            import traceback

            from salescli.errors import redact

            sys.stderr.write(redact(traceback.format_exc()))
            return 1
        finally:
            sys.stdout.flush()
        return 0

    def check_rep(self, handle: str) -> str:
        """The rep's canonical handle, checked as every command checks --rep (it must exist)."""
        from salescli.app import App
        from salescli.settings import Settings

        a = App(Settings.resolve(db=self.database, rep=handle, debug=self.debug, no_input=True))
        with a.store.read() as conn:
            actor = a.actor(conn)
        return actor.handle if actor is not None and actor.handle is not None else handle

    def close(self) -> None:
        from salescli import app as app_module

        for store in self.stores.values():
            store.close()
        self.stores.clear()
        app_module.SESSION_STORES = None


def error_line(text: str) -> None:
    """One ``error: ...`` line, as a one-shot command prints it."""
    from salescli.errors import redact

    sys.stderr.write(_("error: {message}").format(message=output.visible(redact(text))) + "\n")


def split(line: str) -> list[str]:
    """A line as the words a shell would pass (quotes honoured); a line whose first character is # is a comment.
    A # inside a line is text (an address 路#3号, a name C#): shlex would cut the line there."""
    if line.lstrip().startswith("#"):
        return []
    return shlex.split(line, comments=False, posix=True)


def builtin(session: Session, words: list[str]) -> int | None:
    """``use rep HANDLE``, ``help``; None when the line is a salescli command."""
    from salescli.errors import InputError

    name = words[0]
    if name == "help":
        return session.run(["--help"])
    if name == "use":
        if len(words) != 3 or words[1] != "rep":
            raise InputError(_("use: say 'use rep HANDLE' (to act as nobody, start the shell without --rep, "
                               "SALESCLI_REP and default_rep)"))
        if session.database and "://" in session.database and not session.database.startswith("sqlite"):
            raise InputError(_("on a team database you act as your login; start another shell with that login"))
        session.rep = session.check_rep(words[2])
        output.message(_("acting as {rep}").format(rep=session.rep))
        return 0
    for word in words:
        if word == "shell":
            raise InputError(_("already in salescli shell"))
        if not word.startswith("-"):
            break
        if word.split("=", 1)[0] in FIXED:
            raise InputError(_("{option} is fixed for the session (use rep HANDLE to act as another rep; start "
                               "another shell for another database)").format(option=word.split("=", 1)[0]))
    return None


def line_code(session: Session, line: str) -> int | None:
    """Run one line; its exit code, or None for an empty line or a comment."""
    from salescli.errors import SalesError

    try:
        words = split(line)
    except ValueError as error:  # an unclosed quote
        error_line(_("cannot read the line: {error}").format(error=error))
        return 2
    if not words:
        return None
    if words[0] in ("exit", "quit"):
        raise EOFError
    try:
        done = builtin(session, words)
    except SalesError as error:
        error_line(error.message)
        return error.exit_code
    return session.run(words) if done is None else done


def history_file() -> Path:
    """The shell's history, private to the user (0600) like the database."""
    import os

    from salescli.settings import data_path

    folder = data_path()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / "shell_history"
    os.close(os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600))
    os.chmod(path, 0o600)
    return path


def interactive(session: Session) -> int:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    from salescli.shell_completion import Completer

    prompt: PromptSession[str] = PromptSession(history=FileHistory(str(history_file())),
                                               completer=Completer(session), complete_while_typing=False)
    output.message(_("salescli shell: the same commands without 'salescli' (try 'lead list', 'today'); "
                     "Tab completes, Ctrl-C cancels a line, Ctrl-D or 'exit' leaves"))
    last = 0
    while True:
        who = f"{session.rep}@" if session.rep else ""
        try:
            line = prompt.prompt(f"{who}salescli> ")
        except KeyboardInterrupt:
            continue
        except EOFError:
            return last
        try:
            code = line_code(session, line)
        except EOFError:
            return last
        except KeyboardInterrupt:
            error_line(_("interrupted"))
            code = 130
        if code is not None:
            last = code


def scripted(session: Session, lines: Any, *, keep_going: bool) -> int:
    """Commands from a pipe or file, one per line: stop at the first failure with its exit code, or with
    ``keep_going`` run them all and exit with the first failure's code."""
    first_failure = 0
    for number, line in enumerate(lines, 1):
        try:
            code = line_code(session, line.rstrip("\n"))
        except EOFError:
            break
        if code:
            if not keep_going:
                error_line(_("stopped at line {line} (exit {code}); the lines after it did not run")
                           .format(line=number, code=code))
                return code
            first_failure = first_failure or code
    return first_failure


@app.callback()
def shell(
    ctx: typer.Context,
    keep_going: Annotated[bool, typer.Option(
        "--keep-going", help="With piped commands: run every line even after one fails.")] = False,
) -> None:
    """Work in one session: type commands without 'salescli' (lead list, today, quote show Q-2026-0001...).

    Commands, options, output and exit codes are the same as one-shot commands, but each runs in
    milliseconds. --db and --rep given to 'salescli shell' hold for the session; 'use rep HANDLE' switches
    rep (SQLite). Piped in, each line is a command: the shell stops at the first failure with its exit code
    (--keep-going runs them all).
    """
    from salescli.app import App

    settings = App.of(ctx).settings
    root = ctx.find_root().params
    session = Session(db=root.get("db"), rep=root.get("rep"), debug=settings.debug, no_input=settings.no_input,
                      database=settings.db)
    try:
        if sys.stdin.isatty() and sys.stdout.isatty():
            code = interactive(session)
        else:
            code = scripted(session, sys.stdin, keep_going=keep_going)
    finally:
        session.close()
    raise typer.Exit(code)
