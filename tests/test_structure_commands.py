"""Issue 22: a command module is one command group and imports no other (what several commands share lives outside
commands/: salescli/columns.py, document_files.py, export_files.py, merge_report.py); the survey's sender is the
acting rep, read through the one actor."""

from __future__ import annotations

import ast
import email
import email.policy
from pathlib import Path

from tests.conftest import Cli, delivered_order

COMMANDS_DIR = Path(__file__).resolve().parent.parent / "salescli" / "commands"


def _imported(source: str) -> set[str]:
    """Every module an import statement of ``source`` names (``from a import b``: a and a.b)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_every_command_module_is_a_command_group_and_imports_no_other() -> None:
    from salescli.commands import COMMANDS

    groups = {target.split(":")[0] for target, _help in COMMANDS.values()}
    modules = {path.stem for path in COMMANDS_DIR.glob("*.py")} - {"__init__"}
    assert modules == groups  # no helper module hides among the commands
    for module in sorted(modules):
        imported = _imported((COMMANDS_DIR / f"{module}.py").read_text("utf-8"))
        others = {name for name in imported if name.startswith("salescli.commands.")
                  and name.removeprefix("salescli.commands.") in modules}
        assert not others, f"commands/{module}.py imports {sorted(others)}"


def test_the_agenda_shows_follow_ups_as_lead_due_does(cli: Cli) -> None:
    cli.ok("lead", "add", "王伟", "--source", "web", "--follow-up", "today")
    due = cli.ok("lead", "due", "--format", "plain").stdout.splitlines()
    assert due[0].split() == ["due", "late", "(days)", "id", "name", "company", "phone", "status", "score", "owner"]
    today = cli.ok("today", "--format", "plain").stdout.splitlines()
    assert today[today.index(due[0]) + 1] == due[1]  # the same columns (salescli/columns.py), the same row
    assert cli.ok("today", "--format", "csv").stdout == cli.ok("lead", "due", "--format", "csv").stdout


def test_survey_from_is_the_acting_reps_email(sqlite_cli: Cli, tmp_path: Path) -> None:
    """Without smtp_from the survey comes from the acting rep (was: a KeyError when a rep was acting)."""
    cli = sqlite_cli
    number, _cid = delivered_order(cli, second_contact=False)
    cli.ok("rep", "add", "chen.jing", "--name", "陈静", "--email", "chen.jing@example.cn", "--manager")
    outbox = tmp_path / "outbox"
    cli.ok("--rep", "chen.jing", "survey", "send", "--order", number, "--outbox", str(outbox))
    message = email.message_from_bytes(next(outbox.glob("*.eml")).read_bytes(), policy=email.policy.default)
    sender = message["From"].addresses[0]
    assert (sender.addr_spec, sender.display_name) == ("chen.jing@example.cn", "陈静")
    cli.ok("rep", "add", "li.wei", "--name", "李伟")  # a rep without an email: a preview still works
    plan = cli.ok("--rep", "li.wei", "survey", "send", "--order", number, "--dry-run", "--resend")
    assert plan.exit_code == 0
