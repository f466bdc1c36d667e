"""Event hooks (issue 20): a real HTTP receiver on 127.0.0.1 checks each robot's payload and signature; a failing
receiver never fails the command and gets the event once it recovers; a killed process loses no event (outbox); a
refused change raises none; timed events come once per record; team mode keeps hooks a manager's."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import Case, Cli, check_refusals, snapshot
from tests.test_team_pg import Team, fresh  # the team database fixture (listed in __all__)

__all__ = ["fresh"]

SECRET = "SEC0123456789abcdef-secret"


class Receiver:
    """An HTTP server on 127.0.0.1 that records every POST and answers ``status`` (with ``body``)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.body = b'{"errcode":0,"errmsg":"ok"}'
        self.port = 0
        self.server: ThreadingHTTPServer | None = None
        self.start()

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "raw": raw,
                                          "body": json.loads(raw)})
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(receiver.body)))
                self.end_headers()
                self.wfile.write(receiver.body)

            def log_message(self, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, prefix: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"].startswith(prefix)]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    try:
        yield r
    finally:
        r.stop()


def outbox(cli: Cli) -> list[tuple[Any, ...]]:
    return cli.rows("SELECT hook_id, event, entity_id, status, attempts, last_error FROM event_outbox ORDER BY id")


def pipeline_to_won(cli: Cli) -> str:
    """王芳 wins 上海华信: lead → deal → quote (net 123,456.00) → contract signed. Returns the contract number."""
    cli.ok("rep", "add", "wangfang", "--name", "王芳")
    cli.ok("product", "add", "P-1", "--name", "Widget", "--price", "123456", "--cost", "50000")
    me = ("--rep", "wangfang")
    lead = cli.id(*me, "lead", "add", "李雷", "--source", "web", "--company", "上海华信", "--date", "2026-10-01")
    deal = cli.id(*me, "lead", "convert", str(lead), "--date", "2026-10-02")
    quote = cli.ok(*me, "quote", "create", str(deal), "--item", "P-1:1", "--date", "2026-10-03").stdout.strip()
    cli.ok(*me, "quote", "send", quote, "--date", "2026-10-04")
    cli.ok(*me, "quote", "accept", quote, "--date", "2026-10-05")
    contract = cli.ok(*me, "contract", "create", quote, "--date", "2026-10-06").stdout.strip()
    cli.ok(*me, "contract", "sign", contract, "--signed-by", "张总", "--date", "2026-10-07")
    return contract


def test_each_platform_gets_its_robot_format_signed(cli: Cli, receiver: Receiver) -> None:
    ids = {kind: cli.id("hook", "add", "deal.won", "--webhook", receiver.url(f"/{kind}?key=tok-{kind}"), "--kind",
                        kind, *(["--secret-env", "HOOK_SECRET"] if kind != "wecom" else []))
           for kind in ("wecom", "dingtalk", "feishu", "json")}
    assert list(ids.values()) == [1, 2, 3, 4]  # the secret from the environment (HOOK_SECRET, autouse fixture)
    pipeline_to_won(cli)
    assert len(receiver.requests) == 4  # deal.won only: lead.created etc. have no hook
    text = "🎉 王芳 赢单：上海华信 ¥123,456.00"

    [wecom] = receiver.at("/wecom")
    assert wecom["body"] == {"msgtype": "markdown", "markdown": {"content": f"**赢单**\n{text}"}}

    [ding] = receiver.at("/dingtalk")
    assert ding["body"]["msgtype"] == "markdown" and text in ding["body"]["markdown"]["text"]
    assert ding["body"]["markdown"]["title"] == "赢单"
    query = parse_qs(urlsplit(ding["path"]).query)
    assert query["key"] == ["tok-dingtalk"]
    timestamp = query["timestamp"][0]
    expected = base64.b64encode(hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert query["sign"] == [expected]
    assert abs(int(timestamp) / 1000 - datetime.now().timestamp()) < 120

    [feishu] = receiver.at("/feishu")
    body = feishu["body"]
    assert body["msg_type"] == "text" and body["content"] == {"text": text}
    key = f"{body['timestamp']}\n{SECRET}".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()

    [plain] = receiver.at("/json")
    event = plain["body"]
    assert set(event) == {"event", "at", "actor", "record"}
    assert event["event"] == "deal.won" and event["actor"] == "wangfang" and event["at"] == "2026-10-07T00:00:00"
    record = event["record"]
    assert record["customer"] == "上海华信" and record["value"] == "123456.00" and record["stage"] == "won"
    assert record["owner"] == "wangfang" and record["owner_name"] == "王芳" and record["previous_stage"] == "proposal"
    headers = {k.lower(): v for k, v in plain["headers"].items()}
    signed = headers["x-salescli-timestamp"].encode() + b"." + plain["raw"]
    assert headers["x-salescli-signature"] == "sha256=" + hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert headers["x-salescli-event"] == "deal.won"

    assert [row[3] for row in outbox(cli)] == ["delivered"] * 4
    # the secret and the URLs' tokens are never shown, logged or audited
    listed = cli.ok("hook", "list", "--format", "json").stdout + cli.ok("hook", "list").stdout
    listed += cli.ok("hook", "log", "--format", "json").stdout
    assert SECRET not in listed and "tok-dingtalk" not in listed
    assert [h["secret"] for h in json.loads(cli.ok("hook", "list", "--format", "json").stdout)] == \
        ["not set", "set", "set", "set"]
    assert not [row for row in cli.rows("SELECT before, after FROM audit_log") if SECRET in str(row)
                or "tok-" in str(row)]


@pytest.fixture(autouse=True)
def _secret_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_SECRET", SECRET)


def test_a_failing_receiver_never_fails_the_command_and_gets_it_later(cli: Cli, receiver: Receiver) -> None:
    cli.id("hook", "add", "lead.created", "--webhook", receiver.url("/json"), "--kind", "json")
    receiver.status = 500
    receiver.body = b"down for maintenance"
    run = cli("lead", "add", "张三", "--source", "web")
    assert run.exit_code == 0 and run.stdout == "1\n"  # the id alone, as always
    assert "not delivered yet" in run.stderr
    [(hook, event, record, status, attempts, error)] = outbox(cli)
    assert (hook, event, record, status, attempts) == (1, "lead.created", "1", "pending", 1)
    assert error.startswith("HTTP 500")
    receiver.stop()  # now nothing listens at all: connection refused
    assert cli.id("lead", "add", "李四", "--source", "web") == 2
    assert outbox(cli)[1][3:5] == ("pending", 1) and "cannot reach" in str(outbox(cli)[1][5])
    refused = cli("hook", "deliver")
    assert refused.exit_code == 1 and "2 event(s) not delivered" in refused.stderr
    receiver.status, receiver.body = 200, b"ok"
    receiver.start()  # the same port again
    assert cli("hook", "deliver").exit_code == 0
    assert [row[3] for row in outbox(cli)] == ["delivered", "delivered"]
    delivered = [r["body"]["record"]["name"] for r in receiver.requests[-2:]]
    assert sorted(delivered) == ["张三", "李四"]
    log = json.loads(cli.ok("hook", "log", "--format", "json").stdout)
    assert [(e["status"], e["attempts"], e["last_error"]) for e in log] == [("delivered", 3, None)] * 2


def test_no_event_for_a_refused_change(cli: Cli, receiver: Receiver) -> None:
    cli.id("hook", "add", "*", "--webhook", receiver.url("/json"), "--kind", "json")
    lead = cli.id("lead", "add", "王五", "--source", "web", "--date", "2026-10-01")
    cli.id("lead", "convert", str(lead), "--date", "2026-10-02")
    seen = len(receiver.requests)
    before = snapshot(cli)
    cli.fails(1, "lead", "convert", str(lead))  # converted already: refused, rolled back
    cli.fails(2, "deal", "lose", "1", "--reason", "price", "--date", "2026-09-01")  # dated before it began: refused
    assert snapshot(cli) == before
    assert len(receiver.requests) == seen
    assert [r["body"]["event"] for r in receiver.requests] == ["lead.created", "lead.converted"]


KILLED = """
import os, signal, sys
from salescli.services import hooks
from salescli import cli

def killed(app, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)  # committed, not delivered

hooks.after_command = killed
sys.argv = ["salescli", *sys.argv[1:]]
cli.main()
"""


def test_a_process_killed_after_commit_loses_no_event(cli: Cli, receiver: Receiver, tmp_path: Path) -> None:
    cli.id("hook", "add", "lead.created", "--webhook", receiver.url("/json"), "--kind", "json")
    script = tmp_path / "killed.py"
    script.write_text(KILLED, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "SALESCLI_DEBUG"}
    done = subprocess.run([sys.executable, str(script), "--db", cli.db, "lead", "add", "被杀", "--source", "web"],
                          capture_output=True, text=True, env=env, timeout=60, cwd=Path(__file__).parent.parent)
    assert done.returncode == -9, done.stderr
    assert receiver.requests == []
    assert outbox(cli) == [(1, "lead.created", "1", "pending", 0, None)]  # committed with its change
    cli.id("lead", "add", "下一个", "--source", "web")  # the next command delivers both
    assert sorted(r["body"]["record"]["name"] for r in receiver.requests) == ["下一个", "被杀"]
    assert [row[3] for row in outbox(cli)] == ["delivered", "delivered"]


def test_run_hook_gets_the_event_on_stdin_and_its_output_is_logged(sqlite_cli: Cli, tmp_path: Path) -> None:
    cli = sqlite_cli
    target = tmp_path / "events.jsonl"
    script = tmp_path / "save.py"
    script.write_text("import sys, os\ndata = sys.stdin.read()\n"
                      f"open({str(target)!r}, 'a').write(data + '\\n')\n"
                      "print('saved', os.environ['SALESCLI_EVENT'])\n", encoding="utf-8")
    cli.id("hook", "add", "lead.created,lead.converted", "--run", f"{sys.executable} '{script}'")
    lead = cli.id("lead", "add", "赵六; rm -rf /", "--source", "web", "--company", "$(reboot)")
    cli.id("lead", "convert", str(lead))
    events = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [e["event"] for e in events] == ["lead.created", "lead.converted"]
    assert events[0]["record"]["name"] == "赵六; rm -rf /" and events[1]["record"]["deal_id"] == 1
    log = json.loads(cli.ok("hook", "log", "--format", "json").stdout)
    assert [e["response"].strip() for e in log] == ["saved lead.converted", "saved lead.created"]
    cli.id("hook", "add", "lead.created", "--run", "false")
    cli.id("hook", "add", "lead.created", "--run", "no-such-command-here")
    assert cli("lead", "add", "x", "--source", "web").exit_code == 0
    errors = {e["hook_id"]: e["last_error"] for e in json.loads(cli.ok("hook", "log", "--format", "json").stdout)
              if e["status"] == "pending"}
    assert errors == {2: "exit 1", 3: "--run: command not found: no-such-command-here"}


def test_timed_events_are_raised_once_per_record(cli: Cli, receiver: Receiver) -> None:
    contract = pipeline_to_won(cli)
    cli.id("hook", "add", "order.late,ticket.breached,target.attained", "--webhook", receiver.url("/json"),
           "--kind", "json")
    order = cli.ok("order", "create", contract, "--promised", "2026-10-20", "--date", "2026-10-08").stdout.strip()
    cli.ok("ticket", "open", "--order", order, "--subject", "坏了", "--priority", "urgent", "--date", "2026-10-09")
    month = f"{datetime.now():%Y-%m}"
    cli.ok("target", "set", "wangfang", month, "--revenue", "100")
    cli.ok("--rep", "wangfang", "deal", "list")  # nothing raised by a read
    assert receiver.requests == []
    tick = cli.ok("hook", "tick")
    assert "2 timed event(s) raised; 2 delivered" in tick.stderr, tick.stderr
    assert sorted(r["body"]["event"] for r in receiver.requests) == ["order.late", "ticket.breached"]
    # a contract signed this month (today) makes the target: raised by today (and never twice)
    cli.ok("rep", "add", "li", "--name", "李")
    lead = cli.id("--rep", "wangfang", "lead", "add", "韩梅梅", "--source", "web", "--company", "北京华信")
    deal = cli.id("--rep", "wangfang", "lead", "convert", str(lead))
    quote = cli.ok("--rep", "wangfang", "quote", "create", str(deal), "--item", "P-1:1").stdout.strip()
    for step in ("send", "accept"):
        cli.ok("--rep", "wangfang", "quote", step, quote)
    number = cli.ok("--rep", "wangfang", "contract", "create", quote).stdout.strip()
    cli.ok("--rep", "wangfang", "contract", "sign", number, "--signed-by", "韩总")
    cli.ok("today")
    assert [r["body"]["event"] for r in receiver.requests][-1] == "target.attained"
    cli.ok("today")
    cli.ok("hook", "tick")
    names = [r["body"]["event"] for r in receiver.requests]
    assert sorted(names) == ["order.late", "target.attained", "ticket.breached"]
    attained = next(r["body"] for r in receiver.requests if r["body"]["event"] == "target.attained")
    assert attained["actor"] is None
    assert attained["record"]["rep"] == "wangfang" and attained["record"]["period"] == month
    assert attained["record"]["target"] == "100.00" and attained["record"]["revenue"] == "123456.00"
    late = next(r["body"] for r in receiver.requests if r["body"]["event"] == "order.late")
    assert late["record"]["number"] == order and late["record"]["promised"] == "2026-10-20"


def test_messages_in_english_and_quote_needs_approval(sqlite_cli: Cli, receiver: Receiver) -> None:
    cli = sqlite_cli
    cli.ok("rep", "add", "boss", "--name", "Boss", "--manager")
    cli.id("hook", "add", "quote.needs_approval,quote.approved", "--webhook", receiver.url("/wecom"),
           "--kind", "wecom", "--lang", "en")
    cli.ok("product", "add", "P-1", "--name", "Widget", "--price", "100", "--cost", "50")
    lead = cli.id("lead", "add", "[click](http://evil) *bold*", "--source", "web", "--company", "<@all> 公司")
    deal = cli.id("lead", "convert", str(lead))
    cli.ok("quote", "create", str(deal), "--item", "P-1:10", "--discount", "30")
    cli.ok("--rep", "boss", "quote", "approve", "Q-" + f"{datetime.now():%Y}" + "-0001")
    first, second = (r["body"]["markdown"]["content"] for r in receiver.requests)
    assert first.startswith("**Quote needs approval**\n📝 Quote Q-") and "revision 1 needs approval" in first
    assert "¥791.00" in first  # the total, tax included
    assert "<@all>" not in first and "＜@all＞ 公司" in first  # no mentions or markup from customer data
    assert second.startswith("**Quote approved**")


def test_hook_test_and_remove(sqlite_cli: Cli, receiver: Receiver) -> None:
    cli = sqlite_cli
    hook = int(cli.ok("hook", "add", "deal.won", "--webhook", receiver.url("/dingtalk?access_token=abc"), "--kind",
                      "dingtalk", "--secret-stdin", input=SECRET + "\n").stdout)
    run = cli.ok("hook", "test", str(hook))
    assert "hook 1: delivered" in run.stderr
    [request] = receiver.requests
    assert "🎉" in request["body"]["markdown"]["text"] and "sign=" in request["path"]
    receiver.body = b'{"errcode":310000,"errmsg":"sign not match"}'
    line = cli.fails(1, "hook", "test", str(hook))
    assert "dingtalk refused it: sign not match" in line and SECRET not in line and "abc" not in line
    cli.ok("hook", "remove", str(hook))
    assert cli.count("hooks") == 0
    cli.fails(1, "hook", "remove", str(hook))


HOOK_CASES: list[Case] = [
    (2, ["hook", "add", "deal.won", "--webhook", "ftp://127.0.0.1/x", "--kind", "json"], "http:// or https://"),
    (2, ["hook", "add", "deal.won", "--webhook", "http://", "--kind", "json"], "http:// or https://"),
    (2, ["hook", "add", "deal.won", "--webhook", "http://127.0.0.1/a b", "--kind", "json"], "without spaces"),
    (2, ["hook", "add", "deal.wonn", "--webhook", "http://127.0.0.1/", "--kind", "json"], "'deal.wonn' is not an"),
    (2, ["hook", "add", "", "--webhook", "http://127.0.0.1/", "--kind", "json"], "EVENTS: give one or more"),
    (2, ["hook", "add", "deal.won", "--webhook", "http://127.0.0.1/", "--kind", "slack"], "--kind: 'slack'"),
    (2, ["hook", "add", "deal.won", "--webhook", "http://127.0.0.1/"], "--kind: give"),
    (2, ["hook", "add", "deal.won"], "give --webhook URL"),
    (2, ["hook", "add", "deal.won", "--run", "  "], "--run: give a command"),
    (2, ["hook", "add", "deal.won", "--run", "echo 'unbalanced"], "--run: cannot split"),
    (2, ["hook", "add", "deal.won", "--run", "cat", "--webhook", "http://127.0.0.1/"], "not both"),
    (2, ["hook", "add", "deal.won", "--webhook", "http://127.0.0.1/?key=x", "--kind", "wecom", "--secret-env",
         "HOOK_SECRET"], "WeCom group robots do not sign"),
    (2, ["hook", "add", "deal.won", "--webhook", "http://127.0.0.1/", "--kind", "json", "--secret-env", "NOPE_X"],
     "NOPE_X is not set"),
    (2, ["hook", "add", "deal.won", "--webhook", "http://127.0.0.1/", "--kind", "json", "--lang", "fr"], "--lang"),
    (2, ["hook", "remove", "abc"], "hook id"),
    (1, ["hook", "remove", "99"], "hook 99 not found"),
    (1, ["hook", "test", "99"], "hook 99 not found"),
    (2, ["hook", "log", "--status", "lost"], "--status"),
    (1, ["--rep", "li", "hook", "add", "deal.won", "--run", "cat"], "adding a hook needs a manager"),
    (1, ["--rep", "li", "hook", "list"], "listing hooks needs a manager"),
    (1, ["--rep", "li", "hook", "deliver"], "needs a manager"),
]


def test_bad_input_is_one_line_and_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    cli.ok("rep", "add", "li", "--name", "李")
    check_refusals(cli, HOOK_CASES, tmp_path)
    run = cli("hook", "add", "deal.won", "--webhook", "http://127.0.0.1/", "--kind", "json", "--secret-env",
              "HOOK_SECRET", "--lang", "fr")
    assert SECRET not in run.stderr + run.stdout


# -- team mode: hooks are a manager's ---------------------------------------------------------------------------


def test_team_mode_a_rep_queues_but_cannot_read_or_add_hooks(fresh: Team, receiver: Receiver) -> None:
    import psycopg

    team = fresh  # a team database after team init; dropped with its roles afterwards
    team.add_rep("mgr", "经理", manager=True)
    team.add_rep("alice", "艾丽斯", by=team.cli("mgr"))
    mgr, alice = team.cli("mgr"), team.cli("alice")
    assert mgr.id("hook", "add", "lead.created", "--webhook", receiver.url("/json?token=t0k3n"), "--kind", "json",
                  "--secret-env", "HOOK_SECRET") == 1
    assert "adding a hook needs a manager" in alice.fails(
        1, "hook", "add", "lead.created", "--run", "touch /tmp/pwned")
    assert "listing hooks needs a manager" in alice.fails(1, "hook", "list")
    assert alice.id("lead", "add", "客户甲", "--source", "web") == 1  # queued, not sent: alice cannot read the URL
    assert receiver.requests == []
    with team.sql("alice") as conn:
        assert conn.execute("SELECT id, events, active FROM hooks").fetchall() == [(1, "lead.created", True)]
        for column in ("secret", "url", "*"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT {column} FROM hooks")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO hooks (events, kind, command, created_at) "
                         "VALUES ('*', 'run', 'touch /tmp/x', now())")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE event_outbox SET status = 'delivered'")
        assert conn.execute("SELECT event, rep FROM event_outbox").fetchall() == [("lead.created", "alice")]
    with team.sql("mgr") as conn:
        assert conn.execute("SELECT count(*) FROM hooks WHERE secret IS NOT NULL").fetchone() == (1,)
    # a timed event raised by a rep's own tick (row security on the dedupe key too), once
    assert mgr.id("hook", "add", "ticket.breached", "--webhook", receiver.url("/json"), "--kind", "json") == 2
    customer = alice.id("customer", "add", "甲公司")
    alice.ok("ticket", "open", "--customer", str(customer), "--subject", "坏了", "--date", "2024-01-01")
    assert "1 timed event(s) raised; 0 delivered" in alice.ok("hook", "tick").stderr
    assert "0 timed event(s) raised" in alice.ok("hook", "tick").stderr
    assert "1 timed event(s) raised" not in mgr.ok("hook", "tick").stderr  # raised already (by alice)
    mgr.ok("hook", "deliver")
    assert sorted(r["body"]["event"] for r in receiver.requests) == ["lead.created", "ticket.breached"]
    request = next(r for r in receiver.requests if r["body"]["event"] == "lead.created")
    assert request["body"]["actor"] == "alice" and request["body"]["record"]["name"] == "客户甲"
    # a manager's --run hook runs only in that manager's own processes, never in the administrator's cron
    marker = Path(os.environ["HOME"]) / "ran.txt"
    assert mgr.id("hook", "add", "lead.created", "--run",
                  f"{sys.executable} -c \"open({str(marker)!r}, 'a').write('x')\"") == 3
    assert alice.id("lead", "add", "客户乙", "--source", "web") == 2
    team.admin.ok("hook", "deliver")
    assert not marker.exists()
    mgr.ok("hook", "deliver")
    assert marker.read_text() == "x"
    assert team.admin.ok("team", "check").stderr.strip() == "team mode: ok"


# -- the pure part: the mapping table and the words -------------------------------------------------------------


def test_mapping_and_messages_without_a_database() -> None:
    from salescli.domain import events as ev

    assert [r.event for r in ev.rules_for("deal", "stage")] == ["deal.stage_changed", "deal.won"]
    assert [r.event for r in ev.rules_for("order", "status:shipped")] == ["order.status_changed"]
    assert ev.rules_for("lead", "log:call") == () and ev.rules_for("import", "import") == ()
    assert ev.parse_events("deal.won, lead.created") == ("lead.created", "deal.won")
    assert ev.parse_events("*,deal.won") == ("*",)
    event = ev.payload("deal.won", at=datetime(2026, 10, 7), actor="wangfang",
                       record={"customer": "上海华信\n# 标题", "value": "123456", "owner_name": "王芳"})
    assert ev.message(event).text == "🎉 王芳 赢单：上海华信 ＃ 标题 ¥123,456.00"
    assert ev.message(event, "en").text == "🎉 王芳 won: 上海华信 ＃ 标题 ¥123,456.00"
    assert ev.display_url("https://open.feishu.cn/open-apis/bot/v2/hook/0123456789abcdef0123?x=1") == \
        "https://open.feishu.cn/open-apis/bot/v2/hook/***?x=***"
    assert ev.money("1234.5", "USD") == "$1,234.50" and ev.money(None) == ""
