"""Options shared by many commands, defined once (typer ``Annotated`` aliases)."""

from __future__ import annotations

from typing import Annotated

import typer

from salescli.output import Format
from salescli.settings import ENV_FORMAT

FormatOpt = Annotated[Format | None, typer.Option(
    "--format", "-f", envvar=ENV_FORMAT, show_envvar=True, case_sensitive=False,
    help="Output format (default: table on a terminal, plain when piped).")]
DateOpt = Annotated[str | None, typer.Option(
    "--date", metavar="DATE", help="When it happened: YYYY-MM-DD[THH:MM] (default: now). For backfilling.")]
OwnerOpt = Annotated[str | None, typer.Option(
    "--owner", metavar="REP", help="Owning rep's handle (default: the acting rep, or nobody).")]
LimitOpt = Annotated[int | None, typer.Option("--limit", "-n", min=1, help="Show at most this many rows.")]
AllOpt = Annotated[bool, typer.Option("--all", help="Everyone's records, not only the acting rep's.")]
