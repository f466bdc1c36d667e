"""questionary wrappers. Every prompt raises KeyboardInterrupt on Ctrl-C (nothing is written, exit 130);
when prompting is not allowed, callers raise InputError naming the missing fields instead."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from salescli.errors import InputError


def refuse(missing: Sequence[str]) -> InputError:
    return InputError(f"missing {', '.join(missing)} (no terminal to ask on, or --no-input)")


def _validator(parse: Callable[[str], Any] | None, required: bool) -> Callable[[str], bool | str]:
    def validate(text: str) -> bool | str:
        if not text.strip():
            return "required" if required else True
        if parse is None:
            return True
        try:
            parse(text)
        except InputError as error:
            return error.message
        return True

    return validate


def text(message: str, *, parse: Callable[[str], Any] | None = None, required: bool = True,
         default: str = "") -> str:
    """Ask for text; ``parse`` validates inline (its InputError message is shown under the prompt)."""
    import questionary

    answer = questionary.text(message, default=default, validate=_validator(parse, required)).unsafe_ask()
    return str(answer).strip()


def choose(message: str, choices: Sequence[str], *, meta: dict[str, str] | None = None) -> str:
    """Type-ahead pick from ``choices`` (matches anywhere in the text, CJK included); must be one of them."""
    import questionary

    def validate(value: str) -> bool | str:
        return True if value in choices else "pick one of the suggestions (type part of the SKU or name)"

    return str(questionary.autocomplete(message, choices=list(choices), meta_information=meta or {},
                                        match_middle=True, ignore_case=True, validate=validate).unsafe_ask())


def confirm(message: str, *, default: bool = True) -> bool:
    import questionary

    return bool(questionary.confirm(message, default=default).unsafe_ask())
