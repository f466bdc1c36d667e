"""KPI report at scale: `salescli kpi report` against the same aggregation written as one raw SQL query run with
the sqlite3 module, side by side on one generated database; wall time and peak memory (RSS) of each.

    python benchmarks/kpi.py [--orders 1000000] [--customers 100000] [--surveys 200000] [--runs 3] [--keep DB]

The database is generated once (cached at --keep if given) with the real schema (salescli's migrations).
Every order comes from its own deal and signed contract; a year of activity, 20 reps.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from _common import ensure_bytecode

START = datetime(2026, 1, 1)


def generate(path: Path, orders: int, customers: int, surveys: int, reps: int = 20) -> None:
    from salescli.store import Store, resolve_url

    Store(resolve_url(str(path))).engine  # noqa: B018 - creates the file and migrates it to head
    rnd = random.Random(7)
    conn = sqlite3.connect(path)
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


RAW = """
WITH won AS (
  SELECT d.owner_id AS o, SUM(k.net_minor) AS rev, SUM(k.units) AS units, COUNT(DISTINCT k.deal_id) AS won,
         SUM(julianday(k.signed_at) - julianday(d.created_at)) AS cycle
  FROM contracts k JOIN deals d ON d.id = k.deal_id
  WHERE k.signed_at >= :s AND k.signed_at < :e AND k.status != 'cancelled' GROUP BY d.owner_id),
lost AS (SELECT owner_id AS o, COUNT(*) AS lost FROM deals
         WHERE stage = 'lost' AND closed_at >= :s AND closed_at < :e GROUP BY owner_id),
sv AS (SELECT COALESCE(d.owner_id, c.owner_id) AS o, SUM(s.nps >= 9) AS p, SUM(s.nps <= 6) AS dt,
              COUNT(s.nps) AS n, SUM(s.csat) AS cs, COUNT(s.csat) AS cn, COUNT(*) AS k
       FROM surveys s JOIN customers c ON c.id = s.customer_id LEFT JOIN orders od ON od.id = s.order_id
       LEFT JOIN deals d ON d.id = od.deal_id
       WHERE s.status = 'responded' AND s.responded_at >= :s AND s.responded_at < :e GROUP BY 1),
dl AS (SELECT d.owner_id AS o, COUNT(*) AS delivered, SUM(date(od.delivered_at) <= od.promised) AS on_time
       FROM orders od JOIN deals d ON d.id = od.deal_id
       WHERE od.delivered_at >= :s AND od.delivered_at < :e AND od.status != 'cancelled' GROUP BY 1)
SELECT r.handle, won.rev, won.units, won.won, won.cycle, lost.lost, sv.p, sv.dt, sv.n, sv.cs, sv.cn, sv.k,
       dl.delivered, dl.on_time
FROM reps r LEFT JOIN won ON won.o = r.id LEFT JOIN lost ON lost.o = r.id LEFT JOIN sv ON sv.o = r.id
LEFT JOIN dl ON dl.o = r.id ORDER BY r.handle
"""


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_maxrss / 1024


RAW_SCRIPT = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
rows = conn.execute(sys.argv[2], {"s": "2026-01-01 00:00:00", "e": "2027-01-01 00:00:00"}).fetchall()
assert rows
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--surveys", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="reuse / keep the generated database here")
    parser.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    ensure_bytecode()
    if args.generate:
        generate(args.generate, args.orders, args.customers, args.surveys)
        return
    workdir = Path(tempfile.mkdtemp(prefix="salescli-kpi-"))
    db = args.keep or workdir / "kpi.db"
    if not db.exists():  # in a child process, so this one stays small and children's peak RSS is their own
        subprocess.run([sys.executable, __file__, "--generate", str(db), "--orders", str(args.orders),
                        "--customers", str(args.customers), "--surveys", str(args.surveys)], check=True)
    env = {**os.environ, "SALESCLI_DB": str(db), "HOME": str(workdir), "NO_COLOR": "1"}
    ours = [sys.executable, "-m", "salescli", "kpi", "report", "--period", "2026", "--format", "json"]
    raw = [sys.executable, "-c", RAW_SCRIPT, str(db), RAW]
    results: dict[str, list[tuple[float, float]]] = {"salescli kpi report": [], "raw SQL (sqlite3)": []}
    for _ in range(args.runs):
        results["raw SQL (sqlite3)"].append(run_measured(raw, env))
        results["salescli kpi report"].append(run_measured(ours, env))
    print(f"{args.orders:,} orders · medians of {args.runs} runs")
    medians = {}
    for name, values in results.items():
        wall = statistics.median(v[0] for v in values)
        rss = max(v[1] for v in values)
        medians[name] = wall
        print(f"  {name:<22} {wall:7.2f} s   peak RSS {rss:6.0f} MB")
    ratio = medians["salescli kpi report"] / medians["raw SQL (sqlite3)"]
    rss = max(v[1] for v in results["salescli kpi report"])
    print(f"ratio salescli / raw SQL = {ratio:.2f}x (target <= 1.50x) {'OK' if ratio <= 1.5 else 'OVER'}; "
          f"peak RSS {rss:.0f} MB (target < 150 MB) {'OK' if rss < 150 else 'OVER'}")


if __name__ == "__main__":
    main()
