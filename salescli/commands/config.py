"""config list/get/set/unset/path: the settings file (flags and SALESCLI_* variables override it)."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli import output
from salescli.options import FormatOpt, command_group
from salescli.output import Col
from salescli.settings import KEYS, config_path, read_config, read_config_raw, write_config

app = command_group()


def _key(name: str) -> str:
    from salescli.errors import InputError

    if name not in KEYS:
        raise InputError(f"unknown setting {name!r} (one of {', '.join(KEYS)})")
    return name


def _shown(value: object) -> object:
    """A value as printed: never a password, even in a file edited by hand."""
    from salescli.errors import redact

    return redact(value) if isinstance(value, str) else value


@app.command("list")
def list_(fmt: FormatOpt = None) -> None:
    """Every setting with its value, whether it is set in the file, and what it means."""
    data = read_config(config_path())
    rows = [{"key": k.name, "value": _shown(data.get(k.name, k.default)), "set": k.name in data, "help": k.help}
            for k in KEYS.values()]
    output.render(rows, [Col("key", "key"), Col("value", "value"), Col("set", "set"), Col("help", "meaning")], fmt)


@app.command("get")
def get(key: Annotated[str, typer.Argument(help="Setting name.")]) -> None:
    """Print one setting's value."""
    name = _key(key)
    value = read_config(config_path()).get(name, KEYS[name].default)
    output.emit_id("" if value is None else _shown(value))


@app.command("set")
def set_(key: Annotated[str, typer.Argument(help="Setting name.")],
         value: Annotated[str, typer.Argument(help="New value.")]) -> None:
    """Set a setting in the config file (checked first: its type, bounds and form; never a password)."""
    from salescli.errors import InputError, has_password

    setting = KEYS[_key(key)]
    path = config_path()
    if setting.password_goes and has_password(value):
        raise InputError(f"{setting.name}: the config file must not hold the password; {setting.password_goes} "
                         f"({path} not changed)")
    try:
        checked = setting.parse(value)
    except InputError as error:
        raise InputError(f"{error.message} ({path} not changed)") from None
    data = read_config_raw(path)  # other settings as written, so a bad one can be fixed with this command
    data[setting.name] = checked
    write_config(path, data)
    output.message(f"{setting.name} = {_shown(checked)} ({path})")


@app.command("unset")
def unset(key: Annotated[str, typer.Argument(help="Setting name.")]) -> None:
    """Remove a setting from the file (its default applies again); also one this version does not know."""
    path = config_path()
    data = read_config_raw(path)
    if key not in data:
        _key(key)
        return
    data.pop(key)
    write_config(path, data)


@app.command("path")
def path() -> None:
    """Print where the config file is."""
    output.emit_id(config_path())
