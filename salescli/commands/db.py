"""db check/upgrade/backup/restore/reindex/info."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from salescli import output
from salescli.app import App
from salescli.i18n import _
from salescli.options import FormatOpt, command_group

app = command_group()


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Migrate the database schema to this version (done automatically on first use too).

    On SQLite a backup copy is taken first, next to the database file.
    """
    from salescli.store import Store

    store: Store = App.of(ctx).store
    before, after = store.upgrade()
    if before == after:
        output.message(_("database is up to date (schema {schema})").format(schema=after))
    else:
        output.message(_("database upgraded from schema {before} to {after}")
                       .format(before=before or _("(empty)"), after=after))


@app.command("backup")
def backup(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="File to write the copy to.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite the file if it exists.")] = False,
) -> None:
    """Copy the live SQLite database safely (online backup API, consistent even while others write).

    The copy is checked (PRAGMA quick_check) before it replaces anything: a damaged database is not backed up.
    """
    from salescli import files
    from salescli.errors import PolicyError
    from salescli.store import sqlite_path

    store = App.of(ctx).store
    source = sqlite_path(store.url)
    if source is None:
        raise PolicyError(_("db backup works on SQLite files; for PostgreSQL use pg_dump"))
    target = files.check_target(path, option="db backup", force=force, database=source)
    store.engine  # noqa: B018 - opens (and if needed creates and migrates) the database first
    size = store.backup_to(target, force=force)
    output.message(_("backed up {source} to {target} ({size} bytes)").format(source=source, target=target,
                                                                             size=f"{size:,}"))


@app.command("restore")
def restore(
    ctx: typer.Context,
    backup: Annotated[Path, typer.Argument(help="A copy made by 'salescli db backup'.")],
    force: Annotated[bool, typer.Option("--force", help="Replace a database that already holds records.")] = False,
) -> None:
    """Replace the SQLite database with a backup (online, consistent; migrated if the backup is older)."""
    from salescli.errors import InputError, PolicyError
    from salescli.store import restore_sqlite, sqlite_path

    store = App.of(ctx).store
    target = sqlite_path(store.url)
    if target is None:
        raise PolicyError(_("db restore works on SQLite files; for PostgreSQL use pg_restore"))
    if not backup.is_file():
        raise InputError(_("{path}: no such file").format(path=backup))
    if backup.resolve() == target.resolve():
        raise InputError(_("the backup is the database itself"))
    size = restore_sqlite(backup, target, force=force)
    store.engine  # noqa: B018 - migrates it if the backup came from an older version
    output.message(_("restored {target} from {backup} ({size} bytes)").format(target=target, backup=backup,
                                                                              size=f"{size:,}"))


@app.command("check")
def check(ctx: typer.Context, fmt: FormatOpt = None) -> None:
    """Check the database without changing it; exit 1 if it is damaged.

    SQLite: PRAGMA integrity_check (every page, every index; about 2.5 s per million leads) and
    foreign_key_check, then the schema revision and tables. PostgreSQL: the connection, the schema revision and
    the tables.
    """
    from salescli.errors import StoreError
    from salescli.store import RESTORE_HINT, SHOWN_PROBLEMS

    store = App.of(ctx).store
    record, problems = store.check()
    if problems:
        record["problems"] = problems
    output.render_record(record, fmt)
    if problems:
        shown = problems[:SHOWN_PROBLEMS]
        failed = (_("{database} failed the check (more than {count} problems): if it is your salescli database, "
                    "{hint}") if len(problems) > len(shown) else
                  _("{database} failed the check ({count} problem(s)): if it is your salescli database, {hint}"))
        error = StoreError(failed.format(database=record["database"], count=len(shown), hint=_(RESTORE_HINT)))
        error.details = [_("problem: {problem}").format(problem=line) for line in shown]
        raise error


@app.command("reindex")
def reindex(ctx: typer.Context, fmt: FormatOpt = None) -> None:
    """Build the search index again from the records (after loading data around salescli, or if a search
    misses a record it should find). One transaction; other writers wait. Prints the terms written per kind.
    A manager's (or the single user's) job."""
    from salescli.services import authz, search

    a = App.of(ctx)
    with a.store.write() as conn:
        authz.require_manager(a.actor(conn), "db reindex")
        counts = search.rebuild(conn)
    output.render_record({**counts, "total": sum(counts.values())}, fmt)


@app.command("info")
def info(ctx: typer.Context, fmt: FormatOpt = None) -> None:
    """Where the database is, its schema version and how many records it holds."""
    from salescli.services import database
    from salescli.store import sqlite_path

    store = App.of(ctx).store
    with store.read() as conn:
        record: dict[str, object] = {"database": store.display_url, "schema": store.current_revision(conn),
                                     **database.record_counts(conn)}
    path = sqlite_path(store.url)
    if path is not None:
        record["size_bytes"] = path.stat().st_size
    output.render_record(record, fmt)
