"""Shared by the benchmarks."""

from __future__ import annotations

import compileall
import statistics
import subprocess
import time
from pathlib import Path


def ensure_bytecode() -> None:
    """Byte-compile salescli, as an installed package has it (pip compiles on install). An editable install
    compiles nothing, and where PYTHONDONTWRITEBYTECODE=1 is set (as on this project's CI machine) every run
    would compile about 30 modules again: +70 ms per command, measured."""
    import salescli

    compileall.compile_dir(Path(salescli.__file__).parent, quiet=1)


def checkout(rev: str, work: Path) -> Path:
    """The salescli package of ``rev``, extracted (git archive) into ``work/baseline``, byte-compiled."""
    import compileall
    import io
    import tarfile

    root = Path(__file__).resolve().parent.parent
    archive = subprocess.run(["git", "-C", str(root), "archive", rev, "salescli"], check=True,
                             capture_output=True).stdout
    target = work / "baseline"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    compileall.compile_dir(target / "salescli", quiet=1)
    return target


def median_ms(cmd: list[str], env: dict[str, str], runs: int) -> float:
    subprocess.run(cmd, env=env, capture_output=True, check=True)  # warm the file cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)
