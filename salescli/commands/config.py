"""config list/get/set/unset/path: team settings (the database, changed by a manager in team mode) and personal
preferences (the config file; flags and SALESCLI_* variables override them)."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Annotated, Any

import typer

from salescli import output
from salescli.app import App
from salescli.i18n import _
from salescli.options import FormatOpt, command_group
from salescli.output import Col
from salescli.settings import KEYS, config_path, read_config, read_config_raw, usable, write_config

if TYPE_CHECKING:
    from pathlib import Path

app = command_group()


def _key(name: str) -> str:
    from salescli.errors import InputError

    if name not in KEYS:
        raise InputError(_("unknown setting {name} (one of {keys})").format(name=repr(name), keys=", ".join(KEYS)))
    return name


def _app(ctx: typer.Context, file: dict[str, Any]) -> App:
    """The application with the config file applied: the root leaves it to these commands, so that a bad value in
    it can be shown and repaired (``file``: checked for get/list, its usable part for set/unset)."""
    a = App.of(ctx)
    a.settings.use_file(file)
    a.use_preferences()  # the file's format preference, for these commands' own output too
    return a


def _has_database(a: App) -> bool:
    """Whether there is a database (a SQLite file is not created just to unset a setting that it cannot hold)."""
    path = a.database_file()
    return path is None or path.exists()


def _shown(value: object) -> object:
    """A value as printed: never a password, even in a file edited by hand."""
    from salescli.errors import redact

    return redact(value) if isinstance(value, str) else value


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOpt = None) -> None:
    """Every setting: its value, scope (team or personal), source and meaning.

    Sources: database (a team setting), file (your config file), env (a SALESCLI_* variable) or default. On a team
    database (PostgreSQL) a team setting in your config file does not count: shown as "file (ignored: team
    setting)".
    """
    from salescli.errors import InputError
    from salescli.settings import DATABASE

    a = _app(ctx, read_config(config_path()))
    human = output.resolve_format(fmt) not in (output.Format.json, output.Format.csv)  # scripts get the English text
    stored = a.team_stored()
    rows = []
    for key in KEYS.values():
        try:
            found = a.setting(key.name)
            value, source = _shown(found.value), found.shown_source
        except InputError:  # a value written into the database by hand (psql) that fails its check
            value, source = _shown(stored.get(key.name)), f"{DATABASE} (invalid: salescli config set {key.name})"
        rows.append({"key": key.name, "value": value, "scope": key.scope, "source": source,
                     "set": not source.startswith("default"), "help": _(key.help) if human else key.help})
    output.render(rows, [Col("key", "key"), Col("value", "value"), Col("scope", "scope"), Col("source", "source"),
                         Col("help", "meaning")], fmt)


@app.command("get")
def get(ctx: typer.Context, key: Annotated[str, typer.Argument(help="Setting name.")]) -> None:
    """Print one setting's value (a team setting's from the database)."""
    name = _key(key)
    value = _app(ctx, read_config(config_path())).config(name)
    output.emit_id("" if value is None else _shown(value))


@app.command("set")
def set_(ctx: typer.Context, key: Annotated[str, typer.Argument(help="Setting name.")],
         value: Annotated[str, typer.Argument(help="New value.")]) -> None:
    """Set a setting, checked first (its type, bounds and form; never a password).

    A team setting (tax_rate, max_discount, company_name, ...: see 'salescli config list') is written to the
    database, for everyone using it, and audited (entity "setting"); in team mode only a manager may.
    A personal preference (format, default_rep, db, pdf_font, smtp_url, smtp_security, language) goes in your config
    file.
    """
    from salescli.errors import InputError, has_password

    setting = KEYS[_key(key)]
    path = config_path()
    where = _("the team settings") if setting.team else str(path)
    if setting.password_goes and has_password(value):
        raise InputError(_("{name}: the config file must not hold the password; {instead} ({where} not changed)")
                         .format(name=setting.name, instead=_(setting.password_goes), where=where))
    try:
        checked = setting.parse(value)
    except InputError as error:
        raise InputError(_("{error} ({where} not changed)").format(error=error.message, where=where)) from None
    data = read_config_raw(path)  # other settings as written, so a bad one can be fixed with this command
    if setting.team:
        _set_team(_app(ctx, usable(data)), setting.name, setting.stored(checked), f"config set {setting.name}",
                  command=f"config set {setting.name} {shlex.quote(value)}")
        output.message(_("{name} = {value} (team setting, in the database)")
                       .format(name=setting.name, value=_shown(checked)))
        if setting.name in data:
            output.warn(_("your config file {path} also holds {name}; the database's value counts "
                          "('salescli config list' shows sources)").format(path=path, name=setting.name))
        return
    data[setting.name] = checked
    write_config(path, data)
    output.message(f"{setting.name} = {_shown(checked)} ({path})")


def _set_team(a: App, name: str, text: str, action: str, *, command: str) -> None:
    from salescli.services import team_settings

    with a.store.write() as conn:
        team_settings.require_may_change(a.actor(conn), team_database=a.team_database, action=action,
                                         command=command)
        team_settings.put(conn, name, text, at=a.moment(None), actor=a.actor(conn))
    a.forget_team_settings()


@app.command("unset")
def unset(ctx: typer.Context, key: Annotated[str, typer.Argument(help="Setting name.")]) -> None:
    """Remove a setting so its default applies again; also one this version does not know.

    A team setting is removed from the database (in team mode only by a manager) and from your config file if it
    is there too; a personal preference from your config file.
    """
    path = config_path()
    data = read_config_raw(path)
    if key in KEYS and KEYS[key].team:
        _unset_team(_app(ctx, usable(data)), key, data, path)
        return
    if key not in data:
        _key(key)
        return
    data.pop(key)
    write_config(path, data)


def _unset_team(a: App, name: str, data: dict[str, Any], path: Path) -> None:
    """The database's value (a manager's change, audited), and the file's copy (the user's own file: always)."""
    from salescli.errors import PolicyError
    from salescli.services import team_settings

    in_file = name in data
    if not _has_database(a):
        if in_file:
            data.pop(name)
            write_config(path, data)
        return
    with a.store.write() as conn:
        kept = False
        if team_settings.stored(conn, name) is not None:  # (no lock: a rep may not lock rows it cannot change)
            try:
                team_settings.require_may_change(a.actor(conn), team_database=a.team_database,
                                                 action=f"config unset {name}")
            except PolicyError:
                if not in_file:
                    raise
                kept = True
            else:
                team_settings.remove(conn, name, at=a.moment(None), actor=a.actor(conn))
        if in_file:  # inside the transaction: the database's change is not kept if the file cannot be written
            data.pop(name)
            write_config(path, data)
    a.forget_team_settings()
    if kept:
        output.message(_("{name} removed from {path}; the team's value in the database stays (a manager changes it)")
                       .format(name=name, path=path))


@app.command("path")
def path() -> None:
    """Print where the config file is."""
    output.emit_id(config_path())
