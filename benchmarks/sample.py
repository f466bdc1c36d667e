"""`salescli sample` (the whole sample data set, loaded through the same services as the commands): wall time of
a fresh load, medians, this version and optionally a baseline revision side by side in one run.

Target (issue 21): under 3 s.

    python benchmarks/sample.py [--repeat 3] [--baseline REV]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import checkout, ensure_bytecode


def load_s(work: Path, env: dict[str, str], name: str) -> float:
    db = work / f"{name}.db"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "salescli", "--db", str(db), "sample"], env=env, check=True,
                   capture_output=True)
    elapsed = time.perf_counter() - start
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", metavar="REV", help="Also run this git revision of salescli, side by side.")
    args = parser.parse_args()
    ensure_bytecode()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = {**os.environ, "HOME": tmp, "XDG_DATA_HOME": f"{tmp}/data", "XDG_CONFIG_HOME": f"{tmp}/config"}
        env.pop("SALESCLI_REP", None)
        base_env = {**env, "PYTHONPATH": str(checkout(args.baseline, work))} if args.baseline else None
        ours, base = [], []
        for n in range(args.repeat):  # interleaved, so both see the same machine
            ours.append(load_s(work, env, f"ours{n}"))
            if base_env is not None:
                base.append(load_s(work, base_env, f"base{n}"))
        print(f"salescli sample, medians of {args.repeat}:")
        print(f"  this version   {statistics.median(ours):6.2f} s  ({', '.join(f'{t:.2f}' for t in ours)})")
        if base:
            print(f"  baseline       {statistics.median(base):6.2f} s  ({', '.join(f'{t:.2f}' for t in base)})"
                  f"   baseline / this version: {statistics.median(base) / statistics.median(ours):.2f}x")


if __name__ == "__main__":
    main()
