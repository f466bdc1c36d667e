"""salescli for AI assistants: the Model Context Protocol over stdio (issue 20), with the official ``mcp`` SDK.

Imported only by ``salescli mcp`` (it loads the SDK and pydantic: never at ``--help`` or by another command).

Every tool call is one command: a fresh ``App`` on the same settings (so "now" is the call's, and who is acting is
resolved exactly as on the command line: ``--rep`` / SALESCLI_REP / the default rep on SQLite, the database login on
PostgreSQL), the same services the CLI commands call, the same team rules (services/authz.py, and row security on
PostgreSQL), and the events of its changes delivered after it like any command's. A refused change comes back as a
tool error with the CLI's one-line reason; nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

from salescli import __version__
from salescli.app import App
from salescli.errors import SalesError, redact
from salescli.i18n import _
from salescli.output import json_value
from salescli.settings import Settings

if TYPE_CHECKING:
    from salescli.records import KpiReport, Quote, Task

INSTRUCTIONS = """salescli: a sales pipeline (leads → deals → quotes → contracts → orders → KPIs).
Tools act as one sales rep (see whoami) with that rep's rights: a rep sees and changes their own records, managers
everyone's. Write tools say what they change; a refused change returns an error and changes nothing. Money is a
decimal string ("1999.90"), dates are ISO (2026-10-05) or relative (today, tomorrow, +3d)."""

READ = ToolAnnotations(read_only_hint=True)
WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False)


def build(settings: Settings) -> MCPServer:
    """The MCP server: one tool per everyday job, each calling the services the CLI commands call."""
    server = MCPServer(name="salescli", version=__version__, instructions=INSTRUCTIONS)

    def call(work: Callable[[App], Any]) -> Any:
        app = App(settings)
        try:
            return json_value(work(app))
        except SalesError as error:
            raise ToolError(redact(error.message)) from None
        finally:
            try:
                import sys

                hooks = sys.modules.get("salescli.services.hooks")
                if hooks is not None:
                    hooks.after_command(app)
            finally:
                app.close()

    @server.tool(annotations=READ)
    async def whoami() -> dict[str, Any]:
        """Who the tools act as (handle, name, role), and the database kind."""
        def work(a: App) -> dict[str, Any]:
            with a.store.read() as conn:
                actor = a.actor(conn)
            return {"handle": actor.handle if actor else None, "name": actor.name if actor else None,
                    "role": actor.role if actor else "single user", "database": "sqlite" if a.store.is_sqlite
                    else "postgresql"}
        return call(work)  # type: ignore[no-any-return]

    @server.tool(annotations=READ)
    async def find_leads(query: str | None = None, status: str | None = None, due_only: bool = False,
                         limit: int = 20) -> dict[str, Any]:
        """Find the acting rep's leads: by name, company, email, phone or city (query, Chinese too), by status
        (new, contacted, qualified, converted, lost), or only those whose follow-up is due (due_only)."""
        from salescli.services import leads

        def work(a: App) -> dict[str, Any]:
            with a.store.read() as conn:
                rows = leads.listing(conn, status=status, search=query or None, owner_id=a.scope(conn, None, False),
                                     due_by=a.day(None) if due_only else None, limit=max(1, min(limit, 200)))
            return {"leads": rows}
        return call(work)  # type: ignore[no-any-return]

    @server.tool(annotations=READ)
    async def today_agenda() -> dict[str, Any]:
        """The acting rep's day: tasks and follow-ups due, quotes about to expire, late or at-risk orders, tickets
        near or past their SLA ("who should I call today?")."""
        from salescli.services import agenda

        def work(a: App) -> dict[str, Any]:
            with a.store.read() as conn:
                return agenda.today(conn, today=a.day(None), now=a.moment(None), owner_id=a.scope(conn, None, False),
                                    at_risk_days=a.config_int("at_risk_days"))
        return call(work)  # type: ignore[no-any-return]

    @server.tool(annotations=WRITE)
    async def log_activity(kind: str, summary: str, lead_id: int | None = None, deal_id: int | None = None,
                           next_follow_up: str | None = None) -> dict[str, Any]:
        """WRITES: adds one activity (call, email, meeting, visit, wechat or note) to ONE lead or deal of the acting
        rep, dated now, and records it in the audit log. On a lead, next_follow_up (a date) becomes the lead's next
        follow-up; on a deal, it becomes an open task for the deal's owner. Only the record's owner or a manager
        may log on it."""
        from salescli.services import deals, leads
        from salescli.services.ids import parse_id

        if (lead_id is None) == (deal_id is None):
            raise ToolError(_("give exactly one of lead_id or deal_id"))

        def work(a: App) -> dict[str, Any]:
            at = a.moment(None)
            nxt = a.parse_day(next_follow_up, field="next_follow_up", base=at.date()) if next_follow_up else None
            with a.store.write() as conn:
                if lead_id is not None:
                    activity = leads.log(conn, parse_id(lead_id, "lead"), kind=kind, summary=summary, next_step=nxt,
                                         at=at, actor=a.actor(conn))
                    return {"activity_id": activity, "lead_id": lead_id, "changed": f"activity added to lead {lead_id}"}
                activity = deals.log(conn, parse_id(str(deal_id), "deal"), kind=kind, summary=summary, next_day=nxt,
                                     at=at, actor=a.actor(conn))
                return {"activity_id": activity, "deal_id": deal_id, "changed": f"activity added to deal {deal_id}"}
        return call(work)  # type: ignore[no-any-return]

    @server.tool(annotations=WRITE)
    async def add_task(text: str, due: str, deal_id: int | None = None, lead_id: int | None = None,
                       customer_id: int | None = None, priority: str = "normal") -> dict[str, Any]:
        """WRITES: adds one open task (low, normal or high priority) due on a day, on ONE deal, lead or customer; it
        belongs to that record's owner. Only the record's owner or a manager may add it. Returns the task."""
        from salescli.services import tasks

        def work(a: App) -> Task:
            at = a.moment(None)
            day = a.parse_day(due, field="due", base=at.date())
            with a.store.write() as conn:
                task_id = tasks.add(conn, deal_id=deal_id, lead_id=lead_id, customer_id=customer_id, due=day,
                                    priority=priority, text=text, at=at, actor=a.actor(conn))
                return tasks.get(conn, task_id, today=at.date())
        return call(work)  # type: ignore[no-any-return]

    @server.tool(annotations=WRITE)
    async def create_quote(deal_id: int, items: list[str] | None = None, from_needs: bool = False,
                           discount_pct: str | None = None) -> dict[str, Any]:
        """WRITES: creates a draft quote Q-YYYY-NNNN on one of the acting rep's open deals, priced exactly like
        'salescli quote create': items as "SKU:QTY" or "SKU:QTY:UNIT_PRICE[:LINE_PCT]", or from_needs (the deal's
        confirmed needs); tax rate, validity and terms from the team settings. A quote over the discount policy
        is created but needs a manager's approval before it can be sent (needs_approval in the result). Nothing is
        sent to the customer."""
        from salescli.commands.quote import _policy
        from salescli.document_files import terms
        from salescli.domain.money import parse_pct
        from salescli.domain.pricing import parse_line
        from salescli.services import quotes

        def work(a: App) -> Quote:
            at = a.moment(None)
            specs = [parse_line(text) for text in items or []]
            with a.store.write() as conn:
                number = quotes.create(
                    conn, deal_id, specs=specs, from_needs=from_needs,
                    discount=parse_pct(discount_pct or "0", field="discount_pct"),
                    tax_rate=parse_pct(a.config("tax_rate"), field="tax_rate"),
                    valid_days=a.config_int("quote_valid_days"), at=at, actor=a.actor(conn),
                    policy=_policy(a), currency=a.config("currency"),
                    terms=terms(a, base=at.date(), payment_terms=None, delivery_terms=None, delivery_date=None,
                                remarks=None, defaults=True))
                return quotes.record(conn, number, today=at.date())
        return call(work)  # type: ignore[no-any-return]

    @server.tool(annotations=READ)
    async def show_quote(number: str, revision: int | None = None) -> dict[str, Any]:
        """A quote (its latest revision unless revision is given): lines, subtotal, discount, net, tax, total,
        status, and whether it needs or has a manager's approval."""
        from salescli.services import quotes

        def work(a: App) -> Quote:
            with a.store.read() as conn:
                return quotes.record(conn, quotes.parse_number(number), revision=revision, today=a.day(None))
        return call(work)  # type: ignore[no-any-return]

    @server.tool(annotations=READ)
    async def pipeline() -> dict[str, Any]:
        """The acting rep's deals by stage: count, value and value weighted by each stage's win probability."""
        from salescli.services import deals

        def work(a: App) -> dict[str, Any]:
            with a.store.read() as conn:
                return {"stages": deals.pipeline(conn, today=a.day(None), owner_id=a.scope(conn, None, False))}
        return call(work)  # type: ignore[no-any-return]

    @server.tool(annotations=READ)
    async def kpi_report(period: str | None = None, by: str = "rep") -> dict[str, Any]:
        """KPIs for a period (2026, 2026-Q4, 2026-11; default this month) by rep, month, channel or product:
        revenue, units, deals won and lost, win rate, average deal, cycle days, target attainment, NPS, CSAT,
        on-time delivery (what the acting rep may see)."""
        from salescli.services import kpi

        def work(a: App) -> KpiReport:
            span = kpi.resolve_period(period, None, None, a.day(None))
            with a.store.read() as conn:
                return kpi.report(conn, period=span, by=by, rep_id=a.report_scope(conn, None))
        return call(work)  # type: ignore[no-any-return]

    return server


def serve(settings: Settings) -> None:
    """Speak MCP on stdin/stdout until the client closes it."""
    build(settings).run("stdio")
