"""Start-up benchmark: medians of repeated runs, side by side with the baselines, in one run.

Targets (issue 21): ``salescli --help`` within 1.2x of ``python -c "import typer"``, in English and in Chinese;
``salescli lead list`` on the sample database within 100 ms of ``python -c "import sqlalchemy"``. The commands run
round-robin (one of each per round), so a busy machine weighs on all of them alike; the CPU times printed beside
the wall times are what each process computed itself, and stay put when the machine is busy (the wall times of
the same run then differ by tens of ms from run to run).

    python benchmarks/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ensure_bytecode, interleaved_medians


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
        both = interleaved_medians({
            "python -c pass": [py, "-c", "pass"],
            "import typer": [py, "-c", "import typer"],
            "import sqlalchemy": [py, "-c", "import sqlalchemy"],
            # salescli.cli.main raises the cycle collector's threshold, which also makes SQLAlchemy's import faster:
            # against this, the difference is salescli's own start-up
            "import sqlalchemy (collector as salescli)": [py, "-c", "import gc; gc.set_threshold(100_000); "
                                                                    "import sqlalchemy"],
            "salescli --help": [py, "-m", "salescli", "--help"],
            "salescli --help (zh)": ([py, "-m", "salescli", "--help"], {**env, "LANG": "zh_CN.UTF-8"}),
            "salescli lead list (1,000 leads, piped)": [py, "-m", "salescli", "lead", "list"],
            "salescli lead list -n 20": [py, "-m", "salescli", "lead", "list", "-n", "20"],
            "salescli today": [py, "-m", "salescli", "today"],
        }, env, args.runs)
    rows = {name: wall for name, (wall, _cpu) in both.items()}
    cpu = {name: cpu for name, (_wall, cpu) in both.items()}
    width = max(map(len, rows))
    print(f"medians of {args.runs} runs, ms: wall (the targets), CPU (user + system: steady on a busy machine)")
    for name, ms in rows.items():
        print(f"  {name:<{width}}  {ms:7.1f}  {cpu[name]:7.1f}")
    for name in ("salescli --help", "salescli --help (zh)"):
        ratio = rows[name] / rows["import typer"]
        print(f"{name + ' / import typer':<34} = {ratio:.2f}x   (target <= 1.20x)  {'OK' if ratio <= 1.2 else 'OVER'}"
              f"   CPU {cpu[name] / cpu['import typer']:.2f}x")
    lead_list = "salescli lead list (1,000 leads, piped)"
    delta = rows[lead_list] - rows["import sqlalchemy"]
    print(f"{'lead list - import sqlalchemy':<34} = {delta:+.0f} ms (target <= +100 ms)"
          f"  {'OK' if delta <= 100 else 'OVER'}   CPU {cpu[lead_list] - cpu['import sqlalchemy']:+.0f} ms")
    same = "import sqlalchemy (collector as salescli)"
    print(f"{'  of which salescli itself':<34} = {rows[lead_list] - rows[same]:+.0f} ms"
          f"   CPU {cpu[lead_list] - cpu[same]:+.0f} ms   (against SQLAlchemy imported with the same collector)")


if __name__ == "__main__":
    main()
