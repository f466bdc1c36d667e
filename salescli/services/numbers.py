"""Document numbers ``KIND-YYYY-NNNN`` (Q quotes, C contracts, SO orders): read one typed by a person, and give out
the next one, gap-free per year and safe under concurrency."""

from __future__ import annotations

import re

from sqlalchemy import Connection, update

from salescli import models
from salescli.errors import InputError
from salescli.i18n import _


def parse_document_number(text: str, kind: str, entity: str) -> str:
    """``q-2026-1`` style input → ``Q-2026-0001``-style canonical number, or InputError."""
    number = text.strip().upper()
    match = re.fullmatch(rf"{kind}-(\d{{4}})-(\d{{1,8}})", number)
    if not match:
        raise InputError(_("{entity}: {text!r} is not a {entity} number (like {kind}-2026-0001)").format(
            entity=_(entity), text=text, kind=kind))
    return f"{kind}-{match.group(1)}-{int(match.group(2)):04d}"


def next_number(conn: Connection, kind: str, year: int) -> str:
    """The next document number ``KIND-YYYY-NNNN`` (Q, C, SO), gap-free per year and safe under concurrency.

    PostgreSQL: the database's ``salescli_next_number`` (migration 0010), a SECURITY DEFINER function holding the
    counter's row lock until commit, so a rep's login needs no write grant on ``counters`` (team mode), and a
    deferred check refuses the commit unless the document numbered is stored in the same transaction. SQLite: one
    atomic ``UPDATE ... RETURNING`` after an insert-if-missing, under the write lock of BEGIN IMMEDIATE."""
    if conn.dialect.name == "postgresql":
        value = conn.exec_driver_sql("SELECT salescli_next_number(%(kind)s::text, %(year)s::integer)",
                                     {"kind": kind, "year": year}).scalar_one()
        return f"{kind}-{year}-{value:04d}"
    from sqlalchemy.dialects.sqlite import insert as upsert

    counters = models.counters
    conn.execute(upsert(counters).values(kind=kind, year=year, last=0).on_conflict_do_nothing())
    value = conn.execute(update(counters).where(counters.c.kind == kind, counters.c.year == year)
                         .values(last=counters.c.last + 1).returning(counters.c.last)).scalar_one()
    return f"{kind}-{year}-{value:04d}"
