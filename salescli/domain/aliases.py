"""Canonical keys with aliases: one stored value (``manufacturing``, ``referral``, ``price``) for every name a person
types (制造业, 制造, Manufacturing; 朋友介绍, 转介绍; 价格). The tables ship in the modules that own the concept
(domain/customers.py industries, domain/leads.py channels, domain/lost.py lost reasons); a team extends them with
settings written ``alias=key,alias=key``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping

from salescli.errors import InputError
from salescli.i18n import _

_SEPARATORS = re.compile(r"[\s\-_]+")
KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")


def fold(text: str) -> str:
    """The form names are compared in: trimmed, case-folded, runs of spaces, hyphens and underscores as one ``_``
    (``Lead time``, ``lead-time`` and ``lead_time`` are the same name)."""
    return _SEPARATORS.sub("_", text.strip().casefold()).strip("_")


def table(names: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """``{key: (alias, ...)}`` → ``{folded alias or key: key}``."""
    out: dict[str, str] = {}
    for key, aliases in names.items():
        out[fold(key)] = key
        for alias in aliases:
            out[fold(alias)] = key
    return out


def split_entries(text: str) -> list[str]:
    """Comma-separated entries (ASCII or full-width commas, 、 and semicolons too), empty ones dropped."""
    for sep in ("，", "、", ";", "；"):
        text = text.replace(sep, ",")
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_pairs(text: str, *, name: str, keys: Collection[str] | None = None) -> dict[str, str]:
    """``"朋友介绍=referral, 汽车=manufacturing"`` → ``{folded alias: key}``. A pair without ``=``, an empty side, a
    key that is not a lower-case word (or, with ``keys``, not one of them), or one alias given two keys is refused
    (InputError naming the setting)."""
    out: dict[str, str] = {}
    for entry in split_entries(text):
        alias, eq, key = (part.strip() for part in entry.partition("="))
        if not eq or not alias or not key:
            raise InputError(_("{name}: {entry!r} is not alias=key (e.g. 朋友介绍=referral)").format(name=name,
                                                                                               entry=entry))
        key = fold(key)
        if not KEY.fullmatch(key):
            raise InputError(_("{name}: {key!r} is not a key (lower-case letters, digits and _)").format(name=name,
                                                                                            key=key))
        if keys is not None and key not in keys:
            raise InputError(_("{name}: {key!r} is not one of {keys}").format(name=name, key=key, keys=", ".join(keys)))
        folded = fold(alias)
        if out.get(folded, key) != key:
            raise InputError(_("{name}: {alias!r} is given two keys ({first} and {second})").format(
                name=name, alias=alias, first=out[folded], second=key))
        out[folded] = key
    return out


def format_pairs(pairs: Mapping[str, str]) -> str:
    return ",".join(f"{alias}={key}" for alias, key in pairs.items())


def lookup(text: str, shipped: Mapping[str, str], extra: Mapping[str, str] | None = None) -> str | None:
    """The key ``text`` names (the team's aliases first, then the shipped table), or None."""
    folded = fold(text)
    if extra and folded in extra:
        return extra[folded]
    return shipped.get(folded)


def extra(text: str | None, *, name: str) -> dict[str, str]:
    """A team's alias setting as a lookup table (empty when unset)."""
    return parse_pairs(text, name=name) if text else {}
