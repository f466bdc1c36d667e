"""Search speed (issue 24): `salescli search` on 1M leads + 200k customers + 300k contacts, SQLite and PostgreSQL;
the size of the index and what it costs an import.

    python benchmarks/search.py [--leads 1000000] [--customers 200000] [--contacts 300000] [--queries 40]
                                [--backend sqlite postgres] [--pg-scale 0.1] [--baseline REV] [--repeat 1]

Data: generated (seeded) Chinese and English names, 200k distinct company names (city + brand + trade +
有限公司, a fifth of them English), unique emails and mobile numbers; loaded with `salescli import customers`,
`import contacts`, `import leads` (timed). With ``--baseline REV`` (default HEAD, the code without the index)
the same leads file is also imported by that git revision into a fresh database, alternately with this one
(``--repeat`` times each), and the medians give the import slowdown the index costs.

Queries, each category ``--queries`` distinct texts taken from the data (or made up, for no-match), each run
once warm: 2-character Chinese names (王伟), company fragments (2-4 characters of a Chinese company name, or an
English word), full emails, the last 4 digits of a phone, and text that matches nothing. Printed: p50 and p95
of the wall time of ``services.search.search`` on an open database (as inside a long-running shell: the
interpreter and connection are warm), and the wall time of one whole `salescli search` process for one query
of each category (start-up included). Targets: p50 < 100 ms, p95 < 300 ms.

PostgreSQL (127.0.0.1:5432, user postgres, or SALESCLI_TEST_PG) runs at ``--pg-scale`` of the sizes by default
(its import through salescli takes several minutes at full size); a database is created and dropped.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _common import checkout, ensure_bytecode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋艳勇杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉玲建国文斌宇浩凯健俊帆"
CITIES = ("上海", "北京", "深圳", "杭州", "广州", "苏州", "南京", "成都", "武汉", "天津", "重庆", "西安")
BRAND = "华信恒通启明宏达鑫源金瑞瑞丰天宇新盛博远正泰长城东方中科汇丰德赛凯莱佳禾美达万通海纳永安"
TRADES = ("精密机械", "软件", "物流", "电子", "贸易", "医疗器械", "新材料", "建筑工程", "食品", "化工", "汽车配件")
EN_WORDS = ("Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware", "Adventure", "Wingtip", "Proseware",
            "Lucerne", "Margie", "Trey", "Coho", "Alpine", "Blue", "Yonder", "Humongous", "Southridge")
EN_TRADES = ("Logistics", "Trading", "Software", "Foods", "Medical", "Motors", "Chemicals", "Systems")
CATEGORIES = ("name", "company", "email", "phone", "none")
LABELS = {"name": "2-char Chinese name", "company": "company fragment", "email": "full email",
          "phone": "last 4 phone digits", "none": "no match"}


# -- data ---------------------------------------------------------------------------------------------------------


def person(rnd: random.Random) -> str:
    return rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 1, 2))))


def companies(n: int, rnd: random.Random) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        if rnd.random() < 0.2:
            name = f"{rnd.choice(EN_WORDS)} {rnd.choice(EN_WORDS)} {rnd.choice(EN_TRADES)} {rnd.randrange(10**4)} Ltd"
        else:
            brand = "".join(rnd.choice(BRAND) for _ in range(rnd.choice((2, 2, 3))))
            name = f"{rnd.choice(CITIES)}{brand}{rnd.choice(TRADES)}有限公司"
            if name in seen:
                name = f"{name[:-4]}{rnd.randrange(1, 99)}号有限公司"
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def write_files(work: Path, leads: int, n_customers: int, n_contacts: int) -> dict[str, Path]:
    rnd = random.Random(24)
    names = companies(n_customers, rnd)
    paths = {"customers": work / "customers.csv", "contacts": work / "contacts.csv", "leads": work / "leads.csv"}
    with paths["customers"].open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["name", "city", "industry"])
        for name in names:
            out.writerow([name, rnd.choice(CITIES), rnd.choice(("manufacturing", "software", "retail", ""))])
    with paths["contacts"].open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["customer", "name", "title", "email", "phone"])
        for i in range(n_contacts):
            out.writerow([rnd.choice(names), person(rnd), rnd.choice(("采购经理", "总经理", "工程师", "")),
                          f"c{i}@kehu{i % 997}.cn", f"13{i:09d}"])
    with paths["leads"].open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["name", "company", "email", "phone", "source", "city"])
        for i in range(leads):
            company = rnd.choice(names) if rnd.random() < 0.6 else companies(1, rnd)[0]
            out.writerow([person(rnd), company, f"lead{i}@example.cn", f"1{rnd.choice('5789')}{i:09d}",
                          rnd.choice(("web", "展会", "referral", "phone")), rnd.choice(CITIES)])
    return paths


def queries(paths: dict[str, Path], count: int) -> dict[str, list[str]]:
    """``count`` distinct texts per category, taken from the files (or made up for no-match)."""
    rnd = random.Random(7)
    with paths["leads"].open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    sample = rnd.sample(rows, min(len(rows), count * 50))
    two = [r["name"] for r in sample if len(r["name"]) == 2]
    fragments: list[str] = []
    for r in sample:
        company = r["company"]
        if company.endswith("有限公司"):
            start = rnd.randrange(0, max(1, len(company) - 6))
            fragments.append(company[start:start + rnd.choice((2, 3, 4))])
        else:
            fragments.append(company.split()[rnd.randrange(2)].lower())
    out = {
        "name": list(dict.fromkeys(two))[:count],
        "company": list(dict.fromkeys(fragments))[:count],
        "email": [r["email"] for r in sample[:count]],
        "phone": [r["phone"][-4:] for r in sample[:count]],
        "none": [f"{rnd.choice('鑫淼犇')}{rnd.choice('龘靐齉')}" if i % 2 else f"zq{uuid.uuid4().hex[:8]}@nowhere.cn"
                 for i in range(count)],
    }
    return out


# -- running ------------------------------------------------------------------------------------------------------


CPU: list[float] = []  # the CPU seconds (user + system, the process and its reader child) of each run, in order


def run(cmd: list[str], env: dict[str, str]) -> float:
    """Run ``cmd``; returns its wall time (its CPU time is appended to CPU: on a busy machine the fairer measure)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr.decode())
    return wall


def salescli(db: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "salescli", "--db", db, *args]


def load(db: str, paths: dict[str, Path], env: dict[str, str]) -> dict[str, float]:
    run(salescli(db, "db", "upgrade"), env)
    return {entity: run(salescli(db, "import", entity, str(paths[entity]), "--quiet"), env)
            for entity in ("customers", "contacts", "leads")}


def import_slowdown(paths: dict[str, Path], work: Path, env: dict[str, str], baseline: Path,
                    repeat: int) -> tuple[list[float], list[float], list[float], list[float]]:
    """Import the leads file into fresh databases, this version and the baseline alternately: (our wall times,
    the baseline's, our CPU times, the baseline's)."""
    base_env = {**env, "PYTHONPATH": str(baseline)}
    ours: list[float] = []
    base: list[float] = []
    ours_cpu: list[float] = []
    base_cpu: list[float] = []
    for i in range(repeat):
        for times, cpu, run_env, name in ((base, base_cpu, base_env, "base"), (ours, ours_cpu, env, "ours")):
            db = work / f"{name}-{i}.db"
            run(salescli(str(db), "db", "upgrade"), run_env)
            times.append(run(salescli(str(db), "import", "leads", str(paths["leads"]), "--quiet"), run_env))
            cpu.append(CPU[-1])
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
    return ours, base, ours_cpu, base_cpu


def measure(url: str, texts: dict[str, list[str]]) -> dict[str, list[float]]:
    from salescli.services import search as finder
    from salescli.store import Store, resolve_url

    store = Store(resolve_url(url))
    timings: dict[str, list[float]] = {}
    try:
        with store.read() as conn:  # warm-up: the engine, the first statements
            finder.search(conn, "预热")
        for category, items in texts.items():
            for text in items:
                start = time.perf_counter()
                with store.read() as conn:
                    finder.search(conn, text)
                timings.setdefault(category, []).append(time.perf_counter() - start)
    finally:
        store.close()
    return timings


def index_size(url: str) -> tuple[int, int]:
    """(bytes of the index table with its indexes: search_terms on SQLite, search_docs on PostgreSQL; bytes of the
    whole database)."""
    from sqlalchemy import create_engine, text

    from salescli.store import resolve_url

    engine = create_engine(resolve_url(url))
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                try:
                    terms = conn.execute(text("SELECT sum(pgsize) FROM dbstat WHERE name = 'search_terms'")).scalar()
                except Exception:  # SQLite built without dbstat
                    terms = None
                page = conn.execute(text("PRAGMA page_size")).scalar() or 0
                total = (conn.execute(text("PRAGMA page_count")).scalar() or 0) * page
                return int(terms or 0), int(total)
            terms = conn.execute(text("SELECT pg_total_relation_size('search_docs')")).scalar()
            total = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
            return int(terms or 0), int(total or 0)
    finally:
        engine.dispose()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(backend: str, url: str, sizes: tuple[int, int, int], loads: dict[str, float],
           texts: dict[str, list[str]], env: dict[str, str]) -> None:
    leads, customers, contacts = sizes
    print(f"\n{backend}: {leads:,} leads + {customers:,} customers + {contacts:,} contacts")
    print("  import (salescli, with the index): " + ", ".join(f"{k} {v:.1f} s" for k, v in loads.items()))
    terms, total = index_size(url)
    table = "search_terms" if backend == "SQLite" else "search_docs"
    print(f"  index: {table} {terms / 1e6:,.0f} MB of {total / 1e6:,.0f} MB "
          f"({terms / max(total, 1):.0%} of the database)")
    timings = measure(url, texts)
    print(f"  {'query (warm, in-process)':26} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  one-shot process")
    for category in CATEGORIES:
        values = [t * 1000 for t in timings[category]]
        sample = texts[category][0]
        whole = run(salescli(url, "search", sample, "--format", "json"), env) * 1000
        p50, p95 = statistics.median(values), pct(values, 0.95)
        ok = "OK" if p50 < 100 and p95 < 300 else "OVER"
        print(f"  {LABELS[category]:26} {len(values):>4} {p50:8.1f} {p95:8.1f} {max(values):8.1f}  "
              f"{whole:7.0f} ms ({sample})  {ok}")


def postgres_url() -> str | None:
    admin = os.environ.get("SALESCLI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        import psycopg

        with psycopg.connect(admin, connect_timeout=3, autocommit=True) as conn:
            name = f"salescli_bench_{uuid.uuid4().hex[:8]}"
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"{admin.rsplit('/', 1)[0]}/{name}"
    except Exception as error:  # reported; the SQLite part still runs
        print(f"(PostgreSQL skipped: {error})")
        return None


def analyze(url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


def drop_postgres(url: str) -> None:
    import psycopg

    admin = os.environ.get("SALESCLI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--contacts", type=int, default=300_000)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--backend", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"])
    parser.add_argument("--pg-scale", type=float, default=0.1)
    parser.add_argument("--baseline", default="HEAD", help="git revision without the index ('' to skip)")
    parser.add_argument("--repeat", type=int, default=1, help="imports of the leads file per version")
    parser.add_argument("--skip-search", action="store_true", help="only the import comparison (SQLite)")
    parser.add_argument("--no-analyze", action="store_true", help="PostgreSQL: search right after the import, "
                        "before autovacuum has the tables' statistics")
    args = parser.parse_args()
    ensure_bytecode()
    work = Path(tempfile.mkdtemp(prefix="salescli-search-"))
    env = {**os.environ, "HOME": str(work), "NO_COLOR": "1"}
    if "sqlite" in args.backend:
        paths = write_files(work, args.leads, args.customers, args.contacts)
        texts = queries(paths, args.queries)
        db = work / "search.db"
        if not args.skip_search:
            loads = load(str(db), paths, env)
            report("SQLite", str(db), (args.leads, args.customers, args.contacts), loads, texts, env)
        if args.baseline:
            ours, base, ours_cpu, base_cpu = import_slowdown(paths, work, env, checkout(args.baseline, work),
                                                             args.repeat)
            for label, mine, theirs in (("wall", ours, base), ("CPU", ours_cpu, base_cpu)):
                o, b = statistics.median(mine), statistics.median(theirs)
                print(f"  import of {args.leads:,} leads into a fresh database, {label} time: with the index "
                      f"{o:.1f} s ({', '.join(f'{t:.1f}' for t in mine)}), {args.baseline} without it {b:.1f} s "
                      f"({', '.join(f'{t:.1f}' for t in theirs)}): {o / b - 1:+.0%}")
    if "postgres" in args.backend:
        url = postgres_url()
        if url is not None:
            try:
                scale = args.pg_scale
                sizes = (int(args.leads * scale), int(args.customers * scale), int(args.contacts * scale))
                pg_work = work / "pg"
                pg_work.mkdir()
                paths = write_files(pg_work, *sizes)
                texts = queries(paths, args.queries)
                loads = load(url, paths, env)
                if not args.no_analyze:  # fresh statistics, as autovacuum has them a minute after a big import
                    analyze(url)
                report("PostgreSQL", url, sizes, loads, texts, env)
            finally:
                drop_postgres(url)
    print(f"\n(files and databases in {work}; remove when done)")


if __name__ == "__main__":
    main()
