"""The reply page as a Starlette application: ``GET /s/TOKEN`` shows the survey's form, ``POST /s/TOKEN`` stores
the answer through the same service as ``survey respond`` (services/surveys.respond), then thanks.

Every unknown, malformed or missing thing gets the same 404 page; a page shows the company's name, the order's
number and the questions, nothing about the customer or anyone else. Database work runs in Starlette's thread pool
(SQLAlchemy is synchronous); the checks that need no database come first.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from salescli.domain import fields
from salescli.domain import surveys as rules
from salescli.errors import InputError, NotFound, SalesError
from salescli.store import Store
from salescli.web import guard, pages
from salescli.web.strings import TEXT

log = logging.getLogger("salescli.web")

#: Page views (and 404s) allowed per address for each answer allowed.
VIEWS_PER_ANSWER = 6


@dataclass
class Site:
    """What the application serves: the database, the config file's settings (team settings on SQLite may live
    there), the form-token secret, and the rate limit (answers per minute per address; 0: none)."""

    store: Store
    settings_file: dict[str, Any] = field(default_factory=dict)
    team_database: bool = False
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    rate_limit: int = 10
    clock: Callable[[], float] = time.time
    monotonic: Callable[[], float] = time.monotonic


class _Reply:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.tokens = guard.FormTokens(site.secret, clock=site.clock)
        self.answers = guard.RateLimit(site.rate_limit, clock=site.monotonic)
        self.views = guard.RateLimit(site.rate_limit * VIEWS_PER_ANSWER, clock=site.monotonic)
        self.comment_limit = fields.rule("surveys", "comment").max_len
        # SQLite takes one writer at a time: this server's own writers queue here rather than in SQLite's busy
        # handler, whose growing sleeps made the slowest answers 1 s under 20 concurrent clients (measured:
        # benchmarks/survey_serve.py). Other processes (the CLI) still wait on the busy timeout as before.
        self._one_writer: contextlib.AbstractContextManager[Any] = (
            threading.Lock() if site.store.is_sqlite else contextlib.nullcontext())

    # -- the database (in the thread pool) ------------------------------------------------------------------------

    def _shown(self, conn: Any, info: dict[str, Any]) -> dict[str, Any]:
        """The survey as the page shows it: language (the letter's rule), company name, order number."""
        from salescli.services import team_settings
        from salescli.settings import KEYS, resolve_setting

        stored = team_settings.load(conn)

        def setting(name: str) -> Any:
            try:
                return resolve_setting(KEYS[name], file=self.site.settings_file, database=stored,
                                       team_database=self.site.team_database).value
            except InputError:  # a bad value stored with psql: the customer still gets a page
                return KEYS[name].default

        language = rules.letter_language(str(setting("survey_language") or "auto"), info["language"])
        return {"language": language, "company": setting("company_name") or None, "order": info["order"],
                "answered": info["answered"]}

    def load(self, token: str) -> dict[str, Any] | None:
        from salescli.services import surveys

        with self.site.store.read() as conn:
            info = surveys.reply_page(conn, token)
            return self._shown(conn, info) if info is not None else None

    def answer(self, token: str, nps: int | None, csat: int | None, comment: str | None) -> tuple[str, Any]:
        """("thanks" | "answered", the page) or ("missing", None), in one write transaction."""
        from salescli.domain.dates import local_now
        from salescli.services import surveys

        with self._one_writer, self.site.store.write() as conn:
            info = surveys.reply_page(conn, token)
            if info is None:
                return "missing", None
            page = self._shown(conn, info)
            if info["answered"]:
                return "answered", page
            try:
                surveys.respond(conn, token, nps=nps, csat=csat, comment=comment, at=local_now(), actor=None)
            except surveys.AlreadyAnswered:
                return "answered", page
            except NotFound:
                return "missing", None
            return "thanks", page

    # -- pages ---------------------------------------------------------------------------------------------------

    def _form(self, token: str, page: dict[str, Any], *, chosen: dict[str, str] | None = None,
              errors: list[str] | None = None, status: int = 200) -> Response:
        html = pages.form(language=page["language"], company=page["company"], order=page["order"],
                          form_token=self.tokens.issue(token), comment_limit=self.comment_limit, chosen=chosen,
                          errors=errors)
        return HTMLResponse(html, status)

    @staticmethod
    def _message(kind: str, page: dict[str, Any], status: int = 200) -> Response:
        return HTMLResponse(pages.message(kind, language=page["language"], company=page["company"],
                                          order=page["order"]), status)

    @staticmethod
    def both(kind: str, status: int, headers: dict[str, str] | None = None) -> Response:
        return HTMLResponse(pages.both(kind), status, headers=headers)

    def not_found(self) -> Response:
        return self.both("not_found", 404)

    def limited(self, request: Request, limiter: guard.RateLimit) -> Response | None:
        wait = limiter.wait(request.client.host if request.client else "")
        return self.both("too_many", 429, {"Retry-After": str(wait)}) if wait else None

    def _check(self, form: dict[str, str]) -> tuple[int | None, int | None, str | None, list[str]]:
        """The scores and comment, or the problems (keys of strings.TEXT)."""
        problems: list[str] = []
        nps = csat = None
        raw_nps, raw_csat = form.get("nps", "").strip(), form.get("csat", "").strip()
        try:
            nps = rules.parse_nps(raw_nps) if raw_nps else None
        except InputError:
            problems.append("bad_nps")
        try:
            csat = rules.parse_csat(raw_csat) if raw_csat else None
        except InputError:
            problems.append("bad_csat")
        if not problems and nps is None and csat is None:
            problems.append("need_score")
        comment = form.get("comment", "").replace("\r\n", "\n").strip() or None
        if comment is not None and len(comment) > self.comment_limit:
            problems.append("comment_long")
        elif comment is not None:
            try:
                comment = fields.text("surveys", "comment", comment)
            except InputError:
                problems.append("comment_chars")
        return nps, csat, comment, problems

    # -- the routes -----------------------------------------------------------------------------------------------

    async def page(self, request: Request) -> Response:
        token = request.path_params["token"]
        if request.method == "POST":
            return await self.post(request, token)
        refused = self.limited(request, self.views)
        if refused is not None:
            return refused
        if not rules.well_formed_token(token):
            return self.not_found()
        page = await self._open(token, answered_status=200)
        return page if isinstance(page, Response) else self._form(token, page)

    async def post(self, request: Request, token: str) -> Response:
        refused = self.limited(request, self.answers)
        if refused is not None:
            return refused
        if not rules.well_formed_token(token):
            return self.not_found()
        try:
            form = await guard.read_form(request)
        except guard.FormProblem as problem:
            return self.both(problem.kind, problem.status)
        if guard.cross_site(request.headers):
            return self.both("refused", 403)
        fresh = self.tokens.valid(token, form.get("form"))
        nps, csat, comment, problems = self._check(form)
        if fresh and not problems:
            outcome = await self._safely(self.answer, token, nps, csat, comment)
            if isinstance(outcome, Response):
                return outcome
            kind, page = outcome
            if kind == "missing":
                return self.not_found()
            return self._message(kind, page, 200 if kind == "thanks" else 409)
        page = await self._open(token, answered_status=409)
        if isinstance(page, Response):
            return page
        t = TEXT[page["language"]]
        messages = [t[p].format(limit=self.comment_limit, length=len(form.get("comment", "").strip()))
                    for p in problems]
        if not fresh:
            messages.insert(0, t["expired"])
        chosen = {k: form.get(k, "") for k in ("nps", "csat", "comment")}
        return self._form(token, page, chosen=chosen, errors=messages, status=400)

    async def _open(self, token: str, *, answered_status: int) -> Response | dict[str, Any]:
        """The survey's page data, or the response that ends the request: 503 when the database cannot answer,
        the one 404 for a token that names no survey, "already answered" (``answered_status``)."""
        page = await self._safely(self.load, token)
        if isinstance(page, Response):
            return page
        if page is None:
            return self.not_found()
        if page["answered"]:
            return self._message("answered", page, answered_status)
        return dict(page)

    async def _safely(self, work: Callable[..., Any], *args: Any) -> Any:
        """Run database work in the thread pool; a database that cannot answer gets a 503 page (and one line in
        the server's log, without the token)."""
        try:
            return await run_in_threadpool(work, *args)
        except SalesError as error:
            log.warning("survey serve: %s", error.message)
            return self.both("error", 503, {"Retry-After": "30"})


def create_app(site: Site, *, forwarded_allow_ips: str | None = None) -> Any:
    """The ASGI application. ``forwarded_allow_ips``: the proxies whose X-Forwarded-For/-Proto are believed
    (comma-separated addresses or networks, or ``*``); None: those headers are ignored."""
    reply = _Reply(site)

    async def not_found(request: Request, exc: Exception) -> Response:
        return reply.limited(request, reply.views) or reply.not_found()

    async def not_allowed(request: Request, exc: Exception) -> Response:
        return reply.both("not_allowed", 405, {"Allow": "GET, HEAD, POST"})

    async def failed(request: Request, exc: Exception) -> Response:  # the traceback goes to the server's log
        return reply.both("error", 500)

    app = Starlette(routes=[Route("/s/{token}", reply.page, methods=["GET", "POST"])],
                    exception_handlers={404: not_found, 405: not_allowed, 500: failed})
    app.router.redirect_slashes = False  # /s/TOKEN/ is not found, never redirected
    app.state.site = site
    asgi: Any = guard.SecurityHeaders(app)
    if forwarded_allow_ips is not None:
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        asgi = ProxyHeadersMiddleware(asgi, trusted_hosts=forwarded_allow_ips)
    return asgi
