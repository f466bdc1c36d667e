"""What a one-shot command loads before it prints (issue 21: every command pays its imports at start-up).

A piped listing (plain or markdown) of English and Chinese text prints the same table tabulate would, without
importing tabulate and wcwidth (about 20 ms of each listing; and 1,000 rows took tabulate 28 ms, salescli 3 ms);
text whose width only wcwidth knows (accents, emoji, a line break) still goes to tabulate. The config file is
found without platformdirs on Linux, and read without the TOML parser when there is none.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tabulate import tabulate

from tests.conftest import run_subprocess


def _imports(*args: str, env: dict[str, str]) -> tuple[str, set[str]]:
    """stdout of ``python -X importtime -m salescli ARGS`` and the modules it imported."""
    import os

    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "salescli", *args], capture_output=True,
                          text=True, env={**os.environ, **env}, check=True, timeout=60)
    imported = {line.rpartition("|")[2].strip() for line in proc.stderr.splitlines() if line.startswith("import time")}
    assert "salescli.cli" in imported  # the listing works
    return proc.stdout, imported


def _add(env: dict[str, str], name: str, company: str) -> None:
    proc = run_subprocess("lead", "add", name, "--source", "web", "--company", company, env=env)
    assert proc.returncode == 0, proc.stderr


HEADERS = ["id", "name", "company", "source", "status", "score", "owner", "follow-up"]
ALIGNS = ["right", "left", "left", "left", "left", "right", "left", "left"]


def _expected(kind: str, env: dict[str, str]) -> str:
    """The listing as tabulate prints it, from the records of ``lead list --format json``."""
    import json

    records = json.loads(run_subprocess("lead", "list", "--format", "json", env=env).stdout)
    rows = [[str(r["id"]), r["name"], r["company"] or "", r["source"], r["status"], str(r["score"]), r["owner"] or "",
             r["follow_up"] or ""] for r in records]
    if kind == "markdown":
        rows = [[cell.replace("[", "\\[").replace("]", "\\]").replace("|", "\\|") for cell in row] for row in rows]
    return tabulate(rows, headers=HEADERS, tablefmt="github" if kind == "markdown" else "plain", colalign=ALIGNS,
                    disable_numparse=True) + "\n"


def test_piped_listing_imports_neither_tabulate_nor_wcwidth_and_prints_tabulates_table(tmp_path: Path) -> None:
    env = {"SALESCLI_DB": str(tmp_path / "s.db")}
    _add(env, "王芳", "深圳长城商贸有限公司（华南）")
    _add(env, "Noah Taylor", "Acme [EU] | Ltd")
    for kind in ("plain", "markdown"):
        out, imported = _imports("lead", "list", "--format", kind, env=env)
        assert not {"tabulate", "wcwidth"} & imported, kind
        assert out == _expected(kind, env), kind
        assert "深圳长城商贸有限公司（华南）" in out


def test_text_only_wcwidth_can_measure_still_goes_to_tabulate(tmp_path: Path) -> None:
    env = {"SALESCLI_DB": str(tmp_path / "s.db")}
    _add(env, "José Müller", "Café 👍")
    out, imported = _imports("lead", "list", "--format", "plain", env=env)
    assert "tabulate" in imported
    assert out == _expected("plain", env)


def test_help_finds_the_config_file_without_platformdirs_or_tomllib() -> None:
    """Every command looks for the config file first (its language and format): on Linux without importing
    platformdirs, and the TOML reader only when there is a file to read."""
    out, imported = _imports("--help", env={})
    assert "Usage: salescli" in out
    if sys.platform == "linux":
        assert "platformdirs" not in imported
    assert "tomllib" not in imported


@pytest.mark.parametrize("environ", [
    {"HOME": "/home/wang", "XDG_CONFIG_HOME": "/srv/conf/", "XDG_DATA_HOME": "/srv/data"},
    {"HOME": "/home/wang/"},
    {"HOME": "/", "XDG_CONFIG_HOME": "", "XDG_DATA_HOME": "relative/data"},
    {"HOME": "relative", "XDG_CONFIG_HOME": "/etc/x"},
    {"HOME": "relative"},
    {},
])
def test_config_and_data_folders_are_platformdirs_own(environ: dict[str, str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import platformdirs

    from salescli import settings

    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "SALESCLI_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert settings.config_path() == platformdirs.user_config_path("salescli") / "config.toml"
    assert settings.data_path() == platformdirs.user_data_path("salescli")
