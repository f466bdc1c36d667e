"""One module per command group. Modules import only typer and light modules at the top; the database
layer is imported inside each command so that ``--help`` stays fast.

(module, group name or None for top-level commands, help)
"""

COMMANDS: list[tuple[str, str | None, str]] = [
    ("customer", "customer", "Step 1 · customer analysis: profiles, tiers A/B/C, breakdowns."),
    ("contact", "contact", "People at customers."),
    ("lead", "lead", "Step 2 · lead development: capture, follow up, convert, lose."),
    ("agenda", None, ""),
    ("rep", "rep", "Sales reps and managers."),
    ("export", None, ""),
    ("sample", None, ""),
    ("db", "db", "Database: upgrade the schema, back up."),
    ("config", "config", "Settings in the config file."),
]
