"""Every failure a user can cause is a SalesError kind; cli.py turns it into one stderr line and an exit code."""

from __future__ import annotations

import re

# ``scheme://user:SECRET@host``. A password typed unencoded may hold "@", ":", "/" or spaces, and drivers then cut
# the URL at its first "@" and print the rest as a host name, so the secret runs to the LAST "@" on the line (not
# into a second URL). The user part may hold "@" too (``me@corp:SECRET@host``). Hiding too much is the safe side.
# Every part is bounded and a scheme starts after a non-letter, so a long line costs linear time (unbounded, a line
# of 20,000 letters took 1.1 s).
_URL_PASSWORD = re.compile(
    r"(?P<head>(?<![A-Za-z])[A-Za-z][A-Za-z0-9+.\-]{0,64}://[^:/'\"\r\n]{0,256}:)(?:(?!://)[^\r\n]){0,512}@")
# ``?password=SECRET``, ``&pass=``, ``sslpassword=`` in a URL query; libpq keyword strings (``password=SECRET`` or
# ``password='se cret'``) and ``PGPASSWORD=SECRET``.
_KEYWORD_PASSWORD = re.compile(
    r"(?P<head>(?:pass(?:word|wd)?|pwd)\s*=\s*)(?:'(?:[^'\\\r\n]|\\.)*'?|\"(?:[^\"\\\r\n]|\\.)*\"?|[^\s&#'\"]+)",
    re.IGNORECASE)


def redact(text: str) -> str:
    """Hide every password a URL or connection string can carry: ``scheme://user:***@host``,
    ``?password=***``, ``sslpassword=***``, libpq ``password=***``. Used on every line printed about an error."""
    text = _URL_PASSWORD.sub(r"\g<head>***@", text)
    return _KEYWORD_PASSWORD.sub(r"\g<head>***", text)


def has_password(text: str) -> bool:
    """Whether ``text`` carries a password in any form ``redact`` hides."""
    return redact(text) != text


class SalesError(Exception):
    """Base of all expected failures. ``exit_code`` follows PRODUCT.md: 2 bad input, 1 refused."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.details: list[str] = []  # lines printed before the error line (an import's every problem)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle as kind + message + details, whatever the kind's constructor takes (an import's reader
        process sends its errors to the parent this way)."""
        return _restore, (type(self), self.message, self.details)


def _restore(kind: type[SalesError], message: str, details: list[str]) -> SalesError:
    error = kind.__new__(kind)
    SalesError.__init__(error, message)
    error.details = details
    return error


class InputError(SalesError):
    """Bad usage or bad input: a malformed date, amount, file, or a missing field."""

    exit_code = 2


class NotFound(SalesError):
    """The named record does not exist."""

    exit_code = 1


class InvalidTransition(SalesError):
    """A state change that the entity's state machine does not allow."""

    exit_code = 1


class PolicyError(SalesError):
    """Refused by a rule: ownership, approval, duplicate, manager-only action."""

    exit_code = 1


class StoreError(SalesError):
    """The database cannot be opened, is locked, or has a schema this version does not know."""

    exit_code = 1
