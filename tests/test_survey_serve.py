"""Issue 18: the survey reply page (``survey serve``). The application through Starlette's TestClient for every rule
(on SQLite and PostgreSQL where it touches the database), the page's own PostgreSQL login tested by connecting as
it, the command's refusals, and one end-to-end run: ``survey serve`` as a process, the emailed link opened in
headless Chromium, a score tapped, the answer found in ``survey results``."""

from __future__ import annotations

import base64
import contextlib
import email
import email.policy
import fcntl
import hashlib
import json
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from starlette.testclient import TestClient

from salescli.store import Store, resolve_url
from salescli.web import guard
from salescli.web.app import Site, create_app
from tests.conftest import PG_ADMIN_URL, Cli, built, delivered_order, snapshot
from tests.test_surveys import Mailbox, smtp  # noqa: F401 - the SMTP server fixture (aiosmtpd on loopback)

ROOT = Path(__file__).resolve().parents[1]
FIRST_TOKEN = re.compile(r'name="form" value="([^"]+)"')


@dataclass
class Shop:
    """One database with an order delivered to 上海华信 and three surveys sent: about the order (赵敏, Chinese),
    and about the service (赵敏 again, and Bob Smith in English)."""

    cli: Cli
    order: str
    zh: str  # the order's survey
    en: str  # Bob's
    other: str  # 赵敏's survey about the service
    stores: list[Store] = field(default_factory=list)

    def app(self, *, rate_limit: int = 0, forwarded: str | None = None, db: str | None = None,
            **site: Any) -> Any:
        store = Store(resolve_url(db or self.cli.db))
        self.stores.append(store)
        return create_app(Site(store=store, team_database=(db or self.cli.db).startswith("postgresql"),
                               rate_limit=rate_limit, **site), forwarded_allow_ips=forwarded)

    def client(self, **kwargs: Any) -> TestClient:
        client_address = kwargs.pop("client", ("203.0.113.7", 50000))
        root_path = kwargs.pop("root_path", "")
        return TestClient(self.app(**kwargs), client=client_address, root_path=root_path)


def _deliver(cli: Cli) -> str:
    return delivered_order(cli)[0]


def _surveys_sent(cli: Cli) -> tuple[str, str, str, str]:
    """A delivered order's survey and two customer surveys, sent (to outboxes nobody reads): the order's number
    and the tokens of the order's survey (Chinese), Bob Smith's (English) and 赵敏's customer survey."""
    import tempfile

    order = _deliver(cli)
    cli.ok("config", "set", "company_name", "示例科技 <Acme & Co>")
    with tempfile.TemporaryDirectory() as outboxes:
        cli.ok("survey", "send", "--order", order, "--outbox", str(Path(outboxes) / "out"))
        cli.ok("survey", "send", "--customer", "1", "--outbox", str(Path(outboxes) / "out2"))
    rows = cli.rows("SELECT s.token, s.order_id, c.name FROM surveys s JOIN contacts c ON c.id = s.contact_id "
                    "ORDER BY s.id")
    zh = next(t for t, o, _ in rows if o is not None)
    en = next(t for t, o, name in rows if o is None and name == "Bob Smith")
    other = next(t for t, o, name in rows if o is None and name == "赵敏")
    return order, zh, en, other


@pytest.fixture
def shop(cli: Cli, request: pytest.FixtureRequest) -> Iterator[Shop]:
    order, zh, en, other = built(request, cli, _surveys_sent)  # sent once per backend, copied for each test
    s = Shop(cli=cli, order=order, zh=zh, en=en, other=other)
    try:
        yield s
    finally:
        for store in s.stores:
            store.close()


def _form_token(html: str) -> str:
    match = FIRST_TOKEN.search(html)
    assert match, html
    return match.group(1)


def _answer(client: TestClient, token: str, *, headers: dict[str, str] | None = None, **fields: str) -> Any:
    page = client.get(f"/s/{token}")
    assert page.status_code == 200, page.text
    data = {"form": _form_token(page.text), **fields}
    return client.post(f"/s/{token}", data=data, headers=headers or {"Sec-Fetch-Site": "same-origin"})


def _survey(cli: Cli, token: str) -> tuple[Any, ...]:
    return cli.rows("SELECT status, nps, csat, comment FROM surveys WHERE token = ?", token)[0]


# -- the page ---------------------------------------------------------------------------------------------------


def test_the_form_in_the_customers_language_and_nothing_else(shop: Shop) -> None:
    client = shop.client()
    page = client.get(f"/s/{shop.zh}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="zh-CN">' in html and "满意度调查" in html and f"关于订单 {shop.order}" in html
    assert "示例科技 &lt;Acme &amp; Co&gt;" in html and "<Acme" not in html  # the company name, escaped
    assert len(re.findall(r'type="radio" id="nps-\d+" name="nps"', html)) == 11
    assert len(re.findall(r'type="radio" id="csat-\d+"\s+name="csat"', html)) == 5
    assert 'maxlength="4000"' in html and 'method="post"' in html and "action=" not in html
    assert "<script" not in html and " on" not in re.sub(r"[^<]*(<[^>]*>)", r"\1", html).lower().replace(
        " one", "")  # no script, no inline handlers
    shown = re.sub(r'value="\d+\.[0-9a-f]+"', 'value=""', html)  # the form token (its time may hold "1200")
    assert shown != html
    for private in ("上海华信", "赵敏", "zhao@example.cn", "Bob", shop.en, shop.other, "GW-1", "1200"):
        assert private not in shown, private
    english = client.get(f"/s/{shop.en}").text
    assert '<html lang="en">' in english and "About our service" in english and "How likely" in english
    shop.cli.ok("config", "set", "survey_language", "en")  # the team's choice wins, as for the letter
    assert '<html lang="en">' in client.get(f"/s/{shop.zh}").text
    shop.cli.ok("config", "set", "survey_language", "zh")
    assert '<html lang="zh-CN">' in client.get(f"/s/{shop.en}").text
    shop.cli.ok("config", "unset", "company_name")
    assert "<h1>满意度调查</h1>" in client.get(f"/s/{shop.zh}").text


def test_security_headers_on_every_page(shop: Shop) -> None:
    client = shop.client()
    for response in (client.get(f"/s/{shop.zh}"), client.get("/s/nope"), client.get("/")):
        headers = response.headers
        csp = headers["content-security-policy"]
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
        assert "unsafe-inline" not in csp and "script-src" not in csp  # no script may run at all
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer" and headers["cache-control"] == "no-store"
        assert "strict-transport-security" not in headers and "server" not in headers
        style = re.search(r"<style>(.*?)</style>", response.text, re.S)
        assert style is not None
        digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
        assert f"style-src 'sha256-{digest}'" in csp  # exactly the page's one stylesheet
    proxied = shop.client(forwarded="203.0.113.7")
    assert proxied.get(f"/s/{shop.zh}", headers={"X-Forwarded-Proto": "https"}).headers[
        "strict-transport-security"].startswith("max-age=")


# -- answering ---------------------------------------------------------------------------------------------------


def test_an_answer_is_stored_like_survey_respond_and_only_once(shop: Shop) -> None:
    cli, client = shop.cli, shop.client()
    thanks = _answer(client, shop.zh, nps="9", csat="4", comment="  送货很快，\r\n安装也顺利  ")
    assert thanks.status_code == 200 and "谢谢" in thanks.text and shop.order in thanks.text
    assert _survey(cli, shop.zh) == ("responded", 9, 4, "送货很快，\n安装也顺利")
    audit = cli.rows("SELECT rep, action, after FROM audit_log WHERE entity = 'survey'")
    assert [(rep, action, json.loads(after)) for rep, action, after in audit] == [
        (None, "response", {"nps": 9, "csat": 4})]
    report = cli.json("survey", "results")
    assert report["total"]["responses"] == 1 and report["total"]["nps"] == 100.0
    assert report["comments"][0]["comment"] == "送货很快，\n安装也顺利"
    before = snapshot(cli)
    page = client.get(f"/s/{shop.zh}")  # opened again: already answered, no form
    assert page.status_code == 200 and "已经回答过了" in page.text and "<form" not in page.text
    again = client.post(f"/s/{shop.zh}", data={"form": guard.FormTokens(b"x").issue(shop.zh), "nps": "0"},
                        headers={"Sec-Fetch-Site": "same-origin"})
    assert again.status_code == 409 and "已经回答过了" in again.text
    assert snapshot(cli) == before
    # the same rule for the CLI: the token is used up
    assert "already answered" in cli.fails(1, "survey", "respond", shop.zh, "--nps", "3")
    # one score is enough; the English page thanks in English
    english = _answer(client, shop.en, csat="5")
    assert english.status_code == 200 and "Thank you" in english.text
    assert _survey(cli, shop.en) == ("responded", None, 5, None)


def test_two_submissions_at_once_answer_once(shop: Shop) -> None:
    app = shop.app()
    first = TestClient(app).get(f"/s/{shop.zh}")
    form = _form_token(first.text)
    statuses: list[int] = []
    barrier = threading.Barrier(6)

    def submit(score: int) -> None:
        client = TestClient(app)
        barrier.wait()
        response = client.post(f"/s/{shop.zh}", data={"form": form, "nps": str(score)},
                                headers={"Sec-Fetch-Site": "same-origin"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [200, 409, 409, 409, 409, 409]
    assert shop.cli.rows("SELECT count(*) FROM audit_log WHERE entity = 'survey' AND action = 'response'") == [(1,)]
    assert shop.cli.rows("SELECT count(*) FROM surveys WHERE status = 'responded'") == [(1,)]


def test_unknown_and_malformed_links_get_the_same_404(shop: Shop) -> None:
    client = shop.client()
    reference = client.get("/s/" + "0" * 32)
    assert reference.status_code == 404 and "找不到这个页面" in reference.text and "Page not found" in reference.text
    paths = ["/s/" + shop.zh.upper(), "/s/" + shop.zh[:-1], "/s/" + shop.zh + "0", "/s/short", "/s/" + "a" * 65,
             "/s/%00" + shop.zh, "/s/..%2f..%2fetc%2fpasswd", "/s/" + shop.zh + "/", "/s/" + shop.zh + "/x",
             "/s/", "/s", "/", "/S/" + shop.zh, "/favicon.ico", "/s/" + shop.zh + "%20", "/s/%E4%BD%A0%E5%A5%BD",
             "/s/' OR '1'='1", "/s/" + shop.zh[:16] + "%25"]
    for path in paths:
        response = client.get(path)
        assert (response.status_code, response.content) == (404, reference.content), path
        assert {k: v for k, v in response.headers.items() if k != "date"} == {
            k: v for k, v in reference.headers.items() if k != "date"}, path
    before = snapshot(shop.cli)
    for path in ("/s/" + "0" * 32, "/s/short"):
        forged = client.post(path, data={"form": guard.FormTokens(b"x").issue("0" * 32), "nps": "9"},
                             headers={"Sec-Fetch-Site": "same-origin"})
        assert (forged.status_code, forged.content) == (404, reference.content)
    assert client.put(f"/s/{shop.zh}").status_code == 405
    assert snapshot(shop.cli) == before


def test_cross_site_submissions_are_refused(shop: Shop) -> None:
    client = shop.client()
    form = _form_token(client.get(f"/s/{shop.zh}").text)
    before = snapshot(shop.cli)
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                    {"Origin": "https://evil.example"}, {"Origin": "http://testserver.evil.example"},
                    {"Referer": f"https://evil.example/s/{shop.zh}"},
                    {"Origin": "https://evil.example", "Referer": f"http://testserver/s/{shop.zh}"}):
        response = client.post(f"/s/{shop.zh}", data={"form": form, "nps": "0"}, headers=headers)
        assert response.status_code == 403 and "This submission was refused" in response.text, headers
    assert snapshot(shop.cli) == before
    # what Chromium sends for the page's own form under Referrer-Policy no-referrer: Origin null, same-origin
    ok = client.post(f"/s/{shop.zh}", data={"form": form, "nps": "10"},
                     headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"})
    assert ok.status_code == 200
    other = client.post(f"/s/{shop.en}", data={"form": _form_token(client.get(f"/s/{shop.en}").text), "csat": "3"},
                        headers={"Origin": "http://testserver", "Referer": f"http://testserver/s/{shop.en}"})
    assert other.status_code == 200  # a client without Sec-Fetch-Site: its Origin must be ours


def test_the_form_token_belongs_to_its_survey_this_server_and_today(shop: Shop) -> None:
    now = [1_800_000_000.0]
    app_client = shop.client(clock=lambda: now[0], secret=b"k" * 32)
    page = app_client.get(f"/s/{shop.zh}")
    form = _form_token(page.text)
    other_form = _form_token(app_client.get(f"/s/{shop.other}").text)
    restarted = shop.client(clock=lambda: now[0], secret=b"j" * 32)  # a new server: a new secret
    before = snapshot(shop.cli)
    same = {"Sec-Fetch-Site": "same-origin"}
    cases = [(app_client, {"nps": "7"}), (app_client, {"form": other_form, "nps": "7"}),
             (app_client, {"form": form[:-1] + ("0" if form[-1] != "0" else "1"), "nps": "7"}),
             (app_client, {"form": "9" * 10 + "." + form.split(".")[1], "nps": "7"}),
             (restarted, {"form": form, "nps": "7", "csat": "2", "comment": "还行"})]
    for client, data in cases:
        response = client.post(f"/s/{shop.zh}", data=data, headers=same)
        assert response.status_code == 400 and "页面已过期" in response.text, data
        assert 'value="7" checked' in response.text  # the customer's choices are kept
    assert "还行</textarea>" in response.text and 'value="2" checked' in response.text
    now[0] += guard.FORM_MAX_AGE + 1  # a page left open for more than a day
    assert app_client.post(f"/s/{shop.zh}", data={"form": form, "nps": "7"}, headers=same).status_code == 400
    assert snapshot(shop.cli) == before
    fresh = _form_token(app_client.get(f"/s/{shop.zh}").text)
    assert app_client.post(f"/s/{shop.zh}", data={"form": fresh, "nps": "7"}, headers=same).status_code == 200


def test_scores_and_comment_are_bounded(shop: Shop) -> None:
    client = shop.client()
    form = _form_token(client.get(f"/s/{shop.zh}").text)
    same = {"Sec-Fetch-Site": "same-origin"}
    before = snapshot(shop.cli)
    cases = [({"nps": "11"}, "推荐分数应在 0 到 10 之间"), ({"nps": "-1"}, "0 到 10"), ({"nps": "abc"}, "0 到 10"),
             ({"nps": "1.5"}, "0 到 10"), ({"csat": "0"}, "1 到 5"),
             ({"csat": "6"}, "1 到 5"), ({}, "请至少选择一个分数"), ({"comment": "很好"}, "请至少选择一个分数"),
             ({"nps": "9", "comment": "好" * 4001}, "意见最多 4000 个字（现在 4001 个）"),
             ({"nps": "9", "comment": "bell\x07"}, "控制字符"), ({"nps": "9", "comment": "esc\x1b[2J"}, "控制字符"),
             ({"nps": "9", "comment": "\u202eevil"}, "控制字符"), ({"nps": "9", "comment": "a\u2028b"}, "控制字符")]
    for data, message in cases:
        response = client.post(f"/s/{shop.zh}", data={"form": form, **data}, headers=same)
        assert response.status_code == 400 and message in response.text, (data, response.text[-600:])
        assert 'role="alert"' in response.text
    duplicate = client.post(f"/s/{shop.zh}", content=f"form={form}&nps=1&nps=9",
                            headers={**same, "Content-Type": "application/x-www-form-urlencoded"})
    assert duplicate.status_code == 400
    assert snapshot(shop.cli) == before
    longest = "好" * 4000  # the field's limit exactly (domain/fields.py: surveys.comment)
    assert client.post(f"/s/{shop.zh}", data={"form": form, "nps": "8", "comment": longest},
                       headers=same).status_code == 200
    assert _survey(shop.cli, shop.zh) == ("responded", 8, None, longest)


def test_what_is_not_our_form_is_refused_before_the_database(sqlite_cli: Cli, tmp_path: Path) -> None:
    """Bodies and rate limits (no database work involved: SQLite only)."""
    site = Site(store=Store(resolve_url(str(tmp_path / "none.db"))), rate_limit=0)
    client = TestClient(create_app(site))
    token = "0" * 32
    url = f"/s/{token}"
    form = {"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"}
    assert client.post(url, content="nps=1&" + "x" * guard.MAX_BODY, headers=form).status_code == 413

    def chunks() -> Iterator[bytes]:
        for _ in range(100):
            yield b"comment=" + b"x" * 1024 + b"&"

    assert client.post(url, content=chunks(), headers=form).status_code == 413  # no Content-Length
    assert client.post(url, files={"nps": ("a", b"1")}, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 415
    assert client.post(url, json={"nps": 1}).status_code == 415
    assert client.post(url, content="nps=%ff%fe", headers=form).status_code == 400
    assert client.post(url, content="nps=\xe4\xbd\xa0".encode("latin-1"), headers=form).status_code == 400
    assert client.post(url, content="&".join(f"f{i}=1" for i in range(50)), headers=form).status_code == 400
    assert not (tmp_path / "none.db").exists()  # none of that opened (or created) a database


def test_answers_are_rate_limited_per_address(shop: Shop) -> None:
    clock = [1000.0]
    app = shop.app(rate_limit=2, monotonic=lambda: clock[0])
    one = TestClient(app, client=("198.51.100.1", 1))
    same = {"Sec-Fetch-Site": "same-origin"}
    assert one.post(f"/s/{shop.zh}", data={"nps": "1"}, headers=same).status_code == 400  # bad ones count too
    assert one.post(f"/s/{shop.zh}", data={"nps": "1"}, headers=same).status_code == 400
    limited = one.post(f"/s/{shop.zh}", data={"nps": "1"},
                       headers={**same, "X-Forwarded-For": "192.0.2.99"})  # not believed: no proxy configured
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert "请求过于频繁" in limited.text
    two = TestClient(app, client=("198.51.100.2", 1))
    assert _answer(two, shop.zh, nps="6").status_code == 200  # another address
    clock[0] += 61
    assert one.post(f"/s/{shop.en}", data={"csat": "1"}, headers=same).status_code == 400  # a minute later
    # page views and 404s: six per answer allowed
    views = [one.get(f"/s/{'1' * 32}").status_code for _ in range(14)]
    assert views[:12] == [404] * 12 and views[12:] == [429, 429]
    assert one.get("/anything").status_code == 429
    # behind a trusted proxy, each forwarded address counts on its own; the proxy's word is not taken from others
    proxied = shop.app(rate_limit=1, forwarded="10.0.0.9", monotonic=lambda: clock[0])
    proxy = TestClient(proxied, client=("10.0.0.9", 1))

    def bad(client: TestClient, forwarded_for: str) -> int:
        response = client.post(f"/s/{shop.en}", data={"csat": "9"}, headers={**same, "X-Forwarded-For": forwarded_for})
        return int(response.status_code)

    assert [bad(proxy, f"192.0.2.{n}") for n in range(3)] == [400, 400, 400]
    assert bad(proxy, "192.0.2.1") == 429
    stranger = TestClient(proxied, client=("198.51.100.3", 1))
    assert [bad(stranger, "192.0.2.50"), bad(stranger, "192.0.2.51")] == [400, 429]


def test_rate_limit_keys_and_memory() -> None:
    assert guard.RateLimit.key("2001:db8::1") == guard.RateLimit.key("2001:db8::ffff:1") == "2001:db8::/64"
    assert guard.RateLimit.key("::ffff:192.0.2.1") == "192.0.2.1" and guard.RateLimit.key("unix") == "unix"
    limit = guard.RateLimit(1, max_addresses=100)
    for n in range(1000):
        assert limit.wait(f"10.0.{n // 256}.{n % 256}") == 0
    assert len(limit._seen) == 100
    assert guard.RateLimit(0).wait("x") == 0


def test_behind_a_proxy_at_a_root_path(shop: Shop) -> None:
    client = shop.client(root_path="/survey", forwarded="203.0.113.7")
    page = client.get(f"/survey/s/{shop.zh}", headers={"X-Forwarded-Proto": "https"})
    assert page.status_code == 200 and "action=" not in page.text  # the form posts to the page's own address
    response = client.post(f"/survey/s/{shop.zh}", data={"form": _form_token(page.text), "nps": "10"},
                           headers={"Origin": "https://testserver", "X-Forwarded-Proto": "https"})
    assert response.status_code == 200 and "strict-transport-security" in response.headers
    assert _survey(shop.cli, shop.zh)[:2] == ("responded", 10)


# -- the command ---------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_refuses_bad_options_in_one_line(sqlite_cli: Cli, db_path: Path) -> None:
    cli = sqlite_cli
    assert "no database at" in cli.fails(2, "survey", "serve", "--port", str(_free_port()))
    assert not db_path.exists()
    cli.ok("db", "upgrade")
    assert "--port" in cli.fails(2, "survey", "serve", "--port", "0")
    assert "--port" in cli.fails(2, "survey", "serve", "--port", "70000")
    assert "--root-path" in cli.fails(2, "survey", "serve", "--root-path", "survey")
    assert "--root-path" in cli.fails(2, "survey", "serve", "--root-path", "/a b")
    assert "--root-path" in cli.fails(2, "survey", "serve", "--root-path", "/survey/")
    assert "not an IP address" in cli.fails(2, "survey", "serve", "--forwarded-allow-ips", "proxy.local")
    assert "--rate-limit" in cli.fails(2, "survey", "serve", "--rate-limit", "-1")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        line = cli.fails(1, "survey", "serve", "--port", str(busy.getsockname()[1]))
        assert "cannot listen on 127.0.0.1" in line


def test_serve_help_imports_no_web_or_database_library() -> None:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "salescli", "survey", "serve", "--help"],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    assert "--root-path" in proc.stdout and "--forwarded-allow-ips" in proc.stdout
    imported = {line.rpartition("|")[2].strip() for line in proc.stderr.splitlines() if line.startswith("import time")}
    heavy = sorted(m for m in imported if m.split(".")[0] in
                   ("sqlalchemy", "starlette", "uvicorn", "jinja2", "httpx", "anyio", "multipart", "psycopg"))
    assert heavy == [], heavy


def test_survey_url_defaults_to_the_serve_address(sqlite_cli: Cli, tmp_path: Path) -> None:
    cli = sqlite_cli
    order = _deliver(cli)
    cli.ok("survey", "send", "--order", order, "--outbox", str(tmp_path / "a"))
    (token,) = cli.rows("SELECT token FROM surveys")[0]
    assert f"http://127.0.0.1:8080/s/{token}" in _letter(tmp_path / "a")
    assert cli.ok("config", "get", "survey_url").stdout.strip() == "http://127.0.0.1:8080/s/{token}"
    cli.ok("config", "set", "survey_url", "https://survey.example.com/r/{token}?x=1")
    cli.ok("survey", "send", "--order", order, "--outbox", str(tmp_path / "b"), "--resend")
    token2 = cli.rows("SELECT token FROM surveys ORDER BY id DESC")[0][0]
    assert f"https://survey.example.com/r/{token2}?x=1" in _letter(tmp_path / "b")


def test_mailing_links_only_this_computer_can_open_says_so(sqlite_cli: Cli, request: pytest.FixtureRequest) -> None:
    cli = sqlite_cli
    mailbox: Mailbox = request.getfixturevalue("smtp")
    order = _deliver(cli)
    cli.ok("config", "set", "smtp_from", "sales@example.com")
    run = cli.ok("survey", "send", "--order", order)
    assert "only this computer can open" in run.stderr and "1 delivered" in run.stderr
    assert "http://127.0.0.1:8080/s/" in str(mailbox.messages[0][1].get_content())
    cli.ok("config", "set", "survey_url", "https://survey.example.com/s/{token}")
    run = cli.ok("survey", "send", "--order", order, "--resend")
    assert "only this computer" not in run.stderr and len(mailbox.messages) == 2


def _letter(folder: Path) -> str:
    (path,) = folder.glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return str(message.get_content())  # type: ignore[attr-defined]


# -- PostgreSQL: the page's own login -------------------------------------------------------------------------------


def _drop_roles(roles: list[str]) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        for role in roles:
            with contextlib.suppress(psycopg.Error):
                conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
        for group in ("salescli_survey", "salescli_manager", "salescli_rep", "salescli_owner"):
            used = conn.execute("SELECT count(*) FROM pg_shdepend d JOIN pg_roles r ON r.oid = d.refobjid "
                                "WHERE r.rolname = %s", (group,)).fetchone()
            members = conn.execute("SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
                                   "WHERE r.rolname = %s", (group,)).fetchone()
            if used == (0,) and members == (0,):
                with contextlib.suppress(psycopg.Error):
                    conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(group)))


@pytest.fixture
def team_shop(team_roles_lock: None, pg_url: str, tmp_path: Path) -> Iterator[tuple[Shop, str, list[str]]]:
    """A team database with the shop's surveys, and the page's login (its URL)."""
    cli = Cli(pg_url)
    order = _deliver(cli)
    cli.ok("config", "set", "company_name", "示例科技")
    cli.ok("config", "set", "max_discount", "20")
    cli.ok("survey", "send", "--order", order, "--outbox", str(tmp_path / "out"))
    cli.ok("survey", "send", "--customer", "1", "--outbox", str(tmp_path / "out2"))
    rows = cli.rows("SELECT s.token, s.order_id, c.name FROM surveys s JOIN contacts c ON c.id = s.contact_id "
                    "ORDER BY s.id")
    shop = Shop(cli=cli, order=order, zh=next(t for t, o, _ in rows if o is not None),
                en=next(t for t, o, n in rows if o is None and n == "Bob Smith"),
                other=next(t for t, o, n in rows if o is None and n == "赵敏"))
    suffix = uuid.uuid4().hex[:8]
    roles = [f"page_{suffix}", f"rep_{suffix}"]
    try:
        cli.ok("team", "init")
        run = cli.ok("team", "survey-login", roles[0], "--no-password")
        assert f"created the login {roles[0]}" in run.stderr
        base = PG_ADMIN_URL.split("://", 1)[1].split("@", 1)[1].rsplit("/", 1)[0]
        yield shop, f"postgresql://{roles[0]}@{base}/{pg_url.rsplit('/', 1)[1]}", roles
    finally:
        for store in shop.stores:
            store.close()
        cli.engine.dispose()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(pg_url.rsplit("/", 1)[1])))
        from salescli.services.team import owner_name

        _drop_roles([*roles, owner_name(pg_url.rsplit("/", 1)[1])])  # the database's owner role too


def test_the_page_login_reads_a_survey_only_by_its_token(team_shop: tuple[Shop, str, list[str]]) -> None:
    shop, page_url, _ = team_shop
    from salescli import models

    hooks = "hooks" in models.metadata.tables  # issue 20: an answer queues "survey.answered" for the team's hooks
    if hooks:
        shop.cli.ok("hook", "add", "survey.answered", "--webhook", "https://hooks.example.com/x", "--kind", "json")
    client = TestClient(shop.app(db=page_url), client=("203.0.113.7", 1))
    page = client.get(f"/s/{shop.zh}")
    assert page.status_code == 200 and shop.order in page.text and "示例科技" in page.text
    assert client.get("/s/" + "0" * 32).status_code == 404
    assert _answer(client, shop.zh, nps="9", csat="5", comment="很好").status_code == 200
    assert _answer(client, shop.en, nps="3").status_code == 200
    assert client.post(f"/s/{shop.zh}", data={"form": _form_token(page.text), "nps": "0"},
                       headers={"Sec-Fetch-Site": "same-origin"}).status_code == 409
    assert _survey(shop.cli, shop.zh) == ("responded", 9, 5, "很好")
    assert shop.cli.rows("SELECT rep, entity, action FROM audit_log WHERE entity = 'survey'") == [
        (None, "survey", "response")] * 2
    if hooks:
        events = shop.cli.rows("SELECT event, entity, rep, payload FROM event_outbox ORDER BY id")
        assert [e[:3] for e in events] == [("survey.answered", "survey", None)] * 2
        assert "上海华信" in events[0][3] and '"nps": 9' in events[0][3]
    with psycopg.connect(page_url, autocommit=True) as conn:
        def denied(statement: str, *args: Any) -> None:
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement, args)

        assert conn.execute("SELECT count(*) FROM surveys").fetchone() == (0,)  # no token named: no survey
        assert conn.execute("SELECT count(*) FROM orders").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM reps").fetchone() == (0,)
        # of the team settings, the two the page shows (max_discount is stored too, and not for it)
        assert conn.execute("SELECT key FROM team_settings ORDER BY key").fetchall() == [("company_name",)]
        for statement in ("SELECT * FROM surveys", "SELECT email FROM surveys", "SELECT contact_id FROM surveys",
                          "SELECT * FROM customers", "SELECT owner_id FROM customers", "SELECT * FROM contacts",
                          "SELECT * FROM leads",
                          "SELECT * FROM deals", "SELECT * FROM quotes", "SELECT deal_id FROM orders",
                          "SELECT * FROM audit_log", "SELECT * FROM products", "SELECT updated_by FROM team_settings",
                          "DELETE FROM surveys", "TRUNCATE surveys", "UPDATE surveys SET token = 'x'",
                          "UPDATE surveys SET email = 'x'", "UPDATE customers SET name = 'x'",
                          "INSERT INTO surveys (customer_id, channel, token, status, created_at) "
                          "VALUES (1, 'email', 'x', 'sent', now())", "UPDATE audit_log SET rep = 'x'",
                          "INSERT INTO team_settings (key, value, updated_at) VALUES ('max_discount', '90', now())"):
            denied(statement)
        with conn.transaction():  # the other answered survey, named by its token: read, not changed again
            conn.execute("SELECT set_config('salescli.survey_token', %s, true)", (shop.en,))
            assert conn.execute("SELECT status FROM surveys").fetchall() == [("responded",)]
            assert conn.execute("UPDATE surveys SET nps = 10, status = 'responded'").rowcount == 0
            assert conn.execute("SELECT number FROM orders").fetchall() == []  # that survey is about no order
        with conn.transaction():  # the unanswered one: the database holds the page's rules too
            conn.execute("SELECT set_config('salescli.survey_token', %s, true)", (shop.other,))
            assert conn.execute("SELECT count(*) FROM surveys").fetchone() == (1,)
            for values in ("nps = 11, status = 'responded', responded_at = now()",
                           "nps = 5, status = 'sent'", "nps = NULL, csat = NULL, status = 'responded', "
                           "responded_at = now()", "nps = 5, status = 'responded', responded_at = now(), "
                                                    "comment = repeat('x', 4001)"):
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"), \
                        conn.transaction():
                    conn.execute(f"UPDATE surveys SET {values}")
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"), conn.transaction():
                conn.execute("INSERT INTO audit_log (at, rep, entity, entity_id, action) "
                             "VALUES (now(), NULL, 'lead', '1', 'update')")
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"), conn.transaction():
                conn.execute("INSERT INTO audit_log (at, rep, entity, entity_id, action) "
                             "VALUES (now(), NULL, 'survey', '1', 'response')")  # another survey's id
        with conn.transaction():
            conn.execute("SELECT set_config('salescli.survey_token', %s, true)", ("%",))
            assert conn.execute("SELECT count(*) FROM surveys").fetchone() == (0,)
    assert "team mode: ok" in shop.cli.ok("team", "check").stderr
    # the page's login is no rep: salescli refuses it for everything else
    assert "is not a salescli rep" in Cli(page_url).fails(1, "lead", "list")


def test_serve_and_survey_login_refusals_on_postgresql(team_shop: tuple[Shop, str, list[str]],
                                                       tmp_path: Path) -> None:
    shop, page_url, roles = team_shop
    admin = shop.cli
    admin.ok("rep", "add", "alice", "--name", "Alice", "--login-name", roles[1], "--no-password")
    alice = Cli(page_url.replace(roles[0], roles[1]))
    line = alice.fails(1, "survey", "serve", "--port", str(_free_port()))
    assert "is a rep's login" in line and "team survey-login" in line
    assert "administrator" in alice.fails(1, "team", "survey-login", "page_x_" + roles[0][-8:], "--no-password")
    assert "--login" in admin.fails(2, "team", "survey-login", "Bad Name", "--no-password")
    assert "--login" in admin.fails(2, "team", "survey-login", "salescli_evil", "--no-password")
    assert "rep alice's login" in admin.fails(1, "team", "survey-login", roles[1], "--no-password")
    assert "an administrator's role" in admin.fails(1, "team", "survey-login", "postgres", "--no-password")
    assert "already exists" in admin.fails(1, "team", "survey-login", roles[0], "--password-file",
                                           str(_write(tmp_path / "pw", "secret\n")))
    assert "adopted" in admin.ok("team", "survey-login", roles[0], "--no-password").stderr  # again: harmless
    sqlite = Cli(str(tmp_path / "solo.db"))
    assert "SQLite is single-user" in sqlite.fails(1, "team", "survey-login", "page", "--no-password")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# -- end to end: survey serve, the emailed link, headless Chromium ---------------------------------------------------


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed (CI requires it: .ci/run installs it)")
        pytest.skip("chromium is not installed")
    return found


class DevTools:
    """A small Chrome DevTools Protocol client over --remote-debugging-pipe (fd 3: commands to Chromium, fd 4: its
    replies and events, each JSON message ending in a NUL byte): no WebSocket library needed."""

    def __init__(self, binary: str, profile: Path) -> None:
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        # the child's ends, moved out of the way of fds 3 and 4 before being put there
        child_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD_CLOEXEC, 10)
        for fd in (to_chrome_r, from_chrome_w):
            os.close(fd)

        def as_fds_3_and_4() -> None:
            os.dup2(child_r, 3)
            os.dup2(child_w, 4)

        flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--remote-debugging-pipe", "about:blank"]
        self.proc = subprocess.Popen([binary, *flags], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, pass_fds=(3, 4), preexec_fn=as_fds_3_and_4)
        os.close(child_r)
        os.close(child_w)
        self._out, self._in = to_chrome_w, from_chrome_r
        self._buffer = b""
        self._next = 0
        self.events: list[dict[str, Any]] = []
        self.session: str | None = None

    def _read(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._in], [], [], max(0.0, left))
            if not ready:
                raise TimeoutError("no answer from Chromium")
            chunk = os.read(self._in, 65536)
            if not chunk:
                raise RuntimeError(f"Chromium closed the pipe: {self.proc.stderr.read().decode()[-2000:]}"
                                   if self.proc.stderr else "Chromium closed the pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return dict(json.loads(message))

    def call(self, method: str, params: dict[str, Any] | None = None, *, session: bool = True,
             timeout: float = 30) -> dict[str, Any]:
        self._next += 1
        request: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session and self.session:
            request["sessionId"] = self.session
        os.write(self._out, json.dumps(request).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            message = self._read(deadline)
            if message.get("id") == self._next:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))
            self.events.append(message)

    def wait_for(self, event: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for i, message in enumerate(self.events):
                if message.get("method") == event:
                    del self.events[: i + 1]
                    return message
            self.events.append(self._read(deadline))

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def tap(self, selector: str) -> None:
        """A finger's tap on the element's centre (touch events, as on a phone)."""
        x, y = self.evaluate(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); "
                             "e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect(); "
                             "return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        self.call("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
        self.call("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.call("Browser.close", session=False, timeout=5)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        for fd in (self._out, self._in):
            with contextlib.suppress(OSError):
                os.close(fd)


@pytest.mark.slow
def test_end_to_end_the_emailed_link_in_headless_chromium(sqlite_cli: Cli, db_path: Path, tmp_path: Path) -> None:
    chromium = _chromium()
    cli = sqlite_cli
    order = _deliver(cli)
    cli.ok("config", "set", "company_name", "示例科技")
    port = _free_port()
    cli.ok("config", "set", "survey_url", f"http://127.0.0.1:{port}/s/{{token}}")
    cli.ok("survey", "send", "--order", order, "--outbox", str(tmp_path / "outbox"))
    link = re.search(r"http://127\.0\.0\.1:\d+/s/[0-9a-f]{32}", _letter(tmp_path / "outbox"))
    assert link is not None
    server = subprocess.Popen([sys.executable, "-m", "salescli", "--db", str(db_path), "survey", "serve", "--port",
                               str(port)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    browser: DevTools | None = None
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, server.communicate()
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < deadline, "survey serve did not start listening"
            time.sleep(0.1)
        browser = DevTools(chromium, tmp_path / "profile")
        target = browser.call("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        browser.session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                                       session=False)["sessionId"]
        for method, params in (("Page.enable", {}), ("Log.enable", {}), ("Runtime.enable", {}),
                               ("Emulation.setDeviceMetricsOverride",
                                {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True}),
                               ("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})):
            browser.call(method, params)
        browser.call("Page.navigate", {"url": link.group(0)})
        browser.wait_for("Page.loadEventFired")
        assert browser.evaluate("document.documentElement.lang") == "zh-CN"
        assert order in browser.evaluate("document.body.innerText")
        # the stylesheet applied (allowed by its hash in the CSP): the score buttons look like buttons
        assert browser.evaluate("getComputedStyle(document.querySelector('.choice span')).borderTopLeftRadius") \
            == "10px"
        browser.tap('label[for="nps-9"]')
        browser.tap('label[for="csat-5"]')
        assert browser.evaluate("[document.getElementById('nps-9').checked, document.getElementById('csat-5').checked]"
                                ) == [True, True]
        browser.tap("#comment")
        browser.call("Input.insertText", {"text": "送货很快 fast"})
        browser.events.clear()
        browser.tap('button[type="submit"]')
        browser.wait_for("Page.loadEventFired")
        assert "谢谢" in browser.evaluate("document.body.innerText")
        problems = [e["params"]["entry"]["text"] for e in browser.events if e.get("method") == "Log.entryAdded"
                    and "Content Security Policy" in e["params"]["entry"].get("text", "")]
        assert problems == []
    finally:
        if browser is not None:
            browser.close()
        server.terminate()
        try:
            _, err = server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            _, err = server.communicate()
    assert "serving survey replies at" in err and "Traceback" not in err, err
    report = cli.json("survey", "results")
    assert report["total"]["responses"] == 1 and report["total"]["csat"] == 5.0
    assert [b["count"] for b in report["nps_distribution"] if b["score"] == "9"] == [1]
    assert report["comments"][0]["comment"] == "送货很快 fast"
