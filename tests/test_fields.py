"""One field table (salescli/domain/fields.py): the CLI, every import and the database columns agree on each
text field's length, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import String, Text

from salescli import models
from salescli.domain import fields
from salescli.errors import InputError
from salescli.importers.fields import SPECS, column_check
from tests.conftest import Cli, snapshot


def test_every_rule_names_a_column_of_its_width() -> None:
    for table, columns in fields.TEXT.items():
        if table == "audit_log":
            continue  # kept inside an audit entry, not a column of its own
        for column, rule in columns.items():
            stored = models.metadata.tables[table].c[column]
            if rule.column:
                assert isinstance(stored.type, String) and stored.type.length == rule.max_len, (table, column)
            else:
                assert isinstance(stored.type, Text) or stored.type.length is None, (table, column)


def test_every_bounded_text_column_has_a_rule() -> None:
    """A varchar column a person or file fills has a rule (codes, keys and states are set by the program)."""
    program_set = {"status", "stage", "from_stage", "to_stage", "from_status", "to_status", "source", "role", "tier",
                   "kind", "currency", "number", "token", "language", "channel", "priority", "outcome", "period",
                   "size", "handle", "email", "email_key", "phone", "phone_key", "sku", "rep", "entity",
                   "entity_id", "action", "version_num", "login", "key", "updated_by", "tax_id", "lang", "created_by"}
    program_tables = {"event_outbox", "search_terms", "search_docs"}  # written by salescli only (events, search terms)
    for table in models.metadata.sorted_tables:
        if table.name in program_tables:
            continue
        for column in table.c:
            if isinstance(column.type, String) and not isinstance(column.type, Text) and column.name not in program_set:
                if table.name in ("quote_lines", "contract_lines") and column.name in ("name", "unit"):
                    assert column.type.length == fields.length("products", column.name)  # a copy of the product's
                    continue
                assert column.name in fields.TEXT.get(table.name, {}), (table.name, column.name)


def test_import_checks_use_the_table() -> None:
    from datetime import datetime

    from salescli.importers.fields import Context

    ctx = Context(now=datetime(2026, 11, 30), region="CN", reps={})
    for spec in SPECS.values():
        for name in spec.fields:
            rule = fields.TEXT.get(spec.table, {}).get(name)
            if rule is None or (name == "name" and spec.entity == "customers"):
                continue
            check = column_check(spec, name, ctx)
            _, ok = check(["字" * rule.max_len])
            _, too_long = check(["字" * (rule.max_len + 1)])
            assert ok == [] and too_long and f"longer than {rule.max_len}" in too_long[0][1], (spec.entity, name)
            scalar = spec.fields[name](ctx)
            with pytest.raises(InputError, match=f"longer than {rule.max_len}"):
                scalar("字" * (rule.max_len + 1))


# (CLI command that sets the field, entity to import, header, table, column)
PATHS = [
    (["lead", "add", "{v}", "--source", "web"], "leads", "name", "leads", "name"),
    (["lead", "add", "A", "--source", "web", "--company", "{v}"], "leads", "company", "leads", "company"),
    (["lead", "add", "A", "--source", "web", "--title", "{v}"], "leads", "title", "leads", "title"),
    (["lead", "add", "A", "--source", "web", "--city", "{v}"], "leads", "city", "leads", "city"),
    (["lead", "add", "A", "--source", "web", "--notes", "{v}"], "leads", "notes", "leads", "notes"),
    (["customer", "add", "{v}"], "customers", "name", "customers", "name"),
    (["customer", "add", "C{n}", "--industry", "{v}"], "customers", "industry", "customers", "industry"),
    (["customer", "add", "C{n}", "--region", "{v}"], "customers", "region", "customers", "region"),
    (["customer", "add", "C{n}", "--preferences", "{v}"], "customers", "preferences", "customers", "preferences"),
    (["product", "add", "S{n}", "--name", "{v}", "--price", "1", "--cost", "1"], "products", "name", "products",
     "name"),
    (["product", "add", "S{n}", "--name", "x", "--price", "1", "--cost", "1", "--category", "{v}"], "products",
     "category", "products", "category"),
    (["contact", "add", "1", "--name", "{v}"], "contacts", "name", "contacts", "name"),
    (["contact", "add", "1", "--name", "x", "--title", "{v}"], "contacts", "title", "contacts", "title"),
]

REQUIRED = {"leads": {"source": "web"}, "customers": {}, "products": {"price": "1", "cost": "1"},
            "contacts": {"customer": "1"}}
FILLER = {"leads": "name", "customers": "name", "products": "name", "contacts": "name"}


def _import_file(tmp_path: Path, entity: str, header: str, value: str, n: int) -> Path:
    row = dict(REQUIRED[entity])
    if entity == "products":
        row["sku"] = f"IMP-{n}"
    if header != FILLER[entity]:
        row[FILLER[entity]] = f"X{n}"
    row[header] = value
    path = tmp_path / f"{entity}-{header}-{n}.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(list(row))
        writer.writerow(list(row.values()))
    return path


def test_cli_and_import_take_the_same_lengths(cli: Cli, tmp_path: Path) -> None:
    """At the limit (in CJK characters) both paths store the value, on both backends; one more character and both
    refuse it with the same limit, and nothing is stored."""
    cli.ok("customer", "add", "甲公司")
    for n, (args, entity, header, table, column) in enumerate(PATHS):
        limit = fields.length(table, column)
        fits, too_long = "字" * limit, "字" * (limit + 1)
        run = [a.replace("{v}", fits).replace("{n}", str(n)) for a in args]
        cli.ok(*run)
        stored = cli.rows(f"SELECT {column} FROM {table} ORDER BY id DESC")[0][0]
        assert stored == fits, (table, column)
        before = snapshot(cli)
        line = cli.fails(2, *[a.replace("{v}", too_long).replace("{n}", f"x{n}") for a in args])
        assert f"longer than {limit} characters" in line, (args, line)
        assert cli.ok("import", entity, str(_import_file(tmp_path, entity, header, fits, n)))
        assert cli.rows(f"SELECT {column} FROM {table} ORDER BY id DESC")[0][0] == fits, (table, column)
        before = snapshot(cli)
        bad = _import_file(tmp_path, entity, header, too_long, 1000 + n)
        run_bad = cli("import", entity, str(bad))
        assert run_bad.exit_code == 2 and f"longer than {limit} characters" in run_bad.stderr, run_bad.stderr
        assert snapshot(cli) == before


def test_a_composed_deal_title_fits_its_column(cli: Cli) -> None:
    """Converting a lead whose company and name are both at their limits makes a deal title that still fits."""
    lead = cli.id("lead", "add", "名" * 200, "--source", "web", "--company", "司" * 200)
    deal = cli.id("lead", "convert", str(lead))
    title = cli.json("deal", "show", str(deal))["title"]
    assert len(title) == fields.length("deals", "title") and title.endswith("…")


def test_a_name_that_grows_when_folded_is_stored(cli: Cli) -> None:
    """U+FDFA folds to 18 characters: a 200-character customer name of it has a 3,600-character key."""
    customer = cli.id("customer", "add", "\ufdfa" * 200)
    assert cli.json("customer", "show", str(customer))["name"] == "\ufdfa" * 200
    assert "--allow-duplicate" in cli.fails(1, "customer", "add", "\ufdfa" * 200)  # found by its long key
