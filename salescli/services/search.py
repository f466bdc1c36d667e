"""``--search`` text matched literally: ``%`` and ``_`` find themselves, not "anything" (SQLite and PostgreSQL)."""

from __future__ import annotations

ESCAPE = "\\"  # pass as ``escape=ESCAPE`` to every ``like``/``ilike`` given a contains_pattern


def contains_pattern(text: str) -> str:
    """A LIKE pattern for "contains ``text``": its ``\\``, ``%`` and ``_`` escaped with ESCAPE.

    Use as ``column.ilike(contains_pattern(text), escape=ESCAPE)``: both backends then read the pattern the same
    way (PostgreSQL's default escape is already ``\\``, SQLite has none unless told).
    """
    escaped = text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%"
