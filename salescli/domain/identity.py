"""Normalized keys for people and companies: how duplicates are recognized across typing styles."""

from __future__ import annotations

import re
import unicodedata

from salescli.errors import InputError

_HANDLE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_text(value: str, *, field: str, max_len: int = 200, required: bool = True, multiline: bool = False) -> str:
    """Trim a user string; refuse control characters, over-long text, and (if required) empty text.

    Text is stored verbatim otherwise: no HTML or SQL escaping here, that is the renderer's and driver's job.
    """
    text = value.strip()
    if required and not text:
        raise InputError(f"{field}: must not be empty")
    if _CONTROL.search(text.replace("\n", "").replace("\t", "") if multiline else text):
        raise InputError(f"{field}: contains control characters or a line break")
    if len(text) > max_len:
        raise InputError(f"{field}: longer than {max_len} characters ({len(text)})")
    return text


def name_key(value: str) -> str:
    """Key for matching company and person names: full-width folded, case-folded, spaces collapsed."""
    text = unicodedata.normalize("NFKC", value).casefold()
    text = _SPACE.sub(" ", text).strip(" .,;，。")
    return text


def normalize_email(value: str, *, field: str = "email") -> tuple[str, str]:
    """Return (address as typed, key) or raise InputError. Syntax only: no DNS (no network here)."""
    from email_validator import EmailNotValidError, validate_email

    text = unicodedata.normalize("NFKC", value).strip()
    try:
        info = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InputError(f"{field}: {value!r} is not an email address ({exc})") from None
    return info.normalized, info.normalized.casefold()


def normalize_phone(value: str, *, region: str = "CN", field: str = "phone") -> tuple[str, str]:
    """Return (number as typed, E.164 key) or raise InputError; numbers without + use ``region``."""
    import phonenumbers

    text = unicodedata.normalize("NFKC", value).strip()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InputError(f"{field}: {value!r} is not a phone number") from None
    if not phonenumbers.is_possible_number(number):
        raise InputError(f"{field}: {value!r} is not a possible phone number for region {region}")
    return text, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_handle(text: str) -> str:
    """A rep handle: 1-40 lower-case letters, digits, '.', '_' or '-'."""
    handle = text.strip().lower()
    if not _HANDLE.match(handle):
        raise InputError(f"handle: {text!r} must be 1-40 letters, digits, '.', '_' or '-', starting with a "
                         "letter or digit")
    return handle
