"""Every setting resolved in one place.

Settings are of two kinds (PRODUCT.md, "Team mode and who may do what"):
- **personal preferences** (output format, default rep, database, PDF font, SMTP server, language) live in the
  user's config file:
  flag > SALESCLI_* environment > config file > default;
- **team settings** (tax rate, currency, discount and margin policy, quote validity, SLA, the seller's company
  details, survey settings) live in the database (table team_settings), the same for everyone using it:
  database > default. On SQLite (one person, zero set-up) a team setting still written in the config file is used
  while the database holds none; on PostgreSQL (a team) it is ignored, so nobody can loosen the policy for
  themselves in their own file.

Light on purpose (no SQLAlchemy, no Rich): ``--help`` imports it.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salescli.errors import InputError, SalesError, redact
from salescli.i18n import N_, _

APP_NAME = "salescli"

# Environment variable names, all in one place.
ENV_DB = "SALESCLI_DB"
ENV_REP = "SALESCLI_REP"
ENV_FORMAT = "SALESCLI_FORMAT"
ENV_CONFIG = "SALESCLI_CONFIG"
ENV_DEBUG = "SALESCLI_DEBUG"
ENV_NO_INPUT = "SALESCLI_NO_INPUT"
ENV_SMTP_URL = "SALESCLI_SMTP_URL"  # (salescli.mailer reads it: the whole URL, password included)


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
        return _("true/false")
    if isinstance(raw, int | float):
        return _("a number")
    if isinstance(raw, list):
        return _("a list")
    if isinstance(raw, dict):
        return _("a table")
    return _("text") if isinstance(raw, str) else _("a date or time")


def _text(name: str, raw: Any) -> str:
    """Non-empty text on one line, without control characters."""
    if not isinstance(raw, str):
        raise InputError(_("{name}: {value} is {kind}, not text (write it in quotes)").format(
            name=name, value=_show(raw), kind=_what(raw)))
    value = raw.strip()
    if not value:
        raise InputError(_("{name}: must not be empty (salescli config unset {name} restores the default)").format(
            name=name))
    from salescli.domain.identity import CONTROL_CHARS  # (here: --help reads no text setting, 1.6 ms less)

    if CONTROL_CHARS.search(value) or _SURROGATES.search(value):
        raise InputError(_("{name}: {value} contains a control character or line break").format(
            name=name, value=_show(raw)))
    if len(value) > MAX_TEXT:
        raise InputError(_("{name}: longer than {limit} characters").format(name=name, limit=MAX_TEXT))
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
            raise InputError(_("{name}: {value} is not a whole number from {low} to {high}").format(
                name=name, value=_show(raw), low=low, high=high))
        return number
    return check


def _percent(name: str, raw: Any) -> str:
    """A percentage from 0 to 100 with at most two decimals, kept as text (``"13.00"``)."""
    from salescli.domain.money import parse_pct

    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise InputError(_("{name}: {value} is {kind}, not a percentage (expected e.g. 10 for 10%)").format(
            name=name, value=_show(raw), kind=_what(raw)))
    return str(parse_pct(_text(name, raw) if isinstance(raw, str) else str(raw), field=name))


def _choice(*options: str) -> Check:
    def check(name: str, raw: Any) -> str:
        value = _text(name, raw).lower()
        if value not in options:
            raise InputError(_("{name}: {value} is not {choices} or {last}").format(
                name=name, value=_show(raw), choices=", ".join(options[:-1]), last=options[-1]))
        return value
    return check


def _letters(count: int, meaning: str) -> Check:
    """``count`` ASCII letters, upper-cased (a currency or region code). ``meaning``: marked with ``N_``."""
    def check(name: str, raw: Any) -> str:
        value = _text(name, raw).upper()
        if not re.fullmatch(f"[A-Z]{{{count}}}", value):
            raise InputError(_("{name}: {value} is not {meaning}").format(name=name, value=_show(raw),
                                                                           meaning=_(meaning)))
        return value
    return check


def _handle(name: str, raw: Any) -> str:
    from salescli.domain.identity import parse_handle

    value = _text(name, raw)
    try:
        return parse_handle(value)
    except InputError as error:
        raise InputError(_("{name}: {problem}").format(name=name, problem=error.message.removeprefix("handle: ")
                                                        )) from None


def _sla(name: str, raw: Any) -> str:
    """``urgent=4,high=24,...``: whole hours by priority; priorities left out keep their default."""
    from salescli.domain.tickets import MAX_SLA_HOURS, parse_sla  # (here: 0.9 ms less of --help)

    assert f"(1-{MAX_SLA_HOURS} each)" in KEYS["sla_hours"].help, "sla_hours: update its description"
    text = _text(name, raw)
    given = {p.partition("=")[0].strip().lower() for p in text.split(",") if p.strip()}
    return ",".join(f"{k}={v}" for k, v in parse_sla(text, name=name).items() if k in given)


def _url(*schemes: str, must_hold: str | None = None) -> Check:
    """A URL with one of ``schemes`` and a host (and ``must_hold`` somewhere in it)."""
    def check(name: str, raw: Any) -> str:
        from urllib.parse import urlsplit

        value = _text(name, raw)
        example = f"{schemes[0]}://host/..."
        if must_hold:
            example = _("{url} with {part} in it").format(url=example, part=must_hold)
        try:
            parts = urlsplit(value)
            ok = (parts.scheme.lower() in schemes and bool(parts.hostname) and " " not in (parts.hostname or "")
                  and not (must_hold and " " in value))  # (a password typed unencoded may hold a space)
            parts.port  # noqa: B018 - raises ValueError on a bad port
        except ValueError:
            ok = False
        if not ok:
            raise InputError(_("{name}: {value} is not a URL like {example}").format(name=name, value=_show(raw),
                                                                                      example=example))
        if must_hold and must_hold not in value:
            raise InputError(_("{name}: {value} has no {part} in it ({example})").format(
                name=name, value=_show(raw), part=must_hold, example=example))
        return value
    return check


def _email(name: str, raw: Any) -> str:
    value = _text(name, raw)
    if not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+", value):
        raise InputError(_("{name}: {value} is not an email address like sales@example.com").format(
            name=name, value=_show(raw)))
    return value


def _phone(name: str, raw: Any) -> str:
    """A telephone number as printed on documents: digits with + ( ) - . / spaces, an extension allowed
    (``+86 21 5555 0101``, ``021-5555-0101 转 8``, ``(021) 5555 0101 ext. 8``)."""
    value = _text(name, raw)
    digits = sum(ch.isascii() and ch.isdigit() for ch in value)
    if (len(value) > 40 or digits < 5
            or not re.fullmatch(r"\+?[0-9()./\- ]+(?:\s*(?:转|分机|ext\.?|x)\s*[0-9]{1,6})?", value, re.IGNORECASE)):
        raise InputError(_("{name}: {value} is not a telephone number like +86 21 5555 0101").format(
            name=name, value=_show(raw)))
    return value


def _tax_id(name: str, raw: Any) -> str:
    """A taxpayer identification number (domain/identity.parse_tax_id: the same rule as a customer's)."""
    from salescli.domain.identity import parse_tax_id

    return parse_tax_id(_text(name, raw), field=name)


def _account(name: str, raw: Any) -> str:
    """A bank account number (or IBAN): 6-34 letters and digits, grouped by spaces or hyphens as written."""
    value = _text(name, raw).upper()
    if not re.fullmatch(r"[0-9A-Z][0-9A-Z \-]*", value) or not 6 <= len(re.sub(r"[ \-]", "", value)) <= 34:
        raise InputError(_("{name}: {value} is not a bank account number (6-34 letters and digits)").format(
            name=name, value=_show(raw)))
    return re.sub(r" {2,}", " ", value)


def _lost_reasons(name: str, raw: Any) -> str:
    """``price:价格,lead_time:交期,...``: the keys deals are lost for, each with its aliases."""
    from salescli.domain.lost import parse_reasons

    return parse_reasons(_text(name, raw), name=name).text()


def _aliases(keys: Callable[[], tuple[str, ...]] | None = None) -> Check:
    """``alias=key,...``: names the team adds to a shipped alias table (``keys``: the keys allowed)."""
    def check(name: str, raw: Any) -> str:
        from salescli.domain.aliases import format_pairs, parse_pairs

        return format_pairs(parse_pairs(_text(name, raw), name=name, keys=keys() if keys else None))
    return check


def _channels() -> tuple[str, ...]:
    from salescli.domain.leads import SOURCES

    return SOURCES


TEAM = "team"
PERSONAL = "personal"
FORMATS = ("table", "plain", "markdown", "csv", "json")  # output.Format's values (output is not imported here)


@dataclass(frozen=True)
class Key:
    """One setting: how its value is checked (type, bounds, form), its default and meaning (shown by
    ``config list``). ``scope``: a team setting (kept in the database, the same for everyone on it) or a personal
    preference (kept in the user's config file). ``env``: a SALESCLI_* variable that overrides it.
    ``password_goes`` marks a setting that must not hold a password: where it goes instead. ``help`` and
    ``password_goes`` are English, marked with ``N_`` (``config list --format json`` prints ``help`` as it is):
    ``description`` and ``password_hint`` are the same in the chosen language, for people."""

    name: str
    check: Check
    default: Any
    help: str
    password_goes: str | None = None
    scope: str = PERSONAL
    env: str | None = None

    @property
    def team(self) -> bool:
        return self.scope == TEAM

    @property
    def description(self) -> str:
        """``help`` in the chosen language (what ``config list`` shows people)."""
        return _(self.help)

    @property
    def password_hint(self) -> str | None:
        """``password_goes`` in the chosen language."""
        return _(self.password_goes) if self.password_goes else None

    def parse(self, raw: Any) -> Any:
        """The value to keep, or InputError naming the setting (wrong type, out of bounds, malformed)."""
        return self.check(self.name, raw)

    def stored(self, value: Any) -> str:
        """A checked value as the database keeps it (text; ``parse`` reads it back to the same value)."""
        return str(value)


PGPASSWORD_HINT = N_("remove it from the URL and put it in the PostgreSQL password file ~/.pgpass "
                      "(host:port:database:user:password, mode 600) or the PGPASSWORD environment variable")
SMTP_PASSWORD_HINT = N_("put the whole URL, password included, in the SALESCLI_SMTP_URL environment variable "
                        "instead")

KEYS: dict[str, Key] = {k.name: k for k in (
    # -- personal preferences: the user's config file -------------------------------------------------------------
    Key("default_rep", _handle, None, N_("rep handle used when neither --rep nor SALESCLI_REP is given"),
        env=ENV_REP),
    Key("db", _text, None, N_("database path or URL (no password in it) used when neither --db nor SALESCLI_DB "
                              "is given"), password_goes=PGPASSWORD_HINT, env=ENV_DB),
    Key("pdf_font", _text, None,
        N_("a .ttf/.ttc font with Chinese glyphs for PDF quotes (default: found on the system)")),
    Key("smtp_url", _url("smtp", "smtps"), None,
        N_("SMTP server without a password (the password goes in SALESCLI_SMTP_URL only)"),
        password_goes=SMTP_PASSWORD_HINT, env=ENV_SMTP_URL),
    Key("smtp_security", _choice("plain", "starttls", "ssl"), None,
        N_("plain, starttls or ssl (default: ssl for smtps://, else plain)")),
    Key("format", _choice(*FORMATS), None,
        N_("output format of listings, show and report commands when --format is not given: table, plain, "
           "markdown, csv or json (default: table on a terminal, plain when piped)"), env=ENV_FORMAT),
    Key("language", _choice("zh", "en", "auto"), "auto",
        N_("language of what salescli prints: zh, en or auto (from LC_ALL/LC_MESSAGES/LANG)")),
    # -- team settings: the database, the same for everyone on it (managers change them in team mode) -------------
    Key("currency", _letters(3, N_("a three-letter currency code such as CNY")), "CNY",
        N_("currency of quotes and reports"), scope=TEAM),
    Key("tax_rate", _percent, "13", N_("default tax rate in percent (0-100)"), scope=TEAM),
    Key("max_discount", _percent, "15",
        N_("largest effective discount in percent (0-100) before a manager must approve"), scope=TEAM),
    Key("min_margin", _percent, "10", N_("smallest margin in percent (0-100) before a manager must approve"),
        scope=TEAM),
    Key("quote_valid_days", _whole(1, 3650), 30, N_("days a new quote stays valid (1-3650)"), scope=TEAM),
    Key("sla_hours", _sla, "urgent=4,high=24,normal=72,low=168",
        N_("hours to resolve a ticket, by priority (1-87600 each)"), scope=TEAM),  # 87600: MAX_SLA_HOURS (checked)
    Key("at_risk_days", _whole(0, 3650), 7,
        N_("an order not yet shipped is at risk this many days before its promised date (0-3650)"), scope=TEAM),
    Key("smtp_from", _email, None, N_("sender address of survey emails (default: the acting rep's email)"),
        scope=TEAM),
    Key("company_name", _text, None,
        N_("the seller's company name (documents; signature of survey emails when no rep is acting)"), scope=TEAM),
    Key("company_address", _text, None, N_("the seller's address on quotes and contracts"), scope=TEAM),
    Key("company_phone", _phone, None, N_("the seller's telephone number on quotes and contracts"), scope=TEAM),
    Key("company_tax_id", _tax_id, None,
        N_("the seller's taxpayer number (纳税人识别号 / unified social credit code) on documents"), scope=TEAM),
    Key("company_bank", _text, None, N_("the seller's bank and branch (开户行) on documents"), scope=TEAM),
    Key("company_account", _account, None, N_("the seller's bank account number on documents"), scope=TEAM),
    Key("document_language", _choice("zh", "en", "bilingual"), "zh",
        N_("language of quotes and contracts: zh, en or bilingual (quote/contract render --lang overrides)"),
        scope=TEAM),
    Key("payment_terms", _text, None, N_("default payment terms printed on quotes, e.g. 合同签订后30日内付款"),
        scope=TEAM),
    Key("delivery_terms", _text, None, N_("default delivery terms printed on quotes, e.g. 送货上门，运费由卖方承担"),
        scope=TEAM),
    Key("quote_template", _text, None,
        N_("a Jinja2 HTML template for quote render (default: the one shipped)"), scope=TEAM),
    Key("contract_template", _text, None,
        N_("a Jinja2 HTML template for contract render (default: the one shipped)"), scope=TEAM),
    Key("survey_language", _choice("auto", "zh", "en"), "auto",
        N_("language of survey emails: auto (by the contact's name), zh or en"), scope=TEAM),
    Key("survey_url", _url("https", "http", must_hold="{token}"), "http://127.0.0.1:8080/s/{token}",
        N_("link to the reply page in survey emails, with {token} in it (default: where 'survey serve' listens "
           "by default); set the public address, e.g. https://survey.example.com/s/{token}"), scope=TEAM),
    Key("phone_region", _letters(2, N_("a two-letter region code such as CN")), "CN",
        N_("region for phone numbers written without +country code"), scope=TEAM),
    Key("target_industries", _text, "manufacturing,retail,healthcare,education,logistics,software",
        N_("industries that count as a fit in the customer tier rule (comma-separated)"), scope=TEAM),
    Key("lost_reasons", _lost_reasons,
        "price:价格,lead_time:交期,competitor:竞品,budget:预算,no_decision:无决策,other:其他",
        N_("why deals are lost: key:alias|alias,... (deal lose --reason takes a key or an alias)"), scope=TEAM),
    Key("industry_aliases", _aliases(), None,
        N_("the team's own industry names: alias=key,... (e.g. 汽车制造=manufacturing), added to the shipped "
           "table"), scope=TEAM),
    Key("channel_aliases", _aliases(_channels), None,
        N_("the team's own lead channel names: alias=key,... (e.g. 老板介绍=referral), added to the shipped table"),
        scope=TEAM),
)}
TEAM_KEYS = tuple(name for name, key in KEYS.items() if key.team)


def config_path() -> Path:
    override = os.environ.get(ENV_CONFIG)
    if override:
        return Path(override).expanduser()
    linux = _xdg_path("XDG_CONFIG_HOME", "~/.config")
    if linux is not None:
        return linux / "config.toml"
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / "config.toml"


def data_path() -> Path:
    linux = _xdg_path("XDG_DATA_HOME", "~/.local/share")
    if linux is not None:
        return linux
    from platformdirs import user_data_path

    return user_data_path(APP_NAME)


def _xdg_path(variable: str, default: str) -> Path | None:
    """The folder platformdirs gives salescli on Linux (not Android), by the same rule (its ``_xdg.py``): ``$variable``
    when it is an absolute path, else ``default`` under an absolute ``$HOME``; None in any other case, for
    platformdirs itself to answer. Every command looks up the config file first thing, and importing platformdirs
    for it was 4 ms of ``--help`` (tests/test_startup_imports.py compares the two)."""
    import posixpath
    import sys

    if sys.platform != "linux" or hasattr(sys, "getandroidapilevel") or os.environ.get("ANDROID_DATA"):
        return None
    base = os.environ.get(variable, "")
    if not posixpath.isabs(base):
        if not posixpath.isabs(os.environ.get("HOME", "")):
            return None
        base = os.path.expanduser(default)
    return Path(os.path.join(base, APP_NAME))


def default_db() -> str:
    return str(data_path() / "salescli.db")


def read_config_raw(path: Path) -> dict[str, Any]:
    """The file as written (TOML syntax checked, values not): what ``config set/unset`` edit, so a bad value
    can be repaired from the command line."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise InputError(_("config file {path}: cannot read it: {reason}").format(
            path=path, reason=error.strerror or error)) from None
    import tomllib  # only when there is a file: its import is 2 ms of every command's start-up

    try:
        return tomllib.loads(data.decode())  # (what tomllib.load does with a binary file)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InputError(_("config file {path}: {problem}").format(path=path, problem=error)) from None


def read_config(path: Path) -> dict[str, Any]:
    """The file's settings, each checked by its key (type, bounds, form): one error line naming the setting and
    the file otherwise."""
    data = read_config_raw(path)
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise InputError(_("config file {path}: unknown setting(s) {names} (salescli config unset {first})").format(
            path=path, names=", ".join(unknown), first=unknown[0]))
    checked = {}
    for name, raw in data.items():
        try:
            checked[name] = KEYS[name].parse(raw)
        except InputError as error:
            # a team setting is not written to the file any more: remove it (config set writes the database)
            repair = f"config unset {name}" if KEYS[name].team else f"config set {name} VALUE"
            raise InputError(_("config file {path}: {problem} (salescli {repair})").format(
                path=path, problem=error.message, repair=repair)) from None
    return checked


def usable(data: dict[str, Any]) -> dict[str, Any]:
    """The settings of a file as written that pass their checks (bad and unknown ones left out): what
    ``config set/unset`` go by while the file is being repaired."""
    out = {}
    for name, raw in data.items():
        if name in KEYS:
            with contextlib.suppress(InputError):
                out[name] = KEYS[name].parse(raw)
    return out


def write_config(path: Path, data: dict[str, Any]) -> None:
    """Replace the config file whole (private, 0600; a failure leaves the old one): salescli.files' one
    write-temp-then-rename."""
    import tomli_w

    from salescli.files import replace_via_temp

    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with replace_via_temp(path) as (_tmp, fd), os.fdopen(fd, "wb", closefd=False) as fh:
            tomli_w.dump({k: v for k, v in sorted(data.items()) if v is not None}, fh)
    except OSError as error:
        raise SalesError(_("cannot write config file {path}: {reason}").format(
            path=path, reason=error.strerror or error)) from None


@dataclass
class Settings:
    """What the root command resolved; commands read settings only from here."""

    db: str
    rep: str | None
    debug: bool = False
    no_input: bool = False
    file: dict[str, Any] = field(default_factory=dict)
    given_db: str | None = None  # --db / SALESCLI_DB as given (None: from the file, or the default)
    given_rep: str | None = None  # --rep / SALESCLI_REP as given

    @classmethod
    def resolve(cls, *, db: str | None, rep: str | None, debug: bool, no_input: bool,
                read_file: bool = True) -> Settings:
        """Flags win; then environment (typer already folded env into the flags); then the config file.
        ``read_file=False`` for the ``config`` commands, which read (and repair) the file themselves, then
        hand it over with ``use_file``."""
        settings = cls(db=db or default_db(), rep=rep or None, debug=debug, no_input=no_input, given_db=db,
                       given_rep=rep)
        if read_file:
            settings.use_file(read_config(config_path()))
        return settings

    def use_file(self, file: dict[str, Any]) -> None:
        """Take the config file's (checked) settings: its ``db`` and ``default_rep`` apply where no flag or
        environment variable gave one."""
        self.file = file
        self.db = self.given_db or file.get("db") or default_db()
        self.rep = self.given_rep or file.get("default_rep") or None


# -- where a value comes from ----------------------------------------------------------------------------------
DATABASE, FILE, ENV, DEFAULT = "database", "file", "env", "default"
IGNORED = "file (ignored: team setting)"


@dataclass(frozen=True)
class Resolved:
    """A setting's value and its source (database, file, env or default). ``ignored``: the config file holds
    this team setting but it does not count (a team database: the team's policy is the database's)."""

    value: Any
    source: str
    ignored: bool = False

    @property
    def shown_source(self) -> str:
        """The source as ``config list`` prints it: ``default; file (ignored: team setting)`` when the file's
        value does not count."""
        return f"{self.source}; {IGNORED}" if self.ignored else self.source


def resolve_setting(key: Key, *, file: dict[str, Any], database: dict[str, str] | None, team_database: bool,
                    environ: Mapping[str, str] | None = None) -> Resolved:
    """One setting's value, by its scope:

    - personal: its SALESCLI_* variable > the config file > the default;
    - team: the database > (SQLite only: the config file) > the default. On a team database (PostgreSQL) a
      team setting in the user's own file is ignored: the discount policy cannot be loosened there.

    ``database``: the team settings stored in the database (text by key), None when not read (a personal
    key). A stored value is checked like any other (it may have been written with psql)."""
    env = os.environ if environ is None else environ
    if not key.team:
        if key.env and env.get(key.env):
            return Resolved(env[key.env], ENV)
        if key.name in file:
            return Resolved(file[key.name], FILE)
        return Resolved(key.default, DEFAULT)
    in_file = key.name in file
    stored = (database or {}).get(key.name)
    if stored is not None:
        try:
            value = key.parse(stored)
        except InputError as error:
            raise InputError(_("team setting in the database: {problem} (a manager fixes it: "
                               "salescli config set {name} VALUE)").format(problem=error.message,
                                                                          name=key.name)) from None
        return Resolved(value, DATABASE, ignored=in_file and team_database)
    if in_file and not team_database:
        return Resolved(file[key.name], FILE)
    return Resolved(key.default, DEFAULT, ignored=in_file)
