"""What keeps the reply page safe, each piece small enough to test alone:

- form tokens: each page carries ``ISSUED.HMAC(secret, survey token | ISSUED)``; the secret is made when the server
  starts, so a token is good only for its own survey, on this server, for a day (then the page asks to send again);
- same-origin checks: a submission whose ``Sec-Fetch-Site``, ``Origin`` or ``Referer`` says it comes from another
  site is refused. (The page sends ``Referrer-Policy: no-referrer``, so browsers post it with ``Origin: null`` and no
  Referer; ``Sec-Fetch-Site`` still says ``same-origin``. A client that sends none of them needs the form token.)
- rate limits per address (IPv6 per /64), in memory, bounded;
- the form body: url-encoded only, at most ``MAX_BODY`` bytes, UTF-8, a handful of fields, each once;
- security headers on every response (``SecurityHeaders``).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from salescli.web.pages import STYLE_HASH

FORM_MAX_AGE = 24 * 3600  # seconds a page's form token stays good
MAX_BODY = 64 * 1024  # a 4,000-character Chinese comment is ~36 KB url-encoded
MAX_FIELDS = 8
FIELDS = ("form", "nps", "csat", "comment")

CSP = ("default-src 'none'; " f"style-src {STYLE_HASH}; " "img-src 'none'; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000")


class FormTokens:
    """Per-page tokens bound to the survey's token, signed with a secret only this server knows."""

    def __init__(self, secret: bytes, *, max_age: int = FORM_MAX_AGE, clock: Callable[[], float] = time.time) -> None:
        self._secret = secret
        self._max_age = max_age
        self._clock = clock

    def _mac(self, survey_token: str, issued: str) -> str:
        return hmac.new(self._secret, f"{survey_token}|{issued}".encode(), hashlib.sha256).hexdigest()

    def issue(self, survey_token: str) -> str:
        issued = str(int(self._clock()))
        return f"{issued}.{self._mac(survey_token, issued)}"

    def valid(self, survey_token: str, value: str | None) -> bool:
        if not value or value.count(".") != 1:
            return False
        issued, mac = value.split(".")
        if not issued.isdigit() or len(issued) > 12:
            return False
        age = self._clock() - int(issued)
        return -60 <= age <= self._max_age and hmac.compare_digest(mac, self._mac(survey_token, issued))


def _authority(url: str) -> str | None:
    """``host[:port]`` of an Origin or Referer, lower-case, without the scheme's default port."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default = 443 if parts.scheme == "https" else 80
    return host if port in (None, default) else f"{host}:{port}"


def _host(header: str) -> str:
    host = header.strip().lower()
    for default in (":80", ":443"):
        if host.endswith(default):
            return host[: -len(default)]
    return host


def cross_site(headers: Any) -> bool:
    """Whether the browser says this request comes from another site (``headers``: a case-insensitive mapping)."""
    site = headers.get("sec-fetch-site")
    if site is not None:
        return str(site).strip().lower() != "same-origin"
    host = _host(headers.get("host", ""))
    for name in ("origin", "referer"):
        value = headers.get(name)
        if value and value.strip() != "null":
            return _authority(value.strip()) != host
    return False


class RateLimit:
    """At most ``limit`` requests per ``window`` seconds from one address (fixed windows; an IPv6 address counts
    with its whole /64, which one device may rotate through). ``limit`` 0: no limit. Memory stays bounded: past
    ``max_addresses`` the oldest are forgotten."""

    def __init__(self, limit: int, *, window: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 max_addresses: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._max = max_addresses
        self._seen: dict[str, tuple[float, int]] = {}

    @staticmethod
    def key(address: str) -> str:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return address
        if isinstance(ip, ipaddress.IPv6Address):
            if ip.ipv4_mapped is not None:
                return str(ip.ipv4_mapped)
            return str(ipaddress.ip_network(f"{ip}/64", strict=False))
        return str(ip)

    def wait(self, address: str) -> int:
        """0 when the request may go on (and counts it); else the seconds until it may."""
        if self.limit <= 0:
            return 0
        now = self._clock()
        key = self.key(address)
        start, count = self._seen.get(key, (now, 0))
        if now - start >= self.window:
            start, count = now, 0
        if count >= self.limit:
            return max(1, int(start + self.window - now + 0.999))
        self._seen.pop(key, None)  # re-inserted last: the dict stays in order of last use
        self._seen[key] = (start, count + 1)
        if len(self._seen) > self._max:
            for old in list(self._seen)[: len(self._seen) - self._max]:
                del self._seen[old]
        return 0


class FormProblem(Exception):
    """A body that is not our form: the status and the page (pages.both kind) to answer with."""

    def __init__(self, status: int, kind: str) -> None:
        super().__init__(kind)
        self.status = status
        self.kind = kind


async def read_form(request: Any, *, limit: int = MAX_BODY) -> dict[str, str]:
    """The url-encoded form, read at most ``limit`` bytes far: each known field once, as text."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise FormProblem(415, "bad_form")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.strip().isdigit() or int(declared) > limit):
        raise FormProblem(413, "too_large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise FormProblem(413, "too_large")
    try:
        pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=False, encoding="utf-8",
                          errors="strict", max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise FormProblem(400, "bad_form") from None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name not in FIELDS:
            continue
        if name in fields:
            raise FormProblem(400, "bad_form")
        fields[name] = value
    return fields


class SecurityHeaders:
    """ASGI middleware: the security headers on every response (HSTS only over HTTPS, as the proxy reports it
    when trusted), replacing any of the same name."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = [*HEADERS, HSTS] if scope.get("scheme") == "https" else HEADERS
        names = {name for name, _ in extra}

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": [*kept, *extra]}
            await send(message)

        await self.app(scope, receive, with_headers)
