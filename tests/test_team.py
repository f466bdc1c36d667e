"""Team mode and reliability: ownership, audit history, backups and restores, many writers at once, kills."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import Cli, snapshot


@pytest.fixture
def cli(sqlite_cli: Cli) -> Cli:
    """These tests are about SQLite itself (the file, its processes): SQLite only."""
    return sqlite_cli


@pytest.fixture
def team(cli: Cli) -> dict[str, object]:
    cli.ok("rep", "add", "wang", "--name", "王芳")
    cli.ok("rep", "add", "li", "--name", "李伟")
    cli.ok("rep", "add", "boss", "--name", "陈静", "--manager")
    cli.ok("product", "add", "P-1", "--name", "Widget", "--price", "100", "--cost", "50")
    lead = cli.id("--rep", "wang", "lead", "add", "客户甲", "--source", "web", "--company", "甲公司", "--date",
                  "2026-11-01")
    other = cli.id("--rep", "li", "lead", "add", "客户乙", "--source", "web", "--company", "乙公司")
    # dated before the writers' quotes (2026-11-29): nothing on a deal may be dated before the deal was created
    deal = cli.id("--rep", "wang", "lead", "convert", str(lead), "--date", "2026-11-01")
    quote = cli.ok("--rep", "wang", "quote", "create", str(deal), "--item", "P-1:2").stdout.strip()
    return {"lead": lead, "other": other, "deal": deal, "quote": quote}


def test_reps_change_only_their_own_records(cli: Cli, db_path: Path, team: dict[str, object]) -> None:
    lead, deal, quote = team["lead"], team["deal"], team["quote"]
    before = snapshot(db_path)
    refusals = [
        ("lead", "update", str(team["other"]), "--city", "上海"),
        ("lead", "log", str(team["other"]), "--kind", "call", "--summary", "x"),
        ("lead", "lose", str(team["other"]), "--reason", "x"),
        ("deal", "lose", str(deal), "--reason", "x"),
        ("needs", "confirm", str(deal), "--item", "P-1:1", "--budget", "100", "--deliver-by", "+30d"),
        ("demo", "log", str(deal), "--products", "P-1"),
        ("quote", "create", str(deal), "--item", "P-1:1"),
        ("quote", "revise", str(quote), "--discount", "1"),
        ("quote", "send", str(quote)),
    ]
    for args in refusals:
        line = cli.fails(1, "--rep", "li" if args[0] != "lead" else "wang", *args)
        assert "only its owner or a manager can change it" in line, args
    assert snapshot(db_path) == before
    cli.ok("--rep", "boss", "quote", "revise", str(quote), "--discount", "1")  # a manager may
    cli.ok("quote", "send", str(quote))  # a single user (no rep) is not restricted
    history = cli.json("history", "quote", str(quote))
    assert [(h["rep"], h["action"]) for h in history] == [("wang", "create"), ("boss", "revise"), (None, "sent")]
    assert cli.json("history", "lead", str(lead))[0]["after"]["name"] == "客户甲"
    assert "no history" in cli.fails(1, "history", "lead", "999")
    assert "not one of" in cli.fails(2, "history", "planet", "1")


def test_backup_restore_round_trip_and_refusal(cli: Cli, db_path: Path, team: dict[str, object],
                                               tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    cli.ok("db", "backup", str(copy))
    cli.ok("lead", "add", "after the backup", "--source", "web")
    assert "holds records" in cli.fails(1, "db", "restore", str(copy))
    cli.ok("db", "restore", str(copy), "--force")
    names = [r["name"] for r in cli.json("lead", "list")]
    assert "after the backup" not in names and "客户甲" in names
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    assert "not a salescli database" in cli.fails(2, "db", "restore", str(junk), "--force")
    assert "no such file" in cli.fails(2, "db", "restore", str(tmp_path / "none.db"))


WRITER = """
import sys
from datetime import datetime
from salescli.store import Store, resolve_url
from salescli.services import quotes
from salescli.domain.pricing import LineSpec, Policy
from decimal import Decimal

store = Store(resolve_url(sys.argv[1]))
deal, n = int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    with store.write() as conn:
        quotes.create(conn, deal, specs=[LineSpec("P-1", 1 + i)], from_needs=False, discount=Decimal(0),
                      tax_rate=Decimal(13), valid_days=30, at=datetime(2026, 11, 29), actor=None,
                      policy=Policy(Decimal(15), Decimal(10)), currency="CNY")
"""


def _many_writers(db: str, deal: object, tmp_path: Path, writers: int = 8, each: int = 15) -> list[str]:
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    procs = [subprocess.Popen([sys.executable, str(script), db, str(deal), str(each)], stderr=subprocess.PIPE,
                              text=True) for _ in range(writers)]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * writers, errors
    assert not any("locked" in e for e in errors)
    return [q["number"] for q in Cli(db).json("quote", "list", "--revisions")]


def test_eight_writers_never_duplicate_numbers_sqlite(cli: Cli, db_path: Path, team: dict[str, object],
                                                      tmp_path: Path) -> None:
    numbers = _many_writers(str(db_path), team["deal"], tmp_path)
    assert len(numbers) == 1 + 8 * 15 and len(set(numbers)) == len(numbers)
    assert sorted(numbers) == [f"Q-2026-{i:04d}" for i in range(1, 122)]  # gap-free too


def test_eight_writers_never_duplicate_numbers_postgres(pg_url: str, tmp_path: Path) -> None:
    cli = Cli(pg_url)
    cli.ok("product", "add", "P-1", "--name", "Widget", "--price", "100", "--cost", "50")
    lead = cli.id("lead", "add", "X", "--source", "web", "--date", "2026-11-01")
    deal = cli.id("lead", "convert", str(lead), "--date", "2026-11-01")  # before the writers' quotes
    numbers = _many_writers(pg_url, deal, tmp_path)
    assert len(numbers) == 8 * 15 and len(set(numbers)) == len(numbers)
    assert sorted(numbers) == [f"Q-2026-{i:04d}" for i in range(1, 121)]


REVISER = """
import sys
from datetime import datetime
from decimal import Decimal
from salescli.store import Store, resolve_url
from salescli.services import quotes
from salescli.domain.pricing import LineSpec, Policy

store = Store(resolve_url(sys.argv[1]))
i = 0
while True:
    i += 1
    with store.write() as conn:
        quotes.revise(conn, sys.argv[2], specs=[LineSpec("P-1", 1 + i % 50)], remove=[], discount=None,
                      tax_rate=None, valid_days=None, note=f"r{i}", at=datetime(2026, 11, 29), actor=None,
                      policy=Policy(Decimal(15), Decimal(10)))
"""


def test_sigkill_during_quote_revisions_keeps_quotes_whole(cli: Cli, db_path: Path, team: dict[str, object],
                                                           tmp_path: Path) -> None:
    script = tmp_path / "reviser.py"
    script.write_text(REVISER)
    rnd = random.Random(5)
    for _ in range(6):
        proc = subprocess.Popen([sys.executable, str(script), str(db_path), str(team["quote"])],
                                stderr=subprocess.DEVNULL)
        time.sleep(rnd.uniform(0.6, 1.4))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        conn = sqlite3.connect(db_path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        revisions = conn.execute("SELECT revision, status FROM quotes WHERE number = ? ORDER BY revision",
                                 (team["quote"],)).fetchall()
        assert [r for r, _ in revisions] == list(range(1, len(revisions) + 1))  # no gap, no half revision
        assert [s for _, s in revisions[:-1]] == ["superseded"] * (len(revisions) - 1)
        assert revisions[-1][1] == "draft"
        lines = conn.execute("SELECT count(*) FROM quote_lines l JOIN quotes q ON q.id = l.quote_id "
                             "WHERE q.number = ? GROUP BY q.id", (team["quote"],)).fetchall()
        assert all(n == 1 for (n,) in lines) and len(lines) == len(revisions)
        conn.close()
    cli.ok("quote", "revise", str(team["quote"]), "--note", "after the kills")  # and work goes on
