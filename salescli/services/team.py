"""Team mode on PostgreSQL: the rules of services/authz.py held by the database itself (grants and row-level
security), so they hold for psql too (PRODUCT.md, "Team mode and who may do what"; ENGINEERING.md, Known traps:
row-level security).

Roles:

- ``salescli_owner_<database>`` (NOLOGIN, CREATEROLE), one per database (``owner_name``: the database's name when
  it is plain lower-case letters, digits and '_' of at most 48 bytes, else a readable part and a hash; never an
  existing role taken over), owns every table, sequence and function of THIS database. Nobody logs in as it; the
  administrator who ran ``team init`` is made a member so migrations still run (and is therefore the administrator
  in authz.resolve). Membership in one database's owner role gives nothing in another database on the same server
  (it is neither a manager there, nor owns its tables). It holds CREATEROLE only so that ``salescli_login`` below
  can create and change rep logins for a manager who has no CREATEROLE of their own. Databases set up by an earlier
  salescli had their tables owned by ``salescli_owner``, one role for the whole server: ``apply`` (``team init``,
  ``db upgrade``) moves them to the database's own owner role, whose only member is then the administrator running
  it (unless a superuser) and the database's owner (``createdb -O``) when it administered it; other administrators
  are granted the new role by hand; the old role keeps nothing here.
- ``salescli_rep`` (NOLOGIN, server-wide): every rep's login is a member. Reads what row security shows; writes the
  sales records (leads, customers, contacts, deals and everything under a deal) and appends to the audit log.
- ``salescli_manager`` (NOLOGIN, server-wide): a manager's login is a member instead (not of salescli_rep too: each
  group has its own policies, see ``_policies``). Granted what reps are, and the catalog, targets, team settings
  and reps.

Which rows: who is acting comes from ``session_user`` through three SECURITY DEFINER helpers (owned by the owner
role, search_path pinned): ``salescli_rep_id()``, ``salescli_rep_handle()`` (the active rep whose
``reps.login`` is the session's login, else NULL) and ``salescli_is_manager()`` (an active manager rep, or the
administrator: a member of the role owning the tables, or a superuser). Policies call them as
``(SELECT salescli_rep_id())`` so PostgreSQL evaluates each once per statement (an InitPlan), not per row. Group
roles are server-wide, so being in a group is not enough: a login sees rows only as a rep (or manager) of THIS
database's reps table. (One consequence: a person who is a rep in one salescli database and a manager in another on
the same server needs two logins.)

- every table holding per-rep data has row security ENABLE and FORCE (FORCE: the owning role, and so the
  administrator, goes through the policies too; superusers never do);
- ``reps`` has ENABLE without FORCE: the helpers read it as its owner (with FORCE, reading it would call the
  helpers again, without end); every login reads its own row, a rep of this database reads all;
- ``counters`` (document numbers) and ``alembic_version`` hold no per-rep data: no row security, and no write
  grant for anyone but the owner: numbers are taken through ``salescli_next_number(kind, year)`` (migration 0010),
  SECURITY DEFINER, EXECUTE granted to reps and managers; a deferred check on ``counters`` refuses a commit that
  took a number without storing its document, so numbers stay unique and gap-free even from psql.

Rules held by triggers (row security sees only the new row; these compare old and new), for everyone but a manager
or the administrator:

- ``salescli_guard_owner``: a record's owner is never changed (a rep may claim a record nobody owns).
- ``salescli_guard_quote``: a quote is inserted as an unapproved draft; its approval (``needs_approval``,
  ``approval_reason``, ``approved_by``, ``approved_at``) never changes; its status moves only as the quote state
  machine allows (domain/pipeline.QUOTE), and not out of draft to sent or accepted while it needs an approval it
  has not got; its prices (and number, revision, deal, currency, validity) change only while it is an unapproved
  draft.
- ``salescli_guard_quote_lines``: lines are inserted, changed or removed only on an unapproved draft.
- ``salescli_check_quote`` / ``salescli_check_quote_lines`` (deferred to commit, ``salescli_judge_quote``): a quote's
  amounts are what its lines add up to (PRODUCT.md's order, half-up), each line's list price and cost the catalog's
  (or an earlier revision's), and a quote outside the team's max discount / min margin (team_settings, when it is
  priced) is marked needs_approval, so the rule above keeps it from being sent unapproved.
- ``salescli_guard_contract`` / ``salescli_guard_contract_lines`` / ``salescli_check_contract(_lines)``: a contract is
  made as an unsigned draft from an accepted quote of its deal with that quote's amounts and lines (one each, at
  commit); afterwards only its status moves (the contract machine), signed/closed when and by whom set once.
- ``search_docs`` (the search index): read as the records they index are; written (added, changed or removed) only
  for records the rep may change: their own (or unowned) leads, deals and customers, and contacts of such customers.

Everything is created by ``apply(conn)``: idempotent (CREATE OR REPLACE, DROP POLICY IF EXISTS + CREATE POLICY,
REVOKE + GRANT), run by ``team init`` and, once team mode is on, after every migration (``after_upgrade``) so
new tables get their owner, grants and policies.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, select

from salescli import models
from salescli.errors import InputError, PolicyError
from salescli.i18n import N_, _

#: The owner role of a database is named OWNER_PREFIX + something from the database's name (``owner_name``).
OWNER_PREFIX = "salescli_owner_"
#: The one owner role for the whole server of earlier salescli versions (its databases are moved off it).
LEGACY_OWNER = "salescli_owner"
REP = "salescli_rep"
MANAGER = "salescli_manager"
GROUPS = (REP, MANAGER)  # server-wide group roles (the owner role is per database)

# -- who may write what (SELECT is granted on every table; row security decides which rows) ---------------------
#: Sales records: reps insert and update them (their own, by row security); nobody deletes them.
REP_WRITES = ("customers", "contacts", "leads", "deals", "deal_events", "activities", "needs", "need_items",
              "demos", "quotes", "quote_lines", "contracts", "contract_lines", "orders", "order_events",
              "tickets", "ticket_events", "surveys", "tasks")
#: Managers only (the catalog, targets, team policy, reps).
MANAGER_WRITES = {"products": "INSERT, UPDATE", "targets": "INSERT, UPDATE",
                  "team_settings": "INSERT, UPDATE, DELETE", "reps": "INSERT, UPDATE"}
#: Document numbers: taken through NEXT_NUMBER only (no per-rep data, no row security, no write grant).
COUNTERS = "counters"
NEXT_NUMBER = "salescli_next_number(text, integer)"
#: The search index (services/search.py): every writer adds and removes the terms of the records it writes; a row
#: is seen only by whoever may see its record (its policy asks the record's table, whose own policies decide).
SEARCH_INDEX = "search_docs"
#: Append-only for everyone: INSERT and SELECT only, no UPDATE/DELETE/TRUNCATE even for the owning role.
AUDIT = "audit_log"
#: Event hooks (services/hooks.py), a team setting: managers add and remove them and alone read their URLs and
#: secrets; a rep reads only which events are taken (these columns), to queue the events of their own changes.
HOOKS = "hooks"
HOOK_COLUMNS_FOR_REPS = "id, events, active"
#: The event outbox: every writer appends the events of its changes (a rep's row security: their own, as in the audit
#: log); managers and the administrator read, deliver (update) and remove them.
OUTBOX = "event_outbox"
#: Readable by every login (a login that is no rep sees no row of reps, and gets authz's one-line error).
PUBLIC_READ = ("alembic_version", "reps")
#: Row security ENABLE without FORCE (see the module docstring).
NOT_FORCED = ("reps",)
#: No row security at all.
NO_ROW_SECURITY = (COUNTERS, "alembic_version")
#: Tables whose owner_id only a manager changes (a rep may claim an unowned record for themselves).
OWNED = ("customers", "leads", "deals", "tasks")
#: The survey reply page (``survey serve``) connects as a login in this group role (``team survey-login``). It reads
#: one survey by its token and writes that survey's answer, nothing else: the column grants below, and policies
#: admitting only the row whose token the transaction named in the setting ``salescli.survey_token``
#: (services/surveys.TOKEN_SETTING). So it cannot list surveys, read a customer, or change an answer once given.
#: Created by ``apply`` as salescli_owner (which has CREATEROLE), like the logins ``team survey-login`` adds.
SURVEY = "salescli_survey"
SURVEY_TOKEN = "salescli.survey_token"
#: (The customer's name, the hooks' event names and the outbox are for the "survey.answered" event the answer
#: queues for the team's hooks, services/hooks.py: the page itself shows none of them.)
SURVEY_GRANTS: dict[str, tuple[str, ...]] = {
    "surveys": ("SELECT (id, token, status, language, order_id, customer_id, channel, nps, csat, comment, "
                "responded_at)", "UPDATE (status, responded_at, nps, csat, comment)"),
    "orders": ("SELECT (id, number)",),
    "customers": ("SELECT (id, name)",),
    "team_settings": ("SELECT (key, value)",),
    "audit_log": ("SELECT (id)", "INSERT (at, rep, entity, entity_id, action, before, after)"),
    "hooks": ("SELECT (id, events, active)",),
    "event_outbox": ("SELECT (id)", "INSERT (hook_id, event, entity, entity_id, at, rep, payload, dedupe, status, "
                     "attempts, next_attempt_at, created_at)"),
}

SQLITE_SINGLE_USER = N_("SQLite is single-user: the file's permissions are the boundary; team mode (logins, grants, "
                        "row security) needs a PostgreSQL database")  # translated where shown
LOGIN_LEN = 63
_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
_RESERVED = {"public", "none", "current_user", "session_user", "current_role", "all"}

#: A quote's columns a rep cannot change once it is sent (or otherwise out of draft) or approved.
QUOTE_PRICED = ("number", "revision", "deal_id", "currency", "discount_bp", "tax_rate_bp", "subtotal_minor",
                "discount_minor", "net_minor", "tax_minor", "total_minor", "list_minor", "cost_minor", "valid_until")
#: Rules checked on each row as it is written (BEFORE triggers, for everyone but a manager): table → trigger (and
#: its function), events.
GUARDED = {
    "quotes": ("salescli_guard_quote", "INSERT OR UPDATE"),
    "quote_lines": ("salescli_guard_quote_lines", "INSERT OR UPDATE OR DELETE"),
    "contracts": ("salescli_guard_contract", "INSERT OR UPDATE"),
    "contract_lines": ("salescli_guard_contract_lines", "INSERT OR UPDATE OR DELETE"),
}
#: Checked at commit (deferred constraint triggers, for everyone but a manager): table → trigger, events, function.
#: A quote is judged when it is written with its prices (not when only its status moves: a quote is judged by the
#: policy at the time it was priced); a contract when it or its lines are added.
CHECKED = {
    "quotes": ("salescli_check_quote", "INSERT OR UPDATE OF " + ", ".join(QUOTE_PRICED), "salescli_check_quote"),
    "quote_lines": ("salescli_check_quote_lines", "INSERT OR UPDATE OR DELETE", "salescli_check_quote"),
    "contracts": ("salescli_check_contract", "INSERT", "salescli_check_contract"),
    "contract_lines": ("salescli_check_contract_lines", "INSERT", "salescli_check_contract"),
}

Policy = tuple[str, str, str, str | None, str | None]  # name, command, TO role, USING, WITH CHECK


def _policies(s: str, owner: str) -> dict[str, list[Policy]]:
    """The policies by table; ``s`` is the quoted schema, ``owner`` the (quoted) role owning the tables.

    Each group has its own policies (``TO`` the group), so a login gets only its group's: a manager's are a single
    InitPlan test, ``(SELECT salescli_is_manager())``, and the administrator's are ``true``, so the planner picks
    the same plans for them as without row security (with one policy for everyone, ``manager OR <the rep's
    test>`` made a manager's KPI report 3x slower: measured, benchmarks/rls_kpi.py). A rep's policies never see
    more than the rep's own (and unowned) records."""
    me = f"(SELECT {s}.salescli_rep_id())"
    mgr = f"(SELECT {s}.salescli_is_manager())"
    handle = f"(SELECT {s}.salescli_rep_handle())"
    rep_here = f"({me} IS NOT NULL)"  # an active rep of this database (group roles are server-wide)

    def own(t: str) -> str:
        return f"({t}.owner_id = {me} OR ({t}.owner_id IS NULL AND {me} IS NOT NULL))"

    def under(t: str, parent: str, fk: str) -> str:
        """A row under a parent the rep may see (the parent's own policies decide)."""
        return f"EXISTS (SELECT 1 FROM {s}.{parent} p WHERE p.id = {t}.{fk})"

    def own_customer(t: str) -> str:
        return (f"EXISTS (SELECT 1 FROM {s}.customers p WHERE p.id = {t}.customer_id "
                f"AND (p.owner_id = {me} OR p.owner_id IS NULL))")

    def order_or_customer(t: str) -> str:
        """A ticket or survey: its order's (deal owner's) when it has one, else its customer owner's."""
        return (f"(({t}.order_id IS NOT NULL AND {under(t, 'orders', 'order_id')}) "
                f"OR ({t}.order_id IS NULL AND {own_customer(t)}))")

    others: list[Policy] = [("salescli_manager_rows", "ALL", MANAGER, mgr, mgr),
                            ("salescli_admin_rows", "ALL", owner, "true", "true")]

    def rows(expr: str, *, read: str | None = None) -> list[Policy]:
        """A rep reads and changes the rows ``expr`` admits (reads those ``read`` admits too); managers and the
        administrator everything their grants allow."""
        mine: list[Policy] = [("salescli_rep_rows", "ALL", REP, expr, expr)]
        if read is not None:
            mine.insert(0, ("salescli_rep_read", "SELECT", REP, read, None))
        return [*mine, *others]

    def read_only(read: str) -> list[Policy]:
        return [("salescli_rep_read", "SELECT", REP, read, None), *others]

    audit_mine = f"audit_log.rep = {handle}"
    from salescli.domain.search import KINDS

    def indexed(kind: str, table: str) -> str:
        return f"WHEN {KINDS[kind]} THEN EXISTS (SELECT 1 FROM {s}.{table} p WHERE p.id = search_docs.record_id)"

    search_visible = (f"(CASE search_docs.kind {indexed('lead', 'leads')} {indexed('deal', 'deals')} "
                      f"{indexed('contact', 'contacts')} ELSE {rep_here} END)")
    # written only for records the rep may change: leads and deals they see (their own or unowned: the records'
    # own policies), their own (or unowned) customers, and the contacts of those customers
    search_writable = (
        f"(CASE search_docs.kind {indexed('lead', 'leads')} {indexed('deal', 'deals')} "
        f"WHEN {KINDS['customer']} THEN EXISTS (SELECT 1 FROM {s}.customers p "
        f"WHERE p.id = search_docs.record_id AND {own('p')}) "
        f"WHEN {KINDS['contact']} THEN EXISTS (SELECT 1 FROM {s}.contacts c JOIN {s}.customers p "
        f"ON p.id = c.customer_id WHERE c.id = search_docs.record_id AND (p.owner_id = {me} OR p.owner_id IS NULL)) "
        "ELSE false END)")
    policies: dict[str, list[Policy]] = {
        # every login reads its own row (so a disabled rep is told so); a rep or manager of this database all rows
        "reps": [("salescli_read", "SELECT", "PUBLIC", f"(reps.login = session_user::text OR {rep_here} OR {mgr})",
                  None), *others],
        "products": read_only(rep_here),
        "team_settings": read_only(rep_here),
        "targets": read_only(f"targets.rep_id = {me}"),
        "customers": rows(own("customers"), read=rep_here),
        "contacts": rows(own_customer("contacts"), read=rep_here),
        "leads": rows(own("leads")),
        "deals": rows(own("deals")),
        "deal_events": rows(under("deal_events", "deals", "deal_id")),
        "activities": rows(f"({under('activities', 'leads', 'lead_id')} OR {under('activities', 'deals', 'deal_id')})"),
        "needs": rows(under("needs", "deals", "deal_id")),
        "need_items": rows(under("need_items", "needs", "needs_id")),
        "demos": rows(under("demos", "deals", "deal_id")),
        "quotes": rows(under("quotes", "deals", "deal_id")),
        "quote_lines": rows(under("quote_lines", "quotes", "quote_id")),
        "contracts": rows(under("contracts", "deals", "deal_id")),
        "contract_lines": rows(under("contract_lines", "contracts", "contract_id")),
        "orders": rows(under("orders", "deals", "deal_id")),
        "order_events": rows(under("order_events", "orders", "order_id")),
        "tickets": rows(order_or_customer("tickets")),
        "ticket_events": rows(under("ticket_events", "tickets", "ticket_id")),
        SEARCH_INDEX: rows(search_writable, read=search_visible),
        "surveys": rows(order_or_customer("surveys")),
        # a task is its owner's (its record's owner, else whoever added it), on a record the rep may work on
        "tasks": rows(f"({own('tasks')} AND ((tasks.deal_id IS NOT NULL AND {under('tasks', 'deals', 'deal_id')}) "
                      f"OR (tasks.lead_id IS NOT NULL AND {under('tasks', 'leads', 'lead_id')}) "
                      f"OR (tasks.customer_id IS NOT NULL AND {own_customer('tasks')})))"),
        HOOKS: [("salescli_rep_read", "SELECT", REP, rep_here, None), *others],
        OUTBOX: [("salescli_rep_read", "SELECT", REP, f"event_outbox.rep = {handle}", None),
                 ("salescli_rep_append", "INSERT", REP, None, f"event_outbox.rep = {handle}"), *others],
        # append-only: SELECT and INSERT policies only (and no UPDATE/DELETE grant for anyone); a rep or manager
        # writes rows in their own name only, the administrator (acting for a rep with --rep) in any
        AUDIT: [("salescli_rep_read", "SELECT", REP, audit_mine, None),
                ("salescli_rep_append", "INSERT", REP, None, audit_mine),
                ("salescli_manager_read", "SELECT", MANAGER, mgr, None),
                ("salescli_manager_append", "INSERT", MANAGER, None, f"({mgr} AND {audit_mine})"),
                ("salescli_admin_read", "SELECT", owner, "true", None),
                ("salescli_admin_append", "INSERT", owner, None, "true")],
    }
    for table, extra in _survey_policies(s).items():
        policies[table] = [*policies.get(table, []), *extra]
    return policies


def _survey_policies(s: str) -> dict[str, list[Policy]]:
    """The reply page's role (SURVEY): the one survey its transaction names by token, that survey's order number
    (and customer's name, for the event), the two team settings the page shows, the answer's audit entry and its
    "survey.answered" events. An answer is written once, within the score ranges and the comment's length (the
    database holds the page's rules too)."""
    from salescli.domain import fields

    named = f"pg_catalog.current_setting('{SURVEY_TOKEN}', true)"
    token = f"surveys.token = {named}"
    answer = (f"{token} AND surveys.status = 'responded' AND surveys.responded_at IS NOT NULL "
              "AND (surveys.nps IS NOT NULL OR surveys.csat IS NOT NULL) "
              "AND (surveys.nps IS NULL OR surveys.nps BETWEEN 0 AND 10) "
              "AND (surveys.csat IS NULL OR surveys.csat BETWEEN 1 AND 5) "
              f"AND (surveys.comment IS NULL OR char_length(surveys.comment) <= {fields.length('surveys', 'comment')})")
    this_survey = f"(SELECT s.id::text FROM {s}.surveys s WHERE s.token = {named})"
    event = ("event_outbox.rep IS NULL AND event_outbox.entity = 'survey' AND event_outbox.event = 'survey.answered' "
             f"AND event_outbox.status = 'pending' AND event_outbox.entity_id = {this_survey}")
    entry = (f"audit_log.rep IS NULL AND audit_log.entity = 'survey' AND audit_log.action = 'response' "
             f"AND audit_log.entity_id = {this_survey}")
    return {
        "surveys": [("salescli_survey_read", "SELECT", SURVEY, token, None),
                    ("salescli_survey_answer", "UPDATE", SURVEY, f"{token} AND surveys.status <> 'responded'",
                     answer)],
        "orders": [("salescli_survey_read", "SELECT", SURVEY,
                    f"EXISTS (SELECT 1 FROM {s}.surveys s WHERE s.order_id = orders.id AND s.token = {named})",
                    None)],
        "customers": [("salescli_survey_read", "SELECT", SURVEY,
                       f"EXISTS (SELECT 1 FROM {s}.surveys s WHERE s.customer_id = customers.id AND s.token = {named})",
                       None)],
        "team_settings": [("salescli_survey_read", "SELECT", SURVEY,
                           "team_settings.key IN ('company_name', 'survey_language')", None)],
        "hooks": [("salescli_survey_read", "SELECT", SURVEY, "hooks.active", None)],
        "event_outbox": [("salescli_survey_read", "SELECT", SURVEY, event, None),
                         ("salescli_survey_append", "INSERT", SURVEY, None, event)],
        AUDIT: [("salescli_survey_read", "SELECT", SURVEY, entry, None),
                ("salescli_survey_append", "INSERT", SURVEY, None, entry)],
    }


def _functions(s: str, reps_literal: str) -> list[str]:
    """The helper functions (SECURITY DEFINER ones pin search_path and qualify every name). The three the policies
    call are PARALLEL RESTRICTED: left PARALLEL UNSAFE (the default) they kept every query that reads a table with
    row security from running in parallel (a manager's KPI report took 1.3x as long as a superuser's: measured);
    restricted, their InitPlans run once in the leader and the scans still run in parallel."""
    owner_oid = f"(SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = {reps_literal}::regclass)"
    definer = "SECURITY DEFINER SET search_path = pg_catalog, pg_temp"
    from salescli.domain.pipeline import CONTRACT, QUOTE
    from salescli.settings import KEYS

    def moves(machine: Any) -> str:
        return ", ".join(f"('{a}', '{b}')" for a in machine.order for b in sorted(machine.edges.get(a, ())))

    quote_moves, contract_moves = moves(QUOTE), moves(CONTRACT)

    def team_policy(key: str) -> str:
        """The team's value of a percentage setting as numeric: the stored one, else salescli's default."""
        default = str(KEYS[key].default)
        assert re.fullmatch(r"\d+(\.\d+)?", default)
        return f"COALESCE((SELECT value FROM {s}.team_settings WHERE key = '{key}'), '{default}')::numeric"

    def priced(row: str) -> str:
        return ", ".join(f"{row}.{column}" for column in QUOTE_PRICED)

    helper = f"LANGUAGE sql STABLE PARALLEL RESTRICTED {definer}"
    either = "CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END"  # what a row trigger for any operation returns

    def trigger(name: str, *, body: str, declare: str = "", managers: str = "NEW") -> str:
        """A trigger function holding a rule for everyone but a manager or the administrator (who get ``managers``
        back at once): ``body`` (PL/pgSQL statements), with ``declare``'s variables."""
        return f"""CREATE OR REPLACE FUNCTION {s}.{name}() RETURNS trigger
            LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
            AS $$
            {f"DECLARE {declare}" if declare else ""}
            BEGIN
                IF {s}.salescli_is_manager() THEN
                    RETURN {managers};
                END IF;
                {body}
            END $$"""

    return [
        f"""CREATE OR REPLACE FUNCTION {s}.salescli_rep_id() RETURNS integer
            {helper}
            AS $$ SELECT id FROM {s}.reps WHERE login = session_user::text AND active $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.salescli_rep_handle() RETURNS text
            {helper}
            AS $$ SELECT handle::text FROM {s}.reps WHERE login = session_user::text AND active $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.salescli_is_manager() RETURNS boolean
            {helper}
            AS $$ SELECT pg_catalog.pg_has_role(session_user, {owner_oid}, 'MEMBER')
                      OR EXISTS (SELECT 1 FROM {s}.reps
                                 WHERE login = session_user::text AND active AND role = 'manager') $$""",
        # A rep never changes a record's owner: only a manager gives a record to someone (or to nobody); a rep may
        # claim a record nobody owns. Row security sees only the new row, so this compares old and new.
        f"""CREATE OR REPLACE FUNCTION {s}.salescli_guard_owner() RETURNS trigger
            LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
            AS $$
            BEGIN
                IF NOT {s}.salescli_is_manager()
                   AND NOT (OLD.owner_id IS NULL AND NEW.owner_id = {s}.salescli_rep_id()) THEN
                    RAISE EXCEPTION 'only a manager can give a record to another rep (%% %%)', TG_TABLE_NAME, OLD.id
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
                RETURN NEW;
            END $$""",
        # Quotes (see the module docstring): approvals are a manager's; a rep's quote moves only as the state
        # machine allows, and its prices stay as they were approved or sent.
        trigger("salescli_guard_quote", body=f"""
                IF TG_OP = 'INSERT' THEN
                    IF NEW.status IS DISTINCT FROM 'draft' OR NEW.approved_by IS NOT NULL
                       OR NEW.approved_at IS NOT NULL THEN
                        RAISE EXCEPTION 'quote %% starts as a draft without approval: only a manager approves a quote',
                            NEW.number USING ERRCODE = 'insufficient_privilege';
                    END IF;
                    RETURN NEW;
                END IF;
                IF ROW(NEW.needs_approval, NEW.approval_reason, NEW.approved_by, NEW.approved_at)
                   IS DISTINCT FROM ROW(OLD.needs_approval, OLD.approval_reason, OLD.approved_by, OLD.approved_at) THEN
                    RAISE EXCEPTION 'only a manager approves a quote or changes its approval (quote %% revision %%)',
                        OLD.number, OLD.revision USING ERRCODE = 'insufficient_privilege';
                END IF;
                IF NEW.status IS DISTINCT FROM OLD.status THEN
                    IF (OLD.status::text, NEW.status::text) NOT IN ({quote_moves}) THEN
                        RAISE EXCEPTION 'quote %% revision %% cannot go from %% to %%', OLD.number, OLD.revision,
                            OLD.status, NEW.status USING ERRCODE = 'insufficient_privilege';
                    END IF;
                    IF OLD.status = 'draft' AND NEW.status IN ('sent', 'accepted') AND NEW.needs_approval
                       AND NEW.approved_by IS NULL THEN
                        RAISE EXCEPTION 'quote %% needs a manager''s approval before it is sent', OLD.number
                            USING ERRCODE = 'insufficient_privilege';
                    END IF;
                END IF;
                IF (OLD.status <> 'draft' OR OLD.approved_by IS NOT NULL)
                   AND ROW({priced('NEW')}) IS DISTINCT FROM ROW({priced('OLD')}) THEN
                    RAISE EXCEPTION 'quote %% revision %% is %%: its prices cannot change (revise it)', OLD.number,
                        OLD.revision, CASE WHEN OLD.status = 'draft' THEN 'approved' ELSE OLD.status END
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
                RETURN NEW;
            """),
        trigger("salescli_guard_quote_lines", declare="ids integer[]; q record;", managers=either, body=f"""
                IF TG_OP = 'INSERT' THEN
                    ids := ARRAY[NEW.quote_id];
                ELSIF TG_OP = 'UPDATE' THEN
                    ids := ARRAY[NEW.quote_id, OLD.quote_id];
                ELSE
                    ids := ARRAY[OLD.quote_id];
                END IF;
                FOR q IN SELECT number, revision, status, approved_by FROM {s}.quotes WHERE id = ANY(ids) LOOP
                    IF q.status <> 'draft' OR q.approved_by IS NOT NULL THEN
                        RAISE EXCEPTION 'quote %% revision %% is %%: its lines cannot change (revise it)', q.number,
                            q.revision, CASE WHEN q.status = 'draft' THEN 'approved' ELSE q.status END
                            USING ERRCODE = 'insufficient_privilege';
                    END IF;
                END LOOP;
                RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
            """),
        # A rep's quote is judged by the database at commit (a deferred constraint trigger, so the lines written after
        # the quote count): its totals are its lines' totals in PRODUCT.md's order (half-up at each step), each line's
        # list price and cost are the catalog's (or what an earlier revision of the quote offered), and a quote
        # outside the team's policy (team_settings, at the time it is priced) is marked as needing approval. The
        # comparison leans the client's way by half a unit in the last place salescli rounds to (0.01 points), so
        # the database never refuses what domain/pricing.approval_reasons let through.
        f"""CREATE OR REPLACE FUNCTION {s}.salescli_judge_quote(p_quote integer) RETURNS void
            LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
            AS $$
            DECLARE
                q record;
                t record;
                discount numeric;
                net numeric;
                tax numeric;
                max_discount numeric;
                min_margin numeric;
            BEGIN
                SELECT * INTO q FROM {s}.quotes WHERE id = p_quote;
                IF NOT FOUND THEN
                    RETURN;
                END IF;
                SELECT COALESCE(sum(l.net_minor), 0) AS subtotal,
                       COALESCE(sum(l.qty::numeric * l.list_price_minor), 0) AS list,
                       COALESCE(sum(l.qty::numeric * l.unit_cost_minor), 0) AS cost,
                       COALESCE(bool_or(l.net_minor::numeric IS DISTINCT FROM round(
                           l.qty::numeric * l.unit_price_minor * (10000 - l.line_discount_bp) / 10000)), false)
                           AS misnetted
                  INTO t FROM {s}.quote_lines l WHERE l.quote_id = p_quote;
                discount := round(t.subtotal * q.discount_bp / 10000);
                net := t.subtotal - discount;
                tax := round(net * q.tax_rate_bp / 10000);
                IF t.misnetted OR ROW(q.subtotal_minor::numeric, q.discount_minor::numeric, q.net_minor::numeric,
                                      q.tax_minor::numeric, q.total_minor::numeric, q.list_minor::numeric,
                                      q.cost_minor::numeric)
                                  IS DISTINCT FROM ROW(t.subtotal, discount, net, tax, net + tax, t.list, t.cost) THEN
                    RAISE EXCEPTION 'quote %% revision %%: its amounts are not what its lines add up to', q.number,
                        q.revision USING ERRCODE = 'check_violation';
                END IF;
                IF EXISTS (SELECT 1 FROM {s}.quote_lines l WHERE l.quote_id = p_quote
                           AND NOT EXISTS (SELECT 1 FROM {s}.products p WHERE p.sku = l.sku
                                           AND p.price_minor = l.list_price_minor AND p.cost_minor = l.unit_cost_minor)
                           AND NOT EXISTS (SELECT 1 FROM {s}.quote_lines o JOIN {s}.quotes r ON r.id = o.quote_id
                                           WHERE r.number = q.number AND r.revision < q.revision AND o.sku = l.sku
                                           AND o.list_price_minor = l.list_price_minor
                                           AND o.unit_cost_minor = l.unit_cost_minor)) THEN
                    RAISE EXCEPTION 'quote %% revision %%: a line''s list price or cost is not the catalog''s',
                        q.number, q.revision USING ERRCODE = 'check_violation';
                END IF;
                IF q.needs_approval THEN
                    RETURN;
                END IF;
                max_discount := {team_policy("max_discount")};
                min_margin := {team_policy("min_margin")};
                IF (t.list > 0 AND (t.list - net) * 100000 > (max_discount * 1000 + 5) * t.list)
                   OR (net > 0 AND (net - t.cost) * 100000 < (min_margin * 1000 - 5) * net) THEN
                    RAISE EXCEPTION 'quote %% revision %% is outside the team''s policy (max discount %%, min margin '
                                    '%%): it must wait for a manager''s approval', q.number, q.revision,
                        max_discount || '%%', min_margin || '%%' USING ERRCODE = 'check_violation';
                END IF;
            END $$""",
        trigger("salescli_check_quote", managers="NULL", body=f"""
                IF TG_TABLE_NAME = 'quotes' THEN
                    PERFORM {s}.salescli_judge_quote(NEW.id);
                ELSE
                    IF TG_OP <> 'DELETE' THEN
                        PERFORM {s}.salescli_judge_quote(NEW.quote_id);
                    END IF;
                    IF TG_OP <> 'INSERT' AND (TG_OP = 'DELETE' OR OLD.quote_id <> NEW.quote_id) THEN
                        PERFORM {s}.salescli_judge_quote(OLD.quote_id);
                    END IF;
                END IF;
                RETURN NULL;
            """),
        # Contracts (PRODUCT.md: "lines and amounts copied and frozen"): a rep's contract is made as a draft from an
        # accepted quote of its deal with the quote's amounts; afterwards only its status moves (as the contract
        # machine allows) with when and by whom it was signed or closed, each set once.
        trigger("salescli_guard_contract", declare="q record;", body=f"""
                IF TG_OP = 'INSERT' THEN
                    SELECT * INTO q FROM {s}.quotes WHERE id = NEW.quote_id;
                    IF NOT FOUND OR q.status <> 'accepted' OR q.deal_id IS DISTINCT FROM NEW.deal_id THEN
                        RAISE EXCEPTION 'contract %% needs an accepted quote of its deal', NEW.number
                            USING ERRCODE = 'insufficient_privilege';
                    END IF;
                    IF NEW.status IS DISTINCT FROM 'draft' OR NEW.signed_at IS NOT NULL OR NEW.signed_by IS NOT NULL
                       OR NEW.closed_at IS NOT NULL THEN
                        RAISE EXCEPTION 'contract %% starts as an unsigned draft', NEW.number
                            USING ERRCODE = 'insufficient_privilege';
                    END IF;
                    IF ROW(NEW.currency, NEW.discount_bp, NEW.tax_rate_bp, NEW.subtotal_minor, NEW.discount_minor,
                           NEW.net_minor, NEW.tax_minor, NEW.total_minor)
                       IS DISTINCT FROM ROW(q.currency, q.discount_bp, q.tax_rate_bp, q.subtotal_minor,
                                            q.discount_minor, q.net_minor, q.tax_minor, q.total_minor)
                       OR NEW.units IS DISTINCT FROM (SELECT COALESCE(sum(l.qty), 0) FROM {s}.quote_lines l
                                                      WHERE l.quote_id = q.id) THEN
                        RAISE EXCEPTION 'contract %%: its amounts are those of quote %% revision %%', NEW.number,
                            q.number, q.revision USING ERRCODE = 'insufficient_privilege';
                    END IF;
                    RETURN NEW;
                END IF;
                IF (pg_catalog.to_jsonb(NEW) - '{{status,signed_at,signed_by,closed_at}}'::text[])
                   IS DISTINCT FROM (pg_catalog.to_jsonb(OLD) - '{{status,signed_at,signed_by,closed_at}}'::text[]) THEN
                    RAISE EXCEPTION 'contract %% is copied from its quote and frozen: only its status moves',
                        OLD.number USING ERRCODE = 'insufficient_privilege';
                END IF;
                IF NEW.status IS DISTINCT FROM OLD.status
                   AND (OLD.status::text, NEW.status::text) NOT IN ({contract_moves}) THEN
                    RAISE EXCEPTION 'contract %% cannot go from %% to %%', OLD.number, OLD.status, NEW.status
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
                IF (OLD.signed_at IS NOT NULL AND ROW(NEW.signed_at, NEW.signed_by)
                                                  IS DISTINCT FROM ROW(OLD.signed_at, OLD.signed_by))
                   OR (OLD.closed_at IS NOT NULL AND NEW.closed_at IS DISTINCT FROM OLD.closed_at) THEN
                    RAISE EXCEPTION 'contract %%: when and by whom it was signed or closed does not change',
                        OLD.number USING ERRCODE = 'insufficient_privilege';
                END IF;
                RETURN NEW;
            """),
        # A rep's contract lines: added only to a draft, each the line of the contract's quote at its position;
        # never changed or removed.
        trigger("salescli_guard_contract_lines", declare="k record;", managers=either, body=f"""
                IF TG_OP <> 'INSERT' THEN
                    RAISE EXCEPTION 'contract lines are copied from the quote and frozen (line %%)', OLD.id
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
                SELECT * INTO k FROM {s}.contracts WHERE id = NEW.contract_id;
                IF NOT FOUND OR k.status <> 'draft' OR NOT EXISTS (
                        SELECT 1 FROM {s}.quote_lines l WHERE l.quote_id = k.quote_id AND l.position = NEW.position
                        AND l.sku = NEW.sku AND l.qty = NEW.qty AND l.unit_price_minor = NEW.unit_price_minor
                        AND l.line_discount_bp = NEW.line_discount_bp AND l.net_minor = NEW.net_minor) THEN
                    RAISE EXCEPTION 'contract %%: a line is added only to a draft, as its quote''s line', k.number
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
                RETURN NEW;
            """),
        # At commit: a rep's contract has exactly its quote's lines (one each).
        trigger("salescli_check_contract", declare="k record; lines integer; positions integer;", managers="NULL",
                body=f"""
                IF TG_TABLE_NAME = 'contracts' THEN
                    SELECT * INTO k FROM {s}.contracts WHERE id = NEW.id;
                ELSE
                    SELECT * INTO k FROM {s}.contracts WHERE id = NEW.contract_id;
                END IF;
                IF NOT FOUND THEN
                    RETURN NULL;
                END IF;
                SELECT count(*), count(DISTINCT position) INTO lines, positions FROM {s}.contract_lines
                 WHERE contract_id = k.id;
                IF lines <> positions OR lines <> (SELECT count(*) FROM {s}.quote_lines WHERE quote_id = k.quote_id)
                THEN
                    RAISE EXCEPTION 'contract %%: its lines must be its quote''s lines, one each', k.number
                        USING ERRCODE = 'check_violation';
                END IF;
                RETURN NULL;
            """),
        # Rep logins, for a manager without CREATEROLE: create (or adopt) one, move it between the groups, disable
        # or enable it. Only a login attached to a rep of this database, never an administrator's role.
        f"""CREATE OR REPLACE FUNCTION {s}.salescli_login(p_action text, p_login text, p_group text,
                                                          p_verifier text) RETURNS void
            LANGUAGE plpgsql {definer}
            AS $$
            DECLARE
                target pg_catalog.pg_roles%%ROWTYPE;
                owner_oid oid := {owner_oid};
            BEGIN
                IF NOT {s}.salescli_is_manager() THEN
                    RAISE EXCEPTION 'managing logins needs a manager' USING ERRCODE = 'insufficient_privilege';
                END IF;
                IF p_action NOT IN ('create', 'group', 'disable', 'enable') THEN
                    RAISE EXCEPTION 'unknown action %%', p_action USING ERRCODE = 'invalid_parameter_value';
                END IF;
                IF p_action IN ('create', 'group') AND p_group IS DISTINCT FROM '{REP}'
                   AND p_group IS DISTINCT FROM '{MANAGER}' THEN
                    RAISE EXCEPTION 'unknown group %%', p_group USING ERRCODE = 'invalid_parameter_value';
                END IF;
                IF NOT EXISTS (SELECT 1 FROM {s}.reps r WHERE r.login = p_login) THEN
                    RAISE EXCEPTION 'login %% belongs to no rep of this database', p_login
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
                SELECT * INTO target FROM pg_catalog.pg_roles WHERE rolname = p_login;
                IF NOT FOUND THEN
                    IF p_action <> 'create' THEN
                        RAISE EXCEPTION 'no login role %%', p_login USING ERRCODE = 'undefined_object';
                    END IF;
                    IF p_login !~ '^[a-z0-9][a-z0-9._-]{{0,62}}$' OR p_login ~ '^(pg_|salescli_)' THEN
                        RAISE EXCEPTION 'login %% is not a safe login name', p_login
                            USING ERRCODE = 'invalid_parameter_value';
                    END IF;
                    EXECUTE format('CREATE ROLE %%I LOGIN PASSWORD %%L IN ROLE %%I', p_login, p_verifier, p_group);
                    RETURN;
                END IF;
                IF target.rolsuper OR target.rolcreaterole OR target.rolbypassrls OR target.rolreplication
                   OR pg_catalog.pg_has_role(target.oid, owner_oid, 'MEMBER') THEN
                    RAISE EXCEPTION 'login %% is an administrator''s role: salescli does not change it', p_login
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
                IF p_action = 'create' THEN
                    IF p_verifier IS NOT NULL THEN
                        RAISE EXCEPTION 'login %% already exists: its password is not changed here', p_login
                            USING ERRCODE = 'duplicate_object';
                    END IF;
                    IF NOT (pg_catalog.pg_has_role(target.oid, '{REP}', 'MEMBER')
                            OR pg_catalog.pg_has_role(target.oid, '{MANAGER}', 'MEMBER'))
                       AND NOT pg_catalog.pg_has_role(session_user, owner_oid, 'MEMBER') THEN
                        RAISE EXCEPTION 'login %% already exists and is not a salescli login: the administrator '
                                        'can add it', p_login USING ERRCODE = 'insufficient_privilege';
                    END IF;
                ELSIF NOT (pg_catalog.pg_has_role(target.oid, '{REP}', 'MEMBER')
                           OR pg_catalog.pg_has_role(target.oid, '{MANAGER}', 'MEMBER')) THEN
                    RAISE EXCEPTION 'login %% is not a salescli login', p_login
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
                IF p_action IN ('create', 'group') THEN
                    EXECUTE format('GRANT %%I TO %%I', p_group, p_login);
                    IF EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m
                               WHERE m.member = target.oid AND m.roleid = (SELECT oid FROM pg_catalog.pg_roles
                                   WHERE rolname = CASE p_group WHEN '{REP}' THEN '{MANAGER}' ELSE '{REP}' END)) THEN
                        EXECUTE format('REVOKE %%I FROM %%I',
                                       CASE p_group WHEN '{REP}' THEN '{MANAGER}' ELSE '{REP}' END, p_login);
                    END IF;
                ELSIF p_action = 'disable' THEN
                    EXECUTE format('ALTER ROLE %%I NOLOGIN', p_login);
                ELSE
                    EXECUTE format('ALTER ROLE %%I LOGIN', p_login);
                END IF;
            END $$""",
    ]


# -- set-up -----------------------------------------------------------------------------------------------------


def _run(conn: Connection, sql: str) -> None:
    """DDL with no parameters (the driver reads ``%`` as a placeholder: every ``%`` in ``sql`` is written ``%%``)."""
    conn.exec_driver_sql(sql)


def _create_group_role(conn: Connection, name: str, options: str, *, as_role: str | None = None) -> None:
    """CREATE ROLE for one of the cluster-wide group roles (``as_role``: created by that role). Group roles are
    shared by every team database on the server: another database's team init may create the same one at the same
    moment, and then it exists, which is all this needs (a savepoint keeps this transaction usable)."""
    from sqlalchemy import exc

    savepoint = conn.begin_nested()
    try:
        if as_role is not None:
            _run(conn, f"SET LOCAL ROLE {_quote(conn, as_role)}")
        _run(conn, f"CREATE ROLE {name} {options}")
        if as_role is not None:
            _run(conn, "RESET ROLE")
        savepoint.commit()
    except exc.DBAPIError as error:
        savepoint.rollback()  # also undoes SET LOCAL ROLE
        text = str(error.orig)
        if "already exists" not in text and "pg_authid_rolname_index" not in text:
            raise


def _quote(conn: Connection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


def require_postgres(conn: Connection, what: str) -> None:
    if conn.dialect.name != "postgresql":
        raise PolicyError(f"{what}: {_(SQLITE_SINGLE_USER)}")


def initialized(conn: Connection) -> bool:
    """Whether ``team init`` has run on this database: the tables belong to an owner role (the database's own, or
    the server-wide one of an earlier salescli, which ``apply`` replaces)."""
    if conn.dialect.name != "postgresql":
        return False
    return _is_owner_role(_table_owner(conn))


def _is_owner_role(name: str | None) -> bool:
    return name is not None and (name == LEGACY_OWNER or name.startswith(OWNER_PREFIX))


def _table_owner(conn: Connection) -> str | None:
    """The role owning this database's ``reps`` table (None: no salescli tables)."""
    return conn.exec_driver_sql(
        "SELECT r.rolname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_roles r ON r.oid = c.relowner "
        "WHERE c.oid = to_regclass('reps')").scalar()


def owner_role(conn: Connection) -> str | None:
    """This database's owner role once team mode is on (else None)."""
    owner = _table_owner(conn) if conn.dialect.name == "postgresql" else None
    return owner if _is_owner_role(owner) else None


def owner_name(database: str) -> str:
    """The owner role's name for a database: OWNER_PREFIX and the database's name when that is plain (lower-case
    letters, digits and '_', at most 48 bytes), else a readable part of it and 8 hex digits of its SHA-256 (so two
    names never meet by chance); at most 63 bytes, PostgreSQL's limit, and never in need of quoting."""
    if re.fullmatch(r"[a-z0-9_]{1,48}", database):
        return OWNER_PREFIX + database
    import hashlib

    readable = re.sub(r"[^a-z0-9_]+", "_", database.lower()).strip("_")[:39]
    digest = hashlib.sha256(database.encode()).hexdigest()[:8]
    return f"{OWNER_PREFIX}{readable}_{digest}" if readable else f"{OWNER_PREFIX}{digest}"


def _elsewhere(conn: Connection, role: str) -> bool:
    """Whether ``role`` holds anything outside this database: objects owned, privileges or policies in another
    database (pg_shdepend), a shared object other than this database, or membership in another role. An owner role
    holding any of these is not this database's alone: ``apply`` moves the tables to a fresh one."""
    return bool(conn.exec_driver_sql(
        "WITH here AS (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) "
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_shdepend d, here "
        "WHERE d.refclassid = 'pg_catalog.pg_authid'::regclass AND d.refobjid = to_regrole(%(r)s) "
        "AND d.dbid <> here.oid AND NOT (d.dbid = 0 AND d.classid = 'pg_catalog.pg_database'::regclass "
        "AND d.objid = here.oid)) "
        "OR EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m WHERE m.member = to_regrole(%(r)s))",
        {"r": role}).scalar())


def _fresh_owner_name(conn: Connection) -> str:
    """A name for a new owner role of this database: ``owner_name``, or with ``_2``, ``_3``... when a role of that
    name exists already (an existing role is never taken over: its members would become this database's
    administrators)."""
    base = owner_name(str(conn.exec_driver_sql("SELECT pg_catalog.current_database()").scalar()))
    name, n = base, 1
    while role_exists(conn, name):
        n += 1
        name = f"{base[:LOGIN_LEN - len(str(n)) - 1]}_{n}"
    return name


def _ensure_owner(conn: Connection) -> tuple[str, str | None]:
    """The database's own owner role: the one owning the tables when it is this database's alone, else a new one
    (first ``team init``; a database of an earlier salescli, owned by the server-wide salescli_owner; a copy sharing
    its owner role with another database), the session's login made its member. Returns (owner, the role it
    replaces or None). Creating a role needs CREATEROLE: the login's own, or that of the role owning the tables
    now (the earlier salescli_owner has it), which the login is a member of."""
    current = _table_owner(conn)
    if current is not None and current.startswith(OWNER_PREFIX) and not _elsewhere(conn, current):
        return current, None
    login, superuser, createrole = conn.exec_driver_sql(
        "SELECT rolname, rolsuper, rolcreaterole FROM pg_catalog.pg_roles WHERE rolname = session_user").one()
    via = None
    if not (superuser or createrole):
        can = current is not None and conn.exec_driver_sql(
            "SELECT rolcreaterole AND pg_catalog.pg_has_role(session_user, oid, 'MEMBER') FROM pg_catalog.pg_roles "
            "WHERE rolname = %(r)s", {"r": current}).scalar()
        if not can:
            raise PolicyError(_("team mode gives this database its own owner role: log in as a role with CREATEROLE "
                                "(or a superuser); {login} has neither").format(login=login))
        via = current
    name = _fresh_owner_name(conn)
    if via is not None:  # (an error aborts the transaction, and with it SET LOCAL)
        _run(conn, f"SET LOCAL ROLE {_quote(conn, via)}")
    _run(conn, f"CREATE ROLE {_quote(conn, name)} NOLOGIN CREATEROLE")
    if not superuser:
        _run(conn, f"GRANT {_quote(conn, name)} TO {_quote(conn, login)}")
    # The database's own owner stays its administrator when it was one (a member of the role owning the tables),
    # also when a superuser moves the database: nobody else of the old role comes along (its other members
    # administer other databases).
    keeper = conn.exec_driver_sql(
        "SELECT r.rolname FROM pg_catalog.pg_database d JOIN pg_catalog.pg_roles r ON r.oid = d.datdba "
        "WHERE d.datname = pg_catalog.current_database() AND r.rolcanlogin AND NOT r.rolsuper "
        "AND r.rolname <> session_user AND to_regrole(%(current)s::text) IS NOT NULL "
        "AND pg_catalog.pg_has_role(r.oid, to_regrole(%(current)s::text), 'MEMBER')",
        {"current": current}).scalar() if current is not None else None
    if keeper is not None:
        _run(conn, f"GRANT {_quote(conn, name)} TO {_quote(conn, keeper)}")
    if via is not None:
        _run(conn, "RESET ROLE")
    return name, current if _is_owner_role(current) else None


def _tables(conn: Connection) -> list[str]:
    """salescli's tables present in the current schema (the model's, plus alembic_version)."""
    present = set(conn.exec_driver_sql(
        "SELECT relname FROM pg_catalog.pg_class WHERE relnamespace = current_schema()::regnamespace "
        "AND relkind IN ('r', 'p')").scalars())
    return [name for name in [*models.metadata.tables, "alembic_version"] if name in present]


def init(conn: Connection) -> dict[str, Any]:
    """``team init``: the group roles (if missing), then ``apply`` (which gives the database its own owner role,
    this login a member of it). Run by the database's owner (who created its tables) or a superuser; creating roles
    needs CREATEROLE. One transaction: all of it or nothing."""
    require_postgres(conn, "team init")
    login, superuser, createrole, owns = conn.exec_driver_sql(
        "SELECT session_user, r.rolsuper, r.rolcreaterole, "
        "pg_catalog.pg_has_role(session_user, c.relowner, 'MEMBER') "
        "FROM pg_catalog.pg_roles r, pg_catalog.pg_class c "
        "WHERE r.rolname = session_user AND c.oid = to_regclass('reps')").one()
    if not owns:
        raise PolicyError(_("team init is run by the database's administrator (the login that owns its tables, or a "
                            "superuser); you are logged in as {login}").format(login=login))
    existing = set(conn.exec_driver_sql("SELECT rolname FROM pg_catalog.pg_roles WHERE rolname = ANY(%(names)s)",
                                        {"names": list(GROUPS)}).scalars())
    missing = [name for name in GROUPS if name not in existing]
    if missing and not (superuser or createrole):
        raise PolicyError(_("team init creates the roles {roles}: log in as a role with CREATEROLE "
                            "(or a superuser); {login} has neither").format(roles=", ".join(missing), login=login))
    if REP not in existing:
        _create_group_role(conn, REP, "NOLOGIN")
    if MANAGER not in existing:
        _create_group_role(conn, MANAGER, "NOLOGIN")
    elif conn.exec_driver_sql(  # an earlier salescli made managers members of salescli_rep
            "SELECT 1 FROM pg_catalog.pg_auth_members WHERE roleid = to_regrole(%(rep)s) "
            "AND member = to_regrole(%(manager)s)", {"rep": REP, "manager": MANAGER}).first():
        _run(conn, f"REVOKE {REP} FROM {MANAGER}")
    summary = apply(conn)
    created = [*missing, summary["owner"]] if summary["created_owner"] else missing
    return {"login": login, "created_roles": created, **summary}


def apply(conn: Connection) -> dict[str, Any]:
    """Owner, grants, row security, policies, triggers and helper functions: idempotent (run it again after any
    migration). The caller is the administrator (a member of the role owning the tables, or a superuser).
    Returns the tables, how many have row security, the owner role, whether it was created, and the owner role it
    replaced (the server-wide salescli_owner of an earlier salescli, or one shared with another database)."""
    require_postgres(conn, "team mode")
    schema = conn.exec_driver_sql("SELECT current_schema()").scalar()
    if not schema or "'" in schema:
        raise PolicyError(_("team mode: unusable schema {schema!r}").format(schema=schema))
    s = _quote(conn, schema)
    reps_literal = "'" + f"{s}.reps" + "'"
    tables = _tables(conn)
    if "reps" not in tables:
        raise PolicyError(_("team mode: this database has no salescli tables yet"))
    owner_role_name, replaced = _ensure_owner(conn)
    created_owner = _table_owner(conn) != owner_role_name
    owner = _quote(conn, owner_role_name)
    if not conn.exec_driver_sql("SELECT rolcreaterole FROM pg_catalog.pg_roles WHERE rolname = %(o)s",
                                {"o": owner_role_name}).scalar() and conn.exec_driver_sql(
            "SELECT rolsuper OR rolcreaterole FROM pg_catalog.pg_roles WHERE rolname = session_user").scalar():
        _run(conn, f"ALTER ROLE {owner} CREATEROLE")  # a role restored without it
    if not conn.exec_driver_sql("SELECT has_schema_privilege(%(owner)s, current_schema(), 'CREATE')",
                                {"owner": owner_role_name}).scalar():
        _run(conn, f"GRANT USAGE, CREATE ON SCHEMA {s} TO {owner}")
        if not conn.exec_driver_sql("SELECT has_schema_privilege(%(owner)s, current_schema(), 'CREATE')",
                                    {"owner": owner_role_name}).scalar():  # GRANT without the right only warns
            raise PolicyError(_("team mode: the role {owner} must be allowed to create in schema {schema} to own its "
                                "tables; run this as the schema's owner (the database's owner) or a superuser").format(
                owner=owner_role_name, schema=schema))

    for table in tables:  # tables (and the sequences they own) belong to the role nobody logs in as
        _run(conn, f"ALTER TABLE {s}.{_quote(conn, table)} OWNER TO {owner}")
    for (sequence,) in conn.exec_driver_sql(
            "SELECT c.relname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_roles r ON r.oid = c.relowner "
            "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'S' "
            "AND r.rolname <> %(owner)s", {"owner": owner_role_name}):
        _run(conn, f"ALTER SEQUENCE {s}.{_quote(conn, sequence)} OWNER TO {owner}")
    for (function,) in conn.exec_driver_sql(  # salescli's functions (migration 0010's too), by their signatures
            "SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p "
            "JOIN pg_catalog.pg_roles r ON r.oid = p.proowner "
            "WHERE p.pronamespace = current_schema()::regnamespace AND p.proname LIKE 'salescli\\_%%' "
            "AND r.rolname <> %(owner)s", {"owner": owner_role_name}):
        _run(conn, f"ALTER FUNCTION {function} OWNER TO {owner}")
    if replaced is not None:  # the role owning the tables before keeps nothing here
        _run(conn, f"REVOKE ALL ON SCHEMA {s} FROM {_quote(conn, replaced)}")

    for statement in _functions(s, reps_literal):
        _run(conn, statement)
    for signature in ("salescli_rep_id()", "salescli_rep_handle()", "salescli_is_manager()",
                      "salescli_guard_owner()", "salescli_judge_quote(integer)",
                      *(f"{name}()" for name, _events in GUARDED.values()),
                      *{f"{function}()" for _name, _events, function in CHECKED.values()},
                      "salescli_login(text, text, text, text)"):
        _run(conn, f"ALTER FUNCTION {s}.{signature} OWNER TO {owner}")
    _run(conn, f"REVOKE ALL ON FUNCTION {s}.salescli_login(text, text, text, text) FROM PUBLIC")
    _run(conn, f"GRANT EXECUTE ON FUNCTION {s}.salescli_login(text, text, text, text) TO {MANAGER}")
    # document numbers: through the function only (migration 0010); its commit-time check is no one's to call
    _run(conn, f"REVOKE ALL ON FUNCTION {s}.{NEXT_NUMBER} FROM PUBLIC")
    _run(conn, f"GRANT EXECUTE ON FUNCTION {s}.{NEXT_NUMBER} TO {REP}, {MANAGER}")
    _run(conn, f"REVOKE ALL ON FUNCTION {s}.salescli_check_number() FROM PUBLIC")

    _ensure_survey_role(conn, owner_role_name)
    for table in tables:
        _grant(conn, s, table, owner)
    policies = _policies(s, owner)
    protected = 0
    for table in tables:
        q = f"{s}.{_quote(conn, table)}"
        if table in NO_ROW_SECURITY:
            _run(conn, f"ALTER TABLE {q} DISABLE ROW LEVEL SECURITY")
            _run(conn, f"ALTER TABLE {q} NO FORCE ROW LEVEL SECURITY")
            continue
        _run(conn, f"ALTER TABLE {q} ENABLE ROW LEVEL SECURITY")
        _run(conn, f"ALTER TABLE {q} {'NO FORCE' if table in NOT_FORCED else 'FORCE'} ROW LEVEL SECURITY")
        for (name,) in conn.exec_driver_sql(  # ours only (salescli_*): an administrator's own policies stay
                "SELECT polname FROM pg_catalog.pg_policy WHERE polrelid = %(t)s::regclass "
                "AND polname LIKE 'salescli\\_%%'", {"t": f"{s}.{_quote(conn, table)}"}):
            _run(conn, f"DROP POLICY IF EXISTS {_quote(conn, name)} ON {q}")
        for name, command, role, using, check in policies.get(table, []):  # a table not listed: no rows for anyone
            _run(conn, f"CREATE POLICY {name} ON {q} AS PERMISSIVE FOR {command} TO {role}"
                       + (f" USING ({using})" if using else "") + (f" WITH CHECK ({check})" if check else ""))
        protected += 1
        if table in OWNED:
            _run(conn, f"CREATE OR REPLACE TRIGGER salescli_guard_owner BEFORE UPDATE OF owner_id ON {q} "
                       "FOR EACH ROW WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id) "
                       f"EXECUTE FUNCTION {s}.salescli_guard_owner()")
        if table in GUARDED:  # the trigger is named as its function
            name, events = GUARDED[table]
            _run(conn, f"CREATE OR REPLACE TRIGGER {name} BEFORE {events} ON {q} "
                       f"FOR EACH ROW EXECUTE FUNCTION {s}.{name}()")
        if table in CHECKED:  # constraint triggers have no OR REPLACE
            name, events, function = CHECKED[table]
            _run(conn, f"DROP TRIGGER IF EXISTS {name} ON {q}")
            _run(conn, f"CREATE CONSTRAINT TRIGGER {name} AFTER {events} ON {q} DEFERRABLE INITIALLY DEFERRED "
                       f"FOR EACH ROW EXECUTE FUNCTION {s}.{function}()")
    return {"tables": len(tables), "row_security": protected, "owner": owner_role_name,
            "created_owner": created_owner, "replaced": replaced}


def _grant(conn: Connection, s: str, table: str, owner: str) -> None:
    """Reset one table's grants to the plan (REVOKE from everyone salescli grants to, then GRANT); ``owner``: the
    quoted owner role."""
    q = f"{s}.{_quote(conn, table)}"
    _run(conn, f"REVOKE ALL ON {q} FROM PUBLIC, {REP}, {MANAGER}, {SURVEY}")
    sequences = list(_sequences(conn, s, table))
    for sequence in sequences:
        _run(conn, f"REVOKE ALL ON SEQUENCE {sequence} FROM PUBLIC, {REP}, {MANAGER}, {SURVEY}")
    if table in PUBLIC_READ:
        _run(conn, f"GRANT SELECT ON {q} TO PUBLIC")
    for privilege in SURVEY_GRANTS.get(table, ()):
        _run(conn, f"GRANT {privilege} ON {q} TO {SURVEY}")
        if privilege.startswith("INSERT"):
            for sequence in sequences:
                _run(conn, f"GRANT USAGE ON SEQUENCE {sequence} TO {SURVEY}")
    if table in (HOOKS, OUTBOX):
        _run(conn, f"GRANT SELECT{'' if table == OUTBOX else f' ({HOOK_COLUMNS_FOR_REPS})'} ON {q} TO {REP}")
        _run(conn, f"GRANT SELECT, INSERT, UPDATE, DELETE ON {q} TO {MANAGER}")
        if table == OUTBOX:
            _run(conn, f"GRANT INSERT ON {q} TO {REP}")
        for sequence in sequences:
            _run(conn, f"GRANT USAGE ON SEQUENCE {sequence} TO {REP if table == OUTBOX else ''}"
                       f"{', ' if table == OUTBOX else ''}{MANAGER}")
        return
    if table not in {*REP_WRITES, *MANAGER_WRITES, COUNTERS, AUDIT, *PUBLIC_READ, SEARCH_INDEX}:
        return  # a table this version does not know: only its owner until salescli knows what it holds
    both = f"{REP}, {MANAGER}"  # a manager is no member of salescli_rep (see _policies): granted alike
    _run(conn, f"GRANT SELECT ON {q} TO {both}")
    writers = None
    if table == COUNTERS:  # numbers are taken through salescli_next_number (SECURITY DEFINER): no grant at all
        _run(conn, f"REVOKE SELECT ON {q} FROM {both}")
        return
    if table in REP_WRITES:
        _run(conn, f"GRANT INSERT, UPDATE ON {q} TO {both}")
        writers = both
    elif table == AUDIT:
        _run(conn, f"GRANT INSERT ON {q} TO {both}")
        # append-only even for the owning role (and so the administrator); TRUNCATE ignores row security
        _run(conn, f"REVOKE UPDATE, DELETE, TRUNCATE ON {q} FROM {owner}")
        writers = both
    elif table in MANAGER_WRITES:
        _run(conn, f"GRANT {MANAGER_WRITES[table]} ON {q} TO {MANAGER}")
        writers = MANAGER
    elif table == SEARCH_INDEX:  # a record's row gains and loses terms: UPDATE too
        _run(conn, f"GRANT INSERT, UPDATE, DELETE ON {q} TO {both}")
    if writers is not None:
        for sequence in sequences:
            _run(conn, f"GRANT USAGE ON SEQUENCE {sequence} TO {writers}")


def _sequences(conn: Connection, s: str, table: str) -> Iterator[str]:
    """The sequences a table's columns take their defaults from (serial ids), quoted."""
    for (sequence,) in conn.exec_driver_sql(
            "SELECT pg_get_serial_sequence(%(t)s, a.attname) FROM pg_catalog.pg_attribute a "
            "WHERE a.attrelid = %(t)s::regclass AND a.attnum > 0 AND NOT a.attisdropped "
            "AND pg_get_serial_sequence(%(t)s, a.attname) IS NOT NULL", {"t": f"{s}.{_quote(conn, table)}"}):
        yield str(sequence)


def after_upgrade(conn: Connection) -> bool:
    """After migrations (store.py, in the migration's transaction): keep team mode current when it is on (new
    tables get their owner, grants and row security). Does nothing on SQLite, before ``team init``, or for a login
    that is not the administrator (who alone can migrate anyway). Returns whether anything was applied."""
    if conn.dialect.name != "postgresql" or not initialized(conn) or not is_administrator(conn):
        return False
    apply(conn)
    return True


def is_administrator(conn: Connection) -> bool:
    """Whether the session's login is the administrator: a member of the role owning the tables, or a superuser
    (the same test as authz.resolve)."""
    return bool(conn.exec_driver_sql(
        "SELECT pg_catalog.pg_has_role(session_user, c.relowner, 'MEMBER') FROM pg_catalog.pg_class c "
        "WHERE c.oid = to_regclass('reps')").scalar())


# -- the survey reply page's login --------------------------------------------------------------------------------


def _as_owner(conn: Connection, statement: str) -> None:
    """Role DDL run as the database's owner role (CREATEROLE), whichever administrator runs it: the group roles and
    the page's logins are then created and granted by the same role on every server version."""
    owner = owner_role(conn)
    assert owner is not None, "team mode is on"
    _run(conn, f"SET LOCAL ROLE {_quote(conn, owner)}")
    try:
        _run(conn, statement)
    finally:
        _run(conn, "RESET ROLE")


def _ensure_survey_role(conn: Connection, owner: str | None = None) -> None:
    if not role_exists(conn, SURVEY):
        _create_group_role(conn, SURVEY, "NOLOGIN", as_role=owner or owner_role(conn))


def survey_login(conn: Connection, login: str, *, verifier: str | None) -> bool:
    """``team survey-login``: the reply page's own login, a member of salescli_survey; an existing role that is no
    administrator's and no rep's is adopted as it is (its password unchanged). Returns whether it was created."""
    require_initialized(conn, "team survey-login")
    if not is_administrator(conn):
        who = conn.exec_driver_sql("SELECT session_user").scalar()
        raise PolicyError(_("team survey-login is run by the database's administrator; you are logged in as {login}")
                          .format(login=who))
    login = parse_login(login)
    other = login_in_use(conn, login)
    if other is not None:
        raise PolicyError(_("--login: {login} is rep {other}'s login; the reply page needs a login of its own").format(
            login=login, other=other))
    _ensure_survey_role(conn)
    row = conn.exec_driver_sql(
        "SELECT r.rolsuper OR r.rolcreaterole OR r.rolbypassrls OR r.rolreplication "
        "OR pg_catalog.pg_has_role(r.oid, c.relowner, 'MEMBER'), "
        "pg_catalog.pg_has_role(r.oid, %(rep)s, 'MEMBER') OR pg_catalog.pg_has_role(r.oid, %(manager)s, 'MEMBER') "
        "FROM pg_catalog.pg_roles r, pg_catalog.pg_class c WHERE r.rolname = %(l)s AND c.oid = to_regclass('reps')",
        {"l": login, "rep": REP, "manager": MANAGER}).first()
    if row is not None:
        privileged, rep_login = row
        if privileged:
            raise PolicyError(_("--login: {login} is an administrator's role; give the reply page a login of its "
                                "own").format(login=login))
        if rep_login:
            raise PolicyError(_("--login: {login} is a salescli rep's login; give the reply page a login of its "
                                "own").format(login=login))
        if verifier is not None:
            raise PolicyError(_("--login: the role {login} already exists: use --no-password (its password stays "
                                "as it is)").format(login=login))
        _as_owner(conn, f"GRANT {SURVEY} TO {_quote(conn, login)}")
        return False
    statement = conn.exec_driver_sql(
        "SELECT pg_catalog.format('CREATE ROLE %%I LOGIN' || CASE WHEN %(v)s::text IS NULL THEN '' "
        "ELSE ' PASSWORD ' || pg_catalog.quote_literal(%(v)s::text) END || ' IN ROLE %%I', %(l)s::text, %(g)s::text)",
        {"l": login, "v": verifier, "g": SURVEY}).scalar()
    _as_owner(conn, str(statement).replace("%", "%%"))
    return True


def reply_page_login(conn: Connection) -> tuple[str, str]:
    """Who ``survey serve`` connects as: (kind, login), kind one of ``page`` (a salescli_survey login), ``admin``,
    ``rep`` (a rep's or manager's login), ``other``; ``single`` off team mode (SQLite, or PostgreSQL before
    ``team init``)."""
    if not initialized(conn):
        return "single", ""
    login, admin, page, rep = conn.exec_driver_sql(
        "SELECT session_user, r.rolsuper OR pg_catalog.pg_has_role(session_user, c.relowner, 'MEMBER'), "
        "COALESCE(pg_catalog.pg_has_role(session_user, to_regrole(%(survey)s), 'MEMBER'), false), "
        "COALESCE(pg_catalog.pg_has_role(session_user, to_regrole(%(rep)s), 'MEMBER') "
        "OR pg_catalog.pg_has_role(session_user, to_regrole(%(manager)s), 'MEMBER'), false) "
        "FROM pg_catalog.pg_roles r, pg_catalog.pg_class c WHERE r.rolname = session_user "
        "AND c.oid = to_regclass('reps')", {"survey": SURVEY, "rep": REP, "manager": MANAGER}).one()
    kind = "admin" if admin else "page" if page else "rep" if rep else "other"
    return kind, str(login)


# -- rep logins -------------------------------------------------------------------------------------------------


def parse_login(text: str) -> str:
    """A login role name: 1-63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit; not
    PostgreSQL's (pg_*) or salescli's (salescli_*) own names."""
    login = text.strip()
    if not _LOGIN.match(login) or login.startswith(("pg_", "salescli_")) or login in _RESERVED:
        raise InputError(_("--login: {text!r} must be 1-{length} lower-case letters, digits, '.', '_' or '-', "
                           "starting with a letter or digit (not pg_* or salescli_*)").format(text=text,
                                                                                              length=LOGIN_LEN))
    return login


def require_initialized(conn: Connection, what: str) -> None:
    require_postgres(conn, what)
    if not initialized(conn):
        raise PolicyError(_("{what}: team mode is not set up on this database; its administrator runs "
                            "'salescli team init' first").format(what=what))


def role_exists(conn: Connection, login: str) -> bool:
    return conn.exec_driver_sql("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = %(l)s", {"l": login}).first() \
        is not None


def check_adoptable(conn: Connection, login: str) -> None:
    """An existing role may become a rep's login only if it is no administrator's, and (for a manager, not the
    administrator) only if it is a salescli login already (a rep of another salescli database on this server).
    The same rules as the database's salescli_login, said first in one line."""
    row = conn.exec_driver_sql(
        "SELECT r.rolsuper OR r.rolcreaterole OR r.rolbypassrls OR r.rolreplication "
        "OR pg_catalog.pg_has_role(r.oid, c.relowner, 'MEMBER'), "
        "pg_catalog.pg_has_role(r.oid, %(rep)s, 'MEMBER') OR pg_catalog.pg_has_role(r.oid, %(manager)s, 'MEMBER'), "
        "pg_catalog.pg_has_role(session_user, c.relowner, 'MEMBER') "
        "FROM pg_catalog.pg_roles r, pg_catalog.pg_class c WHERE r.rolname = %(l)s AND c.oid = to_regclass('reps')",
        {"l": login, "rep": REP, "manager": MANAGER}).first()
    if row is None:
        return
    privileged, salescli_login, administrator = row
    if privileged:
        raise PolicyError(_("--login: {login} is an administrator's role; give the rep a login of their own").format(
            login=login))
    if not salescli_login and not administrator:
        raise PolicyError(_("--login: the role {login} already exists and is not a salescli login; the "
                            "administrator can add it").format(login=login))


def login_in_use(conn: Connection, login: str) -> str | None:
    """The handle of the rep already using ``login``, or None."""
    return conn.execute(select(models.reps.c.handle).where(models.reps.c.login == login)).scalar()


def encrypt(conn: Connection, login: str, password: str) -> str:
    """The password's verifier, computed here (libpq's PQencryptPasswordConn, SCRAM-SHA-256 unless the server asks
    for md5): the clear text never reaches the server, its logs or pg_stat_activity."""
    algorithm = conn.exec_driver_sql("SHOW password_encryption").scalar() or "scram-sha-256"
    driver = conn.connection.driver_connection
    verifier = driver.pgconn.encrypt_password(password.encode(), login.encode(), str(algorithm).encode())  # type: ignore[union-attr]
    return bytes(verifier).decode("ascii")


def manage_login(conn: Connection, action: str, login: str, *, manager: bool | None = None,
                 verifier: str | None = None) -> None:
    """create | group | disable | enable, through the database's ``salescli_login`` (which checks again that the
    session is a manager's and that the login is a rep's of this database)."""
    group = None if manager is None else (MANAGER if manager else REP)
    conn.exec_driver_sql("SELECT salescli_login(%(a)s, %(l)s, %(g)s, %(v)s)",
                         {"a": action, "l": login, "g": group, "v": verifier})


def login_of(conn: Connection, handle: str) -> str | None:
    return conn.execute(select(models.reps.c.login).where(models.reps.c.handle == handle)).scalar()


# -- checks (team check; the meta-test asks the catalog the same questions independently) ------------------------


def problems(conn: Connection) -> list[str]:
    """What leaves a hole: a table with per-rep data (an owner column, or under a deal) without ENABLE and FORCE
    row security and a policy; a table reps may write without row security; tables owned by the server-wide
    salescli_owner of an earlier salescli, or by an owner role holding rights in another database too, or a table
    not owned by the database's owner role; UPDATE/DELETE granted on the audit log; the number function callable
    by anyone or not SECURITY DEFINER; a guard trigger missing."""
    require_initialized(conn, "team check")
    found: list[str] = []
    expected = _table_owner(conn)
    assert expected is not None
    if expected == LEGACY_OWNER:
        found.append(f"the tables are owned by {LEGACY_OWNER}, one role for every database on the server: "
                     "'salescli team init' gives this database its own owner role")
    elif _elsewhere(conn, expected):
        found.append(f"the owner role {expected} holds rights outside this database too (another database's "
                     "objects, or membership in a role): 'salescli team init' gives this database its own")
    rows = conn.exec_driver_sql(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
        "(SELECT count(*) FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid), r.rolname, "
        "has_table_privilege(%(rep)s, c.oid, 'INSERT') OR has_table_privilege(%(rep)s, c.oid, 'UPDATE') "
        "OR has_table_privilege(%(rep)s, c.oid, 'DELETE'), "
        "EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attname IN "
        "('owner_id', 'rep_id', 'customer_id', 'lead_id', 'deal_id', 'needs_id', 'quote_id', 'contract_id', "
        "'order_id', 'ticket_id') AND NOT a.attisdropped) "
        "FROM pg_catalog.pg_class c JOIN pg_catalog.pg_roles r ON r.oid = c.relowner "
        "WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') ORDER BY c.relname",
        {"rep": REP}).all()
    for name, rls, force, policies, owner, rep_writes, per_rep in rows:
        if owner != expected:
            found.append(f"table {name} is owned by {owner}, not {expected}")
        if per_rep and not (rls and force and policies) and name not in NOT_FORCED:
            found.append(f"table {name} holds per-rep data without ENABLE + FORCE row security and a policy")
        if rep_writes and not rls:
            found.append(f"{REP} can write table {name}, which has no row security")
    present = {(table, name) for table, name in conn.exec_driver_sql(
        "SELECT c.relname, p.polname FROM pg_catalog.pg_policy p JOIN pg_catalog.pg_class c ON c.oid = p.polrelid "
        "WHERE c.relnamespace = current_schema()::regnamespace")}
    tables = {row[0] for row in rows}
    s = _quote(conn, str(conn.exec_driver_sql("SELECT current_schema()").scalar()))
    for table, policies in _policies(s, _quote(conn, expected)).items():
        for policy in policies:
            if table in tables and (table, policy[0]) not in present:
                found.append(f"table {table} lacks its policy {policy[0]}")
    audit_writes = conn.exec_driver_sql(
        "SELECT string_agg(DISTINCT grantee || ' ' || privilege_type, ', ') FROM information_schema.role_table_grants "
        "WHERE table_schema = current_schema() AND table_name = 'audit_log' "
        "AND privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')").scalar()
    if audit_writes:
        found.append(f"the audit log can be changed: {audit_writes}")
    number = conn.exec_driver_sql(
        "SELECT p.prosecdef, pg_catalog.pg_get_userbyid(p.proowner), EXISTS (SELECT 1 FROM pg_catalog.aclexplode("
        "COALESCE(p.proacl, pg_catalog.acldefault('f', p.proowner))) a WHERE a.grantee = 0) "
        "FROM pg_catalog.pg_proc p WHERE p.oid = to_regprocedure(%(f)s)",
        {"f": f"{s}.{NEXT_NUMBER}"}).first()
    if number is None:
        found.append(f"the function {NEXT_NUMBER} is missing ('salescli db upgrade')")
    elif not number[0] or number[1] != expected or number[2]:
        found.append(f"the function {NEXT_NUMBER} must be SECURITY DEFINER, owned by {expected}, and not "
                     "executable by PUBLIC")
    triggers = {(table, name) for table, name in conn.exec_driver_sql(
        "SELECT c.relname, t.tgname FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid "
        "WHERE c.relnamespace = current_schema()::regnamespace AND t.tgname LIKE 'salescli\\_%%'")}
    wanted = [*((table, "salescli_guard_owner") for table in OWNED), (COUNTERS, "salescli_number_used"),
              *((table, name) for table, (name, _events) in GUARDED.items()),
              *((table, name) for table, (name, _events, _function) in CHECKED.items())]
    for table, trigger in wanted:
        if table in tables and (table, trigger) not in triggers:
            found.append(f"table {table} lacks its trigger {trigger}")
    return found
