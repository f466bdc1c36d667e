"""The one field table: for every text a person or a file can store, its length, whether it is required and
whether it may span lines. The CLI's services, every import and the database columns (``models.py`` builds its
``String(n)`` from here) all read it, so the same field has the same limit on every path and on both backends
(a test checks that they agree).

Keyed by table and column, as stored. Lengths count characters (PostgreSQL's ``varchar(n)`` does too).
"""

from __future__ import annotations

from dataclasses import dataclass

from salescli.domain.identity import clean_text
from salescli.errors import InputError
from salescli.i18n import _


@dataclass(frozen=True, slots=True)
class Text:
    """A text field's rule. ``column`` False: stored as unbounded TEXT, the limit is the application's."""

    max_len: int
    required: bool = False
    multiline: bool = False
    column: bool = True  # the database column is varchar(max_len)


NAME = Text(200, required=True)
SHORT = Text(100)
NOTE = Text(4000, multiline=True, column=False)
REASON = Text(1000, column=False)
REMARKS = Text(2000, multiline=True, column=False)  # words printed for the customer on a document
TAX_ID_LEN = 40
EMAIL_LEN = 254  # RFC 5321 path limit
PHONE_LEN = 40
PHONE_KEY_LEN = 20  # E.164 is at most 16 characters with the +
SKU_LEN = 64
HANDLE_LEN = 40

TEXT: dict[str, dict[str, Text]] = {
    "reps": {"name": NAME},
    "customers": {"name": NAME, "industry": SHORT, "city": SHORT, "region": SHORT, "preferences": NOTE,
                  "competitors": Text(1000, column=False), "notes": NOTE, "legal_name": Text(200),
                  "address": Text(500, column=False)},
    "contacts": {"name": NAME, "title": SHORT},
    "leads": {"name": NAME, "company": Text(200), "title": SHORT, "city": SHORT, "notes": NOTE,
              "lost_reason": REASON},
    "deals": {"title": NAME, "lost_reason": REASON, "next_step": Text(1000, column=False), "lost_note": NOTE},
    "tasks": {"text": Text(1000, required=True, column=False)},
    "activities": {"summary": Text(4000, required=True, multiline=True, column=False)},
    "products": {"name": NAME, "category": SHORT, "description": NOTE, "spec": Text(500, column=False),
                 "unit": Text(20)},
    "needs": {"decision_maker": Text(200), "notes": NOTE},
    "need_items": {"spec": REASON},
    "demos": {"attendees": REASON, "questions": NOTE, "feedback": NOTE},
    "quotes": {"note": Text(2000, column=False), "reject_reason": REASON, "payment_terms": REASON,
               "delivery_terms": REASON, "remarks": REMARKS},
    "contracts": {"payment_terms": REASON, "terms": Text(8000, multiline=True, column=False),
                  "signed_by": NAME, "delivery_terms": REASON, "remarks": REMARKS},
    "orders": {},
    "order_events": {"note": Text(2000, column=False)},
    "tickets": {"subject": NAME},
    "ticket_events": {"note": NOTE},
    "surveys": {"comment": NOTE},
    "audit_log": {"reason": REASON},  # a reason kept only in the change's audit entry (a contract cancelled)
}


def rule(table: str, column: str) -> Text:
    return TEXT[table][column]


def length(table: str, column: str) -> int:
    """The varchar length of a column (models.py)."""
    return TEXT[table][column].max_len


def text(table: str, column: str, value: str | None, *, field: str | None = None) -> str | None:
    """Check and trim one value by its field's rule (``field`` names it in the error, e.g. ``--title``); an
    optional field left empty (or not given) is None."""
    r = TEXT[table][column]
    if value is None:
        if r.required:
            raise InputError(_("{field}: must not be empty").format(field=field or column))
        return None
    cleaned = clean_text(value, field=field or column, max_len=r.max_len, required=r.required,
                         multiline=r.multiline)
    return cleaned if cleaned or r.required else None


def fit(table: str, column: str, value: str) -> str:
    """A value the program composed (a default deal title from company and name), cut to the column's length."""
    limit = TEXT[table][column].max_len
    return value if len(value) <= limit else value[: limit - 1] + "…"


def required_text(table: str, column: str, value: str, *, field: str | None = None) -> str:
    """Like :func:`text` for a value that must be there whatever the column allows (a name typed at a prompt)."""
    r = TEXT[table][column]
    return clean_text(value, field=field or column, max_len=r.max_len, required=True, multiline=r.multiline)
