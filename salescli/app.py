"""The application object every command receives: settings, the database (opened on first use), and the
acting rep. Light to import; the database layer loads only when a command asks for ``app.store``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from salescli.domain.dates import local_now, parse_date, parse_datetime
from salescli.errors import PolicyError
from salescli.settings import Settings

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy import Connection

    from salescli.store import Store


class App:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: Store | None = None
        self._now = local_now()

    @staticmethod
    def of(ctx: typer.Context) -> App:
        root = ctx.find_root()
        if not isinstance(root.obj, App):  # a sub-app invoked on its own (tests, embedding)
            root.obj = App(Settings.resolve(db=None, rep=None, debug=False, no_input=False))
        return root.obj

    @property
    def store(self) -> Store:
        if self._store is None:
            from salescli.store import Store, resolve_url

            self._store = Store(resolve_url(self.settings.db))
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    # -- files a command writes ---------------------------------------------------------------------------

    def database_file(self) -> Path | None:
        """The SQLite file this command works on (None for PostgreSQL), without opening it."""
        db = self.settings.db
        if "://" not in db:
            return Path(db).expanduser().resolve()
        if not db.startswith("sqlite"):
            return None
        from salescli.store import sqlite_path

        path = sqlite_path(db)
        return path.resolve() if path is not None else None

    def output_file(self, path: Path, *, option: str, force: bool = False, inputs: Iterable[Path] = (),
                    **options: Any) -> AbstractContextManager[Any]:
        """Write a file the user named, by the rules of ``salescli.files`` (never the database or the command's
        input, no replacing without ``--force``, no symbolic links, private, complete or not at all)."""
        from salescli import files

        return files.atomic_write(path, option=option, force=force, database=self.database_file(), inputs=inputs,
                                  **options)

    def check_output(self, path: Path, *, option: str, force: bool = False, inputs: Iterable[Path] = ()) -> Path:
        """Refuse a bad output file before any work is done (the same rules as ``output_file``)."""
        from salescli import files

        return files.check_target(path, option=option, force=force, database=self.database_file(), inputs=inputs)

    # -- time ----------------------------------------------------------------------------------------

    def moment(self, text: str | None, *, field: str = "--date") -> datetime:
        """The ``--date`` of a state change: given, or now."""
        return parse_datetime(text, now=self._now, field=field) if text else self._now

    def day(self, text: str | None, *, field: str = "--date") -> date:
        """A calendar day option: given (relative forms count from today), or today."""
        return parse_date(text, today=self._now.date(), field=field) if text else self._now.date()

    def parse_day(self, text: str, *, field: str, base: date | None = None) -> date:
        """A day relative to ``base`` (the command's --date), e.g. ``--follow-up +3d``."""
        return parse_date(text, today=base or self._now.date(), field=field)

    # -- who is acting -------------------------------------------------------------------------------

    def acting_rep(self, conn: Connection) -> dict[str, Any] | None:
        """The rep named by --rep / SALESCLI_REP / config default_rep, or None for a single user."""
        if not self.settings.rep:
            return None
        from salescli.services import reps

        return reps.get(conn, self.settings.rep, field="--rep")

    def acting_rep_id(self, conn: Connection) -> int | None:
        """The acting rep's id (who did it, on events and activities), or None for a single user."""
        rep = self.acting_rep(conn)
        return int(rep["id"]) if rep else None

    def require_manager(self, conn: Connection, action: str) -> dict[str, Any]:
        rep = self.acting_rep(conn)
        if rep is None or rep["role"] != "manager":
            who = f"rep {rep['handle']!r}" if rep else "no rep (use --rep)"
            raise PolicyError(f"{action} needs a manager; acting as {who}")
        return rep

    def owner_id(self, conn: Connection, owner: str | None) -> int | None:
        """``--owner`` if given, else the acting rep, else nobody (single-user mode)."""
        from salescli.services import reps

        if owner:
            return int(reps.get(conn, owner, field="--owner")["id"])
        return self.acting_rep_id(conn)

    def scope(self, conn: Connection, owner: str | None, everyone: bool) -> int | None:
        """Whose records a listing shows: --owner's; else the acting rep's unless --all; else everyone's."""
        rep = self.acting_rep(conn)
        if owner:
            return self.owner_id(conn, owner)
        if everyone:
            if rep is not None and rep["role"] != "manager":
                raise PolicyError(f"--all needs a manager; {rep['handle']} sees their own records")
            return None
        return int(rep["id"]) if rep else None

    def config(self, name: str) -> Any:
        return self.settings.get(name)

    def config_int(self, name: str) -> int:
        """A whole-number setting (days, counts), or a clear error naming the setting."""
        from salescli.errors import InputError

        value = str(self.settings.get(name)).strip()
        if not value.isdigit():
            raise InputError(f"config {name}: {value!r} is not a whole number (salescli config set {name} N)")
        return int(value)

    def input_allowed(self) -> bool:
        import sys

        return not self.settings.no_input and sys.stdin.isatty() and sys.stdout.isatty()
