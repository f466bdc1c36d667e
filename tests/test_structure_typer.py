"""The pin on Typer's private, vendored Click (``typer._click``): fails loudly when it moves.

Typer 0.28 vendors Click as ``typer._click`` and does not depend on click; it re-exports only ``BadParameter``. The
error contract (salescli/cli.py), completion (completion.py) and help layout (help_text.py) need the usage errors,
the completion item and the formatter from it. pyproject pins ``typer<0.29`` (0.29 costs every command its
pydantic adapters); if Typer is upgraded, or the vendored module is renamed, these tests say where to look.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import typer
from typer.main import get_command

from salescli import cli

# every name salescli takes from typer._click (grep -rn "typer._click" salescli)
PRIVATE = {
    "typer._click.exceptions": ("ClickException", "NoArgsIsHelpError", "UsageError"),
    "typer._click.shell_completion": ("CompletionItem",),
    "typer._click._textwrap": ("TextWrapper",),
    # help_text.install patches these in place
    "typer._click.core": ("Command.get_help_option",),
    "typer._click.formatting": ("HelpFormatter.write_usage", "HelpFormatter.write_heading", "term_len"),
}


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:2])


def test_installed_typer_is_the_pinned_one() -> None:
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    pin = re.search(r'"typer>=([\d.]+),<([\d.]+)"', pyproject)
    assert pin, "pyproject.toml no longer pins typer>=X,<Y: salescli imports typer's private typer._click"
    low, high = _version(pin.group(1)), _version(pin.group(2))
    assert high == (0, 29), "the typer pin moved: check typer._click and the start-up cost (README, Design notes)"
    assert low <= _version(typer.__version__) < high


@pytest.mark.parametrize("module", sorted(PRIVATE))
def test_the_vendored_click_names_salescli_uses_exist(module: str) -> None:
    loaded = importlib.import_module(module)
    for name in PRIVATE[module]:
        owner: object = loaded
        for part in name.split("."):
            assert hasattr(owner, part), f"{module}.{name} is gone: Typer moved its vendored Click"
            owner = getattr(owner, part)


def test_salescli_takes_exactly_these_private_names() -> None:
    """A new use of typer._click is listed here (and so pinned) too."""
    root = Path(cli.__file__).parent
    used: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        for module, names in re.findall(r"from (typer\._click[\w.]*) import ([\w, ]+)", path.read_text("utf-8")):
            used.setdefault(module, set()).update(n.strip() for n in names.split(","))
    assert used, "no typer._click import left: drop this test and the pin's reason"
    for module, names in used.items():
        if module == "typer._click":  # submodules imported as modules (help_text.py)
            assert {f"typer._click.{name}" for name in names} <= set(PRIVATE), names
            continue
        assert module in PRIVATE, module
        assert names <= {name.split(".")[0] for name in PRIVATE[module]}, (module, names)


def test_typer_raises_the_vendored_usage_errors() -> None:
    """The classes cli.py catches are the ones Typer raises (not the separately installed click's)."""
    from typer._click.exceptions import NoArgsIsHelpError, UsageError

    assert vars(cli)["UsageError"] is UsageError and vars(cli)["NoArgsIsHelpError"] is NoArgsIsHelpError
    assert issubclass(typer.BadParameter, UsageError)
    demo = typer.Typer(no_args_is_help=True)

    @demo.command()
    def hello(count: int) -> None:  # pragma: no cover
        pass

    @demo.command()
    def bye() -> None:  # pragma: no cover
        pass

    command = get_command(demo)
    with pytest.raises(UsageError):
        command.main(["hello", "not-a-number"], standalone_mode=False)
    with pytest.raises(UsageError):
        command.main(["hello", "--nope"], standalone_mode=False)
    with pytest.raises(NoArgsIsHelpError):
        command.main([], standalone_mode=False)
    click = pytest.importorskip("click")
    assert UsageError is not click.UsageError  # why ``import click`` is no substitute (see cli.py)
