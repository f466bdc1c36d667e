"""What the database holds, for ``db info``: how many records of each main kind."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from salescli import models

COUNTED = ("reps", "customers", "contacts", "leads", "deals", "products", "quotes", "orders")


def record_counts(conn: Connection) -> dict[str, int]:
    """Records per table (:data:`COUNTED`, in that order)."""
    counts = {}
    for name in COUNTED:
        table = models.metadata.tables[name]
        counts[name] = conn.execute(select(func.count()).select_from(table)).scalar_one()
    return counts
