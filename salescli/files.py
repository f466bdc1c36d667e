"""The one way salescli writes a file a user named (``--output``, ``--html``, ``--to``, ``--rejects``, ``--outbox``
letters, backups, mappings).

Every such file: is never the open database or its ``-wal``/``-shm``/``-journal`` files, nor the command's own
input; replaces an existing file only with ``--force``; is never written through a symbolic link; is written
private (0600) to a temporary file in the same folder and renamed into place only when complete, so a failure
(disk full, Ctrl-C, a refused import) leaves the old file, or none, and no partial one.

Light to import (standard library only): export and report commands use it before the database is opened.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from salescli.errors import InputError, PolicyError
from salescli.i18n import _

#: Files SQLite keeps beside a database; writing over any of them corrupts it.
SQLITE_SIDE_FILES = ("", "-wal", "-shm", "-journal")


def database_files(db: Path | None) -> list[Path]:
    """The database file and the files SQLite keeps beside it (whether they exist now or not)."""
    if db is None:
        return []
    return [db.with_name(db.name + suffix) for suffix in SQLITE_SIDE_FILES]


def _same(a: Path, b: Path) -> bool:
    """Whether two paths name one file: the same inode when both exist, else the same resolved path."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def check_target(path: Path, *, option: str, force: bool = False, database: Path | None = None,
                 inputs: Iterable[Path] = ()) -> Path:
    """Refuse an output path that would destroy something; returns the path to write (absolute).

    Bad choices of file are input errors (exit 2); an existing file without ``--force`` is a refusal (exit 1),
    as for ``db backup``.
    """
    path = Path(os.path.abspath(path.expanduser()))
    for protected in database_files(database):
        if _same(path, protected):
            message = (_("{option}: {path} is the database; choose another file") if protected == database
                       else _("{option}: {path} is the database or its journal; choose another file"))
            raise InputError(message.format(option=option, path=path))
    for source in inputs:
        if _same(path, source):
            raise InputError(_("{option}: {path} is this command's input file; choose another file").format(
                option=option, path=path))
    try:
        info = path.lstat()
    except FileNotFoundError:
        return path
    except OSError as error:
        raise InputError(_("{option}: cannot write {path}: {reason}").format(
            option=option, path=path, reason=error.strerror)) from None
    if stat.S_ISLNK(info.st_mode):
        raise InputError(_("{option}: {path} is a symbolic link; name the real file").format(option=option, path=path))
    if stat.S_ISDIR(info.st_mode):
        raise InputError(_("{option}: {path} is a folder; name a file").format(option=option, path=path))
    if not stat.S_ISREG(info.st_mode):
        raise InputError(_("{option}: {path} is not a regular file").format(option=option, path=path))
    if not force:
        raise PolicyError(_("{option}: {path} exists; use --force to replace it").format(option=option, path=path))
    return path


def temp_beside(target: Path) -> Path:
    """The temporary name a file is written under before it is placed (hidden, in the same folder)."""
    return target.parent / f".{target.name}.{os.getpid()}.part"


def _create_temp(target: Path) -> tuple[Path, int]:
    """A new private (0600) temporary file beside ``target``, never opened through a link; returns it and its open
    descriptor. A leftover of a killed process that had our pid is replaced."""
    tmp = temp_beside(target)
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        return tmp, os.open(tmp, flags, 0o600)
    except FileExistsError:
        tmp.unlink(missing_ok=True)
        return tmp, os.open(tmp, flags, 0o600)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


@contextmanager
def replace_via_temp(target: Path, *, force: bool = True, option: str = "",
                     discard: Callable[[Path], None] = _remove) -> Iterator[tuple[Path, int]]:
    """The one write-temp-then-rename of salescli: yields a new private (0600) temporary file beside ``target``
    (:func:`temp_beside`, never opened through a link) and its open descriptor, for the block to fill. When the
    block ends normally the file is flushed to disk (fsync) and renamed onto ``target`` (:func:`place`: without
    ``force`` a file that appeared meanwhile is refused, naming ``option``); on an error or a refusal it is removed
    (by ``discard``: a SQLite copy also has its -journal beside it) and ``target`` is untouched. The descriptor is
    closed either way. An OSError is the caller's to report (the error message differs: a config file, an export,
    a backup)."""
    tmp, fd = _create_temp(target)
    placed = False
    try:
        yield tmp, fd
        os.fsync(fd)
        place(tmp, target, force=force, option=option)
        placed = True
    finally:
        os.close(fd)
        if not placed:
            discard(tmp)


def disk_full(option: str, path: Path) -> InputError:
    """The disk filled up while writing ``path`` (reported by SQLite rather than as an OSError)."""
    return write_error(option, path, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))


def write_error(option: str, path: Path, error: OSError) -> InputError:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return InputError(_("{option}: the disk is full writing {path}; nothing was written").format(
            option=option, path=path))
    return InputError(_("{option}: cannot write {path}: {reason}").format(option=option, path=path,
                                                                          reason=error.strerror or error))


@contextmanager
def atomic_write(path: Path, *, option: str, force: bool = False, database: Path | None = None,
                 inputs: Iterable[Path] = (), binary: bool = False, encoding: str = "utf-8",
                 newline: str | None = "") -> Iterator[Any]:
    """Open a private temporary file beside ``path`` for writing; on success it becomes ``path`` (replacing an
    older one only with ``force``), on any failure it is removed and ``path`` is untouched."""
    target = check_target(path, option=option, force=force, database=database, inputs=inputs)
    folder = target.parent
    if not folder.is_dir():
        raise InputError(_("{option}: cannot write {path}: no such folder {folder}").format(
            option=option, path=target, folder=folder))
    try:
        with replace_via_temp(target, force=force, option=option) as (_tmp, fd), \
                (os.fdopen(fd, "wb", closefd=False) if binary else
                 os.fdopen(fd, "w", encoding=encoding, newline=newline, closefd=False)) as fh:
            yield fh
    except OSError as error:
        raise write_error(option, target, error) from None


def place(tmp: Path, target: Path, *, force: bool, option: str) -> None:
    """Rename the finished temporary file into place. Without ``force`` a file that appeared meanwhile is not
    replaced (a hard link fails if the name exists, atomically)."""
    if force:
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise PolicyError(_("{option}: {path} exists; use --force to replace it").format(
            option=option, path=target)) from None
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV, errno.EMLINK):
            raise
        if target.exists() or target.is_symlink():  # a file system without hard links: check, then rename
            raise PolicyError(_("{option}: {path} exists; use --force to replace it").format(
                option=option, path=target)) from None
        os.replace(tmp, target)
        return
    tmp.unlink()


def output_folder(path: Path, *, option: str) -> Path:
    """A folder the command writes files into (an outbox): created private if missing; never a symbolic link,
    never a file."""
    path = Path(os.path.abspath(path.expanduser()))
    try:
        info = path.lstat()
    except FileNotFoundError:
        try:
            path.mkdir(parents=True, mode=0o700)
        except OSError as error:
            raise write_error(option, path, error) from None
        return path
    if stat.S_ISLNK(info.st_mode):
        raise InputError(_("{option}: {path} is a symbolic link; name the real folder").format(
            option=option, path=path))
    if not stat.S_ISDIR(info.st_mode):
        raise InputError(_("{option}: {path} is not a folder").format(option=option, path=path))
    return path


def write_text(path: Path, text: str, **options: Any) -> None:
    """Write a whole text file by the rules above."""
    with atomic_write(path, **options) as fh:
        fh.write(text)


def write_bytes(path: Path, data: bytes, **options: Any) -> None:
    """Write a whole binary file by the rules above."""
    with atomic_write(path, binary=True, **options) as fh:
        fh.write(data)
