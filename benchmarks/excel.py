"""Excel speed and memory: `salescli export leads` to .xlsx and `salescli import leads` of that workbook, against
the same data as CSV in the same run.

    python benchmarks/excel.py [--rows 1000000] [--repeat 3] [--openpyxl-rows 20000]

Each size: N leads are loaded once (from a generated CSV), then exported as CSV and as .xlsx; each export is timed
and its peak memory measured (the process tree's peak RSS, and PSS, sampled every 20 ms). Then the two exported
files are imported ``--repeat`` times each, alternately, every time into a fresh database: medians give rows/s and
the ratio (target: .xlsx at least 0.5x the rows/s of CSV; also by CPU time, steadier on a shared machine), and
one more run of each measures peak memory (target: < 250 MB RSS for export and for import). With
``--openpyxl-rows``, openpyxl's read-only and write-only modes are timed on a workbook of that many of the same
rows, for comparison with salescli's own reader and writer.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ensure_bytecode
from import_leads import fresh_db, make_file, peak_memory, timed

LIMIT_MB = 250


def cpu_timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the whole process tree): on a shared machine the CPU time is the steadier
    measure (a reader process forked by the import is counted too, once it has been waited for)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = timed(cmd, env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def salescli(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "salescli", "--db", str(db), *args]


def openpyxl_compare(source: Path, rows: int, work: Path) -> None:
    """openpyxl's read-only and write-only modes against salescli's reader and writer, on a workbook of the first
    ``rows`` leads of the CSV export ``source`` (each side writes it, then reads what it wrote)."""
    common = f"""
import csv, sys, time
from itertools import islice
with open({str(source)!r}, encoding="utf-8", newline="") as fh:
    kept = list(islice(csv.reader(fh), {rows + 1}))
"""
    theirs = common + f"""
import openpyxl
t = time.perf_counter()
out = openpyxl.Workbook(write_only=True)
ws = out.create_sheet("leads")
for row in kept:
    ws.append(row)
out.save({str(work / 'openpyxl.xlsx')!r})
write = time.perf_counter() - t
t = time.perf_counter()
wb = openpyxl.load_workbook({str(work / 'openpyxl.xlsx')!r}, read_only=True)
count = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
print(time.perf_counter() - t, write)
"""
    ours = common + f"""
from pathlib import Path
from salescli.importers.xlsx import open_table, write_records
t = time.perf_counter()
with open({str(work / 'ours.xlsx')!r}, "wb") as fh:
    write_records(fh, "leads", [dict(zip(kept[0], row)) for row in kept[1:]])
write = time.perf_counter() - t
t = time.perf_counter()
count = sum(1 for _ in open_table(Path({str(work / 'ours.xlsx')!r})).rows)
print(time.perf_counter() - t, write)
"""
    results = []
    for code in (theirs, ours):
        done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
        results.append(tuple(map(float, done.stdout.split())))
    (read, write), (our_read, our_write) = results
    print(f"  {rows:,} rows of text: openpyxl read-only {rows / read:>9,.0f} rows/s, write-only {rows / write:>9,.0f}"
          f" rows/s; salescli.importers.xlsx read {rows / our_read:>9,.0f} rows/s, write {rows / our_write:>9,.0f}"
          " rows/s")


def one_size(rows: int, work: Path, env: dict[str, str], repeat: int, openpyxl_rows: int) -> None:
    source = work / f"source-{rows}.csv"
    make_file(source, rows)
    base = work / f"base-{rows}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{base}{suffix}").unlink(missing_ok=True)
    fresh_db(base, env)
    timed(salescli(base, "import", "leads", str(source), "--quiet"), env)

    files = {"csv": work / f"leads-{rows}.csv", "xlsx": work / f"leads-{rows}.xlsx"}
    export_s: dict[str, float] = {}
    export_cpu: dict[str, float] = {}
    export_mem: dict[str, tuple[float, float]] = {}
    for kind, path in files.items():
        path.unlink(missing_ok=True)
        export_s[kind], export_cpu[kind] = cpu_timed(salescli(base, "export", "leads", "--output", str(path)), env)
        path.unlink()
        export_mem[kind] = peak_memory(salescli(base, "export", "leads", "--output", str(path)), env)

    def fresh(name: str) -> Path:
        db = work / f"{name}-{rows}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        fresh_db(db, env)
        return db

    import_s: dict[str, list[float]] = {"csv": [], "xlsx": []}
    import_cpu: dict[str, list[float]] = {"csv": [], "xlsx": []}
    for _ in range(repeat):
        for kind, path in files.items():
            wall, cpu = cpu_timed(salescli(fresh(kind), "import", "leads", str(path), "--quiet"), env)
            import_s[kind].append(wall)
            import_cpu[kind].append(cpu)
    import_mem = {kind: peak_memory(salescli(fresh(kind), "import", "leads", str(path), "--quiet"), env)
                  for kind, path in files.items()}
    csv_t, xlsx_t = (statistics.median(import_s[k]) for k in ("csv", "xlsx"))
    csv_cpu, xlsx_cpu = (statistics.median(import_cpu[k]) for k in ("csv", "xlsx"))
    ratio = csv_t / xlsx_t
    print(f"{rows:>9,} leads: CSV {files['csv'].stat().st_size / 1e6:.0f} MB, xlsx "
          f"{files['xlsx'].stat().st_size / 1e6:.0f} MB (17 columns each)")
    for kind in ("csv", "xlsx"):
        pss, rss = export_mem[kind]
        print(f"  export {kind:<5} {rows / export_s[kind]:>9,.0f} rows/s ({export_s[kind]:.2f} s, CPU "
              f"{export_cpu[kind]:.1f} s)"
              f"   peak RSS {rss:4.0f} MB, PSS {pss:4.0f} MB")
    for kind, took in (("csv", csv_t), ("xlsx", xlsx_t)):
        pss, rss = import_mem[kind]
        print(f"  import {kind:<5} {rows / took:>9,.0f} rows/s ({', '.join(f'{t:.2f}' for t in import_s[kind])} s, "
              f"CPU {statistics.median(import_cpu[kind]):.1f} s)"
              f"   peak RSS {rss:4.0f} MB, PSS {pss:4.0f} MB (all processes)")
    worst = max(export_mem["xlsx"][1], import_mem["xlsx"][1])
    print(f"  xlsx import / csv import: {ratio:.2f}x by wall time (target >= 0.50x) "
          f"{'OK' if ratio >= 0.5 else 'UNDER'}, {csv_cpu / xlsx_cpu:.2f}x by CPU time; "
          f"xlsx peak RSS {worst:.0f} MB (target < {LIMIT_MB} MB) {'OK' if worst < LIMIT_MB else 'OVER'}")
    if openpyxl_rows:
        openpyxl_compare(files["csv"], min(openpyxl_rows, rows), work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--openpyxl-rows", type=int, default=20_000,
                        help="Also time openpyxl on this many rows (0: skip).")
    args = parser.parse_args()
    ensure_bytecode()
    work = Path(tempfile.mkdtemp(prefix="salescli-excel-"))
    env = {**os.environ, "HOME": str(work), "NO_COLOR": "1"}
    started = time.perf_counter()
    for rows in args.rows:
        one_size(rows, work, env, args.repeat, args.openpyxl_rows)
    print(f"(took {time.perf_counter() - started:.0f} s; files in {work})")


if __name__ == "__main__":
    main()
