"""Shared by the benchmarks."""

from __future__ import annotations

import compileall
from pathlib import Path


def ensure_bytecode() -> None:
    """Byte-compile salescli, as an installed package has it (pip compiles on install). An editable install
    compiles nothing, and where PYTHONDONTWRITEBYTECODE=1 is set (as on this project's CI machine) every run
    would compile about 30 modules again: +70 ms per command, measured."""
    import salescli

    compileall.compile_dir(Path(salescli.__file__).parent, quiet=1)
