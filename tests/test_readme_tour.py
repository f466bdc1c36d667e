"""The README's tour, every line in order, as a shell script on a fresh database (the real command, a real
SMTP server on loopback): what the README promises runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

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


def test_every_tour_line_runs_in_order(workdir: Path, smtp: Mailbox) -> None:  # noqa: F811
    lines = tour()
    assert len(lines) >= 35 and lines[0].startswith("salescli rep add wang.fang")
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "HOME": str(workdir / "home"), "XDG_DATA_HOME": str(workdir / "home" / "data"),
           "XDG_CONFIG_HOME": str(workdir / "home" / "config"), "SALESCLI_DB": str(workdir / "tour.db"),
           "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", "COLUMNS": "80", "NO_COLOR": "1"}
    env.pop("SALESCLI_DEBUG", None)
    script = "set -e\n" + "".join(f"echo '>>> {i}'\n{line}\n" for i, line in enumerate(lines))
    run = subprocess.run(["bash", "-c", script], cwd=workdir, env=env, capture_output=True, text=True, timeout=600)
    done = run.stdout.count(">>> ")
    assert run.returncode == 0, f"line {done - 1}: {lines[done - 1]}\n{run.stderr[-2000:]}"
    assert done == len(lines)

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
