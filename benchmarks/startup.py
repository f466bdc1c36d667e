"""Start-up benchmark: medians of repeated runs, side by side with the baselines, in one run.

Targets (issue 21): ``salescli --help`` within 1.2x of ``python -c "import typer"``, in English and in Chinese;
``salescli lead list`` on the sample database within 100 ms of ``python -c "import sqlalchemy"``. The commands run
round-robin (one of each per round), so a busy machine weighs on all of them alike.

    python benchmarks/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ensure_bytecode, interleaved_medians_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    ensure_bytecode()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SALESCLI_DB": str(Path(tmp) / "bench.db"), "HOME": tmp, "NO_COLOR": "1"}
        env.pop("SALESCLI_REP", None)
        subprocess.run([py, "-m", "salescli", "sample"], env=env, capture_output=True, check=True)
        rows = interleaved_medians_ms({
            "python -c pass": [py, "-c", "pass"],
            "import typer": [py, "-c", "import typer"],
            "import sqlalchemy": [py, "-c", "import sqlalchemy"],
            "salescli --help": [py, "-m", "salescli", "--help"],
            "salescli --help (zh)": ([py, "-m", "salescli", "--help"], {**env, "LANG": "zh_CN.UTF-8"}),
            "salescli lead list (1,000 leads, piped)": [py, "-m", "salescli", "lead", "list"],
            "salescli lead list -n 20": [py, "-m", "salescli", "lead", "list", "-n", "20"],
            "salescli today": [py, "-m", "salescli", "today"],
        }, env, args.runs)
    width = max(map(len, rows))
    print(f"medians of {args.runs} runs, ms")
    for name, ms in rows.items():
        print(f"  {name:<{width}}  {ms:7.1f}")
    for name in ("salescli --help", "salescli --help (zh)"):
        ratio = rows[name] / rows["import typer"]
        print(f"{name + ' / import typer':<34} = {ratio:.2f}x   (target <= 1.20x)  {'OK' if ratio <= 1.2 else 'OVER'}")
    delta = rows["salescli lead list (1,000 leads, piped)"] - rows["import sqlalchemy"]
    print(f"{'lead list - import sqlalchemy':<34} = {delta:+.0f} ms (target <= +100 ms)"
          f"  {'OK' if delta <= 100 else 'OVER'}")


if __name__ == "__main__":
    main()
