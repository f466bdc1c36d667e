"""What row-level security costs: `salescli kpi report --period 2026` on one PostgreSQL database with many orders, run
as a superuser (row security bypassed: the baseline), as the administrator (a member of salescli_owner: FORCE row
security, the policies' manager arm), as a manager's login and as one rep's login (who sees 1/20 of it).

    python benchmarks/rls_kpi.py [--orders 1000000] [--customers 100000] [--surveys 200000] [--runs 3]
                                 [--server postgresql://postgres@127.0.0.1:5432] [--keep DBNAME]

The database is generated once in SQL (generate_series; every order from its own won deal, accepted quote and signed
contract; 10% of deals lost; 20 reps), then `salescli team init` and three login roles. Without --keep the database
and the login roles are dropped at the end; with --keep DBNAME it is reused on the next run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import psycopg
from _common import ensure_bytecode
from psycopg import sql

GENERATE = """
SELECT setseed(0.7);
INSERT INTO reps (id, handle, name, role, active, created_at)
    SELECT i, 'rep' || lpad(i::text, 2, '0'), 'Rep ' || i, 'rep', true, '2026-01-01' FROM generate_series(1, 20) i;
INSERT INTO customers (id, name, name_key, tier, owner_id, created_at, updated_at)
    SELECT i, '客户' || i, '客户' || i, 'B', 1 + (i %% 20), '2026-01-01', '2026-01-01'
    FROM generate_series(1, %(customers)s) i;
INSERT INTO products (id, sku, name, price_minor, cost_minor, lead_time_days, active, created_at, updated_at)
    VALUES (1, 'SKU-1', 'item', 100, 50, 0, true, '2026-01-01', '2026-01-01');
CREATE TEMP TABLE g AS
    SELECT i, 1 + floor(random() * %(customers)s)::int AS customer, 1 + floor(random() * 20)::int AS owner,
           (ARRAY['web', 'referral', 'exhibition', 'phone', 'email', 'social'])[1 + floor(random() * 6)::int] AS src,
           timestamp '2026-01-01' + random() * interval '330 days' AS created, random() < 0.1 AS lost,
           (1000 + floor(random() * 499000)::bigint) * 100 AS net, 1 + floor(random() * 20)::int AS qty,
           3 + floor(random() * 58)::int AS sign_days, 5 + floor(random() * 46)::int AS deliver_days,
           7 + floor(random() * 39)::int AS promise_days
    FROM generate_series(1, %(orders)s) i;
INSERT INTO deals (id, title, customer_id, owner_id, source, stage, created_at, updated_at, stage_at, closed_at)
    SELECT i, 'Deal ' || i, customer, owner, src, CASE WHEN lost THEN 'lost' ELSE 'won' END, created, created,
           created, created + interval '20 days' FROM g;
INSERT INTO quotes (id, number, revision, deal_id, status, currency, discount_bp, tax_rate_bp, subtotal_minor,
                    discount_minor, net_minor, tax_minor, total_minor, list_minor, cost_minor, valid_until,
                    needs_approval, rep_id, created_at)
    SELECT i, 'Q-2026-' || lpad(i::text, 7, '0'), 1, i, 'accepted', 'CNY', 0, 1300, net, 0, net, net * 13 / 100,
           net + net * 13 / 100, net, net / 2, (created + interval '30 days')::date, false, owner, created
    FROM g WHERE NOT lost;
INSERT INTO contracts (id, number, quote_id, deal_id, status, currency, discount_bp, tax_rate_bp, subtotal_minor,
                       discount_minor, net_minor, tax_minor, total_minor, units, signed_at, created_at)
    SELECT i, 'C-2026-' || lpad(i::text, 7, '0'), i, i, 'signed', 'CNY', 0, 1300, net, 0, net, net * 13 / 100,
           net + net * 13 / 100, qty, created + sign_days * interval '1 day', created
    FROM g WHERE NOT lost;
INSERT INTO orders (id, number, contract_id, deal_id, status, promised, shipped_at, delivered_at, created_at,
                    updated_at)
    SELECT i, 'SO-2026-' || lpad(i::text, 7, '0'), i, i, 'delivered',
           (created + (sign_days + promise_days) * interval '1 day')::date,
           created + (sign_days + deliver_days) * interval '1 day',
           created + (sign_days + deliver_days) * interval '1 day',
           created + sign_days * interval '1 day', created + sign_days * interval '1 day'
    FROM g WHERE NOT lost;
INSERT INTO surveys (customer_id, order_id, channel, token, status, sent_at, responded_at, nps, csat, created_at)
    SELECT d.customer_id, o.id, 'email', 'tok' || o.id, 'responded', o.delivered_at, o.delivered_at + interval '2 days',
           floor(random() * 11)::int, 1 + floor(random() * 5)::int, o.delivered_at
    FROM orders o JOIN deals d ON d.id = o.deal_id ORDER BY random() LIMIT %(surveys)s;
SELECT setval(pg_get_serial_sequence(t, 'id'), (SELECT max(id) FROM reps)) FROM (VALUES ('reps')) v(t);
"""


def admin_url(server: str, db: str) -> str:
    return f"{server.rstrip('/')}/{db}"


def login_url(server: str, login: str, db: str) -> str:
    scheme, rest = server.split("://", 1)
    host = rest.split("@", 1)[-1].rstrip("/")
    return f"{scheme}://{login}@{host}/{db}"


def generate(server: str, db: str, orders: int, customers: int, surveys: int) -> None:
    with psycopg.connect(admin_url(server, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db)))
    env = {**os.environ, "HOME": tempfile.mkdtemp(prefix="salescli-rls-")}
    subprocess.run([sys.executable, "-m", "salescli", "--db", admin_url(server, db), "db", "upgrade"], env=env,
                   check=True, capture_output=True)
    t0 = time.perf_counter()
    with psycopg.connect(admin_url(server, db)) as conn:
        for statement in GENERATE.split(";\n"):
            if statement.strip():
                conn.execute(statement, {"orders": orders, "customers": customers, "surveys": surveys})  # type: ignore[arg-type]
    with psycopg.connect(admin_url(server, db), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    subprocess.run([sys.executable, "-m", "salescli", "--db", admin_url(server, db), "team", "init"], env=env,
                   check=True, capture_output=True)
    print(f"generated {orders:,} deals ({orders * 9 // 10:,} orders), {customers:,} customers, {surveys:,} survey "
          f"responses in {time.perf_counter() - t0:.0f} s", flush=True)


def logins(server: str, db: str, suffix: str) -> dict[str, str]:
    """A login for the administrator (member of the database's owner role), a manager and rep01; returns name →
    login."""
    from salescli.services.team import owner_name

    names = {"administrator": f"bench_admin_{suffix}", "manager": f"bench_mgr_{suffix}", "rep": f"bench_rep_{suffix}"}
    with psycopg.connect(admin_url(server, db), autocommit=True) as conn:
        for name, group in (("administrator", owner_name(db)), ("manager", "salescli_manager"),
                            ("rep", "salescli_rep")):
            conn.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE {}").format(sql.Identifier(names[name]),
                                                                         sql.Identifier(group)))
        conn.execute("INSERT INTO reps (handle, name, role, active, created_at, login) "
                     "VALUES ('boss', 'Boss', 'manager', true, now(), %s) "
                     "ON CONFLICT (handle) DO UPDATE SET login = excluded.login", (names["manager"],))
        conn.execute("UPDATE reps SET login = %s WHERE handle = 'rep01'", (names["rep"],))
    return names


def run(url: str, env: dict[str, str]) -> tuple[float, dict[str, object]]:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "salescli", "--db", url, "kpi", "report", "--period", "2026",
                           "--format", "json"], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"kpi report failed for {url}: {proc.stderr}")
    return wall, json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000, help="deals generated (90%% won, with an order)")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--surveys", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--server", default=os.environ.get("SALESCLI_BENCH_PG", "postgresql://postgres@127.0.0.1:5432"),
                        help="a superuser's URL without the database name")
    parser.add_argument("--keep", metavar="DBNAME", help="reuse (or create and keep) this database")
    args = parser.parse_args()
    ensure_bytecode()
    db = args.keep or f"salescli_bench_rls_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_url(args.server, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,)).fetchone()
    if not exists:
        try:
            generate(args.server, db, args.orders, args.customers, args.surveys)
        except BaseException:
            with psycopg.connect(admin_url(args.server, "postgres"), autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))
            raise
    suffix = uuid.uuid4().hex[:8]
    names = logins(args.server, db, suffix)
    env = {**os.environ, "HOME": tempfile.mkdtemp(prefix="salescli-rls-"), "NO_COLOR": "1"}
    env = {k: v for k, v in env.items() if not k.startswith("SALESCLI_") or k == "SALESCLI_BENCH_PG"}
    urls = {"superuser (no row security)": admin_url(args.server, db),
            "administrator (FORCE, owner)": login_url(args.server, names["administrator"], db),
            "manager login": login_url(args.server, names["manager"], db),
            "rep login (own 1/20)": login_url(args.server, names["rep"], db)}
    try:
        times: dict[str, list[float]] = {name: [] for name in urls}
        results: dict[str, dict[str, object]] = {}
        for url in urls.values():  # warm the server's cache once
            run(url, env)
        for _ in range(args.runs):
            for name, url in urls.items():
                wall, results[name] = run(url, env)
                times[name].append(wall)
        medians = {name: statistics.median(values) for name, values in times.items()}
        with psycopg.connect(admin_url(args.server, db)) as conn:
            count = conn.execute("SELECT count(*) FROM orders").fetchone()
        print(f"{count[0] if count else 0:,} orders · kpi report --period 2026 · medians of {args.runs} runs")
        for name, wall in medians.items():
            print(f"  {name:<30} {wall:7.2f} s")
        base = medians["superuser (no row security)"]
        print(f"ratio manager / superuser = {medians['manager login'] / base:.2f}x; "
              f"administrator / superuser = {medians['administrator (FORCE, owner)'] / base:.2f}x; "
              f"rep / superuser = {medians['rep login (own 1/20)'] / base:.2f}x")
        same = results["manager login"]["total"] == results["superuser (no row security)"]["total"]  # type: ignore[index]
        print(f"manager's totals equal the superuser's: {same}")
    finally:
        with psycopg.connect(admin_url(args.server, "postgres"), autocommit=True) as conn:
            if args.keep:
                with psycopg.connect(admin_url(args.server, db), autocommit=True) as kept:
                    kept.execute("UPDATE reps SET login = NULL WHERE login = ANY(%s)", (list(names.values()),))
            else:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db)))
            from salescli.services.team import owner_name

            owner = [] if args.keep else [owner_name(db)]  # team init's per-database owner role
            for login in [*names.values(), *owner]:
                try:
                    conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(login)))
                except psycopg.Error as error:
                    print(f"could not drop role {login}: {error}", file=sys.stderr)

if __name__ == "__main__":
    main()
