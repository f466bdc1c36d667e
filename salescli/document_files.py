"""What the quote and contract commands share about the customer's document: the terms options (printed on it),
and writing it to ``--to`` (quote render, contract render)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from salescli import output
from salescli.i18n import _

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Connection

    from salescli.app import App
    from salescli.domain.documents import Document

# What the customer reads on the document (quote render / contract render); '' clears a value on revise.
PaymentTerms = Annotated[str | None, typer.Option(
    "--payment-terms", metavar="TEXT", help="e.g. '30% 预付，70% 货到付款' (default: the team's payment_terms).")]
DeliveryTerms = Annotated[str | None, typer.Option(
    "--delivery-terms", metavar="TEXT", help="e.g. '送货上门，运费卖方承担' (default: the team's delivery_terms).")]
DeliveryDate = Annotated[str | None, typer.Option("--delivery-date", metavar="DATE",
                                                  help="Promised delivery date, YYYY-MM-DD or +30d.")]
Remarks = Annotated[str | None, typer.Option(
    "--remarks", metavar="TEXT", help="Remarks printed for the customer (unlike --note, which stays internal).")]
LangOpt = Annotated[str | None, typer.Option(
    "--lang", metavar="zh|en|bilingual", help="Language of the document (default: the document_language setting).")]
DOCUMENT_SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".pdf": "pdf"}


def terms(a: App, *, base: date, payment_terms: str | None, delivery_terms: str | None,
          delivery_date: str | None, remarks: str | None, defaults: bool) -> dict[str, object]:
    """The terms options as the services take them; ``defaults``: fill unset terms from the team settings."""
    values: dict[str, object] = {"payment_terms": payment_terms, "delivery_terms": delivery_terms,
                                 "remarks": remarks,
                                 "delivery_date": a.parse_day(delivery_date, field="--delivery-date", base=base)
                                 if delivery_date else None}
    if defaults:
        for key in ("payment_terms", "delivery_terms"):
            if values[key] is None:
                values[key] = a.config(key)
    return values


def write_document(a: App, kind: str, to: Path, *, force: bool, lang: str | None,
                   build: Callable[[Connection, str, dict[str, object]], Document]) -> None:
    """quote render and contract render: the document in the format --to's suffix names, written by the rules of
    salescli.files. A PDF is refused (exit 1, naming the package to install) if the fonts here lack a character."""
    from salescli import documents, pdf_fonts
    from salescli.domain.documents import parse_language
    from salescli.errors import InputError
    from salescli.services.documents import SELLER_KEYS

    fmt = DOCUMENT_SUFFIXES.get(to.suffix.lower())
    if fmt is None:
        raise InputError(_("--to: {name} must end in .pdf, .html or .md").format(name=repr(to.name)))
    language = parse_language(lang, field="--lang") if lang else parse_language(
        a.config("document_language"), field="document_language")
    template, font = a.config(f"{kind}_template"), a.config("pdf_font")
    inputs = [Path(p).expanduser() for p in (template, font) if p]  # never overwritten by --to, even with --force
    a.check_output(to, option="--to", force=force, inputs=inputs)
    with a.store.read() as conn:
        doc = build(conn, language, {key: a.config(key) for key in SELLER_KEYS})
    for warning in doc.warnings:
        output.warn(warning)
    if fmt == "pdf":
        data = documents.pdf(doc, fonts=pdf_fonts.choose(doc.characters(), font))
        with a.output_file(to, option="--to", force=force, binary=True, inputs=inputs) as fh:
            fh.write(data)
    else:
        text = documents.markdown(doc) if fmt == "md" else documents.html(
            doc, template=template, setting=f"{kind}_template")
        with a.output_file(to, option="--to", force=force, newline=None, inputs=inputs) as fh:
            fh.write(text)
    output.message(_("wrote {path}").format(path=to))
