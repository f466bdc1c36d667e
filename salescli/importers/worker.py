"""Run a generator in a forked child process and iterate its items in the parent.

Why: an import reads and checks the file (pure Python, one core) and writes to the database (mostly in SQLite's
C code). Threads cannot overlap the two — sqlite3 releases the GIL around every row's step and must win it
back from a busy Python thread each time (measured: a reader thread made a 1M-row import slower, 62k → 47k
rows/s) — but a second process can. The child only reads the file and computes; it never touches the
database connection it inherits (POSIX locks are not inherited by fork, and it leaves through ``os._exit``).

Items travel pickled through a pipe; the child runs at most AHEAD items (plus a 1 MB pipe) ahead of the parent,
so memory stays bounded. An expected failure (:class:`SalesError`) raised in the child is raised again in the
parent; any other exception arrives as its traceback. Ctrl-C is the parent's to handle: the child ignores SIGINT and is
killed when the parent stops iterating for any reason.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO, Generic, TypeVar

from salescli.errors import SalesError

T = TypeVar("T")
AHEAD = 4  # items the child may produce before the parent takes them (each about 0.7 MB for 5,000 leads)


@contextlib.contextmanager
def held_interrupts() -> Iterator[Callable[[], None]]:
    """Ctrl-C during an import stops it between chunks: ``with held_interrupts() as check:`` call ``check()`` at each
    safe point; it raises KeyboardInterrupt there if Ctrl-C came meanwhile, and so does leaving the block. Without
    it, KeyboardInterrupt surfaced wherever Python was: inside SQLAlchemy's or sqlite3's bookkeeping (the import
    then failed with "unexpected PendingRollbackError" instead of "interrupted": 2-6 times in 50 stops, measured),
    or in a reader just forked, before it ignores SIGINT. Off the main thread (where signals are not delivered)
    ``check`` does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda: None
        return
    came: list[int] = []

    def hold(signum: int, frame: Any) -> None:
        came.append(signum)

    def check() -> None:
        if came:
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, hold)
    try:
        yield check
        check()
    finally:
        signal.signal(signal.SIGINT, previous)


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
    """The child: produce and pickle items here, write them from a second thread, so that production runs up
    to AHEAD items ahead of the parent instead of stopping each time the pipe is full (the writing thread
    waits in the kernel, without the GIL). The parent's waits then even out."""
    import queue

    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        with contextlib.suppress(OSError, AttributeError):  # a bigger pipe where allowed (Linux: up to 1 MB)
            import fcntl

            fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
        ready: queue.Queue[bytes | None] = queue.Queue(maxsize=AHEAD)
        writer = threading.Thread(target=_write_all, args=(fd, ready), daemon=True)
        writer.start()
        try:
            for item in items:
                ready.put(pickle.dumps(("item", item), protocol=pickle.HIGHEST_PROTOCOL))
            message: tuple[str, Any] = ("done", None)
        except SalesError as error:
            message = ("error", error)
        except BaseException:  # a bug: its traceback travels to the parent
            import traceback

            message = ("crash", traceback.format_exc())
        ready.put(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
        ready.put(None)
        writer.join()
        code = 0
    finally:
        os._exit(code)  # no atexit handlers, no finalizers of the parent's objects (its database connection)


def _write_all(fd: int, ready: Any) -> None:
    try:
        while (data := ready.get()) is not None:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        os.close(fd)
    except OSError:  # the parent is gone: nobody needs the rest
        os._exit(1)
