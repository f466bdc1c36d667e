"""Imports on PostgreSQL go through COPY (issue 23; importers/pgcopy.py): the same rows, duplicates, search index,
audit and ids as the INSERT path, one transaction (a killed import leaves nothing), and under team mode's row
security (COPY FROM is refused for such tables: the rows go through a temporary table) the same rules as before,
checked by connecting as the rep's own login."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from salescli.importers import pgcopy
from tests.conftest import Cli, snapshot
from tests.test_search import index_rows
from tests.test_team_pg import Team, fresh  # noqa: F401  (the team fixture: a team database and its logins)


@pytest.fixture
def pg(pg_migrated_url: str) -> Cli:
    return Cli(pg_migrated_url)


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every COPY the import makes: (table, rows)."""
    made: list[tuple[str, int]] = []
    real = pgcopy.copy_rows

    def spy(conn: Any, table: str, names: Any, rows: Any) -> None:
        rows = rows if isinstance(rows, str) else list(rows)  # rows, or COPY text: a line each
        made.append((table, rows.count("\n") if isinstance(rows, str) else len(rows)))
        real(conn, table, names, rows)

    monkeypatch.setattr(pgcopy, "copy_rows", spy)
    return made


def _write(path: Path, rows: list[list[str]], header: tuple[str, ...] = ("name", "email", "phone", "source")) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_leads_go_in_by_copy_deduplicated_indexed_and_audited(pg: Cli, tmp_path: Path,
                                                              copies: list[tuple[str, int]]) -> None:
    stored = pg.id("lead", "add", "老客户", "--source", "web", "--email", "old@example.cn")
    data = _write(tmp_path / "leads.csv", [
        ["王芳", "wang@example.cn", "13800000001", "web"],
        ["旧的", "OLD@example.cn", "", "web"],  # the stored lead, by normalized email
        ["王芳二", "Wang@Example.cn", "", "web"],  # an earlier row of the file
        ["李雷", "", "+86 138-0000-0001", "展会"],  # the first row's phone
        ["韩梅梅", "han@example.cn", "", "referral"],
    ])
    run = pg.ok("import", "leads", str(data))
    assert "5 row(s): 2 were added, 0 updated, 3 skipped as duplicates, 0 rejected" in run.stderr
    assert copies == [("leads", 2), ("search_docs", 2)]  # one COPY each, no INSERT batches
    leads = {lead["name"]: lead for lead in pg.json("lead", "list")}
    assert set(leads) == {"老客户", "王芳", "韩梅梅"}
    assert sorted(lead["id"] for lead in leads.values()) == [stored, stored + 1, stored + 2]
    # the search index has the new rows under their ids
    found = pg.json("search", "韩梅梅")
    assert [(hit["type"], hit["id"]) for hit in found] == [("lead", leads["韩梅梅"]["id"])]
    assert [hit["id"] for hit in pg.json("search", "wang@example.cn")] == [leads["王芳"]["id"]]
    # the sequence moved past them: the next lead added by hand takes the next id
    assert pg.id("lead", "add", "手工", "--source", "web") == stored + 3
    audit = pg.rows("SELECT entity, action, after FROM audit_log WHERE entity = 'import'")
    assert len(audit) == 1 and '"add": 2' in audit[0][2] and '"skip": 3' in audit[0][2]
    # a re-run adds nothing and copies nothing
    copies.clear()
    assert "0 were added" in pg.ok("import", "leads", str(data)).stderr
    assert copies == [] and pg.count("leads") == 4


def test_a_big_file_in_many_chunks_matches_sqlite(pg: Cli, sqlite_cli: Cli, tmp_path: Path,
                                                  copies: list[tuple[str, int]]) -> None:
    """12,000 rows (three chunks, a reader process) with a duplicate every 7th row, some across chunks: the
    same leads, in the same order, and the same search terms as on SQLite."""
    rows = [[f"客户{i}", f"c{i % 11_000}@example.cn" if i % 7 else f"c{i - 5_000}@example.cn", "", "web"]
            for i in range(12_000)]
    data = _write(tmp_path / "big.csv", rows)
    sqlite_cli.ok("db", "upgrade")
    results = []
    for cli in (pg, sqlite_cli):
        out = cli.ok("import", "leads", str(data), "--quiet").stderr
        leads = cli.rows("SELECT id, name, email_key FROM leads ORDER BY id")
        terms = index_rows(cli, "kind = 1")
        results.append((out, leads, terms))
    assert results[0] == results[1]
    leads = [n for table, n in copies if table == "leads"]
    assert len(leads) >= 3 and sum(leads) == len(results[0][1])
    assert [n for table, n in copies if table == "search_docs"] == leads  # every row has terms here
    # the index's statistics grew with it (ANALYZE as the table grows), so searches plan against its real size
    assert pg.rows("SELECT reltuples >= 10000 FROM pg_class WHERE relname = 'search_docs'") == [(True,)]


def test_update_imports_stage_by_copy(pg: Cli, tmp_path: Path, copies: list[tuple[str, int]]) -> None:
    lead = pg.id("lead", "add", "张三", "--source", "web", "--email", "zhang@example.cn", "--company", "上海华信")
    data = _write(tmp_path / "up.csv", [["张三", "zhang@example.cn", "", "web", "杭州启明"],
                                        ["新人", "new@example.cn", "", "web", "北京"]],
                  header=("name", "email", "phone", "source", "company"))
    run = pg.ok("import", "leads", str(data), "--update")
    assert "1 were added, 1 updated" in run.stderr
    assert copies == [("import_leads", 2)]
    assert pg.json("lead", "show", str(lead))["company"] == "杭州启明"
    assert [hit["id"] for hit in pg.json("search", "杭州启明")] == [lead]
    assert pg.json("search", "上海华信") == []


def test_invalid_rows_leave_nothing_and_skip_invalid_copies_the_good_ones(pg: Cli, tmp_path: Path) -> None:
    data = _write(tmp_path / "bad.csv", [["好", "good@example.cn", "", "web"], ["坏", "not-an-email", "", "web"]])
    before = snapshot(pg)
    run = pg("import", "leads", str(data))
    assert run.exit_code == 2 and f"{data}:3: email:" in run.stderr
    assert snapshot(pg) == before
    rejects = tmp_path / "rejects.csv"
    pg.ok("import", "leads", str(data), "--skip-invalid", "--rejects", str(rejects))
    assert [lead["name"] for lead in pg.json("lead", "list")] == ["好"]
    assert "not-an-email" in rejects.read_text(encoding="utf-8")


def test_a_killed_import_leaves_nothing_and_ids_stay_right(pg: Cli, tmp_path: Path) -> None:
    """Killed after rows were copied (the sequence, which no rollback undoes, shows ids were taken): nothing is
    stored; a re-run completes it, and later inserts never collide with the ids the killed run took."""
    data = _write(tmp_path / "big.csv", [[f"客户{i}", f"k{i}@example.cn", "", "web"] for i in range(60_000)])
    proc = subprocess.Popen([sys.executable, "-m", "salescli", "--db", pg.db, "import", "leads", str(data)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
    deadline = time.monotonic() + 120
    taken = 0
    while proc.poll() is None and time.monotonic() < deadline:
        taken = int(pg.rows("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM leads_id_seq")[0][0])
        if taken >= 10_000:
            os.kill(proc.pid, signal.SIGKILL)
            break
        time.sleep(0.01)
    proc.wait()
    assert taken >= 10_000, "the import finished before it could be killed"
    assert pg.count("leads") == 0 and pg.count("search_docs") == 0
    assert "60000 were added" in pg.ok("import", "leads", str(data), "--quiet").stderr
    assert pg.id("lead", "add", "手工", "--source", "web") > int(pg.rows("SELECT max(id) FROM leads "
                                                                          "WHERE name <> '手工'")[0][0])
    assert pg.count("leads") == 60_001


def test_a_reps_import_under_row_security(fresh: Team, tmp_path: Path,  # noqa: F811
                                           copies: list[tuple[str, int]]) -> None:
    """As alice's own login: PostgreSQL refuses COPY FROM into a table with row security, so the rows are copied
    into a temporary table and inserted from there; the policies still hold (her rows only, no duplicates of
    what she cannot see decided for her), and searches find them."""
    fresh.add_rep("mgr", "经理", manager=True)
    mgr = fresh.cli("mgr")
    fresh.add_rep("alice", "艾丽斯", by=mgr)
    fresh.add_rep("bob", "鲍勃", by=mgr)
    alice, bob = fresh.cli("alice"), fresh.cli("bob")
    bob.id("lead", "add", "鲍勃的", "--source", "web", "--email", "shared@example.cn")
    data = _write(tmp_path / "mine.csv", [["甲", "a@example.cn", "", "web"], ["乙", "a@example.cn", "", "web"],
                                          ["丙", "shared@example.cn", "", "web"]])
    run = alice.ok("import", "leads", str(data))
    assert "3 row(s): 2 were added, 0 updated, 1 skipped" in run.stderr
    assert copies == [("import_copy_leads", 2), ("import_copy_search_docs", 2)]  # through staging: policies check
    mine = alice.json("lead", "list")
    assert sorted(lead["name"] for lead in mine) == ["丙", "甲"] and {lead["owner"] for lead in mine} == {"alice"}
    assert [hit["id"] for hit in alice.json("search", "丙")] == [m["id"] for m in mine if m["name"] == "丙"]
    assert [lead["name"] for lead in bob.json("lead", "list")] == ["鲍勃的"]
    # rows for another rep are still refused, nothing written
    owned = _write(tmp_path / "owned.csv", [["丁", "d@example.cn", "", "web", "bob"]],
                   header=("name", "email", "phone", "source", "owner"))
    before = snapshot(fresh.admin)
    run = alice("import", "leads", str(owned))
    assert run.exit_code == 2 and f"{owned}:2: owner:" in run.stderr
    assert snapshot(fresh.admin) == before
    # ...and COPY itself is the server's to refuse for her
    with psycopg.connect(fresh.url("alice"), autocommit=True) as conn, conn.cursor() as cursor, \
            pytest.raises(psycopg.errors.FeatureNotSupported), \
            cursor.copy("COPY leads (name, source, created_at, updated_at) FROM STDIN") as copy:
        copy.write_row(("x", "web", "2026-01-01", "2026-01-01"))
