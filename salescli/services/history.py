"""The audit trail: who changed what, when, from what to what."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, select

from salescli import models, records
from salescli.errors import InputError, NotFound
from salescli.i18n import _

ENTITIES = ("lead", "customer", "contact", "deal", "needs", "demo", "quote", "contract", "order", "ticket",
            "survey", "product", "rep", "target", "import", "setting", "task", "hook")


def changes(conn: Connection, entity: str, entity_id: str) -> list[records.Change]:
    if entity not in ENTITIES:
        raise InputError(_("entity: {entity!r} is not one of {choices}").format(entity=entity,
                                                                                choices=", ".join(ENTITIES)))
    from salescli.services.numbers import parse_document_number

    numbered = {"quote": "Q", "contract": "C", "order": "SO"}
    if entity in numbered:
        key = parse_document_number(entity_id, numbered[entity], entity)
    elif entity == "product":
        key = entity_id.strip().upper()
    elif entity in ("rep", "setting"):
        key = entity_id.strip().lower()
    else:
        key = entity_id.strip().lstrip("#")
    AuditLog = models.audit_log
    rows = conn.execute(select(AuditLog.c.at, AuditLog.c.rep, AuditLog.c.action, AuditLog.c.before, AuditLog.c.after)
                        .where(AuditLog.c.entity == entity, AuditLog.c.entity_id == key)
                        .order_by(AuditLog.c.at, AuditLog.c.id)).all()
    if not rows:
        raise NotFound(_("no history for {entity} {id}").format(entity=entity, id=entity_id))
    out: list[records.Change] = []
    for at, rep, action, before, after in rows:
        old, new = json.loads(before) if before else {}, json.loads(after) if after else {}
        fields = [k for k in new if not k.endswith(("_key", "_at")) or k == "closed_at"] or list(old)
        summary = "; ".join(f"{k}: {_short(old.get(k))} → {_short(new.get(k))}" if k in old else
                            f"{k}: {_short(new.get(k))}" for k in fields[:8])
        out.append({"at": at, "rep": rep, "action": action, "changes": summary, "before": old, "after": new})
    return out


def _short(value: Any) -> str:
    text = "∅" if value is None else str(value)
    return text if len(text) <= 40 else text[:39] + "…"
