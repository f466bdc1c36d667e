"""Store: new databases migrate to head, are private, use WAL and foreign keys; backups are consistent."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from salescli import migrations, models
from tests.conftest import Cli


@pytest.fixture
def cli(sqlite_cli: Cli) -> Cli:
    """These tests are about SQLite itself (the file, its processes): SQLite only."""
    return sqlite_cli


def test_head_constant_matches_alembic_scripts() -> None:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    script = ScriptDirectory.from_config(config)
    assert script.get_current_head() == migrations.HEAD
    assert [rev.revision for rev in reversed(list(script.walk_revisions()))] == list(migrations.REVISIONS)


def test_empty_database_migrates_to_head_with_every_table(cli: Cli, db_path: Path) -> None:
    assert not db_path.exists()  # truly empty (this module's cli is SQLite without the migrated template)
    cli.ok("lead", "list")
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(migrations.HEAD,)]
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert set(models.tables_on("sqlite")) <= tables and "search_docs" not in tables
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_default_database_is_created_private_in_user_data_dir(isolate: Path) -> None:
    from typer.testing import CliRunner

    from salescli.cli import app

    result = CliRunner().invoke(app, ["rep", "add", "li.wei", "--name", "李伟"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    db = isolate / "data" / "salescli" / "salescli.db"
    assert db.exists()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    for extra in db.parent.glob("salescli.db-*"):
        assert stat.S_IMODE(extra.stat().st_mode) & 0o077 == 0, extra


def test_foreign_keys_are_enforced(cli: Cli, db_path: Path) -> None:
    cli.ok("lead", "list")
    from salescli.store import Store, resolve_url

    store = Store(resolve_url(str(db_path)))
    with store.read() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_newer_schema_is_refused_and_left_alone(cli: Cli, db_path: Path) -> None:
    cli.ok("lead", "list")
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    assert "newer than this salescli" in cli.fails(1, "lead", "list")
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "9999"


def test_upgrade_is_idempotent(cli: Cli) -> None:
    first = cli.ok("db", "upgrade")
    assert "upgraded from schema (empty)" in first.stderr
    assert "up to date" in cli.ok("db", "upgrade").stderr


def test_backup_is_a_consistent_private_copy_and_refuses_overwrite(cli: Cli, tmp_path: Path) -> None:
    cli.ok("rep", "add", "li.wei", "--name", "李伟")
    lead = cli.id("lead", "add", "王芳", "--source", "web", "--company", "杭州启明")
    target = tmp_path / "copy.db"
    cli.ok("db", "backup", str(target))
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    copy = sqlite3.connect(target)
    assert copy.execute("SELECT name FROM leads WHERE id = ?", (lead,)).fetchone() == ("王芳",)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    before = target.stat().st_mtime_ns
    assert "--force" in cli.fails(1, "db", "backup", str(target))
    assert target.stat().st_mtime_ns == before
    cli.ok("db", "backup", str(target), "--force")


def test_db_info_counts(cli: Cli) -> None:
    cli.id("lead", "add", "A", "--source", "web")
    info = cli.json("db", "info")
    assert info["leads"] == 1 and info["schema"] == migrations.HEAD


def test_exports_and_backups_are_not_world_readable(cli: Cli, tmp_path: Path) -> None:
    cli.id("lead", "add", "A", "--source", "web")
    out = tmp_path / "leads.csv"
    old = os.umask(0o022)
    try:
        cli.ok("export", "leads", "--output", str(out))
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) & 0o077 == 0


def test_models_and_migrations_agree() -> None:
    """The tables in models.py are exactly what the migrations build (no change without a migration)."""
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine

    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(Path(migrations.__file__).parent))
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        def on_sqlite(obj: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
            return not (kind == "table" and obj.info.get("backend", "sqlite") != "sqlite")  # search_docs: PostgreSQL's

        context = MigrationContext.configure(conn, opts={"include_object": on_sqlite})
        assert compare_metadata(context, models.metadata) == []


def test_database_at_every_earlier_revision_upgrades_with_rows_intact(tmp_path: Path) -> None:
    from alembic import command
    from sqlalchemy import create_engine

    for old in migrations.REVISIONS[:-1]:
        db = tmp_path / f"at-{old}.db"
        engine = create_engine(f"sqlite:///{db}")
        with engine.begin() as conn:
            config = Config()
            config.set_main_option("script_location", str(Path(migrations.__file__).parent))
            config.attributes["connection"] = conn
            command.upgrade(config, old)
        engine.dispose()
        raw = sqlite3.connect(db)
        raw.execute("INSERT INTO reps (id, handle, name, role, active, created_at) VALUES (1, 'li', '李伟', 'rep', 1, "
                    "'2026-01-01 00:00:00')")
        raw.execute("INSERT INTO customers (id, name, name_key, tier, owner_id, budget_minor, created_at, updated_at) "
                    "VALUES (1, '上海华信', '上海华信', 'A', 1, 9999999999999, '2026-01-01', '2026-01-01')")
        raw.execute("INSERT INTO leads (id, name, source, status, score, owner_id, created_at, updated_at) VALUES "
                    "(1, '王芳', 'web', 'new', 10, 1, '2026-01-02', '2026-01-02')")
        raw.commit()
        names = {t: [c[1] for c in raw.execute(f"PRAGMA table_info({t})")] for t in ("reps", "customers", "leads")}
        before = {t: raw.execute(f"SELECT {', '.join(names[t])} FROM {t}").fetchall() for t in names}
        raw.close()
        cli = Cli(str(db))
        assert cli.json("lead", "list")[0]["name"] == "王芳"  # opening the database migrates it
        after = sqlite3.connect(db)
        assert after.execute("SELECT version_num FROM alembic_version").fetchone()[0] == migrations.HEAD
        assert {t: after.execute(f"SELECT {', '.join(names[t])} FROM {t}").fetchall() for t in before} == before
        assert after.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert (tmp_path / f"at-{old}.db.before-{migrations.HEAD}.bak").exists()  # the safety copy
