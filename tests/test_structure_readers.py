"""Issue 22: the small importers (order import-status, survey import) read and check their files like a batch import;
product import and import products share one function; the acting rep is one parameter (an Actor)."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

from tests.conftest import Cli, snapshot


@pytest.fixture
def order(cli: Cli) -> str:
    from tests.test_kpi import _won

    cli.ok("rep", "add", "a", "--name", "Anna")
    cli.ok("rep", "add", "b", "--name", "白冰")
    cli.ok("product", "add", "P-1", "--name", "Widget", "--price", "500", "--cost", "100")
    return _won(cli, "a", "2026-10-01", "2026-10-11", 1, promised="2026-10-25")


def test_status_file_headers_encodings_and_checks_are_the_import_engines(cli: Cli, order: str, tmp_path: Path) -> None:
    before = snapshot(cli)
    unknown = tmp_path / "unknown.csv"
    unknown.write_text(f"order,status,fax\n{order},confirmed,1\n{order},shipped,2\n", encoding="utf-8")
    assert cli.fails(2, "order", "import-status", str(unknown)) == (  # once for the file, not once per row
        f"error: {unknown}:1: unknown column(s) fax (expected order, status, date, note); nothing imported")
    twice = tmp_path / "twice.csv"
    twice.write_text(f"Order,order,status\n{order},{order},confirmed\n", encoding="utf-8")
    assert "both map to order" in cli.fails(2, "order", "import-status", str(twice))
    bad = tmp_path / "bad.csv"  # every problem of a row, as a batch import lists them
    bad.write_text(f"order,status,date,note\n{order},,someday,ok\n,confirmed,,\n", encoding="utf-8")
    run = cli("order", "import-status", str(bad))
    assert run.exit_code == 2
    assert run.error_lines[0].startswith(f"{bad}:2: date: 'someday'")
    assert run.error_lines[1:] == [f"{bad}:2: status: must not be empty", f"{bad}:3: order: must not be empty",
                                   f"error: 2 invalid row(s) in {bad}; nothing imported"]
    assert snapshot(cli) == before
    gbk = tmp_path / "status.csv"  # Chinese headers (the field table's aliases), GBK, like an import
    gbk.write_bytes(f"订单号,状态,日期,备注\n{order},confirmed,2026-10-12,工厂确认\n".encode("gbk"))
    assert "1 status update(s) valid" in cli.ok("order", "import-status", str(gbk), "--dry-run").stderr
    # a dry run applies the rows and rolls them back, so it meets the refusal a real run would
    assert "belongs to a" in cli.fails(1, "--rep", "b", "order", "import-status", str(gbk), "--dry-run")
    assert snapshot(cli) == before
    assert "1 status update(s) applied" in cli.ok("--rep", "a", "order", "import-status", str(gbk)).stderr
    lines = tmp_path / "more.jsonl"  # objects may leave out a column
    lines.write_text(json.dumps({"order": order, "status": "shipped", "date": "2026-10-20"}) + "\n"
                     + json.dumps({"order": order, "status": "delivered", "note": "签收", "date": "2026-10-22"})
                     + "\n", encoding="utf-8")
    assert "2 status update(s) applied" in cli.ok("order", "import-status", str(lines)).stderr
    events = cli.json("order", "track", order)["events"]
    assert [(e["to_status"], e["note"], e["rep"]) for e in events[1:]] == [
        ("confirmed", "工厂确认", "a"), ("shipped", None, None), ("delivered", "签收", None)]


def test_survey_file_row_problems(cli: Cli, order: str, tmp_path: Path) -> None:
    before = snapshot(cli)
    bad = tmp_path / "answers.csv"
    bad.write_text("order,nps,csat,客户\nSO-2026-0009,9,,\n,11,0,\n,,,x\n", encoding="utf-8")
    run = cli("survey", "import", str(bad))
    assert run.exit_code == 2
    assert run.error_lines == [f"{bad}:2: order: order SO-2026-0009 not found",  # was a crash (IndexError)
                               f"{bad}:3: nps: '11' must be a whole number from 0 to 10",
                               f"{bad}:3: csat: '0' must be a whole number from 1 to 5",
                               f"{bad}:4: 客户: 'x' is not an id (expected a number such as 12)",
                               f"error: 3 invalid row(s) in {bad}; nothing imported"]
    assert snapshot(cli) == before
    good = tmp_path / "good.csv"
    good.write_text(f"订单号,nps,评论,日期\n{order},9,很好,2026-11-02\n", encoding="utf-8")
    assert "1 response(s) valid" in cli.ok("survey", "import", str(good), "--dry-run").stderr
    assert snapshot(cli) == before
    assert "1 response(s) imported" in cli.ok("survey", "import", str(good)).stderr
    assert cli.rows("SELECT nps, comment FROM surveys") == [(9, "很好")]


def test_product_import_is_import_products(cli: Cli, tmp_path: Path) -> None:
    source = (Path(__file__).resolve().parent.parent / "salescli" / "commands" / "product.py").read_text("utf-8")
    assert "salescli.commands" not in source  # no command calls another command's function
    path = tmp_path / "catalog.csv"
    path.write_text("sku,name,price,cost\nA-1,Widget,100,50\nB-2,Gadget,x,1\n", encoding="utf-8")
    for command in (["product", "import"], ["import", "products"]):
        run = cli(*command, str(path))
        assert run.exit_code == 2, run.stderr
        assert run.error_lines[0].startswith(f"{path}:3: price: 'x' is not an amount")
        assert cli.fails(2, *command, str(path), "--rejects", str(tmp_path / "r.csv")) == (
            "error: --rejects goes with --skip-invalid")
    done = [cli.ok(*command, str(path), "--skip-invalid", "--rejects", str(tmp_path / f"{n}.csv"), "--dry-run")
            .stderr.splitlines()[-1] for n, command in enumerate((["product", "import"], ["import", "products"]))]
    assert done == [f"2 row(s): 1 would be added, 0 updated, 0 skipped as duplicates, 1 rejected (see "
                    f"{tmp_path / f'{n}.csv'})" for n in range(2)]


def test_the_acting_rep_is_one_parameter() -> None:
    from salescli.services import imports, orders, products, surveys

    functions = [orders.create, orders.update_status, orders.import_status, surveys.owned, surveys.record_phone,
                 surveys.respond, surveys.import_responses, products.add, products.update_product, imports.run]
    for function in functions:
        parameters = inspect.signature(function).parameters
        assert "rep_id" not in parameters, function.__qualname__
        assert parameters["actor"].annotation == "Actor | None", function.__qualname__


def test_report_names_a_column_once() -> None:
    from salescli.errors import InputError
    from salescli.importers.reader import Problems, Report

    report = Report(Path("f.csv"))
    assert not report.add(2, [])
    assert report.add(3, [("date", "date: 'x' is not a date"), ("nps", "--nps: '11' must be ...")])
    assert report.add(4, [("order", "order SO-2026-0009 not found")])
    with pytest.raises(Problems) as raised:
        report.refuse()
    assert raised.value.details == ["f.csv:3: date: 'x' is not a date", "f.csv:3: nps: '11' must be ...",
                                    "f.csv:4: order: order SO-2026-0009 not found"]
    assert isinstance(raised.value, InputError)
    assert raised.value.message == "2 invalid row(s) in f.csv; nothing imported"
