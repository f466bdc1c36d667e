"""The application object every command receives: settings, the database (opened on first use), and the
acting rep. Light to import; the database layer loads only when a command asks for ``app.store``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from salescli import output
from salescli.domain.dates import local_now, parse_date, parse_datetime
from salescli.settings import Resolved, Settings

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from sqlalchemy import Connection

    from salescli.services.authz import Actor
    from salescli.store import Store


#: set by ``salescli shell``: the databases its commands share (URL → Store), kept open between commands
SESSION_STORES: dict[str, Store] | None = None


class App:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._store: Store | None = None
        self._shared = False  # the store belongs to the shell session, which closes it
        self._actor: Actor | None = None
        self._actor_resolved = False
        self._now = local_now()
        self._rep_names: dict[str, str] | None = None
        output.use_rep_names(self.rep_names)  # tables show reps by name: asked for only when one shows a rep
        self.use_preferences()

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

            url = resolve_url(self.settings.db)
            shared = SESSION_STORES
            if shared is not None:  # in salescli shell: the session's open database
                self._store = shared.get(url) or shared.setdefault(url, Store(url))
                self._shared = True
            else:
                self._store = Store(url)
            if not self._store.is_sqlite:  # on a team database, who you are is settled before anything else
                self._store.on_first_use = self._settle_actor
        return self._store

    def use_preferences(self) -> None:
        """Apply the personal preferences the renderer needs: ``format`` (the config file's; --format and
        SALESCLI_FORMAT still come first). Again after ``config`` commands hand the config file over."""
        output.prefer_format(self.settings.file.get("format"))

    def close(self) -> None:
        if output.rep_names_provider() == self.rep_names:
            output.use_rep_names(None)
        output.prefer_format(None)
        if self._store is not None and not self._shared:
            self._store.close()
        self._store = None

    def rep_names(self) -> Mapping[str, str]:
        """Each rep's display name by handle (the handle when a rep has no name), for tables people read: one
        query the first time a table shows a rep, then kept for the command; nothing for a database not created."""
        if self._rep_names is None:
            path = self.database_file()
            if path is not None and not path.exists():
                return {}
            from salescli.services.kpi import rep_names

            with self.store.read() as conn:
                self._rep_names = rep_names(conn)
        return self._rep_names

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
    # The rules themselves live in services/authz.py; these resolve the actor once per command (services take it
    # whole: ``actor=a.actor(conn)``) and the handles a command names (--owner, --rep) for authz to judge.

    #: set by ``rep add`` before the database is opened: the first rep may be added while --rep names it
    bootstrap = False

    def _settle_actor(self, conn: Connection) -> None:
        self.actor(conn, bootstrap=self.bootstrap)

    def actor(self, conn: Connection, *, bootstrap: bool = False) -> Actor | None:
        """Who is acting (resolved once): the login's rep on PostgreSQL, --rep's on SQLite, or None. With
        ``bootstrap`` (rep add), a SQLite database with no reps yet has nobody acting, whatever --rep says."""
        if not self._actor_resolved:
            from salescli.services import authz

            self._actor = authz.resolve(conn, self.settings.rep, bootstrap=bootstrap)
            self._actor_resolved = True
        return self._actor

    def require_manager(self, conn: Connection, action: str, *, bootstrap: bool = False) -> Actor | None:
        from salescli.services import authz

        actor = self.actor(conn, bootstrap=bootstrap)
        authz.require_manager(actor, action)
        return actor

    def owner_id(self, conn: Connection, owner: str | None) -> int | None:
        """Who a new record belongs to (services/authz.owner_for): ``--owner``'s, else the acting rep's."""
        from salescli.services import authz, reps

        actor = self.actor(conn)  # who is acting is settled first (a bad --rep is the error, before --owner's)
        owner_id = int(reps.get(conn, owner, field="--owner")["id"]) if owner else None
        return authz.owner_for(actor, owner_id)

    def scope(self, conn: Connection, owner: str | None, everyone: bool) -> int | None:
        """Whose records a listing shows (services/authz.scope)."""
        from salescli.services import authz, reps

        actor = self.actor(conn)
        owner_id = int(reps.get(conn, owner, field="--owner")["id"]) if owner else None
        return authz.scope(actor, owner_id, everyone)

    def report_scope(self, conn: Connection, rep: str | None) -> int | None:
        """Whose records a report counts (services/authz.report_scope): a rep's own; a manager's or a single user's
        ``--rep`` (None: everyone's)."""
        from salescli.services import authz, reps

        row = reps.get(conn, rep, field="--rep") if rep else None
        return authz.report_scope(self.actor(conn), int(row["id"]) if row else None,
                                  handle=row["handle"] if row else None)

    # -- settings: team settings from the database, personal preferences from the config file (settings.py) -------

    _team_stored: dict[str, str] | None = None  # the database's team settings, read once (team_stored)

    @property
    def team_database(self) -> bool:
        """Whether the database is a team's (PostgreSQL): team settings in a user's config file do not count."""
        return self.database_file() is None

    def team_stored(self) -> dict[str, str]:
        """The team settings stored in the database (text by key): one query, on the first team setting a command
        asks for, then kept for the command. A SQLite file not created yet holds none (and is not created)."""
        if self._team_stored is None:
            path = self.database_file()
            if path is not None and not path.exists():
                return {}
            from salescli.services import team_settings

            with self.store.read() as conn:
                self._team_stored = team_settings.load(conn)
        return self._team_stored

    def forget_team_settings(self) -> None:
        """After ``config set/unset`` changed them: the next read asks the database again."""
        self._team_stored = None

    def setting(self, name: str) -> Resolved:
        """A setting's value and where it comes from (database, file, env or default)."""
        from salescli.settings import KEYS, resolve_setting

        key = KEYS[name]
        return resolve_setting(key, file=self.settings.file, database=self.team_stored() if key.team else None,
                               team_database=self.team_database)

    def config(self, name: str) -> Any:
        """A setting's value: a team setting from the database (a quote is priced by the team's policy), a personal
        preference from the config file; else its default."""
        return self.setting(name).value

    def config_int(self, name: str) -> int:
        """A whole-number setting (days, counts), or a clear error naming the setting."""
        from salescli.errors import InputError

        value = str(self.config(name)).strip()
        if not value.isdigit():
            raise InputError(f"config {name}: {value!r} is not a whole number (salescli config set {name} N)")
        return int(value)

    def input_allowed(self) -> bool:
        import sys

        return not self.settings.no_input and sys.stdin.isatty() and sys.stdout.isatty()
