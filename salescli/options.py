"""Options shared by many commands, defined once (typer ``Annotated`` aliases)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from salescli.output import Format
from salescli.settings import ENV_FORMAT


def command_group(*, single: bool = False, **extra: Any) -> typer.Typer:
    """A Typer app for one command module: plain (click-style) help like the root, no pretty tracebacks.
    ``extra``: more of Typer's settings (``shell`` runs its callback without a subcommand)."""
    return typer.Typer(no_args_is_help=not single, rich_markup_mode=None, pretty_exceptions_enable=False,
                       context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110}, **extra)


FormatOpt = Annotated[Format | None, typer.Option(
    "--format", "-f", envvar=ENV_FORMAT, show_envvar=True, case_sensitive=False,
    help="Output format (default: table on a terminal, plain when piped).")]
DateOpt = Annotated[str | None, typer.Option(
    "--date", metavar="DATE", help="When it happened: YYYY-MM-DD[THH:MM] (default: now). For backfilling.")]
OwnerOpt = Annotated[str | None, typer.Option(
    "--owner", metavar="REP", help="Owning rep's handle (default: the acting rep, or nobody).")]
LimitOpt = Annotated[int | None, typer.Option("--limit", "-n", min=1, help="Show at most this many rows.")]
AllOpt = Annotated[bool, typer.Option("--all", help="Everyone's records, not only the acting rep's.")]
# reading a file: its format, and the sheet of a workbook (importers/reader.with_sheet joins the two)
InputFormatOpt = Annotated[str | None, typer.Option(
    "--input-format", metavar="FORMAT", help="csv, json, jsonl or xlsx (default: by extension).")]
SheetOpt = Annotated[str | None, typer.Option(
    "--sheet", metavar="NAME", help="The workbook's sheet to read (default: the first visible one).")]
