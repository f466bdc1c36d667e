"""A PostgreSQL database salescli cannot reach: one line that says where it tried (host, port, login, database; never
the password) and what to check, exit 1, for every kind of failure (issue 23, "Connections")."""

from __future__ import annotations

import socket

import pytest

from salescli import i18n
from tests.conftest import PG_ADMIN_URL, Cli


def _server() -> str:
    """host:port of the test server (127.0.0.1:5432 unless SALESCLI_TEST_PG says otherwise)."""
    return PG_ADMIN_URL.split("@", 1)[1].rsplit("/", 1)[0]


def _closed_port() -> int:
    with socket.socket() as s:  # bound, never listening: a connection is refused
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(("where", "said", "check"), [
    ("closed", "Connection refused", "is PostgreSQL running and listening there? check the host and port"),
    ("no-login", 'role "nobody_salescli" does not exist', "check the login and database names in --db"),
    ("no-database", 'database "no_such_salescli_db" does not exist', "check the login and database names"),
    ("no-host", "", "unknown host: check the host name"),
])
def test_a_database_that_cannot_be_reached_is_named_with_what_to_check(where: str, said: str, check: str) -> None:
    port = _closed_port()
    url = {"closed": f"postgresql://alice:s3cret-pw@127.0.0.1:{port}/sales",
           "no-login": f"postgresql://nobody_salescli:s3cret-pw@{_server()}/postgres",
           "no-database": f"postgresql://postgres:s3cret-pw@{_server()}/no_such_salescli_db",
           "no-host": "postgresql://alice:s3cret-pw@no-such-host.invalid:5433/sales"}[where]
    cli = Cli(url)
    before = cli("lead", "list")
    line = cli.fails(1, "lead", "list")
    assert before.exit_code == 1
    host = {"closed": f"127.0.0.1:{port}", "no-host": "no-such-host.invalid:5433"}.get(where, _server())
    assert line.startswith(f"error: cannot connect to PostgreSQL at {host} as "), line
    assert said in line and check in line, line
    assert "s3cret-pw" not in line


def test_in_chinese_too() -> None:
    i18n.use("zh")
    try:
        line = Cli(f"postgresql://alice:s3cret-pw@127.0.0.1:{_closed_port()}/sales")("lead", "list").stderr
    finally:
        i18n.use("en")
    assert line.startswith("错误：无法以 alice 连接 127.0.0.1:") and "s3cret-pw" not in line, line
