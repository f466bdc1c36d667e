"""What `lead merge` and `customer merge` print: one renderer for both (not a command group of its own)."""

from __future__ import annotations

from typing import Any

from salescli import output
from salescli.i18n import _
from salescli.output import Col

MOVE_COLUMNS = [Col("table", "table"), Col("column", "column"), Col("rows", "rows", True)]


def show(result: dict[str, Any], entity: str, keep_id: int, other_id: int, fmt: Any, *, dry_run: bool) -> None:
    """The merge's record for scripts; for people, what moves (on --dry-run) and one line saying what happened."""
    from salescli.services.merge import describe

    if output.resolve_format(fmt) is output.Format.json:
        output.render_record(result, fmt)
    elif dry_run:
        output.render(result["moves"], MOVE_COLUMNS, fmt, title=f"{entity} {other_id} → {entity} {keep_id}",
                      empty=_("nothing to move"))
    output.message(describe(result, entity))
