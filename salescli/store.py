"""Engine per URL, transactions, schema migration at open, backup.

SQLite: WAL, foreign keys on, a busy timeout, and SQLAlchemy's documented recipe for real transactions
(the driver's own BEGIN is turned off; write transactions start with ``BEGIN IMMEDIATE`` so concurrent
read-then-write sessions queue instead of losing updates). PostgreSQL: plain transactions, sequences
taken with ``SELECT ... FOR UPDATE``.

This module imports SQLAlchemy at the top: import it only inside commands that touch the database.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

from salescli import migrations
from salescli.errors import InputError, PolicyError, StoreError, redact

BUSY_TIMEOUT_S = 30
def resolve_url(db: str) -> str:
    """A path or a SQLAlchemy URL → a URL. ``postgresql://`` uses psycopg 3."""
    if "://" not in db:
        path = Path(db).expanduser().resolve()
        return f"sqlite:///{path}"
    if db.startswith(("postgresql://", "postgres://")):
        db = "postgresql+psycopg://" + db.split("://", 1)[1]
    return db


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _make_engine(url: str, *, foreign_keys: bool = True) -> Engine:
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        raise InputError(f"--db: {redact(url)!r} is neither a file path nor a database URL") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_S})
        _sqlite_recipe(engine, foreign_keys=foreign_keys)
        return engine
    if backend == "postgresql":
        try:
            return create_engine(parsed, pool_pre_ping=False)
        except ModuleNotFoundError:
            raise StoreError("PostgreSQL needs the psycopg driver: pip install 'salescli[postgres]'") from None
    raise InputError(f"--db: unsupported database {backend!r} (use a SQLite path or postgresql+psycopg://...)")


def _sqlite_recipe(engine: Engine, *, foreign_keys: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        cur.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        if cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.execute("PRAGMA cache_size = -65536")  # 64 MB: random index work (imports, reports) stays in memory
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("salescli_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _create_private_file(path: Path) -> None:
    """Create the SQLite file (and its folder) readable by the owner only, before SQLite opens it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)


class Store:
    """One database: opened on first use, migrated to head, then handing out transactions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.display_url = redact(url)
        self._engine: Engine | None = None

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.url).get_backend_name() == "sqlite"

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            path = sqlite_path(self.url)
            if path is not None:
                _create_private_file(path)
            self._engine = _make_engine(self.url)
            self._ensure_schema()
        return self._engine

    def close(self) -> None:
        """Close the connections (on SQLite the last close also checkpoints and removes the -wal file)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (snapshot on SQLite WAL)."""
        with self._translate_errors(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: all or nothing, serialized against other writers on SQLite."""
        with self._translate_errors(), self.engine.connect() as conn:
            conn = conn.execution_options(salescli_write=True)
            with conn.begin():
                yield conn

    @contextmanager
    def _translate_errors(self) -> Iterator[None]:
        try:
            yield
        except exc.OperationalError as error:
            text = str(error.orig) if error.orig is not None else str(error)
            if "locked" in text or "busy" in text:
                raise StoreError("the database is busy (another salescli is writing); try again") from None
            raise StoreError(f"database {self.display_url}: {redact(text.strip().splitlines()[0])}") from None
        except exc.IntegrityError as error:
            text = str(error.orig).strip().splitlines()[0] if error.orig is not None else str(error)
            raise StoreError(f"refused by the database: {redact(text)}") from None

    # -- schema -----------------------------------------------------------------------------------

    def current_revision(self, conn: Connection) -> str | None:
        """The schema revision recorded in the database, or None for an empty one (one row read)."""
        from sqlalchemy import inspect

        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()

    def _ensure_schema(self) -> None:
        assert self._engine is not None
        try:
            with self._engine.connect() as conn:
                revision = self.current_revision(conn)
        except exc.OperationalError as error:
            text = str(error.orig).strip().splitlines()[0] if error.orig is not None else str(error)
            raise StoreError(f"cannot open database {self.display_url}: {redact(text)}") from None
        if revision == migrations.HEAD:
            return
        if revision is not None and revision not in migrations.REVISIONS:
            raise StoreError(
                f"database {self.display_url} has schema {revision}, newer than this salescli knows; "
                "upgrade salescli")
        self.upgrade()

    def upgrade(self) -> tuple[str | None, str]:
        """Migrate to head in one transaction; on SQLite with foreign keys off and after an online backup.

        Returns (revision before, revision after).
        """
        from alembic import command
        from alembic.config import Config

        path = sqlite_path(self.url)
        engine = _make_engine(self.url, foreign_keys=False) if path is not None else self._engine
        if engine is None:
            engine = self._engine = _make_engine(self.url)
        try:
            with engine.connect() as conn:
                conn = conn.execution_options(salescli_write=True)
                with conn.begin():
                    if path is None:
                        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7243018)")
                    before = self.current_revision(conn)
                    if before == migrations.HEAD:
                        return before, before
                    if path is not None and before is not None:
                        backup_sqlite(path, path.with_name(f"{path.name}.before-{migrations.HEAD}.bak"))
                    config = Config()
                    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
                    config.attributes["connection"] = conn
                    command.upgrade(config, "head")
                    if path is not None:
                        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                        if broken:
                            raise StoreError(f"migration would break {len(broken)} references; nothing changed")
            if path is not None:  # fresh statistics for the query planner (bounded work on a big database)
                with engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA analysis_limit = 1000")
                    conn.exec_driver_sql("PRAGMA optimize")
            return before, migrations.HEAD
        except exc.OperationalError as error:
            text = str(error.orig).strip().splitlines()[0] if error.orig is not None else str(error)
            raise StoreError(f"cannot migrate database {self.display_url}: {redact(text)}") from None
        finally:
            if path is not None:
                engine.dispose()


def backup_sqlite(source: Path, target: Path) -> int:
    """Copy a live SQLite database with the online backup API (never ``cp``); target is mode 0600.

    Returns the size in bytes of the copy.
    """
    target = target.expanduser().resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.part")
    if tmp.exists():
        tmp.unlink()
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    os.close(fd)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(tmp)
    try:
        with dst:
            src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")
    finally:
        dst.close()
        src.close()
    os.replace(tmp, target)
    return target.stat().st_size


def restore_sqlite(backup: Path, target: Path, *, force: bool) -> int:
    """Copy ``backup`` over the live database ``target`` with the online backup API, after checking that the
    backup is a salescli database this version can read; refuses to replace records without ``force``."""
    try:
        src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        version = src.execute("SELECT version_num FROM alembic_version").fetchone()
        ok = src.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    except sqlite3.DatabaseError:
        raise InputError(f"{backup} is not a salescli database") from None
    if version is None or not ok:
        src.close()
        raise InputError(f"{backup} is not a usable salescli database")
    if version[0] not in migrations.REVISIONS:
        src.close()
        raise StoreError(f"{backup} has schema {version[0]}, newer than this salescli knows")
    if target.exists() and not force:
        dst = sqlite3.connect(target)
        try:
            has_records = any(dst.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone()
                              for t in ("leads", "customers", "deals", "reps", "products"))
        except sqlite3.DatabaseError:
            has_records = True
        finally:
            dst.close()
        if has_records:
            src.close()
            raise PolicyError(f"{target} holds records; use --force to replace it with {backup}")
    _create_private_file(target)
    dst = sqlite3.connect(target, timeout=BUSY_TIMEOUT_S)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return target.stat().st_size
