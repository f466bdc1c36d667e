"""Writing exported rows, for `export` and `order export`: the format chosen from --format or the --output file's
extension, stdout as UTF-8, and the .xlsx workbook."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from salescli.i18n import _


def export_format(fmt: str | None, dest: Path | None, excel: bool) -> str:
    """--format, else the --output file's extension (.xlsx, .json, .jsonl), else csv; --excel is for csv."""
    from salescli.errors import InputError

    if fmt is None:
        suffix = dest.suffix.lower().lstrip(".") if dest is not None else ""
        fmt = {"xlsx": "xlsx", "json": "json", "jsonl": "jsonl", "ndjson": "jsonl"}.get(suffix, "csv")
    if excel and fmt != "csv":
        raise InputError(_("--excel is for csv (a CSV that Excel and WPS open as UTF-8), not --format {format}")
                         .format(format=fmt))
    if fmt == "xlsx" and dest is None and sys.stdout.isatty():
        raise InputError(_("--format xlsx writes a workbook: give --output FILE.xlsx (or redirect to a file)"))
    return fmt


@contextmanager
def utf8_stdout() -> Iterator[TextIO]:
    """stdout as UTF-8 whatever the terminal's encoding, line ends written as they are (--excel's CRLF)."""
    import io

    sys.stdout.flush()
    stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=True)
    try:
        yield stream
    finally:
        stream.flush()
        stream.detach()


def write_xlsx(out: Any, rows: Any, name: str, columns: list[str] | None = None) -> int:
    """The rows as a one-sheet workbook named ``name`` (typed cells); returns how many rows."""
    from salescli.importers.xlsx import write_records

    return write_records(out, name, rows, columns)
