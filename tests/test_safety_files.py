"""Files a command writes (--output, --html, --to, --rejects, --outbox, --save-mapping): never the database or
its journal files, never the command's input, never an existing file without --force, never through a symbolic
link; private (0600), complete or not there at all."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from salescli import files
from salescli.errors import InputError, PolicyError
from tests.conftest import Case, Cli, check_refusals, snapshot

LEADS = "name,source,email\n张三,web,zs@example.cn\n李四,web,not-an-email\n王五,web,ww@example.cn\n"


@pytest.fixture
def book(cli: Cli, tmp_path: Path) -> Cli:
    cli.ok("product", "add", "P-1", "--name", "Widget", "--price", "100", "--cost", "50")
    lead = cli.id("lead", "add", "甲", "--source", "web", "--company", "甲公司")
    deal = cli.id("lead", "convert", str(lead))
    cli.ok("quote", "create", str(deal), "--item", "P-1:1")
    (tmp_path / "in.csv").write_text(LEADS, encoding="utf-8")
    (tmp_path / "existing.csv").write_text("keep me\n", encoding="utf-8")
    (tmp_path / "existing.html").write_text("keep me\n", encoding="utf-8")
    (tmp_path / "existing.md").write_text("keep me\n", encoding="utf-8")
    (tmp_path / "target.txt").write_text("not yours\n", encoding="utf-8")
    (tmp_path / "link.csv").symlink_to(tmp_path / "target.txt")
    (tmp_path / "link.md").symlink_to(tmp_path / "target.txt")
    (tmp_path / "link.html").symlink_to(tmp_path / "target.txt")
    (tmp_path / "folder.csv").mkdir()
    (tmp_path / "outbox-file").write_text("x", encoding="utf-8")
    (tmp_path / "outbox-link").symlink_to(tmp_path / "folder.csv")
    return cli


# Cases on any backend (files beside the test, not the database).
CASES: list[Case] = [
    (1, ["export", "leads", "--output", "{tmp}/existing.csv"], "exists; use --force"),
    (1, ["export", "leads", "--format", "json", "--output", "{tmp}/existing.csv"], "exists; use --force"),
    (1, ["kpi", "report", "--period", "2026", "--html", "{tmp}/existing.html"], "exists; use --force"),
    (1, ["quote", "render", "Q-2026-0001", "--to", "{tmp}/existing.md"], "exists; use --force"),
    (1, ["order", "export", "--output", "{tmp}/existing.csv"], "exists; use --force"),
    (1, ["import", "leads", "{tmp}/in.csv", "--skip-invalid", "--rejects", "{tmp}/existing.csv"],
     "exists; use --force"),
    (2, ["import", "leads", "{tmp}/in.csv", "--skip-invalid", "--rejects", "{tmp}/in.csv"], "command's input file"),
    (2, ["import", "leads", "{tmp}/in.csv", "--skip-invalid", "--rejects", "{tmp}/folder.csv/../in.csv", "--force"],
     "input file"),
    (2, ["product", "import", "{tmp}/in.csv", "--skip-invalid", "--rejects", "{tmp}/in.csv", "--force"],
     "command's input file"),
    (2, ["export", "leads", "--output", "{tmp}/link.csv", "--force"], "symbolic link"),
    (2, ["export", "leads", "--output", "{tmp}/link.csv"], "symbolic link"),
    (2, ["kpi", "report", "--period", "2026", "--html", "{tmp}/link.html", "--force"], "symbolic link"),
    (2, ["quote", "render", "Q-2026-0001", "--to", "{tmp}/link.md", "--force"], "symbolic link"),
    (2, ["import", "leads", "{tmp}/in.csv", "--skip-invalid", "--rejects", "{tmp}/link.csv", "--force"],
     "symbolic link"),
    (2, ["export", "leads", "--output", "{tmp}/folder.csv", "--force"], "is a folder"),
    (2, ["export", "leads", "--output", "{tmp}/no/such/folder.csv"], "no such folder"),
    (2, ["export", "leads", "--output", "/dev/null", "--force"], "not a regular file"),
    (2, ["survey", "send", "--customer", "1", "--outbox", "{tmp}/outbox-file"], "is not a folder"),
    (2, ["survey", "send", "--customer", "1", "--outbox", "{tmp}/outbox-link"], "symbolic link"),
]

# Cases that aim at the SQLite database file itself ("{db}").
DB_CASES: list[Case] = [
    (2, ["export", "leads", "--output", "{db}"], "is the database"),
    (2, ["export", "leads", "--output", "{db}", "--force"], "is the database"),
    (2, ["export", "leads", "--output", "{db}-wal", "--force"], "is the database or its journal"),
    (2, ["export", "leads", "--output", "{db}-shm", "--force"], "is the database or its journal"),
    (2, ["export", "leads", "--output", "{db}-journal", "--force"], "is the database or its journal"),
    (2, ["export", "leads", "--output", "{tmp}/dblink", "--force"], "is the database"),
    (2, ["kpi", "report", "--period", "2026", "--html", "{db}", "--force"], "is the database"),
    (2, ["import", "leads", "{tmp}/in.csv", "--skip-invalid", "--rejects", "{db}", "--force"], "is the database"),
    (2, ["order", "export", "--output", "{db}", "--force"], "is the database"),
    (2, ["import", "leads", "{tmp}/in.csv", "--skip-invalid", "--rejects", "{db}-wal", "--force"],
     "is the database or its journal"),
]


def test_output_refusals(book: Cli, tmp_path: Path) -> None:
    check_refusals(book, CASES, tmp_path)
    for name in ("existing.csv", "existing.html", "existing.md"):
        assert (tmp_path / name).read_text(encoding="utf-8") == "keep me\n"
    assert (tmp_path / "target.txt").read_text(encoding="utf-8") == "not yours\n"
    assert (tmp_path / "in.csv").read_text(encoding="utf-8") == LEADS
    assert not list(tmp_path.glob(".*.part"))
    assert not list((tmp_path / "folder.csv").iterdir())


def test_database_is_never_an_output(sqlite_cli: Cli, db_path: Path, tmp_path: Path) -> None:
    sqlite_cli.ok("lead", "add", "甲", "--source", "web")
    (tmp_path / "in.csv").write_text(LEADS, encoding="utf-8")
    (tmp_path / "dblink").symlink_to(db_path)
    before = db_path.read_bytes()
    check_refusals(sqlite_cli, DB_CASES, tmp_path, db=str(db_path))
    assert sqlite_cli.json("lead", "list")[0]["name"] == "甲"
    assert db_path.read_bytes() == before
    for suffix in ("-shm", "-journal"):
        assert not Path(f"{db_path}{suffix}").exists() or Path(f"{db_path}{suffix}").stat().st_size >= 0


def test_database_named_by_another_path_is_refused(sqlite_cli: Cli, db_path: Path, tmp_path: Path) -> None:
    """The same file reached through '..' or a hard link is still the database."""
    sqlite_cli.ok("lead", "add", "甲", "--source", "web")
    os.link(db_path, tmp_path / "hard.db")
    for target in (f"{tmp_path}/x/../sales.db", f"{tmp_path}/hard.db"):
        (tmp_path / "x").mkdir(exist_ok=True)
        line = sqlite_cli.fails(2, "export", "leads", "--output", target, "--force")
        assert "is the database" in line
    assert sqlite_cli.json("lead", "list")[0]["name"] == "甲"


def test_force_replaces_privately_and_completely(cli: Cli, tmp_path: Path) -> None:
    cli.ok("lead", "add", "甲", "--source", "web")
    dest = tmp_path / "leads.csv"
    dest.write_text("old\n", encoding="utf-8")
    dest.chmod(0o644)
    cli.ok("export", "leads", "--output", str(dest), "--force")
    assert dest.read_text(encoding="utf-8").splitlines()[1].split(",")[1] == "甲"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    new = tmp_path / "new.json"
    cli.ok("export", "leads", "--format", "json", "--output", str(new))
    assert stat.S_IMODE(new.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_rejects_written_only_when_the_import_is_done(cli: Cli, tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(LEADS, encoding="utf-8")
    rejects = tmp_path / "bad.csv"
    cli.ok("import", "leads", str(source), "--skip-invalid", "--rejects", str(rejects))
    lines = rejects.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "name,source,email,error" and lines[1].startswith("李四,web,not-an-email,")
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o600
    assert source.read_text(encoding="utf-8") == LEADS
    # a second run: the rejects file exists, so it is refused before anything is imported
    before = snapshot(cli)
    assert "exists; use --force" in cli.fails(1, "import", "leads", str(source), "--skip-invalid", "--rejects",
                                              str(rejects))
    assert snapshot(cli) == before
    # an import that fails part-way (a malformed CSV at the end) leaves neither rows nor a rejects file
    broken = tmp_path / "broken.csv"
    broken.write_text(LEADS + '"unterminated,web,x@example.cn\n', encoding="utf-8")
    cli.fails(2, "import", "leads", str(broken), "--skip-invalid", "--rejects", str(tmp_path / "new-bad.csv"))
    assert snapshot(cli) == before
    assert not (tmp_path / "new-bad.csv").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_outbox_letters_are_private_and_never_replaced(cli: Cli, tmp_path: Path) -> None:
    customer = cli.id("customer", "add", "甲公司")
    cli.ok("contact", "add", str(customer), "--name", "张三", "--email", "zs@example.cn")
    outbox = tmp_path / "outbox"
    cli.ok("survey", "send", "--customer", str(customer), "--outbox", str(outbox))
    letters = sorted(outbox.iterdir())
    assert len(letters) == 1 and letters[0].suffix == ".eml"
    assert stat.S_IMODE(letters[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(outbox.stat().st_mode) == 0o700


# -- the helper itself ---------------------------------------------------------------------------------------


def test_check_target_rules(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    db.write_bytes(b"x")
    with pytest.raises(InputError, match="is the database"):
        files.check_target(db, option="--o", force=True, database=db)
    with pytest.raises(InputError, match="journal"):
        files.check_target(tmp_path / "s.db-wal", option="--o", force=True, database=db)
    (tmp_path / "a.csv").write_text("a", encoding="utf-8")
    with pytest.raises(PolicyError, match="exists"):
        files.check_target(tmp_path / "a.csv", option="--o")
    assert files.check_target(tmp_path / "a.csv", option="--o", force=True) == tmp_path / "a.csv"
    assert files.check_target(tmp_path / "b.csv", option="--o") == tmp_path / "b.csv"


def test_atomic_write_leaves_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), files.atomic_write(target, option="--html", force=True) as fh:
        fh.write("half")
        raise RuntimeError("killed")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir() if p.name != "home"] == ["report.html"]


def test_no_replace_when_a_file_appears_meanwhile(tmp_path: Path) -> None:
    target = tmp_path / "late.csv"
    with pytest.raises(PolicyError, match="exists"), files.atomic_write(target, option="--output") as fh:
        fh.write("mine")
        target.write_text("someone else's", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "someone else's"
    assert [p.name for p in tmp_path.iterdir() if p.name != "home"] == ["late.csv"]
