"""Shell completion speed on a big database: `salescli lead show 12<TAB>` (bash's protocol: _SALESCLI_COMPLETE,
COMP_WORDS, COMP_CWORD) on 100,000 imported leads, side by side with ``python -c "import sqlalchemy"``.

Target (issue 17): well under 300 ms; values from the database are matched in SQL (the typed prefix, LIMIT), so
the size of the table should hardly show.

    python benchmarks/completion.py [--leads 100000] [--runs 15]
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import ensure_bytecode, median_ms


def make_file(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", "company", "email", "phone", "source", "city"])
        for i in range(rows):
            writer.writerow([f"王{i}", f"公司{i % 5000}", f"lead{i}@example.cn", f"138{i:08d}",
                             ("web", "referral", "exhibition", "phone")[i % 4], ("上海", "北京")[i % 2]])


def complete(words: str) -> tuple[list[str], dict[str, str]]:
    """The command and the environment bash runs for a Tab after ``words``."""
    parts = words.split(" ")
    return [sys.executable, "-m", "salescli"], {"_SALESCLI_COMPLETE": "complete_bash", "COMP_WORDS": words,
                                                "COMP_CWORD": str(len(parts) - 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    ensure_bytecode()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SALESCLI_DB": str(Path(tmp) / "bench.db"), "HOME": tmp, "NO_COLOR": "1"}
        env.pop("SALESCLI_REP", None)
        data = Path(tmp) / "leads.csv"
        make_file(data, args.leads)
        subprocess.run([py, "-m", "salescli", "import", "leads", str(data), "--quiet"], env=env,
                       capture_output=True, check=True)
        cases = {"lead show 12<TAB>": "salescli lead show 12", "lead show <TAB>": "salescli lead show ",
                 "lead list --source <TAB>": "salescli lead list --source "}
        rows = {"python -c pass": median_ms([py, "-c", "pass"], env, args.runs),
                "import typer": median_ms([py, "-c", "import typer"], env, args.runs),
                "import sqlalchemy": median_ms([py, "-c", "import sqlalchemy"], env, args.runs)}
        for name, words in cases.items():
            cmd, extra = complete(words)
            offered = subprocess.run(cmd, env={**env, **extra}, capture_output=True, text=True, check=True).stdout
            if not offered.strip():
                raise SystemExit(f"{name}: nothing offered (is salescli.completion.attach called by decorate()?)")
            rows[f"{name} ({len(offered.split())} values)"] = median_ms(cmd, {**env, **extra}, args.runs)
    width = max(map(len, rows))
    print(f"{args.leads:,} leads; medians of {args.runs} runs, ms")
    for name, ms in rows.items():
        print(f"  {name:<{width}}  {ms:7.1f}")
    worst = max(ms for name, ms in rows.items() if "<TAB>" in name)
    print(f"slowest completion = {worst:.0f} ms (target < 300 ms)  {'OK' if worst < 300 else 'OVER'}; "
          f"vs import sqlalchemy {worst - rows['import sqlalchemy']:+.0f} ms")


if __name__ == "__main__":
    main()
