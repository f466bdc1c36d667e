"""Import speed and memory: `salescli import leads` (validated, deduplicated) against a plain loader (csv +
sqlite3.executemany into the same table in one transaction), side by side on the same generated files.

    python benchmarks/import_leads.py [--rows 100000 1000000]

Prints rows/s, the ratio (target: salescli at least 0.5x the plain loader) and peak RSS (target < 200 MB).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "艳", "勇", "杰", "娟", "涛", "明", "超")
COMPANIES = ("上海华信精密机械有限公司", "Northwind Logistics Ltd", "杭州启明软件有限公司", "深圳恒通物流有限公司")
SOURCES = ("web", "展会", "referral", "phone", "email", "social")
HEADER = ["name", "company", "email", "phone", "source", "city", "notes"]

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


def fresh_db(path: Path) -> None:
    subprocess.run([sys.executable, "-m", "salescli", "--db", str(path), "db", "upgrade"], check=True,
                   capture_output=True)


def measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(proc.stderr.read().decode() if proc.stderr else "failed")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="salescli-import-"))
    env = {**os.environ, "HOME": str(work), "NO_COLOR": "1"}
    for rows in args.rows:
        data = work / f"leads-{rows}.csv"
        make_file(data, rows)
        plain_db, ours_db = work / f"plain-{rows}.db", work / f"ours-{rows}.db"
        fresh_db(plain_db)
        fresh_db(ours_db)
        plain = measured([sys.executable, "-c", PLAIN, str(plain_db), str(data)], env)
        ours = measured([sys.executable, "-m", "salescli", "--db", str(ours_db), "import", "leads", str(data),
                         "--quiet"], env)
        again = measured([sys.executable, "-m", "salescli", "--db", str(ours_db), "import", "leads", str(data),
                          "--quiet"], env)
        ratio = (rows / ours[0]) / (rows / plain[0])
        print(f"{rows:>9,} leads ({data.stat().st_size / 1e6:.0f} MB CSV)")
        print(f"  plain csv + executemany   {rows / plain[0]:>9,.0f} rows/s   peak RSS {plain[1]:5.0f} MB")
        print(f"  salescli import leads     {rows / ours[0]:>9,.0f} rows/s   peak RSS {ours[1]:5.0f} MB")
        print(f"  re-run (all duplicates)   {rows / again[0]:>9,.0f} rows/s   peak RSS {again[1]:5.0f} MB")
        print(f"  ratio {ratio:.2f}x (target >= 0.50x) {'OK' if ratio >= 0.5 else 'UNDER'}; "
              f"peak {ours[1]:.0f} MB (target < 200 MB) {'OK' if ours[1] < 200 else 'OVER'}")


if __name__ == "__main__":
    main()
