"""questionary wrappers. Every prompt raises KeyboardInterrupt on Ctrl-C (nothing is written, exit 130);
when prompting is not allowed, callers raise InputError naming the missing fields instead."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from salescli.errors import InputError
from salescli.i18n import _


def refuse(missing: Sequence[str]) -> InputError:
    return InputError(_("missing {fields} (no terminal to ask on, or --no-input)").format(fields=", ".join(missing)))


def _validator(parse: Callable[[str], Any] | None, required: bool) -> Callable[[str], bool | str]:
    def validate(text: str) -> bool | str:
        if not text.strip():
            return _("required") if required else True
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
        return True if value in choices else _("pick one of the suggestions (type part of the SKU or name)")

    return str(questionary.autocomplete(message, choices=list(choices), meta_information=meta or {},
                                        match_middle=True, ignore_case=True, validate=validate).unsafe_ask())


def confirm(message: str, *, default: bool = True) -> bool:
    import questionary

    return bool(questionary.confirm(message, default=default).unsafe_ask())


# -- passwords for new database logins (rep add --login, team survey-login) ----------------------------------

def password_from_file(path: Path) -> str:
    """The first line of ``path`` (or of stdin for '-'), without its line end. Errors name the file, never the
    text."""
    import sys

    try:
        if str(path) == "-":
            line = sys.stdin.readline()
        else:
            with open(path, encoding="utf-8", newline="") as fh:
                line = fh.readline()
    except UnicodeDecodeError:
        raise InputError(_("--password-file: {path} is not UTF-8 text").format(path=path)) from None
    except OSError as error:
        raise InputError(_("--password-file: cannot read {path}: {reason}").format(
            path=path, reason=error.strerror)) from None
    password = line.rstrip("\r\n")
    if not password:
        raise InputError(_("--password-file: the first line of {path} is empty (for a login without a password use "
                           "--no-password)").format(path=path))
    return password


def new_password(login: str, *, ask: bool) -> str:
    """A new login's password, asked twice on the terminal without echo (``ask``: a terminal may be used)."""
    if not ask:
        raise InputError(_("--login: the new login {login} needs a password: give --password-file FILE, or "
                           "--no-password for peer, certificate or trust authentication (no terminal to ask on)"
                           ).format(login=login))
    import getpass

    first = getpass.getpass(_("Password for the login {login}: ").format(login=login))
    if not first:
        raise InputError(_("an empty password: nothing was saved (for a login without a password use "
                           "--no-password)"))
    if getpass.getpass(_("Again: ")) != first:
        raise InputError(_("the two passwords differ: nothing was saved"))
    return first
