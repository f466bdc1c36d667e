"""Run a generator in a forked child process and iterate its items in the parent.

Why: an import reads and checks the file (pure Python, one core) and writes to the database (mostly in SQLite's
C code). Threads cannot overlap the two — sqlite3 releases the GIL around every row's step and must win it
back from a busy Python thread each time (measured: a reader thread made a 1M-row import slower, 62k → 47k
rows/s) — but a second process can. The child only reads the file and computes; it never touches the
database connection it inherits (POSIX locks are not inherited by fork, and it leaves through ``os._exit``).

Items travel pickled through a pipe; the pipe's small buffer keeps at most about one item in flight, so memory
stays bounded. An expected failure (:class:`SalesError`) raised in the child is raised again in the parent; any
other exception arrives as its traceback. Ctrl-C is the parent's to handle: the child ignores SIGINT and is
killed when the parent stops iterating for any reason.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO, Generic, TypeVar

from salescli.errors import SalesError

T = TypeVar("T")


def available() -> bool:
    """Fork is used only where it is the platform's normal, safe way (Linux)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


class Background(Generic[T]):
    """``with Background(items) as stream: for item in stream: ...`` — ``items`` is iterated in a child."""

    def __init__(self, items: Iterable[T]) -> None:
        self.items = items
        self.pid = 0
        self.stream: BinaryIO | None = None

    def __enter__(self) -> Iterator[T]:
        read, write = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read)
            _serve(self.items, write)
        os.close(write)
        self.pid = pid
        self.stream = os.fdopen(read, "rb", buffering=1 << 16)
        return self._receive(self.stream)

    def _receive(self, stream: BinaryIO) -> Iterator[T]:
        while True:
            try:
                tag, payload = pickle.load(stream)
            except EOFError:
                raise RuntimeError("the import's reader process stopped unexpectedly") from None
            if tag == "item":
                yield payload
            elif tag == "done":
                return
            elif tag == "error":
                raise payload
            else:
                raise RuntimeError(f"the import's reader process failed:\n{payload}")

    def __exit__(self, *exc: Any) -> None:
        if self.stream is not None:
            self.stream.close()
        if self.pid:
            with contextlib.suppress(ProcessLookupError):  # it may have just finished
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = 0


def _serve(items: Iterable[Any], fd: int) -> None:
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        with os.fdopen(fd, "wb", buffering=1 << 16) as out:
            try:
                for item in items:
                    pickle.dump(("item", item), out, protocol=pickle.HIGHEST_PROTOCOL)
                    out.flush()
                message: tuple[str, Any] = ("done", None)
            except SalesError as error:
                message = ("error", error)
            except BaseException:  # a bug: its traceback travels to the parent
                import traceback

                message = ("crash", traceback.format_exc())
            pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        code = 0
    finally:
        os._exit(code)  # no atexit handlers, no finalizers of the parent's objects (its database connection)
