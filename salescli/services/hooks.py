"""Event hooks (issue 20): the outbox every change writes its events to, and their delivery after commit.

How an event travels:

1. A service changes something and calls ``common.audit`` in the command's transaction. ``queue`` (called from
   there) looks the audit entry up in ``domain.events.RULES``; only when an active hook subscribes to one of its
   events (one query per transaction, cached) does it load the record and add one ``event_outbox`` row per hook.
   So a refused change (rolled back) leaves no event, and a process killed after commit loses none.
2. After the command (cli.py's root context closes, the transaction long committed) ``after_command`` delivers
   what is due within a short budget (``AFTER_COMMAND_BUDGET_S``); a failure is recorded with its error and the
   next attempt (backoff), never changing the command's exit code. ``hook deliver`` retries by hand and
   ``hook tick`` (cron) raises the timed events and delivers.
3. Delivery claims rows first (a short write transaction: ``claim`` + ``claimed_until``), sends outside any
   transaction, then records the result: two processes never send the same row at once, and no database lock
   is held while a robot answers. A process killed mid-send leaves a claim that expires (at-least-once delivery).

Team mode (PostgreSQL): hooks are a team setting, so only managers add, list and remove them, and only managers and
the administrator read the URLs and secrets (services/team.py: a rep's login reads the id, events and active columns,
enough to queue). A rep's command queues its events; a manager's or the administrator's ``hook deliver`` / ``hook
tick`` (cron) sends them. A ``--run`` hook runs only in processes of the login that added it: a manager's command
line never runs on someone else's machine.
"""

from __future__ import annotations

import json
import secrets as tokens
import shlex
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, func, insert, or_, select, update

from salescli import models
from salescli.domain import events as ev
from salescli.domain.dates import local_now
from salescli.domain.money import from_minor
from salescli.errors import InputError, NotFound, PolicyError, SalesError
from salescli.i18n import _
from salescli.services.authz import Actor, handle_of

if TYPE_CHECKING:
    from salescli.app import App
    from salescli.store import Store

Hook = models.hooks
EventOutbox = models.event_outbox
Rep = models.reps

AFTER_COMMAND_BUDGET_S = 3.0  # a command is never held up longer than this by its events
DELIVER_TIMEOUT_S = 10.0  # one delivery's limit in hook deliver / hook tick / hook test
CLAIM_S = 60  # a claimed row is another process's for this long (then it counts as abandoned)
MAX_ATTEMPTS = 12  # then the row is 'failed' (hook deliver still retries it by hand)
BATCH = 50
KEEP_TEXT = 2000  # of a script's output or a robot's answer kept in the log


def clock() -> datetime:
    """When to try a delivery is kept in UTC (naive): processes in other time zones share one outbox."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failures: 30 s, 1 min, 2 min, ... up to 6 h."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


# -- queueing (inside the change's transaction) ------------------------------------------------------------------

_CACHE_KEY = "salescli.hooks.subscriptions"
_queued = False  # this process queued events: deliver after the command


def _subscriptions(conn: Connection) -> dict[str, tuple[int, ...]]:
    """Event → ids of the active hooks taking it; read once per transaction (the cache is keyed by it)."""
    transaction = conn.get_transaction()
    cached = conn.info.get(_CACHE_KEY)
    if cached is not None and cached[0] is transaction:
        return cached[1]  # type: ignore[no-any-return]
    found: dict[str, list[int]] = {}
    for hook_id, names in conn.execute(select(Hook.c.id, Hook.c.events).where(Hook.c.active.is_(True))
                                       .order_by(Hook.c.id)):
        for event in ev.EVENTS:
            if ev.subscribed(names, event):
                found.setdefault(event, []).append(int(hook_id))
    subscriptions = {event: tuple(ids) for event, ids in found.items()}
    conn.info[_CACHE_KEY] = (transaction, subscriptions)
    return subscriptions


def forget_subscriptions(conn: Connection) -> None:
    conn.info.pop(_CACHE_KEY, None)


def queue(conn: Connection, *, at: datetime, rep: str | None, entity: str, entity_id: object, action: str,
          before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> int:
    """The events of one audit entry, into the outbox (for the hooks that take them). Returns rows added."""
    rules = ev.rules_for(entity, action)
    if not rules:
        return 0
    subscriptions = _subscriptions(conn)
    wanted = [rule for rule in rules if subscriptions.get(rule.event)]
    if not wanted:
        return 0
    before, after = before or {}, after or {}
    record = record_for(conn, entity, str(entity_id), before=before, after=after)
    if record is None:
        return 0
    added = 0
    for rule in wanted:
        if rule.when is not None and not rule.when(before, after, record):
            continue
        added += _add(conn, rule.event, at=at, actor=rep, queued_by=rep, entity=entity, entity_id=str(entity_id),
                      record=record, hook_ids=subscriptions[rule.event])
    return added


def _add(conn: Connection, event: str, *, at: datetime, actor: str | None, queued_by: str | None, entity: str,
         entity_id: str, record: Mapping[str, Any], hook_ids: tuple[int, ...], dedupe: str | None = None) -> int:
    global _queued
    body = json.dumps(ev.payload(event, at=at, actor=actor, record=record), ensure_ascii=False, default=str)
    now = local_now()
    rows = [{"hook_id": hook_id, "event": event, "entity": entity, "entity_id": entity_id[:40], "at": at,
             "rep": queued_by, "payload": body, "dedupe": dedupe, "status": "pending", "attempts": 0,
             "next_attempt_at": clock(), "created_at": now} for hook_id in hook_ids]
    if dedupe is None:
        conn.execute(insert(EventOutbox), rows)
        added = len(rows)
    else:
        upsert = _upsert(conn)
        added = 0
        for row in rows:
            added += len(conn.execute(upsert(EventOutbox).values(**row).on_conflict_do_nothing(
                index_elements=["hook_id", "dedupe"]).returning(EventOutbox.c.id)).all())
    if added:
        _queued = True
    return added


def _upsert(conn: Connection) -> Any:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert  # type: ignore[assignment]
    return upsert


# -- what an event carries -------------------------------------------------------------------------------------


def _owner(alias: Any) -> list[Any]:
    return [alias.c.handle.label("owner"), alias.c.name.label("owner_name")]


def record_for(conn: Connection, entity: str, entity_id: str, *, before: Mapping[str, Any],
               after: Mapping[str, Any]) -> dict[str, Any] | None:
    """The record an event carries: the entity as it now is, with the names a person reads (customer, owner)."""
    from salescli.services import deals as deal_service

    Customer, Deal, Lead, Quote, Contract, Order, Ticket, Survey = (models.customers, models.deals, models.leads,
                                                                    models.quotes, models.contracts, models.orders,
                                                                    models.tickets, models.surveys)
    owner = Rep.alias("owner")
    record: dict[str, Any] | None = None
    if entity == "lead":
        row = conn.execute(
            select(Lead.c.id, Lead.c.name, Lead.c.company, Lead.c.source, Lead.c.status, Lead.c.email, Lead.c.phone,
                   Lead.c.city, Lead.c.customer_id,
                   *_owner(owner)).select_from(Lead.outerjoin(owner, owner.c.id == Lead.c.owner_id))
            .where(Lead.c.id == int(entity_id))).mappings().first()
        if row is not None:
            record = dict(row)
            if record["status"] == "converted":
                record["deal_id"] = conn.execute(select(func.max(Deal.c.id))
                                                 .where(Deal.c.lead_id == row["id"])).scalar()
    elif entity == "deal":
        row = conn.execute(
            select(Deal.c.id, Deal.c.title, Deal.c.stage, Customer.c.name.label("customer"), Deal.c.customer_id,
                   deal_service.value_column(local_now().date()).label("value_minor"), Deal.c.expected_close,
                   Deal.c.lost_reason, Deal.c.lost_note, *_owner(owner))
            .select_from(Deal.join(Customer, Customer.c.id == Deal.c.customer_id)
                         .outerjoin(owner, owner.c.id == Deal.c.owner_id))
            .where(Deal.c.id == int(entity_id))).mappings().first()
        if row is not None:
            record = {**{k: v for k, v in row.items() if k != "value_minor"}, "value": from_minor(row["value_minor"]),
                      "currency": _currency(conn, int(entity_id))}
            if "stage" in before:
                record["previous_stage"] = before["stage"]
    elif entity == "quote":
        row = conn.execute(
            select(Quote.c.number, Quote.c.revision, Quote.c.status, Quote.c.deal_id, Deal.c.title.label("deal"),
                   Customer.c.name.label("customer"), Quote.c.currency, Quote.c.net_minor, Quote.c.total_minor,
                   Quote.c.valid_until, Quote.c.needs_approval, Quote.c.approval_reason,
                   (Quote.c.approved_by.is_not(None)).label("approved"), *_owner(owner))
            .select_from(Quote.join(Deal, Deal.c.id == Quote.c.deal_id)
                         .join(Customer, Customer.c.id == Deal.c.customer_id)
                         .outerjoin(owner, owner.c.id == Deal.c.owner_id))
            .where(Quote.c.number == entity_id).order_by(Quote.c.revision.desc()).limit(1)).mappings().first()
        if row is not None:
            record = _money(row)
            record["needs_approval"], record["approved"] = bool(row["needs_approval"]), bool(row["approved"])
    elif entity == "contract":
        row = conn.execute(
            select(Contract.c.number, Contract.c.status, Contract.c.deal_id, Deal.c.title.label("deal"),
                   Customer.c.name.label("customer"), Contract.c.currency, Contract.c.net_minor, Contract.c.total_minor,
                   Contract.c.units, Contract.c.signed_at, Contract.c.signed_by, *_owner(owner))
            .select_from(Contract.join(Deal, Deal.c.id == Contract.c.deal_id)
                         .join(Customer, Customer.c.id == Deal.c.customer_id)
                         .outerjoin(owner, owner.c.id == Deal.c.owner_id))
            .where(Contract.c.number == entity_id)).mappings().first()
        record = _money(row) if row is not None else None
    elif entity == "order":
        row = conn.execute(
            select(Order.c.number, Order.c.status, Order.c.promised, Order.c.deal_id,
                   Contract.c.number.label("contract"), Customer.c.name.label("customer"), Contract.c.currency,
                   Contract.c.net_minor, Order.c.shipped_at, Order.c.delivered_at, *_owner(owner))
            .select_from(Order.join(Contract, Contract.c.id == Order.c.contract_id)
                         .join(Deal, Deal.c.id == Order.c.deal_id)
                         .join(Customer, Customer.c.id == Deal.c.customer_id)
                         .outerjoin(owner, owner.c.id == Deal.c.owner_id))
            .where(Order.c.number == entity_id)).mappings().first()
        if row is not None:
            record = _money(row)
            if "status" in before:
                record["previous_status"] = before["status"]
    elif entity == "ticket":
        row = conn.execute(
            select(Ticket.c.id, Ticket.c.subject, Ticket.c.priority, Ticket.c.status, Customer.c.name.label("customer"),
                   Ticket.c.customer_id, Order.c.number.label("order"), Ticket.c.opened_at, Ticket.c.sla_due_at)
            .select_from(Ticket.join(Customer, Customer.c.id == Ticket.c.customer_id)
                         .outerjoin(Order, Order.c.id == Ticket.c.order_id))
            .where(Ticket.c.id == int(entity_id))).mappings().first()
        record = dict(row) if row is not None else None
    elif entity == "survey":
        row = conn.execute(
            select(Survey.c.id, Customer.c.name.label("customer"), Survey.c.customer_id, Order.c.number.label("order"),
                   Survey.c.channel, Survey.c.nps, Survey.c.csat, Survey.c.comment, Survey.c.responded_at)
            .select_from(Survey.join(Customer, Customer.c.id == Survey.c.customer_id)
                         .outerjoin(Order, Order.c.id == Survey.c.order_id))
            .where(Survey.c.id == int(entity_id))).mappings().first()
        record = dict(row) if row is not None else None
    return record


def _money(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {(k[:-6] if k.endswith("_minor") else k): (from_minor(v) if k.endswith("_minor") else v)
            for k, v in row.items()}


def _currency(conn: Connection, deal_id: int) -> str:
    Quote = models.quotes
    found = conn.execute(select(Quote.c.currency).where(Quote.c.deal_id == deal_id).order_by(Quote.c.id.desc())
                         .limit(1)).scalar()
    return str(found or "CNY")


# -- timed events: late orders, breached tickets, attained targets (hook tick, today) --------------------------------


def timed_wanted(conn: Connection) -> bool:
    subscriptions = _subscriptions(conn)
    return any(subscriptions.get(event) for event in ev.TIMED)


def raise_timed(conn: Connection, *, now: datetime, actor: Actor | None, owner_id: int | None = None) -> int:
    """Raise order.late, ticket.breached and target.attained for every record that is so now and has not raised
    it before (once per record and hook: the outbox's dedupe key). ``owner_id``: only that rep's records (a rep's
    ``today`` on SQLite). Returns the events queued."""
    from salescli.services import orders, tickets

    subscriptions = _subscriptions(conn)
    queued_by = handle_of(actor)
    added = 0
    if subscriptions.get("order.late"):
        for order in orders.listing(conn, today=now.date(), late_only=True, owner_id=owner_id):
            record = {"number": order["number"], "status": order["status"], "promised": order["promised"],
                      "expected": order["expected"], "deal_id": order["deal_id"], "contract": order["contract"],
                      "customer": order["customer"], "net": order["net"], "owner": order["owner"]}
            added += _add(conn, "order.late", at=now, actor=None, queued_by=queued_by, entity="order",
                          entity_id=order["number"], record=record, hook_ids=subscriptions["order.late"],
                          dedupe=ev.dedupe_key("order.late", order["number"]))
    if subscriptions.get("ticket.breached"):
        for row in tickets.listing(conn, now=now, breached=True, owner_id=owner_id):
            if row["status"] not in ("open", "in_progress"):
                continue
            record = {k: row[k] for k in ("id", "subject", "priority", "status", "customer", "customer_id", "order",
                                          "opened_at", "sla_due_at")}
            added += _add(conn, "ticket.breached", at=now, actor=None, queued_by=queued_by, entity="ticket",
                          entity_id=str(row["id"]), record=record, hook_ids=subscriptions["ticket.breached"],
                          dedupe=ev.dedupe_key("ticket.breached", row["id"]))
    if subscriptions.get("target.attained"):
        for record in attained_targets(conn, today=now.date(), owner_id=owner_id):
            key = f"{record['rep']}:{record['period']}"
            added += _add(conn, "target.attained", at=now, actor=None, queued_by=queued_by, entity="target",
                          entity_id=key, record=record, hook_ids=subscriptions["target.attained"],
                          dedupe=ev.dedupe_key("target.attained", key))
    return added


ATTAINED_GRACE_DAYS = 7  # a period that ended this recently still raises (a month reached on its last day)


def attained_targets(conn: Connection, *, today: date, owner_id: int | None = None) -> list[dict[str, Any]]:
    """Revenue targets reached: contracts signed in the period (not cancelled) on the rep's deals, net ≥ target.
    Current periods (and those ended in the last ATTAINED_GRACE_DAYS days) only."""
    Target, Contract, Deal = models.targets, models.contracts, models.deals
    revenue = (select(func.coalesce(func.sum(Contract.c.net_minor), 0))
               .select_from(Contract.join(Deal, Deal.c.id == Contract.c.deal_id))
               .where(Deal.c.owner_id == Target.c.rep_id, Contract.c.signed_at.is_not(None),
                      Contract.c.status != "cancelled", func.date(Contract.c.signed_at) >= Target.c.period_start,
                      func.date(Contract.c.signed_at) <= Target.c.period_end)
               .scalar_subquery())
    query = (select(Target.c.period, Target.c.period_start, Target.c.period_end, Target.c.revenue_minor,
                    revenue.label("actual"), Rep.c.handle, Rep.c.name)
             .select_from(Target.join(Rep, Rep.c.id == Target.c.rep_id))
             .where(Target.c.period_start <= today, Target.c.period_end >= today - timedelta(days=ATTAINED_GRACE_DAYS),
                    Target.c.revenue_minor > 0))
    if owner_id is not None:
        query = query.where(Target.c.rep_id == owner_id)
    out = []
    for row in conn.execute(query).mappings():
        if int(row["actual"]) >= int(row["revenue_minor"]):
            out.append({"rep": row["handle"], "rep_name": row["name"], "period": row["period"],
                        "period_start": row["period_start"], "period_end": row["period_end"],
                        "target": from_minor(row["revenue_minor"]), "revenue": from_minor(int(row["actual"])),
                        "attainment": round(int(row["actual"]) / int(row["revenue_minor"]), 4),
                        "currency": "CNY"})
    return out


# -- managing hooks ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HookSpec:
    events: tuple[str, ...]
    kind: str
    url: str | None = None
    command: str | None = None
    secret: str | None = None
    lang: str = "zh"
    note: str | None = None


def parse_command(text: str) -> list[str]:
    """A --run command line, split like a shell would (no shell runs it): refused when empty or unbalanced."""
    try:
        argv = shlex.split(text)
    except ValueError as error:
        raise InputError(_("--run: cannot split the command line ({error})").format(error=error)) from None
    if not argv:
        raise InputError(_("--run: give a command, e.g. --run 'notify-send salescli'"))
    if "\x00" in text or len(text) > 4000:
        raise InputError(_("--run: at most 4000 characters, no NUL bytes"))
    return argv


def check_spec(spec: HookSpec) -> HookSpec:
    if spec.kind not in ev.KINDS:
        raise InputError(_("--kind: {kind!r} is not one of {choices}").format(
            kind=spec.kind, choices=", ".join(k for k in ev.KINDS if k != "run")))
    if spec.lang not in ev.LANGUAGES:
        raise InputError(_("--lang: {lang!r} is not one of {choices}").format(lang=spec.lang,
                                                                              choices=", ".join(ev.LANGUAGES)))
    if spec.kind == "run":
        if spec.url or spec.secret:
            raise InputError(_("--run takes no --webhook or secret"))
        parse_command(spec.command or "")
    else:
        if spec.command:
            raise InputError(_("give either --run COMMAND or --webhook URL, not both"))
        if not spec.url:
            raise InputError(_("give --webhook URL (with --kind wecom|dingtalk|feishu|json) or --run COMMAND"))
        ev.parse_url(spec.url)
        if spec.secret is not None and (not spec.secret.strip() or len(spec.secret) > 500
                                        or any(ch in spec.secret for ch in "\r\n\x00")):
            raise InputError(_("secret: must be one line of 1-500 characters"))
        if spec.secret is not None and spec.kind == "wecom":
            raise InputError(_("secret: WeCom group robots do not sign messages (the key is in the URL)"))
    return spec


def add(conn: Connection, spec: HookSpec, *, at: datetime, actor: Actor | None) -> int:
    """Store a hook (checked), audited; ``created_by`` is the database login on a team database, else the acting
    rep's handle."""
    from salescli.services.audit import audit
    from salescli.services.rows import insert_id

    spec = check_spec(spec)
    created_by = (conn.exec_driver_sql("SELECT session_user").scalar() if conn.dialect.name == "postgresql"
                  else handle_of(actor))
    hook_id = insert_id(conn, Hook, {"events": ",".join(spec.events), "kind": spec.kind, "url": spec.url,
                                     "command": spec.command, "secret": spec.secret, "lang": spec.lang,
                                     "active": True, "note": spec.note, "created_at": at, "created_by": created_by})
    forget_subscriptions(conn)
    audit(conn, at=at, rep=handle_of(actor), entity="hook", entity_id=hook_id, action="create",
          after=_public({"events": ",".join(spec.events), "kind": spec.kind, "url": spec.url,
                         "command": spec.command, "secret": spec.secret, "lang": spec.lang}))
    return hook_id


def _public(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A hook as it may be shown or audited: the URL's tokens hidden, the secret only as set / not set."""
    out = {k: v for k, v in row.items() if k not in ("secret", "url")}
    if row.get("url") is not None:
        out["url"] = ev.display_url(row["url"])
    out["secret"] = "set" if row.get("secret") else "not set"
    return out


def _get(conn: Connection, hook_id: int) -> dict[str, Any]:
    row = conn.execute(select(Hook).where(Hook.c.id == hook_id)).mappings().first()
    if row is None:
        raise NotFound(_("hook {id} not found").format(id=hook_id))
    return dict(row)


def listing(conn: Connection) -> list[dict[str, Any]]:
    counts = {(hook_id, status): n for hook_id, status, n in conn.execute(
        select(EventOutbox.c.hook_id, EventOutbox.c.status, func.count())
        .group_by(EventOutbox.c.hook_id, EventOutbox.c.status))}
    rows = []
    for row in conn.execute(select(Hook).order_by(Hook.c.id)).mappings():
        public = _public(row)
        rows.append({"id": row["id"], "events": row["events"], "kind": row["kind"],
                     "target": row["command"] if row["kind"] == "run" else public["url"], "secret": public["secret"],
                     "lang": row["lang"], "active": bool(row["active"]), "note": row["note"],
                     "pending": counts.get((row["id"], "pending"), 0),
                     "delivered": counts.get((row["id"], "delivered"), 0),
                     "failed": counts.get((row["id"], "failed"), 0),
                     "created_at": row["created_at"], "created_by": row["created_by"]})
    return rows


def remove(conn: Connection, hook_id: int, *, at: datetime, actor: Actor | None) -> int:
    """Remove a hook and its outbox rows (its log). Returns the undelivered events dropped with it."""
    from salescli.services.audit import audit

    row = _get(conn, hook_id)
    dropped = conn.execute(select(func.count()).select_from(EventOutbox).where(
        EventOutbox.c.hook_id == hook_id, EventOutbox.c.status != "delivered")).scalar_one()
    conn.execute(delete(EventOutbox).where(EventOutbox.c.hook_id == hook_id))
    conn.execute(delete(Hook).where(Hook.c.id == hook_id))
    forget_subscriptions(conn)
    audit(conn, at=at, rep=handle_of(actor), entity="hook", entity_id=hook_id, action="remove",
          before=_public({k: row[k] for k in ("events", "kind", "url", "command", "secret", "lang")}))
    return int(dropped)


def log(conn: Connection, *, hook_id: int | None = None, status: str | None = None,
        limit: int | None = 50) -> list[dict[str, Any]]:
    query = (select(EventOutbox.c.id, EventOutbox.c.hook_id, Hook.c.kind, EventOutbox.c.event, EventOutbox.c.entity,
                    EventOutbox.c.entity_id, EventOutbox.c.at, EventOutbox.c.rep, EventOutbox.c.status,
                    EventOutbox.c.attempts, EventOutbox.c.next_attempt_at, EventOutbox.c.delivered_at,
                    EventOutbox.c.last_error, EventOutbox.c.response, EventOutbox.c.created_at)
             .select_from(EventOutbox.join(Hook, Hook.c.id == EventOutbox.c.hook_id)).order_by(EventOutbox.c.id.desc()))
    if hook_id is not None:
        query = query.where(EventOutbox.c.hook_id == hook_id)
    if status is not None:
        if status not in ("pending", "delivered", "failed"):
            raise InputError(_("--status: {status!r} is not one of pending, delivered, failed").format(status=status))
        query = query.where(EventOutbox.c.status == status)
    if limit is not None:
        query = query.limit(limit)
    return [dict(r) for r in conn.execute(query).mappings()]


# -- sending ------------------------------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A robot answers itself; a redirect would carry a signed message somewhere else."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Outcome:
    ok: bool
    detail: str  # the robot's answer, the script's output, or the error


def send(hook: Mapping[str, Any], payload_text: str, *, timeout: float) -> Outcome:
    """Deliver one event to one hook now. Never raises; the secret never appears in the outcome."""
    secrets_ = (hook.get("secret"), hook.get("url"))
    try:
        if hook["kind"] == "run":
            return _run(hook, payload_text, timeout=timeout)
        return _post(hook, payload_text, timeout=timeout)
    except Exception as error:  # a hook must never break the command
        return Outcome(False, ev.hide(f"{type(error).__name__}: {error}", secrets_)[:KEEP_TEXT])


def request_for(hook: Mapping[str, Any], payload_text: str, *,
                now_s: float | None = None) -> tuple[str, bytes, dict[str, str]]:
    """(url, body, headers) of one delivery to a webhook, signed as its platform asks."""
    event = json.loads(payload_text)
    kind, url, secret = hook["kind"], str(hook["url"]), hook.get("secret")
    now_s = time.time() if now_s is None else now_s
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "salescli-hooks"}
    if kind == "json":
        body = payload_text.encode()
        if secret:
            ts = int(now_s)
            headers["X-Salescli-Timestamp"] = str(ts)
            headers["X-Salescli-Signature"] = ev.json_signature(secret, ts, body)
        headers["X-Salescli-Event"] = str(event["event"])
        return url, body, headers
    msg = ev.message(event, str(hook.get("lang") or "zh"))
    if kind == "dingtalk":
        if secret:
            ts_ms = int(now_s * 1000)
            url = ev.signed_url(url, ts_ms, ev.dingtalk_sign(secret, ts_ms))
        body_obj = ev.robot_body(kind, msg)
    elif kind == "feishu":
        ts = int(now_s)
        body_obj = ev.robot_body(kind, msg, sign=(ts, ev.feishu_sign(secret, ts)) if secret else None)
    else:
        body_obj = ev.robot_body(kind, msg)
    return url, json.dumps(body_obj, ensure_ascii=False).encode(), headers


def _post(hook: Mapping[str, Any], payload_text: str, *, timeout: float) -> Outcome:
    url, body, headers = request_for(hook, payload_text)
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    hidden = (hook.get("secret"), hook.get("url"), url)
    try:
        with opener.open(request, timeout=max(timeout, 0.1)) as response:
            status = response.status
            text = response.read(KEEP_TEXT).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        text = error.read(KEEP_TEXT).decode("utf-8", "replace") if error.fp is not None else ""
        return Outcome(False, ev.hide(f"HTTP {error.code} {error.reason}: {text}".strip(": "), hidden)[:KEEP_TEXT])
    except urllib.error.URLError as error:
        return Outcome(False, ev.hide(f"cannot reach {ev.display_url(hook['url'])}: {error.reason}", hidden))
    except TimeoutError:
        return Outcome(False, f"no answer from {ev.display_url(hook['url'])} within {timeout:.1f} s")
    detail = ev.hide(f"HTTP {status}: {text}".strip(": "), hidden)[:KEEP_TEXT]
    if not 200 <= status < 300:
        return Outcome(False, detail)
    refused = _robot_refused(hook["kind"], text)
    return Outcome(refused is None, detail if refused is None else ev.hide(refused, hidden)[:KEEP_TEXT])


def _robot_refused(kind: str, text: str) -> str | None:
    """The robots answer 200 with an error code in the body (a bad signature, a wrong keyword): that is a failure."""
    if kind not in ("wecom", "dingtalk", "feishu"):
        return None
    try:
        answer = json.loads(text)
    except ValueError:
        return None
    if not isinstance(answer, dict):
        return None
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
    if code in (0, None, "0"):
        return None
    return f"{kind} refused it: {answer.get('errmsg') or answer.get('msg') or answer.get('StatusMessage') or code}"


def _run(hook: Mapping[str, Any], payload_text: str, *, timeout: float) -> Outcome:
    import os

    argv = parse_command(str(hook["command"]))
    event = json.loads(payload_text)["event"]
    env = {**os.environ, "SALESCLI_EVENT": str(event), "SALESCLI_HOOK": str(hook["id"])}
    try:
        done = subprocess.run(argv, input=payload_text.encode(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              timeout=max(timeout, 0.1), env=env, shell=False, check=False)
    except FileNotFoundError:
        return Outcome(False, f"--run: command not found: {argv[0]}")
    except PermissionError:
        return Outcome(False, f"--run: not allowed to run {argv[0]}")
    except subprocess.TimeoutExpired as expired:
        out = (expired.output or b"").decode("utf-8", "replace")
        return Outcome(False, (f"timed out after {timeout:.1f} s" + (f": {out}" if out else ""))[:KEEP_TEXT])
    out = done.stdout.decode("utf-8", "replace")[:KEEP_TEXT]
    if done.returncode != 0:
        return Outcome(False, f"exit {done.returncode}" + (f": {out}" if out else ""))
    return Outcome(True, out)


# -- delivering the outbox -------------------------------------------------------------------------------------


class DeliveryFailed(SalesError):
    """hook test / hook deliver: an event was not delivered (exit 1; the reason in the one error line)."""

    exit_code = 1


def clear_queued() -> None:
    """The command delivers itself (hook tick, hook deliver): nothing left for after_command."""
    global _queued
    _queued = False


def require_delivery_rights(conn: Connection) -> None:
    if not can_deliver(conn):
        raise PolicyError(_("delivering events needs a manager's or the administrator's login (hook URLs and secrets "
                            "are theirs)"))


def can_deliver(conn: Connection) -> bool:
    """Whether this login may read the hooks' URLs and secrets (SQLite: yes; team mode: managers, administrator)."""
    if conn.dialect.name != "postgresql":
        return True
    return bool(conn.exec_driver_sql("SELECT has_column_privilege('hooks', 'secret', 'SELECT')").scalar())


def _login(conn: Connection) -> str | None:
    if conn.dialect.name != "postgresql":
        return None
    return str(conn.exec_driver_sql("SELECT session_user").scalar())


@dataclass
class Report:
    delivered: int = 0
    failed: int = 0
    left: int = 0  # not tried (budget spent, or a --run hook of another login)
    errors: list[str] | None = None


def deliver(store: Store, *, budget: float | None, timeout: float = DELIVER_TIMEOUT_S, due_only: bool = True,
            include_failed: bool = False, hook_id: int | None = None, event_id: int | None = None) -> Report:
    """Send what the outbox holds: claim a batch, send each outside any transaction, record each result.
    ``due_only``: respect the backoff (after a command, cron); by hand every undelivered row goes now.
    ``budget``: seconds for the whole run (None: no limit)."""
    report = Report(errors=[])
    started = time.monotonic()
    tried: set[int] = set()
    while True:
        remaining = None if budget is None else budget - (time.monotonic() - started)
        if remaining is not None and remaining <= 0.05:
            break
        with store.write() as conn:
            if not can_deliver(conn):
                return report
            login = _login(conn)
            claimed = _claim(conn, due_only=due_only, include_failed=include_failed, hook_id=hook_id,
                             event_id=event_id, skip=tried, login=login)
        if not claimed:
            break
        for row in claimed:
            tried.add(int(row["id"]))
            remaining = None if budget is None else budget - (time.monotonic() - started)
            if remaining is not None and remaining <= 0.05:
                _release(store, row)
                report.left += 1
                continue
            limit = timeout if remaining is None else min(timeout, remaining)
            outcome = send(row["hook"], row["payload"], timeout=limit)
            _record(store, row, outcome)
            if outcome.ok:
                report.delivered += 1
            else:
                report.failed += 1
                assert report.errors is not None
                report.errors.append(_("event {id} ({event}) → hook {hook}: {detail}").format(
                    id=row["id"], event=row["event"], hook=row["hook_id"], detail=outcome.detail))
    return report


def _claim(conn: Connection, *, due_only: bool, include_failed: bool, hook_id: int | None, event_id: int | None,
           skip: set[int], login: str | None) -> list[dict[str, Any]]:
    now = clock()
    statuses = ("pending", "failed") if include_failed else ("pending",)
    free = or_(EventOutbox.c.claimed_until.is_(None), EventOutbox.c.claimed_until < now)
    where = [EventOutbox.c.status.in_(statuses), free, Hook.c.active.is_(True)]
    if due_only:
        where.append(EventOutbox.c.next_attempt_at <= now)
    if hook_id is not None:
        where.append(EventOutbox.c.hook_id == hook_id)
    if event_id is not None:
        where.append(EventOutbox.c.id == event_id)
    if skip:
        where.append(EventOutbox.c.id.notin_(skip))
    if login is not None:  # a --run hook runs only in the processes of the login that added it
        where.append(or_(Hook.c.kind != "run", Hook.c.created_by == login))
    ids = list(conn.execute(select(EventOutbox.c.id)
                            .select_from(EventOutbox.join(Hook, Hook.c.id == EventOutbox.c.hook_id)).where(*where)
                            .order_by(EventOutbox.c.id).limit(BATCH)).scalars())
    if not ids:
        return []
    token = tokens.token_hex(8)
    conn.execute(update(EventOutbox).where(EventOutbox.c.id.in_(ids), EventOutbox.c.status.in_(statuses), free)
                 .values(claim=token, claimed_until=now + timedelta(seconds=CLAIM_S)))
    rows = []
    hooks: dict[int, dict[str, Any]] = {}
    for row in conn.execute(select(EventOutbox).where(EventOutbox.c.claim == token)
                            .order_by(EventOutbox.c.id)).mappings():
        hook = hooks.get(row["hook_id"]) or hooks.setdefault(row["hook_id"], _get(conn, row["hook_id"]))
        rows.append({**row, "hook": hook})
    return rows


def _release(store: Store, row: Mapping[str, Any]) -> None:
    with store.write() as conn:
        conn.execute(update(EventOutbox).where(EventOutbox.c.id == row["id"], EventOutbox.c.claim == row["claim"])
                     .values(claim=None, claimed_until=None))


def _record(store: Store, row: Mapping[str, Any], outcome: Outcome) -> None:
    attempts = int(row["attempts"]) + 1
    if outcome.ok:
        values: dict[str, Any] = {"status": "delivered", "delivered_at": local_now(),
                                  "response": outcome.detail or None, "last_error": None}
    else:
        values = {"status": "failed" if attempts >= MAX_ATTEMPTS else "pending", "last_error": outcome.detail,
                  "next_attempt_at": clock() + backoff(attempts)}
    with store.write() as conn:
        conn.execute(update(EventOutbox).where(EventOutbox.c.id == row["id"], EventOutbox.c.claim == row["claim"])
                     .values(attempts=attempts, claim=None, claimed_until=None, **values))


def sample_event(hook: Mapping[str, Any], *, now: datetime, actor: Actor | None) -> str:
    """A sample event for ``hook test``: the hook's first event (deal.won for '*'), with a made-up record (the acting
    rep as its owner)."""
    who = handle_of(actor)
    names = [n for n in str(hook["events"]).split(",") if n in ev.EVENTS]
    event = names[0] if names else "deal.won"
    record: dict[str, Any] = {
        "id": 0, "number": "TEST-0001", "title": "测试商机 (test)", "name": "测试 (test)", "company": "测试公司",
        "customer": "测试公司 (test)", "stage": "won" if event == "deal.won" else "proposal",
        "previous_stage": "negotiation", "status": "sent", "previous_status": "confirmed",
        "owner": who, "owner_name": who, "value": "123456.00", "total": "123456.00", "net": "109253.10",
        "currency": "CNY", "revision": 1, "approval_reason": "test", "signed_by": "test", "promised": now.date(),
        "subject": "test", "priority": "normal", "sla_due_at": now, "nps": 10, "csat": 5, "comment": "test",
        "rep": who, "rep_name": who, "period": f"{now:%Y-%m}", "target": "100000.00", "revenue": "123456.00",
        "source": "web", "deal_id": 0, "lost_reason": "price", "test": True}
    return json.dumps(ev.payload(event, at=now, actor=who, record=record), ensure_ascii=False, default=str)


def get(conn: Connection, hook_id: int) -> dict[str, Any]:
    """One hook's stored row (URL and secret included: for delivery and hook test only, never printed)."""
    return _get(conn, hook_id)


# -- after a command ---------------------------------------------------------------------------------------------


def after_command(app: App, *, budget: float = AFTER_COMMAND_BUDGET_S) -> None:
    """cli.py runs this when a command ends (its transaction committed or rolled back): if this process queued
    events, deliver what is due (this command's and any a killed process left) within ``budget`` seconds. Never
    raises and never changes the exit code; a failure is one note on stderr."""
    global _queued
    if not _queued:
        return
    _queued = False
    try:
        report = deliver(app.store, budget=budget, timeout=budget)
    except Exception:  # the command is done: nothing here may change its outcome
        return
    if report.failed:
        sys.stderr.write(_("note: {count} event(s) not delivered yet; they are retried later "
                           "(salescli hook log, salescli hook deliver)").format(count=report.failed) + "\n")


def raise_and_deliver(app: App, *, now: datetime, owner_id: int | None = None) -> None:
    """``today``: raise the timed events when a hook wants them, then deliver (quietly; never fails the agenda)."""
    try:
        store = app.store
        if store.read_only:
            return
        with store.read() as conn:
            wanted = timed_wanted(conn)
        if not wanted:
            return
        with store.write() as conn:
            raise_timed(conn, now=now, actor=app.actor(conn), owner_id=owner_id)
    except Exception:  # SalesError included: the agenda is shown whatever happens to its events
        return


