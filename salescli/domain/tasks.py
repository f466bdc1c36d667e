"""Tasks: to-dos with a due day and a priority, on exactly one deal, lead or customer."""

from __future__ import annotations

from datetime import date

from salescli.errors import InputError
from salescli.i18n import _

PRIORITIES = ("low", "normal", "high")
STATUSES = ("open", "done")
SUBJECTS = ("deal", "lead", "customer")


def parse_priority(text: str) -> str:
    priority = text.strip().casefold()
    if priority not in PRIORITIES:
        raise InputError(_("{field}: {text!r} is not a priority (one of {choices})").format(
            field="--priority", text=text, choices=", ".join(PRIORITIES)))
    return priority


def one_subject(**ids: object) -> str:
    """The one record a task is on (``deal``, ``lead`` or ``customer``): exactly one must be given."""
    given = [name for name, value in ids.items() if value is not None]
    if len(given) != 1:
        options = " | ".join(f"--{name}" for name in ids)
        if given:
            raise InputError(_("a task is on exactly one record: give one of {options} (got {given})").format(
                options=options, given=", ".join("--" + g for g in given)))
        raise InputError(_("a task is on exactly one record: give one of {options}").format(options=options))
    return given[0]


def overdue_days(due: date, today: date) -> int:
    """Days past due (0 when due today or later)."""
    return max((today - due).days, 0)
