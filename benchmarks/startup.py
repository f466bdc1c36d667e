"""Start-up benchmark: medians of repeated runs, side by side with the baselines, in one run.

Targets (issue 2): ``salescli --help`` within 1.5x of ``python -c "import typer"``; ``salescli lead list``
on the sample database within 150 ms of ``python -c "import sqlmodel"`` (sqlmodel is not a dependency
of salescli; install it in the same environment to get that baseline, else SQLAlchemy stands in).

    python benchmarks/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ensure_bytecode, median_ms


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
        try:
            import importlib.util

            heavy = "sqlmodel" if importlib.util.find_spec("sqlmodel") else "sqlalchemy"
        except ImportError:  # pragma: no cover
            heavy = "sqlalchemy"
        rows = {
            "python -c pass": median_ms([py, "-c", "pass"], env, args.runs),
            "import typer": median_ms([py, "-c", "import typer"], env, args.runs),
            f"import {heavy}": median_ms([py, "-c", f"import {heavy}"], env, args.runs),
            "salescli --help": median_ms([py, "-m", "salescli", "--help"], env, args.runs),
            "salescli lead list (1,000 leads, piped)": median_ms([py, "-m", "salescli", "lead", "list"], env,
                                                                 args.runs),
            "salescli lead list -n 20": median_ms([py, "-m", "salescli", "lead", "list", "-n", "20"], env, args.runs),
            "salescli today": median_ms([py, "-m", "salescli", "today"], env, args.runs),
        }
    width = max(map(len, rows))
    print(f"medians of {args.runs} runs, ms")
    for name, ms in rows.items():
        print(f"  {name:<{width}}  {ms:7.1f}")
    help_ratio = rows["salescli --help"] / rows["import typer"]
    list_delta = rows["salescli lead list (1,000 leads, piped)"] - rows[f"import {heavy}"]
    print(f"--help / import typer            = {help_ratio:.2f}x   (target <= 1.50x)"
          f"  {'OK' if help_ratio <= 1.5 else 'OVER'}")
    print(f"lead list - import {heavy:<11}  = {list_delta:+.0f} ms (target <= +150 ms vs sqlmodel)"
          f"  {'OK' if list_delta <= 150 else 'OVER'}")


if __name__ == "__main__":
    main()
