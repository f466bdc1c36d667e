"""benchmarks/soak.py (issue 23), briefly: two shell workers for a few seconds on SQLite pass every check, and the
checks catch a lost write, a record no worker claimed and a gap in the document numbers."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


@pytest.mark.slow
def test_soak_runs_clean_and_its_checks_catch_damage() -> None:
    proc = subprocess.run([sys.executable, str(BENCHMARKS / "soak.py"), "--procs", "2", "--seconds", "1",
                           "--mode", "shell", "--seed", "smoke", "--keep", "--json"],
                          capture_output=True, text=True, timeout=120)
    kept = Path(next((line for line in proc.stderr.splitlines() if line.startswith("kept /")), "kept /nonexistent")[5:])
    try:
        assert proc.returncode == 0, proc.stdout + proc.stderr
        report = json.loads(proc.stdout[proc.stdout.index("\n{") + 1:])
        assert report["summary"]["operations"] >= 2
        assert report["summary"]["errors"] == 0, report["summary"]["errors_by_message"]
        assert report["checks"]["ok"], report["checks"]["problems"]
        results = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(kept.glob("worker-*.json"))]
        sys.path.insert(0, str(BENCHMARKS))
        try:
            import soak
        finally:
            sys.path.remove(str(BENCHMARKS))
        db = (str(kept / "soak.db"), f"sqlite:///{kept / 'soak.db'}")
        sample = {(k.split("-")[0], int(k.split("-")[1])): v for k, v in report["sample_numbers"].items()}
        env = {"HOME": str(kept), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
        lead_name = "soaksmoke-w9-1 测试"  # a write of one more worker, whatever the two did in a busy second
        added = subprocess.run([sys.executable, "-m", "salescli", "--db", db[0], "lead", "add", lead_name,
                                "--source", "web"], capture_output=True, text=True, env=env)
        lead_id = int(added.stdout)
        results.append({"claims": {"leads": {lead_name: lead_id}, "logs": [], "converted": {}, "quotes": {},
                                   "contracts": {}, "orders": {}, "quote_status": {}, "contract_status": {}}})
        assert soak.check(*db, results, "smoke", sample, env)["ok"]

        with sqlite3.connect(kept / "soak.db") as conn:
            conn.execute("UPDATE leads SET name = ? WHERE id = ?", (f"soaksmoke-w9-2 {lead_name}", lead_id))
            conn.execute("DELETE FROM quotes WHERE number = (SELECT min(number) FROM quotes)")
        checks = soak.check(*db, results, "smoke", sample, env)
        assert not checks["ok"]
        assert checks["lost"] == 1 and checks["phantom"] == 1 and checks["gaps"] == 1, checks["problems"]
    finally:
        import shutil

        shutil.rmtree(kept, ignore_errors=True)
