"""Why deals are lost: the team's list of reasons (a team setting), each a key with its names in other languages.

The setting is written ``key:alias|alias,key:alias`` (``price:价格,lead_time:交期``); a deal stores the key. Reasons
stored as free text before the list existed stay as written and are reported as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from salescli.domain.aliases import KEY, fold, split_entries
from salescli.errors import InputError
from salescli.i18n import _

DEFAULT = "price:价格,lead_time:交期,competitor:竞品,budget:预算,no_decision:无决策,other:其他"
MAX_REASONS = 50


@dataclass(frozen=True)
class Reasons:
    """The list: keys in order, each with its aliases (the first is its display name in Chinese)."""

    names: Mapping[str, tuple[str, ...]]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.names)

    def parse(self, text: str, *, field: str = "--reason") -> str:
        """The key ``text`` names (a key or an alias, any case), or InputError listing the keys."""
        folded = fold(text)
        for key, aliases in self.names.items():
            if folded == key or folded in (fold(a) for a in aliases):
                return key
        raise InputError(_("{field}: {text!r} is not a lost reason (one of {reasons})").format(
            field=field, text=text.strip(), reasons=self.describe()))

    def find(self, text: str | None) -> str | None:
        """The key a stored reason names, or None (free text from before the list)."""
        if not text:
            return None
        try:
            return self.parse(text)
        except InputError:
            return None

    def describe(self) -> str:
        return ", ".join(f"{k} ({'/'.join(a)})" if a else k for k, a in self.names.items())

    def text(self) -> str:
        return ",".join(f"{k}:{'|'.join(a)}" if a else k for k, a in self.names.items())


def parse_reasons(text: str, *, name: str = "lost_reasons") -> Reasons:
    """``price:价格,lead_time:交期|lead time`` → Reasons. Keys are lower-case words, unique; an alias names one
    reason only."""
    names: dict[str, tuple[str, ...]] = {}
    seen: dict[str, str] = {}
    for entry in split_entries(text):
        key, _colon, rest = (part.strip() for part in entry.partition(":"))
        key = fold(key)
        if not KEY.fullmatch(key):
            raise InputError(_("{name}: {entry!r} does not start with a key (lower-case letters, digits and _), "
                               "e.g. price:价格").format(name=name, entry=entry))
        aliases = tuple(a.strip() for a in rest.split("|") if a.strip())
        for label in (key, *aliases):
            owner = seen.setdefault(fold(label), key)
            if owner != key or (label == key and key in names):
                raise InputError(_("{name}: {label!r} is given twice").format(name=name, label=label))
        names[key] = aliases
    if not names:
        raise InputError(_("{name}: the list is empty (e.g. {example})").format(name=name, example=DEFAULT))
    if len(names) > MAX_REASONS:
        raise InputError(_("{name}: more than {most} reasons").format(name=name, most=MAX_REASONS))
    return Reasons(names)


DEFAULT_REASONS = parse_reasons(DEFAULT)
