"""salescli shell benchmark: the same commands one-shot (a new process each) and inside one shell session,
medians side by side in one run, on the sample database.

Target (issue 21): inside the shell, median under 50 ms for `lead list --limit 20`, `today`, `quote show`
and `lead add`.

    python benchmarks/shell.py [--runs 20]

Inside the shell, each command runs through ``Session.run`` (what the shell does for a typed line) with its
output going to /dev/null; one-shot, through ``python -m salescli`` with output to a pipe.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ensure_bytecode, median_ms

COMMANDS = [
    ["lead", "list", "--limit", "20", "--format", "plain"],
    ["today", "--format", "plain"],
    ["quote", "show", "Q-2026-0001", "--format", "plain"],
    ["lead", "add", "测试客户", "--source", "web", "--company", "基准测试有限公司"],
]


def in_shell_ms(words: list[str], runs: int) -> tuple[float, float]:
    from salescli.commands.shell import Session

    session = Session(db=os.environ["SALESCLI_DB"], rep=os.environ.get("SALESCLI_REP"), debug=False,
                      no_input=True)
    times = []
    try:
        with open(os.devnull, "w", encoding="utf-8") as sink, contextlib.redirect_stdout(sink):
            assert session.run(words) == 0, words  # the first run imports the command's modules
            for _ in range(runs):
                start = time.perf_counter()
                code = session.run(words)
                times.append((time.perf_counter() - start) * 1000)
                assert code == 0, words
    finally:
        session.close()
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    ensure_bytecode()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "HOME": tmp, "XDG_DATA_HOME": f"{tmp}/data", "XDG_CONFIG_HOME": f"{tmp}/config",
               "SALESCLI_DB": str(Path(tmp) / "sample.db"), "SALESCLI_REP": "wang.fang", "NO_COLOR": "1"}
        subprocess.run([sys.executable, "-m", "salescli", "sample"], env={**env, "SALESCLI_REP": ""},
                       capture_output=True, check=True)
        os.environ.update(env)
        print(f"{'command':<40} {'one-shot ms':>12} {'shell ms':>10} {'shell max':>10} {'speed-up':>9}")
        for words in COMMANDS:
            single = median_ms([sys.executable, "-m", "salescli", *words], env, max(5, args.runs // 4))
            inside, worst = in_shell_ms(words, args.runs)
            print(f"{' '.join(words[:4]):<40} {single:>12.0f} {inside:>10.1f} {worst:>10.1f} {single / inside:>8.0f}x")


if __name__ == "__main__":
    main()
