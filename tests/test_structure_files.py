"""The one write-temp-then-rename (files.replace_via_temp), used by exports, backups, restores and the config file:
complete or nothing, private, no temporary file left behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from salescli import files
from salescli.errors import PolicyError, SalesError
from salescli.settings import write_config


def _temps(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".part")]


def test_replaces_whole_and_private(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with files.replace_via_temp(target) as (tmp, fd):
        assert tmp.parent == tmp_path and tmp != target
        os.write(fd, b"new")
        assert target.read_text() == "old"  # not placed before the block ends
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert _temps(tmp_path) == []


def test_failure_or_refusal_leaves_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    discarded: list[Path] = []

    def discard(path: Path) -> None:
        discarded.append(path)
        path.unlink()

    with pytest.raises(RuntimeError), files.replace_via_temp(target, discard=discard) as (_tmp, fd):
        os.write(fd, b"half")
        raise RuntimeError("disk on fire")
    assert target.read_text() == "old" and len(discarded) == 1 and _temps(tmp_path) == []
    with pytest.raises(PolicyError, match=r"--output: .* exists; use --force"), \
            files.replace_via_temp(target, force=False, option="--output") as (_tmp, fd):
        os.write(fd, b"new")
    assert target.read_text() == "old" and _temps(tmp_path) == []


def test_config_file_is_written_through_it(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "config.toml"
    write_config(path, {"tax_rate": "9", "language": None})
    assert path.read_text() == 'tax_rate = "9"\n'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(TypeError):  # a value TOML cannot hold: the old file stays, whole
        write_config(path, {"tax_rate": object()})
    assert path.read_text() == 'tax_rate = "9"\n' and _temps(path.parent) == []
    blocked = tmp_path / "a-file" / "config.toml"  # its folder is a file: an OSError, reported as one line
    blocked.parent.write_text("")
    with pytest.raises(SalesError, match="cannot write config file"):
        write_config(blocked, {"tax_rate": "10"})
