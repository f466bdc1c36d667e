"""The import's two halves: the reader (a forked process for big files) and the key screen that spares the
writer its look-ups. Whatever path a file takes, the outcome must be the same: the same rows, the same
duplicates skipped, the same problems and rejects, the same errors, nothing left behind on failure."""

from __future__ import annotations

import csv
import json
import os
import pickle
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from salescli.errors import InputError, NotFound, SalesError
from salescli.importers import batches
from salescli.importers.batches import KeyFilter
from salescli.importers.reader import Problems
from salescli.services import imports
from tests.conftest import Cli, snapshot

PATHS = {  # (reader in a second process, key screen in the reader)
    "in-process, look-ups": (False, False),
    "in-process, screened": (False, True),
    "reader process, look-ups": (True, False),
    "reader process, screened": (True, True),
}


@pytest.fixture(params=list(PATHS))
def path_taken(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    in_child, screened = PATHS[request.param]
    monkeypatch.setattr(imports, "WORKER_MIN_BYTES", 0 if in_child else 1 << 60)
    # the screen is used when the stored rows are no more than the file's (size / ROW_BYTES)
    monkeypatch.setattr(imports, "ROW_BYTES", 1 if screened else 1 << 40)
    monkeypatch.setattr(imports, "FLAGGED_AT_MOST", 0)  # flagged rows alone are looked up, however many
    monkeypatch.setattr(batches, "BATCH", 4)  # chunk boundaries fall between duplicates
    return str(request.param)


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["name", "email", "phone", "source"], *rows])
    return path


def test_every_path_imports_the_same(cli: Cli, tmp_path: Path, path_taken: str) -> None:
    cli.ok("lead", "add", "Stored", "--email", "stored@example.com", "--source", "web")
    cli.ok("lead", "add", "Other", "--phone", "13700000000", "--source", "web")  # 2 stored > 1 (look-ups)
    rows = [["A", "a@example.com", "13800000001", "web"],
            ["Bad", "not-an-email", "", "web"],
            ["Stored again", "STORED@example.com", "", "web"],  # repeats a stored lead
            ["B", "b@example.com", "", "web"],
            ["Other again", "", "+86 137 0000 0000", "web"],  # repeats a stored lead by phone
            ["A by phone", "", "138-0000-0001", "web"],  # repeats A (earlier chunk) by phone
            ["C", "c@example.com", "", "web"],
            ["C again", "c@example.com", "", "web"],  # repeats C within the same chunk
            ["Bad too", "", "", "pigeon"],
            *[[f"客户{i}", f"k{i}@example.cn", f"1390000{i:04d}", "展会"] for i in range(30)]]
    data = _write(tmp_path / "leads.csv", rows)
    rejects = tmp_path / "rejects.csv"
    run = cli.ok("import", "leads", str(data), "--skip-invalid", "--rejects", str(rejects))
    assert "39 row(s): 33 were added, 0 updated, 4 skipped as duplicates, 2 rejected" in run.stderr, path_taken
    names = [r[0] for r in cli.rows("SELECT name FROM leads ORDER BY id")]
    assert names == ["Stored", "Other", "A", "B", "C", *[f"客户{i}" for i in range(30)]]
    assert [r[:4] for r in csv.reader(rejects.open(encoding="utf-8"))] == [
        ["name", "email", "phone", "source", ], ["Bad", "not-an-email", "", "web"], ["Bad too", "", "", "pigeon"]]
    assert run.error_lines[:2] == [
        f"{data}:3: email: 'not-an-email' is not an email address (An email address must have an @-sign.)",
        f"{data}:10: source: 'pigeon' is not a channel (one of phone, email, social, exhibition, referral, web, other)"]
    again = cli.ok("import", "leads", str(data), "--skip-invalid", "--rejects", str(rejects), "--force")
    assert "39 row(s): 0 were added, 0 updated, 37 skipped as duplicates, 2 rejected" in again.stderr
    changed = _write(tmp_path / "changed.csv", [["A 2", "a@example.com", "", "referral"], ["New", "", "", "web"],
                                               ["A 2 again", "A@example.com", "", "web"],
                                               ["A by phone", "", "13800000001", "phone"], *rows[9:13]])
    update = cli.ok("import", "leads", str(changed), "--update")
    assert "8 row(s): 1 were added, 5 updated, 2 skipped as duplicates, 0 rejected" in update.stderr
    assert cli.rows("SELECT name, source FROM leads WHERE email_key = 'a@example.com'") == [("A 2", "referral")]


def test_all_or_nothing_and_errors_on_every_path(cli: Cli, tmp_path: Path, path_taken: str) -> None:
    cli.ok("db", "upgrade")
    before = snapshot(cli)
    good = [[f"n{i}", f"n{i}@example.com", "", "web"] for i in range(20)]
    bad = _write(tmp_path / "bad.csv", [*good, ["X", "x@", "", "web"], *good])
    run = cli("import", "leads", str(bad))
    assert run.exit_code == 2
    assert run.error_lines == [f"{bad}:22: email: 'x@' is not an email address (There must be something after "
                               "the @-sign.)",
                               f"error: 1 invalid row(s) in {bad}; nothing imported (--skip-invalid --rejects FILE "
                               "imports the good ones)"]
    broken = tmp_path / "broken.csv"
    broken.write_text("name,email,source\n" + "".join(f"n{i},n{i}@example.com,web\n" for i in range(20)) +
                      'late,"unterminated,web\n', encoding="utf-8")
    assert cli.fails(2, "import", "leads", str(broken)) == (
        f"error: {broken}:22: malformed CSV (unexpected end of data; a quote that is never closed?)")
    short = tmp_path / "short.csv"
    short.write_text("name,email,source\n" + "".join(f"n{i},n{i}@example.com,web\n" for i in range(20)) +
                     "short,row\n", encoding="utf-8")
    assert cli.fails(2, "import", "leads", str(short)) == \
        f"error: {short}:22: 2 fields, the header has 3; nothing imported"
    unknown = _write(tmp_path / "unknown.csv", good)
    unknown.write_text(unknown.read_text(encoding="utf-8").replace("phone", "fax", 1), encoding="utf-8")
    assert "unknown column(s) fax" in cli.fails(2, "import", "leads", str(unknown))
    assert snapshot(cli) == before


def test_key_filter_never_misses_a_repeat() -> None:
    """Every key met before (marked as stored, in an earlier chunk, or earlier in the same chunk) is flagged,
    even in a filter so small that most slots collide; empty keys never are."""
    rnd = random.Random(8)
    screen = KeyFilter(["email_key"], expected=1, most=1 << 16)
    screen.slots["email_key"] = bytearray(64)  # force collisions
    screen.mask = 63
    stored = [f"s{i}" for i in range(10)]
    screen.mark("email_key", stored)
    seen = set(stored)
    for _ in range(40):
        keys = [rnd.choice([None, *stored, *(f"k{j}" for j in range(200))]) for _ in range(rnd.randint(0, 30))]
        hits = set(screen.scan("email_key", keys))
        for i, key in enumerate(keys):
            if key is None:
                assert i not in hits
            elif key in seen or key in keys[:i]:
                assert i in hits, (key, keys)
        seen.update(k for k in keys if k is not None)


def test_key_filter_is_sized_for_the_file_within_a_cap() -> None:
    assert len(KeyFilter(["a"], expected=10).slots["a"]) == 1 << 16  # the floor
    assert len(KeyFilter(["a"], expected=100_000).slots["a"]) == 1 << 20  # >= 8 slots per key
    assert len(KeyFilter(["a", "b"], expected=10**9).slots["b"]) == 1 << 23  # the cap, per column


def test_errors_cross_the_process_boundary_whole() -> None:
    for error in (Problems(["f.csv:2: email: bad"], "1 invalid row(s)"), InputError("bad --map"), NotFound("x")):
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error) and isinstance(back, SalesError)
        assert (back.message, back.details, back.exit_code) == (error.message, error.details, error.exit_code)


def _big_file(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["name", "email", "source", "notes"])
        writer.writerows([f"客户{i}", f"c{i}@example.com", "web", "展会扫码" * 4] for i in range(rows))
    assert path.stat().st_size > imports.WORKER_MIN_BYTES  # the reader process is used
    return path


def _processes_reading(path: Path) -> list[int]:
    """Processes whose command line names ``path`` (the reader is a fork: it has its parent's)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(path).encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the reader process is used on Linux")
@pytest.mark.parametrize("how", ["interrupt", "kill"])
def test_stopping_a_big_import_saves_nothing_and_leaves_no_reader(sqlite_cli: Cli, db_path: Path, tmp_path: Path,
                                                                  how: str) -> None:
    sqlite_cli.ok("db", "upgrade")
    data = _big_file(tmp_path / f"big-{how}.csv", 150_000)
    proc = subprocess.Popen([sys.executable, "-m", "salescli", "--db", str(db_path), "import", "leads", str(data)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 30
    while len(_processes_reading(data)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)  # wait until the reader has been forked
    assert proc.poll() is None, proc.communicate()
    if how == "interrupt":  # Ctrl-C reaches the whole foreground process group
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 130
        assert err.strip().splitlines()[-1] == "error: interrupted; the current change was not saved"
    else:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
    deadline = time.monotonic() + 10
    while _processes_reading(data) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_reading(data) == []
    assert sqlite_cli.count("leads") == 0
    assert "150000 were added" in sqlite_cli.ok("import", "leads", str(data), "--quiet").stderr


def _items(path: Path) -> list[dict[str, object]]:
    from salescli.importers.reader import read_records

    return [r.values for r in read_records(path)]


def test_json_arrays_stream_with_the_standard_decoders_results(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Read in tiny pieces (so every item and token is cut somewhere), the items are exactly json.loads's."""
    from salescli.importers import reader

    monkeypatch.setattr(reader, "_JSON_CHUNK", 7)
    rnd = random.Random(5)
    tricky = ["王芳", 'quote " inside', "brackets ] } [ {", "comma, colon: ", "line\nbreak", "\\back\\slash", "", "🙂"]
    for case in range(30):
        items = [{"name": rnd.choice(tricky), "n": rnd.randint(-5, 10**12), "x": rnd.choice([None, True, 1.5, [1]]),
                  "nested": {"k": rnd.choice(tricky)}} for _ in range(rnd.randint(0, 12))]
        path = tmp_path / f"c{case}.json"
        path.write_text(json.dumps(items, ensure_ascii=case % 2 == 0, indent=rnd.choice([None, 2])) +
                        rnd.choice(["", "\n", "  \n\n"]), encoding="utf-8")
        assert _items(path) == json.loads(path.read_text(encoding="utf-8")), path.read_text(encoding="utf-8")


@pytest.mark.parametrize("text", [
    "", "   \n", '[{"a": 1},\n{"a": 2}\n{"a": 3}]', '[{"a": 1},]', '[{"a": 1}\n\n', '[{"a": 1}] x',
    '[\n{"a": 1},\n{"a": \n', '[{"a": "unterminated}]', '[{"a": 1}, {"a" 2}]'])
def test_broken_json_arrays_are_reported_like_json_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         text: str) -> None:
    from salescli.importers import reader

    monkeypatch.setattr(reader, "_JSON_CHUNK", 5)
    path = tmp_path / "broken.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    with pytest.raises(InputError) as got:
        _items(path)
    assert got.value.message == f"{path}:{expected.value.lineno}: invalid JSON ({expected.value.msg})"


def test_json_shape_errors(tmp_path: Path) -> None:
    path = tmp_path / "shape.json"
    path.write_text('{"name": "not an array"}', encoding="utf-8")
    with pytest.raises(InputError, match="expected a JSON array of objects"):
        _items(path)
    path.write_text('[{"name": "A"}, "B"]', encoding="utf-8")
    with pytest.raises(InputError, match="item 2 is not an object"):
        _items(path)
    path.write_text("[]", encoding="utf-8")
    assert _items(path) == []
