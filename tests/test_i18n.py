"""The Chinese interface: a complete catalog, the language chosen as documented, and the real CLI speaking Chinese
(errors, help, Typer's and Click's own words, table headers) while JSON stays byte-identical."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from salescli import i18n

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import catalog  # noqa: E402  (tools/catalog.py: the same extraction the maintainers run)

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_catalog_is_complete_with_the_same_placeholders() -> None:
    """Every message id in the code and the command tree has a Chinese translation with the same {fields}; the
    list printed names each one missing (fix: python tools/catalog.py update, translate, merge)."""
    problems = catalog.missing()
    assert problems == [], "\n".join(problems[:40]) + f"\n({len(problems)} in all)"


def test_installed_catalog_is_compiled_from_the_current_po(tmp_path: Path) -> None:
    from babel.messages.mofile import read_mo
    from babel.messages.pofile import read_po

    po = catalog.PO
    mo = po.with_suffix(".mo")
    assert mo.exists(), "the .mo is built by the install: pip install -e . (or python tools/catalog.py compile)"
    with po.open("rb") as fh:
        source = {m.id: m.string for m in read_po(fh) if m.id and m.string and not m.fuzzy}
    with mo.open("rb") as fh:
        built = {m.id: m.string for m in read_mo(fh) if m.id}
    assert built == source, "stale .mo: reinstall (pip install -e .) or python tools/catalog.py compile"


def test_the_catalog_reads_as_gettext_reads_it(tmp_path: Path) -> None:
    """i18n reads the .mo itself (a third of gettext's time, first thing in ``--help``): the same messages as gettext's
    reader, and gettext's own reading for a catalog with what that reader leaves to it (plural forms)."""
    import gettext

    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    mo = catalog.PO.with_suffix(".mo")
    with mo.open("rb") as fh:
        expected = gettext.GNUTranslations(fh)
    read = i18n._catalog("zh")
    assert isinstance(read, i18n._Messages) and read._messages == expected._catalog
    for message in ("no records", "Usage: ", "not in the catalog", ""):
        assert read.gettext(message) == expected.gettext(message)
    assert read.ngettext("{n} row", "{n} rows", 2) == expected.ngettext("{n} row", "{n} rows", 2)

    plural = Catalog(locale="zh_CN")
    plural.add(("{n} file", "{n} files"), ("{n} 个文件",))
    with (tmp_path / "plural.mo").open("wb") as fh:
        write_mo(fh, plural)
    assert i18n._read_mo((tmp_path / "plural.mo").read_bytes()) is None  # gettext reads it
    assert i18n._read_mo(b"not a catalog") is None


@pytest.mark.parametrize("damage", [b"", b"not a catalog, not even its magic number", "cut"])
def test_a_damaged_catalog_means_english_not_a_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    damage: bytes | str) -> None:
    """An empty or cut .mo (a broken install) made every Chinese command, --help too, end in a traceback."""
    folder = tmp_path / "zh_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    mo = catalog.PO.with_suffix(".mo").read_bytes()
    (folder / "salescli.mo").write_bytes(mo[:1000] if damage == "cut" else damage)  # type: ignore[arg-type]
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    read = i18n._catalog("zh")
    assert read.gettext("no records") == "no records"


@pytest.mark.parametrize(("environ", "expected"), [
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh_TW.UTF-8"}, "zh"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "fr_FR.UTF-8"}, "en"),
    ({}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL wins over LANG
    ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),  # LC_MESSAGES over LANG
    ({"LANGUAGE": "zh_CN:en", "LANG": "en_US.UTF-8"}, "zh"),  # LANGUAGE wins unless the locale is C
    ({"LANGUAGE": "zh_CN", "LANG": "C"}, "en"),
])
def test_auto_language_follows_the_locale_variables(environ: dict[str, str], expected: str) -> None:
    assert i18n.pick("auto", environ) == expected
    assert i18n.pick(None, environ) == expected


def test_setting_overrides_the_locale() -> None:
    assert i18n.pick("zh", {"LANG": "en_US.UTF-8"}) == "zh"
    assert i18n.pick("en", {"LANG": "zh_CN.UTF-8"}) == "en"


def salescli(*args: str, lang: str = "zh_CN.UTF-8", env: dict[str, str] | None = None,
             db: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real command in a child process, as a user runs it."""
    environ = {**os.environ, "LANG": lang, "COLUMNS": "100", **(env or {})}
    environ.pop("SALESCLI_DEBUG", None)
    if db is not None:
        environ["SALESCLI_DB"] = str(db)
    return subprocess.run([sys.executable, "-m", "salescli", *args], capture_output=True, text=True, env=environ,
                          timeout=60, check=False)


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("zh") / "sales.db"
    done = salescli("sample", lang="C.UTF-8", db=db, env={"HOME": str(db.parent)})
    assert done.returncode == 0, done.stderr
    return db


def test_errors_are_chinese_under_a_chinese_locale(sample_db: Path) -> None:
    done = salescli("lead", "show", "99999", db=sample_db)
    assert done.returncode == 1
    line = done.stderr.strip()
    assert line.startswith("错误：") and "99999" in line and len(CJK.findall(line)) >= 4, line
    english = salescli("lead", "show", "99999", lang="C.UTF-8", db=sample_db)
    assert english.stderr.strip() == "error: lead 99999 not found"


def test_usage_errors_are_chinese_and_suggest(sample_db: Path) -> None:
    done = salescli("qoute", db=sample_db)
    assert done.returncode == 2
    assert done.stderr.startswith("错误：") and "'quote'" in done.stderr, done.stderr
    english = salescli("qoute", lang="C.UTF-8", db=sample_db)
    assert "Did you mean 'quote'?" in english.stderr
    for args in (["lead", "list", "--limt", "3"], ["lead", "list", "--limit", "x"], ["lead", "add"]):
        done = salescli(*args, db=sample_db)
        assert done.returncode == 2 and done.stderr.startswith("错误：") and len(CJK.findall(done.stderr)) >= 3, \
            done.stderr


def test_help_is_chinese_with_examples_and_readable_metavars() -> None:
    done = salescli("lead", "add", "--help")
    assert done.returncode == 0
    text = done.stdout
    assert text.startswith("用法：salescli lead add")
    for word in ("选项：", "示例：", "显示本帮助并退出。"):
        assert word in text, word
    assert "<str>" not in text and "<int" not in text
    assert "--follow-up DATE" in text
    assert max(len(line) for line in text.splitlines()) <= 100
    root = salescli("--help")
    assert "命令：" in root.stdout and len(CJK.findall(root.stdout)) > 200


def test_language_setting_and_environment(sample_db: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('language = "zh"\n', encoding="utf-8")
    done = salescli("lead", "show", "99999", lang="en_US.UTF-8", db=sample_db, env={"SALESCLI_CONFIG": str(config)})
    assert done.stderr.startswith("错误：")
    done = salescli("lead", "show", "99999", db=sample_db, env={"SALESCLI_LANGUAGE": "en"})
    assert done.stderr.startswith("error: ")


def test_tables_read_chinese_and_json_stays_byte_identical(sample_db: Path) -> None:
    for args in (["lead", "list"], ["kpi", "report", "--period", "2026"], ["customer", "list"], ["pipeline"],
                 ["quote", "list"], ["deal", "show", "1"]):
        zh = salescli(*args, "--format", "json", db=sample_db)
        en = salescli(*args, "--format", "json", lang="C.UTF-8", db=sample_db)
        assert zh.returncode == en.returncode == 0, zh.stderr
        assert zh.stdout == en.stdout, args
    table = salescli("lead", "list", "--format", "plain", db=sample_db)
    header = table.stdout.splitlines()[0]
    assert len(CJK.findall(header)) >= 4, header
