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


def interleaved_medians_ms(cmds: dict[str, list[str] | tuple[list[str], dict[str, str]]], env: dict[str, str],
                           runs: int) -> dict[str, float]:
    """Median wall time of each command (a command, or a command and its own environment), run round-robin (one
    of each per round) so that whatever else the machine is doing weighs on every command alike: the ratios stay
    fair on a busy machine."""
    return {name: wall for name, (wall, _cpu) in interleaved_medians(cmds, env, runs).items()}


def interleaved_medians(cmds: dict[str, list[str] | tuple[list[str], dict[str, str]]], env: dict[str, str],
                        runs: int) -> dict[str, tuple[float, float]]:
    """Median wall time and median CPU time (user + system, of the command's process) of each command, in ms, run
    round-robin as ``interleaved_medians_ms``. On a machine busy with other work the wall times of a round still
    differ by tens of ms; the CPU times (what the command itself computed) hardly move."""
    import resource

    plan = {name: (cmd, env) if isinstance(cmd, list) else cmd for name, cmd in cmds.items()}
    for cmd, cmd_env in plan.values():
        subprocess.run(cmd, env=cmd_env, capture_output=True, check=True)  # warm the file cache
    walls: dict[str, list[float]] = {name: [] for name in cmds}
    cpus: dict[str, list[float]] = {name: [] for name in cmds}
    for _ in range(runs):
        for name, (cmd, cmd_env) in plan.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run(cmd, env=cmd_env, capture_output=True, check=True)
            walls[name].append((time.perf_counter() - start) * 1000)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus[name].append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name])) for name in cmds}
