"""The audit trail: who changed what and when (only the fields that changed), and the change's events for hooks."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert

from salescli import models


def _jsonable(values: Mapping[str, Any] | None) -> str | None:
    if values is None:
        return None
    return json.dumps({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in values.items()},
                      ensure_ascii=False, default=str, sort_keys=True)


def audit(conn: Connection, *, at: datetime, rep: str | None, entity: str, entity_id: object, action: str,
          before: Mapping[str, Any] | None = None, after: Mapping[str, Any] | None = None) -> None:
    """Record who changed what (only the fields that changed, for updates)."""
    if before is not None and after is not None:
        changed = [k for k in after if before.get(k) != after.get(k)]
        before = {k: before.get(k) for k in changed}
        after = {k: after.get(k) for k in changed}
    conn.execute(insert(models.audit_log), {
        "at": at, "rep": rep, "entity": entity, "entity_id": str(entity_id), "action": action,
        "before": _jsonable(before), "after": _jsonable(after)})
    # the change's events, into the outbox in this same transaction (issue 20; only when a hook takes them)
    from salescli.services import hooks

    hooks.queue(conn, at=at, rep=rep, entity=entity, entity_id=entity_id, action=action, before=before, after=after)
