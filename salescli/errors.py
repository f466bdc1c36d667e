"""Every failure a user can cause is a SalesError kind; cli.py turns it into one stderr line and an exit code."""

from __future__ import annotations

import re

_PASSWORD_IN_URL = re.compile(r"(://[^:/@\s]+:)[^@\s]+@")


def redact(text: str) -> str:
    """Hide any password written inside a URL (``scheme://user:secret@host`` → ``user:***@``)."""
    return _PASSWORD_IN_URL.sub(r"\1***@", text)


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
