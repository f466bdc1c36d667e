"""Every test runs in its own HOME, config and database; no test touches a real user directory."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from typer.testing import CliRunner

from salescli.cli import app

T = TypeVar("T")

PG_ADMIN_URL = os.environ.get("SALESCLI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def _build_each_group_once_per_language() -> None:
    """In-process runs (Cli below) build a command group's Click command once per language and reuse it, as
    ``salescli shell`` does, instead of once per run: Typer's building is about half of a short command's time
    in a test. The group is still loaded (``salescli.commands.load``) and decorated in the language current when
    it is first needed, exactly as a real process does; a real process (run_subprocess) builds it every time.
    SALESCLI_TEST_FRESH_COMMANDS=1 builds it every time here too."""
    if os.environ.get("SALESCLI_TEST_FRESH_COMMANDS") == "1":
        return
    from salescli import commands, i18n

    load = commands.load
    built: dict[tuple[str, str], object] = {}

    def load_once(name: str) -> object:
        key = (name, i18n.language())
        if key not in built:
            built[key] = load(name)
        return built[key]

    commands.load = load_once


_build_each_group_once_per_language()


@pytest.fixture(autouse=True)
def isolate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    for name in list(os.environ):
        if name.startswith("SALESCLI_") and name != "SALESCLI_TEST_PG":
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    # English unless a test asks for Chinese (the machine's locale must not change what tests read)
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    # Unexpected exceptions propagate (with their traceback) instead of becoming one error line.
    monkeypatch.setenv("SALESCLI_DEBUG", "1")
    return home


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def _plain(value: Any) -> Any:
    """Values read back the same from either backend (SQLite's stored forms)."""
    import datetime as dt

    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class Cli:
    """Runs salescli through Typer's CliRunner against one database (a SQLite file or a PostgreSQL URL)."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.runner = CliRunner()
        self._engine: Any = None

    @property
    def engine(self) -> Any:
        if self._engine is None:
            from sqlalchemy import create_engine
            from sqlalchemy.pool import NullPool

            from salescli.store import resolve_url

            self._engine = create_engine(resolve_url(self.db), poolclass=NullPool)
        return self._engine

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Run SQL (with ? placeholders) on the database directly, the same way on both backends."""
        from sqlalchemy import text

        names = {f"p{i}": p for i, p in enumerate(params)}
        for i in range(len(params)):
            sql = sql.replace("?", f":p{i}", 1)
        with self.engine.begin() as conn:
            result = conn.execute(text(sql), names)
            return [tuple(_plain(v) for v in row) for row in result] if result.returns_rows else []

    def count(self, table: str) -> int:
        return int(self.rows(f"SELECT count(*) FROM {table}")[0][0])

    def __call__(self, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> Run:
        result = self.runner.invoke(app, ["--db", self.db, *args], input=input, env=env, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    def ok(self, *args: str, **kwargs: Any) -> Run:
        run = self(*args, **kwargs)
        assert run.exit_code == 0, f"exit {run.exit_code}: {run.stderr}"
        return run

    def id(self, *args: str) -> int:
        """Run a create command and return the id it printed alone on stdout."""
        out = self.ok(*args).stdout
        assert out.endswith("\n") and out.count("\n") == 1, out
        return int(out.strip())

    def json(self, *args: str) -> Any:
        return self.ok(*args, "--format", "json").json()

    def fails(self, code: int, *args: str) -> str:
        """Run, expect exit ``code`` with exactly one ``error:`` line; return that line."""
        run = self(*args)
        assert run.exit_code == code, f"expected exit {code}, got {run.exit_code}: {run.stdout}{run.stderr}"
        assert len(run.error_lines) == 1 and run.error_lines[0].startswith("error: "), run.stderr
        return run.error_lines[0]


# -- scheduling (pytest-xdist, --dist loadgroup) ------------------------------------------------------------------


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker per core, plus one. The team-mode tests all run on one worker (below), which mostly
    waits for PostgreSQL (role and database DDL: ~100 s of its CPU in ~400 s); the extra worker keeps both cores
    busy meanwhile. Measured on 2 cores, the whole suite: 2 workers 5 min 05 s, 3 workers 3 min 23 s."""
    return (os.cpu_count() or 1) + 1

# The tests that take longest (over ~4 s each in `pytest --durations=60`, on a busy machine), longest first: they
# start first, so that no worker is left running a long one alone at the end. A name here that no longer exists only
# loses its place.
SLOW_FIRST = (
    "tests/test_team.py::test_eight_writers_never_duplicate_numbers_postgres",
    "tests/test_import.py::test_sigkill_mid_import_leaves_nothing_and_rerun_completes",
    "tests/test_store.py::test_database_at_every_earlier_revision_upgrades_with_rows_intact",
    "tests/test_team.py::test_eight_writers_never_duplicate_numbers_sqlite",
    "tests/test_import_pg.py::test_a_killed_import_leaves_nothing_and_ids_stay_right",
    "tests/test_import_pipeline.py::test_stopping_a_big_import_saves_nothing_and_leaves_no_reader",
    "tests/test_help_examples.py::test_examples_work_on_the_sample",
    "tests/test_soak_smoke.py::test_soak_runs_clean_and_its_checks_catch_damage",
    "tests/test_team.py::test_sigkill_during_quote_revisions_keeps_quotes_whole",
    "tests/test_i18n.py::test_tables_read_chinese_and_json_stays_byte_identical",
    "tests/test_documents.py::test_pdf_fonts_cover_every_character_or_the_render_refuses",
    "tests/test_import_pg.py::test_a_big_file_in_many_chunks_matches_sqlite",
    "tests/test_survey_serve.py::test_end_to_end_the_emailed_link_in_headless_chromium",
    "tests/test_needs_interactive.py::test_ctrl_c_at_any_prompt_writes_nothing",
    "tests/test_needs_interactive.py::test_interactive_intake_stores_the_same_needs_as_flags",
    "tests/test_postgres.py::test_all_ten_steps_give_the_same_answers_on_postgres",
    "tests/test_readme_tour.py::test_every_tour_line_runs_in_order",
    "tests/test_concurrency.py::test_parallel_writers_lose_nothing",
    "tests/test_kpi_page.py::test_html_page_is_self_contained_readable_and_fits_1280",
    "tests/test_documents.py::test_html_fits_a4_in_chromium",
    "tests/test_lost_merge.py::test_customer_merge_moves_contacts_deals_leads_tasks_and_surveys",
)


def _takes_team_roles_lock(item: pytest.Item) -> bool:
    return "team_roles_lock" in getattr(item, "fixturenames", ())


def _team_list(testrunuid: str) -> Path:
    """Where the workers leave the ids of the tests that take the team-roles lock, for the scheduler."""
    import tempfile

    return Path(tempfile.gettempdir()) / f"salescli-test-team-{testrunuid}.txt"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On an xdist worker: the tests that take the team-roles lock come first, then SLOW_FIRST, the rest keep their
    order; the team tests' ids go to the scheduler below (every worker collects the same, in the same order)."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        return  # not an xdist worker: the order does not matter
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}

    def place(item: pytest.Item) -> int:
        if _takes_team_roles_lock(item):
            return -1
        return rank.get(item.nodeid.split("[", 1)[0], len(rank))

    items.sort(key=place)
    target = _team_list(workerinput["testrunuid"])
    written = target.with_name(f"{target.name}.{os.getpid()}")
    written.write_text("".join(f"{item.nodeid}\n" for item in items if _takes_team_roles_lock(item)),
                       encoding="utf-8")
    os.replace(written, target)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """--dist loadgroup, with the tests that take the team-roles lock as one group: one worker runs them one after
    another (on two they would only wait for each other), first, as the longest piece of work, while the other
    workers run everything else, one test at a time in the workers' order (SLOW_FIRST first). pytest-xdist's own
    xdist_group marks do not group under pytest 9 (it renames ``item._nodeid``, which pytest 9 no longer reads)."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class TeamFirst(LoadGroupScheduling):
        team: frozenset[str] = frozenset()

        def schedule(self) -> None:
            if self.collection is None and self.nodes:
                listed = _team_list(self.nodes[0].workerinput["testrunuid"])
                with suppress(OSError):
                    self.team = frozenset(listed.read_text(encoding="utf-8").splitlines())
                    listed.unlink()
            super().schedule()

        def _split_scope(self, nodeid: str) -> str:
            return "team_roles" if nodeid in self.team else super()._split_scope(nodeid)

    return TeamFirst(config, log)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "sales.db"


@pytest.fixture(params=["sqlite", "postgres"])
def cli(request: pytest.FixtureRequest, db_path: Path) -> Cli:
    """The CLI on a fresh database, already migrated to the current schema (a copy of a template migrated once
    per test session; ``@pytest.mark.empty_db`` for a database that is truly empty): every test using it runs
    on SQLite and on the real PostgreSQL."""
    empty = request.node.get_closest_marker("empty_db") is not None
    if request.param == "sqlite":
        if not empty:
            import shutil

            shutil.copyfile(request.getfixturevalue("sqlite_template"), db_path)
            db_path.chmod(0o600)
        return Cli(str(db_path))
    if empty:
        return Cli(request.getfixturevalue("pg_url"))
    return Cli(request.getfixturevalue("pg_migrated_url"))


@pytest.fixture
def sqlite_cli(db_path: Path) -> Cli:
    """For tests about SQLite itself (file modes, WAL, backups, processes killed on the file)."""
    return Cli(str(db_path))


@pytest.fixture
def team_roles_lock() -> Iterator[None]:
    """Held by a test that sets up team mode, from before ``team init`` until its roles are dropped. Team mode's
    group roles are cluster-wide and a teardown drops them when no database uses them, so two such tests at once
    (two pytest-xdist workers, or two test runs on one server) would race: a file lock makes them take turns."""
    import fcntl
    import tempfile

    with open(Path(tempfile.gettempdir()) / "salescli-test-team-roles.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def delivered_order(cli: Cli, *, second_contact: bool = True) -> tuple[str, int]:
    """An order delivered to 上海华信 (contact 赵敏, and Bob Smith unless ``second_contact`` is False), through the
    whole sales process: its number and the customer's id. For the steps after delivery (surveys, merges)."""
    cli.ok("product", "add", "GW-1", "--name", "工业网关", "--price", "1200", "--cost", "700")
    cid = cli.id("customer", "add", "上海华信")
    cli.id("contact", "add", str(cid), "--name", "赵敏", "--email", "zhao@example.cn")
    if second_contact:
        cli.id("contact", "add", str(cid), "--name", "Bob Smith", "--email", "bob@example.com")
    lead = cli.id("lead", "add", "赵敏", "--source", "web", "--company", "上海华信", "--email", "zhao@example.cn")
    deal = cli.id("lead", "convert", str(lead))
    quote = cli.ok("quote", "create", str(deal), "--item", "GW-1:1").stdout.strip()
    cli.ok("quote", "send", quote)
    cli.ok("quote", "accept", quote)
    contract = cli.ok("contract", "create", quote).stdout.strip()
    cli.ok("contract", "sign", contract, "--signed-by", "赵敏")
    number = cli.ok("order", "create", contract, "--promised", "+10d").stdout.strip()
    cli.ok("order", "update", number, "--status", "delivered")
    return number, cid


_PG_SEEN: list[bool] = []  # reached once in this process: not asked again for every test


def pg_available() -> bool:
    if _PG_SEEN:
        return True
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            _PG_SEEN.append(True)
            return True
    except Exception:
        return False


def _require_pg() -> None:
    if not pg_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL} (CI requires it)")
        pytest.skip("no PostgreSQL server reachable")


def _drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _Dropper:
    """Test databases dropped on a background thread, so that no test waits for it: on PostgreSQL 15 every DROP
    DATABASE forces a checkpoint (up to seconds while other tests write). The session waits for the last ones
    (pytest_sessionfinish); one that failed is tried again there."""

    def __init__(self) -> None:
        self.queue: queue.Queue[str | None] = queue.Queue()
        self.thread: threading.Thread | None = None
        self.failed: list[str] = []

    def drop(self, name: str) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="salescli-test-dropper", daemon=True)
            self.thread.start()
        self.queue.put(name)

    def _run(self) -> None:
        while (name := self.queue.get()) is not None:
            try:
                _drop_database(name)
            except Exception:
                self.failed.append(name)

    def close(self) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
            self.thread = None
        failed, self.failed = self.failed, []
        for name in failed:
            with suppress(Exception):
                _drop_database(name)


_DROPPER = _Dropper()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    import shutil

    for name in _BUILT_PG:
        _DROPPER.drop(name)
    _DROPPER.close()
    for folder in _BUILT_FOLDERS:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def _pg_database(template: str | None = None) -> Iterator[str]:
    """A new database (a copy of ``template``), dropped afterwards: in the background when no role depends on it
    (nothing of it in pg_shdepend: no object owned by, or granted to, a role a test made), else at once, so that a
    test's teardown can drop its roles right after."""
    import psycopg

    name = f"salescli_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            row = conn.execute("SELECT EXISTS (SELECT 1 FROM pg_shdepend d JOIN pg_database db ON db.oid = d.dbid "
                               "WHERE db.datname = %s)", (name,)).fetchone()
            if row is not None and not row[0]:
                _DROPPER.drop(name)  # no role depends on it (or it is gone already)
            else:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A brand-new, empty PostgreSQL database for one test, dropped afterwards. In CI a missing server fails."""
    _require_pg()
    with _pg_database() as url:
        yield url


def _migrate(url: str) -> None:
    from salescli.store import Store, resolve_url

    store = Store(resolve_url(url))
    try:
        store.upgrade()
    finally:
        store.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database migrated to the current schema, once per test session (per xdist worker)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    _migrate(str(path))
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A PostgreSQL database migrated to the current schema, once per session: test databases are its copies."""
    _require_pg()
    with _pg_database() as url:
        _migrate(url)
        yield url.rsplit("/", 1)[1]


@pytest.fixture
def pg_migrated_url(pg_template: str) -> Iterator[str]:
    """A PostgreSQL database for one test, a copy of the migrated template, dropped afterwards."""
    with _pg_database(pg_template) as url:
        yield url


_BUILT: dict[tuple[str, str], tuple[str, Any]] = {}  # (build, backend) → (where its copy is, what build returned)
_BUILT_PG: list[str] = []  # the PostgreSQL copies, dropped when the session ends
_BUILT_FOLDERS: list[Path] = []  # the SQLite copies' folders, removed when the session ends


def built(request: pytest.FixtureRequest, cli: Cli, build: Callable[[Cli], T]) -> T:
    """``build(cli)`` on the ``cli`` fixture's fresh database, run once per backend in a test process and copied
    for every further test that asks (a SQLite file copy; on PostgreSQL a new database from it as a template):
    the same rows, ids and sequences, without running every command of the build again. Only for a build that
    writes nothing but the database (no config file, no other file: checked under HOME) and whose result does not
    depend on which test ran it or when in the session."""
    import shutil
    import sqlite3
    import tempfile
    from copy import deepcopy as copy_of

    key = (f"{build.__module__}.{build.__qualname__}", "postgres" if "://" in cli.db else "sqlite")
    if key in _BUILT:
        where, value = _BUILT[key]
        if key[1] == "sqlite":
            for leftover in (Path(f"{cli.db}-wal"), Path(f"{cli.db}-shm")):
                leftover.unlink(missing_ok=True)
            shutil.copy(where, cli.db)  # and its mode
        else:
            copy = _pg_database(where)
            cli.db = copy.__enter__()
            cli._engine = None
            request.addfinalizer(lambda: copy.__exit__(None, None, None))
        return copy_of(value)

    def files_at_home() -> list[tuple[str, int, int]]:
        return sorted((str(p), p.stat().st_size, p.stat().st_mtime_ns)
                      for p in Path(os.environ["HOME"]).rglob("*") if p.is_file())

    before = files_at_home()
    value = build(cli)
    assert files_at_home() == before, f"{key[0]} wrote a file besides the database: it cannot be copied"
    if key[1] == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="salescli-test-built-"))
        _BUILT_FOLDERS.append(folder)
        where = str(folder / "built.db")
        source, target = sqlite3.connect(cli.db), sqlite3.connect(where)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        shutil.copymode(cli.db, where)
    else:
        import psycopg

        where = f"salescli_test_built_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{where}" TEMPLATE "{cli.db.rsplit("/", 1)[1]}"')
        _BUILT_PG.append(where)
    _BUILT[key] = (where, copy_of(value))
    return value


def run_subprocess(*args: str, env: dict[str, str] | None = None,
                   timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """salescli as a real process (for start-up, import and exit-code behaviour)."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "salescli", *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout)


@contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """``os.environ`` is exactly ``env`` (nothing else set) inside, as it was afterwards."""
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_like_a_process(*args: str, env: dict[str, str], input: str | None = None) -> Run:
    """salescli as ``python -m salescli ARGS`` would run with exactly ``env`` as its environment (the language
    chosen from it, as ``salescli.cli.main`` chooses it), but in this process: about 0.5 s less per run than
    run_subprocess, for what a command prints, stores and exits with. A test about the process itself (a real
    terminal, a signal, start-up, imports, the exit on a broken pipe) starts one (run_subprocess). Typer's help
    layout stays as the other in-process runs have it (help_text.install, which main also calls, patches Typer for
    good: not here, so that no later test depends on whether one of these ran before it)."""
    from salescli import help_text, i18n
    from salescli.cli import choose_language

    before = i18n.language()
    install = help_text.install
    with _environment(env):
        help_text.install = lambda: None  # type: ignore[assignment]
        try:
            choose_language()
        finally:
            help_text.install = install  # type: ignore[assignment]
        try:
            result = CliRunner().invoke(app, list(args), input=input, prog_name="salescli", catch_exceptions=False)
        finally:
            i18n.use(before)
    return Run(result.exit_code, result.stdout, result.stderr)


def snapshot(target: Path | Cli) -> list[Any]:
    """Every row of every table: equal snapshots mean nothing changed (a SQLite file, or any Cli's database)."""
    if isinstance(target, Path):
        import sqlite3

        conn = sqlite3.connect(target)
        try:
            return list(conn.iterdump())
        finally:
            conn.close()
    from sqlalchemy import select

    from salescli import models

    out: list[Any] = []
    with target.engine.connect() as conn:
        for name in sorted(models.tables_on(conn.dialect.name)):
            table = models.metadata.tables[name]
            out.append(name)
            out.extend(tuple(_plain(v) for v in row)
                       for row in conn.execute(select(table).order_by(*table.primary_key.columns)))
    return out


# -- the bad-input catalogue ----------------------------------------------------------------------------------
# A case is (exit code, arguments, a fragment of the one error line). "{tmp}" in an argument is the test's tmp
# folder, "{db}" the database path (SQLite). Catalogue modules (tests/test_bad_input*.py, tests/test_safety_*.py)
# each keep a module-level CASES list; tests/test_bad_input.py counts them all.

Case = tuple[int, list[str], str]


def check_refusals(cli: Cli, cases: list[Case], tmp_path: Path, *, db: str | None = None) -> None:
    """Every case exits with its code and exactly one ``error:`` line containing its fragment (no traceback, no
    SQL), and the database is unchanged row for row afterwards."""
    before = snapshot(cli)
    for code, args, fragment in cases:
        line = cli.fails(code, *(a.replace("{tmp}", str(tmp_path)).replace("{db}", db or cli.db) for a in args))
        assert fragment in line, (args, line)
        assert "Traceback" not in line and "SELECT" not in line and "INSERT" not in line, (args, line)
    assert snapshot(cli) == before
