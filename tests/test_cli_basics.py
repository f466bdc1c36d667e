"""The command-line contract: help everywhere, one-line errors with the right exit code, fast start-up."""

from __future__ import annotations

import os

from typer.main import get_command

from salescli import __version__
from salescli.cli import app
from tests.conftest import Cli, run_subprocess


def _walk(command, path=()):  # type: ignore[no-untyped-def]
    from typer._click import Context

    yield path, command
    if hasattr(command, "list_commands"):
        ctx = Context(command)
        for name in command.list_commands(ctx):
            yield from _walk(command.get_command(ctx, name), (*path, name))


def test_every_command_has_help_text() -> None:
    root = get_command(app)
    missing = [" ".join(path) for path, command in _walk(root) if path and not (command.help or "").strip()]
    assert missing == []
    names = {" ".join(path) for path, _ in _walk(root)}
    for expected in ("customer analyze", "lead convert", "lead due", "today", "pipeline", "export", "sample",
                     "db backup", "db upgrade", "rep add", "contact add"):
        assert expected in names


def test_help_does_not_import_database_or_prompt_libraries() -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "salescli", "--help"], capture_output=True,
                          text=True, check=True)
    assert "Usage: salescli" in proc.stdout
    imported = {line.rpartition("|")[2].strip() for line in proc.stderr.splitlines() if line.startswith("import time")}
    assert "salescli.cli" in imported  # the listing works
    heavy = sorted(m for m in imported if m.split(".")[0] in
                   ("sqlalchemy", "sqlmodel", "questionary", "alembic", "rich", "tabulate", "pydantic"))
    assert heavy == [], heavy


def test_version_and_no_args_shows_help() -> None:
    assert run_subprocess("--version").stdout.strip() == f"salescli {__version__}"
    proc = run_subprocess()
    assert "Usage: salescli" in proc.stdout + proc.stderr
    assert "lead" in proc.stdout + proc.stderr


def test_usage_errors_are_one_line_exit_2(cli: Cli) -> None:
    assert "Missing option '--source'" in cli.fails(2, "lead", "add", "王芳")
    assert "No such command" in cli.fails(2, "lead", "explode")
    assert "--format" in cli.fails(2, "lead", "list", "--format", "yaml")


def test_refusals_exit_1_and_bad_input_exit_2_without_traceback(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"SALESCLI_DB": str(tmp_path / "x.db"), "SALESCLI_DEBUG": "0"}
    missing = run_subprocess("lead", "show", "42", env=env)
    assert missing.returncode == 1
    assert missing.stderr == "error: lead 42 not found\n"
    bad = run_subprocess("lead", "add", "Li", "--source", "web", "--email", "nope", env=env)
    assert bad.returncode == 2
    assert bad.stderr.startswith("error: --email: 'nope' is not an email address")
    assert "Traceback" not in bad.stderr and bad.stderr.count("\n") == 1


def test_unreachable_postgres_is_one_line_and_hides_the_password() -> None:
    proc = run_subprocess("--db", "postgresql://sales:s3cret@127.0.0.1:1/crm", "lead", "list",
                          env={"SALESCLI_DEBUG": "0"})
    assert proc.returncode == 1
    assert "s3cret" not in proc.stderr and "PostgreSQL at 127.0.0.1:1 as sales, database crm" in proc.stderr
    assert proc.stderr.count("\n") == 1


def test_format_env_variable_applies(cli: Cli) -> None:
    cli.ok("rep", "add", "wang.fang", "--name", "王芳")
    run = cli("rep", "list", env={"SALESCLI_FORMAT": "json"})
    assert run.json()[0]["handle"] == "wang.fang"


def test_rep_add_list_and_refusals(cli: Cli) -> None:
    assert cli.ok("rep", "add", "Chen.Jing", "--name", "陈静", "--manager").stdout == "chen.jing\n"
    assert "already exists" in cli.fails(1, "rep", "add", "chen.jing", "--name", "again")
    assert "handle" in cli.fails(2, "rep", "add", "bad handle", "--name", "x")
    reps = cli.json("rep", "list")
    assert reps == [{"handle": "chen.jing", "name": "陈静", "email": None, "role": "manager", "active": True,
                     "created_at": reps[0]["created_at"]}]
    assert "no rep 'ghost'" in cli.fails(2, "--rep", "ghost", "lead", "list")


def test_debug_never_shows_a_password() -> None:
    proc = run_subprocess("--debug", "--db", "postgresql://sales:s3cret@127.0.0.1:1/crm", "lead", "list",
                          env={"SALESCLI_DEBUG": "1"})
    assert proc.returncode == 1 and "s3cret" not in proc.stdout + proc.stderr
    smtp = run_subprocess("--debug", "survey", "send", "--customer", "1",
                          env={"SALESCLI_SMTP_URL": "smtp://u:s3cret@127.0.0.1:1", "SALESCLI_DEBUG": "1",
                               "SALESCLI_DB": os.path.join(os.environ["HOME"], "s.db")})
    assert "s3cret" not in smtp.stdout + smtp.stderr


def test_config_set_get_unset_and_precedence(cli: Cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert cli.ok("config", "get", "tax_rate").stdout == "13\n"
    cli.ok("config", "set", "tax_rate", "6")
    assert cli.ok("config", "get", "tax_rate").stdout == "6.00\n"
    rows = {r["key"]: r for r in cli.json("config", "list")}
    assert rows["tax_rate"]["set"] is True and rows["currency"]["value"] == "CNY"
    assert "not a percentage" in cli.fails(2, "config", "set", "tax_rate", "six")
    assert "unknown setting" in cli.fails(2, "config", "set", "colour", "red")
    cli.ok("rep", "add", "wang", "--name", "王芳")
    cli.ok("config", "set", "default_rep", "wang")  # the config's rep acts when no --rep is given
    lead = cli.id("lead", "add", "A", "--source", "web")
    assert cli.json("lead", "show", str(lead))["owner"] == "wang"
    cli.ok("config", "unset", "default_rep")
    assert cli.json("lead", "show", str(cli.id("lead", "add", "B", "--source", "web")))["owner"] is None
    assert cli.ok("config", "path").stdout.strip().endswith("config.toml")
