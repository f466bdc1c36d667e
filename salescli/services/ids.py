"""Record ids typed on the command line: ``12`` or ``#12``, a positive 32-bit whole number, or one clear line."""

from __future__ import annotations

from salescli.errors import InputError
from salescli.i18n import N_, _

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL
# the record kinds named in messages (``entity`` below), for the catalog: translated where shown
ENTITIES = (N_("lead"), N_("deal"), N_("customer"), N_("contact"), N_("task"), N_("ticket"), N_("hook"),
            N_("event"), N_("order"), N_("quote"), N_("contract"), N_("demo"), N_("survey"), N_("product"))


def parse_id(text: str | int, entity: str) -> int:
    """A record id from the command line: a positive whole number (``#12`` is accepted too)."""
    raw = str(text).strip().lstrip("#")
    if not raw.isdigit() or int(raw) <= 0 or int(raw) > MAX_ID:
        raise InputError(_("{entity} id: {text!r} is not an id (expected a number such as 12)").format(
            entity=_(entity), text=str(text)))
    return int(raw)
