"""The command groups, loaded lazily: ``salescli --help`` reads names and help from here and imports
no command module; running a command imports only its own module.

Each module imports only typer and light modules at the top; the database layer is imported inside each
command. name → ("module:attribute" of a Typer app, one-line help), in the order of the sales process.
"""

COMMANDS: dict[str, tuple[str, str]] = {
    "customer": ("customer:app", "Step 1 · customer analysis: profiles, tiers A/B/C, breakdowns."),
    "contact": ("contact:app", "People at customers."),
    "lead": ("lead:app", "Step 2 · lead development: capture, follow up, convert, lose."),
    "needs": ("needs:app", "Step 3 · needs confirmation: items, budget, deadline, feasibility."),
    "product": ("product:app", "Step 4 · product catalog and recommendations."),
    "demo": ("demo:app", "Step 4 · product introductions and demos, objections."),
    "quote": ("quote:app", "Step 5 · quotes: exact pricing, discount policy, revisions, approval."),
    "contract": ("contract:app", "Step 6 · contracts from accepted quotes; signing wins the deal."),
    "order": ("order:app", "Step 7 · orders: hand-off to supply chain, tracking, late and at-risk."),
    "ticket": ("ticket:app", "Step 8 · after-sales tickets with priorities and SLA."),
    "survey": ("survey:app", "Step 9 · satisfaction surveys by email, phone or file; NPS and CSAT."),
    "target": ("target:app", "Step 10 · revenue and unit targets per rep and period."),
    "kpi": ("kpi:app", "Step 10 · KPI report, funnel and forecast."),
    "deal": ("deal:app", "Deals: list, timeline, log calls and visits, update, lose."),
    "task": ("task:app", "Tasks with due days on deals, leads and customers: add, list, done."),
    "today": ("agenda:today_app", "Your agenda: follow-ups, expiring quotes, late orders, SLA risks."),
    "pipeline": ("agenda:pipeline_app", "Deals by stage: count, value, weighted value."),
    "rep": ("rep:app", "Sales reps and managers."),
    "team": ("team:app", "Team mode on PostgreSQL: logins, grants and row security (team init, check)."),
    "history": ("history:app", "Who changed a record, when, from what to what."),
    "search": ("search:app", "Find anyone in leads, customers, contacts and deals (中文 too)."),
    "hook": ("hook:app", "Event hooks: WeCom, DingTalk, Feishu robots, JSON webhooks, scripts."),
    "mcp": ("mcp:app", "Serve salescli to AI assistants over MCP (stdio)."),
    "import": ("importer:app", "Import leads, customers, contacts or products (CSV/JSON, GBK ok), all or nothing."),
    "export": ("export:app", "Export whole records as CSV, JSON or JSON Lines."),
    "sample": ("sample:app", "Load a realistic sample data set (once per database)."),
    "db": ("db:app", "Database: check for damage, upgrade the schema, back up, restore, info."),
    "config": ("config:app", "Settings: team policy in the database, personal preferences in the config file."),
    "shell": ("shell:app", "Work in one session: the same commands, each in milliseconds; Tab completes."),
}


def load(name: str) -> object:
    """The click command for ``name`` (imports its module)."""
    import importlib

    from typer.main import get_command

    target, help_text = COMMANDS[name]
    module_name, attribute = target.split(":")
    module = importlib.import_module(f"salescli.commands.{module_name}")
    from salescli.help_text import decorate

    command = get_command(getattr(module, attribute))
    if not command.help:
        command.help = help_text
    decorate(command, (name,))  # help in the chosen language, readable metavars, examples
    return command
