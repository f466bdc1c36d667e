"""Issue 13, secrets, config values and odd arguments: no password is stored in or printed from the config file,
in an error line or under ``--debug``; every config value is checked by its key (type, bounds, form) when set and
when read; an argument that is not UTF-8 is one error line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from salescli.errors import has_password, redact
from salescli.settings import KEYS
from tests.conftest import Case, Cli, check_refusals, run_subprocess

# -- redact(): every form a URL or connection string can carry a password in -------------------------------------

# (text, the secret that must vanish, text that must stay)
REDACT = [
    ("postgresql://u:PASSWORD@host/db", "PASSWORD", "postgresql://u:***@host/db"),
    ("postgresql+psycopg://sales:s3cret@127.0.0.1:5432/crm", "s3cret", "@127.0.0.1:5432/crm"),
    ("postgresql://u:s3cr%40t@127.0.0.1:1/x", "s3cr", "@127.0.0.1:1/x"),
    ("postgresql://u:p@ss w@host/db", "ss w", "postgresql://u:***@host/db"),  # "@" and a space, unencoded
    ("postgresql://u:a:b/c@host/db", "a:b/c", "u:***@host/db"),  # ":" and "/" unencoded
    ("postgresql://me@corp:s3cret@host/db", "s3cret", "me@corp:***@host/db"),  # a user name with "@"
    ("postgresql://:s3cret@host/db", "s3cret", "://:***@host/db"),  # no user name
    ("smtp://mailer:s3cret@127.0.0.1:25", "s3cret", "smtp://mailer:***@127.0.0.1:25"),
    ("postgresql://u@host/db?password=s3cret&sslmode=require", "s3cret", "?password=***&sslmode=require"),
    ("postgresql://host/db?sslmode=require&pass=s3cret", "s3cret", "&pass=***"),
    ("postgresql://host/db?sslpassword=s3cret", "s3cret", "?sslpassword=***"),
    ("postgresql://host/db?PASSWORD=s3cret#x", "s3cret", "?PASSWORD=***#x"),
    ("host=127.0.0.1 port=5432 password=s3cret dbname=crm", "s3cret", "password=*** dbname=crm"),
    ("host=127.0.0.1 password = 's3 cr\\'et' dbname=crm", "s3", "password = *** dbname=crm"),
    ("PGPASSWORD=s3cret psql", "s3cret", "PGPASSWORD=*** psql"),
    # the line psycopg printed when the URL was cut at its first "@": the rest of the password as a host name
    ("cannot open database postgresql+psycopg://u:p@ss w@127.0.0.1:1/x: failed to resolve host "
     "'ss w@127.0.0.1': [Errno -2] Name or service not known", "ss w", "postgresql+psycopg://u:***@"),
    ("a postgresql://a:s3cret@h1/db and postgresql://b:0ther@h2/db", "0ther", "b:***@h2/db"),
]


@pytest.mark.parametrize(("text", "secret", "kept"), REDACT)
def test_redact_hides_every_password_form(text: str, secret: str, kept: str) -> None:
    shown = redact(text)
    assert secret not in shown and kept in shown, shown
    assert redact(shown) == shown  # redacting twice changes nothing
    assert has_password(text)


@pytest.mark.parametrize("line", [
    "a" * 200_000, "a1" * 100_000, ("x://a:" + "b" * 50) * 4000, "x://a:" + "b" * 200_000, "password=" * 50_000,
])
def test_redact_takes_linear_time_on_long_lines(line: str) -> None:
    """Every error line goes through redact (an import's problem list too): a long one must not hang it."""
    import time

    start = time.perf_counter()
    redact(line)
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize("text", [
    "postgresql://host:5432/crm", "postgresql://sales@127.0.0.1/crm?sslmode=require", "/home/li/sales:2026@x.db",
    "sqlite:////tmp/a:b@c.db", "https://sqlalche.me/e/20/e3q8", 'password authentication failed for user "u"',
    "smtp://127.0.0.1:25",
])
def test_redact_leaves_text_without_a_password_alone(text: str) -> None:
    assert redact(text) == text and not has_password(text)


# -- refusals: config set, surrogate arguments (the bad-input catalogue) ------------------------------------------

PASSWORD_URLS = [
    "postgresql://u:hunt3r2@127.0.0.1/db",
    "postgresql+psycopg://u:s3cr%40t@127.0.0.1:5432/db",
    "postgresql://u:p@ss w@127.0.0.1/db",
    "postgresql://u@127.0.0.1/db?password=hunt3r2",
    "postgresql://u@127.0.0.1/db?sslmode=verify-full&sslpassword=hunt3r2",
    "host=127.0.0.1 dbname=db password=hunt3r2",
]

CASES: list[Case] = [
    *[(2, ["config", "set", "db", url], "db: the config file must not hold the password") for url in PASSWORD_URLS],
    (2, ["config", "set", "smtp_url", "smtp://mailer:hunt3r2@127.0.0.1:25"], "smtp_url: the config file must not"),
    (2, ["config", "set", "smtp_url", "smtps://127.0.0.1?pass=hunt3r2"], "SALESCLI_SMTP_URL"),
    (2, ["config", "set", "quote_valid_days", "99999999999"], "quote_valid_days: '99999999999' is not a whole"),
    (2, ["config", "set", "quote_valid_days", "0"], "from 1 to 3650"),
    (2, ["config", "set", "quote_valid_days", "²"], "quote_valid_days: '²' is not a whole number"),
    (2, ["config", "set", "at_risk_days", "1.5"], "at_risk_days: '1.5' is not a whole number from 0 to 3650"),
    (2, ["config", "set", "tax_rate", "101"], "tax_rate: '101' must be between 0 and 100"),
    (2, ["config", "set", "max_discount", "NaN"], "max_discount: 'NaN' must be between 0 and 100"),
    (2, ["config", "set", "min_margin", "ten"], "min_margin: 'ten' is not a percentage"),
    (2, ["config", "set", "sla_hours", "urgent=99999999999"], "sla_hours: 'urgent=99999999999' is not PRIORITY"),
    (2, ["config", "set", "sla_hours", "asap=4"], "sla_hours: 'asap=4' is not PRIORITY=HOURS"),
    (2, ["config", "set", "sla_hours", "urgent=²"], "sla_hours: 'urgent=²'"),
    (2, ["config", "set", "default_rep", "Li Wei!"], "default_rep: 'Li Wei!' must be 1-40 letters"),
    (2, ["config", "set", "currency", "yuan"], "currency: 'yuan' is not a three-letter currency code"),
    (2, ["config", "set", "phone_region", "China"], "phone_region: 'China' is not a two-letter region code"),
    (2, ["config", "set", "survey_language", "fr"], "survey_language: 'fr' is not auto, zh or en"),
    (2, ["config", "set", "smtp_security", "tls"], "smtp_security: 'tls' is not plain, starttls or ssl"),
    (2, ["config", "set", "smtp_url", "mail.example.com"], "smtp_url: 'mail.example.com' is not a URL"),
    (2, ["config", "set", "survey_url", "https://x.example/s/"], "survey_url: 'https://x.example/s/' has no {token}"),
    (2, ["config", "set", "smtp_from", "sales"], "smtp_from: 'sales' is not an email address"),
    (2, ["config", "set", "company_name", "Acme\nBcc: x@y"], "company_name: 'Acme\\nBcc: x@y' contains a control"),
    (2, ["config", "set", "pdf_font", "  "], "pdf_font: must not be empty"),
    (2, ["config", "set", "colour", "red"], "unknown setting 'colour'"),
    (2, ["config", "set", "format", "xml"], "format: 'xml' is not table, plain, markdown, csv or json"),
    # a byte that is not UTF-8 in argv reaches Python as a lone surrogate
    (2, ["lead", "add", "\udcff", "--source", "web"], "argument 5 ('\\xff') is not valid UTF-8 text"),
    (2, ["customer", "add", "Acme\udce4\udcb8"], "('Acme\\xe4\\xb8') is not valid UTF-8"),
    (2, ["lead", "list", "--search", "\udcff"], "is not valid UTF-8 text"),
    (2, ["config", "set", "company_name", "\udcff"], "is not valid UTF-8 text"),
    (2, ["lead", "\udcff"], "is not valid UTF-8 text"),
]


def _config_file(cli: Cli) -> Path:
    return Path(cli.ok("config", "path").stdout.strip())


def test_refusals_change_neither_database_nor_config_file(cli: Cli, tmp_path: Path) -> None:
    cli.id("lead", "add", "Li", "--source", "web")
    cli.ok("config", "set", "company_name", "Acme")  # a team setting: the database (in the snapshot)
    cli.ok("config", "set", "language", "en")  # a personal preference: the config file
    config = _config_file(cli)
    written = config.read_bytes()
    check_refusals(cli, CASES, tmp_path)
    assert config.read_bytes() == written
    assert len(CASES) >= 15


@pytest.mark.parametrize("url", PASSWORD_URLS)
def test_config_set_db_with_a_password_says_where_it_goes_and_never_prints_it(sqlite_cli: Cli, url: str) -> None:
    line = sqlite_cli.fails(2, "config", "set", "db", url)
    assert "~/.pgpass" in line and "PGPASSWORD" in line
    for secret in ("hunt3r2", "s3cr", "ss w"):
        assert secret not in line
    assert not _config_file(sqlite_cli).exists()


def test_config_set_db_without_a_password_is_kept(sqlite_cli: Cli) -> None:
    sqlite_cli.ok("config", "set", "db", "postgresql://sales@127.0.0.1:5432/crm?sslmode=require")
    assert sqlite_cli.ok("config", "get", "db").stdout == "postgresql://sales@127.0.0.1:5432/crm?sslmode=require\n"


# -- a config file edited by hand ---------------------------------------------------------------------------------

SECRETS = ("s3cr%40t", "s3cr@t", "k3y", "p@ss w0rd", "ss w0rd")


def test_config_get_and_list_never_print_a_password_from_a_hand_edited_file(sqlite_cli: Cli) -> None:
    config = _config_file(sqlite_cli)
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('db = "postgresql://u:s3cr%40t@127.0.0.1:1/x?sslpassword=k3y"\n'
                      'smtp_url = "smtp://mailer:p@ss w0rd@127.0.0.1:25"\n', encoding="utf-8")
    runs = [sqlite_cli.ok("config", "get", "db"), sqlite_cli.ok("config", "get", "smtp_url"),
            sqlite_cli.ok("config", "list"), sqlite_cli.ok("config", "list", "--format", "json"),
            sqlite_cli.ok("config", "list", "--format", "csv"), sqlite_cli.ok("config", "set", "currency", "usd")]
    assert runs[0].stdout == "postgresql://u:***@127.0.0.1:1/x?sslpassword=***\n"
    assert runs[1].stdout == "smtp://mailer:***@127.0.0.1:25\n"
    for run in runs:
        for secret in SECRETS:
            assert secret not in run.stdout + run.stderr, (secret, run)
    assert sqlite_cli.ok("config", "get", "currency").stdout == "USD\n"
    # the password stays in the file as written (it is the user's file); only printing hides it
    assert "s3cr%40t" in config.read_text(encoding="utf-8")


# (a line of config.toml, the setting named in the error)
BAD_FILES = [
    ("default_rep = [1]", "default_rep: [1] is a list, not text"),
    ("db = 42", "db: 42 is a number, not text"),
    ("quote_valid_days = 99999999999", "quote_valid_days: 99999999999 is not a whole number from 1 to 3650"),
    ('quote_valid_days = "30 days"', "quote_valid_days: '30 days' is not a whole number"),
    ("quote_valid_days = true", "quote_valid_days: true is not a whole number"),
    ("at_risk_days = -1", "at_risk_days: -1 is not a whole number from 0 to 3650"),
    ("tax_rate = 250", "tax_rate: '250' must be between 0 and 100"),
    ("max_discount = false", "max_discount: false is true/false, not a percentage"),
    ("min_margin = [10]", "min_margin: [10] is a list, not a percentage"),
    ('sla_hours = "urgent=99999999999"', "sla_hours: 'urgent=99999999999' is not PRIORITY=HOURS"),
    ("sla_hours = 4", "sla_hours: 4 is a number, not text"),
    ("currency = 1979-05-27", "currency: 1979-05-27 is a date or time, not text"),
    ('smtp_security = "tls"', "smtp_security: 'tls' is not plain, starttls or ssl"),
    ('company_name = "a\\u001b[2Jb"', "company_name:"),
    ('survey_url = {a = 1}', "survey_url: {'a': 1} is a table, not text"),
    ('colour = "red"', "unknown setting(s) colour"),
    ('format = "yaml"', "format: 'yaml' is not table, plain, markdown, csv or json"),
    ("tax_rate = ", "Invalid value"),
]


@pytest.mark.parametrize(("line", "fragment"), BAD_FILES)
def test_a_bad_value_in_the_config_file_is_one_error_line_naming_setting_and_file(
        sqlite_cli: Cli, line: str, fragment: str) -> None:
    config = _config_file(sqlite_cli)
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(line + "\n", encoding="utf-8")
    for args in (["lead", "list"], ["quote", "list"], ["config", "get", "tax_rate"], ["config", "list"]):
        error = sqlite_cli.fails(2, *args)
        assert error.startswith(f"error: config file {config}: ") and fragment in error, (args, error)
    assert config.read_text(encoding="utf-8") == line + "\n"


def test_a_bad_value_can_be_repaired_from_the_command_line(sqlite_cli: Cli) -> None:
    config = _config_file(sqlite_cli)
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('quote_valid_days = 99999999999\ncolour = "red"\ncurrency = "USD"\n', encoding="utf-8")
    assert "unknown setting(s) colour" in sqlite_cli.fails(2, "lead", "list")
    sqlite_cli.ok("config", "unset", "colour")
    line = sqlite_cli.fails(2, "lead", "list")
    # a team setting: removed from the file, then set in the database (config set no longer writes the file)
    assert "quote_valid_days: 99999999999" in line and "(salescli config unset quote_valid_days)" in line
    sqlite_cli.ok("config", "unset", "quote_valid_days")
    sqlite_cli.ok("config", "set", "quote_valid_days", "45")
    sqlite_cli.ok("lead", "list")
    assert sqlite_cli.ok("config", "get", "quote_valid_days").stdout == "45\n"
    assert sqlite_cli.ok("config", "get", "currency").stdout == "USD\n"


def test_good_hand_written_values_are_read_in_their_natural_types(sqlite_cli: Cli) -> None:
    config = _config_file(sqlite_cli)
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('quote_valid_days = 45\nat_risk_days = "3"\ntax_rate = 6.5\nphone_region = "hk"\n'
                      'sla_hours = " Urgent = 2 , low=100 "\ndefault_rep = "Wang"\n', encoding="utf-8")
    values = {r["key"]: r["value"] for r in sqlite_cli.json("config", "list")}
    assert (values["quote_valid_days"], values["at_risk_days"], values["tax_rate"]) == (45, 3, "6.50")
    assert (values["phone_region"], values["sla_hours"], values["default_rep"]) == ("HK", "urgent=2,low=100", "wang")
    sqlite_cli.ok("rep", "add", "wang", "--name", "王芳", "--manager")  # (acting: the catalog is a manager's)
    sqlite_cli.ok("product", "add", "P-1", "--name", "Widget", "--price", "100", "--cost", "50")
    lead = sqlite_cli.id("lead", "add", "Li", "--source", "web", "--date", "2026-03-01")
    deal = sqlite_cli.id("lead", "convert", str(lead), "--date", "2026-03-01")
    sqlite_cli.ok("quote", "create", str(deal), "--item", "P-1:1", "--date", "2026-03-01")
    quote = sqlite_cli.json("quote", "list")[0]
    assert quote["valid_until"] == "2026-04-15" and (quote["net"], quote["total"]) == ("100.00", "106.50"), quote


def test_config_set_stores_checked_values() -> None:
    assert KEYS["quote_valid_days"].parse(" 3650 ") == 3650
    assert KEYS["tax_rate"].parse("6") == "6.00"
    assert KEYS["currency"].parse("cny") == "CNY"
    assert KEYS["smtp_security"].parse("STARTTLS") == "starttls"
    assert KEYS["sla_hours"].parse("HIGH=12") == "high=12"


# -- connection errors and --debug never show a password ---------------------------------------------------------

# Port 1 on 127.0.0.1 refuses at once; no other host is ever contacted.
CONNECT_URLS = [
    ("postgresql://u:s3cr%40t@127.0.0.1:1/x", ("s3cr%40t", "s3cr@t")),
    ("postgresql+psycopg://sales:s3cret@127.0.0.1:1/crm", ("s3cret",)),
    ("postgresql://u@127.0.0.1:1/x?password=s3cret", ("s3cret",)),
    ("postgresql://u:0ne@127.0.0.1:1/x?password=tw0&sslpassword=thr33", ("0ne", "tw0", "thr33")),
]


@pytest.mark.parametrize(("url", "secrets"), CONNECT_URLS)
def test_connection_errors_never_show_the_password(url: str, secrets: tuple[str, ...]) -> None:
    cli = Cli(url)
    run = cli("lead", "list")
    line = run.error_lines[0]
    assert run.exit_code == 1 and line.startswith("error: cannot connect to PostgreSQL at 127.0.0.1:1 as"), run
    for secret in secrets:
        assert secret not in run.stdout + run.stderr


@pytest.mark.parametrize(("url", "secrets"), CONNECT_URLS)
def test_debug_never_shows_the_password(url: str, secrets: tuple[str, ...]) -> None:
    proc = run_subprocess("--debug", "--db", url, "lead", "list", env={"SALESCLI_DEBUG": "1"})
    assert proc.returncode == 1 and "127.0.0.1" in proc.stderr, proc.stderr
    for secret in secrets:
        assert secret not in proc.stdout + proc.stderr


def test_debug_traceback_of_an_unexpected_error_hides_passwords(tmp_path: Path) -> None:
    """With --debug an unexpected exception prints its traceback; any URL in it has its password hidden."""
    script = (
        "import sys\n"
        "from salescli import cli, output\n"
        "def boom(*args, **kwargs):\n"
        "    raise RuntimeError('cannot reach postgresql://u:s3cret@127.0.0.1:1/x?sslpassword=k3y')\n"
        "output.emit_id = boom\n"
        "sys.argv = ['salescli', '--debug', 'config', 'path']\n"
        "cli.main()\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "SALESCLI_DB": str(tmp_path / "s.db")})
    assert proc.returncode == 1 and "Traceback" in proc.stderr and "RuntimeError" in proc.stderr, proc.stderr
    assert "postgresql://u:***@127.0.0.1" in proc.stderr
    assert "s3cret" not in proc.stderr and "k3y" not in proc.stderr


# -- arguments and environment that are not UTF-8 -------------------------------------------------------------------

def test_non_utf8_argument_bytes_are_one_error_line_and_touch_nothing(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    proc = subprocess.run([sys.executable, "-m", "salescli", "--db", str(db), "lead", "add", b"\xff", "--source",
                           "web"], capture_output=True, text=True, timeout=60, env=os.environ.copy())
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == ("error: argument 5 ('\\xff') is not valid UTF-8 text; check the terminal's encoding "
                           "(LANG/LC_ALL) and type it again; nothing was done\n")
    assert not db.exists()


def test_non_utf8_environment_values_are_one_error_line(sqlite_cli: Cli, db_path: Path) -> None:
    run = sqlite_cli("lead", "list", env={"SALESCLI_REP": "wang\udcff"})
    assert run.exit_code == 2 and run.error_lines == [
        "error: --rep/SALESCLI_REP ('wang\\xff') is not valid UTF-8 text; nothing was done"]
    proc = run_subprocess("lead", "list", env={"SALESCLI_DB": str(db_path) + "\udcff"})
    assert proc.returncode == 2 and "SALESCLI_DB" in proc.stderr and "Traceback" not in proc.stderr


def test_db_urls_with_odd_passwords_reach_the_right_host() -> None:
    """A password holding @, / or a space is escaped up to the last @; a libpq keyword string is refused (it
    would have become a SQLite file named after the password)."""
    from sqlalchemy.engine import make_url

    from salescli.errors import InputError
    from salescli.store import resolve_url

    for given, password in (("postgresql://u:p@ss w@127.0.0.1:5432/x", "p@ss w"),
                            ("postgresql://u:a/b@127.0.0.1/x", "a/b"),
                            ("postgresql://u:s3cr%40t@127.0.0.1/x", "s3cr@t")):
        url = make_url(resolve_url(given))
        assert (url.host, url.password) == ("127.0.0.1", password)
    with pytest.raises(InputError, match="libpq keyword string"):
        resolve_url("host=127.0.0.1 password=hunter2 dbname=sales")
