"""The README's tour, every line in order, as a shell script runs it on a fresh database (the commands in this
process as a child would run them, the installed command at the end, a real SMTP server on loopback): what the
README promises runs."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import run_like_a_process
from tests.test_surveys import Mailbox, smtp  # noqa: F401 - the SMTP server fixture

README = Path(__file__).resolve().parent.parent / "README.md"


def tour() -> list[str]:
    """The tour's command lines, comments removed (a # outside quotes, after two spaces)."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## A short tour"):]
    section = section[: section.index("\n## ", 5)]
    lines = [line[4:] for line in section.splitlines() if line.startswith("    salescli") or
             re.match(r"    [A-Z]+=\$\(", line)]
    return [re.sub(r"\s{2,}#.*$", "", line).rstrip() for line in lines]


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    year = date.today().year
    (tmp_path / "status.csv").write_text(f"order,status,note\nSO-{year}-0001,delivered,签收\n", encoding="utf-8")
    (tmp_path / "expo.csv").write_text("姓名,公司,手机\n韩梅梅,杭州启明软件有限公司,13900139000\n",
                                       encoding="gb18030")
    (tmp_path / "crm.csv").write_text("Full Name,source,email\nJim Green,web,jim@example.com\nBad,web,not-mail\n",
                                      encoding="utf-8")
    yield tmp_path


def commands(line: str, variables: dict[str, str]) -> tuple[str | None, list[list[str]]]:
    """A tour line as bash reads it: the variable it sets (``NAME=$(salescli ...)``, else None) and its salescli
    commands (``a && b``), with ``$NAME`` replaced and the quotes removed. What else bash could do there is
    refused, so that the tour cannot grow a line this reading gets wrong."""
    target = None
    if assignment := re.fullmatch(r"([A-Z]+)=\$\((.*)\)", line):
        target, line = assignment.groups()
    line = re.sub(r"\$([A-Z]+)\b", lambda m: variables[m.group(1)], line)
    words = shlex.shlex(line, posix=True, punctuation_chars=True)
    words.whitespace_split = True
    parts: list[list[str]] = [[]]
    for word in words:
        if word == "&&":
            parts.append([])
        else:
            parts[-1].append(word)
    for part in parts:
        assert part and part[0] == "salescli" and not set("$`|;<>()&*?~") & set("".join(part)), line
    assert target is None or len(parts) == 1, line
    return target, [part[1:] for part in parts]


def test_every_tour_line_runs_in_order(workdir: Path, smtp: Mailbox,  # noqa: F811
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Each line as bash with ``set -e`` runs it, every command in this process (run_like_a_process, in the working
    folder, with the script's environment) instead of one child process each; the two checks at the end run the
    installed ``salescli`` for real."""
    lines = tour()
    assert len(lines) >= 35 and lines[0].startswith("salescli rep add wang.fang")
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "HOME": str(workdir / "home"), "XDG_DATA_HOME": str(workdir / "home" / "data"),
           "XDG_CONFIG_HOME": str(workdir / "home" / "config"), "SALESCLI_DB": str(workdir / "tour.db"),
           "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", "COLUMNS": "80", "NO_COLOR": "1"}
    env.pop("SALESCLI_DEBUG", None)
    monkeypatch.chdir(workdir)
    variables: dict[str, str] = {}
    for i, line in enumerate(lines):
        target, parts = commands(line, variables)
        for args in parts:
            run = run_like_a_process(*args, env=env)
            assert run.exit_code == 0, f"line {i}: {line}\n{run.stderr[-2000:]}"
        if target is not None:
            variables[target] = run.stdout.rstrip("\n")  # as $( ) keeps it

    def salescli(*args: str) -> str:
        return subprocess.run([str(bin_dir / "salescli"), *args], cwd=workdir, env=env, capture_output=True,
                              text=True, check=True).stdout

    import json

    report = json.loads(salescli("kpi", "report", "--period", "this-quarter", "--format", "json"))
    rows = {row["rep"]: row for row in report["rows"]}
    assert rows["wang.fang"]["revenue"] == report["total"]["revenue"] == "5700.00"  # 5 x 1200 - 5%, before tax
    assert rows["wang.fang"]["attainment"] is not None
    assert (workdir / "kpi.html").exists() and (workdir / "leads.csv").exists()
    assert len(smtp.messages) == 1  # the delivered order's contact was asked
    tasks = json.loads(salescli("task", "list", "--format", "json"))
    assert [t["text"] for t in tasks if t["text"] == "寄样品给采购部"]
