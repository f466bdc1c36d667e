"""Team mode held by PostgreSQL itself (services/team.py): every assertion connects as a rep's OWN login role — never
as the superuser or the tables' owner — through salescli and through a raw SQL connection (psycopg), so the rules
hold for psql too (issue 14; ENGINEERING.md, Known traps: row-level security).

Each test has a fresh database (``pg_migrated_url``: a copy of the migrated template) and login roles with a unique
suffix; the test drops its database and then its roles (and the group roles when no other database uses them)."""

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

from salescli import migrations
from salescli.services.team import owner_name
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

    @property
    def owner(self) -> str:
        """The role owning this database's tables (its own: services/team.owner_name)."""
        return owner_name(self.name)

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
def fresh(team_roles_lock: None, pg_migrated_url: str) -> Iterator[Team]:
    """A team database after 'team init' (a copy of the migrated template), no reps yet. Dropped (database first,
    then roles) afterwards."""
    name = pg_migrated_url.rsplit("/", 1)[1]
    t = Team(admin=Cli(pg_migrated_url), name=name)
    t.admin.ok("team", "init")
    try:
        yield t
    finally:
        t.admin.engine.dispose()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        _drop_roles([*t.roles, t.owner])


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
    _create_login(admin_login, fresh.owner)
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
        assert {owner for *_, owner in guarded.values()} == {team.owner}
        writable = {row[0] for row in conn.execute(
            "SELECT DISTINCT table_name FROM information_schema.role_table_grants "
            "WHERE grantee IN ('salescli_rep', 'PUBLIC') AND table_schema = 'public' "
            "AND privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')")}
        unguarded = [t for t in writable if not guarded[t][0]]  # the counters too: numbers come from a function
        assert unguarded == []
        audit = {row[0] for row in conn.execute(
            "SELECT privilege_type FROM information_schema.role_table_grants WHERE table_name = 'audit_log' "
            "AND table_schema = 'public'")}
        assert audit <= {"SELECT", "INSERT", "REFERENCES", "TRIGGER"}, audit
        for role in ("salescli_rep", "salescli_manager", team.owner):
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
        f"table notes is owned by postgres, not {team.owner}",
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
                      tax_rate=Decimal(13), valid_days=30, at=datetime(2026, 11, 29), actor=me,
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


# -- approvals and prices held by the database (services/team.py: salescli_guard_quote, _quote_lines) --------------


def test_a_rep_cannot_approve_or_reprice_a_quote_in_sql(team: Team) -> None:
    bob, mgr = team.cli("bob"), team.cli("mgr")
    lead = bob.id("lead", "add", "大客户", "--source", "web", "--company", "乙公司", "--date", "2026-11-01")
    deal = bob.id("lead", "convert", str(lead), "--date", "2026-11-01")
    quote = bob.ok("quote", "create", str(deal), "--item", "P-1:10", "--discount", "50", "--date",
                   "2026-11-02").stdout.strip()
    assert quote == "Q-2026-0002"
    assert bob.json("quote", "show", quote)["needs_approval"] is True
    before = snapshot(team.admin)
    with team.sql("bob") as conn:
        mgr_id = _ids(conn, "mgr")
        q1, q2 = (conn.execute("SELECT id FROM quotes WHERE number = %s", (n,)).fetchone()[0]  # type: ignore[index]
                  for n in ("Q-2026-0001", quote))
        for statement, args in (("UPDATE quotes SET approved_by = %s, approved_at = now() WHERE id = %s", (mgr_id, q2)),
                                ("UPDATE quotes SET needs_approval = false WHERE id = %s", (q2,)),
                                ("UPDATE quotes SET approval_reason = NULL WHERE id = %s", (q2,))):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only a manager approves"):
                conn.execute(statement, args)
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="needs a manager's approval"):
            conn.execute("UPDATE quotes SET status = 'sent', sent_at = now() WHERE id = %s", (q2,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="cannot go from draft to accepted"):
            conn.execute("UPDATE quotes SET status = 'accepted' WHERE id = %s", (q2,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="starts as a draft without approval"):
            conn.execute(
                "INSERT INTO quotes (number, revision, deal_id, status, currency, discount_bp, tax_rate_bp, "
                "subtotal_minor, discount_minor, net_minor, tax_minor, total_minor, list_minor, cost_minor, "
                "valid_until, needs_approval, approved_by, approved_at, created_at) "
                "SELECT number, 9, deal_id, 'draft', currency, discount_bp, tax_rate_bp, subtotal_minor, "
                "discount_minor, net_minor, tax_minor, total_minor, list_minor, cost_minor, valid_until, "
                "needs_approval, %s, now(), now() FROM quotes WHERE id = %s", (mgr_id, q2))
        # the accepted quote: neither its prices nor its lines change, and it does not go back to draft
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="is accepted: its prices cannot change"):
            conn.execute("UPDATE quotes SET net_minor = 1, total_minor = 1 WHERE id = %s", (q1,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="cannot go from accepted to draft"):
            conn.execute("UPDATE quotes SET status = 'draft' WHERE id = %s", (q1,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="is accepted: its lines cannot change"):
            conn.execute("UPDATE quote_lines SET unit_price_minor = 1 WHERE quote_id = %s", (q1,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="is accepted: its lines cannot change"):
            conn.execute("INSERT INTO quote_lines (quote_id, position, sku, name, qty, unit_price_minor, "
                         "list_price_minor, unit_cost_minor, line_discount_bp, net_minor) "
                         "VALUES (%s, 9, 'P-1', 'x', 1, 1, 1, 1, 0, 1)", (q1,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM quote_lines WHERE quote_id = %s", (q1,))
        # an unapproved draft is still the rep's to work on
        assert conn.execute("UPDATE quote_lines SET qty = qty WHERE quote_id = %s", (q2,)).rowcount == 1
    assert snapshot(team.admin) == before
    assert "needs a manager's approval" in bob.fails(1, "quote", "send", quote, "--date", "2026-11-03")
    mgr.ok("quote", "approve", quote, "--date", "2026-11-03")
    with team.sql("bob") as conn:  # approved: what the manager approved stays as it was
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="is approved: its lines cannot change"):
            conn.execute("UPDATE quote_lines SET unit_price_minor = 1 WHERE quote_id = %s", (q2,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="is approved: its prices cannot change"):
            conn.execute("UPDATE quotes SET discount_bp = 9000 WHERE id = %s", (q2,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="only a manager approves"):
            conn.execute("UPDATE quotes SET approved_at = now() WHERE id = %s", (q2,))
    # everything salescli does as the rep still works: send, revise (a new draft to approve), approve, send, accept
    bob.ok("quote", "send", quote, "--date", "2026-11-04")
    bob.ok("quote", "revise", quote, "--discount", "40", "--date", "2026-11-05")
    shown = bob.json("quote", "show", quote)
    assert (shown["revision"], shown["status"], shown["needs_approval"], shown["approved"]) == (2, "draft", True, False)
    mgr.ok("quote", "approve", quote, "--date", "2026-11-06")
    bob.ok("quote", "send", quote, "--date", "2026-11-06")
    bob.ok("quote", "accept", quote, "--date", "2026-11-07")
    assert bob.json("quote", "show", quote)["status"] == "accepted"


# -- document numbers only through salescli_next_number (migration 0010) ---------------------------------------------


def test_document_numbers_come_only_from_the_database_function(team: Team) -> None:
    numbers = "SELECT kind, year, last FROM counters ORDER BY kind, year"
    before = team.admin.rows(numbers)
    assert before == [("C", 2026, 1), ("Q", 2026, 1), ("SO", 2026, 1)]
    with team.sql("alice") as conn:
        for statement in ("INSERT INTO counters (kind, year, last) VALUES ('Q', 2027, 0)",
                          "UPDATE counters SET last = 0", "DELETE FROM counters", "SELECT last FROM counters"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied for table counters"):
                conn.execute(statement)
        # a number taken by hand with no document stored in its transaction is refused at commit: no gap
        with pytest.raises(psycopg.errors.IntegrityConstraintViolation, match="Q-2026-0002 was taken but no document"):
            conn.execute("SELECT salescli_next_number('Q', 2026)")
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="unknown document kind"):
            conn.execute("SELECT salescli_next_number('X', 2026)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT salescli_check_number()")
    assert team.admin.rows(numbers) == before
    alice = team.cli("alice")  # salescli as alice takes the next one, gap-free after bob's
    lead = alice.id("lead", "add", "甲线索", "--source", "web", "--company", "甲公司", "--date", "2026-11-01")
    deal = alice.id("lead", "convert", str(lead), "--date", "2026-11-01")
    assert alice.ok("quote", "create", str(deal), "--item", "P-1:1", "--date", "2026-11-02").stdout.strip() \
        == "Q-2026-0002"


# -- the search index: written only for records the rep may change ---------------------------------------------------


def test_a_rep_writes_search_terms_only_of_records_they_may_change(team: Team) -> None:
    from salescli.domain.search import KINDS

    customer, contact, lead = KINDS["customer"], KINDS["contact"], KINDS["lead"]
    with team.sql("alice") as conn:
        bobs_contact = conn.execute("SELECT id FROM contacts WHERE customer_id = 1").fetchone()
        assert bobs_contact is not None
        terms = "SELECT count(*) FROM search_docs WHERE kind = %s AND record_id = %s"
        assert conn.execute(terms, (customer, 1)).fetchone() != (0,)  # read as today: bob's customer is searchable
        assert conn.execute(terms, (contact, bobs_contact[0])).fetchone() != (0,)
        for kind, record in ((customer, 1), (contact, bobs_contact[0]), (lead, 1)):
            assert conn.execute("DELETE FROM search_docs WHERE kind = %s AND record_id = %s",
                                (kind, record)).rowcount == 0
            assert conn.execute("UPDATE search_docs SET terms = '间谍' WHERE kind = %s AND record_id = %s",
                                (kind, record)).rowcount == 0
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
                conn.execute("INSERT INTO search_docs (kind, record_id, terms) VALUES (%s, %s, '间谍') "
                             "ON CONFLICT (kind, record_id) DO NOTHING", (kind, record))
        # her own customer's terms are hers to keep in step, but not to move onto bob's customer
        assert conn.execute("UPDATE search_docs SET terms = terms || '甲'::tsvector WHERE kind = %s AND record_id = 2",
                            (customer,)).rowcount == 1
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("UPDATE search_docs SET record_id = 1 WHERE kind = %s AND record_id = 2", (customer,))
    with team.sql("bob") as conn:
        assert conn.execute("SELECT count(*) FROM search_docs WHERE kind = %s AND record_id = 1 "
                            "AND NOT terms @@ '间谍'::tsquery", (customer,)).fetchone() == (1,)
    assert [c["name"] for c in team.cli("alice").json("customer", "list", "--search", "乙公司")] == ["乙公司"]


# -- one owner role per database ----------------------------------------------------------------------------------


def test_owner_role_names_are_per_database_safe_and_short() -> None:
    assert owner_name("sales") == "salescli_owner_sales"
    odd = ["Sales DB", "sales-db", "销售", "x" * 63, "a" * 49, "a" * 48 + "b", 'x"; DROP ROLE y; --']
    names = [owner_name(db) for db in odd]
    assert len(set(names)) == len(names)
    for name in names:
        assert name.startswith("salescli_owner_") and len(name.encode()) <= 63
        assert all(c.isascii() and (c.islower() or c.isdigit() or c == "_") for c in name), name
    assert owner_name("a" * 48) == "salescli_owner_" + "a" * 48


def test_the_administrator_of_one_team_database_is_nobody_in_another(fresh: Team, pg_url: str) -> None:
    other = Team(admin=Cli(pg_url), name=pg_url.rsplit("/", 1)[1], suffix=fresh.suffix)
    other.admin.ok("team", "init")
    fresh.roles.append(other.owner)  # dropped after both databases (pg_url goes first)
    assert fresh.owner != other.owner
    other.add_rep("bob", "鲍勃")
    fresh.roles.extend(other.roles)
    other.cli("bob").id("lead", "add", "乙线索", "--source", "web")
    admin_a = f"adm_{fresh.suffix}"
    fresh.roles.append(admin_a)
    _create_login(admin_a, fresh.owner)
    assert Cli(fresh.url(admin_a)).ok("rep", "add", "wang", "--name", "王").exit_code == 0  # A's administrator
    with psycopg.connect(fresh.url(admin_a), autocommit=True) as conn:
        assert conn.execute("SELECT salescli_is_manager()").fetchone() == (True,)
    with psycopg.connect(other.url(admin_a), autocommit=True) as conn:  # ... is nobody in B
        assert conn.execute("SELECT salescli_is_manager()").fetchone() == (False,)
        assert conn.execute("SELECT count(*) FROM reps").fetchone() == (0,)
        for statement in ("SELECT count(*) FROM leads", "ALTER TABLE leads DISABLE ROW LEVEL SECURITY",
                          "ALTER TABLE audit_log OWNER TO CURRENT_USER", "DROP POLICY salescli_rep_rows ON leads",
                          "UPDATE reps SET role = 'manager'", f"SET ROLE {other.owner}",
                          "SELECT salescli_login('create', 'x', 'salescli_manager', NULL)"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    assert "is not a salescli rep" in Cli(other.url(admin_a)).fails(1, "lead", "list")
    assert other.admin.ok("team", "check").stderr.strip() == "team mode: ok"


def _make_legacy(team: Team, old_admin: str) -> None:
    """Turn a team database into one made by an earlier salescli (schema 0009): its tables owned by the server-wide
    salescli_owner, whose member ``old_admin`` created the database; reps writing the counters; no number function
    nor quote guards."""
    with psycopg.connect(team.url("postgres"), autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'salescli_owner'").fetchone() is None:
            conn.execute("CREATE ROLE salescli_owner NOLOGIN CREATEROLE")
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE salescli_owner").format(sql.Identifier(old_admin)))
        conn.execute(sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(team.name),
                                                                     sql.Identifier(old_admin)))
        conn.execute("GRANT USAGE, CREATE ON SCHEMA public TO salescli_owner")
        for table, policy in conn.execute("SELECT polrelid::regclass::text, polname FROM pg_policy "
                                          "WHERE %s::regrole = ANY(polroles)", (team.owner,)).fetchall():
            conn.execute(sql.SQL("ALTER POLICY {} ON {} TO salescli_owner").format(sql.Identifier(policy),
                                                                                 sql.Identifier(table)))
        conn.execute(sql.SQL("REASSIGN OWNED BY {} TO salescli_owner").format(sql.Identifier(team.owner)))
        conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(team.owner)))
        conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(team.owner)))
        conn.execute("DROP TRIGGER salescli_number_used ON counters")
        conn.execute("DROP FUNCTION salescli_check_number(), salescli_next_number(text, integer)")
        conn.execute("DROP TRIGGER salescli_guard_quote ON quotes")
        conn.execute("DROP TRIGGER salescli_guard_quote_lines ON quote_lines")
        conn.execute("GRANT SELECT, INSERT, UPDATE ON counters TO salescli_rep, salescli_manager")
        # the search index as 0008 made it: a row per term (0011 turns it into search_docs)
        conn.execute('CREATE TABLE search_terms (term varchar(120) COLLATE "C" NOT NULL, kind smallint NOT NULL, '
                     "record_id integer NOT NULL, CONSTRAINT pk_search_terms PRIMARY KEY (term, kind, record_id))")
        conn.execute("INSERT INTO search_terms SELECT t.term, d.kind, d.record_id "
                     "FROM search_docs d, unnest(tsvector_to_array(d.terms)) t(term)")
        conn.execute("DROP TABLE search_docs")
        conn.execute("ALTER TABLE search_terms OWNER TO salescli_owner")
        conn.execute("GRANT SELECT, INSERT, DELETE ON search_terms TO salescli_rep, salescli_manager")
        conn.execute("UPDATE alembic_version SET version_num = '0009'")


@pytest.mark.parametrize("upgrader", ["old administrator", "superuser"])
def test_a_database_of_the_server_wide_owner_role_moves_to_its_own(team: Team, upgrader: str) -> None:
    """Moved by its old administrator (no CREATEROLE, no superuser) or by a superuser: either way the database's
    owner, who administered it, administers it still, and the administrator of another database does not."""
    old_admin, elsewhere = f"oldadm_{team.suffix}", f"elsewhere_{team.suffix}"
    team.roles.extend([old_admin, elsewhere])
    _make_legacy(team, old_admin)
    _create_login(elsewhere, "salescli_owner")  # the administrator of another database of the old salescli
    with psycopg.connect(team.url(elsewhere), autocommit=True) as conn:  # the hole: an administrator here too
        assert conn.execute("SELECT count(*) FROM leads").fetchone() == (1,)
    from sqlalchemy import create_engine

    from salescli.services import team as team_mode

    engine = create_engine(team.url(old_admin).replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:  # what 'team check' would say, before any command migrates the database
            found = team_mode.problems(conn)
    finally:
        engine.dispose()
    assert found[0].startswith("the tables are owned by salescli_owner, one role for every database on the server")
    assert "the function salescli_next_number(text, integer) is missing ('salescli db upgrade')" in found
    assert "table quotes lacks its trigger salescli_guard_quote" in found
    admin = Cli(team.url(old_admin))
    (admin if upgrader == "old administrator" else team.admin).ok("db", "upgrade")  # 0010, then the move
    with psycopg.connect(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + team.name, autocommit=True) as conn:
        owners = {row[0] for row in conn.execute(
            "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class "
            "WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'S')")}
        assert owners == {team.owner}
        assert conn.execute("SELECT pg_has_role(%s, %s, 'MEMBER'), pg_has_role(%s, %s, 'MEMBER')",
                            (old_admin, team.owner, elsewhere, team.owner)).fetchone() == (True, False)
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (migrations.HEAD,)
    assert admin.ok("team", "check").stderr.strip() == "team mode: ok"
    with psycopg.connect(team.url(elsewhere), autocommit=True) as conn:  # the old role gives nothing here now
        assert conn.execute("SELECT salescli_is_manager()").fetchone() == (False,)
        for statement in ("SELECT count(*) FROM leads", "ALTER TABLE leads DISABLE ROW LEVEL SECURITY",
                          "CREATE TABLE public.trap (id int)"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
    with team.sql("alice") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege,
                                                  match="permission denied for table counters"):
        conn.execute("UPDATE counters SET last = 0")
    bob = team.cli("bob")  # the reps work on as before, numbers through the new function
    assert [q["number"] for q in bob.json("quote", "list")] == ["Q-2026-0001"]
    lead = bob.id("lead", "add", "新线索", "--source", "web", "--date", "2026-11-01")
    deal = bob.id("lead", "convert", str(lead), "--date", "2026-11-01")
    assert bob.ok("quote", "create", str(deal), "--item", "P-1:1", "--date", "2026-11-02").stdout.strip() \
        == "Q-2026-0002"
    admin.ok("rep", "add", "wang", "--name", "王")  # the administrator still administers
    # the index moved to search_docs: new records are found, and the old ones kept their terms
    assert ("lead", lead) in [(h["type"], h["id"]) for h in bob.json("search", "新线索")]
    assert [c["name"] for c in bob.json("customer", "list", "--search", "乙公司")] == ["乙公司"]


# -- the database judges a rep's quote by the team's policy, and keeps a contract as its quote (psql too) ----------

QUOTE_COLUMNS = ("number, revision, deal_id, status, currency, discount_bp, tax_rate_bp, subtotal_minor, "
                 "discount_minor, net_minor, tax_minor, total_minor, list_minor, cost_minor, valid_until, "
                 "needs_approval, created_at")


def test_the_database_judges_a_reps_quote_by_the_team_policy(team: Team) -> None:
    """A rep in psql cannot slip a quote outside the policy past approval: not by writing needs_approval = false on a
    new revision, not by repricing a draft in place, not by amounts that are not what the lines add up to, not by a
    list price or cost that is not the catalog's. Within policy the draft stays theirs to change; a quote is judged by
    the policy when it was priced, not when it is sent."""
    bob, mgr = team.cli("bob"), team.cli("mgr")
    lead = bob.id("lead", "add", "大客户", "--source", "web", "--company", "乙公司", "--date", "2026-11-01")
    deal = bob.id("lead", "convert", str(lead), "--date", "2026-11-01")
    quote = bob.ok("quote", "create", str(deal), "--item", "P-1:10", "--discount", "10", "--date",
                   "2026-11-02").stdout.strip()
    shown = bob.json("quote", "show", quote)
    assert shown["needs_approval"] is False  # 10% within the default 15%; margin 44%
    before = snapshot(team.admin)
    refused = (psycopg.errors.CheckViolation, psycopg.errors.InsufficientPrivilege)
    with team.sql("bob") as conn:
        qid = conn.execute("SELECT id FROM quotes WHERE number = %s", (quote,)).fetchone()[0]  # type: ignore[index]
        # 10 × 100.00 = 1000.00, 50% off: 500.00 net, 13% tax 65.00: consistent, but outside the policy
        with pytest.raises(refused, match="outside the team's policy \\(max discount 15%, min margin 10%\\)"):
            conn.execute("UPDATE quotes SET discount_bp = 5000, discount_minor = 50000, net_minor = 50000, "
                         "tax_minor = 6500, total_minor = 56500 WHERE id = %s", (qid,))
        # the same by the lines: unit price 50.00
        with pytest.raises(refused, match="outside the team's policy"), conn.transaction():
            conn.execute("UPDATE quote_lines SET unit_price_minor = 5000, net_minor = 50000 WHERE quote_id = %s",
                         (qid,))
            conn.execute("UPDATE quotes SET discount_bp = 0, subtotal_minor = 50000, discount_minor = 0, "
                         "net_minor = 50000, tax_minor = 6500, total_minor = 56500 WHERE id = %s", (qid,))
        # amounts that are not the lines' sum, a line's net that is not its price, a made-up list price
        with pytest.raises(refused, match="its amounts are not what its lines add up to"):
            conn.execute("UPDATE quotes SET net_minor = 1, total_minor = 1 WHERE id = %s", (qid,))
        with pytest.raises(refused, match="its amounts are not what its lines add up to"):
            conn.execute("UPDATE quote_lines SET net_minor = 1 WHERE quote_id = %s", (qid,))
        # 50.00 a unit (half the list price) written as list 50.00 and cost 20.00: 10% off, margin 55%, "in policy"
        with pytest.raises(refused, match="list price or cost is not the catalog's"), conn.transaction():
            conn.execute("UPDATE quote_lines SET unit_price_minor = 5000, list_price_minor = 5000, "
                         "unit_cost_minor = 2000, net_minor = 50000 WHERE quote_id = %s", (qid,))
            conn.execute("UPDATE quotes SET subtotal_minor = 50000, discount_minor = 5000, net_minor = 45000, "
                         "tax_minor = 5850, total_minor = 50850, list_minor = 50000, cost_minor = 20000 "
                         "WHERE id = %s", (qid,))
        # a new revision written with needs_approval = false and 50% off
        with pytest.raises(refused, match="outside the team's policy"), conn.transaction():
            conn.execute("UPDATE quotes SET status = 'superseded' WHERE id = %s", (qid,))
            new = conn.execute(
                f"INSERT INTO quotes ({QUOTE_COLUMNS}) SELECT number, 2, deal_id, 'draft', currency, 5000, "
                "tax_rate_bp, subtotal_minor, 50000, 50000, 6500, 56500, list_minor, cost_minor, valid_until, "
                "false, now() FROM quotes WHERE id = %s RETURNING id", (qid,)).fetchone()[0]  # type: ignore[index]
            conn.execute("INSERT INTO quote_lines (quote_id, position, sku, name, qty, unit_price_minor, "
                         "list_price_minor, unit_cost_minor, line_discount_bp, net_minor) SELECT %s, position, "
                         "sku, name, qty, unit_price_minor, list_price_minor, unit_cost_minor, line_discount_bp, "
                         "net_minor FROM quote_lines WHERE quote_id = %s", (new, qid))
        # within the policy the draft is still the rep's: 12% off, consistent
        conn.execute("UPDATE quotes SET discount_bp = 1200, discount_minor = 12000, net_minor = 88000, "
                     "tax_minor = 11440, total_minor = 99440 WHERE id = %s", (qid,))
    after = snapshot(team.admin)
    assert after != before
    shown = bob.json("quote", "show", quote)
    assert (shown["revision"], shown["status"], shown["total"]) == (1, "draft", "994.40")
    # the policy tightens after the quote was priced: it is sent as priced
    mgr.ok("config", "set", "max_discount", "5")
    bob.ok("quote", "send", quote, "--date", "2026-11-03")
    assert bob.json("quote", "show", quote)["status"] == "sent"
    # salescli's own revision under the new policy is marked for approval, and the database agrees
    bob.ok("quote", "revise", quote, "--discount", "8", "--date", "2026-11-04")
    assert bob.json("quote", "show", quote)["needs_approval"] is True
    # the policy the database judges by is the team's stored one (5% now), not salescli's default 15%
    lead2 = bob.id("lead", "add", "小客户", "--source", "web", "--company", "乙公司", "--date", "2026-11-05")
    deal2 = bob.id("lead", "convert", str(lead2), "--date", "2026-11-05")
    other = bob.ok("quote", "create", str(deal2), "--item", "P-1:10", "--date", "2026-11-05").stdout.strip()
    with team.sql("bob") as conn, pytest.raises(refused, match=r"max discount 5\.00%"):  # 8% off: 920.00 net
        conn.execute("UPDATE quotes SET discount_bp = 800, discount_minor = 8000, net_minor = 92000, "
                     "tax_minor = 11960, total_minor = 103960 WHERE number = %s", (other,))
    assert bob.json("quote", "show", other)["total"] == "1130.00"
    # a manager may write what they like (they approve quotes)
    with team.sql("mgr") as conn:
        conn.execute("UPDATE quotes SET discount_bp = 9000 WHERE number = %s AND revision = 2", (quote,))


def test_a_contract_is_its_quote_and_stays_as_signed(team: Team) -> None:
    """A rep's contract is made as a draft from an accepted quote of its deal, with that quote's amounts and lines
    (one each); once made, only its status moves, and who signed and when are written once."""
    bob = team.cli("bob")
    refused = (psycopg.errors.CheckViolation, psycopg.errors.InsufficientPrivilege)
    before = snapshot(team.admin)
    with team.sql("bob") as conn:
        k = conn.execute("SELECT id, quote_id FROM contracts WHERE number = 'C-2026-0001'").fetchone()
        assert k is not None
        kid, qid = k
        for statement, message in (
                ("UPDATE contracts SET net_minor = 1, total_minor = 1 WHERE id = %s", "frozen: only its status moves"),
                ("UPDATE contracts SET signed_by = '别人' WHERE id = %s", "signed or closed does not change"),
                ("UPDATE contracts SET status = 'draft' WHERE id = %s", "cannot go from signed to draft"),
                ("UPDATE contract_lines SET qty = 99 WHERE contract_id = %s", "copied from the quote and frozen"),
                ("INSERT INTO contract_lines (contract_id, position, sku, name, qty, unit_price_minor, "
                 "line_discount_bp, net_minor) VALUES (%s, 2, 'P-1', 'x', 1, 10000, 0, 10000)", "only to a draft")):
            with pytest.raises(refused, match=message):
                conn.execute(statement, (kid,))
        header = ("INSERT INTO contracts (number, quote_id, deal_id, status, currency, discount_bp, tax_rate_bp, "
                  "subtotal_minor, discount_minor, net_minor, tax_minor, total_minor, units, created_at) "
                  "SELECT 'C-2026-' || lpad(salescli_next_number('C', 2026)::text, 4, '0'), id, deal_id, %s, currency, "
                  "discount_bp, tax_rate_bp, "
                  "subtotal_minor, discount_minor, {net}, tax_minor, total_minor, 2, now() FROM quotes WHERE id = %s")
        with pytest.raises(refused, match="starts as an unsigned draft"):
            conn.execute(header.format(net="net_minor"), ("signed", qid))
        with pytest.raises(refused, match="its amounts are those of quote Q-2026-0001"):
            conn.execute(header.format(net="1"), ("draft", qid))
        with pytest.raises(refused, match="its lines must be its quote's lines"):  # no lines: refused at commit
            conn.execute(header.format(net="net_minor"), ("draft", qid))
    assert snapshot(team.admin) == before
    # salescli's own way still works for the rep (the fixture made and signed the contract as bob): complete it
    bob.ok("contract", "complete", "C-2026-0001", "--date", "2026-10-21")
    assert bob.json("contract", "show", "C-2026-0001")["status"] == "completed"
