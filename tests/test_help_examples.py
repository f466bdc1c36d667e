"""Issue 17, help that teaches: every command's help ends with one or two real examples (salescli/examples.py).

Every example must name a real command and parse: its options exist and its values are valid (choices, whole
numbers, ranges). A handful also run for real on the sample data, to show they work and not only parse."""

from __future__ import annotations

import shlex
from typing import Any

import pytest
from typer.testing import CliRunner

from salescli.cli import app
from salescli.examples import EXAMPLES
from salescli.help_text import columns, walk
from tests.conftest import Cli


def leaf_commands() -> set[str]:
    from salescli.commands import COMMANDS, load

    return {" ".join(path) for name in COMMANDS for path, command in walk(load(name), (name,))
            if not getattr(command, "commands", None)}


def example_args(line: str) -> list[str]:
    """The arguments after ``salescli``, as the shell would pass them (a redirection is the shell's, not ours)."""
    words = shlex.split(line)
    assert words[0] == "salescli", line
    for redirect in ("<", ">", "|"):
        if redirect in words:
            words = words[:words.index(redirect)]
    return words[1:]


def resolve(line: str) -> tuple[str, Any]:
    """Parse an example the way salescli would, without running it: the command path it reaches and that
    command's context (its parsed parameters). A usage error names the example."""
    import typer
    import typer.main
    from typer._click.exceptions import UsageError

    root = typer.main.get_command(app)
    path: list[str] = []
    try:
        ctx = root.make_context("salescli", example_args(line))
        command = root
        while hasattr(command, "resolve_command"):  # a group: its command comes next
            args = ctx._protected_args + ctx.args
            if not args and command.invoke_without_command:  # a group that is a command itself (shell)
                break
            if not args:
                pytest.fail(f"example names no command: {line!r}")
            name, command, rest = command.resolve_command(ctx, args)
            path.append(name)
            ctx = command.make_context(name, rest, parent=ctx)
    except UsageError as error:
        pytest.fail(f"example does not parse: {line!r}: {error.format_message()}")
    except typer.Exit as error:  # the root turns its own usage errors into one error line and exit 2
        pytest.fail(f"example does not parse: {line!r}: exit {error.exit_code}")
    return " ".join(path), ctx


def test_every_command_has_one_or_two_examples() -> None:
    leaves = leaf_commands()
    assert len(leaves) > 100
    assert sorted(leaves - set(EXAMPLES)) == [], "commands without examples"
    assert sorted(set(EXAMPLES) - leaves) == [], "examples for commands that do not exist"
    for key, lines in EXAMPLES.items():
        assert 1 <= len(lines) <= 2, key
        assert len(set(lines)) == len(lines), key


@pytest.mark.parametrize("line", [line for lines in EXAMPLES.values() for line in lines])
def test_example_fits_an_80_column_terminal(line: str) -> None:
    # printed with four spaces before it (the epilog's indent and the block's): at most 76 columns, a Chinese
    # character taking two
    assert line.startswith("salescli ") and line == line.strip() and "\n" not in line
    assert columns(line) < 76, f"{columns(line)} columns: {line}"


@pytest.mark.parametrize("key", sorted(EXAMPLES))
def test_examples_parse_as_their_command(key: str) -> None:
    for line in EXAMPLES[key]:
        path, ctx = resolve(line)
        assert path == key, f"{line!r} runs 'salescli {path}', not 'salescli {key}'"
        assert ctx.command.callback is not None


def test_a_bad_example_would_be_caught() -> None:
    for bad in ("salescli lead ad 张伟 --source web", "salescli lead add 张伟 --source web --colour red",
                "salescli lead list --limit many", "salescli search 华信 --type order",
                "salescli --rep", "salescli lead log 1 --kind call"):
        with pytest.raises(pytest.fail.Exception, match="does not parse"):
            resolve(bad)


def test_help_ends_with_the_examples() -> None:
    result = CliRunner().invoke(app, ["lead", "add", "--help"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.rstrip("\n").splitlines()
    expected = EXAMPLES["lead add"]
    assert [line.strip() for line in lines[-len(expected):]] == expected
    assert [line.strip() for line in lines[-len(expected) - 2:-len(expected)]] == ["Examples:", ""]


# Examples run for real on the sample data (its dates fixed, so the numbers are those the examples name).
RUN = [
    ("lead add", 0), ("lead list", 0), ("quote show", 1), ("deal show", 0), ("quote diff", 0), ("search", 1),
    ("today", 1), ("kpi report", 0),
]


def test_examples_work_on_the_sample(cli: Cli) -> None:
    cli.ok("sample", "--date", "2026-11-30")
    for key, index in RUN:
        line = EXAMPLES[key][index]
        run = cli(*example_args(line))
        assert run.exit_code == 0, f"{line}: exit {run.exit_code}: {run.stderr}"
        assert run.stdout.strip(), line
    lead = cli.json("lead", "list", "--status", "new", "-n", "1")[0]
    assert (lead["name"], lead["source"]) == ("张伟", "exhibition")
    quote = cli.json("quote", "show", "Q-2026-0001", "--revision", "1")
    assert (quote["number"], quote["revision"]) == ("Q-2026-0001", 1)
    assert "华信" in cli.ok(*example_args(EXAMPLES["search"][0])).stdout
