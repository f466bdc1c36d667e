"""What `lead merge` and `customer merge` print: one renderer for both."""

from __future__ import annotations

from typing import Any

from salescli import output
from salescli.columns import MERGE_MOVES
from salescli.i18n import _


def show(result: dict[str, Any], entity: str, keep_id: int, other_id: int, fmt: Any, *, dry_run: bool) -> None:
    """The merge's record for scripts; for people, what moves (on --dry-run) and one line saying what happened."""
    from salescli.services.merge import describe

    if output.resolve_format(fmt) is output.Format.json:
        output.render_record(result, fmt)
    elif dry_run:
        output.render(result["moves"], MERGE_MOVES, fmt, title=f"{entity} {other_id} → {entity} {keep_id}",
                      empty=_("nothing to move"))
    output.message(describe(result, entity))
