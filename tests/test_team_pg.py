"""Team mode held by PostgreSQL itself (services/team.py): every assertion connects as a rep's OWN login role — never
as the superuser or the tables' owner — through salescli and through a raw SQL connection (psycopg), so the rules
hold for psql too (issue 14; ENGINEERING.md, Known traps: row-level security).

Each test has a fresh database (``pg_url``) and login roles with a unique suffix; the test drops its database and
then its roles (and the group roles when no other database uses them)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from tests.conftest import PG_ADMIN_URL, Case, Cli, snapshot

GROUPS = ("salescli_survey", "salescli_manager", "salescli_rep", "salescli_owner")


@dataclass
class Team:
    """One team database: the administrator's Cli (set-up only), and each rep's own login."""

    admin: Cli
    name: str
    logins: dict[str, str] = field(default_factory=dict)
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    roles: list[str] = field(default_factory=list)  # created by this test, dropped at teardown

    def url(self, handle: str) -> str:
        base = PG_ADMIN_URL.split("://", 1)[1].split("@", 1)[1].rsplit("/", 1)[0]
        return f"postgresql://{self.logins.get(handle, handle)}@{base}/{self.name}"

    def cli(self, handle: str) -> Cli:
        """salescli connected as ``handle``'s own login role."""
        return Cli(self.url(handle))

    def sql(self, handle: str) -> psycopg.Connection[Any]:
        """A raw SQL connection as ``handle``'s own login role (autocommit: every statement stands alone)."""
        return psycopg.connect(self.url(handle), autocommit=True)

    def login(self, handle: str) -> str:
        return self.logins[handle]

    def add_rep(self, handle: str, name: str, *, by: Cli | None = None, manager: bool = False) -> str:
        login = f"{handle}_{self.suffix}"
        self.roles.append(login)
        args = ["rep", "add", handle, "--name", name, "--login-name", login, "--no-password"]
        (by or self.admin).ok(*args, *(["--manager"] if manager else []))
        self.logins[handle] = login
        return login


def _drop(conn: psycopg.Connection[Any], what: str, name: str) -> None:
    """DROP ROLE/DATABASE IF EXISTS name, quoted; a failure is ignored (another test may be using it right now)."""
    with contextlib.suppress(psycopg.Error):
        conn.execute(sql.SQL(f"DROP {what} IF EXISTS {{}}").format(sql.Identifier(name)))


def _drop_roles(roles: list[str]) -> None:
    """Drop the test's login roles, then the group roles if no database uses them any more."""
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        for role in roles:
            _drop(conn, "ROLE", role)
        for group in GROUPS:
            used = conn.execute("SELECT count(*) FROM pg_shdepend d JOIN pg_roles r ON r.oid = d.refobjid "
                                "WHERE r.rolname = %s", (group,)).fetchone()
            if used and used[0] == 0:
                _drop(conn, "ROLE", group)


def _create_login(name: str, member_of: str | None = None) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        statement = "CREATE ROLE {} LOGIN" + (f" IN ROLE {member_of}" if member_of else "")
        conn.execute(sql.SQL(statement).format(sql.Identifier(name)))


@pytest.fixture
def fresh(team_roles_lock: None, pg_url: str) -> Iterator[Team]:
    """A team database after 'team init', no reps yet. Dropped (database first, then roles) afterwards."""
    name = pg_url.rsplit("/", 1)[1]
    t = Team(admin=Cli(pg_url), name=name)
    t.admin.ok("team", "init")
    try:
        yield t
    finally:
        t.admin.engine.dispose()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        _drop_roles(t.roles)


@pytest.fixture
def team(fresh: Team, tmp_path: Path) -> Team:
    """alice and bob (reps) and mgr (manager), each with a login; bob's whole pipeline made through bob's own login
    (lead → deal → quote → contract → order → ticket), alice's customer through hers."""
    t = fresh
    t.add_rep("mgr", "经理", manager=True)
    mgr = t.cli("mgr")
    t.add_rep("alice", "艾丽斯", by=mgr)
    t.add_rep("bob", "鲍勃", by=mgr)
    mgr.ok("product", "add", "P-1", "--name", "Widget", "--price", "100", "--cost", "50")
    bob = t.cli("bob")
    assert bob.id("lead", "add", "客户乙", "--source", "web", "--company", "乙公司", "--date", "2026-10-01") == 1
    bob.ok("lead", "log", "1", "--kind", "call", "--summary", "谈价格", "--date", "2026-10-01T10:00")
    deal = bob.id("lead", "convert", "1", "--date", "2026-10-02")
    bob.ok("needs", "confirm", str(deal), "--item", "P-1:2", "--budget", "500", "--deliver-by", "2026-12-01",
           "--decision-maker", "张总", "--date", "2026-10-02")
    bob.ok("demo", "log", str(deal), "--products", "P-1", "--outcome", "positive", "--date", "2026-10-02")
    quote = bob.ok("quote", "create", str(deal), "--item", "P-1:2", "--date", "2026-10-03").stdout.strip()
    assert quote == "Q-2026-0001"
    bob.ok("quote", "send", quote, "--date", "2026-10-04")
    bob.ok("quote", "accept", quote, "--date", "2026-10-05")
    contract = bob.ok("contract", "create", quote, "--date", "2026-10-06").stdout.strip()
    bob.ok("contract", "sign", contract, "--signed-by", "张总", "--date", "2026-10-07")
    assert bob.ok("order", "create", contract, "--promised", "2026-11-01", "--date", "2026-10-08").stdout.strip() \
        == "SO-2026-0001"
    bob.ok("order", "update", "SO-2026-0001", "--status", "delivered", "--date", "2026-10-20")
    bob.ok("ticket", "open", "--order", "SO-2026-0001", "--subject", "坏了", "--date", "2026-10-21")
    bob.ok("survey", "record", "--order", "SO-2026-0001", "--nps", "9", "--date", "2026-10-22")
    assert bob.id("task", "add", "--deal", str(deal), "--due", "2026-12-01", "--date", "2026-10-22", "回访") == 1
    assert t.cli("alice").id("customer", "add", "甲公司") == 2
    (tmp_path / "up.csv").write_text("name,source,status\n客户乙,web,lost\n", encoding="utf-8")
    (tmp_path / "cust.csv").write_text("name,city\n乙公司,北京\n", encoding="utf-8")
    return t


def _ids(conn: psycopg.Connection[Any], handle: str) -> int:
    row = conn.execute("SELECT id FROM reps WHERE handle = %s", (handle,)).fetchone()
    assert row is not None
    return int(row[0])


# -- what a rep cannot do: through salescli as alice ------------------------------------------------------------

ALICE_CASES: list[Case] = [
    (1, ["rep", "add", "evil", "--name", "x", "--manager"], "adding a rep needs a manager"),
    (1, ["rep", "add", "evil", "--name", "x", "--login", "--no-password"], "adding a rep needs a manager"),
    (1, ["rep", "update", "alice", "--manager"], "changing a rep needs a manager"),
    (1, ["rep", "disable", "bob"], "disabling a rep needs a manager"),
    (1, ["rep", "handover", "bob", "alice"], "handing over records needs a manager"),
    (1, ["quote", "approve", "Q-2026-0001"], "needs a manager"),
    (1, ["target", "set", "bob", "2026-11", "--revenue", "1"], "setting targets needs a manager"),
    (1, ["target", "set", "alice", "2026-11", "--revenue", "999999"], "setting targets needs a manager"),
    (1, ["product", "add", "P-2", "--name", "x", "--price", "1", "--cost", "1"], "needs a manager"),
    (1, ["product", "update", "P-1", "--price", "1"], "needs a manager"),
    (1, ["config", "set", "max_discount", "90"], "manager"),
    (1, ["customer", "update", "1", "--city", "上海"], "customer 1 belongs to bob"),
    (1, ["customer", "update", "1", "--owner", "alice"], "customer 1 belongs to bob"),
    (1, ["customer", "update", "2", "--owner", "bob"], "only a manager can give a record"),
    (1, ["lead", "add", "x", "--source", "web", "--owner", "bob"], "only a manager can give a record"),
    (1, ["contact", "add", "1", "--name", "间谍"], "customer 1 belongs to bob"),
    (1, ["ticket", "open", "--customer", "1", "--subject", "x"], "customer 1 belongs to bob"),
    (1, ["survey", "record", "--customer", "1", "--nps", "0"], "customer 1 belongs to bob"),
    (1, ["survey", "send", "--customer", "1", "--dry-run"], "customer 1 belongs to bob"),
    (1, ["deal", "list", "--owner", "bob"], "--owner needs a manager"),
    (1, ["pipeline", "--owner", "bob"], "--owner needs a manager"),
    (1, ["deal", "list", "--all"], "--all needs a manager"),
    (1, ["lead", "list", "--owner", "bob"], "--owner needs a manager"),
    (1, ["import", "customers", "{tmp}/cust.csv", "--update", "--key", "name"], "belongs to bob"),
    # bob's lead, deal, quote, order and ticket are not there for alice at all (row security): "not found"
    (1, ["lead", "update", "1", "--city", "上海"], "lead 1 not found"),
    (1, ["lead", "log", "1", "--kind", "note", "--summary", "x"], "lead 1 not found"),
    (1, ["deal", "show", "1"], "deal 1 not found"),
    (1, ["deal", "lose", "1", "--reason", "price"], "deal 1 not found"),
    (1, ["ticket", "open", "--order", "SO-2026-0001", "--subject", "x"], "SO-2026-0001"),
    (1, ["ticket", "update", "1", "--status", "in_progress"], "ticket 1 not found"),
    (1, ["ticket", "resolve", "1"], "ticket 1 not found"),
    (1, ["survey", "record", "--order", "SO-2026-0001", "--nps", "0"], "SO-2026-0001"),
    (1, ["order", "update", "SO-2026-0001", "--status", "closed"], "SO-2026-0001"),
    (1, ["quote", "send", "Q-2026-0001"], "Q-2026-0001"),
    (1, ["quote", "render", "Q-2026-0001", "--to", "{tmp}/q.md"], "quote Q-2026-0001 not found"),
    (1, ["contract", "render", "C-2026-0001", "--to", "{tmp}/c.md"], "contract C-2026-0001 not found"),
    (1, ["task", "done", "1"], "task 1 not found"),
    (1, ["task", "add", "--deal", "1", "--due", "2026-12-31", "x"], "deal 1 not found"),
    (1, ["task", "add", "--customer", "1", "--due", "2026-12-31", "x"], "customer 1 belongs to bob"),
    (1, ["--rep", "bob", "deal", "list"], "you are logged in as"),
    (1, ["--rep", "ALICE ", "rep", "add", "x", "--name", "x"], "adding a rep needs a manager"),
]


def test_a_rep_login_is_refused_everything_issue_14_lists(team: Team, tmp_path: Path) -> None:
    alice = team.cli("alice")
    before = snapshot(team.admin)
    for code, args, fragment in ALICE_CASES:
        line = alice.fails(code, *(a.replace("{tmp}", str(tmp_path)) for a in args))
        assert fragment in line, (args, line)
        assert "SELECT" not in line and "INSERT" not in line, (args, line)
    assert snapshot(team.admin) == before
    assert not (tmp_path / "q.md").exists() and not (tmp_path / "c.md").exists()  # bob's documents: nothing


def test_rep_flag_can_only_repeat_the_login(team: Team) -> None:
    alice = team.cli("alice")
    line = alice.fails(1, "--rep", "bob", "lead", "list")
    assert f"you are logged in as {team.login('alice')} (rep alice)" in line
    assert alice.ok("--rep", " Alice", "lead", "list")  # her own handle, in any spelling
    run = alice("lead", "list", env={"SALESCLI_REP": "mgr"})
    assert run.exit_code == 1 and "you are logged in as" in run.stderr


def test_a_rep_sees_only_their_own_records(team: Team, tmp_path: Path) -> None:
    alice, bob = team.cli("alice"), team.cli("bob")
    assert alice.json("lead", "list") == [] and alice.json("deal", "list") == []
    assert alice.json("quote", "list") == [] and alice.json("order", "list") == []
    assert {c["name"] for c in alice.json("customer", "list")} == {"乙公司", "甲公司"}  # everyone's customers
    assert [p["sku"] for p in alice.json("product", "list")] == ["P-1"]  # the catalog
    kpi = alice.json("kpi", "report", "--period", "2026")
    assert kpi["total"]["deals_won"] == 0 and kpi["total"]["surveys"] == 0  # bob's are not alice's to count
    assert bob.json("kpi", "report", "--period", "2026")["total"]["deals_won"] == 1
    assert [d["owner"] for d in bob.json("deal", "list")] == ["bob"]
    # an update import of bob's lead by name finds nothing of alice's: it adds her own lead, bob's stays as it was
    bob_lead = bob.json("lead", "show", "1")
    alice.ok("import", "leads", str(tmp_path / "up.csv"), "--update", "--key", "name")
    assert bob.json("lead", "show", "1") == bob_lead
    assert [lead["owner"] for lead in alice.json("lead", "list")] == ["alice"]


def test_raw_sql_as_a_rep(team: Team) -> None:
    with team.sql("alice") as conn:
        bob, alice = _ids(conn, "bob"), _ids(conn, "alice")
        assert conn.execute("UPDATE leads SET city = 'x' WHERE id = 1").rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM leads WHERE id = 1")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("INSERT INTO leads (name, source, status, score, owner_id, created_at, updated_at) "
                         "VALUES ('x', 'web', 'new', 0, %s, now(), now())", (bob,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied for table products"):
            conn.execute("UPDATE products SET price_minor = 1")
        for statement in ("UPDATE audit_log SET rep = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied for table audit_log"):
                conn.execute(statement)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("INSERT INTO audit_log (at, rep, entity, entity_id, action) "
                         "VALUES (now(), 'bob', 'lead', '1', 'update')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("INSERT INTO audit_log (at, rep, entity, entity_id, action) "
                         "VALUES (now(), NULL, 'lead', '1', 'update')")
        conn.execute("INSERT INTO audit_log (at, rep, entity, entity_id, action) "
                     "VALUES (now(), 'alice', 'note', '1', 'note')")  # her own rows: yes
        for table in ("deals", "quotes", "quote_lines", "contracts", "contract_lines", "orders", "order_events",
                      "needs", "need_items", "demos", "deal_events", "activities", "tickets", "ticket_events",
                      "surveys", "leads", "targets", "tasks"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
        assert {row[0] for row in conn.execute("SELECT DISTINCT rep FROM audit_log")} == {"alice"}
        assert conn.execute("SELECT count(*) FROM customers").fetchone() == (2,)
        assert conn.execute("SELECT count(*) FROM contacts").fetchone() == (1,)
        # bob's customer: readable, not changeable; her own: not to be given away, not even to nobody
        assert conn.execute("UPDATE customers SET city = 'x' WHERE id = 1").rowcount == 0
        assert conn.execute("UPDATE contacts SET name = 'x'").rowcount == 0
        for owner in (bob, None):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only a manager can give a record"):
                conn.execute("UPDATE customers SET owner_id = %s WHERE id = 2", (owner,))
        # nothing can be attached under bob's deal or customer
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("INSERT INTO activities (deal_id, kind, at, summary) VALUES (1, 'note', now(), 'x')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("INSERT INTO tickets (customer_id, subject, priority, status, opened_at, sla_due_at) "
                         "VALUES (1, 'x', 'low', 'open', now(), now())")
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("INSERT INTO contacts (customer_id, name, created_at) VALUES (1, 'x', now())")
        # her own deal cannot be handed to bob
        conn.execute("INSERT INTO deals (title, customer_id, owner_id, stage, created_at, updated_at, stage_at) "
                     "VALUES ('mine', 2, %s, 'qualification', now(), now(), now())", (alice,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only a manager can give a record"):
            conn.execute("UPDATE deals SET owner_id = %s WHERE title = 'mine'", (bob,))
        for statement in ("UPDATE reps SET role = 'manager'", "UPDATE team_settings SET value = '90'",
                          "INSERT INTO targets (rep_id, period, period_start, period_end, revenue_minor) "
                          "VALUES (1, '2026', '2026-01-01', '2026-12-31', 1)", "SET ROLE salescli_manager",
                          "SELECT salescli_login('group', 'x', 'salescli_manager', NULL)",
                          "ALTER TABLE leads DISABLE ROW LEVEL SECURITY", "DROP POLICY salescli_rep_rows ON leads"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


def test_unowned_records_are_anyones_to_work_and_to_claim(team: Team) -> None:
    team.admin.ok("lead", "add", "无主线索", "--source", "web")  # the administrator acting as nobody: unowned
    with team.sql("alice") as conn:
        (lead,) = conn.execute("SELECT id FROM leads WHERE owner_id IS NULL").fetchone() or (None,)
        assert lead is not None
        assert conn.execute("UPDATE leads SET city = '杭州' WHERE id = %s", (lead,)).rowcount == 1
        assert conn.execute("UPDATE leads SET owner_id = %s WHERE id = %s", (_ids(conn, "alice"), lead)).rowcount == 1
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only a manager can give a record"):
            conn.execute("UPDATE leads SET owner_id = NULL WHERE id = %s", (lead,))
    with team.sql("bob") as conn:  # claimed by alice: gone for bob
        assert conn.execute("SELECT count(*) FROM leads WHERE name = '无主线索'").fetchone() == (0,)


# -- what a manager may ------------------------------------------------------------------------------------------


def test_a_manager_login_may(team: Team, tmp_path: Path) -> None:
    mgr = team.cli("mgr")
    assert {d["owner"] for d in mgr.json("deal", "list", "--all")} == {"bob"}
    mgr.ok("target", "set", "bob", "2026-11", "--revenue", "1000")
    mgr.ok("customer", "update", "1", "--owner", "alice")
    mgr.ok("product", "update", "P-1", "--price", "120")
    mgr.ok("config", "set", "max_discount", "20")
    bob_quote = mgr.json("quote", "show", "Q-2026-0001")
    assert bob_quote["number"] == "Q-2026-0001"
    assert mgr.json("kpi", "report", "--period", "2026")["total"]["deals_won"] == 1
    assert len(mgr.json("history", "lead", "1")) >= 1
    with team.sql("mgr") as conn:
        assert conn.execute("UPDATE leads SET city = '北京' WHERE id = 1").rowcount == 1
        assert conn.execute("SELECT count(DISTINCT rep) FROM audit_log").fetchone() == (3,)
        for statement in ("UPDATE audit_log SET rep = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):  # not in bob's name
            conn.execute("INSERT INTO audit_log (at, rep, entity, entity_id, action) "
                         "VALUES (now(), 'bob', 'lead', '1', 'update')")
        assert conn.execute("UPDATE deals SET owner_id = (SELECT id FROM reps WHERE handle = 'alice') "
                            "WHERE id = 1").rowcount == 1  # a manager gives a record to someone
    with team.sql("alice") as conn:  # alice now owns customer 1: she sees its bob-era contact and may change it
        assert conn.execute("UPDATE contacts SET title = '总经理' WHERE customer_id = 1").rowcount == 1
    # bob's target is not alice's to read
    with team.sql("alice") as conn:
        assert conn.execute("SELECT count(*) FROM targets").fetchone() == (0,)
    with team.sql("bob") as conn:
        assert conn.execute("SELECT count(*) FROM targets").fetchone() == (1,)


def test_the_administrator_has_no_update_or_delete_on_the_audit_log_either(fresh: Team) -> None:
    """The administrator (owner's member, not a superuser): everything but changing the audit trail."""
    admin_login = f"adm_{fresh.suffix}"
    fresh.roles.append(admin_login)
    _create_login(admin_login, "salescli_owner")
    admin = Cli(fresh.url(admin_login))
    admin.ok("rep", "add", "wang", "--name", "王")  # the administrator adds and acts for reps
    admin.ok("--rep", "wang", "lead", "add", "x", "--source", "web")
    assert [lead["owner"] for lead in admin.json("lead", "list", "--all")] == ["wang"]
    with psycopg.connect(fresh.url(admin_login), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone() == (2,)  # row security lets it see all
        for statement in ("UPDATE audit_log SET rep = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)


# -- who may connect --------------------------------------------------------------------------------------------


def test_a_login_that_is_no_rep_reads_nothing(team: Team) -> None:
    stranger = f"stranger_{team.suffix}"
    team.roles.append(stranger)
    _create_login(stranger)
    cli = team.cli(stranger)
    line = cli.fails(1, "lead", "list")
    assert f"login {stranger} is not a salescli rep; a manager adds it with" in line
    assert cli.fails(1, "deal", "list", "--all").startswith("error: ")
    for args in (["product", "list"], ["kpi", "report", "--period", "2026"], ["rep", "list"], ["today"]):
        assert f"login {stranger} is not a salescli rep" in cli.fails(1, *args), args  # said first, not a
    with team.sql(stranger) as conn:  # "permission denied for table ..." from whichever query ran first
        assert conn.execute("SELECT count(*) FROM reps").fetchone() == (0,)
        for table in ("leads", "customers", "products", "audit_log", "team_settings", "counters"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT count(*) FROM {table}")


def test_a_salescli_login_of_another_database_reads_nothing_here(team: Team) -> None:
    """Group roles are cluster-wide: a rep of another salescli database is a member of salescli_rep, but no rep
    here, so row security shows them nothing (not even the catalog)."""
    other = f"other_{team.suffix}"
    team.roles.append(other)
    _create_login(other, "salescli_rep")
    with team.sql(other) as conn:
        for table in ("reps", "leads", "customers", "contacts", "products", "team_settings", "deals", "audit_log"):
            assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("INSERT INTO leads (name, source, status, score, created_at, updated_at) "
                         "VALUES ('x', 'web', 'new', 0, now(), now())")
    assert "is not a salescli rep" in team.cli(other).fails(1, "lead", "list")


def test_disable_handover_enable(team: Team) -> None:
    mgr = team.cli("mgr")
    carol = team.add_rep("carol", "卡罗尔", by=mgr)
    assert "cannot disable themselves" in mgr.fails(1, "rep", "disable", "mgr")
    mgr.ok("rep", "disable", "bob")
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        team.sql("bob").close()
    assert "is disabled" in mgr.fails(1, "rep", "handover", "alice", "bob")
    counts = mgr.json("rep", "handover", "bob", "carol")
    assert counts == {"from": "bob", "to": "carol", "leads": 1, "customers": 1, "deals": 1, "tasks": 1}
    carol_cli = team.cli("carol")
    assert [d["owner"] for d in carol_cli.json("deal", "list")] == ["carol"]
    assert carol_cli.json("quote", "show", "Q-2026-0001")["number"] == "Q-2026-0001"  # everything under the deal
    assert [task["owner"] for task in carol_cli.json("task", "list")] == ["carol"]
    assert [(h["action"], h["rep"]) for h in mgr.json("history", "deal", "1")][-1] == ("handover", "mgr")
    mgr.ok("rep", "enable", "bob")
    with team.sql("bob") as conn:
        assert conn.execute("SELECT count(*) FROM deals").fetchone() == (0,)  # handed over
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        assert conn.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (carol,)).fetchone() == (True,)


def test_rep_update_moves_the_login_between_groups(team: Team) -> None:
    mgr = team.cli("mgr")
    login = team.login("alice")

    def groups() -> set[str]:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            return {row[0] for row in conn.execute(
                "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                "JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = %s", (login,))}

    assert groups() == {"salescli_rep"}
    assert mgr.json("rep", "update", "alice", "--manager")["role"] == "manager"
    assert groups() == {"salescli_manager"}
    assert {d["owner"] for d in team.cli("alice").json("deal", "list", "--all")} == {"bob"}
    mgr.ok("rep", "update", "alice", "--no-manager", "--email", "alice@example.cn")
    assert groups() == {"salescli_rep"}
    assert "--all needs a manager" in team.cli("alice").fails(1, "deal", "list", "--all")


# -- logins and passwords ---------------------------------------------------------------------------------------


def _scram_matches(verifier: str, password: str) -> bool:
    """Whether a PostgreSQL SCRAM-SHA-256 verifier was made from ``password`` (RFC 5802/7677)."""
    method, rest = verifier.split("$", 1)
    iterations_salt, keys = rest.split("$")
    iterations, salt = iterations_salt.split(":")
    stored_key, server_key = keys.split(":")
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return (method == "SCRAM-SHA-256" and base64.b64decode(stored_key) == hashlib.sha256(client_key).digest()
            and base64.b64decode(server_key) == hmac.new(salted, b"Server Key", "sha256").digest())


def test_a_password_is_never_on_the_command_line_printed_or_logged(fresh: Team, tmp_path: Path) -> None:
    secret = "Zx9-秘密-" + uuid.uuid4().hex[:6]
    login = f"pw_{fresh.suffix}"
    fresh.roles.append(login)
    file = tmp_path / "pw.txt"
    file.write_text(secret + "\nsecond line ignored\n", encoding="utf-8")
    run = fresh.admin.ok("rep", "add", "pw", "--name", "P", "--login-name", login, "--password-file", str(file))
    piped = f"piped_{fresh.suffix}"
    fresh.roles.append(piped)
    run2 = fresh.admin.ok("rep", "add", "piped", "--name", "Q", "--login-name", piped, "--password-file", "-",
                          input=secret + "\n")
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        for role in (login, piped):
            row = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (role,)).fetchone()
            assert row is not None and row[0].startswith("SCRAM-SHA-256$") and _scram_matches(row[0], secret)
    everything = run.stdout + run.stderr + run2.stdout + run2.stderr + repr(snapshot(fresh.admin))
    assert secret not in everything
    # no terminal and no password source: refused before anything is written
    no_tty = f"nopw_{fresh.suffix}"
    assert "needs a password" in fresh.admin.fails(2, "rep", "add", "nopw", "--name", "N", "--login-name", no_tty)
    assert "--password-file" in fresh.admin.fails(2, "rep", "add", "x", "--name", "N", "--no-password")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n", encoding="utf-8")
    assert "is empty" in fresh.admin.fails(2, "rep", "add", "x", "--name", "N", "--login", "--password-file",
                                           str(empty))
    # a password option on the command line does not exist
    assert fresh.admin("rep", "add", "x", "--name", "N", "--login", "--password", secret).exit_code == 2


def test_login_names_are_checked_and_quoted(fresh: Team) -> None:
    admin = fresh.admin
    for bad in ('a"; DROP TABLE leads; --', "pg_evil", "salescli_owner", "Upper", "x" * 64, "public"):
        assert "--login" in admin.fails(2, "rep", "add", "x", "--name", "N", "--login-name", bad, "--no-password")
    assert "an administrator's role" in admin.fails(1, "rep", "add", "x", "--name", "N", "--login-name",
                                                    "postgres", "--no-password")
    login = fresh.add_rep("w.li-2", "王力")  # '.' and '-' are fine when quoted
    assert login.startswith("w.li-2_")
    assert fresh.cli("w.li-2").json("lead", "list") == []
    assert "already rep w.li-2's login" in admin.fails(1, "rep", "add", "y", "--name", "N", "--login-name", login,
                                                       "--no-password")


def test_a_rep_without_a_login_gets_one_later(fresh: Team) -> None:
    """A rep added before team mode (or without --login), and a login role missing after a restore on another
    server: 'rep update --login' creates it (or puts it back)."""
    admin = fresh.admin
    admin.ok("rep", "add", "wang", "--name", "王芳")
    admin.ok("--rep", "wang", "lead", "add", "老线索", "--source", "web")
    login = f"wang_{fresh.suffix}"
    fresh.roles.append(login)
    admin.ok("rep", "update", "wang", "--login-name", login, "--no-password")
    fresh.logins["wang"] = login
    assert [lead["name"] for lead in fresh.cli("wang").json("lead", "list")] == ["老线索"]
    assert "already has the login" in admin.fails(1, "rep", "update", "wang", "--login-name", "other_x",
                                                  "--no-password")
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:  # as if restored on a server without the role
        _drop(conn, "ROLE", login)
    assert "does not exist" in fresh.cli("wang").fails(1, "lead", "list")
    admin.ok("rep", "update", "wang", "--login-name", login, "--no-password")
    assert [lead["name"] for lead in fresh.cli("wang").json("lead", "list")] == ["老线索"]


def test_team_mode_needs_postgresql_and_init(tmp_path: Path, pg_url: str) -> None:
    db = tmp_path / "solo.db"
    sqlite = Cli(str(db))
    line = sqlite.fails(1, "team", "init")
    assert "SQLite is single-user" in line and "permissions are the boundary" in line
    assert not db.exists()  # refused before the file was created
    assert "SQLite is single-user" in sqlite.fails(1, "rep", "add", "x", "--name", "N", "--login", "--no-password")
    plain = Cli(pg_url)  # PostgreSQL before team init
    assert "team init" in plain.fails(1, "rep", "add", "x", "--name", "N", "--login", "--no-password")
    assert "not set up" in plain.fails(1, "team", "check")


def test_rep_lifecycle_on_sqlite(sqlite_cli: Cli) -> None:
    cli = sqlite_cli
    cli.ok("rep", "add", "mgr", "--name", "经理", "--manager")
    cli.ok("rep", "add", "bob", "--name", "鲍勃")
    cli.ok("rep", "add", "carol", "--name", "卡罗尔")
    cli.id("--rep", "bob", "lead", "add", "L", "--source", "web")
    assert "changing a rep needs a manager" in cli.fails(1, "--rep", "bob", "rep", "update", "bob", "--manager")
    assert cli.json("--rep", "mgr", "rep", "update", "bob", "--name", "Bob")["name"] == "Bob"
    cli.ok("--rep", "mgr", "rep", "disable", "bob")
    assert "is disabled" in cli.fails(1, "--rep", "bob", "lead", "list")
    assert cli.json("--rep", "mgr", "rep", "handover", "bob", "carol")["leads"] == 1
    assert [lead["owner"] for lead in cli.json("lead", "list", "--all")] == ["carol"]
    cli.ok("--rep", "mgr", "rep", "enable", "bob")
    assert "nothing to update" in cli.fails(2, "rep", "update", "bob")


# -- the meta-test: no table with per-rep data without FORCE row security and a policy -----------------------------


def test_every_table_with_per_rep_data_is_guarded(team: Team) -> None:
    with team.sql("alice") as conn:  # the catalog is readable by any login
        per_rep = {row[0] for row in conn.execute(
            "SELECT DISTINCT c.relname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
            "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND NOT a.attisdropped "
            "AND a.attname IN ('owner_id', 'deal_id', 'lead_id', 'customer_id', 'rep_id', 'needs_id', 'quote_id', "
            "'contract_id', 'order_id', 'ticket_id')")}
        assert {"leads", "deals", "customers", "quotes", "quote_lines", "need_items", "order_events",
                "ticket_events", "contract_lines", "surveys", "targets", "tasks"} <= per_rep
        guarded = {row[0]: row[1:] for row in conn.execute(
            "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
            "(SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid), pg_get_userbyid(c.relowner) "
            "FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'")}
        holes = [t for t in per_rep if guarded[t][:2] != (True, True) or guarded[t][2] == 0]
        assert holes == []
        assert {owner for *_, owner in guarded.values()} == {"salescli_owner"}
        writable = {row[0] for row in conn.execute(
            "SELECT DISTINCT table_name FROM information_schema.role_table_grants "
            "WHERE grantee IN ('salescli_rep', 'PUBLIC') AND table_schema = 'public' "
            "AND privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')")}
        unguarded = [t for t in writable if not guarded[t][0] and t != "counters"]
        assert unguarded == []
        audit = {row[0] for row in conn.execute(
            "SELECT privilege_type FROM information_schema.role_table_grants WHERE table_name = 'audit_log' "
            "AND table_schema = 'public'")}
        assert audit <= {"SELECT", "INSERT", "REFERENCES", "TRIGGER"}, audit
        for role in ("salescli_rep", "salescli_manager", "salescli_owner"):
            for privilege in ("UPDATE", "DELETE", "TRUNCATE"):
                assert conn.execute("SELECT has_table_privilege(%s, 'audit_log', %s)", (role, privilege)) \
                    .fetchone() == (False,), (role, privilege)
    assert team.admin.ok("team", "check").stderr.strip() == "team mode: ok"


def test_init_is_idempotent_and_repairs(team: Team) -> None:
    def policies() -> list[tuple[str, str]]:
        with psycopg.connect(team.url("postgres"), autocommit=True) as conn:
            return conn.execute("SELECT polrelid::regclass::text, polname FROM pg_policy ORDER BY 1, 2").fetchall()

    before = policies()
    team.admin.ok("team", "init")
    assert policies() == before
    with psycopg.connect(team.url("postgres"), autocommit=True) as conn:
        conn.execute("ALTER TABLE quotes NO FORCE ROW LEVEL SECURITY")
        conn.execute("DROP POLICY salescli_rep_rows ON orders")
        conn.execute("GRANT DELETE ON audit_log TO salescli_rep")
        conn.execute("CREATE TABLE notes (id serial PRIMARY KEY, deal_id int)")
        conn.execute("GRANT INSERT ON notes TO salescli_rep")
    run = team.admin("team", "check")
    assert run.exit_code == 1 and "6 problems" in run.stderr
    assert run.stdout.splitlines() == [
        "table notes is owned by postgres, not salescli_owner",
        "table notes holds per-rep data without ENABLE + FORCE row security and a policy",
        "salescli_rep can write table notes, which has no row security",
        "table quotes holds per-rep data without ENABLE + FORCE row security and a policy",
        "table orders lacks its policy salescli_rep_rows",
        "the audit log can be changed: salescli_rep DELETE"]
    with psycopg.connect(team.url("postgres"), autocommit=True) as conn:
        conn.execute("DROP TABLE notes")
    from sqlalchemy import create_engine

    from salescli.services import team as team_mode

    engine = create_engine(team.admin.engine.url)
    try:
        with engine.begin() as conn:  # what store.py runs after migrations
            assert team_mode.after_upgrade(conn) is True
    finally:
        engine.dispose()
    assert policies() == before
    team.admin.ok("team", "check")


# -- document numbers with many rep logins ------------------------------------------------------------------------

WRITER = """
import sys
from datetime import datetime
from decimal import Decimal
from salescli.store import Store, resolve_url
from salescli.services import quotes, authz
from salescli.domain.pricing import LineSpec, Policy

store = Store(resolve_url(sys.argv[1]))
deal, n = int(sys.argv[2]), int(sys.argv[3])
for i in range(n):
    with store.write() as conn:
        me = authz.resolve(conn, None)
        quotes.create(conn, deal, specs=[LineSpec("P-1", 1 + i)], from_needs=False, discount=Decimal(0),
                      tax_rate=Decimal(13), valid_days=30, at=datetime(2026, 11, 29), rep_id=me.id, actor=me.handle,
                      policy=Policy(Decimal(15), Decimal(10)), currency="CNY")
"""


def test_document_numbers_unique_and_gap_free_with_many_rep_logins(team: Team, tmp_path: Path) -> None:
    alice = team.cli("alice")
    lead = alice.id("lead", "add", "甲线索", "--source", "web", "--company", "甲公司", "--date", "2026-11-01")
    alice_deal = alice.id("lead", "convert", str(lead), "--date", "2026-11-01")
    bob = team.cli("bob")
    lead = bob.id("lead", "add", "乙线索", "--source", "web", "--company", "乙公司", "--date", "2026-11-01")
    bob_deal = bob.id("lead", "convert", str(lead), "--date", "2026-11-01")
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    writers = [("alice", alice_deal), ("alice", alice_deal), ("bob", bob_deal), ("bob", bob_deal)]
    procs = [subprocess.Popen([sys.executable, str(script), team.url(who), str(deal), "10"], stderr=subprocess.PIPE,
                              text=True) for who, deal in writers]
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * len(procs), errors
    numbers = [row[0] for row in team.admin.rows("SELECT number FROM quotes")]
    assert len(numbers) == 1 + 40 and len(set(numbers)) == len(numbers)
    assert sorted(numbers) == [f"Q-2026-{i:04d}" for i in range(1, 42)]  # gap-free across both reps
    with team.sql("alice") as conn:
        assert conn.execute("SELECT count(*) FROM quotes").fetchone() == (20,)
