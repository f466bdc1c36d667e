"""config list/get/set/unset/path: the settings file (flags and SALESCLI_* variables override it)."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli import output
from salescli.options import FormatOpt, command_group
from salescli.output import Col
from salescli.settings import KEYS, config_path, read_config, write_config

app = command_group()


def _key(name: str) -> str:
    from salescli.errors import InputError

    if name not in KEYS:
        raise InputError(f"unknown setting {name!r} (one of {', '.join(KEYS)})")
    return name


@app.command("list")
def list_(fmt: FormatOpt = None) -> None:
    """Every setting with its value, whether it is set in the file, and what it means."""
    data = read_config(config_path())
    rows = [{"key": k.name, "value": data.get(k.name, k.default), "set": k.name in data, "help": k.help}
            for k in KEYS.values()]
    output.render(rows, [Col("key", "key"), Col("value", "value"), Col("set", "set"), Col("help", "meaning")], fmt)


@app.command("get")
def get(key: Annotated[str, typer.Argument(help="Setting name.")]) -> None:
    """Print one setting's value."""
    name = _key(key)
    value = read_config(config_path()).get(name, KEYS[name].default)
    output.emit_id("" if value is None else value)


@app.command("set")
def set_(key: Annotated[str, typer.Argument(help="Setting name.")],
         value: Annotated[str, typer.Argument(help="New value.")]) -> None:
    """Set a setting in the config file."""
    from salescli.domain.identity import parse_handle
    from salescli.domain.money import parse_pct

    name = _key(key)
    if name in ("tax_rate", "max_discount", "min_margin"):
        value = str(parse_pct(value, field=name))
    elif name == "default_rep":
        value = parse_handle(value)
    elif name == "smtp_url" and "@" in value and ":" in value.split("://", 1)[-1].split("@", 1)[0]:
        from salescli.errors import InputError

        raise InputError("smtp_url: the config file must not hold the password; put the whole URL in "
                         "SALESCLI_SMTP_URL instead")
    path = config_path()
    data = read_config(path)
    data[name] = value
    write_config(path, data)
    output.message(f"{name} = {value} ({path})")


@app.command("unset")
def unset(key: Annotated[str, typer.Argument(help="Setting name.")]) -> None:
    """Remove a setting from the file (its default applies again)."""
    name = _key(key)
    path = config_path()
    data = read_config(path)
    data.pop(name, None)
    write_config(path, data)


@app.command("path")
def path() -> None:
    """Print where the config file is."""
    output.emit_id(config_path())
