"""Normalized keys for people and companies: how duplicates are recognized across typing styles."""

from __future__ import annotations

import re
import unicodedata

from salescli.errors import InputError
from salescli.i18n import _

_HANDLE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
_SPACE = re.compile(r"\s+")
# Characters no text field may hold: C0 and C1 controls (ESC, U+009B CSI...), bidi embeddings, overrides and
# isolates (U+202A-U+202E, U+2066-U+2069: they reorder what a terminal or a document shows), and the line and
# paragraph separators U+2028/U+2029. One character class, so imports scan a whole column with it in one C-level
# pass (importers/fields.py). Multiline fields remove \r, \n and \t before the scan.
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# Invisible characters: Unicode's default-ignorable code points (zero-width space/joiners, bidi marks, word joiner
# and invisible operators, BOM, soft hyphen, combining grapheme joiner, Hangul fillers, Mongolian and Khmer
# invisibles, variation selectors, musical formatting, tags) and the blank braille pattern. Allowed inside text (emoji
# and some scripts need joiners and selectors), but text made only of them and spaces is empty. Imports check a
# column with it too.
INVISIBLE_CHARS = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u2800"
    "\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]")


def clean_text(value: str, *, field: str, max_len: int = 200, required: bool = True, multiline: bool = False) -> str:
    """Trim a user string; refuse control characters (see CONTROL_CHARS), over-long text, and (if required) empty
    text, where text made only of invisible characters (INVISIBLE_CHARS) and spaces counts as empty.

    Text is stored verbatim otherwise: no HTML or SQL escaping here, that is the renderer's and driver's job.
    """
    text = value.strip()
    if text and INVISIBLE_CHARS.search(text) and not INVISIBLE_CHARS.sub("", text).strip():
        text = ""  # only zero-width characters, a BOM or soft hyphens: nothing a person can see or search for
    if required and not text:
        raise InputError(_("{field}: must not be empty").format(field=field))
    if CONTROL_CHARS.search(text.replace("\r", "").replace("\n", "").replace("\t", "") if multiline else text):
        raise InputError(_("{field}: contains control characters or a line break").format(field=field))
    if len(text) > max_len:
        raise InputError(_("{field}: longer than {most} characters ({length})").format(field=field, most=max_len,
                                                                                       length=len(text)))
    return text


def name_key(value: str) -> str:
    """Key for matching company and person names: full-width folded, case-folded, spaces collapsed."""
    text = unicodedata.normalize("NFKC", value).casefold()
    text = _SPACE.sub(" ", text).strip(" .,;，。")
    return text


# A common-case address that email-validator would accept unchanged but for the lower-cased domain: checked
# here without it (import speed); anything else goes through email-validator, which decides and explains.
# Public: imports match a whole column against it in one scan (importers/fields.py).
SIMPLE_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,63}))")
SPECIAL_TLDS = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test", "internal", "home", "lan"})
_PHONE_NOISE = re.compile(r"[\s\-().]")
# A Chinese mobile number (11 digits: 1, then 3-9, then 9 more) and the country code its E.164 key starts with.
# Public: imports match a whole phone column against CN_MOBILE in one scan and key it with CN_PREFIX
# (importers/fields.py), so the two stay this one rule.
CN_MOBILE = r"1[3-9]\d{9}"
CN_PREFIX = "+86"
_CN_MOBILE = re.compile(rf"(?:{re.escape(CN_PREFIX)})?({CN_MOBILE})")


def normalize_email(value: str, *, field: str = "email") -> tuple[str, str]:
    """Return (address as typed with its domain lower-cased, key) or raise InputError. Syntax only: no DNS."""
    text = unicodedata.normalize("NFKC", value).strip()
    match = SIMPLE_EMAIL.fullmatch(text)
    if (match and len(text) <= 254 and text.index("@") <= 64 and match.group(2).lower() not in SPECIAL_TLDS
            and "--" not in match.group(1)):
        local, _at, domain = text.rpartition("@")
        normalized = f"{local}@{domain.lower()}"
        return normalized, normalized.casefold()
    from email_validator import EmailNotValidError, validate_email

    try:
        info = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InputError(_("{field}: {value!r} is not an email address ({reason})").format(
            field=field, value=value, reason=exc)) from None
    return info.normalized, info.normalized.casefold()


def normalize_phone(value: str, *, region: str = "CN", field: str = "phone") -> tuple[str, str]:
    """Return (number as typed, E.164 key) or raise InputError; numbers without + use ``region``.

    Chinese mobile numbers (the bulk of imports) are recognized directly; others go through phonenumbers.
    """
    text = unicodedata.normalize("NFKC", value).strip()
    bare = _PHONE_NOISE.sub("", text)
    mobile = _CN_MOBILE.fullmatch(bare)
    if mobile and (region == "CN" or bare.startswith(CN_PREFIX)):
        return text, CN_PREFIX + mobile.group(1)
    import phonenumbers

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InputError(_("{field}: {value!r} is not a phone number").format(field=field, value=value)) from None
    if not phonenumbers.is_possible_number(number):
        raise InputError(_("{field}: {value!r} is not a possible phone number for region {region}").format(
            field=field, value=value, region=region))
    return text, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_handle(text: str) -> str:
    """A rep handle: 1-40 lower-case letters, digits, '.', '_' or '-'."""
    handle = text.strip().lower()
    if not _HANDLE.match(handle):
        raise InputError(_("{field}: {text!r} must be 1-40 letters, digits, '.', '_' or '-', starting with a "
                           "letter or digit").format(field="handle", text=text))
    return handle


def parse_tax_id(text: str, *, field: str | None = None) -> str:
    """A taxpayer identification number (纳税人识别号): the 18-character unified social credit code, an older
    15/17/20-character number, or a foreign VAT number: 6-30 letters and digits, upper-cased, spaces and dashes
    dropped."""
    value = re.sub(r"[\s\-]", "", text).upper()
    if not re.fullmatch(r"[0-9A-Z]{6,30}", value):
        shown = text if len(text) <= 40 else text[:39] + "…"
        raise InputError(_("{field}: {text!r} is not a taxpayer number (6-30 letters and digits, "
                           "e.g. 91310000MA1FL0XX00)").format(field=field or _("tax id"), text=shown))
    return value
