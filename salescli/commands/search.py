"""search: find anyone by name, company, email or phone across leads, customers, contacts and deals."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from salescli import output
from salescli.app import App
from salescli.i18n import _
from salescli.options import FormatOpt, command_group
from salescli.output import Col

COLUMNS = [Col("type", "type"), Col("id", "id", True), Col("name", "name"), Col("company", "company"),
           Col("contact", "phone/email"), Col("owner", "owner"), Col("status", "status"), Col("matched", "matched")]
DEFAULT_LIMIT = 20


class Kind(StrEnum):
    lead = "lead"
    customer = "customer"
    contact = "contact"
    deal = "deal"


def search(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(
        help="A name (王伟, 2 characters are enough), part of a company name, an email, or the last 4+ digits of "
             "a phone.")],
    kinds: Annotated[list[Kind] | None, typer.Option(
        "--type", "-t", case_sensitive=False, help="Only this kind of record (repeat for several).")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most this many rows.")]
    = DEFAULT_LIMIT,
    fmt: FormatOpt = None,
) -> None:
    """One ranked list across leads, customers, contacts and deals: exact email or phone first, then names,
    then companies. Words match from their start (alp finds Alpha); Chinese matches any part (华信 finds
    上海华信精密). A rep sees the records a rep may read: their own leads and deals, every customer and contact."""
    from salescli.services import authz
    from salescli.services import search as finder

    a = App.of(ctx)
    with a.store.read() as conn:
        rows = finder.search(conn, text, kinds=[k.value for k in kinds] if kinds else None, limit=limit,
                             rep_id=authz.search_scope(a.actor(conn)))
    output.render(rows, COLUMNS, fmt, empty=_("nothing found"))


app = command_group(single=True)
app.command("search")(search)
