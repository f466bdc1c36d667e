"""``survey serve``: check the options, open the database, listen, and run the page under uvicorn.

Everything that can be wrong is said in one line before the server starts: a bad --root-path or
--forwarded-allow-ips, a database that is missing or cannot be opened, a login that must not serve the page, an
address already in use.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from typing import Any

from salescli.errors import InputError, PolicyError, SalesError
from salescli.i18n import _

_ROOT_PATH = re.compile(r"(/[A-Za-z0-9._~!$&'()*+,;=:@%-]+)+")


def parse_root_path(text: str | None) -> str:
    """``--root-path``: '' or ``/prefix[/more]`` without a trailing slash (where the proxy mounts the page)."""
    if text is None or text in ("", "/"):
        return ""
    value = text.strip()
    if not _ROOT_PATH.fullmatch(value):
        raise InputError(_("--root-path: {value} must be a path like /survey (starting with '/', no trailing '/', "
                           "no spaces)").format(value=repr(text)))
    return value


def parse_forwarded(text: str | None) -> str | None:
    """``--forwarded-allow-ips``: addresses or networks of trusted proxies, comma-separated, or '*'."""
    if text is None:
        return None
    items = [item.strip() for item in text.split(",") if item.strip()]
    if items == ["*"]:
        return "*"
    if not items:
        raise InputError(_("--forwarded-allow-ips: give the proxy's address, e.g. 127.0.0.1 (or a network, or '*')"))
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False) if "/" in item else ipaddress.ip_address(item)
        except ValueError:
            raise InputError(_("--forwarded-allow-ips: {value} is not an IP address or network").format(
                value=repr(item))) from None
    return ",".join(items)


@dataclass(frozen=True)
class Options:
    host: str = "127.0.0.1"
    port: int = 8080
    root_path: str = ""
    forwarded_allow_ips: str | None = None
    rate_limit: int = 10


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, or one line saying why not (before anything else starts)."""
    try:
        family, kind, proto, _canonname, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                                      flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError):
        raise InputError(_("--host: cannot listen on {host}: not a local address or host name").format(
            host=repr(host))) from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as error:
        sock.close()
        raise PolicyError(_("cannot listen on {host}:{port}: {reason}").format(host=host, port=port,
                                                                              reason=error.strerror)) from None
    sock.set_inheritable(True)
    return sock


def open_store(db: str) -> Any:
    """The database the page serves, opened (and migrated) now: a SQLite file must exist already."""
    from salescli.store import Store, resolve_url, sqlite_path

    url = resolve_url(db)
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise InputError(_("no database at {path} (check --db); the reply page serves an existing one").format(
            path=path))
    store = Store(url)
    with store.read() as conn:
        if conn.dialect.name == "postgresql":
            from salescli.services import team

            kind, login = team.reply_page_login(conn)
            if kind in ("rep", "other"):
                store.close()
                message = (_("survey serve: {login} is a rep's login; the page connects as its own: the "
                             "administrator runs 'salescli team survey-login LOGIN', then serve with "
                             "--db postgresql://LOGIN@HOST/DATABASE") if kind == "rep" else
                           _("survey serve: {login} is not a salescli login; the page connects as its own: the "
                             "administrator runs 'salescli team survey-login LOGIN', then serve with "
                             "--db postgresql://LOGIN@HOST/DATABASE"))
                raise PolicyError(message.format(login=login))
            if kind == "admin":
                from salescli import output

                output.message(_("note: serving as {login}, the administrator, who can read every survey; give "
                                 "the page its own login: salescli team survey-login LOGIN").format(login=login))
    return store


def run(*, db: str, settings_file: dict[str, Any], options: Options, team_database: bool) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM)."""
    import uvicorn

    from salescli import output
    from salescli.web.app import Site, create_app

    store = open_store(db)
    try:
        sock = listen(options.host, options.port)
    except SalesError:
        store.close()
        raise
    try:
        site = Site(store=store, settings_file=settings_file, team_database=team_database,
                    rate_limit=options.rate_limit)
        app = create_app(site, forwarded_allow_ips=options.forwarded_allow_ips)
        config = uvicorn.Config(app, log_level="warning", access_log=False, proxy_headers=False,
                                root_path=options.root_path, server_header=False, lifespan="off",
                                timeout_graceful_shutdown=5)
        shown = f"[{options.host}]" if ":" in options.host else options.host
        output.message(_("serving survey replies at {url} (Ctrl-C to stop)").format(
            url=f"http://{shown}:{options.port}{options.root_path}/s/TOKEN"))
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
        store.close()
