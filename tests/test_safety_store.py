"""What ``--db`` can point at, and what the database can say back: a foreign, truncated or damaged file, a device,
a read-only file or mount, a full disk, a newer schema, PostgreSQL's own errors. Every case is one line with the
right exit code, nothing written, nothing left behind (no ``/dev/null-journal``, no ``.part`` file), and never the
SQL statement or its parameters."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Case, Cli, check_refusals, run_subprocess, snapshot

LEADS = 3000  # enough for a multi-page file (about 220 pages of 4 KB)


def make_database(path: Path, leads: int = LEADS) -> Path:
    """A real salescli database with ``leads`` imported leads."""
    rows = "".join(f"Lead {i},web,l{i}@example.com,Company {i}\n" for i in range(leads))
    source = path.with_suffix(".csv")
    source.write_text("name,source,email,company\n" + rows, encoding="utf-8")
    Cli(str(path)).ok("import", "leads", str(source))
    source.unlink()
    assert not Path(f"{path}-wal").exists()
    return path


def corrupt_leads_table(path: Path) -> None:
    """Overwrite the root page of the leads table (in the middle of the file) with garbage."""
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'leads'").fetchone()[0]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    assert 1 < root < pages
    with open(path, "r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(bytes([0xA5]) * page_size)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def side_files(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name + "-"))


@pytest.fixture
def bad_files(tmp_path: Path) -> Path:
    """Files that are not usable salescli databases, beside the test."""
    (tmp_path / "notes.txt").write_text("Meeting notes: call 王芳 on Monday\n", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.db")
    (tmp_path / "null-link.db").symlink_to("/dev/null")
    other = sqlite3.connect(tmp_path / "other.sqlite")
    other.execute("CREATE TABLE bookmarks (url TEXT)")
    other.commit()
    other.close()
    newer = tmp_path / "newer.db"
    Cli(str(newer)).ok("lead", "list")
    raw = sqlite3.connect(newer)
    raw.execute("UPDATE alembic_version SET version_num = '9999'")
    raw.commit()
    raw.close()
    damaged = make_database(tmp_path / "damaged.db")
    corrupt_leads_table(damaged)
    truncated = make_database(tmp_path / "truncated.db")
    with open(truncated, "r+b") as fh:
        fh.truncate(truncated.stat().st_size // 2)
    return tmp_path


# Cases on any backend: another --db given after the test's own (the last one counts); the test's database stays
# unchanged.
CASES: list[Case] = [
    (2, ["--db", "/dev/null", "lead", "list"], "/dev/null is not a regular file"),
    (2, ["--db", "/dev/null", "lead", "add", "A", "--source", "web"], "/dev/null is not a regular file"),
    (2, ["--db", "/dev/null", "db", "upgrade"], "is not a regular file"),
    (2, ["--db", "{tmp}/null-link.db", "lead", "list"], "/dev/null is not a regular file"),
    (2, ["--db", "{tmp}/pipe.db", "lead", "list"], "is not a regular file"),
    (2, ["--db", "{tmp}", "lead", "list"], "is a folder"),
    (2, ["--db", "{tmp}/notes.txt/sales.db", "lead", "list"], "is not a folder"),
    (2, ["--db", "{tmp}/notes.txt", "lead", "list"], "notes.txt is not a salescli database (or is damaged)"),
    (2, ["--db", "{tmp}/notes.txt", "lead", "add", "A", "--source", "web"], "is not a salescli database"),
    (2, ["--db", "{tmp}/notes.txt", "db", "upgrade"], "is not a salescli database"),
    (2, ["--db", "{tmp}/notes.txt", "db", "backup", "{tmp}/copy.db"], "is not a salescli database"),
    (2, ["--db", "{tmp}/other.sqlite", "lead", "add", "A", "--source", "web"], "holds another program's tables"),
    (2, ["--db", "{tmp}/other.sqlite", "db", "upgrade"], "holds another program's tables"),
    (1, ["--db", "{tmp}/newer.db", "db", "upgrade"], "newer than this salescli knows"),
    (1, ["--db", "{tmp}/newer.db", "lead", "add", "A", "--source", "web"], "newer than this salescli knows"),
    (1, ["--db", "{tmp}/truncated.db", "lead", "list"], "is damaged (truncated"),
    (1, ["--db", "{tmp}/truncated.db", "lead", "add", "A", "--source", "web"], "is damaged (truncated"),
    (1, ["--db", "{tmp}/damaged.db", "lead", "list"], "is damaged (database disk image is malformed)"),
    (1, ["--db", "{tmp}/damaged.db", "lead", "add", "A", "--source", "web"], "is damaged"),
    (1, ["--db", "{tmp}/damaged.db", "db", "backup", "{tmp}/copy.db"], "it was not backed up"),
    (2, ["--db", "{tmp}/no-such.db", "db", "check"], "no database at"),
]

# Cases about the test's own SQLite file ("{db}").
SQLITE_CASES: list[Case] = [
    (2, ["db", "backup", "{db}"], "is the database"),
    (2, ["db", "backup", "{db}", "--force"], "is the database"),
    (2, ["db", "backup", "{db}-wal", "--force"], "is the database or its journal"),
    (1, ["db", "backup", "{tmp}/existing.bak"], "exists; use --force"),
    (2, ["db", "backup", "{tmp}/link.bak", "--force"], "symbolic link"),
    (2, ["db", "backup", "{tmp}/no/such/folder/copy.db"], "no such folder"),
    (2, ["db", "backup", "/dev/null", "--force"], "not a regular file"),
    (2, ["db", "backup", "{tmp}", "--force"], "is a folder"),
    (2, ["db", "restore", "{tmp}/notes.txt"], "is not a salescli database"),
    (2, ["db", "restore", "{tmp}/damaged.db", "--force"], "is not a usable salescli database"),
]


def test_refusals_on_any_backend(cli: Cli, bad_files: Path) -> None:
    cli.ok("lead", "add", "甲", "--source", "web")
    before = {name: digest(bad_files / name) for name in ("notes.txt", "other.sqlite", "damaged.db", "truncated.db")}
    check_refusals(cli, CASES, bad_files)
    assert {name: digest(bad_files / name) for name in before} == before
    for name in ("notes.txt", "other.sqlite", "pipe.db", "damaged.db", "truncated.db"):
        assert side_files(bad_files / name) == [], name  # SQLite created no -journal/-wal/-shm beside them
    assert not (bad_files / "copy.db").exists()
    assert not list(bad_files.glob(".*.part*"))
    assert not (bad_files / "no-such.db").exists()  # db check never creates a database


def test_refusals_about_the_sqlite_file(sqlite_cli: Cli, db_path: Path, bad_files: Path) -> None:
    sqlite_cli.ok("lead", "add", "甲", "--source", "web")
    (bad_files / "existing.bak").write_text("keep me\n", encoding="utf-8")
    (bad_files / "target.txt").write_text("not yours\n", encoding="utf-8")
    (bad_files / "link.bak").symlink_to(bad_files / "target.txt")
    check_refusals(sqlite_cli, SQLITE_CASES, bad_files, db=str(db_path))
    assert (bad_files / "existing.bak").read_text(encoding="utf-8") == "keep me\n"
    assert (bad_files / "target.txt").read_text(encoding="utf-8") == "not yours\n"
    assert not list(bad_files.glob(".*.part*"))
    assert sqlite_cli.json("lead", "list")[0]["name"] == "甲"


def test_dev_null_is_never_opened_by_sqlite(sqlite_cli: Cli) -> None:
    existed = Path("/dev/null-journal").exists()
    for args in (["lead", "add", "A", "--source", "web"], ["db", "upgrade"], ["lead", "list"]):
        assert "is not a regular file" in sqlite_cli.fails(2, "--db", "/dev/null", *args)
    if not existed:
        assert not Path("/dev/null-journal").exists()
        assert not Path("/dev/null-wal").exists()


def test_the_database_is_the_file_named_even_with_url_characters(tmp_path: Path) -> None:
    """'?' ends a URL's file name and '%20' decodes to a space: the database went to another file."""
    folder = tmp_path / "销售 #1?"
    folder.mkdir()
    db = folder / "a?b%20c.db"
    Cli(str(db)).ok("lead", "add", "甲", "--source", "web")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "销售 #1?"]
    assert sorted(p.name for p in folder.iterdir()) == ["a?b%20c.db"]
    Cli(str(db)).ok("db", "backup", str(folder / "copy%3F.db"))
    assert sqlite3.connect(folder / "copy%3F.db").execute("SELECT name FROM leads").fetchall() == [("甲",)]


def test_foreign_file_is_named_and_left_alone(sqlite_cli: Cli, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n" * 100, encoding="utf-8")
    run = run_subprocess("--db", str(notes), "lead", "list")
    assert run.returncode == 2
    assert run.stderr == (f"error: {notes} is not a salescli database (or is damaged): check --db, run "
                          "'salescli db check', or restore a backup with 'salescli db restore FILE'\n")
    assert notes.read_text(encoding="utf-8") == "not a database\n" * 100
    assert side_files(notes) == []


def test_truncated_database(sqlite_cli: Cli, tmp_path: Path) -> None:
    db = make_database(tmp_path / "t.db")
    size = db.stat().st_size
    with open(db, "r+b") as fh:
        fh.truncate(size // 2)
    half = digest(db)
    cli = Cli(str(db))
    for args in (["lead", "list"], ["lead", "add", "A", "--source", "web"], ["db", "backup", str(tmp_path / "c.db")]):
        line = cli.fails(1, *args)
        assert f"{db} is damaged (truncated: {size // 2:,} of {size:,} bytes)" in line
        assert "salescli db restore FILE" in line
    run = cli("db", "check")
    assert run.exit_code == 1
    assert f"problem: truncated: {size // 2:,} of {size:,} bytes" in run.stderr
    assert digest(db) == half
    assert not (tmp_path / "c.db").exists()


def test_corrupted_page_is_reported_and_nothing_is_written_or_backed_up(tmp_path: Path) -> None:
    db = make_database(tmp_path / "c.db")
    good = tmp_path / "good.bak"
    cli = Cli(str(db))
    cli.ok("db", "backup", str(good))
    corrupt_leads_table(db)
    damaged = digest(db)
    assert "is damaged (database disk image is malformed)" in cli.fails(1, "lead", "list")
    assert "is damaged" in cli.fails(1, "lead", "add", "New", "--source", "web")
    line = cli.fails(1, "db", "backup", str(tmp_path / "copy.db"))
    assert "is damaged (" in line and "it was not backed up" in line and "db restore FILE" in line
    assert not (tmp_path / "copy.db").exists() and not list(tmp_path.glob(".*.part*"))
    assert digest(db) == damaged

    run = cli("db", "check", "--format", "json")
    assert run.exit_code == 1
    report = json.loads(run.stdout)
    assert report["ok"] is False and report["problems"]
    problems = [line for line in run.error_lines if line.startswith("problem: ")]
    assert 1 <= len(problems) <= 10 and run.error_lines[-1].startswith("error: ")
    assert "failed the check" in run.error_lines[-1] and len(run.error_lines) == len(problems) + 1

    assert "holds records; use --force" in cli.fails(1, "db", "restore", str(good))
    cli.ok("db", "restore", str(good), "--force")
    assert cli.json("db", "check")["ok"] is True
    assert len(cli.json("lead", "list", "--limit", "5000")) == LEADS


def test_restore_replaces_a_file_that_is_not_a_database_only_with_force(tmp_path: Path) -> None:
    good = make_database(tmp_path / "good.db", leads=10)
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"\x00garbage" * 1000)
    cli = Cli(str(broken))
    assert "use --force to replace it" in cli.fails(1, "db", "restore", str(good))
    assert broken.read_bytes() == b"\x00garbage" * 1000
    cli.ok("db", "restore", str(good), "--force")
    assert stat.S_IMODE(broken.stat().st_mode) == 0o600
    assert len(cli.json("lead", "list")) == 10
    assert not list(tmp_path.glob(".*.part*"))


def test_db_check_says_what_it_checked(cli: Cli) -> None:
    cli.ok("lead", "add", "甲", "--source", "web")
    report = cli.json("db", "check")
    assert report["ok"] is True and report["schema_status"] == "current"
    if cli.db.startswith("postgres"):
        assert report["checked"] == "connection, schema revision, tables present"
        assert "***" not in report["database"] and report["server"].startswith("PostgreSQL")
    else:
        assert report["checked"] == "integrity_check, foreign_key_check, schema revision"


def test_db_check_finds_broken_references(sqlite_cli: Cli, db_path: Path) -> None:
    lead = sqlite_cli.id("lead", "add", "甲", "--source", "web")
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE leads SET owner_id = 999 WHERE id = ?", (lead,))  # foreign keys are off in this connection
    raw.commit()
    raw.close()
    run = sqlite_cli("db", "check")
    assert run.exit_code == 1
    assert "problem: foreign_key_check: leads row 1 refers to a missing reps row" in run.stderr


def test_upgrade_of_a_newer_database_is_one_line_and_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    cli.ok("lead", "add", "甲", "--source", "web")
    cli.rows("UPDATE alembic_version SET version_num = '9999'")
    before = snapshot(cli)
    line = cli.fails(1, "db", "upgrade")
    assert "has schema 9999, newer than this salescli knows; upgrade salescli" in line
    assert cli.rows("SELECT version_num FROM alembic_version") == [("9999",)]
    assert snapshot(cli) == before
    assert not list(tmp_path.glob("*.bak"))
    assert cli.json("db", "check")["schema_status"] == "newer than this salescli: upgrade salescli"


# -- read-only databases ----------------------------------------------------------------------------------------


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder outside pytest's private tmp (0700 for root) that an unprivileged user can reach."""
    folder = Path(tempfile.mkdtemp(prefix="salescli-ro-", dir="/tmp"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in folder.rglob("*"):
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(folder)


NOBODY = 65534


def as_reader(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """salescli as a real process of a user who cannot write the database: ``nobody`` when the tests run as root
    (root writes any file whatever its mode), else the test's own user."""
    command = [sys.executable, "-m", "salescli", *args]
    if os.geteuid() == 0:
        command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"),
           "XDG_CONFIG_HOME": str(home / "config")}
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=60, cwd=home)


def reader_available(home: Path) -> None:
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root, and setpriv (util-linux) is missing to run as a user who cannot write")
        probe = as_reader("--version", home=home)
        if probe.returncode != 0:
            pytest.skip(f"running as root and cannot run salescli as uid {NOBODY}: {probe.stderr.strip()[:200]}")


@pytest.mark.parametrize("case", ["file", "folder"])
def test_read_only_database_reads_and_refuses_writes_in_one_line(shared_dir: Path, case: str) -> None:
    """``file``: the file is not writable, its folder is (SQLite creates -wal/-shm, opened mode=ro).
    ``folder``: the file is writable, its folder is not and holds no -wal/-shm (only immutable=1 can read it)."""
    home = shared_dir / "home"
    home.mkdir()
    home.chmod(0o777)
    data = shared_dir / "data"
    data.mkdir()
    db = data / "sales.db"
    Cli(str(db)).ok("lead", "add", "王芳", "--source", "web", "--company", "杭州启明")
    reader_available(home)
    root = os.geteuid() == 0
    if case == "file":
        db.chmod(0o444)
        if root:
            os.chown(data, NOBODY, NOBODY)  # nobody may create files beside the database, not write the database
        data.chmod(0o755)
        reason = "the file is not writable"
    else:
        db.chmod(0o644)
        if root:
            os.chown(db, NOBODY, NOBODY)
        data.chmod(0o555)
        reason = f"its folder {data} is not writable"
    before = digest(db)

    listed = as_reader("--db", str(db), "lead", "list", "--format", "json", home=home)
    assert listed.returncode == 0, listed.stderr
    assert [row["name"] for row in json.loads(listed.stdout)] == ["王芳"]

    added = as_reader("--db", str(db), "lead", "add", "B", "--source", "web", home=home)
    assert added.returncode == 1, added.stderr
    assert added.stderr == (f"error: the database {db} is read-only ({reason}): nothing was saved; "
                            "read commands still work\n")
    upgraded = as_reader("--db", str(db), "db", "upgrade", home=home)
    assert upgraded.returncode == 1 and "is read-only" in upgraded.stderr and upgraded.stderr.count("\n") == 1

    checked = as_reader("--db", str(db), "db", "check", "--format", "json", home=home)
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["ok"] is True

    copy = home / "copy.db"
    backed = as_reader("--db", str(db), "db", "backup", str(copy), home=home)
    assert backed.returncode == 0, backed.stderr
    conn = sqlite3.connect(copy)
    assert conn.execute("SELECT name FROM leads").fetchall() == [("王芳",)]
    conn.close()

    assert digest(db) == before
    if case == "folder":
        assert sorted(p.name for p in data.iterdir()) == ["sales.db"]


def in_mount_namespace(script: str, tmp_path: Path) -> dict[str, str]:
    """Run a shell script in a private mount namespace (root: its mounts vanish with it, even if the test dies);
    returns the ``key=value`` lines it printed. Skips where mounting is not allowed."""
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare to mount a read-only or a tiny file system")
    salescli = " ".join(shlex.quote(p) for p in (sys.executable, "-m", "salescli"))
    header = f"set -u\ncd {shlex.quote(str(tmp_path))}\nS={shlex.quote(salescli)}\n"
    run = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", header + script],
                         capture_output=True, text=True, timeout=120, env=dict(os.environ))
    if "MOUNT-FAILED" in run.stdout:
        pytest.skip(f"mounting is not allowed here: {run.stderr.strip()[:200]}")
    assert run.returncode == 0, run.stderr
    return dict(line.split("=", 1) for line in run.stdout.splitlines() if "=" in line)


def test_database_on_a_read_only_mount(tmp_path: Path) -> None:
    """A read-only mount stops root too: reads work (immutable=1, no -wal/-shm can be made), writes are one line."""
    (tmp_path / "src").mkdir()
    (tmp_path / "ro").mkdir()
    (tmp_path / "out").mkdir()
    Cli(str(tmp_path / "src" / "sales.db")).ok("lead", "add", "王芳", "--source", "web")
    before = digest(tmp_path / "src" / "sales.db")
    result = in_mount_namespace(
        "mount --bind src ro && mount -o remount,bind,ro ro || { echo MOUNT-FAILED; exit 0; }\n"
        "$S --db ro/sales.db lead list --format json > out/list.json 2> out/list.err; echo list=$?\n"
        "$S --db ro/sales.db lead add B --source web > out/add.out 2> out/add.err; echo add=$?\n"
        "$S --db ro/sales.db db check > out/check.out 2> out/check.err; echo check=$?\n"
        "$S --db ro/sales.db db backup out/copy.db 2> out/backup.err; echo backup=$?\n", tmp_path)
    out = tmp_path / "out"
    assert result == {"list": "0", "add": "1", "check": "0", "backup": "0"}, [
        (p.name, p.read_text()) for p in out.glob("*.err")]
    assert [row["name"] for row in json.loads((out / "list.json").read_text())] == ["王芳"]
    assert (out / "add.err").read_text() == (
        f"error: the database {tmp_path}/ro/sales.db is read-only (it is on a read-only file system): nothing was "
        "saved; read commands still work\n")
    assert (out / "add.out").read_text() == ""
    assert digest(tmp_path / "src" / "sales.db") == before
    assert sorted(p.name for p in (tmp_path / "src").iterdir()) == ["sales.db"]


def test_full_disk_says_so_saves_nothing_and_leaves_no_part_file(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "out").mkdir()
    src = tmp_path / "src.db"
    Cli(str(src)).ok("lead", "add", "王芳", "--source", "web")
    result = in_mount_namespace(
        "mount -t tmpfs -o size=1m tmpfs m || { echo MOUNT-FAILED; exit 0; }\n"
        "cp src.db m/s.db\n"
        "$S --db m/s.db lead list --format json > out/before.json 2> out/before.err; echo before=$?\n"
        "head -c 2000000 /dev/zero > m/fill 2> /dev/null; echo fill=$?\n"
        "$S --db m/s.db lead add B --source web > out/add.out 2> out/add.err; echo add=$?\n"
        "$S --db src.db db backup m/copy.db 2> out/backup.err; echo backup=$?\n"
        "ls -a m > out/listing\n"
        "rm m/fill\n"
        "$S --db m/s.db lead list --format json > out/after.json 2> out/after.err; echo after=$?\n", tmp_path)
    out = tmp_path / "out"
    assert result == {"before": "0", "fill": "1", "add": "1", "backup": "2", "after": "0"}, [
        (p.name, p.read_text()) for p in out.glob("*.err")]
    assert (out / "add.err").read_text() == (
        f"error: the disk holding {tmp_path}/m/s.db is full: nothing was saved; free some space and try again\n")
    assert (out / "backup.err").read_text() == (
        f"error: db backup: the disk is full writing {tmp_path}/m/copy.db; nothing was written\n")
    listing = (out / "listing").read_text().split()
    assert "copy.db" not in listing and not [name for name in listing if ".part" in name], listing
    assert json.loads((out / "after.json").read_text()) == json.loads((out / "before.json").read_text())


# -- errors the database reports --------------------------------------------------------------------------------

MARKER = "Zhang-San-138-0013-8000"  # customer data that must never reach stderr


def test_postgres_errors_are_one_line_without_statement_or_data(pg_url: str) -> None:
    from sqlalchemy import text

    from salescli.errors import InputError, StoreError
    from salescli.store import Store, resolve_url

    store = Store(resolve_url(pg_url))
    insert = text("INSERT INTO reps (handle, name, role, active, created_at) VALUES (:h, :n, 'rep', true, now())")
    try:
        with pytest.raises(InputError) as too_long, store.write() as conn:  # DataError: value too long
            conn.execute(insert, {"h": "h" * 80, "n": MARKER})
        with pytest.raises(InputError) as out_of_range, store.read() as conn:  # DataError: integer out of range
            conn.execute(text("SELECT CAST(:id AS integer)"), {"id": 2**40})
        with store.write() as conn:
            conn.execute(insert, {"h": MARKER.lower(), "n": MARKER})
        with pytest.raises(StoreError) as duplicate, store.write() as conn:  # IntegrityError, DETAIL has the key
            conn.execute(insert, {"h": MARKER.lower(), "n": MARKER})
        with pytest.raises(StoreError) as programming, store.read() as conn:  # ProgrammingError
            conn.execute(text("SELECT :v FROM no_such_table"), {"v": MARKER})
    finally:
        store.close()
    assert too_long.value.exit_code == 2
    assert str(too_long.value) == ("the database refused a value as bad input: value too long for type character "
                                   "varying(40); nothing was saved")
    assert "integer out of range" in str(out_of_range.value)
    assert str(duplicate.value).startswith("refused by the database: duplicate key value violates unique constraint")
    assert "no_such_table" in str(programming.value) and programming.value.exit_code == 1
    for error in (too_long.value, out_of_range.value, duplicate.value, programming.value):
        message = str(error)
        assert "\n" not in message and MARKER not in message and MARKER.lower() not in message, message
        for leak in ("INSERT", "SELECT", "[SQL", "parameters", "DETAIL", "Background on this error"):
            assert leak not in message, message


def test_postgres_data_error_through_the_cli(pg_url: str) -> None:
    cli = Cli(pg_url)
    cli.ok("lead", "add", "甲", "--source", "web")
    line = cli.fails(2, "lead", "show", "9999999999")
    for leak in ("SELECT", "[SQL", "parameters", "9999999999 ", "Background"):
        assert leak not in line, line


def test_debug_never_shows_a_password(tmp_path: Path) -> None:
    run = run_subprocess("--debug", "--db", "postgresql://sales:S3cret-h13@127.0.0.1:1/sales", "lead", "list")
    assert run.returncode == 1
    assert "S3cret-h13" not in run.stderr + run.stdout
    assert run.stderr.count("\n") == 1 and "PostgreSQL at 127.0.0.1:1 as sales, database sales" in run.stderr


def test_a_value_refused_before_the_driver_does_not_print_the_statement(sqlite_cli: Cli, db_path: Path) -> None:
    """SQLAlchemy's StatementError (a bind failed) carries the statement and the values in its text."""
    from salescli import models
    from salescli.store import DatabaseLayerError, Store, resolve_url

    sqlite_cli.ok("lead", "list")
    store = Store(resolve_url(str(db_path)))
    leads = models.metadata.tables["leads"]
    try:
        with pytest.raises(DatabaseLayerError) as raised, store.write() as conn:
            conn.execute(leads.update().where(leads.c.name == MARKER).values(follow_up=MARKER))
    finally:
        store.close()
    message = str(raised.value)
    assert message == "TypeError: SQLite Date type only accepts Python date objects as input."
    assert raised.value.__cause__ is not None  # --debug shows the whole chain


def test_sqlite_integer_overflow_is_one_line(sqlite_cli: Cli, db_path: Path) -> None:
    from sqlalchemy import text

    from salescli.errors import InputError
    from salescli.store import Store, resolve_url

    sqlite_cli.ok("lead", "list")
    store = Store(resolve_url(str(db_path)))
    try:
        with pytest.raises(InputError) as raised, store.write() as conn:
            conn.execute(text("UPDATE leads SET score = :s WHERE id = 1"), {"s": 2**70})
    finally:
        store.close()
    assert raised.value.exit_code == 2
    assert str(raised.value) == ("a number is too large for the database (Python int too large to convert to SQLite "
                                 "INTEGER); nothing was saved")
