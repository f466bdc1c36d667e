"""Tasks: to-dos with a due day and a priority on one deal, lead or customer. A task belongs to its record's owner
(else the rep who added it); a rep adds, changes and closes tasks only on their own records (services/authz.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, case, func, literal, select, update

from salescli import models
from salescli.domain import fields
from salescli.domain import tasks as rules
from salescli.domain.dates import require_in_order
from salescli.errors import InputError, InvalidTransition
from salescli.i18n import _
from salescli.services.audit import audit
from salescli.services.authz import Actor, handle_of, id_of, require_owner
from salescli.services.rows import fetch, insert_id

TK = models.tasks
R = models.reps
D, L, C = models.deals, models.leads, models.customers
_TABLES = {"deal": D, "lead": L, "customer": C}


def insert_task(conn: Connection, *, subject: tuple[str, int], owner_id: int | None, due: date,
                priority: str, text: str, at: datetime, actor: Actor | None) -> int:
    """Store a task already checked (the caller checked the record, its owner and the dates)."""
    kind, record_id = subject
    row = {f"{kind}_id": record_id, "text": text, "due": due, "priority": priority, "status": "open",
           "owner_id": owner_id, "rep_id": id_of(actor), "created_at": at, "updated_at": at}
    task_id = insert_id(conn, TK, row)
    audit(conn, at=at, rep=handle_of(actor), entity="task", entity_id=task_id, action="create", after=row)
    return task_id


def add(conn: Connection, *, deal_id: int | None, lead_id: int | None, customer_id: int | None, due: date,
        priority: str, text: str, at: datetime, actor: Actor | None) -> int:
    kind = rules.one_subject(deal=deal_id, lead=lead_id, customer=customer_id)
    record_id = {"deal": deal_id, "lead": lead_id, "customer": customer_id}[kind]
    assert record_id is not None
    record = fetch(conn, _TABLES[kind], record_id, kind)
    if kind != "deal":
        from salescli.services.merge import refuse_merged

        refuse_merged(record, kind)
    require_owner(conn, actor, record["owner_id"], _("{entity} {id}").format(entity=_(kind), id=record_id))
    body = fields.required_text("tasks", "text", text, field="TEXT")
    level = rules.parse_priority(priority)
    require_in_order(at, _("task on {entity} {id}").format(entity=_(kind), id=record_id),
                     (record["created_at"], _("the {entity} was created").format(entity=_(kind))))
    require_in_order(due, _("task on {entity} {id}: --due").format(entity=_(kind), id=record_id),
                     (at.date(), _("the task was added")))
    owner_id = record["owner_id"] if record["owner_id"] is not None else id_of(actor)
    return insert_task(conn, subject=(kind, record_id), owner_id=owner_id, due=due, priority=level,
                       text=body, at=at, actor=actor)


def _select() -> Any:
    kind = case((TK.c.deal_id.is_not(None), literal("deal")), (TK.c.lead_id.is_not(None), literal("lead")),
                else_=literal("customer"))
    record_id = func.coalesce(TK.c.deal_id, TK.c.lead_id, TK.c.customer_id)
    name = func.coalesce(D.c.title, L.c.name, C.c.name)
    return (select(TK.c.id, TK.c.due, TK.c.priority, TK.c.status, kind.label("on"), record_id.label("record_id"),
                   name.label("record"), TK.c.text, R.c.handle.label("owner"), TK.c.created_at, TK.c.done_at)
            .select_from(TK.outerjoin(D, D.c.id == TK.c.deal_id).outerjoin(L, L.c.id == TK.c.lead_id)
                         .outerjoin(C, C.c.id == TK.c.customer_id).outerjoin(R, R.c.id == TK.c.owner_id)))


def _row(row: Any, today: date) -> dict[str, Any]:
    out = dict(row)
    out["overdue_days"] = rules.overdue_days(out["due"], today) if out["status"] == "open" else 0
    return out


def get(conn: Connection, task_id: int, *, today: date) -> dict[str, Any]:
    fetch(conn, TK, task_id, "task")
    return _row(conn.execute(_select().where(TK.c.id == task_id)).mappings().one(), today)


def listing(conn: Connection, *, today: date, owner_id: int | None = None, overdue: bool = False,
            due_by: date | None = None, include_done: bool = False, limit: int | None = None) -> list[dict[str, Any]]:
    """Tasks, soonest due first (high priority first on the same day): open ones unless ``include_done``;
    ``overdue``: due before ``today``; ``due_by``: due on or before that day."""
    order = case((TK.c.priority == "high", 0), (TK.c.priority == "normal", 1), else_=2)
    query = _select().order_by(TK.c.due, order, TK.c.id)
    if not include_done:
        query = query.where(TK.c.status == "open")
    if owner_id is not None:
        query = query.where(TK.c.owner_id == owner_id)
    if overdue:
        query = query.where(TK.c.due < today, TK.c.status == "open")
    if due_by is not None:
        query = query.where(TK.c.due <= due_by)
    if limit:
        query = query.limit(limit)
    return [_row(r, today) for r in conn.execute(query).mappings()]


def _open_task(conn: Connection, task_id: int, *, actor: Actor | None, at: datetime, doing: str) -> dict[str, Any]:
    """The task, open and the acting rep's to change; ``doing`` names the change (translated: "task 3 done")."""
    task = fetch(conn, TK, task_id, "task")
    require_owner(conn, actor, task["owner_id"], _("task {id}").format(id=task_id))
    if task["status"] != "open":
        raise InvalidTransition(_("task {id} is already done").format(id=task_id))
    require_in_order(at, doing, (task["created_at"], _("it was added")))
    return task


def done(conn: Connection, task_id: int, *, at: datetime, actor: Actor | None) -> None:
    task = _open_task(conn, task_id, actor=actor, at=at, doing=_("task {id} done").format(id=task_id))
    conn.execute(update(TK).where(TK.c.id == task_id).values(status="done", done_at=at, updated_at=at))
    audit(conn, at=at, rep=handle_of(actor), entity="task", entity_id=task_id, action="done", before=task,
          after={**task, "status": "done", "done_at": at, "updated_at": at})


def update_task(conn: Connection, task_id: int, *, due: date | None, priority: str | None, text: str | None,
                at: datetime, actor: Actor | None) -> dict[str, Any]:
    task = _open_task(conn, task_id, actor=actor, at=at, doing=_("task {id} updated").format(id=task_id))
    changes: dict[str, Any] = {}
    if due is not None:
        require_in_order(due, _("task {id}: --due").format(id=task_id), (task["created_at"].date(), _("it was added")))
        changes["due"] = due
    if priority is not None:
        changes["priority"] = rules.parse_priority(priority)
    if text is not None:
        changes["text"] = fields.required_text("tasks", "text", text, field="--text")
    if not changes:
        raise InputError(_("nothing to update: give --due, --priority or --text"))
    conn.execute(update(TK).where(TK.c.id == task_id).values(**changes, updated_at=at))
    audit(conn, at=at, rep=handle_of(actor), entity="task", entity_id=task_id, action="update", before=task,
          after={**task, **changes})
    return get(conn, task_id, today=at.date())


def follow_owner(conn: Connection, *, deal_id: int, owner_id: int) -> None:
    """A deal given to another rep takes its open tasks with it."""
    conn.execute(update(TK).where(TK.c.deal_id == deal_id, TK.c.status == "open").values(owner_id=owner_id))
