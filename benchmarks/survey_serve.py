"""Load check of the survey reply page (issue 18): 1,000 answers from 20 concurrent clients against a running
``salescli survey serve``. None may be lost, none doubled.

Each client keeps one HTTP connection open and, for each survey it is given, opens the page (GET, reads the form
token) and sends the answer (POST). On top of the 1,000 answers, 100 surveys are answered a second time by another
client at about the same moment: each of those must get "already answered" (409) and change nothing. Afterwards the
database must hold exactly 1,000 answered surveys, each with the scores of the one submission that was thanked, and
exactly 1,000 audit entries for them.

Printed: median and p99 latency of the answers (POST) and of the page views (GET), throughput, and the baseline:
the same answer stored in-process through services/surveys.respond (no HTTP), with the ratio.

    .venv/bin/python benchmarks/survey_serve.py                  # SQLite in a temporary folder
    .venv/bin/python benchmarks/survey_serve.py --backend postgres   # a temporary database on SALESCLI_TEST_PG
"""

from __future__ import annotations

import argparse
import http.client
import os
import queue
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._common import ensure_bytecode  # noqa: E402

FORM = re.compile(r'name="form" value="([^"]+)"')
PG_ADMIN = os.environ.get("SALESCLI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")


def salescli(db: str, *args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "salescli", "--db", db, *args], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    if proc.returncode:
        raise SystemExit(f"salescli {' '.join(args)}: {proc.stderr.strip()}")
    return proc.stdout.strip()


def seed(db: str, count: int) -> list[str]:
    """``count`` emailed surveys awaiting an answer (inserted directly: the benchmark measures answering)."""
    from datetime import datetime

    from sqlalchemy import create_engine, insert

    from salescli import models
    from salescli.domain.surveys import new_token
    from salescli.store import resolve_url

    salescli(db, "customer", "add", "基准客户")
    tokens = [new_token() for _ in range(count)]
    engine = create_engine(resolve_url(db))
    now = datetime.now().replace(microsecond=0)
    with engine.begin() as conn:
        conn.execute(insert(models.surveys), [
            {"customer_id": 1, "channel": "email", "token": t, "email": f"c{i}@example.com",
             "language": "zh" if i % 2 else "en", "status": "sent", "sent_at": now, "created_at": now}
            for i, t in enumerate(tokens)])
    engine.dispose()
    return tokens


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db: str, port: int) -> subprocess.Popen[str]:
    server = subprocess.Popen([sys.executable, "-m", "salescli", "--db", db, "survey", "serve", "--port", str(port),
                               "--rate-limit", "0"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"survey serve exited: {server.communicate()[1]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.05)
    server.kill()
    raise SystemExit("survey serve did not start")


class Client(threading.Thread):
    def __init__(self, port: int, work: queue.Queue[tuple[str, int, int]], results: list[dict[str, Any]],
                 start: threading.Barrier) -> None:
        super().__init__(daemon=True)
        self.port, self.work, self.results, self.start_together = port, work, results, start

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.start_together.wait()
        while True:
            try:
                token, nps, csat = self.work.get_nowait()
            except queue.Empty:
                break
            started = time.perf_counter()
            conn.request("GET", f"/s/{token}")
            page = conn.getresponse()
            html = page.read().decode()
            viewed = time.perf_counter()
            match = FORM.search(html)
            if match is None:  # answered by the other client already: the page says so (no form)
                self.results.append({"token": token, "nps": nps, "status": page.status, "get": viewed - started,
                                     "post": None, "answered_page": "<form" not in html})
                continue
            body = urlencode({"form": match.group(1), "nps": nps, "csat": csat, "comment": f"基准 {token[:6]}"})
            conn.request("POST", f"/s/{token}", body=body, headers={
                "Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"})
            answer = conn.getresponse()
            answer.read()
            done = time.perf_counter()
            self.results.append({"token": token, "nps": nps, "status": answer.status, "get": viewed - started,
                                 "post": done - viewed, "answered_page": False})
        conn.close()


def check(db: str, tokens: list[str], results: list[dict[str, Any]]) -> list[str]:
    """What went wrong: lost or doubled answers, wrong scores, unexpected statuses."""
    from sqlalchemy import create_engine, text

    from salescli.store import resolve_url

    problems = []
    thanked = [r for r in results if r["status"] == 200 and r["post"] is not None]
    refused = [r for r in results if r["status"] == 409 or r["answered_page"]]
    other = [r for r in results if r not in thanked and r not in refused]
    if other:
        problems.append(f"{len(other)} unexpected responses: {sorted({r['status'] for r in other})}")
    winners: dict[str, int] = {}
    for r in thanked:
        if r["token"] in winners:
            problems.append(f"survey {r['token'][:8]} thanked twice")
        winners[r["token"]] = r["nps"]
    engine = create_engine(resolve_url(db))
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT token, nps FROM surveys WHERE status = 'responded'")).all())
        audits = conn.execute(text("SELECT count(*), count(DISTINCT entity_id) FROM audit_log "
                                   "WHERE entity = 'survey' AND action = 'response'")).one()
    engine.dispose()
    lost = [t for t in tokens if t not in rows]
    if lost:
        problems.append(f"{len(lost)} answers lost")
    wrong = [t for t, nps in winners.items() if rows.get(t) != nps]
    if wrong:
        problems.append(f"{len(wrong)} surveys hold another submission's scores than the one thanked")
    if tuple(audits) != (len(tokens), len(tokens)):
        problems.append(f"audit entries: {tuple(audits)}, expected ({len(tokens)}, {len(tokens)})")
    if len(thanked) != len(tokens):
        problems.append(f"{len(thanked)} answers thanked, expected {len(tokens)}")
    return problems


def baseline(db: str, tokens: list[str]) -> list[float]:
    """The same answers stored in-process through the service (one write transaction each): no HTTP."""
    from salescli.domain.dates import local_now
    from salescli.services import surveys
    from salescli.store import Store, resolve_url

    store = Store(resolve_url(db))
    times = []
    try:
        for i, token in enumerate(tokens):
            started = time.perf_counter()
            with store.write() as conn:
                surveys.reply_page(conn, token)
                surveys.respond(conn, token, nps=i % 11, csat=i % 5 + 1, comment=f"基准 {token[:6]}",
                                at=local_now(), actor=None)
            times.append(time.perf_counter() - started)
    finally:
        store.close()
    return times


def ms(values: list[float], q: float) -> str:
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--twice", type=int, default=100, help="surveys answered a second time, concurrently")
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    ensure_bytecode()
    folder = Path(tempfile.mkdtemp(prefix="survey_serve_"))
    os.environ["HOME"] = str(folder)  # no real config file
    os.environ.pop("SALESCLI_DB", None)
    pg_name = None
    if args.backend == "postgres":
        import psycopg

        pg_name = f"salescli_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        db = f"{PG_ADMIN.rsplit('/', 1)[0]}/{pg_name}"
    else:
        db = str(folder / "bench.db")
    try:
        salescli(db, "db", "upgrade")
        tokens = seed(db, args.answers + 200)
        tokens, direct_tokens = tokens[: args.answers], tokens[args.answers:]
        rng = random.Random(18)
        plan = [(t, rng.randrange(11), rng.randrange(1, 6)) for t in tokens]
        seconds = {t: (t, (nps + 5) % 11, csat) for t, nps, csat in rng.sample(plan, args.twice)}
        work: queue.Queue[tuple[str, int, int]] = queue.Queue()
        for item in plan:  # a second answer right behind the first: another client takes it at once
            work.put(item)
            if item[0] in seconds:
                work.put(seconds[item[0]])
        port = free_port()
        server = start_server(db, port)
        results: list[dict[str, Any]] = []
        barrier = threading.Barrier(args.clients + 1)
        clients = [Client(port, work, results, barrier) for _ in range(args.clients)]
        for client in clients:
            client.start()
        barrier.wait()
        started = time.perf_counter()
        for client in clients:
            client.join()
        wall = time.perf_counter() - started
        server.terminate()
        server.communicate(timeout=30)
        problems = check(db, tokens, results)
        direct = baseline(db, direct_tokens)
    finally:
        if pg_name is not None:
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    posts = [r["post"] for r in results if r["post"] is not None and r["status"] == 200]
    gets = [r["get"] for r in results]
    print(f"survey serve ({args.backend}): {args.answers} answers + {args.twice} second tries, {args.clients} "
          f"concurrent clients, {wall:.2f} s, {len(posts) / wall:.0f} answers/s")
    print(f"  answer (POST): median {ms(posts, 0.5)} ms, p99 {ms(posts, 0.99)} ms")
    print(f"  page (GET):    median {ms(gets, 0.5)} ms, p99 {ms(gets, 0.99)} ms")
    print(f"  baseline, services/surveys.respond in-process (no HTTP, one client): median {ms(direct, 0.5)} ms, "
          f"p99 {ms(direct, 0.99)} ms; POST median / baseline median = "
          f"{statistics.median(posts) / statistics.median(direct):.1f}x")
    print(f"  {len(posts)} thanked, {sum(1 for r in results if r['status'] == 409 or r['answered_page'])} told "
          "'already answered'")
    if problems:
        print("PROBLEMS: " + "; ".join(problems))
        raise SystemExit(1)
    print("  none lost, none doubled")


if __name__ == "__main__":
    main()
