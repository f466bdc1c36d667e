"""Batch import through the CLI: encodings, CSV traps, mapping, validation, dedupe, rejects, round trips, kills."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import Cli, snapshot

ROWS = "name,company,email,phone,source,city\n王芳,杭州启明,wang@example.cn,13800138000,展会,杭州\n" \
       "Emma Smith,Northwind,emma@example.com,+44 20 7946 0958,web,London\n"


def _leads(cli: Cli) -> list[tuple]:
    return cli.rows("SELECT name, company, email_key, phone_key, source FROM leads ORDER BY id")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_encodings_are_detected(cli: Cli, db_path: Path, tmp_path: Path, encoding: str) -> None:
    path = tmp_path / f"leads-{encoding}.csv"
    path.write_bytes(ROWS.encode(encoding))
    assert "2 were added" in cli.ok("import", "leads", str(path)).stderr
    assert _leads(cli) == [("王芳", "杭州启明", "wang@example.cn", "+8613800138000", "exhibition"),
                               ("Emma Smith", "Northwind", "emma@example.com", "+442079460958", "web")]


def test_undecodable_file_is_refused(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"name,source\n\xff\xfe\xfa\xfb,web\n")
    assert "neither UTF-8 nor GB18030" in cli.fails(2, "import", "leads", str(path))


def test_crlf_quoted_newlines_and_chinese_headers(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "crm.csv"
    path.write_bytes('姓名,公司,手机,来源,备注\r\n李雷,"上海, 华信",13900001111,转介绍,"第一行\r\n第二行"\r\n'.encode())
    cli.ok("import", "leads", str(path))
    row = cli.rows("SELECT name, company, source, notes FROM leads")[0]
    assert row == ("李雷", "上海, 华信", "referral", "第一行\r\n第二行")


def test_empty_and_header_only_files(cli: Cli, tmp_path: Path) -> None:
    empty, header = tmp_path / "empty.csv", tmp_path / "header.csv"
    empty.write_text("", encoding="utf-8")
    header.write_text("name,source\n", encoding="utf-8")
    assert "0 row(s)" in cli.ok("import", "leads", str(empty)).stderr
    assert "0 row(s)" in cli.ok("import", "leads", str(header)).stderr


def test_unknown_columns_map_set_and_saved_mapping(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "scan.csv"
    path.write_text("Contact,Mobile No,Booth\n赵敏,13800138001,A12\n", encoding="utf-8")
    line = cli.fails(2, "import", "leads", str(path))
    assert "unknown column(s) Contact, Booth" in line
    assert "no column for source" in cli.fails(2, "import", "leads", str(path), "--map", "Contact=name",
                                               "--map", "Booth=-")
    cli.ok("import", "leads", str(path), "--map", "Contact=name", "--map", "Booth=-", "--set", "source=exhibition",
           "--save-mapping", "expo")
    assert _leads(cli) == [("赵敏", None, None, "+8613800138001", "exhibition")]
    other = tmp_path / "scan2.csv"
    other.write_text("Contact,Mobile No,Booth\n周强,13800138002,B7\n", encoding="utf-8")
    cli.ok("import", "leads", str(other), "--mapping", "expo", "--set", "source=exhibition")
    assert len(_leads(cli)) == 2
    assert "not a leads field" in cli.fails(2, "import", "leads", str(path), "--map", "Contact=nickname")


def test_all_or_nothing_lists_every_problem(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    cli.ok("db", "upgrade")
    path = tmp_path / "mixed.csv"
    path.write_text("name,email,phone,source,follow_up\nOK,ok@example.com,,web,\n,x@example.com,,web,\n"
                    "Bad,not-an-email,12,pigeon,2026-02-30\n", encoding="utf-8")
    before = snapshot(cli)
    run = cli("import", "leads", str(path))
    assert run.exit_code == 2
    assert run.error_lines == [
        f"{path}:3: name: must not be empty",
        f"{path}:4: email: 'not-an-email' is not an email address (An email address must have an @-sign.)",
        f"{path}:4: phone: '12' is not a possible phone number for region CN",
        f"{path}:4: source: 'pigeon' is not a channel (one of phone, email, social, exhibition, referral, web, other)",
        f"{path}:4: follow_up: '2026-02-30' is not a date (expected YYYY-MM-DD, today, tomorrow, +3d, +2w or -7d)",
        f"error: 2 invalid row(s) in {path}; nothing imported (--skip-invalid --rejects FILE imports the good ones)"]
    assert snapshot(cli) == before


def test_skip_invalid_writes_rejects_with_reasons(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text("name,email,source\nOK,ok@example.com,web\nBad,nope,web\n", encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    run = cli.ok("import", "leads", str(path), "--skip-invalid", "--rejects", str(rejects))
    assert "1 were added, 0 updated, 0 skipped as duplicates, 1 rejected" in run.stderr
    rows = list(csv.reader(rejects.open(encoding="utf-8")))
    assert rows[0] == ["name", "email", "source", "error"]
    assert rows[1][:3] == ["Bad", "nope", "web"] and rows[1][3].startswith("email: 'nope' is not an email")
    assert "needs --rejects" in cli.fails(2, "import", "leads", str(path), "--skip-invalid")


def test_duplicates_within_file_and_on_rerun_and_update(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "dups.csv"
    path.write_text("name,email,phone,source\nA,a@example.com,13800000001,web\nA again,A@EXAMPLE.com,,web\n"
                    "B,,138-0000-0001,web\nC,c@example.com,,web\n", encoding="utf-8")
    plan = cli.ok("import", "leads", str(path), "--dry-run").stderr
    assert "4 row(s): 2 would be added, 0 updated, 2 skipped as duplicates, 0 rejected" in plan
    assert _leads(cli) == []
    assert "2 were added" in cli.ok("import", "leads", str(path)).stderr
    assert "0 were added, 0 updated, 4 skipped" in cli.ok("import", "leads", str(path)).stderr
    assert [r[0] for r in _leads(cli)] == ["A", "C"]
    changed = tmp_path / "changed.csv"
    changed.write_text("name,email,company,source\nA renamed,a@example.com,ACME,referral\nD,d@example.com,,web\n",
                       encoding="utf-8")
    assert "1 were added, 1 updated, 0 skipped" in cli.ok("import", "leads", str(changed), "--update").stderr
    assert _leads(cli)[0] == ("A renamed", "ACME", "a@example.com", "+8613800000001", "referral")
    by_name = tmp_path / "names.csv"
    by_name.write_text("name,source\nC,web\nE,web\n", encoding="utf-8")
    assert "1 were added" in cli.ok("import", "leads", str(by_name), "--key", "name").stderr
    assert "not a key" in cli.fails(2, "import", "leads", str(by_name), "--key", "city")


def test_json_and_jsonl_inputs(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    (tmp_path / "l.json").write_text(json.dumps([{"name": "张伟", "source": "web", "phone": "13700000000"}]),
                                     encoding="utf-8")
    (tmp_path / "l.jsonl").write_text('{"name": "李娜", "source": "phone"}\n\n{"name": "周杰", "source": "email"}\n',
                                      encoding="utf-8")
    cli.ok("import", "leads", str(tmp_path / "l.json"))
    cli.ok("import", "leads", str(tmp_path / "l.jsonl"))
    assert [r[0] for r in _leads(cli)] == ["张伟", "李娜", "周杰"]
    (tmp_path / "bad.jsonl").write_text('{"name": "x", "source": "web"}\n{"name": \n', encoding="utf-8")
    assert "bad.jsonl:2: invalid JSON" in cli.fails(2, "import", "leads", str(tmp_path / "bad.jsonl"))


def test_customers_contacts_products_and_round_trips(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    (tmp_path / "c.csv").write_text("客户名称,行业,规模,预算,城市,竞争对手\n"
                                    "上海华信,manufacturing,1200,1500000,上海,用友、金蝶\n"
                                    "ACME,retail,small,,London,\n", encoding="utf-8")
    cli.ok("import", "customers", str(tmp_path / "c.csv"))
    (tmp_path / "k.csv").write_text("customer,name,email,phone\n上海华信,赵敏,zhao@example.cn,13800138000\n"
                                    "ACME,Bob,bob@example.com,\n上海华信,赵敏 dup,ZHAO@example.cn,\n", encoding="utf-8")
    assert "2 were added, 0 updated, 1 skipped" in cli.ok("import", "contacts", str(tmp_path / "k.csv")).stderr
    (tmp_path / "p.csv").write_text("sku,name,price,cost,lead_time_days,category\n"
                                    "GW-1,=工业网关,1200,700,30,hardware\n", encoding="utf-8")
    cli.ok("import", "products", str(tmp_path / "p.csv"))
    assert cli.json("customer", "show", "1")["tier"] == "A"
    for entity in ("customers", "contacts", "products", "leads"):
        exported = tmp_path / f"{entity}.csv"
        cli.ok("export", entity, "--output", str(exported))
        other = Cli(str(tmp_path / f"copy-{entity}.db"))
        if entity == "contacts":
            other.ok("import", "customers", str(tmp_path / "customers.csv"))
        other.ok("import", entity, str(exported))
        again = tmp_path / f"{entity}-again.csv"
        other.ok("export", entity, "--output", str(again))
        assert again.read_text(encoding="utf-8") == exported.read_text(encoding="utf-8"), entity
    assert "'=工业网关" in (tmp_path / "products.csv").read_text(encoding="utf-8")  # neutralized in the file
    assert cli.json("product", "show", "GW-1")["name"] == "=工业网关"  # ...and restored on import


def test_sigkill_mid_import_leaves_nothing_and_rerun_completes(sqlite_cli: Cli, db_path: Path,
                                                                tmp_path: Path) -> None:
    cli = sqlite_cli
    cli.ok("db", "upgrade")
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", "email", "source"])
        writer.writerows([f"客户{i}", f"c{i}@example.com", "web"] for i in range(60_000))
    wal = Path(f"{db_path}-wal")
    kills = 0
    for threshold in (64 * 1024, 512 * 1024, 2 * 1024 * 1024):
        # Kill while rows are being written: the write-ahead log grows past `threshold` before the commit.
        # Watching the file, not the clock, keeps this independent of how fast the machine is.
        before = wal.stat().st_size if wal.exists() else 0
        proc = subprocess.Popen([sys.executable, "-m", "salescli", "--db", str(db_path), "import", "leads", str(path)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if wal.exists() and wal.stat().st_size > before + threshold:
                os.kill(proc.pid, signal.SIGKILL)
                kills += 1
                break
            time.sleep(0.0005)
        proc.wait()
        conn = sqlite3.connect(db_path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count = conn.execute("SELECT count(*) FROM leads").fetchone()[0]
        conn.close()
        assert count in (0, 60_000)  # all or nothing
        if count:
            break
    assert kills >= 1
    cli.ok("import", "leads", str(path))
    assert sqlite3.connect(db_path).execute("SELECT count(*) FROM leads").fetchone()[0] == 60_000


def test_column_checks_agree_with_cell_checks() -> None:
    """The whole-column fast paths give exactly what checking each cell gives, on mixed data."""
    import random
    from datetime import datetime

    from salescli.importers.fields import SPECS, Context, column_check, columnwise

    rnd = random.Random(3)
    spec = SPECS["leads"]
    ctx = Context(now=datetime(2026, 11, 29), region="CN", reps={})
    samples = {
        "email": ["a@example.com", "A@Example.COM", "", " b@x.cn ", "bad", "x@y.test", "z--z@a--b.com",
                  "名字@例子.中国",
                  "c.d+e@sub.example.org"],
        "phone": ["13800138000", "+86 138 0013 8000", "", "12", "+1 415 555 2671", "138-0013-8001", "电话"],
        "name": ["王芳", "", " Emma ", "a\x1bb", "x" * 201, "ok"],
        "notes": ["line\r\nline", "", "\x00"],
        "source": ["web", "展会", "pigeon", ""],
    }
    for name, pool in samples.items():
        for _ in range(50):
            values = [rnd.choice(pool) for _ in range(rnd.randint(1, 12))]
            fast = column_check(spec, name, ctx)(values)
            slow = columnwise(spec.fields[name](ctx))(values)
            assert fast[1] == slow[1], (name, values)
            ok = [i for i in range(len(values)) if i not in {e for e, _ in slow[1]}]
            for column, cells in slow[0].items():
                assert [fast[0][column][i] for i in ok] == [cells[i] for i in ok], (name, values)


@pytest.mark.parametrize("suffix", ["csv", "json", "jsonl"])
def test_update_refusal_names_the_refused_rows_file_line(cli: Cli, tmp_path: Path, suffix: str) -> None:
    """A rep's --update that would change another rep's customer is refused at that row's place in the file
    (its physical line; its item in a JSON array), not at its row index (it said 'line 1' for line 5)."""
    cli.ok("rep", "add", "alice", "--name", "艾丽斯")
    cli.ok("rep", "add", "bob", "--name", "鲍勃")
    cli.ok("--rep", "bob", "customer", "add", "乙公司")
    cli.ok("--rep", "alice", "customer", "add", "甲公司")
    rows = [{"name": "甲公司", "city": "上海\n浦东"}, {"name": "新公司", "city": "北京"},
            {"name": "乙公司", "city": "广州"}]
    path = tmp_path / f"customers.{suffix}"
    if suffix == "csv":  # a quoted line break (two lines) and a blank line before the refused row
        path.write_text('name,notes\n甲公司,"上海\n浦东"\n新公司,北京\n\n乙公司,广州\n', encoding="utf-8")
        where = 6
    elif suffix == "json":
        path.write_text(json.dumps([{"name": r["name"], "notes": r["city"]} for r in rows], ensure_ascii=False),
                        encoding="utf-8")
        where = 3
    else:
        path.write_text("\n".join(json.dumps({"name": r["name"], "notes": r["city"]}, ensure_ascii=False)
                                  for r in [rows[0], rows[1]]) + "\n\n" +
                        json.dumps({"name": "乙公司", "notes": "广州"}, ensure_ascii=False) + "\n", encoding="utf-8")
        where = 4
    before = snapshot(cli)
    line = cli.fails(1, "--rep", "alice", "import", "customers", str(path), "--update", "--key", "name")
    assert line.startswith(f"error: {path}:{where}: customer 1 belongs to bob; only its owner or a manager can "
                           "change it (1 row(s) would change other reps' records); nothing imported"), line
    assert snapshot(cli) == before
