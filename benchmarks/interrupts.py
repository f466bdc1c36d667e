"""Ctrl-C during a big import, many times: every stop must be exit 130 with "interrupted" and leave nothing.

Starts `salescli import leads` on a 150,000-row file (big enough for the forked reader), waits until the reader is
forked, sends SIGINT to the process group (as a terminal's Ctrl-C does) after 0-20 ms, and checks the exit code,
the last error line and that the database holds no lead. Prints each anomaly and a count.

    python benchmarks/interrupts.py [--runs 25]

Measured here (cb350b8, 50 stops in two parallel runs): before the change 6 anomalies ("unexpected
PendingRollbackError", exit 1), after it 0.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _reading(path: Path) -> int:
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                count += str(path).encode() in (entry / "cmdline").read_bytes()
            except OSError:
                continue
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=25)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = work / "big.csv"
        with data.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["name", "email", "source", "notes"])
            writer.writerows([f"客户{i}", f"c{i}@example.com", "web", "展会扫码" * 4] for i in range(150_000))
        env = {**os.environ, "HOME": tmp}
        anomalies = 0
        for run in range(args.runs):
            db = work / f"run{run}.db"
            salescli = [sys.executable, "-m", "salescli", "--db", str(db)]
            subprocess.run([*salescli, "db", "upgrade"], capture_output=True, env=env, check=True)
            proc = subprocess.Popen([*salescli, "import", "leads", str(data)], stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, text=True, start_new_session=True, env=env)
            started = time.monotonic()
            while _reading(data) < 2 and proc.poll() is None and time.monotonic() - started < 30:
                time.sleep(0.02)
            time.sleep(random.choice([0, 0, 0.001, 0.005, 0.02]))
            os.killpg(proc.pid, signal.SIGINT)
            _, err = proc.communicate(timeout=60)
            with sqlite3.connect(db) as conn:
                leads = conn.execute("SELECT count(*) FROM leads").fetchone()[0]
            last = err.strip().splitlines()[-1] if err.strip() else ""
            if proc.returncode != 130 or "interrupted" not in last or leads:
                anomalies += 1
                print(f"run {run}: exit {proc.returncode}, {leads} leads stored, {last}", flush=True)
            db.unlink(missing_ok=True)
        print(f"{args.runs} stops, {anomalies} anomalies (target 0)")
        sys.exit(1 if anomalies else 0)


if __name__ == "__main__":
    main()
