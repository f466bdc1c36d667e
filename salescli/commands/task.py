"""task add/list/done/update: to-dos with a due day on a deal, lead or customer."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli import columns, output
from salescli.app import App
from salescli.i18n import _
from salescli.options import AllOpt, DateOpt, FormatOpt, LimitOpt, OwnerOpt, command_group

app = command_group()

TaskArg = Annotated[str, typer.Argument(help="Task id.")]
Priority = Annotated[str | None, typer.Option("--priority", help="low, normal or high.")]


@app.command("add")
def add(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="What to do.")],
    due: Annotated[str, typer.Option("--due", metavar="DATE", help="Due day: YYYY-MM-DD, today, tomorrow, +3d.")],
    deal: Annotated[str | None, typer.Option("--deal", metavar="ID", help="On this deal.")] = None,
    lead: Annotated[str | None, typer.Option("--lead", metavar="ID", help="On this lead.")] = None,
    customer: Annotated[str | None, typer.Option("--customer", metavar="ID", help="On this customer.")] = None,
    priority: Priority = None, date: DateOpt = None, fmt: FormatOpt = None,
) -> None:
    """Add a task on one deal, lead or customer (for its owner); prints the task id."""
    from salescli.services import tasks
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    at = a.moment(date)
    ids = {name: parse_id(value, name) if value is not None else None
           for name, value in (("deal", deal), ("lead", lead), ("customer", customer))}
    due_day = a.parse_day(due, field="--due", base=at.date())
    with a.store.write() as conn:
        task_id = tasks.add(conn, deal_id=ids["deal"], lead_id=ids["lead"], customer_id=ids["customer"], due=due_day,
                            priority=priority or "normal", text=text, at=at, actor=a.actor(conn))
        record = tasks.get(conn, task_id, today=at.date())
    output.created(task_id, record, fmt)


@app.command("list")
def list_(
    ctx: typer.Context,
    overdue: Annotated[bool, typer.Option("--overdue", help="Only open tasks past their due day.")] = False,
    due_before: Annotated[str | None, typer.Option(
        "--due-before", metavar="DATE", help="Only tasks due on or before this day.")] = None,
    done: Annotated[bool, typer.Option("--done", help="Include done tasks.")] = False,
    owner: OwnerOpt = None, everyone: AllOpt = False, limit: LimitOpt = None, fmt: FormatOpt = None,
) -> None:
    """Open tasks, soonest due first (the acting rep's, when a rep is set)."""
    from salescli.services import tasks

    a = App.of(ctx)
    today = a.day(None)
    due_by = a.day(due_before, field="--due-before") if due_before else None
    with a.store.read() as conn:
        rows = tasks.listing(conn, today=today, owner_id=a.scope(conn, owner, everyone), overdue=overdue,
                             due_by=due_by, include_done=done, limit=limit)
    output.render(rows, columns.TASKS, fmt, empty=_("no tasks"))


@app.command("done")
def done(ctx: typer.Context, task: TaskArg, date: DateOpt = None) -> None:
    """Mark an open task done."""
    from salescli.services import tasks
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    task_id = parse_id(task, "task")
    with a.store.write() as conn:
        tasks.done(conn, task_id, at=a.moment(date), actor=a.actor(conn))
    output.message(_("task {id} done").format(id=task_id))


@app.command("update")
def update(
    ctx: typer.Context, task: TaskArg,
    due: Annotated[str | None, typer.Option("--due", metavar="DATE", help="New due day.")] = None,
    priority: Priority = None,
    text: Annotated[str | None, typer.Option("--text", help="New text.")] = None,
    date: DateOpt = None, fmt: FormatOpt = None,
) -> None:
    """Change an open task's due day, priority or text."""
    from salescli.services import tasks
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    at = a.moment(date)
    due_day = a.parse_day(due, field="--due", base=at.date()) if due else None
    with a.store.write() as conn:
        record = tasks.update_task(conn, parse_id(task, "task"), due=due_day, priority=priority, text=text, at=at,
                                   actor=a.actor(conn))
    output.render_record(record, fmt)
