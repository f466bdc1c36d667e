"""Soak (issue 23): N worker processes run a rep's mixed day of real salescli commands for T seconds against one
fresh database (SQLite or PostgreSQL), then the results are checked against the database.

    python benchmarks/soak.py --procs 16 --seconds 120                                   # SQLite
    python benchmarks/soak.py --procs 16 --seconds 120 --db postgresql://postgres@127.0.0.1:5432
    python benchmarks/soak.py ... --db postgresql://postgres@127.0.0.1:5432 --team        # each worker a rep's login
    python benchmarks/soak.py ... --mode shell                                           # one `salescli shell` each
    python benchmarks/soak.py ... --json                                                 # the results as JSON too
    python benchmarks/soak.py ... --baseline REV                  # salescli as of a git revision (before a change)

The database is made fresh (SQLite: a file in a temporary folder; PostgreSQL: ``salescli_soak_PID`` on the server
given, dropped at the end unless --keep) and loaded with ``salescli sample``. Worker i acts as the sample's rep
i mod 5 (SQLite: ``SALESCLI_REP``; PostgreSQL: the administrator URL, or with ``--team`` each rep's own login role
after ``team init``, row security on). Each worker loops over a weighted mix: reads (lead list/show, today, deal
list, pipeline, kpi report, quote show, search) and a rep's writes, each on the worker's own records: lead add →
lead log → lead convert → quote create → quote send → quote accept → contract create → contract sign → order
create, plus deal log. Every name and summary it writes carries the run's marker (``soakRUN-wI-N``).

``--mode oneshot``: every command is its own ``python -m salescli`` process (today's start-up cost each time).
``--mode shell``: every worker keeps one ``salescli shell`` and writes one command line at a time to its stdin.
The shell has no per-line protocol, so each command line is followed by a ``--version`` line: the version line on
stdout marks the end of the command (its output is everything before it on stdout; the shell flushes stdout after
every line). The shell runs without --keep-going, so a failing command ends it: the exit code is the shell's, the
error is the first line of its stderr, and the worker starts a new shell (counted as a restart, its start-up not
timed as a command). A command's time therefore includes one ``--version`` round trip: the table shows that
round trip on its own as ``(sentinel --version)``, measured 3 times per worker before the run.

Reported: operations, ops/s, errors grouped by message (the first line of stderr, digits as N), p50/p95/p99 per
command. Checked afterwards (exit 1 if any check fails): every write a worker saw succeed is in the database
(leads by name, lead and deal logs by summary, converted leads and their deals, quotes/contracts/orders by
number with the status the worker left them in), nothing was written by a command that failed (no records with
the run's marker, and no documents numbered after the sample's, that no worker claimed), Q-/C-/SO- numbers are
unique (a quote number belongs to one deal) and gap-free per year (1..max, max = the counter), and
``salescli db check`` passes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import random
import re
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from _common import checkout, ensure_bytecode

COMMAND_TIMEOUT = 300.0  # seconds; a command taking longer counts as an error ("timeout")
SENTINEL_NAME = "(sentinel --version)"


# ---------------------------------------------------------------------------------------------------- database


class Database:
    """The soak's fresh database: its URL for salescli, the admin URL for checks, worker URLs, and clean-up."""

    def __init__(self, spec: str, work: Path, *, team: bool, keep: bool) -> None:
        self.team, self.keep = team, keep
        self.logins: list[str] = []
        if spec == "sqlite":
            if team:
                raise SystemExit("--team needs PostgreSQL (--db postgresql://...)")
            self.kind = "sqlite"
            self.path = work / "soak.db"
            self.url = str(self.path)
            self.sa_url = f"sqlite:///{self.path}"
            return
        import psycopg
        from psycopg import sql

        self.kind = "postgresql"
        server = re.sub(r"^postgresql\+psycopg://", "postgresql://", spec)
        scheme_rest = server.split("://", 1)[1]
        if "/" in scheme_rest:
            server = server.rsplit("/", 1)[0]
        self.server = server
        self.name = f"salescli_soak_{os.getpid()}"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
        self.url = f"{server}/{self.name}"
        self.sa_url = self.url.replace("postgresql://", "postgresql+psycopg://", 1)

    def login_url(self, login: str) -> str:
        scheme, rest = self.server.split("://", 1)
        host = rest.split("@", 1)[-1]
        return f"{scheme}://{login}@{host}/{self.name}"

    def make_logins(self, handles: list[str]) -> dict[str, str]:
        """Team mode: one login role per rep (member of salescli_rep), set as the rep's login; handle → URL."""
        import psycopg
        from psycopg import sql

        urls = {}
        with psycopg.connect(self.url, autocommit=True) as conn:
            for handle in handles:
                login = f"soak_{os.getpid()}_{handle.replace('.', '_')}"
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE salescli_rep").format(sql.Identifier(login)))
                self.logins.append(login)
                conn.execute("UPDATE reps SET login = %s WHERE handle = %s", (login, handle))
                urls[handle] = self.login_url(login)
        return urls

    def close(self) -> None:
        if self.kind != "postgresql":
            return
        import psycopg
        from psycopg import sql

        with psycopg.connect(f"{self.server}/postgres", autocommit=True) as conn:
            if self.keep:
                print(f"kept database {self.url}", file=sys.stderr)
            else:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name)))
            from salescli.services.team import owner_name

            owner = [] if self.keep else [owner_name(self.name)]  # team init's per-database owner role
            for login in [*self.logins, *owner]:
                try:
                    if not self.keep:
                        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(login)))
                except psycopg.Error as error:
                    print(f"could not drop role {login}: {error}", file=sys.stderr)


# ---------------------------------------------------------------------------------------------------- runners


class OneShot:
    """Each command its own `python -m salescli` process."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def start(self) -> float:
        return 0.0

    def run(self, words: list[str]) -> tuple[int, str, str]:
        try:
            proc = subprocess.run([sys.executable, "-m", "salescli", *words], env=self.env, capture_output=True,
                                  timeout=COMMAND_TIMEOUT)
        except subprocess.TimeoutExpired:
            return 124, "", "timeout"
        return proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace")

    def close(self) -> None:
        pass


class Shell:
    """One `salescli shell` fed a command line and then a `--version` line, whose output marks the end."""

    def __init__(self, env: dict[str, str], version_line: bytes) -> None:
        self.env, self.version_line = env, version_line
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarts = 0

    def start(self) -> float:
        """Start the shell; seconds until it answers the first sentinel."""
        begin = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, "-m", "salescli", "shell"], env=self.env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0)
        code, _, err = self._exchange(b"")
        if code:
            raise RuntimeError(f"salescli shell did not start: {err.strip()}")
        return time.perf_counter() - begin

    def _drain(self, fd: int) -> bytes:
        data = b""
        while select.select([fd], [], [], 0)[0]:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            data += chunk
        return data

    def _exchange(self, line: bytes) -> tuple[int, str, str]:
        proc = self.proc
        assert proc is not None and proc.stdin and proc.stdout and proc.stderr
        with contextlib.suppress(BrokenPipeError):  # the shell ended; read what it said
            proc.stdin.write(line + b"--version\n")
        out_fd, err_fd = proc.stdout.fileno(), proc.stderr.fileno()
        out, err = b"", b""
        deadline = time.monotonic() + COMMAND_TIMEOUT
        marker = self.version_line
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                proc.kill()
                proc.wait()
                self.proc = None
                return 124, out.decode(errors="replace"), "timeout"
            ready = select.select([out_fd, err_fd], [], [], left)[0]
            if err_fd in ready:
                err += os.read(err_fd, 65536)
            if out_fd in ready:
                chunk = os.read(out_fd, 65536)
                if not chunk:  # the shell ended: the command failed (no --keep-going)
                    err += self._drain(err_fd)
                    code = proc.wait()
                    self.proc = None
                    return code or 1, out.decode(errors="replace"), err.decode(errors="replace")
                out += chunk
                if out == marker or out.endswith(b"\n" + marker):
                    err += self._drain(err_fd)  # written before the sentinel: already in the pipe
                    return 0, out[:-len(marker)].decode(errors="replace"), err.decode(errors="replace")

    def run(self, words: list[str]) -> tuple[int, str, str]:
        import shlex

        if self.proc is None:
            self.restarts += 1
            self.start()
        return self._exchange(shlex.join(words).encode() + b"\n")

    def close(self) -> None:
        if self.proc is not None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


# ---------------------------------------------------------------------------------------------------- a rep's day


class Rep:
    """One worker's state: its own records, what it claims it wrote, and every command's timing."""

    def __init__(self, index: int, run_id: str, runner: Any, year: int) -> None:
        self.index, self.runner, self.year = index, runner, year
        self.rnd = random.Random(f"{run_id}-{index}")
        self.prefix = f"soak{run_id}-w{index}-"
        self.n = 0
        self.timings: list[tuple[str, float, int, str]] = []  # command, seconds, exit code, first stderr line
        # the worker's own records, by the state it left them in
        self.open_leads: list[int] = []
        self.all_leads: list[int] = []
        self.deals: list[int] = []  # converted, no quote yet
        self.all_deals: list[int] = []
        self.quotes: dict[str, str] = {}  # number → draft|sent|accepted
        self.contracts: dict[str, str] = {}  # number → draft|signed
        # claims, checked against the database afterwards
        self.claims: dict[str, Any] = {"leads": {}, "logs": [], "converted": {}, "quotes": {}, "contracts": {},
                                       "orders": {}}

    def marker(self) -> str:
        self.n += 1
        return f"{self.prefix}{self.n}"

    def do(self, name: str, words: list[str]) -> tuple[bool, str]:
        start = time.perf_counter()
        code, out, err = self.runner.run(words)
        elapsed = time.perf_counter() - start
        first = next((line.strip() for line in err.splitlines() if line.strip()), "") if code else ""
        self.timings.append((name, elapsed, code, first or (f"exit {code}" if code else "")))
        return code == 0, out.strip()

    def actions(self) -> list[tuple[int, Any]]:
        """(weight, action) of every action whose records exist."""
        acts: list[tuple[int, Any]] = [(12, self.lead_list), (8, self.today), (6, self.deal_list),
                                       (4, self.pipeline), (2, self.kpi), (3, self.search), (8, self.lead_add)]
        if self.all_leads:
            acts.append((6, self.lead_show))
        if self.open_leads:
            acts += [(6, self.lead_log), (4, self.lead_convert)]
        if self.all_deals:
            acts.append((3, self.deal_log))
        if self.deals:
            acts.append((4, self.quote_create))
        if self.quotes:
            acts.append((4, self.quote_show))
        if any(s == "draft" for s in self.quotes.values()):
            acts.append((4, self.quote_send))
        if any(s == "sent" for s in self.quotes.values()):
            acts.append((3, self.quote_accept))
        if any(s == "accepted" for s in self.quotes.values()):
            acts.append((3, self.contract_create))
        if any(s == "draft" for s in self.contracts.values()):
            acts.append((3, self.contract_sign))
        if any(s == "signed" for s in self.contracts.values()):
            acts.append((3, self.order_create))
        return acts

    def step(self) -> None:
        acts = self.actions()
        self.rnd.choices([a for _, a in acts], weights=[w for w, _ in acts])[0]()

    def pick(self, states: dict[str, str], state: str) -> str:
        return self.rnd.choice(sorted(n for n, s in states.items() if s == state))

    # reads
    def lead_list(self) -> None:
        self.do("lead list", ["lead", "list", "--limit", "20"])

    def today(self) -> None:
        self.do("today", ["today"])

    def deal_list(self) -> None:
        self.do("deal list", ["deal", "list", "--limit", "20"])

    def pipeline(self) -> None:
        self.do("pipeline", ["pipeline"])

    def kpi(self) -> None:
        self.do("kpi report", ["kpi", "report", "--period", str(self.year)])

    def search(self) -> None:
        self.do("search", ["search", self.rnd.choice(["上海", "王", "精密", "Ltd", self.prefix.rstrip("-")])])

    def lead_show(self) -> None:
        self.do("lead show", ["lead", "show", str(self.rnd.choice(self.all_leads))])

    def quote_show(self) -> None:
        self.do("quote show", ["quote", "show", self.rnd.choice(sorted(self.quotes))])

    # writes
    def lead_add(self) -> None:
        name = self.marker()
        ok, out = self.do("lead add", ["lead", "add", f"{name} 测试", "--source", self.rnd.choice(["web", "phone",
                                       "referral", "exhibition"]), "--company", f"浸泡测试有限公司 {name}"])
        if ok:
            lead = int(out.split()[-1])
            self.claims["leads"][f"{name} 测试"] = lead
            self.open_leads.append(lead)
            self.all_leads.append(lead)

    def lead_log(self) -> None:
        summary = f"{self.marker()} call"
        ok, _ = self.do("lead log", ["lead", "log", str(self.rnd.choice(self.open_leads)), "--kind", "call",
                                     "--summary", summary])
        if ok:
            self.claims["logs"].append(summary)

    def deal_log(self) -> None:
        summary = f"{self.marker()} visit"
        ok, _ = self.do("deal log", ["deal", "log", str(self.rnd.choice(self.all_deals)), "--kind", "visit",
                                     "--summary", summary])
        if ok:
            self.claims["logs"].append(summary)

    def lead_convert(self) -> None:
        lead = self.rnd.choice(self.open_leads)
        ok, out = self.do("lead convert", ["lead", "convert", str(lead)])
        if ok:
            deal = int(out.split()[-1])
            self.open_leads.remove(lead)
            self.claims["converted"][str(lead)] = deal
            self.deals.append(deal)
            self.all_deals.append(deal)

    def quote_create(self) -> None:
        deal = self.rnd.choice(self.deals)
        items = self.rnd.sample(["HW-CAM-4K:2", "HW-GW-100:5", "SV-IMPL:3", "HW-SEN-10:20", "SV-TRAIN:1"], 2)
        ok, out = self.do("quote create", ["quote", "create", str(deal), *[w for i in items for w in ("--item", i)]])
        if ok:
            self.deals.remove(deal)
            self.quotes[out.split()[-1]] = "draft"
            self.claims["quotes"][out.split()[-1]] = deal

    def quote_send(self) -> None:
        number = self.pick(self.quotes, "draft")
        if self.do("quote send", ["quote", "send", number])[0]:
            self.quotes[number] = "sent"

    def quote_accept(self) -> None:
        number = self.pick(self.quotes, "sent")
        if self.do("quote accept", ["quote", "accept", number])[0]:
            self.quotes[number] = "accepted"

    def contract_create(self) -> None:
        quote = self.pick(self.quotes, "accepted")
        ok, out = self.do("contract create", ["contract", "create", quote])
        if ok:
            self.quotes[quote] = "contracted"
            self.contracts[out.split()[-1]] = "draft"
            self.claims["contracts"][out.split()[-1]] = quote

    def contract_sign(self) -> None:
        number = self.pick(self.contracts, "draft")
        if self.do("contract sign", ["contract", "sign", number, "--signed-by", "张总"])[0]:
            self.contracts[number] = "signed"

    def order_create(self) -> None:
        contract = self.pick(self.contracts, "signed")
        promised = (date.today() + timedelta(days=self.rnd.randint(14, 60))).isoformat()
        ok, out = self.do("order create", ["order", "create", contract, "--promised", promised])
        if ok:
            self.contracts[contract] = "ordered"
            self.claims["orders"][out.split()[-1]] = contract

    def result(self) -> dict[str, Any]:
        claims = dict(self.claims)
        claims["quote_status"] = {n: ("accepted" if s == "contracted" else s) for n, s in self.quotes.items()}
        claims["contract_status"] = {n: ("signed" if s == "ordered" else s) for n, s in self.contracts.items()}
        return {"index": self.index, "timings": self.timings, "claims": claims}


def worker(index: int, args: dict[str, Any], barrier: Any, out: str) -> None:
    env = args["env"]
    runner: Any = Shell(env, args["version_line"]) if args["mode"] == "shell" else OneShot(env)
    rep = Rep(index, args["run_id"], runner, args["year"])
    result: dict[str, Any] = {"index": index, "error": None}
    try:
        try:
            result["start_s"] = runner.start()
            if isinstance(runner, Shell):
                for _ in range(3):
                    begin = time.perf_counter()
                    runner._exchange(b"")
                    rep.timings.append((SENTINEL_NAME, time.perf_counter() - begin, 0, ""))
        except BaseException:
            barrier.abort()  # the others stop waiting (BrokenBarrierError) instead of hanging
            raise
        barrier.wait(timeout=600)
        begin = time.monotonic()
        end = begin + args["seconds"]
        while time.monotonic() < end:
            rep.step()
        result["elapsed"] = time.monotonic() - begin
    except Exception as error:  # reported by the parent; the claims so far are still checked
        result["error"] = f"{type(error).__name__}: {error}"
    finally:
        runner.close()
    result.update(rep.result())
    result["restarts"] = getattr(runner, "restarts", 0)
    Path(out).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


# ---------------------------------------------------------------------------------------------------- checks


def check(url: str, sa_url: str, results: list[dict[str, Any]], run_id: str,
          sample_last: dict[tuple[str, int], int], env: dict[str, str]) -> dict[str, Any]:
    """Every claimed write in the database, nothing unclaimed written, numbers unique and gap-free."""
    from sqlalchemy import create_engine, text

    problems: list[str] = []
    found: dict[str, Any] = {}
    engine = create_engine(sa_url)
    like = f"soak{run_id}-%"
    with engine.connect() as conn:
        def rows(sql: str, **params: Any) -> list[Any]:
            return list(conn.execute(text(sql), params))

        leads = {name: (lead_id, status) for lead_id, name, status in
                 rows("SELECT id, name, status FROM leads WHERE name LIKE :m", m=like)}
        logs = Counter(summary for (summary,) in rows("SELECT summary FROM activities WHERE summary LIKE :m", m=like))
        quotes: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for number, revision, deal_id, status in rows("SELECT number, revision, deal_id, status FROM quotes"):
            quotes[number].append((revision, deal_id, status))
        contracts = rows("SELECT number, status, (SELECT number FROM quotes q WHERE q.id = c.quote_id) "
                         "FROM contracts c")
        orders = rows("SELECT number, (SELECT number FROM contracts c WHERE c.id = o.contract_id) FROM orders o")
        counters = {(kind, year): last for kind, year, last in rows("SELECT kind, year, last FROM counters")}
        deals_of_leads = {lead_id: deal_id for lead_id, deal_id in
                          rows("SELECT lead_id, id FROM deals WHERE lead_id IS NOT NULL")}
    engine.dispose()

    claimed_leads: dict[str, int] = {}
    claimed_logs: list[str] = []
    claimed: dict[str, dict[str, Any]] = {"quotes": {}, "contracts": {}, "orders": {}}
    converted: dict[int, int] = {}
    quote_status: dict[str, str] = {}
    contract_status: dict[str, str] = {}
    for result in results:
        c = result["claims"]
        claimed_leads.update(c["leads"])
        claimed_logs += c["logs"]
        converted.update({int(k): v for k, v in c["converted"].items()})
        for kind in claimed:
            claimed[kind].update(c[kind])
        quote_status.update(c["quote_status"])
        contract_status.update(c["contract_status"])

    def problem(text_: str) -> None:
        if len(problems) < 50:
            problems.append(text_)

    # every claimed write is there
    lost = 0
    for name, lead_id in claimed_leads.items():
        if leads.get(name, (None,))[0] != lead_id:
            lost += 1
            problem(f"lead {lead_id} {name!r}: not in the database")
    for summary in claimed_logs:
        if logs.get(summary, 0) != 1:
            lost += 1
            problem(f"log {summary!r}: {logs.get(summary, 0)} in the database")
    by_id = {lead_id: status for lead_id, status in leads.values()}
    for lead_id, deal_id in converted.items():
        if by_id.get(lead_id) != "converted" or deals_of_leads.get(lead_id) != deal_id:
            lost += 1
            problem(f"lead {lead_id}: converted to deal {deal_id}, database says {by_id.get(lead_id)} "
                    f"/ deal {deals_of_leads.get(lead_id)}")
    for number, deal_id in claimed["quotes"].items():
        revs = quotes.get(number, [])
        if {deal for _, deal, _ in revs} != {deal_id}:
            lost += 1
            problem(f"quote {number} for deal {deal_id}: database has {revs}")
        elif max(revs)[2] != quote_status[number]:
            lost += 1
            problem(f"quote {number}: left {quote_status[number]}, database says {max(revs)[2]}")
    contract_by = {number: (status, quote) for number, status, quote in contracts}
    for number, quote in claimed["contracts"].items():
        status, of = contract_by.get(number, (None, None))
        if of != quote or status != contract_status[number]:
            lost += 1
            problem(f"contract {number} of {quote} ({contract_status[number]}): database has {of} ({status})")
    order_by = dict(orders)
    for number, contract in claimed["orders"].items():
        if order_by.get(number) != contract:
            lost += 1
            problem(f"order {number} of {contract}: database has {order_by.get(number)}")

    # nothing unclaimed was written (a command that failed but wrote anyway)
    phantom = 0
    for name, (lead_id, _) in leads.items():
        if name not in claimed_leads:
            phantom += 1
            problem(f"lead {lead_id} {name!r}: in the database, no worker saw it succeed")
    for summary, count in logs.items():
        if summary not in claimed_logs:
            phantom += count
            problem(f"log {summary!r}: in the database, no worker saw it succeed")
    numbers = {"Q": set(quotes), "C": {n for n, _, _ in contracts}, "SO": set(order_by)}
    for kind, key in (("Q", "quotes"), ("C", "contracts"), ("SO", "orders")):
        for number in numbers[kind]:
            m = re.fullmatch(rf"{kind}-(\d{{4}})-(\d+)", number)
            if m and int(m.group(2)) > sample_last.get((kind, int(m.group(1))), 0) and number not in claimed[key]:
                phantom += 1
                problem(f"{number}: in the database, no worker saw it succeed")

    # numbers unique and gap-free per year
    gaps = duplicates = 0
    for number, revs in quotes.items():
        if len({deal for _, deal, _ in revs}) != 1 or len({r for r, _, _ in revs}) != len(revs):
            duplicates += 1
            problem(f"quote {number}: {revs}")
    for rows_ in ([n for n, _, _ in contracts], [n for n, _ in orders]):
        for number, count in Counter(rows_).items():
            if count > 1:
                duplicates += 1
                problem(f"{number}: {count} records")
    for kind, values in numbers.items():
        per_year: dict[int, set[int]] = defaultdict(set)
        for number in values:
            m = re.fullmatch(rf"{kind}-(\d{{4}})-(\d+)", number)
            if not m:
                duplicates += 1
                problem(f"{number}: not a {kind} number")
                continue
            per_year[int(m.group(1))].add(int(m.group(2)))
        for year, seen in sorted(per_year.items()):
            missing = sorted(set(range(1, max(seen) + 1)) - seen)
            if missing:
                gaps += len(missing)
                problem(f"{kind}-{year}: missing {missing[:10]}{'...' if len(missing) > 10 else ''}")
            if counters.get((kind, year)) != max(seen):
                gaps += 1
                problem(f"{kind}-{year}: counter at {counters.get((kind, year))}, highest number {max(seen)}")
            found[f"{kind}-{year}"] = {"numbers": len(seen), "max": max(seen),
                                      "new": len([s for s in seen if s > sample_last.get((kind, year), 0)])}

    db_check = subprocess.run([sys.executable, "-m", "salescli", "--db", url, "db", "check"], env=env,
                              capture_output=True, text=True)
    if db_check.returncode:
        problem(f"salescli db check: exit {db_check.returncode}: {db_check.stderr.strip() or db_check.stdout.strip()}")
    claims_total = (len(claimed_leads) + len(claimed_logs) + len(converted) + sum(len(v) for v in claimed.values()))
    return {"claimed_writes": claims_total, "lost": lost, "phantom": phantom, "duplicates": duplicates,
            "gaps": gaps, "db_check": db_check.returncode, "numbers": found, "problems": problems,
            "ok": not (lost or phantom or duplicates or gaps or db_check.returncode)}


# ---------------------------------------------------------------------------------------------------- main


def percentile(values: list[float], p: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def summarize(results: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    per: dict[str, list[float]] = defaultdict(list)
    errors_per: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    example: dict[str, str] = {}
    for result in results:
        for name, elapsed, code, first in result["timings"]:
            per[name].append(elapsed)
            if code:
                errors_per[name] += 1
                key = re.sub(r"\d+", "N", first)
                errors[key] += 1
                example.setdefault(key, f"{name}: {first}")
    ops = sum(len(v) for k, v in per.items() if k != SENTINEL_NAME)
    elapsed = max((r.get("elapsed", 0.0) for r in results), default=0.0) or seconds
    commands = {name: {"ops": len(v), "errors": errors_per[name], "p50_ms": percentile(v, 50) * 1000,
                       "p95_ms": percentile(v, 95) * 1000, "p99_ms": percentile(v, 99) * 1000,
                       "max_ms": max(v) * 1000}
                for name, v in sorted(per.items(), key=lambda kv: (kv[0] == SENTINEL_NAME, -len(kv[1]), kv[0]))}
    return {"operations": ops, "elapsed_s": elapsed, "ops_per_s": ops / elapsed if elapsed else 0.0,
            "errors": sum(errors.values()),
            "errors_by_message": [{"message": m, "count": n, "example": example[m]} for m, n in errors.most_common()],
            "commands": commands,
            "shell_restarts": sum(r.get("restarts", 0) for r in results),
            "start_s": [round(r.get("start_s", 0.0), 3) for r in results],
            "worker_errors": [f"worker {r['index']}: {r['error']}" for r in results if r.get("error")]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--procs", type=int, default=16, help="worker processes (default 16)")
    parser.add_argument("--seconds", type=float, default=120, help="how long each worker runs (default 120)")
    parser.add_argument("--db", default="sqlite", metavar="sqlite|URL",
                        help="sqlite (a fresh file) or a PostgreSQL server URL (a superuser, e.g. "
                             "postgresql://postgres@127.0.0.1:5432): a fresh database is made there")
    parser.add_argument("--mode", choices=("oneshot", "shell"), default="oneshot")
    parser.add_argument("--team", action="store_true", help="PostgreSQL: team init, each worker a rep's own login")
    parser.add_argument("--baseline", metavar="REV", help="run this git revision of salescli instead (git archive "
                        "into the temporary folder, PYTHONPATH): the figures before a change, same script")
    parser.add_argument("--seed", default=None, help="the run's marker and random seed (default: random)")
    parser.add_argument("--keep", action="store_true", help="keep the database (and its folder or logins)")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    args = parser.parse_args()
    ensure_bytecode()
    run_id = args.seed or uuid.uuid4().hex[:6]
    work = Path(tempfile.mkdtemp(prefix="salescli-soak-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESCLI_")}
    env.update({"HOME": str(work), "XDG_DATA_HOME": f"{work}/data", "XDG_CONFIG_HOME": f"{work}/config",
                "NO_COLOR": "1", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "SALESCLI_NO_INPUT": "1"})
    env.pop("LANGUAGE", None)
    if args.baseline:
        env["PYTHONPATH"] = str(checkout(args.baseline, work))
    os.chdir(work)  # `python -m salescli` puts the current folder first on sys.path: not a checkout's salescli
    db = Database(args.db, work, team=args.team, keep=args.keep)
    try:
        report = soak(args, db, env, work, run_id)
    finally:
        db.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}", file=sys.stderr)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    sys.exit(0 if report["checks"]["ok"] and not report["summary"]["worker_errors"] else 1)


def soak(args: argparse.Namespace, db: Database, env: dict[str, str], work: Path, run_id: str) -> dict[str, Any]:
    from sqlalchemy import create_engine, text

    admin = {**env, "SALESCLI_DB": db.url}
    begin = time.perf_counter()
    subprocess.run([sys.executable, "-m", "salescli", "sample"], env=admin, check=True, capture_output=True)
    sample_s = time.perf_counter() - begin
    engine = create_engine(db.sa_url)
    with engine.connect() as conn:
        handles = [h for (h,) in conn.execute(text("SELECT handle FROM reps WHERE role = 'rep' AND active "
                                                   "ORDER BY handle"))]
        sample_last = {(k, y): last for k, y, last in conn.execute(text("SELECT kind, year, last FROM counters"))}
    engine.dispose()
    worker_env = {}
    if args.team:
        subprocess.run([sys.executable, "-m", "salescli", "team", "init"], env=admin, check=True, capture_output=True)
        urls = db.make_logins(handles)
        worker_env = {h: {**env, "SALESCLI_DB": urls[h]} for h in handles}
    elif db.kind == "sqlite":
        worker_env = {h: {**admin, "SALESCLI_REP": h} for h in handles}
    else:  # the administrator's URL; --rep on PostgreSQL may only repeat the login's own handle
        worker_env = {h: admin for h in handles}
    version = subprocess.run([sys.executable, "-m", "salescli", "--version"], env=admin, check=True,
                             capture_output=True).stdout
    package = subprocess.run([sys.executable, "-c", "import salescli; print(salescli.__file__)"], env=admin,
                             check=True, capture_output=True, text=True).stdout.strip()
    who = ("each rep's login" if args.team else "SALESCLI_REP" if db.kind == "sqlite" else "the administrator URL")
    print(f"soak {run_id} ({args.baseline or 'working tree'}): {args.procs} procs × {args.seconds:g} s, "
          f"{args.mode}, {db.kind} ({who}), "
          f"sample loaded in {sample_s:.1f} s; salescli from {Path(package).parent}", flush=True)

    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(args.procs)
    procs = []
    for i in range(args.procs):
        handle = handles[i % len(handles)]
        spec = {"env": worker_env[handle], "mode": args.mode, "run_id": run_id, "seconds": args.seconds,
                "year": date.today().year, "version_line": version}
        p = ctx.Process(target=worker, args=(i, spec, barrier, str(work / f"worker-{i}.json")))
        p.start()
        procs.append(p)
    for p in procs:
        p.join()
    results = []
    for i in range(args.procs):
        path = work / f"worker-{i}.json"
        if not path.exists():
            raise SystemExit(f"worker {i} wrote no results (exit {procs[i].exitcode})")
        results.append(json.loads(path.read_text(encoding="utf-8")))
    summary = summarize(results, args.seconds)
    checks = check(db.url, db.sa_url, results, run_id, sample_last, admin)
    report = {"run": run_id, "revision": args.baseline or "working tree", "procs": args.procs,
              "seconds": args.seconds, "mode": args.mode, "backend": db.kind,
              "team": args.team, "sample_s": sample_s,
              "sample_numbers": {f"{kind}-{year}": last for (kind, year), last in sorted(sample_last.items())},
              "summary": summary, "checks": checks}
    print_report(report)
    return report


def print_report(report: dict[str, Any]) -> None:
    s, c = report["summary"], report["checks"]
    print(f"{s['operations']} operations in {s['elapsed_s']:.1f} s: {s['ops_per_s']:.2f} ops/s, "
          f"{s['errors']} errors" + (f", {s['shell_restarts']} shell restarts" if report["mode"] == "shell" else ""))
    if report["mode"] == "shell":
        print(f"shell start-up (to the first answer): median {statistics.median(s['start_s']):.2f} s, "
              f"max {max(s['start_s']):.2f} s")
    print(f"{'command':<22} {'ops':>6} {'errors':>6} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'max ms':>9}")
    for name, row in s["commands"].items():
        print(f"{name:<22} {row['ops']:>6} {row['errors']:>6} {row['p50_ms']:>9.1f} {row['p95_ms']:>9.1f} "
              f"{row['p99_ms']:>9.1f} {row['max_ms']:>9.1f}")
    if s["errors_by_message"]:
        print("errors by message:")
        for e in s["errors_by_message"]:
            print(f"  {e['count']:>5}  {e['message']}   (e.g. {e['example']})")
    for line in s["worker_errors"]:
        print(f"  {line}")
    numbers = ", ".join(f"{k} {v['new']} new (1..{v['max']})" for k, v in sorted(c["numbers"].items()))
    print(f"checks: {c['claimed_writes']} writes claimed, {c['lost']} lost, {c['phantom']} written by a failed "
          f"command, {c['duplicates']} duplicate numbers, {c['gaps']} gaps; {numbers}; db check exit {c['db_check']}"
          f" → {'OK' if c['ok'] else 'FAILED'}")
    for p in c["problems"]:
        print(f"  {p}")


if __name__ == "__main__":
    main()
