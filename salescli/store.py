"""Engine per URL, transactions, schema migration at open, backup.

SQLite: WAL, foreign keys on, a busy timeout, and SQLAlchemy's documented recipe for real transactions
(the driver's own BEGIN is turned off; write transactions start with ``BEGIN IMMEDIATE`` so concurrent
read-then-write sessions queue instead of losing updates). PostgreSQL: plain transactions, sequences
taken with ``SELECT ... FOR UPDATE``.

What a user can point ``--db`` at is checked before SQLite sees it: only a regular file (or a new one in a
folder), with SQLite's header; a file nobody may write is opened read-only (reads work, writes say so). Every
database error leaves as one line without the SQL statement or its parameters (customer data).

This module imports SQLAlchemy at the top: import it only inside commands that touch the database.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import sqlite3
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url

from salescli import migrations
from salescli.errors import InputError, PolicyError, SalesError, StoreError, redact
from salescli.i18n import N_, _

BUSY_TIMEOUT_S = 30
SQLITE_MAGIC = b"SQLite format 3\x00"
#: Problems shown by ``db check`` (and in a refusal) before "... and N more".
SHOWN_PROBLEMS = 10
RESTORE_HINT = N_("restore a backup with 'salescli db restore FILE'")  # translated where shown

# Why a SQLite file opens read-only. Kept in English (``db check`` prints it in its JSON record); shown to people
# through ``_read_only_reason``.
READ_ONLY_FS = N_("it is on a read-only file system")
NOT_WRITABLE = N_("the file is not writable")
FOLDER_NOT_WRITABLE = N_("its folder is not writable")
MOVED = N_("the file was moved or deleted while in use")
_FOLDER_REASON = re.compile(r"its folder (?P<folder>.+) is not writable")


def _read_only_reason(reason: str) -> str:
    """A read-only reason (English, as kept) in the chosen language."""
    found = _FOLDER_REASON.fullmatch(reason)
    if found:
        return _("its folder {folder} is not writable").format(folder=found["folder"])
    return _(reason)


_LIBPQ_KEYWORDS = re.compile(r"(?:^|\s)(?:host|hostaddr|dbname|user|password|port|sslmode)\s*=")


def resolve_url(db: str) -> str:
    """A path or a SQLAlchemy URL → a URL. ``postgresql://`` uses psycopg 3. A password holding ``@``, ``/`` or a
    space is taken up to the last ``@`` (as urllib does) and escaped, so no part of it becomes the host name."""
    if "://" not in db and _LIBPQ_KEYWORDS.search(db):
        raise InputError(_("--db: that looks like a libpq keyword string; give a URL such as "
                           "postgresql://USER@HOST/DB (the password goes in ~/.pgpass or PGPASSWORD)"))
    if "://" not in db:
        path = Path(db).expanduser().resolve()
        # a URL ends the file name at "?" and decodes "%20": escaped, the database is the file named, not another
        return "sqlite:///" + str(path).replace("%", "%25").replace("?", "%3F")
    if db.startswith(("postgresql://", "postgres://")):
        db = "postgresql+psycopg://" + db.split("://", 1)[1]
    return _escape_password(db)


def _escape_password(url: str) -> str:
    scheme, _, rest = url.partition("://")
    head = rest.split("?", 1)[0]
    at = head.rfind("@")
    if at < 0 or (head.count("@") == 1 and " " not in head[:at] and "/" not in head[:at]):
        return url
    user, colon, password = head[:at].partition(":")
    if not colon:
        return url
    from urllib.parse import quote, unquote

    return f"{scheme}://{user}:{quote(unquote(password), safe='')}@{rest[at + 1:]}"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


# -- the SQLite file itself -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SqliteFile:
    """A checked SQLite database file and how to open it."""

    path: Path
    read_only: str | None = None  # why it cannot be written (NOT_WRITABLE..., English), or None
    immutable: bool = False  # read-only and SQLite cannot create its -wal/-shm beside it: open with immutable=1

    @property
    def uri(self) -> str:
        """The SQLite URI filename to open it with (``uri=True``)."""
        options = "?mode=ro&immutable=1" if self.immutable else "?mode=ro" if self.read_only else ""
        return f"file:{quote(str(self.path), safe='/')}{options}"

    def connect(self, *, timeout: float = BUSY_TIMEOUT_S) -> sqlite3.Connection:
        """A plain sqlite3 connection (backup, restore, check), read-only when the file is."""
        return sqlite3.connect(self.uri, uri=True, timeout=timeout, isolation_level=None)

    def read_only_error(self) -> StoreError:
        return StoreError(_("the database {path} is read-only ({reason}): nothing was saved; read commands still "
                            "work").format(path=self.path, reason=_read_only_reason(self.read_only or "")))


class DatabaseLayerError(RuntimeError):
    """An unexpected error while preparing a statement (a bug): shown as "unexpected ..." without the statement
    or its values."""


class Damaged(StoreError):
    """A database SQLite cannot read (``reason``: what was found)."""

    reason = ""


def damaged(path: Path | str, what: str | None = None, *, reason: str = "") -> Damaged:
    """The one message for a database SQLite cannot read: what to do next. ``what``: what is wrong with ``path``
    in the chosen language (default "is damaged"); ``reason``: the same in English, as ``db check`` reports it."""
    error = Damaged(_("{path} {what}: run 'salescli db check', or {hint}").format(
        path=path, what=what or _("is damaged"), hint=_(RESTORE_HINT)))
    error.reason = reason or "is damaged"
    return error


class NotADatabase(InputError):
    """The file named is not a SQLite database (or its header is damaged)."""


def not_a_database(path: Path) -> NotADatabase:
    return NotADatabase(_("{path} is not a salescli database (or is damaged): check --db, run 'salescli db check', "
                          "or {hint}").format(path=path, hint=_(RESTORE_HINT)))


def explain_file(error: sqlite3.Error, path: Path) -> SalesError:
    """One line for an error of the sqlite3 driver used directly on ``path``."""
    return sqlite_problem(error, path) or StoreError(_("database {url}: {problem}").format(
        url=path, problem=_first_line(error)))


def open_sqlite_file(path: Path, *, create: bool) -> SqliteFile:
    """Check what ``path`` is before SQLite opens (and maybe creates files beside) it.

    Refused: anything but a regular file (``/dev/null``, a folder, a pipe: SQLite would create
    ``/dev/null-journal``), side files that are not regular files, a file without SQLite's header, a file
    shorter than its header says. A missing file is created private (0600) when ``create``. A file this user
    cannot write, or whose folder cannot take SQLite's ``-wal``/``-shm`` files, opens read-only.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if not create:
            raise InputError(_("no database at {path} (check --db)").format(path=path)) from None
        _create_private_file(path)
        return open_sqlite_file(path, create=False)
    except NotADirectoryError:
        raise InputError(_("--db: {folder} is not a folder").format(folder=path.parent)) from None
    except OSError as error:
        raise InputError(_("--db: cannot open {path}: {reason}").format(path=path, reason=error.strerror)) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(_("--db: {path} is a folder; name a database file in it").format(path=path))
    if not stat.S_ISREG(info.st_mode):
        raise InputError(_("--db: {path} is not a regular file; a SQLite database must be one").format(path=path))
    for side in (path.with_name(path.name + suffix) for suffix in ("-wal", "-shm", "-journal")):
        try:
            side_mode = side.lstat().st_mode
        except OSError:
            continue
        if not stat.S_ISREG(side_mode):
            raise StoreError(_("{path} is not a regular file; SQLite would write through it: remove it").format(
                path=side))
    if info.st_size:
        try:
            _check_header(path)
        except OSError as error:
            raise InputError(_("--db: cannot read {path}: {reason}").format(path=path, reason=error.strerror)) from None
    folder = path.parent
    wal_size = _size(path.with_name(path.name + "-wal"))
    wal_in_use = bool(wal_size)
    if _read_only_file_system(path):
        return SqliteFile(path, READ_ONLY_FS, immutable=not wal_in_use)
    folder_writable = os.access(folder, os.W_OK | os.X_OK)
    side_files_exist = wal_size is not None and _size(path.with_name(path.name + "-shm")) is not None
    if not os.access(path, os.W_OK):
        return SqliteFile(path, NOT_WRITABLE, immutable=not folder_writable and not side_files_exist)
    if not folder_writable and not side_files_exist:
        return SqliteFile(path, f"its folder {folder} is not writable", immutable=not wal_in_use)  # (English)
    return SqliteFile(path)


def _check_header(path: Path) -> None:
    """SQLite's 100-byte header: the magic string, and (when no -wal file holds newer pages) a file at least as
    long as the page count it records — a truncated copy would otherwise open and fail later, or take writes."""
    with open(path, "rb") as fh:
        header = fh.read(100)
        size = os.fstat(fh.fileno()).st_size  # after the header: a file only grows while it is in use
    if not header.startswith(SQLITE_MAGIC):
        raise not_a_database(path)
    if len(header) < 100:
        reason = f"truncated to {size} bytes"
        raise damaged(path, _("is damaged (truncated to {size} bytes)").format(size=size), reason=reason)
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    count_valid = header[24:28] == header[92:96]
    if count_valid and pages and size < pages * page_size and not path.with_name(path.name + "-wal").exists():
        reason = f"truncated: {size:,} of {pages * page_size:,} bytes"
        raise damaged(path, _("is damaged (truncated: {size} of {total} bytes)").format(
            size=f"{size:,}", total=f"{pages * page_size:,}"), reason=reason)


def _size(path: Path) -> int | None:
    """A file's size, or None when it does not exist."""
    try:
        return path.stat().st_size
    except OSError:
        return None


def _read_only_file_system(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _disk_full(path: Path | None) -> bool:
    """Whether the file system holding ``path`` has no room left (SQLite reports some of those as I/O errors)."""
    if path is None:
        return False
    with contextlib.suppress(OSError):
        fs = os.statvfs(path if path.exists() else path.parent)
        return fs.f_bavail * fs.f_frsize < 64 * 1024
    return False


def _first_line(error: BaseException) -> str:
    """An exception's first line only: psycopg adds DETAIL lines with the failing row, SQLAlchemy the statement."""
    text = str(error).strip()
    return redact(text.splitlines()[0].strip()) if text else type(error).__name__


def _sqlite_code(error: BaseException) -> str:
    """SQLite's (extended) result code name, e.g. ``SQLITE_FULL``, ``SQLITE_READONLY_DIRECTORY``; or ""."""
    return str(getattr(error, "sqlite_errorname", "") or "")


def sqlite_problem(error: sqlite3.Error, path: Path | None, *, read_only: str | None = None) -> SalesError | None:
    """The one-line error for what SQLite said about the file ``path``, or None when nothing specific applies."""
    code = _sqlite_code(error)
    text = str(error)
    where = path if path is not None else _("the database")
    if code == "SQLITE_TOOBIG":
        return InputError(_("a value is too large for the database ({problem}); nothing was saved").format(
            problem=_first_line(error)))
    if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in text or "busy" in text:
        return StoreError(_("the database is busy (another salescli is writing); try again"))
    if code.startswith("SQLITE_CORRUPT") or "malformed" in text:
        return damaged(where, _("is damaged (database disk image is malformed); nothing was saved"),
                       reason="is damaged (database disk image is malformed); nothing was saved")
    if code == "SQLITE_NOTADB" or "file is not a database" in text:
        return damaged(where, _("is not a salescli database (or is damaged); nothing was saved"),
                       reason="is not a salescli database (or is damaged); nothing was saved")
    if code == "SQLITE_FULL" or (code.startswith("SQLITE_IOERR") and _disk_full(path)):
        return StoreError(_("the disk holding {path} is full: nothing was saved; free some space and try again"
                            ).format(path=where))
    if code.startswith("SQLITE_READONLY"):
        reason = {"SQLITE_READONLY_DIRECTORY": FOLDER_NOT_WRITABLE, "SQLITE_READONLY_DBMOVED": MOVED}.get(code)
        reason = reason or read_only or NOT_WRITABLE
        return StoreError(_("the database {path} is read-only ({reason}): nothing was saved; read commands still "
                            "work").format(path=where, reason=_read_only_reason(reason)))
    if code.startswith("SQLITE_IOERR"):
        return StoreError(_("disk I/O error on {path} ({code}): nothing was saved; check the disk, then run "
                            "'salescli db check'").format(path=where, code=code))
    if code.startswith("SQLITE_CANTOPEN"):
        return StoreError(_("cannot open the database {path}: {problem}").format(path=where,
                                                                                 problem=_first_line(error)))
    return None


#: What to check, by what the PostgreSQL server or the client library said when a connection failed.
_PG_CONNECT_HINTS = (
    ("password authentication failed", N_("the password was refused: check ~/.pgpass (mode 0600) or PGPASSWORD")),
    ("no password supplied", N_("the server wants a password: put it in ~/.pgpass (mode 0600) or PGPASSWORD")),
    ("does not exist", N_("check the login and database names in --db / SALESCLI_DB; the administrator creates "
                          "logins with 'salescli rep add HANDLE --login'")),
    ("no pg_hba.conf entry", N_("the server's pg_hba.conf does not admit this login from this address: ask the "
                                "administrator")),
    ("could not translate host name", N_("unknown host: check the host name in --db / SALESCLI_DB")),
    ("failed to resolve host", N_("unknown host: check the host name in --db / SALESCLI_DB")),
    ("connection refused", N_("is PostgreSQL running and listening there? check the host and port in --db / "
                              "SALESCLI_DB, listen_addresses and the firewall")),
    ("timeout expired", N_("no answer in time: check the host and port, the network and the firewall")),
    ("timed out", N_("no answer in time: check the host and port, the network and the firewall")),
)


def postgres_connection_problem(problem: str, url: str) -> SalesError | None:
    """One line for a PostgreSQL connection that failed: where salescli tried (host, port, login, database; never
    the password) and what to check. None when ``problem`` is not a failed connection."""
    lowered = problem.lower()
    if not lowered.startswith(("connection failed", "connection to server", "could not translate host name",
                               "failed to resolve host", "connection is bad")):
        return None
    parsed = make_url(url)
    host = parsed.host or "localhost (socket)"
    where = f"{host}:{parsed.port or 5432}"
    reason = problem.split(" failed: ", 2)[-1].removeprefix("FATAL:").strip()
    if lowered.startswith("failed to resolve host"):
        reason = problem.split(": ", 1)[-1]
    hint = next((_(text) for key, text in _PG_CONNECT_HINTS if key in lowered), None)
    line = _("cannot connect to PostgreSQL at {where} as {login}, database {database}: {reason}").format(
        where=where, login=parsed.username or _("your user name"), database=parsed.database or "?", reason=reason)
    return StoreError(_("{refusal} ({hint})").format(refusal=line, hint=hint) if hint else line)


def _make_engine(url: str, *, foreign_keys: bool = True, sqlite_file: SqliteFile | None = None) -> Engine:
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        raise InputError(_("--db: {url} is neither a file path nor a database URL").format(
            url=repr(redact(url)))) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if sqlite_file is not None and sqlite_file.read_only:  # a file: URI (mode=ro, maybe immutable=1)
            parsed = URL.create("sqlite", database=sqlite_file.uri.split("?")[0],
                                query={"uri": "true", "mode": "ro", **({"immutable": "1"} if sqlite_file.immutable
                                                                        else {})})
        engine = create_engine(parsed, connect_args={"timeout": BUSY_TIMEOUT_S})
        _sqlite_recipe(engine, foreign_keys=foreign_keys, read_only=bool(sqlite_file and sqlite_file.read_only))
        return engine
    if backend == "postgresql":
        try:
            return create_engine(parsed, pool_pre_ping=False)
        except ModuleNotFoundError:
            raise StoreError(_("PostgreSQL needs the psycopg driver: pip install 'salescli[postgres]'")) from None
    raise InputError(_("--db: unsupported database {backend} (use a SQLite path or postgresql+psycopg://...)").format(
        backend=repr(backend)))


@contextmanager
def sqlite_cache(conn: Connection, kilobytes: int) -> Iterator[None]:
    """A SQLite page cache of ``kilobytes`` for the work inside (an import, a report), the store's own after it
    (``_sqlite_recipe`` sets 64 MB); nothing on other backends."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{int(kilobytes)}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before or 0)}")


def _sqlite_recipe(engine: Engine, *, foreign_keys: bool, read_only: bool = False) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself, below
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        cur.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        if not read_only and cur.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            # only an empty file or a salescli database: another program's is refused unchanged (_ensure_schema)
            ours = cur.execute("SELECT count(*) = 0 OR max(name = 'alembic_version') FROM sqlite_master "
                               "WHERE type = 'table'").fetchone()[0]
            if ours:
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
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    except FileExistsError:
        raise InputError(_("--db: {folder} is not a folder").format(folder=path.parent)) from None
    except OSError as error:
        raise InputError(_("--db: cannot create the folder {folder}: {reason}").format(
            folder=path.parent, reason=error.strerror)) from None
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except FileExistsError:
        return  # created meanwhile (another salescli): opened as it is
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StoreError(_("the disk holding {path} is full: cannot create the database").format(
                path=path)) from None
        raise InputError(_("--db: cannot create the database {path}: {reason}").format(
            path=path, reason=error.strerror)) from None
    os.close(fd)


class Store:
    """One database: opened on first use, migrated to head, then handing out transactions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.display_url = redact(url)
        self._engine: Engine | None = None
        self.on_first_use: Callable[[Connection], None] | None = None
        self.sqlite_file: SqliteFile | None = None  # set when a SQLite database is opened

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.url).get_backend_name() == "sqlite"

    @property
    def read_only(self) -> bool:
        """Whether the open database takes no writes (a SQLite file this user cannot write)."""
        return bool(self.sqlite_file is not None and self.sqlite_file.read_only)

    def _open_file(self) -> SqliteFile | None:
        path = sqlite_path(self.url)
        if path is not None and self.sqlite_file is None:
            self.sqlite_file = open_sqlite_file(path, create=True)
        return self.sqlite_file

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._translate_errors():
                sqlite_file = self._open_file()
                self._engine = _make_engine(self.url, sqlite_file=sqlite_file)
                try:
                    self._ensure_schema()
                except BaseException:  # refused or failed: the next use checks again
                    self._engine.dispose()
                    self._engine = None
                    raise
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
            self._first_use(conn)
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: all or nothing, serialized against other writers on SQLite."""
        with self._translate_errors():
            engine = self.engine
            if self.sqlite_file is not None and self.sqlite_file.read_only:
                raise self.sqlite_file.read_only_error()
            with engine.connect() as conn:
                conn = conn.execution_options(salescli_write=True)
                with conn.begin():
                    self._first_use(conn)
                    yield conn

    def _first_use(self, conn: Connection) -> None:
        """Run ``on_first_use`` (the App resolves who is acting: on PostgreSQL a login that is no rep is refused
        in one line before any query it could not run) in the first transaction."""
        hook, self.on_first_use = self.on_first_use, None
        if hook is not None:
            hook(conn)

    @contextmanager
    def _translate_errors(self, doing: str = "") -> Iterator[None]:
        """Every database error as one line (``error.orig``'s first line only: never the SQL statement or its
        parameters, which hold customer data). ``doing`` prefixes the generic cases (``N_("cannot migrate")``:
        translated where shown)."""
        try:
            yield
        except exc.DBAPIError as error:
            raise self.explain(error, doing) from None
        except exc.StatementError as error:  # raised before the driver ran it (binding a value): a bug, but its
            # text holds the statement and the values; the traceback (--debug) still shows everything
            if isinstance(error.orig, SalesError):
                raise error.orig from None
            cause = error.orig if error.orig is not None else error
            raise DatabaseLayerError(f"{type(cause).__name__}: {_first_line(cause)}") from error
        except OverflowError as error:  # sqlite3 refuses an int over 64 bits before SQLAlchemy sees an error
            raise InputError(_("a number is too large for the database ({problem}); nothing was saved").format(
                problem=_first_line(error))) from None
        except sqlite3.Error as error:  # the driver used directly (backup, restore)
            raise self.explain(error, doing) from None

    def explain(self, error: exc.DBAPIError | sqlite3.Error, doing: str = "") -> SalesError:
        """The one-line error for a database error: what happened and what to do, without statement or data."""
        orig: BaseException = error.orig if isinstance(error, exc.DBAPIError) and error.orig is not None else error
        path = self.sqlite_file.path if self.sqlite_file is not None else sqlite_path(self.url)
        if isinstance(orig, sqlite3.Error):
            known = sqlite_problem(orig, path, read_only=self.sqlite_file.read_only if self.sqlite_file else None)
            if known is not None:
                return known
        first = _first_line(orig)
        if self.sqlite_file is None and sqlite_path(self.url) is None:
            unreachable = postgres_connection_problem(first, self.url)
            if unreachable is not None:
                return unreachable
        if isinstance(error, exc.IntegrityError) or isinstance(orig, sqlite3.IntegrityError):
            return StoreError(_("refused by the database: {problem}").format(problem=first))
        if isinstance(error, exc.DataError) or isinstance(orig, sqlite3.DataError):
            return InputError(_("the database refused a value as bad input: {problem}; nothing was saved").format(
                problem=first))
        lowered = first.lower()
        if "deadlock detected" in lowered or "could not serialize" in lowered or "lock timeout" in lowered:
            return StoreError(_("the database is busy (another salescli is writing); try again"))
        if doing:
            return StoreError(_("{doing} database {url}: {problem}").format(doing=_(doing), url=self.display_url,
                                                                             problem=first))
        return StoreError(_("database {url}: {problem}").format(url=self.display_url, problem=first))

    # -- schema -----------------------------------------------------------------------------------

    def current_revision(self, conn: Connection) -> str | None:
        """The schema revision recorded in the database, or None for an empty one (one row read)."""
        from sqlalchemy import inspect

        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()

    def _foreign_tables(self, conn: Connection) -> bool:
        """Whether a database without salescli's schema already holds another program's tables."""
        from sqlalchemy import inspect

        return bool(inspect(conn).get_table_names())

    def _check_revision(self, conn: Connection, revision: str | None) -> None:
        """Refuse a database this salescli must not migrate: another program's, or a newer salescli's."""
        if revision is None and self._foreign_tables(conn):
            where = self.sqlite_file.path if self.sqlite_file is not None else _("database {url}").format(
                url=self.display_url)
            raise InputError(_("{path} holds another program's tables, not a salescli database; check --db "
                               "(nothing was changed)").format(path=where))
        if revision is not None and revision not in migrations.REVISIONS:
            raise StoreError(_("database {url} has schema {revision}, newer than this salescli knows; "
                               "upgrade salescli (nothing was changed)").format(url=self.display_url,
                                                                                revision=revision))

    def _ensure_schema(self) -> None:
        assert self._engine is not None
        with self._translate_errors(N_("cannot open")), self._engine.connect() as conn:
            revision = self.current_revision(conn)
            if revision != migrations.HEAD:
                self._check_revision(conn, revision)
        if revision == migrations.HEAD:
            return
        if self.sqlite_file is not None and self.sqlite_file.read_only:
            raise StoreError(_("the database {path} is read-only ({reason}) and needs its schema upgraded from "
                               "{old} to {new}: make it writable and run 'salescli db upgrade'").format(
                path=self.sqlite_file.path, reason=_read_only_reason(self.sqlite_file.read_only),
                old=revision or _("(empty)"), new=migrations.HEAD))
        self.upgrade()

    def upgrade(self) -> tuple[str | None, str]:
        """Migrate to head in one transaction; on SQLite with foreign keys off and after an online backup.

        Returns (revision before, revision after).
        """
        with self._translate_errors(N_("cannot migrate")):
            sqlite_file = self._open_file()
            if sqlite_file is not None and sqlite_file.read_only:
                raise StoreError(_("the database {path} is read-only ({reason}): it cannot be upgraded; make it "
                                   "writable first").format(path=sqlite_file.path,
                                                            reason=_read_only_reason(sqlite_file.read_only)))
            return self._upgrade(sqlite_file)

    def _upgrade(self, sqlite_file: SqliteFile | None) -> tuple[str | None, str]:
        from alembic import command
        from alembic.config import Config

        path = sqlite_file.path if sqlite_file is not None else None
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
                        if path is None:  # db upgrade at head still refreshes team mode's grants and policies
                            from salescli.services import team

                            team.after_upgrade(conn)
                        return before, before
                    self._check_revision(conn, before)
                    if path is not None and before is not None:
                        self.backup_to(path.with_name(f"{path.name}.before-{migrations.HEAD}.bak"), force=True,
                                       option="db upgrade")
                    config = Config()
                    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
                    config.attributes["connection"] = conn
                    command.upgrade(config, "head")
                    if path is None:  # PostgreSQL team mode: new tables get their owner, grants and row security
                        from salescli.services import team

                        team.after_upgrade(conn)
                    if path is not None:
                        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                        if broken:
                            raise StoreError(_("migration would break {count} references; nothing changed").format(
                                count=len(broken)))
            if path is not None:  # fresh statistics for the query planner (bounded work on a big database)
                with engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA analysis_limit = 1000")
                    conn.exec_driver_sql("PRAGMA optimize")
            return before, migrations.HEAD
        finally:
            if path is not None:
                engine.dispose()

    # -- copies -----------------------------------------------------------------------------------

    def backup_to(self, target: Path, *, force: bool, option: str = "db backup") -> int:
        """Copy the SQLite database to ``target`` with the online backup API (never ``cp``: consistent while
        others write), by the rules of ``salescli.files``: a private temporary file beside ``target``, checked
        with ``PRAGMA quick_check`` and placed only when complete and healthy; on any failure it is removed.
        The caller has checked ``target`` with ``files.check_target`` (and opened the database: ``engine``).
        Returns the size of the copy in bytes.

        A damaged database is not copied: the copy would look like a good backup. (quick_check reads every page;
        measured on 1M leads, a 261 MB file: backup 0.37 s, quick_check 0.6 s, full integrity_check 2.4 s.)
        """
        from salescli import files

        source = self._open_file()
        assert source is not None, "backup_to is for SQLite"
        folder = target.parent
        if not folder.is_dir():
            raise InputError(_("{option}: cannot write {path}: no such folder {folder}").format(
                option=option, path=target, folder=folder))
        try:
            with files.replace_via_temp(target, force=force, option=option, discard=_discard) as (tmp, fd):
                try:
                    copy = sqlite3.connect(tmp, isolation_level=None)
                    try:
                        if not os.path.samestat(os.fstat(fd), os.stat(tmp)):  # a link swapped in before connect
                            raise InputError(_("{option}: {path} changed while being written; try again").format(
                                option=option, path=tmp))
                        src = source.connect()
                        try:
                            src.backup(copy)
                        finally:
                            src.close()
                        copy.execute("PRAGMA journal_mode = DELETE")  # a standalone file, no -wal needed beside it
                        problems = integrity_problems(copy, "quick_check")
                    finally:
                        copy.close()
                except sqlite3.Error as error:  # told apart while the partial copy still fills the disk
                    code = _sqlite_code(error)
                    if code == "SQLITE_FULL" or (code.startswith("SQLITE_IOERR") and _disk_full(tmp)):
                        raise files.disk_full(option, target) from None
                    raise self.explain(error) from None
                if problems:
                    what = (_("is damaged ({problem}); it was not upgraded") if option == "db upgrade"
                            else _("is damaged ({problem}); it was not backed up"))
                    raise damaged(source.path, what.format(problem=problems[0]), reason=problems[0])
        except OSError as error:
            raise files.write_error(option, target, error) from None
        return target.stat().st_size

    # -- health -----------------------------------------------------------------------------------

    def check(self) -> tuple[dict[str, Any], list[str]]:
        """``db check``: what was checked (a record) and the problems found (empty when healthy). Does not
        create, migrate or write the database."""
        path = sqlite_path(self.url)
        if path is None:
            return self._check_server()
        record: dict[str, Any] = {"database": str(path), "backend": "sqlite"}
        try:
            sqlite_file = open_sqlite_file(path, create=False)
        except NotADatabase:
            return {**record, "ok": False}, ["no SQLite header: not a SQLite database, or its first page is damaged"]
        except Damaged as error:
            return {**record, "ok": False}, [error.reason]
        if sqlite_file.read_only:
            record["read_only"] = sqlite_file.read_only
        problems: list[str] = []
        try:  # only reads (a read-only connection would leave its -wal/-shm files behind on a writable one)
            conn = sqlite_file.connect()
        except sqlite3.Error as error:
            raise self.explain(error) from None
        try:
            try:
                problems += integrity_problems(conn, "integrity_check")
                broken = conn.execute("PRAGMA foreign_key_check").fetchmany(SHOWN_PROBLEMS + 1)
                problems += [f"foreign_key_check: {table} row {rowid} refers to a missing {parent} row"
                             for table, rowid, parent, _ in broken]
                record["checked"] = "integrity_check, foreign_key_check, schema revision"
                has_version = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                           "AND name = 'alembic_version'").fetchone()
                revision = (conn.execute("SELECT version_num FROM alembic_version").fetchone() or (None,))[0] \
                    if has_version else None
                tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            except sqlite3.DatabaseError as error:
                if _sqlite_code(error).startswith(("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_READONLY",
                                                   "SQLITE_CANTOPEN", "SQLITE_IOERR")):
                    raise self.explain(error) from None
                return {**record, "ok": False}, [*problems, _first_line(error)]
        finally:
            conn.close()
        return self._schema_report(record, problems, revision, tables)

    def _check_server(self) -> tuple[dict[str, Any], list[str]]:
        from sqlalchemy import inspect

        record: dict[str, Any] = {"database": self.display_url, "backend": make_url(self.url).get_backend_name()}
        engine = _make_engine(self.url)
        try:
            with self._translate_errors(N_("cannot reach")), engine.connect() as conn:
                record["server"] = str(conn.exec_driver_sql("SELECT version()").scalar() or "").split(" on ")[0]
                revision = self.current_revision(conn)
                tables = set(inspect(conn).get_table_names())
        finally:
            engine.dispose()
        record["checked"] = "connection, schema revision, tables present"
        return self._schema_report(record, [], revision, tables)

    @staticmethod
    def _schema_report(record: dict[str, Any], problems: list[str], revision: str | None,
                       tables: set[str]) -> tuple[dict[str, Any], list[str]]:
        from salescli import models

        record["schema"] = revision
        tables = {name for name in tables if not name.startswith("sqlite_")}
        if revision is None and tables:
            record["schema_status"] = "none: another program's tables"
            problems = [*problems, "not a salescli database: it holds another program's tables"]
        elif revision is None:
            record["schema_status"] = "empty (set up on first use)"
        elif revision not in migrations.REVISIONS:
            record["schema_status"] = "newer than this salescli: upgrade salescli"
        elif revision != migrations.HEAD:
            record["schema_status"] = f"older: 'salescli db upgrade' (or any command) migrates it to {migrations.HEAD}"
        else:
            record["schema_status"] = "current"
            expected = models.tables_on("postgresql" if record.get("backend") == "postgresql" else "sqlite")
            problems = problems + [f"table {name} is missing" for name in sorted(set(expected) - tables)]
        record["ok"] = not problems
        return record, problems


def _discard(copy: Path) -> None:
    """Remove an unfinished copy and whatever SQLite left beside it."""
    from salescli import files

    for leftover in files.database_files(copy):
        with contextlib.suppress(OSError):
            leftover.unlink()


def integrity_problems(conn: sqlite3.Connection, pragma: str = "integrity_check") -> list[str]:
    """The problems ``PRAGMA integrity_check`` (or ``quick_check``) reports, one per line; [] when healthy."""
    rows = conn.execute(f"PRAGMA {pragma}({SHOWN_PROBLEMS + 1})").fetchall()
    lines = [line.strip() for (text,) in rows for line in str(text).splitlines() if line.strip()]
    lines = [line for line in lines if line != "*** in database main ***"]
    return [] if lines == ["ok"] else lines


def restore_sqlite(backup: Path, target: Path, *, force: bool) -> int:
    """Copy ``backup`` over the live database ``target`` with the online backup API, after checking that the
    backup is a salescli database this version can read; refuses to replace records without ``force``.

    A target that is not a SQLite database at all (a damaged header) cannot take the backup API's pages: with
    ``force`` it is replaced by a complete copy written beside it (and its stale -wal/-shm files removed)."""
    try:
        source = open_sqlite_file(backup, create=False)
    except NotADatabase:
        raise InputError(_("{path} is not a salescli database").format(path=backup)) from None
    src = source.connect()
    try:
        version = src.execute("SELECT version_num FROM alembic_version").fetchone()
        ok = not integrity_problems(src, "integrity_check")
    except sqlite3.DatabaseError:
        src.close()
        raise InputError(_("{path} is not a salescli database").format(path=backup)) from None
    try:
        if version is None or not ok:
            raise InputError(_("{path} is not a usable salescli database (run 'salescli --db {path} db check')"
                               ).format(path=backup))
        if version[0] not in migrations.REVISIONS:
            raise StoreError(_("{path} has schema {revision}, newer than this salescli knows").format(
                path=backup, revision=version[0]))
        try:
            live = open_sqlite_file(target, create=True)
        except NotADatabase:
            if not force:
                raise PolicyError(_("{path} is not a salescli database (or is damaged); use --force to replace it "
                                    "with {backup}").format(path=target, backup=backup)) from None
            return _replace_file(src, target)
        if live.read_only:
            raise live.read_only_error()
        if not force:
            dst = live.connect()
            try:
                has_records = any(dst.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone()
                                  for t in ("leads", "customers", "deals", "reps", "products"))
            except sqlite3.DatabaseError:
                has_records = True
            finally:
                dst.close()
            if has_records:
                raise PolicyError(_("{path} holds records; use --force to replace it with {backup}").format(
                    path=target, backup=backup))
        dst = live.connect()
        try:
            src.backup(dst)
        except sqlite3.Error as error:
            if _sqlite_code(error) != "SQLITE_NOTADB" or not force:
                raise explain_file(error, target) from None
            dst.close()
            return _replace_file(src, target)
        finally:
            dst.close()
    finally:
        src.close()
    return target.stat().st_size


def _replace_file(src: sqlite3.Connection, target: Path) -> int:
    """Write a complete copy of ``src`` beside ``target`` and rename it over ``target``."""
    from salescli import files

    try:
        with files.replace_via_temp(target, discard=_discard) as (tmp, _fd):
            copy = sqlite3.connect(tmp, isolation_level=None)
            try:
                src.backup(copy)
                copy.execute("PRAGMA journal_mode = DELETE")
            finally:
                copy.close()
            for stale in (target.with_name(target.name + s) for s in ("-wal", "-shm", "-journal")):
                stale.unlink(missing_ok=True)
    except sqlite3.Error as error:
        raise explain_file(error, target) from None
    except OSError as error:
        raise files.write_error("db restore", target, error) from None
    return target.stat().st_size
