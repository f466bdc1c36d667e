"""Import speed and memory: `salescli import leads` (validated, deduplicated) against a plain loader (csv +
sqlite3.executemany into the same table in one transaction), side by side on the same generated files.

    python benchmarks/import_leads.py [--rows 100000 1000000] [--repeat 3] [--baseline REV]
    python benchmarks/import_leads.py --db postgresql://postgres@127.0.0.1:5432/postgres [--rows 200000 1000000]

With ``--db URL`` (a PostgreSQL server: the URL of a database to connect to for creating others) the same runs
happen on PostgreSQL, and the plain loader is Python csv + psycopg COPY into the same leads table in one
transaction; a second baseline also COPYs each lead's search terms into search_docs, as a tsvector (what
salescli's search index costs on top).
Each run gets a fresh scratch database, copied from one migrated template; all of them are dropped at
the end. Memory is the benchmark's process tree (salescli and its reader process), not the server's.

With ``--baseline REV`` (a git revision, e.g. the last release or ``HEAD~5``), that version of salescli is checked
out into a temporary folder and imports the same file in the same rounds, so a change is measured against the
code before it in one run (its time is printed beside the others, and the ratio of the two).

Each size: the two loaders run alternately ``--repeat`` times, each on a fresh database; the medians give rows/s
and the ratio (target: salescli at least 0.5x the plain loader). Then one more run of each measures memory:
the peak over the whole process tree (salescli forks a reader for big files), sampled every 20 ms, as
proportional set size (shared pages split between the processes that share them; target < 200 MB) and as the
plain sum of RSS (shared pages counted twice: an upper bound). Memory is sampled in its own run so the
sampling does not slow the timed ones. Also: a re-run of the same file (every row a duplicate).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import checkout, ensure_bytecode

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "艳", "勇", "杰", "娟", "涛", "明", "超")
COMPANIES = ("上海华信精密机械有限公司", "Northwind Logistics Ltd", "杭州启明软件有限公司", "深圳恒通物流有限公司")
SOURCES = ("web", "展会", "referral", "phone", "email", "social")
HEADER = ["name", "company", "email", "phone", "source", "city", "notes"]

PLAIN_PG = """
import csv, sys
from datetime import datetime
import psycopg
now = datetime.now()
with psycopg.connect(sys.argv[1]) as conn, open(sys.argv[2], newline="", encoding="utf-8") as fh:
    reader = csv.reader(fh)
    next(reader)
    with conn.cursor() as cur, cur.copy(
            "COPY leads (name, company, email, phone, source, city, notes, status, score, created_at, updated_at)"
            " FROM STDIN") as copy:
        for row in reader:
            copy.write_row(row + ["new", 0, now, now])
"""

PLAIN_PG_TERMS = """
import csv, sys
from datetime import datetime
from itertools import islice
import psycopg
from salescli.domain.search import column_terms
now = datetime.now()
names = ["name", "company", "email", "phone", "source", "city", "notes"]
with psycopg.connect(sys.argv[1]) as conn, open(sys.argv[2], newline="", encoding="utf-8") as fh:
    reader = csv.reader(fh)
    next(reader)
    cur = conn.cursor()
    while batch := list(islice(reader, 5000)):
        ids = [i for (i,) in cur.execute("SELECT nextval('leads_id_seq') FROM generate_series(1, %s)", (len(batch),))]
        with cur.copy("COPY leads (id, name, company, email, phone, source, city, notes, status, score, created_at,"
                      " updated_at) FROM STDIN") as copy:
            for i, row in zip(ids, batch):
                copy.write_row([i, *row, "new", 0, now, now])
        columns = dict(zip(names, zip(*batch)))
        columns["phone_key"] = columns.pop("phone")
        with cur.copy("COPY search_docs (kind, record_id, terms) FROM STDIN") as copy:
            for i, terms in zip(ids, column_terms("lead", columns, len(batch))):
                if terms:
                    quoted = ("'" + t.replace("\\\\", "\\\\\\\\").replace("'", "''") + "'" for t in terms)
                    copy.write_row((1, i, " ".join(quoted)))
"""

PLAIN = """
import csv, sqlite3, sys
from datetime import datetime
conn = sqlite3.connect(sys.argv[1])
now = datetime.now().isoformat(sep=" ")
with open(sys.argv[2], newline="", encoding="utf-8") as fh, conn:
    reader = csv.reader(fh)
    next(reader)
    conn.executemany(
        "INSERT INTO leads (name, company, email, phone, source, city, notes, status, score, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, 'new', 0, ?, ?)", (row + [now, now] for row in reader))
"""


def make_file(path: Path, rows: int) -> None:
    rnd = random.Random(rows)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for i in range(rows):
            name = rnd.choice(SURNAMES) + rnd.choice(GIVEN)
            writer.writerow([name, rnd.choice(COMPANIES), f"lead{i}@example.cn", f"1{rnd.choice('3589')}{i:09d}",
                             rnd.choice(SOURCES), rnd.choice(("上海", "北京", "Singapore")), "展会扫码"])


def fresh_db(path: Path | str, env: dict[str, str] | None = None) -> None:
    subprocess.run([sys.executable, "-m", "salescli", "--db", str(path), "db", "upgrade"], check=True,
                   capture_output=True, env=env)


class Server:
    """Scratch databases on a PostgreSQL server: one migrated template, a fresh copy of it per run."""

    def __init__(self, url: str, env: dict[str, str]) -> None:
        import psycopg

        self.admin = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
        self.base = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0]
        self.prefix = f"salescli_bench_{os.getpid()}"
        self.made: list[str] = []
        self.template = self._create(f"{self.prefix}_template")
        fresh_db(self.url(self.template), env)

    def url(self, name: str) -> str:
        return f"{self.base}/{name}"

    def _create(self, name: str, template: str | None = None) -> str:
        self.admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        self.admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        if name not in self.made:
            self.made.append(name)
        return name

    def fresh(self, name: str) -> str:
        return self.url(self._create(f"{self.prefix}_{name}", self.template))

    def close(self) -> None:
        for name in reversed(self.made):
            self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.close()


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr.decode())
    return time.perf_counter() - start


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        with contextlib.suppress(OSError):
            todo += [int(c) for c in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
    return pids


def _memory(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in kB."""
    pss = rss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
            elif line.startswith("Rss:"):
                rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def peak_memory(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Peak (PSS, RSS) in MB summed over the process and its children, sampled every 20 ms."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_pss = peak_rss = 0
    while proc.poll() is None:
        sizes = [_memory(p) for p in _tree(proc.pid)]
        peak_pss = max(peak_pss, sum(p for p, _ in sizes))
        peak_rss = max(peak_rss, sum(r for _, r in sizes))
        time.sleep(0.02)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr.read().decode() if proc.stderr else "failed")
    return peak_pss / 1024, peak_rss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", metavar="REV", help="Also run this git revision of salescli, side by side.")
    parser.add_argument("--db", metavar="URL", help="A PostgreSQL server (postgresql://USER@HOST:PORT/DB): run there, "
                        "in scratch databases, against csv + psycopg COPY.")
    args = parser.parse_args()
    ensure_bytecode()
    work = Path(tempfile.mkdtemp(prefix="salescli-import-"))
    env = {**os.environ, "HOME": str(work), "NO_COLOR": "1"}
    baseline = checkout(args.baseline, work) if args.baseline else None
    server = Server(args.db, env) if args.db else None
    try:
        for rows in args.rows:
            one_size(rows, work, env, args.repeat, baseline, server)
    finally:
        if server is not None:
            server.close()


def one_size(rows: int, work: Path, env: dict[str, str], repeat: int, baseline: Path | None = None,
             server: Server | None = None) -> None:
    data = work / f"leads-{rows}.csv"
    make_file(data, rows)

    def plain_cmd(db: Path | str) -> list[str]:
        return [sys.executable, "-c", PLAIN if server is None else PLAIN_PG, str(db), str(data)]

    def ours_cmd(db: Path | str) -> list[str]:
        return [sys.executable, "-m", "salescli", "--db", str(db), "import", "leads", str(data), "--quiet"]

    base_env = {**env, "PYTHONPATH": str(baseline)} if baseline else env

    def fresh(name: str, run_env: dict[str, str] | None = None) -> Path | str:
        if server is not None:
            if run_env is not None and run_env is not env:  # another version: its own migrations
                url = server.url(server._create(f"{server.prefix}_{name}"))
                fresh_db(url, run_env)
                return url
            return server.fresh(name)
        db = work / f"{name}-{rows}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        fresh_db(db, run_env)
        return db

    def indexed_cmd(db: Path | str) -> list[str]:
        return [sys.executable, "-c", PLAIN_PG_TERMS, str(db), str(data)]

    plain_s: list[float] = []
    indexed_s: list[float] = []
    ours_s: list[float] = []
    again_s: list[float] = []
    base_s: list[float] = []
    for _ in range(repeat):
        plain_s.append(timed(plain_cmd(fresh("plain")), env))
        if server is not None:
            indexed_s.append(timed(indexed_cmd(fresh("indexed")), env))
        if baseline is not None:
            base_s.append(timed(ours_cmd(fresh("baseline", base_env)), base_env))
        db = fresh("ours")
        ours_s.append(timed(ours_cmd(db), env))
        again_s.append(timed(ours_cmd(db), env))
    plain_mem = peak_memory(plain_cmd(fresh("plain")), env)
    ours_mem = peak_memory(ours_cmd(fresh("ours")), env)
    plain, ours, again = (statistics.median(v) for v in (plain_s, ours_s, again_s))
    ratio = plain / ours
    where = "PostgreSQL" if server is not None else "SQLite"
    plain_name = "plain csv + psycopg COPY " if server is not None else "plain csv + executemany  "
    print(f"{rows:>9,} leads ({data.stat().st_size / 1e6:.0f} MB CSV) on {where}, medians of {repeat}")
    print(f"  {plain_name} {rows / plain:>9,.0f} rows/s  ({', '.join(f'{t:.2f}' for t in plain_s)} s)"
          f"   peak PSS {plain_mem[0]:4.0f} MB, RSS {plain_mem[1]:4.0f} MB")
    if indexed_s:
        indexed = statistics.median(indexed_s)
        print(f"  the same + search terms   {rows / indexed:>9,.0f} rows/s  "
              f"({', '.join(f'{t:.2f}' for t in indexed_s)} s)   (COPY into search_docs too: what the index costs)")
    print(f"  salescli import leads     {rows / ours:>9,.0f} rows/s  ({', '.join(f'{t:.2f}' for t in ours_s)} s)"
          f"   peak PSS {ours_mem[0]:4.0f} MB, RSS {ours_mem[1]:4.0f} MB (all processes)")
    print(f"  re-run (all duplicates)   {rows / again:>9,.0f} rows/s  ({', '.join(f'{t:.2f}' for t in again_s)} s)")
    if base_s:
        base = statistics.median(base_s)
        print(f"  baseline salescli         {rows / base:>9,.0f} rows/s  ({', '.join(f'{t:.2f}' for t in base_s)} s)"
              f"   this version / baseline: {base / ours:.2f}x speed")
    if indexed_s:
        print(f"  ratio to csv + COPY with the search terms: {statistics.median(indexed_s) / ours:.2f}x")
    print(f"  ratio {ratio:.2f}x (target >= 0.50x) {'OK' if ratio >= 0.5 else 'UNDER'}; "
          f"peak {ours_mem[0]:.0f} MB (target < 200 MB) {'OK' if ours_mem[0] < 200 else 'OVER'}")


if __name__ == "__main__":
    main()
