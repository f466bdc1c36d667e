"""salescli shell in a real terminal (pexpect) and with piped commands: the same output and exit codes as
one-shot commands, completion from the database, Ctrl-C and Ctrl-D, a private history."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from tests.conftest import Cli, run_like_a_process


@pytest.fixture
def env(tmp_path: Path, sqlite_cli: Cli) -> dict[str, str]:
    sqlite_cli.ok("rep", "add", "wang.fang", "--name", "王芳")
    sqlite_cli.ok("rep", "add", "li.wei", "--name", "李伟")
    sqlite_cli.ok("--rep", "wang.fang", "lead", "add", "周强", "--source", "web", "--company", "深圳长城商贸有限公司")
    sqlite_cli.ok("--rep", "li.wei", "lead", "add", "黄军", "--source", "referral", "--company", "西安天成")
    sqlite_cli.ok("product", "add", "GW-100", "--name", "工业网关", "--price", "1200", "--cost", "700")
    return {**os.environ, "SALESCLI_DB": sqlite_cli.db, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "xterm",
            "SALESCLI_DEBUG": "", "PROMPT_TOOLKIT_NO_CPR": "1"}


def _in_process(env: dict[str, str], *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """What ``python -m salescli ARGS`` prints and exits with, run in this process (run_like_a_process); the real
    process is started below where it matters: a terminal, and one piped session (--keep-going)."""
    run = run_like_a_process(*args, env=env, input=input)
    return subprocess.CompletedProcess(list(args), run.exit_code, run.stdout, run.stderr)


def _piped(env: dict[str, str], text: str, *args: str) -> subprocess.CompletedProcess[str]:
    return _in_process(env, *args, "shell", input=text)


def _one_shot(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return _in_process(env, *args)


def test_piped_lines_print_what_one_shot_commands_print(env: dict[str, str]) -> None:
    lines = ["lead list --format json", "customer list --format csv", "--rep li.wei lead list --format json"]
    inside = _piped({**env, "SALESCLI_REP": "wang.fang"}, "\n".join(lines[:2]) + "\n")
    assert inside.returncode == 0, inside.stderr
    expected = "".join(_one_shot({**env, "SALESCLI_REP": "wang.fang"}, *line.split()).stdout for line in lines[:2])
    assert inside.stdout == expected
    assert "周强" in inside.stdout and "黄军" not in inside.stdout  # wang.fang's leads only, as one-shot
    fixed = _piped(env, lines[2] + "\n")
    assert fixed.returncode == 2 and "--rep is fixed for the session" in fixed.stderr


def test_piped_script_stops_at_the_first_failure_with_its_code(env: dict[str, str], sqlite_cli: Cli) -> None:
    script = "lead add 甲 --source web\nlead show 99999\nlead add 乙 --source web\n"
    run = _piped(env, script)
    assert run.returncode == 1
    assert run.stderr.splitlines()[-2:] == ["error: lead 99999 not found",
                                            "error: stopped at line 2 (exit 1); the lines after it did not run"]
    names = {lead["name"] for lead in sqlite_cli.json("lead", "list")}
    assert "甲" in names and "乙" not in names
    run = _piped(env, "lead add 丙 --source bogus\nlead add 丁 --source web\n# a comment\n\n", "--rep", "wang.fang")
    assert run.returncode == 2  # stopped: the bad source is exit 2, as one-shot
    run = subprocess.run([sys.executable, "-m", "salescli", "shell", "--keep-going"], env=env, text=True,
                         input="lead add 丙 --source bogus\nlead add 丁 --source web\n", capture_output=True)
    assert run.returncode == 2 and "丁" in {lead["name"] for lead in sqlite_cli.json("lead", "list")}
    assert _piped(env, 'lead add "unclosed\n').returncode == 2


def test_use_rep_switches_who_acts_and_checks_the_handle(env: dict[str, str]) -> None:
    run = _piped(env, "use rep li.wei\nlead list --format json\nuse rep nobody\n")
    assert run.returncode == 2 and "黄军" in run.stdout and "周强" not in run.stdout
    assert "acting as li.wei" in run.stderr and "no rep 'nobody'" in run.stderr


def test_a_real_terminal_session(env: dict[str, str], sqlite_cli: Cli, tmp_path: Path) -> None:
    child = pexpect.spawn(sys.executable, ["-m", "salescli", "--rep", "wang.fang", "shell"], env=env,
                          encoding="utf-8", timeout=30, dimensions=(40, 100))
    try:
        child.expect("wang.fang@salescli>")
        child.sendline("lead list --format plain")
        child.expect("周强")
        child.expect("wang.fang@salescli>")
        child.sendline("lead show 99999")  # an error: one line, and the shell goes on
        child.expect("error: lead 99999 not found")
        child.expect("wang.fang@salescli>")
        child.send("lead sh\t")  # commands complete
        child.expect(r"lead sh(?:\x1b\[[0-9;?]*[A-Za-z])*ow")  # the terminal may redraw between the two parts
        child.send("\t")  # then the lead ids, with their names
        child.expect("深圳长城商贸有限公司")
        child.send("\x03")  # Ctrl-C: the line is dropped, nothing runs
        child.expect("wang.fang@salescli>")
        child.send("quote create 1 --item G\t")  # an option's value: SKUs from the catalog
        child.expect("W-100")  # G completed to GW-100
        child.send("\x03")
        child.expect("wang.fang@salescli>")
        child.sendline("lead add 新客户 --source web --format json")
        child.expect('"name": "新客户"')  # the command ran (its prompt line is redrawn before it runs)
        child.expect("wang.fang@salescli>")
        child.waitnoecho(timeout=10)  # the next prompt reads keys (a Ctrl-D typed before that was lost: CI once)
        child.sendeof()  # Ctrl-D leaves with the last command's exit code
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    assert sqlite_cli.count("quotes") == 0  # the cancelled quote line never ran
    names = [lead["name"] for lead in sqlite_cli.json("lead", "list")]
    assert names.count("新客户") == 1
    history = Path(env["XDG_DATA_HOME"]) / "salescli" / "shell_history"  # the isolated HOME of conftest
    assert history.is_file() and stat.S_IMODE(history.stat().st_mode) == 0o600
    assert "lead add 新客户 --source web" in history.read_text(encoding="utf-8")


def test_a_hash_inside_a_value_is_text_not_a_comment(env: dict[str, str], sqlite_cli: Cli) -> None:
    run = _piped(env, "# a comment line\nlead add 'C# 开发' --source web --company 路#3号\n  # indented comment\n")
    assert run.returncode == 0, run.stderr
    added = [lead for lead in sqlite_cli.json("lead", "list") if lead["name"] == "C# 开发"]
    assert len(added) == 1 and added[0]["company"] == "路#3号"
    assert "no rep '-'" in _piped(env, "use rep -\n").stderr  # no way to claim to be nobody
