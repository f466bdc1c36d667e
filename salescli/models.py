"""The database tables (SQLAlchemy Core). Only store.py, services/ and migrations touch them.

Money is integer minor units (``*_minor``), percentages are basis points (``*_bp``), dates are DATE,
moments are DATETIME in local wall time. Core tables rather than SQLModel classes: measured here, SQLModel
adds ~150 ms to every command's start and its table models do not validate (ENGINEERING.md, Known traps);
validation lives in domain/.

The first migration (0001) holds this whole model; later changes go through new migrations.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import UserDefinedType

from salescli.domain.fields import EMAIL_LEN, HANDLE_LEN, PHONE_KEY_LEN, PHONE_LEN, SKU_LEN, TAX_ID_LEN, length

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}
metadata = MetaData(naming_convention=NAMING)


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True)


def _created() -> Column[Any]:
    return Column("created_at", DateTime, nullable=False)


def _fk(name: str, target: str, *, nullable: bool = True, index: bool = True) -> Column[int]:
    return Column(name, Integer, ForeignKey(f"{target}.id"), nullable=nullable, index=index)


counters = Table(
    "counters", metadata,
    Column("kind", String(16), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("last", Integer, nullable=False),
)

reps = Table(
    "reps", metadata, _id(),
    Column("handle", String(HANDLE_LEN), nullable=False, unique=True),
    Column("name", String(length("reps", "name")), nullable=False),
    Column("email", String(EMAIL_LEN)),
    Column("role", String(16), nullable=False, server_default="rep"),
    Column("active", Boolean, nullable=False, server_default="1"),
    _created(),
    # PostgreSQL team mode: the login role this rep connects as (the acting rep is found by session_user)
    Column("login", String(63), unique=True),
)

customers = Table(
    "customers", metadata, _id(),
    Column("name", String(length("customers", "name")), nullable=False),
    Column("name_key", Text, nullable=False, index=True),  # folding can make it longer than the name
    Column("industry", String(length("customers", "industry"))),
    Column("size", String(20)),
    Column("city", String(length("customers", "city"))),
    Column("region", String(length("customers", "region"))),
    Column("budget_minor", BigInteger),
    Column("preferences", Text),
    Column("competitors", Text),
    Column("tier", String(1), nullable=False, server_default="C"),
    _fk("owner_id", "reps"),
    Column("notes", Text),
    _created(),
    Column("updated_at", DateTime, nullable=False),
    Column("legal_name", String(length("customers", "legal_name"))),  # as on documents; the name if empty
    Column("address", Text),
    Column("tax_id", String(TAX_ID_LEN)),  # the buyer's 纳税人识别号 on documents
    _fk("merged_into", "customers"),  # merged into that customer (customer merge): kept, hidden from listings
)

contacts = Table(
    "contacts", metadata, _id(),
    _fk("customer_id", "customers", nullable=False),
    Column("name", String(length("contacts", "name")), nullable=False),
    Column("title", String(length("contacts", "title"))),
    Column("email", String(EMAIL_LEN)),
    Column("email_key", String(EMAIL_LEN), index=True),
    Column("phone", String(PHONE_LEN)),
    Column("phone_key", String(PHONE_KEY_LEN), index=True),
    Column("language", String(8)),
    _created(),
)

leads = Table(
    "leads", metadata, _id(),
    Column("name", String(length("leads", "name")), nullable=False),
    Column("company", String(length("leads", "company"))),
    Column("title", String(length("leads", "title"))),
    Column("email", String(EMAIL_LEN)),
    Column("email_key", String(EMAIL_LEN), index=True),
    Column("phone", String(PHONE_LEN)),
    Column("phone_key", String(PHONE_KEY_LEN), index=True),
    Column("city", String(length("leads", "city"))),
    Column("source", String(20), nullable=False),
    Column("status", String(20), nullable=False, server_default="new"),
    Column("score", Integer, nullable=False, server_default="0"),
    _fk("owner_id", "reps"),
    Column("follow_up", Date, index=True),
    Column("notes", Text),
    Column("lost_reason", Text),
    _fk("customer_id", "customers"),
    _fk("contact_id", "contacts", index=False),
    _created(),
    Column("updated_at", DateTime, nullable=False),
    Column("closed_at", DateTime),
    _fk("merged_into", "leads"),  # merged into that lead (lead merge): kept, hidden from listings
)

deals = Table(
    "deals", metadata, _id(),
    Column("title", String(length("deals", "title")), nullable=False),
    _fk("customer_id", "customers", nullable=False),
    _fk("contact_id", "contacts", index=False),
    _fk("lead_id", "leads"),
    _fk("owner_id", "reps"),
    Column("source", String(20)),
    Column("stage", String(20), nullable=False, server_default="qualification", index=True),
    Column("value_minor", BigInteger),  # the value set by hand (deal update --value); the shown value is derived
    Column("expected_close", Date),
    Column("lost_reason", Text),
    _created(),
    Column("updated_at", DateTime, nullable=False),
    Column("stage_at", DateTime, nullable=False),
    Column("closed_at", DateTime),
    Column("probability_bp", Integer),  # chance to win set by hand; None: the stage's default
    Column("next_step", Text),
    Column("lost_note", Text),  # the words given with deal lose --note (lost_reason: the team list's key)
)

tasks = Table(
    "tasks", metadata, _id(),
    # exactly one of deal, lead, customer (services/tasks.py)
    _fk("deal_id", "deals"),
    _fk("lead_id", "leads"),
    _fk("customer_id", "customers"),
    Column("text", Text, nullable=False),
    Column("due", Date, nullable=False),
    Column("priority", String(10), nullable=False, server_default="normal"),
    Column("status", String(10), nullable=False, server_default="open"),
    Column("done_at", DateTime),
    _fk("owner_id", "reps", index=False),
    _fk("rep_id", "reps", index=False),
    _created(),
    Column("updated_at", DateTime, nullable=False),
    Index("ix_tasks_owner_id_status_due", "owner_id", "status", "due"),
)

deal_events = Table(
    "deal_events", metadata, _id(),
    _fk("deal_id", "deals", nullable=False),
    Column("at", DateTime, nullable=False),
    Column("from_stage", String(20)),
    Column("to_stage", String(20), nullable=False),
    Column("note", Text),
    _fk("rep_id", "reps", index=False),
)

activities = Table(
    "activities", metadata, _id(),
    _fk("lead_id", "leads"),
    _fk("deal_id", "deals"),
    Column("kind", String(16), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("summary", Text, nullable=False),
    Column("next_step", Date),
    _fk("rep_id", "reps", index=False),
)

products = Table(
    "products", metadata, _id(),
    Column("sku", String(SKU_LEN), nullable=False, unique=True),
    Column("name", String(length("products", "name")), nullable=False),
    Column("category", String(length("products", "category"))),
    Column("price_minor", BigInteger, nullable=False),
    Column("cost_minor", BigInteger, nullable=False),
    Column("lead_time_days", Integer, nullable=False, server_default="0"),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("description", Text),
    _created(),
    Column("updated_at", DateTime, nullable=False),
    Column("spec", Text),  # printed under the name on quotes and contracts
    Column("unit", String(length("products", "unit"))),  # 台, 套, 个...
)

needs = Table(
    "needs", metadata, _id(),
    _fk("deal_id", "deals", nullable=False),
    Column("status", String(16), nullable=False, server_default="confirmed"),
    Column("budget_minor", BigInteger),
    Column("deliver_by", Date),
    Column("decision_maker", String(length("needs", "decision_maker"))),
    Column("notes", Text),
    Column("findings", Text),
    Column("confirmed_at", DateTime, nullable=False),
    _fk("rep_id", "reps", index=False),
)

need_items = Table(
    "need_items", metadata, _id(),
    _fk("needs_id", "needs", nullable=False),
    _fk("product_id", "products", index=False),
    Column("sku", String(SKU_LEN), nullable=False),
    Column("spec", Text),
    Column("qty", Integer, nullable=False),
    Column("target_price_minor", BigInteger),
)

demos = Table(
    "demos", metadata, _id(),
    _fk("deal_id", "deals", nullable=False),
    Column("at", DateTime, nullable=False),
    Column("attendees", Text),
    Column("products", Text),
    Column("questions", Text),
    Column("feedback", Text),
    Column("outcome", String(16)),
    _fk("rep_id", "reps", index=False),
)

quotes = Table(
    "quotes", metadata, _id(),
    Column("number", String(20), nullable=False),
    Column("revision", Integer, nullable=False),
    _fk("deal_id", "deals", nullable=False),
    Column("status", String(16), nullable=False, server_default="draft"),
    Column("currency", String(3), nullable=False),
    Column("discount_bp", Integer, nullable=False, server_default="0"),
    Column("tax_rate_bp", Integer, nullable=False),
    Column("subtotal_minor", BigInteger, nullable=False),
    Column("discount_minor", BigInteger, nullable=False),
    Column("net_minor", BigInteger, nullable=False),
    Column("tax_minor", BigInteger, nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("list_minor", BigInteger, nullable=False),
    Column("cost_minor", BigInteger, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("needs_approval", Boolean, nullable=False, server_default="0"),
    Column("approval_reason", Text),
    _fk("approved_by", "reps", index=False),
    Column("approved_at", DateTime),
    Column("sent_at", DateTime),
    Column("decided_at", DateTime),
    Column("reject_reason", Text),
    Column("note", Text),  # internal: never printed on the customer's document
    _fk("rep_id", "reps", index=False),
    _created(),
    Column("payment_terms", Text),
    Column("delivery_terms", Text),
    Column("delivery_date", Date),
    Column("remarks", Text),  # for the customer: printed on the document
    UniqueConstraint("number", "revision"),
)

quote_lines = Table(
    "quote_lines", metadata, _id(),
    _fk("quote_id", "quotes", nullable=False),
    Column("position", Integer, nullable=False),
    _fk("product_id", "products", index=False),
    Column("sku", String(SKU_LEN), nullable=False),
    Column("name", String(length("products", "name")), nullable=False),
    Column("qty", Integer, nullable=False),
    Column("unit_price_minor", BigInteger, nullable=False),
    Column("list_price_minor", BigInteger, nullable=False),
    Column("unit_cost_minor", BigInteger, nullable=False),
    Column("line_discount_bp", Integer, nullable=False, server_default="0"),
    Column("net_minor", BigInteger, nullable=False),
    Column("spec", Text),
    Column("unit", String(length("products", "unit"))),
)

contracts = Table(
    "contracts", metadata, _id(),
    Column("number", String(20), nullable=False, unique=True),
    _fk("quote_id", "quotes", nullable=False),
    _fk("deal_id", "deals", nullable=False),
    Column("status", String(16), nullable=False, server_default="draft"),
    Column("currency", String(3), nullable=False),
    Column("payment_terms", Text),
    Column("terms", Text),
    Column("discount_bp", Integer, nullable=False),
    Column("tax_rate_bp", Integer, nullable=False),
    Column("subtotal_minor", BigInteger, nullable=False),
    Column("discount_minor", BigInteger, nullable=False),
    Column("net_minor", BigInteger, nullable=False),
    Column("tax_minor", BigInteger, nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("units", Integer, nullable=False),
    Column("signed_at", DateTime),
    Column("signed_by", String(length("contracts", "signed_by"))),
    Column("closed_at", DateTime),
    _created(),
    Column("delivery_terms", Text),
    Column("delivery_date", Date),
    Column("remarks", Text),
)

Index("ix_contracts_signed_cover", contracts.c.signed_at, contracts.c.status, contracts.c.deal_id,
      contracts.c.net_minor, contracts.c.units)

contract_lines = Table(
    "contract_lines", metadata, _id(),
    _fk("contract_id", "contracts", nullable=False),
    Column("position", Integer, nullable=False),
    _fk("product_id", "products", index=False),
    Column("sku", String(SKU_LEN), nullable=False),
    Column("name", String(length("products", "name")), nullable=False),
    Column("qty", Integer, nullable=False),
    Column("unit_price_minor", BigInteger, nullable=False),
    Column("line_discount_bp", Integer, nullable=False),
    Column("net_minor", BigInteger, nullable=False),
    Column("spec", Text),
    Column("unit", String(length("products", "unit"))),
)

orders = Table(
    "orders", metadata, _id(),
    Column("number", String(20), nullable=False, unique=True),
    _fk("contract_id", "contracts", nullable=False),
    _fk("deal_id", "deals", nullable=False),
    Column("status", String(16), nullable=False, server_default="submitted"),
    Column("promised", Date, nullable=False),
    Column("shipped_at", DateTime),
    Column("delivered_at", DateTime),
    Column("closed_at", DateTime),
    _created(),
    Column("updated_at", DateTime, nullable=False),
)

Index("ix_orders_delivered_cover", orders.c.delivered_at, orders.c.status, orders.c.promised, orders.c.deal_id)

order_events = Table(
    "order_events", metadata, _id(),
    _fk("order_id", "orders", nullable=False),
    Column("at", DateTime, nullable=False),
    Column("from_status", String(16)),
    Column("to_status", String(16), nullable=False),
    Column("note", Text),
    _fk("rep_id", "reps", index=False),
)

tickets = Table(
    "tickets", metadata, _id(),
    _fk("order_id", "orders"),
    _fk("customer_id", "customers", nullable=False),
    Column("subject", String(length("tickets", "subject")), nullable=False),
    Column("priority", String(10), nullable=False, server_default="normal"),
    Column("status", String(16), nullable=False, server_default="open"),
    Column("opened_at", DateTime, nullable=False),
    Column("sla_due_at", DateTime, nullable=False),
    Column("resolved_at", DateTime),
    Column("closed_at", DateTime),
    _fk("rep_id", "reps", index=False),
)

ticket_events = Table(
    "ticket_events", metadata, _id(),
    _fk("ticket_id", "tickets", nullable=False),
    Column("at", DateTime, nullable=False),
    Column("from_status", String(16)),
    Column("to_status", String(16), nullable=False),
    Column("note", Text),
    _fk("rep_id", "reps", index=False),
)

surveys = Table(
    "surveys", metadata, _id(),
    _fk("customer_id", "customers", nullable=False),
    _fk("order_id", "orders"),
    _fk("contact_id", "contacts", index=False),
    Column("channel", String(10), nullable=False),
    Column("token", String(64), nullable=False, unique=True),
    Column("email", String(EMAIL_LEN)),
    Column("language", String(8)),
    Column("status", String(12), nullable=False, server_default="pending"),
    Column("error", Text),
    Column("sent_at", DateTime),
    Column("responded_at", DateTime),
    Column("nps", Integer),
    Column("csat", Integer),
    Column("comment", Text),
    _created(),
)

Index("ix_surveys_responded_cover", surveys.c.responded_at, surveys.c.status, surveys.c.customer_id,
      surveys.c.order_id, surveys.c.nps, surveys.c.csat)
Index("ix_deals_owner_cover", deals.c.id, deals.c.owner_id, deals.c.created_at, deals.c.source)
Index("ix_deals_closed", deals.c.stage, deals.c.closed_at, deals.c.owner_id, deals.c.source)
Index("ix_customers_owner_cover", customers.c.id, customers.c.owner_id)

targets = Table(
    "targets", metadata, _id(),
    _fk("rep_id", "reps", nullable=False, index=False),
    Column("period", String(10), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("revenue_minor", BigInteger, nullable=False),
    Column("units", Integer),
    UniqueConstraint("rep_id", "period"),
)

team_settings = Table(
    "team_settings", metadata,
    # Team policy (tax rate, discount and margin policy, quote validity, SLA, seller details, survey settings):
    # one value per key for everyone using the database; changed by managers only in team mode.
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("updated_by", String(40)),
)

audit_log = Table(
    "audit_log", metadata, _id(),
    Column("at", DateTime, nullable=False),
    Column("rep", String(40)),
    Column("entity", String(20), nullable=False),
    Column("entity_id", String(40), nullable=False),
    Column("action", String(20), nullable=False),
    Column("before", Text),
    Column("after", Text),
    Index("ix_audit_log_entity", "entity", "entity_id"),
)

# The search index (services/search.py, domain/search.py): the terms of every lead, customer, contact and deal,
# read by exact term or term prefix. Each backend keeps the same terms in the shape it writes fastest
# (``info["backend"]``: the table exists only there; :func:`tables_on`):
# - SQLite: one B-tree of (term, kind, record_id) rows, no rowid, no second index (a record's terms are removed by
#   recomputing them from its old values);
# - PostgreSQL (migration 0011): one row per record, its terms as a tsvector under a GIN index. A B-tree row per term
#   made an import of 1M leads write 12.7M random index entries (32 s of COPY alone, more than the leads); the GIN
#   index takes a record's terms in one entry list (12 s), and ``terms @@ 'prefix':*`` reads prefixes from it.
search_terms = Table(
    "search_terms", metadata,
    Column("term", String(120), primary_key=True),
    Column("kind", SmallInteger, primary_key=True, autoincrement=False),  # domain.search.KINDS
    Column("record_id", Integer, primary_key=True, autoincrement=False),
    sqlite_with_rowid=False,
    info={"backend": "sqlite"},
)


class TSVector(UserDefinedType[Any]):
    """PostgreSQL's tsvector (without importing SQLAlchemy's PostgreSQL dialect on every command)."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "TSVECTOR"


search_docs = Table(
    "search_docs", metadata,
    Column("kind", SmallInteger, primary_key=True, autoincrement=False),  # domain.search.KINDS
    Column("record_id", Integer, primary_key=True, autoincrement=False),
    Column("terms", TSVector(), nullable=False),
    info={"backend": "postgresql"},
)  # and its GIN index on terms, ix_search_docs_terms (migration 0011: declared here it would load SQLAlchemy's
#    PostgreSQL dialect on every command: 20-40 ms measured here)


def tables_on(dialect: str) -> list[str]:
    """The names of the tables a database of ``dialect`` ("sqlite", "postgresql") holds."""
    return [name for name, table in metadata.tables.items() if table.info.get("backend", dialect) == dialect]


# Event hooks (issue 20; services/hooks.py, domain/events.py): where events go (a group robot's webhook, or a command
# on this machine), and the outbox every change writes its events to in its own transaction, delivered after commit.
# The URL and secret are a manager's (team mode: reps read only id, events and active); never printed or audited.
hooks = Table(
    "hooks", metadata, _id(),
    Column("events", Text, nullable=False),  # comma-separated event names, or "*"
    Column("kind", String(10), nullable=False),  # wecom | dingtalk | feishu | json | run
    Column("url", Text),
    Column("command", Text),  # a --run hook's command line (run without a shell)
    Column("secret", Text),
    Column("lang", String(8), nullable=False, server_default="zh"),
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("note", Text),
    _created(),
    Column("created_by", String(63)),  # the login (PostgreSQL) or handle that added it: a --run hook runs only there
)

event_outbox = Table(
    "event_outbox", metadata, _id(),
    Column("hook_id", Integer, ForeignKey("hooks.id"), nullable=False, index=True),
    Column("event", String(40), nullable=False),
    Column("entity", String(20), nullable=False),
    Column("entity_id", String(40), nullable=False),
    Column("at", DateTime, nullable=False),  # when it happened (the change's --date)
    Column("rep", String(40)),  # who queued it (row security: a rep appends and reads their own)
    Column("payload", Text, nullable=False),  # the event's JSON
    Column("dedupe", String(120)),  # a timed event's once-per-record key
    Column("status", String(10), nullable=False, server_default="pending"),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime, nullable=False),  # UTC (processes in other time zones share the outbox)
    Column("claim", String(32)),
    Column("claimed_until", DateTime),  # UTC
    Column("delivered_at", DateTime),
    Column("last_error", Text),
    Column("response", Text),
    _created(),
    UniqueConstraint("hook_id", "dedupe"),
    Index("ix_event_outbox_status_next_attempt_at", "status", "next_attempt_at"),
)
