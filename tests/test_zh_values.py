"""Stored code values (industries, channels, statuses, stages, "unassigned") read in Chinese in human formats when
the language is zh, while JSON and CSV keep the stored code, byte-identical to English (issue 15)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from salescli import i18n, output
from salescli.domain.customers import INDUSTRIES, SIZE_BANDS
from salescli.domain.leads import SOURCES
from salescli.domain.pipeline import CONTRACT, DEAL, LEAD, ORDER, QUOTE, TICKET
from tests.conftest import Cli, Run, run_like_a_process

YEAR = str(date.today().year)  # the deal is lost today


@pytest.fixture
def cli(sqlite_cli: Cli) -> Cli:
    return sqlite_cli


@pytest.fixture
def chinese() -> Iterator[None]:
    i18n.use("zh")
    try:
        yield
    finally:
        i18n.use("en")


def test_every_known_code_has_its_words_in_the_one_table() -> None:
    labels = output.VALUE_LABELS
    assert set(INDUSTRIES) <= set(labels["industry"])
    assert set(SOURCES) <= set(labels["source"]) and labels["channel"] is labels["source"]
    assert {band for band, _low in SIZE_BANDS} <= set(labels["size"])
    for machine in (LEAD, DEAL, QUOTE, CONTRACT, ORDER, TICKET):
        assert set(machine.states) <= set(labels["status"]), machine.name
    assert set(DEAL.states) <= set(labels["stage"])


def test_english_shows_the_code_as_stored() -> None:
    assert output.code_label("industry", "manufacturing") == "manufacturing"
    assert output.code_label("owner", "unassigned") == "unassigned"


def test_chinese_words_come_from_the_catalog(chinese: None) -> None:
    for key, names in INDUSTRIES.items():  # the catalog's word is the industry's Chinese display name
        assert output.code_label("industry", key) == names[0], key
    assert output.code_label("source", "referral") == "转介绍"
    assert output.code_label("source", "email") == "邮件"  # not the field label 邮箱
    assert output.code_label("status", "sent") == "已发送"  # not the column header 发送时间
    assert output.code_label("stage", "won") == "赢单"
    assert output.code_label("rep", "unassigned") == "未分配"
    assert output.code_label("industry", "pet_food") == "pet_food"  # a team's own key shows as stored
    assert output.code_label("status", 3) == 3  # only text codes
    assert output.code_label("title", "new") == "new"  # a free-text field is never translated


def _environ(db: Path, lang: str) -> dict[str, str]:
    environ = {**os.environ, "LANG": lang, "COLUMNS": "200", "SALESCLI_DB": str(db)}
    for name in ("SALESCLI_DEBUG", "SALESCLI_LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        environ.pop(name, None)
    return environ


def salescli_process(db: Path, *args: str, lang: str) -> subprocess.CompletedProcess[str]:
    """The real command in a child process, under a Chinese or an English locale."""
    done = subprocess.run([sys.executable, "-m", "salescli", *args], capture_output=True, text=True,
                          env=_environ(db, lang), timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done


def salescli(db: Path, *args: str, lang: str) -> Run:
    """The command as that child process runs it, language chosen from the locale the same way, in this process
    (run_like_a_process: half a second less each; salescli_process shows the real process does the same)."""
    done = run_like_a_process(*args, env=_environ(db, lang))
    assert done.exit_code == 0, done.stderr
    return done


@pytest.fixture
def db(cli: Cli, db_path: Path) -> Path:
    customer = cli.id("customer", "add", "上海华信", "--industry", "制造业", "--size", "large")
    lead = cli.id("lead", "add", "赵敏", "--source", "朋友介绍", "--company", "上海华信")
    cli.id("lead", "add", "Bob", "--source", "email")
    deal = cli.id("lead", "convert", str(lead))
    cli.ok("deal", "lose", str(deal), "--reason", "price")
    cli.id("ticket", "open", "--customer", str(customer), "--subject", "无法联网", "--priority", "urgent")
    return db_path


def test_tables_and_show_read_chinese_json_and_csv_keep_the_codes(db: Path) -> None:
    zh = salescli(db, "customer", "list", "--format", "plain", lang="zh_CN.UTF-8").stdout
    assert "制造业" in zh and "大型" in zh and "manufacturing" not in zh
    assert salescli_process(db, "customer", "list", "--format", "plain", lang="zh_CN.UTF-8").stdout == zh
    en = salescli(db, "customer", "list", "--format", "plain", lang="C.UTF-8").stdout
    assert "manufacturing" in en and "制造业" not in en
    assert salescli_process(db, "customer", "list", "--format", "plain", lang="C.UTF-8").stdout == en
    leads = salescli(db, "lead", "list", "--format", "plain", lang="zh_CN.UTF-8").stdout
    assert "转介绍" in leads and "邮件" in leads and "已转化" in leads and "新建" in leads
    assert "referral" not in leads and "converted" not in leads
    for fmt in ("markdown", "table"):
        text = salescli(db, "deal", "list", "--format", fmt, lang="zh_CN.UTF-8").stdout
        assert "输单" in text and "lost" not in text, fmt
    shown = salescli(db, "customer", "show", "1", "--format", "plain", lang="zh_CN.UTF-8").stdout
    assert "制造业" in shown and "manufacturing" not in shown
    ticket = salescli(db, "ticket", "show", "1", "--format", "plain", lang="zh_CN.UTF-8").stdout
    assert "待处理" in ticket and "紧急" in ticket
    lost = salescli(db, "kpi", "lost-reasons", "--period", YEAR, "--by", "rep", "--format", "plain",
                    lang="zh_CN.UTF-8").stdout
    assert "未分配" in lost and "(none)" not in lost  # the deal no rep owns
    funnel = salescli(db, "kpi", "funnel", "--period", YEAR, "--by", "rep", "--format", "plain",
                      lang="zh_CN.UTF-8").stdout
    assert "未分配" in funnel and "unassigned" not in funnel
    for args in (["customer", "list"], ["lead", "list"], ["deal", "list"], ["deal", "show", "1"],
                 ["ticket", "show", "1"], ["kpi", "lost-reasons", "--period", YEAR, "--by", "rep"],
                 ["kpi", "funnel", "--period", YEAR, "--by", "rep"]):
        for fmt in ("json", "csv"):
            chinese = salescli(db, *args, "--format", fmt, lang="zh_CN.UTF-8").stdout
            english = salescli(db, *args, "--format", fmt, lang="C.UTF-8").stdout
            assert chinese == english, (args, fmt)
    assert '"industry": "manufacturing"' in salescli(db, "customer", "show", "1", "--format", "json",
                                                     lang="zh_CN.UTF-8").stdout
