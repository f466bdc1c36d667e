"""Every setting resolved in one place: flag > SALESCLI_* environment > config file > default.

Light on purpose (no SQLAlchemy, no Rich): ``--help`` imports it.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salescli.errors import InputError

APP_NAME = "salescli"

# Environment variable names, all in one place.
ENV_DB = "SALESCLI_DB"
ENV_REP = "SALESCLI_REP"
ENV_FORMAT = "SALESCLI_FORMAT"
ENV_CONFIG = "SALESCLI_CONFIG"
ENV_DEBUG = "SALESCLI_DEBUG"
ENV_NO_INPUT = "SALESCLI_NO_INPUT"


@dataclass(frozen=True)
class Key:
    """One config-file setting: its type, default and meaning (shown by ``config list``)."""

    name: str
    kind: type
    default: Any
    help: str


KEYS: dict[str, Key] = {k.name: k for k in (
    Key("default_rep", str, None, "rep handle used when neither --rep nor SALESCLI_REP is given"),
    Key("db", str, None, "database path or URL used when neither --db nor SALESCLI_DB is given"),
    Key("currency", str, "CNY", "currency of quotes and reports"),
    Key("tax_rate", str, "13", "default tax rate in percent"),
    Key("max_discount", str, "15", "largest effective discount in percent before a manager must approve"),
    Key("min_margin", str, "10", "smallest margin in percent before a manager must approve"),
    Key("quote_valid_days", str, "30", "days a new quote stays valid"),
    Key("pdf_font", str, None, "a .ttf/.ttc font with Chinese glyphs for PDF quotes (default: found on the system)"),
    Key("sla_hours", str, "urgent=4,high=24,normal=72,low=168", "hours to resolve a ticket, by priority"),
    Key("at_risk_days", str, "7", "an order not yet shipped is at risk this many days before its promised date"),
    Key("smtp_url", str, None, "SMTP server without a password (the password goes in SALESCLI_SMTP_URL only)"),
    Key("smtp_security", str, None, "plain, starttls or ssl (default: ssl for smtps://, else plain)"),
    Key("smtp_from", str, None, "sender address of survey emails (default: the acting rep's email)"),
    Key("company_name", str, None, "signature of survey emails when no rep is acting"),
    Key("survey_language", str, "auto", "language of survey emails: auto (by the contact's name), zh or en"),
    Key("survey_url", str, None, "reply page for survey answers, with {token} in it, e.g. https://x/s/{token}"),
    Key("phone_region", str, "CN", "region for phone numbers written without +country code"),
    Key("target_industries", str, "manufacturing,retail,healthcare,education,logistics,software",
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


def read_config(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"config file {path}: {error}") from None
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise InputError(f"config file {path}: unknown setting(s) {', '.join(unknown)}")
    return data


def write_config(path: Path, data: dict[str, Any]) -> None:
    import tomli_w

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        tomli_w.dump({k: v for k, v in sorted(data.items()) if v is not None}, fh)
    os.replace(tmp, path)


@dataclass
class Settings:
    """What the root command resolved; commands read settings only from here."""

    db: str
    rep: str | None
    debug: bool = False
    no_input: bool = False
    file: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        key = KEYS[name]
        return self.file.get(name, key.default)

    @classmethod
    def resolve(cls, *, db: str | None, rep: str | None, debug: bool, no_input: bool) -> Settings:
        """Flags win; then environment (typer already folded env into the flags); then the config file."""
        file = read_config(config_path())
        return cls(
            db=db or file.get("db") or default_db(),
            rep=rep or file.get("default_rep") or None,
            debug=debug,
            no_input=no_input,
            file=file,
        )
