"""salescli search (issue 24): one ranked list across leads, customers, contacts and deals, Chinese included; the
list commands' --search on the same index; the index kept in step with every write, merge and import; db reindex;
migration 0008; a rep finds only what a rep may read (PostgreSQL row security, as the rep's own login)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import psycopg

from salescli import migrations
from tests.conftest import Cli
from tests.test_team_pg import Team, fresh  # the team database fixture (listed in __all__)

__all__ = ["fresh"]


def found(cli: Cli, *args: str, rep: str | None = None) -> list[tuple[str, int]]:
    """(type, id) of each record ``salescli search ARGS`` shows, best first (``rep``: acting as that rep)."""
    return [(row["type"], row["id"]) for row in cli.json(*(("--rep", rep) if rep else ()), "search", *args)]


def book(cli: Cli) -> dict[str, int]:
    """A customer with a contact, a lead at the same company converted to a deal, and unrelated records."""
    ids: dict[str, int] = {}
    ids["customer"] = cli.id("customer", "add", "上海华信精密机械有限公司", "--city", "上海")
    ids["contact"] = cli.id("contact", "add", str(ids["customer"]), "--name", "王伟", "--title", "采购经理",
                            "--email", "wang.wei@huaxin.cn", "--phone", "13812345678")
    ids["lead"] = cli.id("lead", "add", "王伟强", "--source", "展会", "--company", "上海华信精密机械有限公司",
                         "--email", "Lead17@Example.cn", "--phone", "139 0000 4321")
    ids["other"] = cli.id("lead", "add", "Emma Smith", "--source", "web", "--company", "Northwind Logistics Ltd",
                          "--email", "emma@northwind.com")
    ids["deal"] = cli.id("lead", "convert", str(ids["other"]), "--deal-title", "Northwind 仓储系统")
    return ids


def test_one_ranked_list_across_record_types(cli: Cli) -> None:
    ids = book(cli)
    rows = cli.json("search", "王伟")
    assert [(r["type"], r["id"]) for r in rows] == [("contact", ids["contact"]), ("lead", ids["lead"])]  # exact first
    contact = rows[0]
    assert contact == {"type": "contact", "id": ids["contact"], "name": "王伟", "company": "上海华信精密机械有限公司",
                       "contact": "wang.wei@huaxin.cn", "owner": None, "status": "采购经理", "matched": "name"}
    # a piece of a company name finds the company, its people and the leads from it
    assert set(found(cli, "华信")) == {("customer", ids["customer"]), ("contact", ids["contact"]),
                                       ("lead", ids["lead"])}
    assert found(cli, "华信精密", "--type", "lead") == [("lead", ids["lead"])]
    assert found(cli, "华信", "--type", "customer", "--type", "contact") == [("customer", ids["customer"]),
                                                                           ("contact", ids["contact"])]
    assert len(cli.json("search", "华信", "--limit", "1")) == 1
    # a full email (any case), the last digits of a phone, a word's start, a deal's title or customer
    assert found(cli, "lead17@example.CN") == [("lead", ids["lead"])]
    assert found(cli, "wang.wei@") == [("contact", ids["contact"])]
    rows = cli.json("search", "4321")
    assert [(r["type"], r["matched"], r["contact"]) for r in rows] == [("lead", "phone", "139 0000 4321")]
    assert found(cli, "+86 138-1234-5678") == [("contact", ids["contact"])]
    assert ("deal", ids["deal"]) in found(cli, "仓储")
    assert set(found(cli, "north")) == {("lead", ids["other"]), ("customer", ids["customer"] + 1),
                                        ("contact", ids["contact"] + 1), ("deal", ids["deal"])}
    # nothing found: an empty list for scripts, a note for people, exit 0 either way
    assert cli.json("search", "无此人") == []
    assert "nothing found" in cli.ok("search", "zzz-nobody").stdout + cli.ok("search", "zzz-nobody").stderr
    assert "'order' is not one of 'lead', 'customer', 'contact', 'deal'" in cli.fails(2, "search", "x", "--type",
                                                                                       "order")


def test_list_commands_use_the_same_index(cli: Cli) -> None:
    ids = book(cli)
    assert [r["id"] for r in cli.json("lead", "list", "--search", "伟强")] == [ids["lead"]]
    assert [r["id"] for r in cli.json("lead", "list", "--search", "4321")] == [ids["lead"]]
    assert [r["id"] for r in cli.json("lead", "list", "--search", "lead17@example.cn")] == [ids["lead"]]
    assert [r["id"] for r in cli.json("customer", "list", "--search", "精密")] == [ids["customer"]]
    assert [r["id"] for r in cli.json("contact", "list", "--search", "华信")] == [ids["contact"]]  # by customer
    assert [r["id"] for r in cli.json("contact", "list", "--search", "5678")] == [ids["contact"]]
    assert [r["id"] for r in cli.json("deal", "list", "--search", "仓储")] == [ids["deal"]]
    assert [r["id"] for r in cli.json("deal", "list", "--search", "northwind")] == [ids["deal"]]


def test_the_index_follows_updates_merges_and_conversions(cli: Cli) -> None:
    ids = book(cli)
    cli.ok("lead", "update", str(ids["lead"]), "--name", "李娜", "--company", "杭州启明软件", "--email", "li@qm.cn")
    assert ("lead", ids["lead"]) not in found(cli, "王伟强") + found(cli, "lead17@example.cn") + found(cli, "华信")
    assert found(cli, "李娜") == found(cli, "启明") == found(cli, "li@qm.cn") == [("lead", ids["lead"])]
    assert found(cli, "4321") == [("lead", ids["lead"])]  # the phone did not change
    # merge: the other lead leaves the search, the kept one takes its email
    other = cli.id("lead", "add", "李娜娜", "--source", "web", "--email", "nana@qm.cn")
    keep = cli.id("lead", "add", "Li Na", "--source", "web")
    cli.ok("lead", "merge", str(keep), str(other))
    assert found(cli, "nana@qm.cn") == [("lead", keep)]
    assert found(cli, "李娜娜") == []
    # customers and deals renamed
    cli.ok("customer", "update", str(ids["customer"]), "--name", "华信集团")
    assert ("customer", ids["customer"]) in found(cli, "华信集团")
    assert ("customer", ids["customer"]) not in found(cli, "精密")
    cli.ok("deal", "update", str(ids["deal"]), "--title", "云平台项目")
    assert found(cli, "云平台", "--type", "deal") == [("deal", ids["deal"])]
    assert found(cli, "仓储", "--type", "deal") == []
    # a converted lead made its customer, contact and deal searchable in the same step
    lead = cli.id("lead", "add", "赵敏", "--source", "web", "--company", "深圳恒通物流", "--phone", "13700009999")
    deal = cli.id("lead", "convert", str(lead))
    assert {"lead", "customer", "contact", "deal"} <= {t for t, _ in found(cli, "恒通")}
    assert ("deal", deal) in found(cli, "恒通")
    assert {t for t, _ in found(cli, "9999")} == {"lead", "contact"}


def test_imports_are_searchable_at_once(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("name,company,email,phone,source\n"
                    "王芳,深圳恒通物流有限公司,fang@ht.cn,13800001111,web\n"
                    "Zhang Wei,Acme Trading,zw@acme.cn,13800002222,web\n"
                    "王芳,深圳恒通物流有限公司,fang@ht.cn,13800001111,web\n", encoding="utf-8")  # a duplicate
    cli.ok("import", "leads", str(path))
    assert [r["name"] for r in cli.json("search", "王芳")] == ["王芳"]
    assert [r["name"] for r in cli.json("search", "2222")] == ["Zhang Wei"]
    assert [r["name"] for r in cli.json("search", "acme")] == ["Zhang Wei"]
    changed = tmp_path / "changed.csv"
    changed.write_text("name,email,source\n张伟,zw@acme.cn,web\n孙丽,sun@li.cn,web\n", encoding="utf-8")
    cli.ok("import", "leads", str(changed), "--update")
    assert [r["name"] for r in cli.json("search", "张伟")] == ["张伟"]
    assert cli.json("search", "zhang") == []
    assert [r["name"] for r in cli.json("search", "sun@li.cn")] == ["孙丽"]
    contacts = tmp_path / "contacts.csv"
    contacts.write_text("customer,name,email\nAcme Trading,钱七,qian@acme.cn\n", encoding="utf-8")
    cli.id("customer", "add", "Acme Trading")
    cli.ok("import", "contacts", str(contacts))
    assert [(r["type"], r["name"]) for r in cli.json("search", "钱七")] == [("contact", "钱七")]
    dry = tmp_path / "dry.csv"
    dry.write_text("name,source\n周杰,web\n", encoding="utf-8")
    cli.ok("import", "leads", str(dry), "--dry-run")
    assert cli.json("search", "周杰") == []


INDEX_ROWS = {  # the search index as (term, kind, record_id) rows on either backend (models.py: search_terms/docs)
    "sqlite": "SELECT term, kind, record_id FROM search_terms",
    "postgresql": "SELECT t.term, d.kind, d.record_id FROM search_docs d, unnest(tsvector_to_array(d.terms)) t(term)",
}


def index_rows(cli: Cli, where: str = "") -> list[tuple[Any, ...]]:
    """The index's (term, kind, record_id) rows, sorted; ``where``: a condition on kind/record_id/term."""
    sql = f"SELECT * FROM ({INDEX_ROWS[cli.engine.dialect.name]}) i" + (f" WHERE {where}" if where else "")
    return sorted(cli.rows(sql))


def test_db_reindex_rebuilds_the_index(cli: Cli) -> None:
    ids = book(cli)
    before = index_rows(cli)
    cli.rows("DELETE FROM " + ("search_docs" if cli.engine.dialect.name == "postgresql" else "search_terms"))
    assert cli.json("search", "王伟") == []
    counts = cli.json("db", "reindex")
    assert counts["total"] == len(before) and counts["lead"] > 0 and counts["deal"] > 0
    assert index_rows(cli) == before
    assert found(cli, "王伟")[0] == ("contact", ids["contact"])


def test_literal_text_still_matches_literally(cli: Cli) -> None:
    pct = cli.id("lead", "add", "百分之100%", "--source", "web")
    cli.id("lead", "add", "a_b", "--source", "web")
    assert found(cli, "0%") == [("lead", pct)]
    assert [r["name"] for r in cli.json("search", "A_B")] == ["a_b"]


def test_migration_0008_indexes_the_records_already_there(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    db = tmp_path / "at-0007.db"
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        config = Config()
        config.set_main_option("script_location", str(Path(migrations.__file__).parent))
        config.attributes["connection"] = conn
        command.upgrade(config, "0007")
    engine.dispose()
    raw = sqlite3.connect(db)
    raw.execute("INSERT INTO customers (id, name, name_key, tier, created_at, updated_at) VALUES "
                "(1, '上海华信', '上海华信', 'A', '2026-01-01', '2026-01-01')")
    raw.execute("INSERT INTO leads (id, name, source, status, score, email, email_key, phone, phone_key, created_at, "
                "updated_at) VALUES (1, '王芳', 'web', 'new', 10, 'F@x.cn', 'f@x.cn', '13800001234', '+8613800001234', "
                "'2026-01-02', '2026-01-02')")
    raw.commit()
    raw.close()
    cli = Cli(str(db))
    assert found(cli, "华信") == [("customer", 1)]
    assert found(cli, "王芳") == found(cli, "f@x.cn") == found(cli, "1234") == [("lead", 1)]


def test_migration_0011_moves_the_postgresql_index_into_search_docs_and_back(pg_url: str) -> None:
    """A PostgreSQL database of schema 0010 keeps its terms (a row each in search_terms) when 0011 turns them into
    one tsvector per record; records the old table lacked are indexed; a downgrade gives the same rows back."""
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text

    from salescli.domain.search import KINDS, record_terms

    def alembic(step: str, revision: str) -> None:
        engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
        with engine.begin() as conn:
            config = Config()
            config.set_main_option("script_location", str(Path(migrations.__file__).parent))
            config.attributes["connection"] = conn
            getattr(command, step)(config, revision)
        engine.dispose()

    alembic("upgrade", "0010")
    cli = Cli(pg_url)
    cli.rows("INSERT INTO customers (id, name, name_key, tier, created_at, updated_at) VALUES "
             "(1, '上海华信', '上海华信', 'A', '2026-01-01', '2026-01-01')")
    cli.rows("INSERT INTO leads (id, name, source, status, score, email, email_key, phone, phone_key, created_at, "
             "updated_at) VALUES (1, 'O''Brien 王芳', 'web', 'new', 10, 'F@x.cn', 'f@x.cn', '13800001234', "
             "'+8613800001234', '2026-01-02', '2026-01-02')")
    customer_terms = sorted(record_terms("customer", {"name": "上海华信"}))
    for term in customer_terms:  # the customer as 0008 indexed it; the lead not at all
        cli.rows("INSERT INTO search_terms (term, kind, record_id) VALUES (?, ?, 1)", term, KINDS["customer"])
    cli.ok("db", "upgrade")
    lead_terms = record_terms("lead", {"name": "O'Brien 王芳", "email": "F@x.cn", "phone_key": "+8613800001234"})
    expected = sorted([(t, KINDS["customer"], 1) for t in customer_terms] + [(t, KINDS["lead"], 1) for t in lead_terms])
    assert index_rows(cli) == expected
    assert found(cli, "华信") == [("customer", 1)]
    assert found(cli, "王芳") == found(cli, "f@x.cn") == found(cli, "1234") == found(cli, "o'brien") == [("lead", 1)]
    alembic("downgrade", "0010")
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT term, kind, record_id FROM search_terms")).all()) == expected
        assert conn.execute(text("SELECT to_regclass('search_docs')")).scalar() is None
    engine.dispose()


def test_a_rep_finds_only_what_a_rep_may_read_on_sqlite(sqlite_cli: Cli) -> None:
    cli = sqlite_cli
    cli.ok("rep", "add", "mgr", "--name", "经理", "--manager")
    cli.ok("rep", "add", "alice", "--name", "艾丽斯")
    cli.ok("rep", "add", "bob", "--name", "鲍勃")
    bobs = cli.id("--rep", "bob", "lead", "add", "王伟", "--source", "web", "--company", "乙公司")
    customer = cli.id("--rep", "bob", "customer", "add", "乙公司")
    assert found(cli, "王伟", rep="alice") == []
    assert found(cli, "乙公司", rep="alice") == [("customer", customer)]  # customers are everyone's to read
    assert found(cli, "王伟", rep="bob") == [("lead", bobs)]
    assert found(cli, "王伟", rep="mgr") == [("lead", bobs)]
    assert cli.fails(1, "--rep", "alice", "db", "reindex") == "error: db reindex needs a manager; acting as rep 'alice'"
    assert cli.json("--rep", "mgr", "db", "reindex")["lead"] > 0


def _terms_seen(conn: psycopg.Connection[Any], record_id: int) -> int:
    row = conn.execute("SELECT coalesce(sum(length(terms)), 0) FROM search_docs WHERE kind = 1 AND record_id = %s",
                       (record_id,)).fetchone()
    return int(row[0]) if row else 0


def test_a_rep_never_finds_another_reps_lead_on_a_team_database(fresh: Team) -> None:
    t = fresh
    t.add_rep("mgr", "经理", manager=True)
    mgr = t.cli("mgr")
    t.add_rep("alice", "艾丽斯", by=mgr)
    t.add_rep("bob", "鲍勃", by=mgr)
    bob, alice = t.cli("bob"), t.cli("alice")
    lead = bob.id("lead", "add", "王伟", "--source", "web", "--company", "乙公司", "--email", "wang@yi.cn",
                  "--phone", "13800005678")
    deal = bob.id("lead", "convert", str(lead))
    mine = alice.id("lead", "add", "王伟", "--source", "web")
    # through salescli, as alice's own login: her lead, the customer and contact (everyone reads those), not bob's
    assert found(alice, "王伟") == [("lead", mine), ("contact", 1)]
    assert found(alice, "wang@yi.cn") == [("contact", 1)]
    assert ("lead", lead) not in found(alice, "5678") and ("deal", deal) not in found(alice, "乙公司")
    assert ("lead", lead) in found(bob, "王伟") and ("deal", deal) in found(bob, "乙公司")
    assert {("lead", lead), ("lead", mine)} <= set(found(mgr, "王伟"))
    # as raw SQL with alice's login: the index rows of bob's lead and deal are not even visible
    with t.sql("alice") as conn:
        assert _terms_seen(conn, lead) == 0
        assert conn.execute("SELECT count(*) FROM search_docs WHERE kind = 4").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM search_docs WHERE terms @@ '#8765'::tsquery").fetchone() == (0,)
        assert _terms_seen(conn, mine) > 0
    with t.sql("bob") as conn:
        assert _terms_seen(conn, lead) > 0
        assert _terms_seen(conn, mine) == 0


def test_query_terms_reach_postgresql_as_the_terms_themselves() -> None:
    """The tsquery text quotes every term, so punctuation in a term (an email's quote, a backslash, tsquery's own
    operators) is matched as itself, exactly or as a prefix, and matches nothing else."""
    from salescli.domain.search import Clause, tsquery, tsvector_copy
    from tests.conftest import PG_ADMIN_URL, _require_pg

    _require_pg()
    odd = ["o'brien", "a\\b", "x&y|!z", "(1):*", "'", "\\", "王伟", "#4321", "a b", "<->"]
    with psycopg.connect(PG_ADMIN_URL) as conn:
        for term in odd:
            others = [t for t in odd if t != term]
            for clause in (Clause(exact=(term,)), Clause(prefixes=(term[:-1] or term,))):
                text = tsquery([clause])
                assert conn.execute("SELECT array_to_tsvector(%s::text[]) @@ %s::tsquery",
                                    ([term], text)).fetchone() == (True,), text
            assert conn.execute("SELECT array_to_tsvector(%s::text[]) @@ %s::tsquery",
                                (others, tsquery([Clause(exact=(term,))]))).fetchone() == (False,), term
        # an import COPYs the terms as text: every one of them arrives as itself
        conn.execute("CREATE TEMPORARY TABLE docs (terms tsvector)")
        with conn.cursor().copy("COPY docs (terms) FROM STDIN") as copy:
            copy.write(tsvector_copy([*odd, "tab\there", "line\nbreak"]) + "\n")
        assert sorted(conn.execute("SELECT unnest(tsvector_to_array(terms)) FROM docs").fetchall()) \
            == sorted((t,) for t in [*odd, "tab\there", "line\nbreak"])
    assert tsquery([Clause(exact=("a",), prefixes=("b",)), Clause(exact=("c",))]) == "('a' | 'b':*) & ('c')"
    assert tsquery([Clause()]) is None and tsquery([]) is None


def test_a_query_of_thousands_of_digits_finds_nothing_on_either_backend(cli: Cli) -> None:
    """A pasted list of phone numbers is one long phone query: no stored term is that long, so nothing is found
    (PostgreSQL refused a tsquery word of 2 KB: the query is cut as terms are)."""
    book(cli)
    digits = "1" * 2047
    assert cli.json("search", digits) == []
    assert cli.json("lead", "list", "--all", "--search", digits) == []
    assert cli.json("search", "-".join(["13800001234"] * 200)) == []
