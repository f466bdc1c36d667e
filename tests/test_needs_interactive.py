"""The guided needs intake on a real pseudo-terminal (pexpect): the same needs as the flags, Ctrl-C saves nothing."""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from pathlib import Path

import pexpect
import pytest

from tests.conftest import Cli


@pytest.fixture
def cli(sqlite_cli: Cli) -> Cli:
    """These tests are about SQLite itself (the file, its processes): SQLite only."""
    return sqlite_cli


@pytest.fixture
def deals(cli: Cli) -> tuple[int, int]:
    cli.ok("product", "add", "AB-100", "--name", "工业网关", "--price", "1200", "--cost", "700", "--lead-time-days",
           "30", "--category", "hardware")
    cli.ok("product", "add", "SW-1", "--name", "CRM 订阅", "--price", "3000", "--cost", "300")
    made = []
    for name in ("王芳", "李雷"):
        # dated before the needs (2026-11-10): nothing on a deal may be dated before the deal was created
        lead = cli.id("lead", "add", name, "--source", "web", "--company", f"{name}公司", "--date", "2026-11-01")
        made.append(cli.id("lead", "convert", str(lead), "--date", "2026-11-01"))
    return made[0], made[1]


def _spawn(db: Path, *args: str) -> pexpect.spawn:
    # PROMPT_TOOLKIT_NO_CPR: pexpect does not answer cursor-position requests; without it each prompt waits ~1 s
    env = {**os.environ, "TERM": "xterm", "LANG": "C.UTF-8", "SALESCLI_DEBUG": "0", "PROMPT_TOOLKIT_NO_CPR": "1"}
    child = pexpect.spawn(sys.executable, ["-m", "salescli", "--db", str(db), *args], env=env, encoding="utf-8",
                          dimensions=(40, 160), timeout=20)
    return child


def _answer(child: pexpect.spawn, prompt: str, keys: str) -> None:
    child.expect(prompt)
    time.sleep(0.15)  # let prompt_toolkit finish drawing before typing
    child.send(keys)


def _needs_rows(db: Path) -> int:
    return sqlite3.connect(db).execute("SELECT count(*) FROM needs").fetchone()[0]


def test_interactive_intake_stores_the_same_needs_as_flags(cli: Cli, db_path: Path, deals: tuple[int, int]) -> None:
    first, second = deals
    child = _spawn(db_path, "needs", "confirm", str(first), "--date", "2026-11-10")
    _answer(child, "Product", "网关")  # CJK text matches the middle of "AB-100 · 工业网关"
    time.sleep(0.3)
    child.send("\t\r")
    _answer(child, "Quantity of AB-100", "0\r")  # invalid: stays on the prompt with a message
    child.expect("not a positive whole number")
    child.send("\x7f3\r")
    _answer(child, "Target unit price", "1100\r")
    _answer(child, "Specification", "IP67\r")
    _answer(child, "Add another item", "y")
    _answer(child, "Product", "SW-1\r")
    _answer(child, "Quantity of SW-1", "2\r")
    _answer(child, "Target unit price", "\r")
    _answer(child, "Specification", "\r")
    _answer(child, "Add another item", "n")
    _answer(child, "Budget", "abc\r")
    child.expect("is not an amount")
    child.send("\x15" + "9000\r")
    _answer(child, "Deliver by", "2026-11-30\r")
    _answer(child, "Decision maker", "张总\r")
    _answer(child, "Pains", "交付周期紧\r")
    child.expect("needs 30 days lead time")  # findings are shown before saving
    _answer(child, "Save these needs", "y")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    cli.ok("needs", "confirm", str(second), "--item", "AB-100:3:1100", "--item", "SW-1:2", "--budget", "9000",
           "--deliver-by", "2026-11-30", "--decision-maker", "张总", "--notes", "交付周期紧", "--date", "2026-11-10")
    interactive, flags = cli.json("needs", "show", str(first)), cli.json("needs", "show", str(second))
    differ = ("id", "deal_id", "deal", "items")
    assert {k: v for k, v in interactive.items() if k not in differ} == {
        k: v for k, v in flags.items() if k not in differ}
    assert [{**i, "spec": None} for i in interactive["items"]] == flags["items"]
    assert interactive["items"][0]["spec"] == "IP67"


def test_ctrl_c_at_any_prompt_writes_nothing(db_path: Path, deals: tuple[int, int]) -> None:
    for steps in ([], [("Product", "SW-1\r"), ("Quantity", "2\r")],
                  [("Product", "SW-1\r"), ("Quantity", "2\r"), ("Target", "\r"), ("Specification", "\r"),
                   ("Add another", "n"), ("Budget", "10\r"), ("Deliver by", "+40d\r"), ("Decision", "\r"),
                   ("Pains", "\r"), ("Save these needs", "")]):
        child = _spawn(db_path, "needs", "confirm", str(deals[0]))
        for prompt, keys in steps:
            _answer(child, prompt, keys)
        if not steps:
            child.expect("Product")
        time.sleep(0.2)
        child.sendintr()
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 130, child.before
        assert "nothing" in child.before or "not saved" in child.before
        assert _needs_rows(db_path) == 0


def test_only_missing_fields_are_asked_and_declining_saves_nothing(db_path: Path, deals: tuple[int, int]) -> None:
    child = _spawn(db_path, "needs", "confirm", str(deals[0]), "--item", "SW-1:1", "--budget", "3000")
    _answer(child, "Deliver by", "+10d\r")
    _answer(child, "Decision maker", "\r")
    _answer(child, "Pains", "\r")
    _answer(child, "Save these needs", "n")
    child.expect("not saved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert _needs_rows(db_path) == 0


def test_no_terminal_means_no_prompt(db_path: Path, deals: tuple[int, int]) -> None:
    from tests.conftest import run_subprocess

    proc = run_subprocess("--db", str(db_path), "needs", "confirm", str(deals[0]), "--item", "SW-1:1",
                          env={"SALESCLI_DEBUG": "0"})
    assert proc.returncode == 2
    assert proc.stderr == "error: missing --budget, --deliver-by (no terminal to ask on, or --no-input)\n"
