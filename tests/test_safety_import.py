"""Import data safety (issue 13): a file valid in no single encoding, two columns on one field, input that does not
decode with the given --encoding, and JSON the standard decoder refuses (huge integers, deep nesting) are each
refused with one line naming the file and line, exit 2, nothing imported. Genuine GBK/GB18030 and UTF-8 BOM files
still import exactly."""

from __future__ import annotations

import json
import random
from pathlib import Path

from tests.conftest import Case, Cli, check_refusals

HEADER = "name,source\n"
# GBK rows whose bytes happen to be valid UTF-8 too: 郑路 reads as "֣·" (Hebrew + Latin-1), 棰崇精 as "颳羫" (CJK,
# but not common characters). A genuine GBK file must not be refused for them.
LOOKALIKES = ["郑路", "棰崇精"]


def _files(tmp: Path) -> None:
    gbk_rows = "王芳,web\n李雷,referral\n"
    long_gbk = "王芳,web," + "x" * 70_000 + "\n"  # a line longer than a 64 KB read
    files: dict[str, bytes] = {
        # one UTF-8 row, one GBK row: as GB18030 张三 would be stored as 寮犱笁
        "mixed.csv": (HEADER + "张三,web\n").encode() + "李四,web\n".encode("gbk"),
        # a GBK export with a row added by a UTF-8 editor at the end
        "gbk-plus.csv": (HEADER + gbk_rows).encode("gbk") + "张三,web\n".encode(),
        "mixed.jsonl": '{"name": "张三", "source": "web"}\n'.encode()
                       + '{"name": "李四", "source": "web"}\n'.encode("gbk"),
        "mixed.json": '[{"name": "张三", "source": "web"},\n'.encode()
                      + '{"name": "李四", "source": "web"}]'.encode("gbk"),
        "customers-mixed.csv": "name,city\n杭州启明,杭州\n".encode() + "上海华信,上海\n".encode("gbk"),
        # UTF-8 with one Latin-1 line
        "latin1.csv": (HEADER + "张三,web\n").encode() + "José,web\n".encode("latin-1"),
        # 20,000 UTF-8 rows (several read pieces), then one GBK row
        "late.csv": (HEADER + "张三,web\n" * 20_000).encode() + "李四,web\n".encode("gbk"),
        "long.csv": (HEADER.strip() + ",notes\n").encode() + long_gbk.encode("gbk") + "张三,web,\n".encode(),
        # a UTF-8 file cut in the middle of its last character
        "cut.csv": (HEADER + "张三,web\n李").encode()[:-1],
        "neither.csv": HEADER.encode() + b"\x80\xff\xfe,web\n",
        "Name-name.csv": b"Name,name,source\nOld,New,web\n",
        "alias-name.csv": "姓名,name,source\n张三,Zhang,web\n".encode(),
        "two-phones.csv": "name,手机,电话,source\n张三,13800138000,13900139000,web\n".encode(),
        "mapped.csv": b"name,Contact,source\nA,B,web\n",
        "gbk.csv": (HEADER + "Emma,web\n" + gbk_rows).encode("gbk"),
        "utf8.csv": (HEADER + "Emma,web\n张三,web\n").encode(),
        "big.json": ('[{"name": "a", "source": "web"},\n{"name": "b", "source": "web",\n"score": '
                     + "9" * 5000 + "}]").encode(),
        "big.jsonl": ('{"name": "a", "source": "web"}\n{"name": "b", "source": "web", "score": '
                      + "9" * 5000 + "}\n").encode(),
        "deep.json": ('[{"name": "a", "source": "web"},\n' + "[" * 100_000 + "]" * 100_000 + "]").encode(),
        "deep.jsonl": ('{"name": "a", "source": "web"}\n{"notes": ' + "[" * 100_000 + "]" * 100_000 + "}\n").encode(),
    }
    for name, data in files.items():
        (tmp / name).write_bytes(data)


CASES: list[Case] = [
    (2, ["import", "leads", "{tmp}/mixed.csv"], "mixed.csv:3: not UTF-8, but line 2 is: the file mixes encodings"),
    (2, ["import", "leads", "{tmp}/gbk-plus.csv"], "gbk-plus.csv:2: not UTF-8, but line 4 is"),
    (2, ["import", "leads", "{tmp}/mixed.jsonl"], "mixed.jsonl:2: not UTF-8, but line 1 is"),
    (2, ["import", "leads", "{tmp}/mixed.json"], "mixed.json:2: not UTF-8, but line 1 is"),
    (2, ["import", "customers", "{tmp}/customers-mixed.csv"], "customers-mixed.csv:3: not UTF-8, but line 2 is"),
    (2, ["import", "leads", "{tmp}/latin1.csv"], "latin1.csv:3: not UTF-8, but line 2 is"),
    (2, ["import", "leads", "{tmp}/late.csv"], "late.csv:20002: not UTF-8, but line 2 is"),
    (2, ["import", "leads", "{tmp}/long.csv"], "long.csv:2: not UTF-8, but line 3 is"),
    (2, ["import", "leads", "{tmp}/cut.csv"], "cut.csv:3: not UTF-8, but line 2 is"),
    (2, ["import", "leads", "{tmp}/neither.csv"], "neither.csv:2: neither UTF-8 nor GB18030"),
    (2, ["import", "leads", "{tmp}/Name-name.csv"], "columns 'Name' and 'name' both map to name"),
    (2, ["import", "leads", "{tmp}/alias-name.csv"], "columns '姓名' and 'name' both map to name"),
    (2, ["import", "leads", "{tmp}/two-phones.csv"], "columns '手机' and '电话' both map to phone"),
    (2, ["import", "leads", "{tmp}/mapped.csv", "--map", "Contact=name"], "columns 'name' and 'Contact' both map"),
    (2, ["import", "leads", "{tmp}/Name-name.csv", "--dry-run"], "--map 'name=-' drops a column"),
    (2, ["import", "leads", "{tmp}/gbk.csv", "--encoding", "utf-8"], "gbk.csv:3: not valid utf-8 text"),
    (2, ["import", "leads", "{tmp}/utf8.csv", "--encoding", "ascii"], "utf8.csv:3: not valid ascii text"),
    (2, ["import", "leads", "{tmp}/big.json"], "big.json:3: invalid JSON (a number of more than 4300 digits)"),
    (2, ["import", "leads", "{tmp}/big.jsonl"], "big.jsonl:2: invalid JSON (a number of more than 4300 digits)"),
    (2, ["import", "leads", "{tmp}/deep.json"], "deep.json:2: invalid JSON (nested too deeply)"),
    (2, ["import", "leads", "{tmp}/deep.jsonl"], "deep.jsonl:2: invalid JSON (nested too deeply)"),
]


def test_unsafe_imports_are_refused(cli: Cli, tmp_path: Path) -> None:
    cli.ok("db", "upgrade")
    _files(tmp_path)
    check_refusals(cli, CASES, tmp_path)
    assert cli.count("leads") == 0 and cli.count("customers") == 0


def _names(cli: Cli) -> list[str]:
    return [row[0] for row in cli.rows("SELECT name FROM leads ORDER BY id")]


def test_gbk_file_with_utf8_lookalike_rows_imports(cli: Cli, tmp_path: Path) -> None:
    names = ["王芳", *LOOKALIKES, "李雷"]
    for name in LOOKALIKES:  # the premise: these GBK rows are valid UTF-8 as well
        (f"{name},web\n").encode("gbk").decode("utf-8")
    path = tmp_path / "gbk.csv"
    path.write_bytes((HEADER + "".join(f"{n},web\n" for n in names)).encode("gbk"))
    cli.ok("import", "leads", str(path))
    assert _names(cli) == names


def test_gb18030_four_byte_characters_import(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "gb18030.csv"
    path.write_bytes((HEADER + "𠮷野家,web\n王芳,web\n").encode("gb18030"))
    cli.ok("import", "leads", str(path))
    assert _names(cli) == ["𠮷野家", "王芳"]


def test_utf8_bom_with_chinese_header_imports(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeff姓名,来源,城市\n张三,展会,杭州\n".encode())
    cli.ok("import", "leads", str(path))
    assert cli.rows("SELECT name, source, city FROM leads") == [("张三", "exhibition", "杭州")]


def test_map_dash_keeps_the_other_of_two_same_field_columns(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "two.csv"
    path.write_text("Name,name,source\nOld,New,web\n", encoding="utf-8")
    cli.ok("import", "leads", str(path), "--map", "Name=-", "--key", "name")
    cli.ok("import", "leads", str(path), "--map", "name=-", "--key", "name")
    assert sorted(_names(cli)) == ["New", "Old"]


def test_many_row_gbk_file_imports_without_false_refusal(sqlite_cli: Cli, tmp_path: Path) -> None:
    """20,000 two-character GBK names: about 3% of such lines are valid UTF-8 by chance; none may refuse the file."""
    common = [bytes([lead, trail]).decode("gb2312") for lead in range(0xB0, 0xD8) for trail in range(0xA1, 0xFF)
              if (lead, trail) < (0xD7, 0xFA)]
    rnd = random.Random(13)
    names = [rnd.choice(common) + rnd.choice(common) for _ in range(20_000)]
    lines = [f"{n},web,{i}@example.cn\n" for i, n in enumerate(names)]
    lookalikes = 0
    for line in lines:
        try:
            line.encode("gbk").decode("utf-8")
            lookalikes += 1
        except UnicodeDecodeError:
            pass
    assert lookalikes > 100  # the premise
    path = tmp_path / "many.csv"
    path.write_bytes(("name,source,email\n" + "".join(lines)).encode("gbk"))
    sqlite_cli.ok("import", "leads", str(path), "--quiet")
    assert sqlite_cli.count("leads") == 20_000
    assert sqlite_cli.rows("SELECT name FROM leads ORDER BY id LIMIT 3") == [(n,) for n in names[:3]]


def test_json_with_large_but_allowed_numbers_imports(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "ok.json"
    path.write_text(json.dumps([{"name": "张三", "source": "web", "score": int("9" * 4000)}]), encoding="utf-8")
    cli.ok("import", "leads", str(path))
    assert _names(cli) == ["张三"]
