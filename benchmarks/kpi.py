"""KPI report at scale: `salescli kpi report` against the same figures computed by one raw SQL query per grouping
(run with the sqlite3 module, or psycopg on PostgreSQL), side by side on one generated database; wall time and
peak memory (RSS) of each.

    python benchmarks/kpi.py [--orders 1000000] [--customers 100000] [--surveys 200000] [--runs 3] [--keep DB]
                             [--by rep month channel product]
    python benchmarks/kpi.py --db postgresql://postgres@127.0.0.1:5432/postgres [--keep-pg NAME] [...]

The database is generated once (cached at --keep if given) with the real schema (salescli's migrations).
Every order comes from its own deal, quote and signed contract; a year of activity, 20 reps.

With ``--db URL`` (a PostgreSQL server: the URL of a database to connect to for creating others) the same data
(the SQLite file generated as above, or --keep) is copied with COPY into a fresh database migrated by salescli,
which is dropped at the end; with ``--keep-pg NAME`` it is created under that name and kept, and reused when it
exists already.

Each grouping (--by, default all four): first one untimed run of each side whose figures are compared (the raw
query's sums go through the same KPI rules, targets aside; a mismatch stops the benchmark), then --runs rounds of
raw SQL and salescli alternately, so a busy machine weighs on both alike. One line per grouping: medians, the
ratio, peak RSS of each (ru_maxrss of the process), OK/OVER against the targets (SQLite: <= 1.50x and < 150 MB;
PostgreSQL: <= 1.25x). The raw query runs in its own Python process (sqlite3 or psycopg: start-up ~20 / ~100 ms);
on PostgreSQL with ``SET jit = off``, as one would run it by hand: the one big statement otherwise costs enough
for JIT inlining and optimisation, 9 s of compiling by product at 1M orders, which would flatter salescli.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from _common import ensure_bytecode

START = datetime(2026, 1, 1)
GROUPINGS = ("rep", "month", "channel", "product")


def generate(path: Path, orders: int, customers: int, surveys: int, reps: int = 20) -> None:
    from salescli.store import Store, resolve_url

    Store(resolve_url(str(path))).engine  # noqa: B018 - creates the file and migrates it to head
    rnd = random.Random(7)
    conn = sqlite3.connect(path)
    # timestamps as salescli (SQLAlchemy) stores them, microseconds always written: compared as text, a bare
    # "2027-01-01 00:00:00" is less than the bound "2027-01-01 00:00:00.000000" and would fall in the period
    sqlite3.register_adapter(datetime, lambda value: value.strftime("%Y-%m-%d %H:%M:%S.%f"))
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = OFF")
    t0 = time.perf_counter()
    with conn:
        conn.executemany("INSERT INTO reps (id, handle, name, role, active, created_at) VALUES (?,?,?,?,1,?)",
                         [(i, f"rep{i:02d}", f"Rep {i}", "rep", START) for i in range(1, reps + 1)])
        conn.executemany("INSERT INTO customers (id, name, name_key, tier, owner_id, created_at, updated_at) "
                         "VALUES (?,?,?,?,?,?,?)",
                         ((i, f"客户{i}", f"客户{i}", "B", rnd.randint(1, reps), START, START)
                          for i in range(1, customers + 1)))
        sources = ("web", "referral", "exhibition", "phone", "email", "social")

        def deal_rows():  # type: ignore[no-untyped-def]
            for i in range(1, orders + 1):
                created = START + timedelta(minutes=rnd.randint(0, 330 * 24 * 60))
                yield (i, f"Deal {i}", rnd.randint(1, customers), rnd.randint(1, reps), rnd.choice(sources),
                       "won", created, created, created)
        conn.executemany("INSERT INTO deals (id, title, customer_id, owner_id, source, stage, created_at, updated_at,"
                         " stage_at) VALUES (?,?,?,?,?,?,?,?,?)", deal_rows())
        lost = [(START + timedelta(minutes=rnd.randint(0, 364 * 24 * 60)), i)
                for i in rnd.sample(range(1, orders + 1), orders // 10)]
        conn.executemany("UPDATE deals SET stage = 'lost', closed_at = ? WHERE id = ?", lost)

        def contract_rows():  # type: ignore[no-untyped-def]
            for deal_id, created in conn.execute("SELECT id, created_at FROM deals"):
                signed = datetime.fromisoformat(created) + timedelta(days=rnd.randint(3, 60))
                net = rnd.randint(1_000, 500_000) * 100
                qty = rnd.randint(1, 20)
                yield (deal_id, f"C-2026-{deal_id:07d}", deal_id, deal_id, "signed", "CNY", 0, 1300, net, 0, net,
                       net * 13 // 100, net + net * 13 // 100, qty, signed, START)
        rows = list(contract_rows())
        conn.executemany("INSERT INTO quotes (id, number, revision, deal_id, status, currency, discount_bp, "
                         "tax_rate_bp, subtotal_minor, discount_minor, net_minor, tax_minor, total_minor, list_minor,"
                         " cost_minor, valid_until, needs_approval, sent_at, decided_at, created_at) "
                         "VALUES (?,?,1,?,'accepted','CNY',0,1300,?,0,?,?,?,?,?,?,0,?,?,?)",
                         ((r[0], f"Q-2026-{r[0]:07d}", r[0], r[8], r[8], r[11], r[12], r[8], r[8] * 6 // 10,
                           r[14].date(), r[14] - timedelta(days=2), r[14], r[14] - timedelta(days=3)) for r in rows))
        conn.executemany("INSERT INTO quote_lines (quote_id, position, sku, name, qty, unit_price_minor, "
                         "list_price_minor, unit_cost_minor, line_discount_bp, net_minor) VALUES (?,1,?,?,?,?,?,?,0,?)",
                         ((r[0], f"SKU-{r[0] % 50:02d}", "item", r[13], r[8] // r[13], r[8] // r[13],
                           r[8] * 6 // 10 // r[13], r[8]) for r in rows))
        conn.executemany("INSERT INTO contracts (id, number, quote_id, deal_id, status, currency, discount_bp, "
                         "tax_rate_bp, subtotal_minor, discount_minor, net_minor, tax_minor, total_minor, units, "
                         "signed_at, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        conn.executemany("INSERT INTO contract_lines (contract_id, position, sku, name, qty, unit_price_minor, "
                         "line_discount_bp, net_minor) VALUES (?,1,?,?,?,?,0,?)",
                         ((r[0], f"SKU-{r[0] % 50:02d}", "item", r[13], r[8] // r[13], r[8]) for r in rows))

        def order_rows():  # type: ignore[no-untyped-def]
            for r in rows:
                promised = r[14] + timedelta(days=rnd.randint(7, 45))
                delivered = r[14] + timedelta(days=rnd.randint(5, 50))
                yield (r[0], f"SO-2026-{r[0]:07d}", r[0], r[0], "delivered", promised.date(), delivered, delivered,
                       r[14], r[14])
        conn.executemany("INSERT INTO orders (id, number, contract_id, deal_id, status, promised, shipped_at, "
                         "delivered_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)", order_rows())

        def survey_rows():  # type: ignore[no-untyped-def]
            for n, order_id in enumerate(rnd.sample(range(1, orders + 1), surveys), 1):
                at = START + timedelta(minutes=rnd.randint(0, 364 * 24 * 60))
                yield (n, rnd.randint(1, customers), order_id, "email", f"tok{n}", "responded", at, at,
                       rnd.randint(0, 10), rnd.randint(1, 5), at)
        conn.executemany("INSERT INTO surveys (id, customer_id, order_id, channel, token, status, sent_at, "
                         "responded_at, nps, csat, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)", survey_rows())
    conn.execute("ANALYZE")
    conn.close()
    print(f"generated {orders:,} orders, {customers:,} customers, {surveys:,} survey responses in "
          f"{time.perf_counter() - t0:.0f} s ({path.stat().st_size / 1e6:.0f} MB)")


# The raw queries return one row per group: t (0; 1 for the total row), the group, then the columns of SUMS.
# Only by product is the total not the sum of the groups (a contract has several lines): a row with t = 1 holds it.
SUMS = ("revenue", "units", "won", "cycle_days", "lost", "promoters", "detractors", "nps_answers", "csat_total",
        "csat_answers", "surveys", "delivered", "on_time")

# What each family adds up, per backend (month: the grouping key's expression).
_SQLITE = {
    "won": "SUM(k.net_minor) AS rev, SUM(k.units) AS units, COUNT(DISTINCT k.deal_id) AS won, "
           "SUM(julianday(k.signed_at) - julianday(d.created_at)) AS cycle",
    "won_lines": "SUM(l.net_minor) AS rev, SUM(l.qty) AS units, COUNT(DISTINCT k.deal_id) AS won, "
                 "SUM(julianday(k.signed_at) - julianday(d.created_at)) AS cycle",
    "sv": "SUM(s.nps >= 9) AS p, SUM(s.nps <= 6) AS dt, COUNT(s.nps) AS n, SUM(s.csat) AS cs, COUNT(s.csat) AS cn, "
          "COUNT(*) AS k",
    "dl": "COUNT(*) AS delivered, SUM(date(od.delivered_at) <= od.promised) AS on_time",
    "month": "strftime('%Y-%m', {})",
    "s": ":s", "e": ":e",
}
_PG = {
    "won": "SUM(k.net_minor) AS rev, SUM(k.units) AS units, COUNT(DISTINCT k.deal_id) AS won, "
           "SUM(EXTRACT(EPOCH FROM k.signed_at - d.created_at)) / 86400 AS cycle",
    "won_lines": "SUM(l.net_minor) AS rev, SUM(l.qty) AS units, COUNT(DISTINCT k.deal_id) AS won, "
                 "SUM(EXTRACT(EPOCH FROM k.signed_at - d.created_at)) / 86400 AS cycle",
    "sv": "COUNT(*) FILTER (WHERE s.nps >= 9) AS p, COUNT(*) FILTER (WHERE s.nps <= 6) AS dt, COUNT(s.nps) AS n, "
          "SUM(s.csat) AS cs, COUNT(s.csat) AS cn, COUNT(*) AS k",
    "dl": "COUNT(*) AS delivered, COUNT(*) FILTER (WHERE od.delivered_at::date <= od.promised) AS on_time",
    "month": "date_trunc('month', {})",
    "s": "%(s)s", "e": "%(e)s",
}
_WHERE = {
    "won": "k.signed_at >= {s} AND k.signed_at < {e} AND k.status != 'cancelled'",
    "lost": "d.stage = 'lost' AND d.closed_at >= {s} AND d.closed_at < {e}",
    "sv": "s.status = 'responded' AND s.responded_at >= {s} AND s.responded_at < {e}",
    "dl": "od.delivered_at >= {s} AND od.delivered_at < {e} AND od.status != 'cancelled'",
}
_WIDTH = {"won": 4, "lost": 1, "sv": 6, "dl": 2}  # each family's columns, in the order of SUMS


def raw_sql(backend: str, by: str) -> str:
    """One query computing the figures of `kpi report --by BY --period P` (parameters s, e: the period's
    [start, end)), written as one would by hand: each family of records grouped on its own with only the joins
    its figures need, the four stacked (UNION ALL) and added up per group."""
    f = _SQLITE if backend == "sqlite" else _PG
    w = {name: where.format(s=f["s"], e=f["e"]) for name, where in _WHERE.items()}
    columns = {**f, "lost": "COUNT(*)", "lost_deals": "COUNT(DISTINCT d.id)"}

    def branch(family: str, key: str, source: str, what: str | None = None, total: bool = False) -> str:
        before = [n for n in _WIDTH][: list(_WIDTH).index(family)]
        after = [n for n in _WIDTH][list(_WIDTH).index(family) + 1:]
        zeros = ["0"] * sum(_WIDTH[n] for n in before) + [columns[what or family]] + \
            ["0"] * sum(_WIDTH[n] for n in after)
        return (f"SELECT {int(total)} AS t, {key} AS g, {', '.join(zeros)} FROM {source} WHERE {w[family]}"
                + ("" if total else " GROUP BY 2"))

    won = "contracts k JOIN deals d ON d.id = k.deal_id"
    if by in ("rep", "channel"):
        key = "d.owner_id" if by == "rep" else "d.source"
        branches = [branch("won", key, won), branch("lost", key, "deals d"),
                    branch("sv", "COALESCE(d.owner_id, c.owner_id)" if by == "rep" else key,
                           ("surveys s JOIN customers c ON c.id = s.customer_id" if by == "rep" else "surveys s")
                           + " LEFT JOIN orders od ON od.id = s.order_id LEFT JOIN deals d ON d.id = od.deal_id"),
                    branch("dl", key, "orders od JOIN deals d ON d.id = od.deal_id")]
    elif by == "month":
        m = f["month"]
        branches = [branch("won", m.format("k.signed_at"), won), branch("lost", m.format("d.closed_at"), "deals d"),
                    branch("sv", m.format("s.responded_at"), "surveys s"),
                    branch("dl", m.format("od.delivered_at"), "orders od")]
    else:
        assert by == "product"
        branches = [branch("won", "l.sku", "contract_lines l JOIN contracts k ON k.id = l.contract_id "
                           "JOIN deals d ON d.id = k.deal_id", "won_lines"),
                    branch("lost", "ql.sku", "deals d JOIN quotes q ON q.deal_id = d.id "
                           "JOIN quote_lines ql ON ql.quote_id = q.id", "lost_deals"),
                    branch("sv", "l.sku", "surveys s JOIN orders od ON od.id = s.order_id "
                           "JOIN contract_lines l ON l.contract_id = od.contract_id"),
                    branch("dl", "l.sku", "orders od JOIN contract_lines l ON l.contract_id = od.contract_id"),
                    # the total: each record once (a contract has several lines)
                    branch("won", "NULL", won, total=True), branch("lost", "NULL", "deals d", total=True),
                    branch("sv", "NULL", "surveys s", total=True), branch("dl", "NULL", "orders od", total=True)]
    sums = ", ".join(f"SUM(x{i})" for i in range(len(SUMS)))
    names = ", ".join(f"x{i}" for i in range(len(SUMS)))
    stacked = "\nUNION ALL ".join(branches)
    if by == "rep":
        return (f"WITH f (t, g, {names}) AS ({stacked})\nSELECT f.t, r.handle, {sums} FROM f "
                "LEFT JOIN reps r ON r.id = f.g GROUP BY f.t, f.g, r.handle")
    label = "to_char(g, 'YYYY-MM')" if by == "month" and backend != "sqlite" else "g"
    return f"WITH f (t, g, {names}) AS ({stacked})\nSELECT t, {label}, {sums} FROM f GROUP BY t, g"


RAW_SCRIPT = """
import json, sys
from datetime import datetime
s, e = datetime(2026, 1, 1), datetime(2027, 1, 1)
if sys.argv[1].startswith("postgresql"):
    import psycopg
    with psycopg.connect(sys.argv[1]) as conn:
        conn.execute("SET jit = off")  # one statement this big gets JIT-compiled with inlining: +6 s by product
        rows = conn.execute(sys.argv[2], {"s": s, "e": e}).fetchall()
else:
    import sqlite3
    conn = sqlite3.connect(sys.argv[1])
    bounds = {"s": s.strftime("%Y-%m-%d %H:%M:%S.%f"), "e": e.strftime("%Y-%m-%d %H:%M:%S.%f")}  # as salescli's
    rows = conn.execute(sys.argv[2], bounds).fetchall()
assert rows
json.dump(rows, sys.stdout, default=str)
"""


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float, bytes]:
    """Wall seconds, peak RSS (MB) and the output of one child process."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
        out.seek(0)
        return wall, usage.ru_maxrss / 1024, out.read()


def check(by: str, ours: dict[str, Any], raw: list[list[Any]]) -> list[str]:
    """Where salescli's JSON differs from the raw query's sums taken through the same KPI rules (all but target
    and attainment, which raw SQL does not compute); [] when every row and the total agree."""
    from decimal import Decimal

    from salescli.domain import kpi as rules
    from salescli.domain.money import from_minor

    def sums(values: list[Any]) -> Any:
        v: dict[str, Any] = {name: (from_minor(int(x or 0)) if name == "revenue" else
                                    Decimal(str(round(float(x or 0), 6))) if name == "cycle_days" else int(x or 0))
                             for name, x in zip(SUMS, values, strict=True)}
        return rules.Sums(**v)

    def figures(s: Any) -> dict[str, Any]:
        out = json.loads(json.dumps(rules.as_numbers(rules.measures(s, None)), default=str))
        return {k: v for k, v in out.items() if k not in ("target", "attainment")}

    groups = {r[1]: sums(r[2:]) for r in raw if r[0] == 0}
    total = next((sums(r[2:]) for r in raw if r[0] == 1), None) or sum(groups.values(), rules.Sums())
    theirs = {row[by]: {k: v for k, v in row.items() if k not in (by, "target", "attainment")} for row in ours["rows"]}
    problems = []
    for key in sorted(set(groups) | set(theirs), key=lambda k: (k is None, str(k))):
        expected = figures(groups.get(key, rules.Sums()))
        if theirs.get(key, figures(rules.Sums())) != expected:
            problems.append(f"{by} {key}: salescli {theirs.get(key)} != raw SQL {expected}")
    got = {k: v for k, v in ours["total"].items() if k not in ("target", "attainment")}
    if got != figures(total):
        problems.append(f"total: salescli {got} != raw SQL {figures(total)}")
    return problems


# -- PostgreSQL ----------------------------------------------------------------------------------------------

TABLES = ("reps", "customers", "deals", "quotes", "quote_lines", "contracts", "contract_lines", "orders", "surveys")


def pg_database(server: str, name: str, source: Path, env: dict[str, str]) -> tuple[str, bool]:
    """The URL of database ``name`` on ``server``, holding the data of the SQLite file ``source``: created,
    migrated by salescli and filled by COPY, unless it exists already with its orders (then reused as it is).
    Also: whether it was created here."""
    import psycopg
    from psycopg import sql

    admin = server.replace("postgresql+psycopg://", "postgresql://")
    url = f"{admin.rsplit('/', 1)[0]}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    if exists:
        with psycopg.connect(url) as conn:
            found = conn.execute("SELECT count(*) FROM orders").fetchone()
        print(f"reusing PostgreSQL database {name} ({found[0] if found else 0:,} orders)", flush=True)
        return url, False
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        subprocess.run([sys.executable, "-m", "salescli", "--db", url, "db", "upgrade"], env=env, check=True,
                       capture_output=True)
        t0 = time.perf_counter()
        copied = 0
        src = sqlite3.connect(source)
        with psycopg.connect(url) as conn:
            conn.execute("SET session_replication_role = replica")  # the rows are consistent: no per-row FK checks
            for table in TABLES:
                theirs = {c for (c,) in conn.execute("SELECT column_name FROM information_schema.columns "
                                                     "WHERE table_name = %s", (table,))}
                columns = [r[1] for r in src.execute(f"PRAGMA table_info({table})") if r[1] in theirs]
                listed = sql.SQL(", ").join(map(sql.Identifier, columns))
                with conn.cursor().copy(sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table),
                                                                                 listed)) as copy:
                    for row in src.execute(f"SELECT {', '.join(columns)} FROM {table}"):
                        copy.write_row(row)
                        copied += 1
                conn.execute(sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'id'), (SELECT max(id) FROM {}))")
                             .format(sql.Literal(table), sql.Identifier(table)))
        src.close()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        print(f"copied {copied:,} rows into PostgreSQL database {name} in {time.perf_counter() - t0:.0f} s",
              flush=True)
    except BaseException:
        pg_drop(server, name)
        raise
    return url, True


def pg_drop(server: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--surveys", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--by", nargs="+", choices=GROUPINGS, default=list(GROUPINGS), help="groupings to measure")
    parser.add_argument("--keep", type=Path, help="reuse / keep the generated (SQLite) database here")
    parser.add_argument("--db", metavar="URL", help="a PostgreSQL server (postgresql://USER@HOST:PORT/DB): run "
                        "there, in a fresh database filled with the same data")
    parser.add_argument("--keep-pg", metavar="NAME", help="with --db: create the PostgreSQL database under this name "
                        "and keep it (reused when it exists)")
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    ensure_bytecode()
    if args.generate:
        generate(args.generate, args.orders, args.customers, args.surveys)
        return
    workdir = Path(tempfile.mkdtemp(prefix="salescli-kpi-"))
    env = {**os.environ, "HOME": str(workdir), "NO_COLOR": "1"}
    env.pop("SALESCLI_REP", None)
    db = args.keep or workdir / "kpi.db"
    pg_name = args.keep_pg or f"salescli_kpi_{os.getpid()}"
    created, have = False, None
    try:
        if args.db:
            import psycopg

            with psycopg.connect(args.db.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as c:
                have = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (pg_name,)).fetchone()
        if not db.exists() and not (args.db and have):  # in a child process: this one stays small
            subprocess.run([sys.executable, __file__, "--generate", str(db), "--orders", str(args.orders),
                            "--customers", str(args.customers), "--surveys", str(args.surveys)], check=True)
        if args.db:
            target, created = pg_database(args.db, pg_name, db, env)
            backend, label, limit, rss_limit = "postgresql", "PostgreSQL", 1.25, None
        else:
            target, backend, label, limit, rss_limit = str(db), "sqlite", "SQLite", 1.5, 150.0
        env["SALESCLI_DB"] = target
        measure(args, backend, label, target, env, limit, rss_limit)
    finally:
        if args.db and created and not args.keep_pg:
            pg_drop(args.db, pg_name)
        shutil.rmtree(workdir, ignore_errors=True)  # the generated database too, unless --keep put it elsewhere


def measure(args: argparse.Namespace, backend: str, label: str, target: str, env: dict[str, str], limit: float,
            rss_limit: float | None) -> None:
    print(f"{args.orders:,} orders · {label} · medians of {args.runs} runs, raw SQL and salescli alternately · "
          f"targets: salescli <= {limit:.2f}x raw SQL" + (f", peak RSS < {rss_limit:.0f} MB" if rss_limit else ""),
          flush=True)
    print(f"  {'by':<8} {'salescli':>9} {'raw SQL':>9} {'ratio':>7}   peak RSS salescli / raw", flush=True)
    for by in args.by:
        ours = [sys.executable, "-m", "salescli", "kpi", "report", "--period", "2026", "--by", by, "--format", "json"]
        raw = [sys.executable, "-c", RAW_SCRIPT, target, raw_sql(backend, by)]
        # an untimed first run of each (it also warms the caches): the raw query must give salescli's figures
        problems = check(by, json.loads(run_measured(ours, env)[2]),
                         json.loads(run_measured(raw, env)[2]))
        if problems:
            raise SystemExit(f"--by {by}: the raw SQL does not compute salescli's figures:\n  " + "\n  ".join(problems))
        results: dict[str, list[tuple[float, float, bytes]]] = {"ours": [], "raw": []}
        for _ in range(args.runs):
            results["raw"].append(run_measured(raw, env))
            results["ours"].append(run_measured(ours, env))
        wall = {name: statistics.median(v[0] for v in values) for name, values in results.items()}
        rss = {name: max(v[1] for v in values) for name, values in results.items()}
        ratio = wall["ours"] / wall["raw"]
        verdict = f"ratio {'OK' if ratio <= limit else 'OVER'}"
        if rss_limit is not None:
            verdict += f", RSS {'OK' if rss['ours'] < rss_limit else 'OVER'}"
        print(f"  {by:<8} {wall['ours']:7.2f} s {wall['raw']:7.2f} s {ratio:6.2f}x   {rss['ours']:4.0f} MB / "
              f"{rss['raw']:3.0f} MB   {verdict}", flush=True)


if __name__ == "__main__":
    main()
