"""One rule for the email and mobile keys: the import's whole-column fast paths and the sample data give the keys
domain/identity.py gives (normalize_email, normalize_phone), at the edges of the rules too."""

from __future__ import annotations

from datetime import datetime

from salescli.domain import fields as field_rules
from salescli.domain.identity import normalize_email, normalize_phone
from salescli.errors import InputError
from salescli.importers.fields import SPECS, Context, column_check
from tests.conftest import Cli

CTX = Context(now=datetime(2026, 11, 30), region="CN", reps={})

LOCAL_64 = "a" * 64


def _domain(length: int) -> str:
    """A valid domain of exactly ``length`` characters (labels of at most 63)."""
    last = length - len(".com") - 2 * 64
    return f"{'d' * 63}.{'e' * 63}.{'f' * last}.com"


EMAILS = [
    "a@example.com", "li.wei@example.cn", f"{LOCAL_64}@example.com", f"{LOCAL_64}a@example.com",
    f"{LOCAL_64}@{_domain(189)}", f"{LOCAL_64}@{_domain(190)}",  # 254 characters (the most) and 255
    "y@example.test", "y@example.local", "z--z@example.com", "q@a--b.com", "Upper@example.com",
]
PHONES = ["13800138000", "19912345678", "12345678901", "+8613800138000", "1380013800", "138001380000",
          "010-12345678", "+1 415 555 2671"]


def _expected(normalize: object, value: str) -> tuple[str, str] | None:
    try:
        return normalize(value)  # type: ignore[operator,no-any-return]
    except InputError:
        return None


def test_email_column_fast_path_matches_normalize_email() -> None:
    check = column_check(SPECS["leads"], "email", CTX)
    assert len(EMAILS[4]) == field_rules.EMAIL_LEN == len(EMAILS[5]) - 1  # both sides of the length rule
    for value in EMAILS:
        columns, errors = check([value])
        want = _expected(normalize_email, value)
        if want is None:
            assert errors, value
        else:
            assert not errors and (columns["email"][0], columns["email_key"][0]) == want, value
    whole = [e for e in EMAILS if e == e.lower() and _expected(normalize_email, e) is not None]
    columns, errors = check(whole)  # a column the fast path takes whole
    assert not errors and columns["email_key"] == [normalize_email(e)[1] for e in whole]


def test_phone_column_fast_path_matches_normalize_phone() -> None:
    check = column_check(SPECS["leads"], "phone", CTX)
    for value in PHONES:
        columns, errors = check([value])
        want = _expected(lambda v: normalize_phone(v, region="CN"), value)
        if want is None:
            assert errors, value
        else:
            assert not errors and (columns["phone"][0], columns["phone_key"][0]) == want, value
    mobiles = ["13800138000", "19912345678", "15000000000"]
    columns, errors = check(mobiles)
    assert not errors and columns["phone_key"] == [normalize_phone(m)[1] for m in mobiles]


def test_sample_keys_are_identity_keys(sqlite_cli: Cli) -> None:
    sqlite_cli.ok("sample", "--leads", "60", "--customers", "8", "--date", "2026-11-29")
    for table in ("leads", "contacts"):
        rows = sqlite_cli.rows(f"SELECT email, email_key, phone, phone_key FROM {table}")
        assert rows
        for email, email_key, phone, phone_key in rows:
            assert email_key == (normalize_email(email)[1] if email else None)
            assert phone_key == (normalize_phone(phone)[1] if phone else None)


def test_the_key_rules_are_written_once() -> None:
    """The import's fast path takes the mobile pattern and the country code from domain/identity.py, and the sample
    names no key column: its keys come from the services' own field rules."""
    from pathlib import Path

    from salescli.domain.identity import CN_MOBILE, CN_PREFIX

    package = Path(__file__).resolve().parent.parent / "salescli"
    fields_source = (package / "importers" / "fields.py").read_text("utf-8")
    assert CN_MOBILE not in fields_source and CN_PREFIX not in fields_source
    sample_source = (package / "services" / "sample.py").read_text("utf-8")
    for copy in ("email_key", "phone_key", "normalize_email", "normalize_phone"):
        assert copy not in sample_source, copy
