"""Shell completion of values (issue 17), driven the way bash and zsh drive it: a child process with Typer's
``_SALESCLI_COMPLETE`` (``complete_bash`` with COMP_WORDS/COMP_CWORD, ``complete_zsh`` with _TYPER_COMPLETE_ARGS)
on the sample database. Values from the database are matched in SQL and read-only: a missing or older database
offers nothing, silently, and is left as it was."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from salescli.completion import BY, LIMIT, what
from tests.conftest import Cli, run_like_a_process


def _env(home: Path, db: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("SALESCLI_")}
    env.update({"HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config"),
                "SALESCLI_DB": db, "LANG": "C.UTF-8", "NO_COLOR": "1"})
    return env


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a sample database (loaded once for this module)."""
    home = tmp_path_factory.mktemp("completion")
    env = _env(home, str(home / "sample.db"))
    assert run_like_a_process("sample", env=env).exit_code == 0
    return env


def tab(env: dict[str, str], line: str) -> list[str]:
    """What bash offers for a Tab at the end of ``line`` (a trailing space: a new word): what the child process
    bash starts prints, run in this process (run_like_a_process); the zsh test below starts the real one."""
    words = line.split(" ")
    done = run_like_a_process(env={**env, "_SALESCLI_COMPLETE": "complete_bash", "COMP_WORDS": line,
                                   "COMP_CWORD": str(len(words) - 1)})
    assert done.exit_code == 0 and done.stderr == "", done.stderr
    return done.stdout.split()


def rows(env: dict[str, str], sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{env['SALESCLI_DB']}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


def test_lead_ids_newest_first_and_by_prefix(sample: dict[str, str]) -> None:
    ids = [str(i) for (i,) in rows(sample, "SELECT id FROM leads WHERE merged_into IS NULL ORDER BY id DESC")]
    assert tab(sample, "salescli lead show ") == ids[:LIMIT]
    offered = tab(sample, "salescli lead show 12")
    assert offered and offered == [i for i in ids if i.startswith("12")][:LIMIT]
    assert tab(sample, "salescli lead merge 1 99") == [i for i in ids if i.startswith("99")]  # OTHER too
    assert tab(sample, "salescli lead show 99999") == []


def test_zsh_shows_each_lead_with_its_name(sample: dict[str, str]) -> None:
    (lead, name, company), = rows(sample, "SELECT id, name, company FROM leads ORDER BY id DESC LIMIT 1")
    done = subprocess.run([sys.executable, "-m", "salescli"], capture_output=True, text=True, timeout=60,
                          env={**sample, "_SALESCLI_COMPLETE": "complete_zsh",
                               "_TYPER_COMPLETE_ARGS": f"salescli lead show {lead}"})
    assert f'"{lead}":"{name} · {company}"' in done.stdout, done.stdout


def test_sources_with_chinese_names(sample: dict[str, str]) -> None:
    from salescli.domain.leads import SOURCES

    offered = tab(sample, "salescli lead list --source ")
    assert offered[:len(SOURCES)] == list(SOURCES) and "转介绍" in offered and "展会" in offered
    assert len(offered) == len(set(offered))
    assert tab(sample, "salescli lead add 王芳 --source re") == ["referral", "refer", "referred"]
    assert "转介绍" in tab(sample, "salescli lead list --source 转")


def test_statuses_of_each_commands_records(sample: dict[str, str]) -> None:
    from salescli.domain import pipeline

    assert tab(sample, "salescli lead list --status ") == list(pipeline.LEAD.states)
    assert tab(sample, "salescli quote list --status ") == list(pipeline.QUOTE.states)
    assert tab(sample, "salescli deal list --stage ") == list(pipeline.DEAL.states)
    assert tab(sample, "salescli contract list --status s") == ["signed"]


def test_by_values_are_the_commands_own(sample: dict[str, str]) -> None:
    from salescli.services import customers, kpi, lost

    assert tab(sample, "salescli kpi report --by ") == list(kpi.GROUPINGS)
    assert tab(sample, "salescli kpi lost-reasons --by ") == list(lost.GROUPINGS)
    assert tab(sample, "salescli customer analyze --by ") == list(customers.BREAKDOWNS)
    assert BY[("kpi", "report")] == kpi.GROUPINGS and BY[("kpi", "lost-reasons")] == lost.GROUPINGS
    assert BY[("customer", "analyze")] == customers.BREAKDOWNS


def test_periods(sample: dict[str, str]) -> None:
    from salescli.domain.dates import RELATIVE_PERIODS

    assert tab(sample, "salescli kpi report --period 2026-") == [
        *(f"2026-Q{q}" for q in range(1, 5)), *(f"2026-{m:02d}" for m in range(1, 13))]
    assert tab(sample, "salescli kpi report --period 2026-Q") == [f"2026-Q{q}" for q in range(1, 5)]
    assert tab(sample, "salescli kpi funnel --period this") == [p for p in RELATIVE_PERIODS if p.startswith("this")]
    assert tab(sample, "salescli target set wang.fang 2027")[:2] == ["2027", "2027-Q1"]  # an argument too


def test_quote_numbers_once_each(sample: dict[str, str]) -> None:
    numbers = list(dict.fromkeys(n for (n,) in rows(sample, "SELECT number FROM quotes ORDER BY id DESC")))
    assert numbers
    assert tab(sample, "salescli quote show Q-") == numbers[:LIMIT]
    assert tab(sample, "salescli quote show q-") == numbers[:LIMIT]  # any case
    assert tab(sample, "salescli quote show X") == []


def test_item_offers_skus_then_leaves_the_quantity(sample: dict[str, str]) -> None:
    skus = [str(s) for (s,) in rows(sample, "SELECT sku FROM products WHERE active ORDER BY sku")]
    assert tab(sample, "salescli quote create 1 --item ") == skus
    assert tab(sample, "salescli quote create 1 --item HW-") == [s for s in skus if s.startswith("HW-")]
    assert tab(sample, f"salescli quote create 1 --item {skus[0]}:") == []
    assert tab(sample, "salescli product show SW-") == [s for s in skus if s.startswith("SW-")]
    assert tab(sample, "salescli product add ") == []  # a new SKU: nothing to offer


def test_reps_reasons_kinds_priorities(sample: dict[str, str]) -> None:
    handles = [h for (h,) in rows(sample, "SELECT handle FROM reps WHERE active ORDER BY handle")]
    assert tab(sample, "salescli lead list --owner ") == handles
    assert tab(sample, "salescli --rep ") == handles
    assert tab(sample, "salescli rep handover ") == handles
    assert tab(sample, "salescli lead lose 1 --reason ") == ["price", "lead_time", "competitor", "budget",
                                                              "no_decision", "other"]
    assert tab(sample, "salescli quote reject Q-2026-0001 --reason ") == []  # free text
    assert tab(sample, "salescli deal log 1 --kind ")[:6] == ["call", "email", "meeting", "visit", "wechat", "note"]
    assert tab(sample, "salescli ticket open --priority ") == ["low", "normal", "high", "urgent"]
    assert tab(sample, "salescli task add x --priority ") == ["low", "normal", "high"]
    contracts = [n for (n,) in rows(sample, "SELECT number FROM contracts ORDER BY id DESC")]
    assert tab(sample, "salescli contract show ") == contracts[:LIMIT]


def test_commands_and_choices_still_complete(sample: dict[str, str]) -> None:
    assert "show" in tab(sample, "salescli lead ")
    assert {"json", "csv"} <= set(tab(sample, "salescli lead list --format "))  # Click's own choice list


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_no_database_offers_nothing_and_creates_none(tmp_path: Path) -> None:
    db = tmp_path / "none.db"
    env = _env(tmp_path, str(db))
    assert tab(env, "salescli lead show ") == []
    assert tab(env, "salescli lead list --source ref") == ["referral", "refer", "referred"]  # no database needed
    assert tab(env, "salescli lead lose 1 --reason p") == ["price"]
    assert not db.exists() and not list(tmp_path.glob("none.db*"))


def test_older_database_is_neither_migrated_nor_read(sample: dict[str, str], tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    with sqlite3.connect(sample["SALESCLI_DB"]) as src, sqlite3.connect(old) as dst:
        src.backup(dst)
    with sqlite3.connect(old) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    before = _digest(old)
    env = {**sample, "SALESCLI_DB": str(old)}
    assert tab(env, "salescli lead show ") == []
    assert tab(env, "salescli quote show Q-") == []
    assert _digest(old) == before and [p.name for p in tmp_path.glob("old.db*")] == ["old.db"]


def test_not_a_database_offers_nothing(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("not sqlite")
    assert tab(_env(tmp_path, str(junk)), "salescli lead show ") == []
    assert junk.read_text() == "not sqlite"


def test_on_postgres_too(cli: Cli, tmp_path: Path) -> None:
    cli.ok("lead", "add", "周强", "--source", "web", "--company", "深圳长城")
    cli.ok("lead", "add", "黄军", "--source", "referral")
    ids = [str(i) for (i,) in cli.rows("SELECT id FROM leads ORDER BY id DESC")]
    assert tab(_env(tmp_path, cli.db), "salescli lead show ") == ids


def test_what_each_parameter_names() -> None:
    assert what("lead", "argument", ("lead", "show")) == "db:lead"
    assert what("source", "argument", ("rep", "handover")) == "db:rep"
    assert what("source", "option", ("lead", "list")) == "source"
    assert what("sku", "argument", ("product", "add")) is None
    assert what("reason", "option", ("quote", "reject")) is None
    assert what("status", "option", ("survey", "list")) is None
    assert what("by", "option", ("kpi", "report")) == "by"
