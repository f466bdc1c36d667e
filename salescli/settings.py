"""Every setting resolved in one place: flag > SALESCLI_* environment > config file > default.

Light on purpose (no SQLAlchemy, no Rich): ``--help`` imports it.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salescli.domain.identity import CONTROL_CHARS
from salescli.domain.tickets import MAX_SLA_HOURS
from salescli.errors import InputError, SalesError, redact

APP_NAME = "salescli"

# Environment variable names, all in one place.
ENV_DB = "SALESCLI_DB"
ENV_REP = "SALESCLI_REP"
ENV_FORMAT = "SALESCLI_FORMAT"
ENV_CONFIG = "SALESCLI_CONFIG"
ENV_DEBUG = "SALESCLI_DEBUG"
ENV_NO_INPUT = "SALESCLI_NO_INPUT"


# -- checking values --------------------------------------------------------------------------------------------
# Each setting's check takes the raw value (a TOML value from the file, or the text given to ``config set``) and
# returns the value kept, or raises InputError naming the setting. Reading the file and ``config set`` both use it.

Check = Callable[[str, Any], Any]

_SURROGATES = re.compile(r"[\ud800-\udfff]")
MAX_TEXT = 2000


def _show(raw: Any) -> str:
    """A value as an error line shows it: passwords hidden (before cutting, so no half URL escapes), short."""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    shown = redact(raw if isinstance(raw, str) else str(raw))
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    return repr(shown) if isinstance(raw, str) else shown


def _what(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true/false"
    if isinstance(raw, int | float):
        return "a number"
    if isinstance(raw, list):
        return "a list"
    if isinstance(raw, dict):
        return "a table"
    return "text" if isinstance(raw, str) else "a date or time"


def _text(name: str, raw: Any) -> str:
    """Non-empty text on one line, without control characters."""
    if not isinstance(raw, str):
        raise InputError(f"{name}: {_show(raw)} is {_what(raw)}, not text (write it in quotes)")
    value = raw.strip()
    if not value:
        raise InputError(f"{name}: must not be empty (salescli config unset {name} restores the default)")
    if CONTROL_CHARS.search(value) or _SURROGATES.search(value):
        raise InputError(f"{name}: {_show(raw)} contains a control character or line break")
    if len(value) > MAX_TEXT:
        raise InputError(f"{name}: longer than {MAX_TEXT} characters")
    return value


def _whole(low: int, high: int) -> Check:
    """A whole number from ``low`` to ``high`` (a TOML integer, or its digits as text)."""
    def check(name: str, raw: Any) -> int:
        value = raw.strip() if isinstance(raw, str) else raw
        number = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and re.fullmatch(r"[0-9]{1,12}", value):
            number = int(value)
        if number is None or not low <= number <= high:
            raise InputError(f"{name}: {_show(raw)} is not a whole number from {low} to {high}")
        return number
    return check


def _percent(name: str, raw: Any) -> str:
    """A percentage from 0 to 100 with at most two decimals, kept as text (``"13.00"``)."""
    from salescli.domain.money import parse_pct

    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise InputError(f"{name}: {_show(raw)} is {_what(raw)}, not a percentage (expected e.g. 10 for 10%)")
    return str(parse_pct(_text(name, raw) if isinstance(raw, str) else str(raw), field=name))


def _choice(*options: str) -> Check:
    def check(name: str, raw: Any) -> str:
        value = _text(name, raw).lower()
        if value not in options:
            raise InputError(f"{name}: {_show(raw)} is not {', '.join(options[:-1])} or {options[-1]}")
        return value
    return check


def _letters(count: int, meaning: str) -> Check:
    """``count`` ASCII letters, upper-cased (a currency or region code)."""
    def check(name: str, raw: Any) -> str:
        value = _text(name, raw).upper()
        if not re.fullmatch(f"[A-Z]{{{count}}}", value):
            raise InputError(f"{name}: {_show(raw)} is not {meaning}")
        return value
    return check


def _handle(name: str, raw: Any) -> str:
    from salescli.domain.identity import parse_handle

    value = _text(name, raw)
    try:
        return parse_handle(value)
    except InputError as error:
        raise InputError(f"{name}: {error.message.removeprefix('handle: ')}") from None


def _sla(name: str, raw: Any) -> str:
    """``urgent=4,high=24,...``: whole hours by priority; priorities left out keep their default."""
    from salescli.domain.tickets import parse_sla

    text = _text(name, raw)
    given = {p.partition("=")[0].strip().lower() for p in text.split(",") if p.strip()}
    return ",".join(f"{k}={v}" for k, v in parse_sla(text, name=name).items() if k in given)


def _url(*schemes: str, must_hold: str | None = None) -> Check:
    """A URL with one of ``schemes`` and a host (and ``must_hold`` somewhere in it)."""
    def check(name: str, raw: Any) -> str:
        from urllib.parse import urlsplit

        value = _text(name, raw)
        example = f"{schemes[0]}://host/..." + (f" with {must_hold} in it" if must_hold else "")
        try:
            parts = urlsplit(value)
            ok = (parts.scheme.lower() in schemes and bool(parts.hostname) and " " not in (parts.hostname or "")
                  and not (must_hold and " " in value))  # (a password typed unencoded may hold a space)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            ok = False
        if not ok:
            raise InputError(f"{name}: {_show(raw)} is not a URL like {example}")
        if must_hold and must_hold not in value:
            raise InputError(f"{name}: {_show(raw)} has no {must_hold} in it ({example})")
        return value
    return check


def _email(name: str, raw: Any) -> str:
    value = _text(name, raw)
    if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", value):
        raise InputError(f"{name}: {_show(raw)} is not an email address like sales@example.com")
    return value


@dataclass(frozen=True)
class Key:
    """One config-file setting: how its value is checked (type, bounds, form), its default and meaning (shown by
    ``config list``). ``password_goes`` marks a setting that must not hold a password: where it goes instead."""

    name: str
    check: Check
    default: Any
    help: str
    password_goes: str | None = None

    def parse(self, raw: Any) -> Any:
        """The value to keep, or InputError naming the setting (wrong type, out of bounds, malformed)."""
        return self.check(self.name, raw)


PGPASSWORD_HINT = ("remove it from the URL and put it in the PostgreSQL password file ~/.pgpass "
                   "(host:port:database:user:password, mode 600) or the PGPASSWORD environment variable")
SMTP_PASSWORD_HINT = "put the whole URL, password included, in the SALESCLI_SMTP_URL environment variable instead"

KEYS: dict[str, Key] = {k.name: k for k in (
    Key("default_rep", _handle, None, "rep handle used when neither --rep nor SALESCLI_REP is given"),
    Key("db", _text, None, "database path or URL (no password in it) used when neither --db nor SALESCLI_DB "
        "is given", password_goes=PGPASSWORD_HINT),
    Key("currency", _letters(3, "a three-letter currency code such as CNY"), "CNY", "currency of quotes and reports"),
    Key("tax_rate", _percent, "13", "default tax rate in percent (0-100)"),
    Key("max_discount", _percent, "15",
        "largest effective discount in percent (0-100) before a manager must approve"),
    Key("min_margin", _percent, "10", "smallest margin in percent (0-100) before a manager must approve"),
    Key("quote_valid_days", _whole(1, 3650), 30, "days a new quote stays valid (1-3650)"),
    Key("pdf_font", _text, None, "a .ttf/.ttc font with Chinese glyphs for PDF quotes (default: found on the system)"),
    Key("sla_hours", _sla, "urgent=4,high=24,normal=72,low=168",
        f"hours to resolve a ticket, by priority (1-{MAX_SLA_HOURS} each)"),
    Key("at_risk_days", _whole(0, 3650), 7,
        "an order not yet shipped is at risk this many days before its promised date (0-3650)"),
    Key("smtp_url", _url("smtp", "smtps"), None,
        "SMTP server without a password (the password goes in SALESCLI_SMTP_URL only)",
        password_goes=SMTP_PASSWORD_HINT),
    Key("smtp_security", _choice("plain", "starttls", "ssl"), None,
        "plain, starttls or ssl (default: ssl for smtps://, else plain)"),
    Key("smtp_from", _email, None, "sender address of survey emails (default: the acting rep's email)"),
    Key("company_name", _text, None, "signature of survey emails when no rep is acting"),
    Key("survey_language", _choice("auto", "zh", "en"), "auto",
        "language of survey emails: auto (by the contact's name), zh or en"),
    Key("survey_url", _url("https", "http", must_hold="{token}"), None,
        "reply page for survey answers, with {token} in it, e.g. https://x/s/{token}"),
    Key("phone_region", _letters(2, "a two-letter region code such as CN"), "CN",
        "region for phone numbers written without +country code"),
    Key("target_industries", _text, "manufacturing,retail,healthcare,education,logistics,software",
        "industries that count as a fit in the customer tier rule (comma-separated)"),
)}


def config_path() -> Path:
    override = os.environ.get(ENV_CONFIG)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / "config.toml"


def data_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME)


def default_db() -> str:
    return str(data_path() / "salescli.db")


def read_config_raw(path: Path) -> dict[str, Any]:
    """The file as written (TOML syntax checked, values not): what ``config set/unset`` edit, so a bad value
    can be repaired from the command line."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"config file {path}: {error}") from None
    except OSError as error:
        raise InputError(f"config file {path}: cannot read it: {error.strerror or error}") from None


def read_config(path: Path) -> dict[str, Any]:
    """The file's settings, each checked by its key (type, bounds, form): one error line naming the setting and
    the file otherwise."""
    data = read_config_raw(path)
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise InputError(f"config file {path}: unknown setting(s) {', '.join(unknown)} "
                         f"(salescli config unset {unknown[0]})")
    checked = {}
    for name, raw in data.items():
        try:
            checked[name] = KEYS[name].parse(raw)
        except InputError as error:
            raise InputError(f"config file {path}: {error.message} (salescli config set {name} VALUE)") from None
    return checked


def write_config(path: Path, data: dict[str, Any]) -> None:
    import tomli_w

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            tomli_w.dump({k: v for k, v in sorted(data.items()) if v is not None}, fh)
        os.replace(tmp, path)
    except OSError as error:
        raise SalesError(f"cannot write config file {path}: {error.strerror or error}") from None


@dataclass
class Settings:
    """What the root command resolved; commands read settings only from here."""

    db: str
    rep: str | None
    debug: bool = False
    no_input: bool = False
    file: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        """A config-file setting, already checked by its key (``read_config``), or the key's default."""
        key = KEYS[name]
        return self.file.get(name, key.default)

    @classmethod
    def resolve(cls, *, db: str | None, rep: str | None, debug: bool, no_input: bool,
                read_file: bool = True) -> Settings:
        """Flags win; then environment (typer already folded env into the flags); then the config file.
        ``read_file=False`` for the ``config`` commands, which read (and repair) the file themselves."""
        file = read_config(config_path()) if read_file else {}
        return cls(
            db=db or file.get("db") or default_db(),
            rep=rep or file.get("default_rep") or None,
            debug=debug,
            no_input=no_input,
            file=file,
        )
