"""Tasks: to-dos with a due day and a priority on one deal, lead or customer. A task belongs to its record's owner
(else the rep who added it); a rep adds, changes and closes tasks only on their own records (services/authz.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Connection, case, func, literal, select, update

from salescli import models, records
from salescli.domain import fields
from salescli.domain import tasks as rules
from salescli.domain.dates import require_in_order
from salescli.errors import InputError, InvalidTransition
from salescli.i18n import _
from salescli.services.audit import audit
from salescli.services.authz import Actor, handle_of, id_of, require_owner
from salescli.services.rows import fetch, insert_id

Task = models.tasks
Rep = models.reps
Deal, Lead, Customer = models.deals, models.leads, models.customers
_TABLES = {"deal": Deal, "lead": Lead, "customer": Customer}


def insert_task(conn: Connection, *, subject: tuple[str, int], owner_id: int | None, due: date,
                priority: str, text: str, at: datetime, actor: Actor | None) -> int:
    """Store a task already checked (the caller checked the record, its owner and the dates)."""
    kind, record_id = subject
    row = {f"{kind}_id": record_id, "text": text, "due": due, "priority": priority, "status": "open",
           "owner_id": owner_id, "rep_id": id_of(actor), "created_at": at, "updated_at": at}
    task_id = insert_id(conn, Task, row)
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
    kind = case((Task.c.deal_id.is_not(None), literal("deal")), (Task.c.lead_id.is_not(None), literal("lead")),
                else_=literal("customer"))
    record_id = func.coalesce(Task.c.deal_id, Task.c.lead_id, Task.c.customer_id)
    name = func.coalesce(Deal.c.title, Lead.c.name, Customer.c.name)
    return (select(Task.c.id, Task.c.due, Task.c.priority, Task.c.status, kind.label("on"),
                   record_id.label("record_id"), name.label("record"), Task.c.text, Rep.c.handle.label("owner"),
                   Task.c.created_at, Task.c.done_at)
            .select_from(Task.outerjoin(Deal, Deal.c.id == Task.c.deal_id).outerjoin(Lead, Lead.c.id == Task.c.lead_id)
                         .outerjoin(Customer, Customer.c.id == Task.c.customer_id)
                         .outerjoin(Rep, Rep.c.id == Task.c.owner_id)))


def _row(row: Any, today: date) -> records.Task:
    out = dict(row)
    out["overdue_days"] = rules.overdue_days(out["due"], today) if out["status"] == "open" else 0
    return cast(records.Task, out)


def get(conn: Connection, task_id: int, *, today: date) -> records.Task:
    fetch(conn, Task, task_id, "task")
    return _row(conn.execute(_select().where(Task.c.id == task_id)).mappings().one(), today)


def listing(conn: Connection, *, today: date, owner_id: int | None = None, overdue: bool = False,
            due_by: date | None = None, include_done: bool = False,
            limit: int | None = None) -> list[records.Task]:
    """Tasks, soonest due first (high priority first on the same day): open ones unless ``include_done``;
    ``overdue``: due before ``today``; ``due_by``: due on or before that day."""
    order = case((Task.c.priority == "high", 0), (Task.c.priority == "normal", 1), else_=2)
    query = _select().order_by(Task.c.due, order, Task.c.id)
    if not include_done:
        query = query.where(Task.c.status == "open")
    if owner_id is not None:
        query = query.where(Task.c.owner_id == owner_id)
    if overdue:
        query = query.where(Task.c.due < today, Task.c.status == "open")
    if due_by is not None:
        query = query.where(Task.c.due <= due_by)
    if limit:
        query = query.limit(limit)
    return [_row(r, today) for r in conn.execute(query).mappings()]


def _open_task(conn: Connection, task_id: int, *, actor: Actor | None, at: datetime, doing: str) -> dict[str, Any]:
    """The task, open and the acting rep's to change; ``doing`` names the change (translated: "task 3 done")."""
    task = fetch(conn, Task, task_id, "task")
    require_owner(conn, actor, task["owner_id"], _("task {id}").format(id=task_id))
    if task["status"] != "open":
        raise InvalidTransition(_("task {id} is already done").format(id=task_id))
    require_in_order(at, doing, (task["created_at"], _("it was added")))
    return task


def done(conn: Connection, task_id: int, *, at: datetime, actor: Actor | None) -> None:
    task = _open_task(conn, task_id, actor=actor, at=at, doing=_("task {id} done").format(id=task_id))
    conn.execute(update(Task).where(Task.c.id == task_id).values(status="done", done_at=at, updated_at=at))
    audit(conn, at=at, rep=handle_of(actor), entity="task", entity_id=task_id, action="done", before=task,
          after={**task, "status": "done", "done_at": at, "updated_at": at})


def update_task(conn: Connection, task_id: int, *, due: date | None, priority: str | None, text: str | None,
                at: datetime, actor: Actor | None) -> records.Task:
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
    conn.execute(update(Task).where(Task.c.id == task_id).values(**changes, updated_at=at))
    audit(conn, at=at, rep=handle_of(actor), entity="task", entity_id=task_id, action="update", before=task,
          after={**task, **changes})
    return get(conn, task_id, today=at.date())


def follow_owner(conn: Connection, *, deal_id: int, owner_id: int) -> None:
    """A deal given to another rep takes its open tasks with it."""
    conn.execute(update(Task).where(Task.c.deal_id == deal_id, Task.c.status == "open").values(owner_id=owner_id))
