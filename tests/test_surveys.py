"""Step 9: surveys over a real SMTP server on loopback (aiosmtpd), by phone and file; NPS and CSAT."""

from __future__ import annotations

import email
import email.policy
import socket
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.conftest import Cli, built, delivered_order, snapshot


@pytest.fixture
def cli(sqlite_cli: Cli) -> Cli:
    """These tests are about SQLite itself (the file, its processes): SQLite only."""
    return sqlite_cli

PASSWORD = "s3cret-smtp-pw"


@dataclass
class Mailbox:
    messages: list[tuple[list[str], email.message.EmailMessage]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))  # type: ignore[arg-type]
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    box = Mailbox()

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.login == b"sales" and data.password == PASSWORD.encode()
        return AuthResult(success=ok)

    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, authenticator=authenticate,
                            auth_require_tls=False)
    controller.start()
    monkeypatch.setenv("SALESCLI_SMTP_URL", f"smtp://sales:{PASSWORD}@127.0.0.1:{port}")
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def order(cli: Cli, request: pytest.FixtureRequest) -> str:
    return built(request, cli, _order)  # delivered once, copied for each test


def _order(cli: Cli) -> str:
    cli.ok("config", "set", "smtp_from", "sales@example.com")
    return delivered_order(cli)[0]


def test_send_over_smtp_with_auth_unique_tokens_and_language(cli: Cli, db_path: Path, smtp: Mailbox,
                                                             order: str) -> None:
    cid = sqlite3.connect(db_path).execute("SELECT id FROM customers").fetchone()[0]
    run = cli.ok("survey", "send", "--customer", str(cid))
    assert "2 delivered, 0 failed" in run.stderr
    assert PASSWORD not in run.stdout + run.stderr
    assert len(smtp.messages) == 2
    by_to = {rcpt[0]: msg for rcpt, msg in smtp.messages}
    zh, en = by_to["zhao@example.cn"], by_to["bob@example.com"]
    assert zh["Subject"] == "满意度调查：我们的服务" and "您好" in zh.get_content()
    assert en["Subject"].startswith("How did we do?") and "Dear Bob Smith" in en.get_content()
    tokens = {m["X-Salescli-Survey"] for m in (zh, en)}
    assert len(tokens) == 2 and all(len(t) >= 22 for t in tokens)
    assert all(t in m.get_content() for t, m in ((zh["X-Salescli-Survey"], zh), (en["X-Salescli-Survey"], en)))
    again = cli.ok("survey", "send", "--customer", str(cid))
    assert "0 delivered" in again.stderr and "already sent on" in again.stdout
    assert len(smtp.messages) == 2  # never twice
    cli.ok("survey", "send", "--customer", str(cid), "--resend")
    assert len(smtp.messages) == 4
    stored = sqlite3.connect(db_path).execute("SELECT count(*) FROM surveys WHERE token LIKE ?",
                                              (f"%{PASSWORD}%",)).fetchone()[0]
    assert stored == 0
    assert not any(PASSWORD.encode() in line for line in Path(db_path).read_bytes().split(b"\n"))


def test_order_survey_goes_to_the_deal_contact(cli: Cli, smtp: Mailbox, order: str) -> None:
    cli.ok("survey", "send", "--order", order)
    assert [rcpt for rcpt, _ in smtp.messages] == [["zhao@example.cn"]]
    assert order in smtp.messages[0][1]["Subject"]
    cli.ok("survey", "send", "--delivered-since", "today")
    assert len(smtp.messages) == 1  # the same order's survey is not sent again


def test_refused_recipient_is_recorded_and_the_rest_continue(cli: Cli, db_path: Path, smtp: Mailbox,
                                                             order: str) -> None:
    smtp.refuse.add("zhao@example.cn")
    cid = sqlite3.connect(db_path).execute("SELECT id FROM customers").fetchone()[0]
    run = cli("survey", "send", "--customer", str(cid))
    assert run.exit_code == 1
    assert "1 delivered, 1 failed" in run.stderr and "recipient refused: 550" in run.stdout
    assert [rcpt for rcpt, _ in smtp.messages] == [["bob@example.com"]]
    rows = dict(sqlite3.connect(db_path).execute("SELECT email, status FROM surveys").fetchall())
    assert rows == {"zhao@example.cn": "failed", "bob@example.com": "sent"}
    smtp.refuse.clear()
    cli.ok("survey", "send", "--customer", str(cid))  # the failed one is retried with the same token
    assert [rcpt for rcpt, _ in smtp.messages] == [["bob@example.com"], ["zhao@example.cn"]]


def test_header_injection_from_customer_data_is_neutralized(cli: Cli, db_path: Path, smtp: Mailbox) -> None:
    cli.ok("db", "upgrade")
    cli.ok("config", "set", "smtp_from", "sales@example.com")
    conn = sqlite3.connect(db_path)
    conn.execute("INSERT INTO customers (name, name_key, tier, created_at, updated_at) VALUES "
                 "('Evil\r\nBcc: victim@example.org', 'evil', 'C', '2026-11-01', '2026-11-01')")
    conn.execute("INSERT INTO contacts (customer_id, name, email, created_at) VALUES "
                 "(1, 'Mallory\r\nBcc: victim@example.org', 'mallory@example.com', '2026-11-01')")
    conn.execute("INSERT INTO contacts (customer_id, name, email, created_at) VALUES "
                 "(1, 'Eve', 'eve@example.com\r\nBcc: victim@example.org', '2026-11-01')")
    conn.commit()
    run = cli("survey", "send", "--customer", "1")
    assert run.exit_code == 1  # Eve's address is refused before any SMTP
    assert len(smtp.messages) == 1
    recipients, message = smtp.messages[0]
    assert recipients == ["mallory@example.com"]
    assert message["Bcc"] is None
    to = message["To"]
    assert [a.addr_spec for a in to.addresses] == ["mallory@example.com"]  # the injected text stays a display name
    assert "\n" not in str(to) and "victim@example.org" not in [a.addr_spec for a in to.addresses]
    assert "line break" in run.stdout


def test_unreachable_server_and_missing_config(cli: Cli, db_path: Path, order: str, monkeypatch: Any) -> None:
    monkeypatch.setenv("SALESCLI_SMTP_URL", f"smtp://sales:{PASSWORD}@127.0.0.1:{_free_port()}")
    run = cli("survey", "send", "--order", order)
    assert run.exit_code == 1 and "cannot reach smtp://sales@127.0.0.1" in run.stdout
    assert PASSWORD not in run.stdout + run.stderr
    assert sqlite3.connect(db_path).execute("SELECT status FROM surveys").fetchall() == [("failed",)]
    monkeypatch.delenv("SALESCLI_SMTP_URL")
    assert "SALESCLI_SMTP_URL" in cli.fails(1, "survey", "send", "--order", order)
    monkeypatch.setenv("SALESCLI_SMTP_URL", f"smtp://sales:{PASSWORD}@127.0.0.1:{_free_port()}")
    cli.ok("config", "unset", "smtp_from")
    assert "config set smtp_from" in cli.fails(1, "survey", "send", "--order", order)
    assert "must not hold the password" in cli.fails(2, "config", "set", "smtp_url", "smtp://u:pw@host:25")


def test_dry_run_and_outbox(cli: Cli, db_path: Path, order: str, tmp_path: Path) -> None:
    before = snapshot(db_path)
    run = cli.ok("survey", "send", "--order", order, "--dry-run")
    assert "would send" in run.stdout and "zhao@example.cn" in run.stdout
    assert snapshot(db_path) == before
    outbox = tmp_path / "outbox"
    cli.ok("survey", "send", "--order", order, "--outbox", str(outbox))
    files = list(outbox.glob("*.eml"))
    assert len(files) == 1 and (files[0].stat().st_mode & 0o077) == 0
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"].addresses[0].addr_spec == "zhao@example.cn"
    assert message["Subject"].startswith("满意度调查")  # 赵敏 gets Chinese by her name
    cli.ok("config", "set", "survey_language", "en")
    cli.ok("survey", "send", "--order", order, "--outbox", str(tmp_path / "en"), "--resend")
    english = email.message_from_bytes(next((tmp_path / "en").glob("*.eml")).read_bytes(),
                                       policy=email.policy.default)
    assert english["Subject"].startswith("How did we do?")


def test_responses_by_token_phone_and_file_then_results(cli: Cli, db_path: Path, order: str,
                                                        tmp_path: Path) -> None:
    cid = sqlite3.connect(db_path).execute("SELECT id FROM customers").fetchone()[0]
    cli.ok("survey", "send", "--customer", str(cid), "--outbox", str(tmp_path / "out"), "--")
    with sqlite3.connect(db_path) as conn:  # sent on 5 November, whatever today is (the period below is 2026-11)
        conn.execute("UPDATE surveys SET sent_at = '2026-11-05 09:00:00.000000'")
    tokens = [t for (t,) in sqlite3.connect(db_path).execute("SELECT token FROM surveys ORDER BY id")]
    cli.ok("survey", "respond", tokens[0], "--nps", "10", "--csat", "5", "--comment", "很好", "--date",
           "2026-11-10")
    assert "already answered" in cli.fails(1, "survey", "respond", tokens[0], "--nps", "3")
    assert "0 to 10" in cli.fails(2, "survey", "respond", tokens[1], "--nps", "11")
    assert "no survey with that token" in cli.fails(1, "survey", "respond", "nope", "--nps", "5")
    cli.id("survey", "record", "--order", order, "--nps", "6", "--csat", "3", "--comment", "交付慢", "--date",
           "2026-11-12")
    bad = tmp_path / "answers.csv"
    bad.write_text(f"token,nps,csat,comment,date\n{tokens[1]},8,4,ok,2026-11-15\n{tokens[0]},9,,,\nxyz,5,5,,\n"
                   f"{tokens[1]},,9,,\n", encoding="utf-8")
    before = snapshot(db_path)
    run = cli("survey", "import", str(bad))
    assert run.exit_code == 2
    assert run.error_lines[:3] == [f"{bad}:3: token: survey already answered",
                                   f"{bad}:4: token: no survey with that token",
                                   f"{bad}:5: csat: '9' must be a whole number from 1 to 5"]
    assert snapshot(db_path) == before
    good = tmp_path / "answers.jsonl"
    good.write_text(f'{{"token": "{tokens[1]}", "nps": 8, "csat": 4, "date": "2026-11-15"}}\n'
                    f'{{"order": "{order}", "nps": 9, "csat": 5, "comment": "服务周到", "date": "2026-11-20"}}\n',
                    encoding="utf-8")
    assert "2 response(s) imported" in cli.ok("survey", "import", str(good)).stderr
    report = cli.json("survey", "results", "--period", "2026-11")
    total = report["total"]
    # NPS answers 10, 6, 8, 9: promoters 2, detractors 1 → 100 × (2 − 1) / 4 = 25.0
    assert (total["responses"], total["nps"], total["promoters"], total["passives"], total["detractors"]) == (
        4, 25.0, 2, 1, 1)
    assert (total["csat"], total["satisfied"]) == (4.25, 0.75)  # (5 + 3 + 4 + 5) / 4; 3 of 4 are 4-5
    assert total["sent"] == 2 and total["response_rate"] == 1.0  # both emailed surveys answered
    assert [c["comment"] for c in report["comments"]] == ["服务周到", "交付慢", "很好"]
    text = cli.ok("survey", "results", "--period", "2026-11", "--format", "plain").stdout
    assert "█" in text and "NPS answers" in text


def test_customer_and_order_answers_answer_the_emailed_survey_once(cli: Cli, db_path: Path, order: str,
                                                                   tmp_path: Path) -> None:
    cid = sqlite3.connect(db_path).execute("SELECT id FROM customers").fetchone()[0]
    cli.ok("survey", "send", "--customer", str(cid), "--outbox", str(tmp_path / "customer"))  # two contacts
    cli.ok("survey", "send", "--order", order, "--outbox", str(tmp_path / "order"))
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE surveys SET sent_at = '2026-11-05 09:00:00.000000'")
    token = sqlite3.connect(db_path).execute("SELECT token FROM surveys WHERE order_id IS NULL").fetchone()[0]

    def rate() -> tuple[int, int, float | None]:
        total = cli.json("survey", "results", "--period", "2026-11")["total"]
        return total["responses"], total["sent"], total["response_rate"]

    before = snapshot(db_path)  # answers dated before the day the survey was sent: refused, exit 2, nothing written
    assert cli.fails(2, "survey", "record", "--customer", str(cid), "--nps", "9", "--date", "2026-11-04") == (
        "error: survey 2 answered on 2026-11-04 is before it was sent on 2026-11-05")
    assert "before it was sent on 2026-11-05" in cli.fails(2, "survey", "respond", token, "--nps", "9", "--date",
                                                           "2026-11-04")
    assert snapshot(db_path) == before
    # a phone answer for the customer answers one of its emailed surveys (the same day it was sent is in order)
    assert cli.id("survey", "record", "--customer", str(cid), "--nps", "9", "--date", "2026-11-05") == 2
    assert rate() == (1, 3, 0.3333)
    answers = tmp_path / "answers.csv"
    answers.write_text(f"order,customer,nps,csat,comment,date\n{order},,10,5,准时,2026-11-20\n"
                       f",{cid},8,4,,2026-11-21\n", encoding="utf-8")
    assert "2 response(s) imported" in cli.ok("survey", "import", str(answers)).stderr
    assert rate() == (3, 3, 1.0)  # every emailed survey answered, none by a second phone survey
    before = snapshot(db_path)
    run = cli("survey", "import", str(answers))  # the same file again: refused, never counted twice
    assert run.exit_code == 2
    assert run.error_lines[:2] == [
        f"{answers}:2: order: this answer was already recorded on 2026-11-20 (survey 3)",
        f"{answers}:3: customer: this answer was already recorded on 2026-11-21 (survey 1)"]
    assert snapshot(db_path) == before and rate() == (3, 3, 1.0)
    twice = tmp_path / "twice.csv"  # one answer twice in a file
    twice.write_text(f"order,nps,date\n{order},3,2026-11-25\n{order},3,2026-11-25\n", encoding="utf-8")
    run = cli("survey", "import", str(twice))
    assert run.exit_code == 2
    assert run.error_lines == [f"{twice}:3: order: the same answer as an earlier row",
                               f"error: 1 invalid row(s) in {twice}; nothing imported"]
    assert snapshot(db_path) == before
    cli.ok("survey", "record", "--order", order, "--nps", "3", "--date", "2026-11-25")  # nothing awaits: a phone one
    assert "already recorded on 2026-11-25" in cli.fails(1, "survey", "record", "--order", order, "--nps", "3",
                                                          "--date", "2026-11-25T18:00")
