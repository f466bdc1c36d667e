"""Several processes writing at once: no lost updates and no 'database is locked' (the BEGIN IMMEDIATE recipe)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Cli


@pytest.fixture
def cli(sqlite_cli: Cli) -> Cli:
    """These tests are about SQLite itself (the file, its processes): SQLite only."""
    return sqlite_cli

WORKER = """
import sys
from sqlalchemy import select, update, insert
from salescli import models
from salescli.store import Store, resolve_url
from salescli.services import leads
from datetime import datetime

store = Store(resolve_url(sys.argv[1]))
worker, n = int(sys.argv[2]), int(sys.argv[3])
C = models.counters
for i in range(n):
    with store.write() as conn:  # read-then-write: the classic lost update without IMMEDIATE
        last = conn.execute(select(C.c.last).where(C.c.kind == "test", C.c.year == 2026)).scalar_one()
        conn.execute(update(C).where(C.c.kind == "test", C.c.year == 2026).values(last=last + 1))
    with store.write() as conn:
        leads.add(conn, values={"name": f"w{worker}-{i}", "source": "web"}, owner_id=None, follow_up=None,
                  at=datetime(2026, 11, 29), actor=None, region="CN")
"""


def test_parallel_writers_lose_nothing(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    cli.ok("db", "upgrade")
    conn = sqlite3.connect(db_path)
    conn.execute("INSERT INTO counters (kind, year, last) VALUES ('test', 2026, 0)")
    conn.commit()
    workers, writes = 6, 40
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    procs = [subprocess.Popen([sys.executable, str(script), str(db_path), str(w), str(writes)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for w in range(workers)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * workers, errors
    assert conn.execute("SELECT last FROM counters WHERE kind = 'test'").fetchone()[0] == workers * writes
    assert conn.execute("SELECT count(*) FROM leads").fetchone()[0] == workers * writes
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
