"""The translation catalog: extract every message id, update the Chinese catalog, merge translations, compile.

    python tools/catalog.py extract          # print the message ids found (count, and new/unused against the .po)
    python tools/catalog.py update           # add new ids to salescli/locale/zh_CN/LC_MESSAGES/salescli.po,
                                             # mark ids no longer used obsolete (their translations are kept)
    python tools/catalog.py merge F.json ... # fill untranslated (or fuzzy) entries from {"English": "中文"} files
    python tools/catalog.py compile          # .po -> .mo (the install does this too: setup.py)
    python tools/catalog.py missing          # ids without a translation, or with other placeholders

Message ids come from two places: the code (``_()``, ``N_()``, ``ngettext()`` and the headers of ``Col(key,
header)``, read by Babel's extractor) and the command tree (every help text a command, option or argument shows,
read from the loaded Typer apps, as ``--help`` prints them).
"""

from __future__ import annotations

import json
import string
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "salescli"
PO = PACKAGE / "locale" / "zh_CN" / "LC_MESSAGES" / "salescli.po"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "Col": (2,)}


def code_messages() -> dict[str, list[tuple[str, int]]]:
    """Message ids marked in the code → where (file, line)."""
    from babel.messages.extract import extract_from_dir

    found: dict[str, list[tuple[str, int]]] = {}
    method_map = [("**.py", "python")]
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(PACKAGE), method_map=method_map, keywords=KEYWORDS, comment_tags=(), strip_comment_tags=True):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found.setdefault(text, []).append((f"salescli/{filename}", lineno))
    return found


def help_messages() -> dict[str, list[tuple[str, int]]]:
    """Every help text of the command tree (the root, each group, each command, each option and argument)."""
    sys.path.insert(0, str(ROOT))
    import typer.main

    from salescli import cli
    from salescli.commands import COMMANDS, load
    from salescli.help_text import help_texts, walk

    found: dict[str, list[tuple[str, int]]] = {}

    def add(text: str, where: str) -> None:
        found.setdefault(text, []).append((where, 0))

    root = typer.main.get_command(cli.app)
    for text in help_texts(root):
        add(text, "salescli --help")
    for name, (_target, short) in COMMANDS.items():
        add(short, "salescli --help")
        for path, command in walk(load(name), (name,)):
            for text in help_texts(command):
                add(text, "salescli " + " ".join(path))
    return found


def extract() -> dict[str, list[tuple[str, int]]]:
    messages = code_messages()
    for text, where in help_messages().items():
        messages.setdefault(text, []).extend(where)
    return messages


def placeholders(text: str) -> set[str]:
    """The named fields of a brace-format message (``{id}``, ``{name!r}`` as ``name``)."""
    try:
        return {field for _lit, field, _spec, _conv in string.Formatter().parse(text) if field is not None}
    except ValueError:  # not a format string (a help text with a lone brace): no fields
        return set()


def read_po() -> object:
    from babel.messages.pofile import read_po

    with PO.open("rb") as fh:
        return read_po(fh, locale="zh_CN", domain="salescli")


def write_po(catalog: object) -> None:
    from babel.messages.pofile import write_po

    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as fh:
        write_po(fh, catalog, width=0, sort_output=True, include_previous=False)  # type: ignore[arg-type]


def update() -> tuple[int, int]:
    """Add new ids, keep translations, move unused ids to obsolete. Returns (new, obsolete) counts."""
    from babel.messages.catalog import Catalog

    template = Catalog(locale="zh_CN", domain="salescli", project="salescli", charset="utf-8")
    for text, where in extract().items():
        template.add(text, locations=[(f, n) for f, n in where if n][:3],
                     flags=["python-brace-format"] if placeholders(text) else [])
    if PO.exists():
        catalog = read_po()
        before = {m.id for m in catalog if m.id}  # type: ignore[attr-defined]
        catalog.update(template, no_fuzzy_matching=True)  # type: ignore[attr-defined]
    else:
        catalog, before = template, set()
        catalog.locale = "zh_CN"  # type: ignore[assignment]
    new = len({m.id for m in template if m.id} - before)
    write_po(catalog)
    return new, len(catalog.obsolete)  # type: ignore[attr-defined]


def merge(files: Iterable[str], *, overwrite: bool = False) -> int:
    """Fill entries from JSON files of {"English": "中文"}; returns how many were filled."""
    catalog = read_po()
    filled = 0
    for name in files:
        for msgid, msgstr in json.loads(Path(name).read_text(encoding="utf-8")).items():
            message = catalog.get(msgid)  # type: ignore[attr-defined]
            if message is None or not msgstr:
                continue
            if overwrite or not message.string or message.fuzzy:
                message.string = msgstr
                message.flags.discard("fuzzy")
                filled += 1
    write_po(catalog)
    return filled


def missing() -> list[str]:
    """Problems: ids the code uses that the catalog lacks or leaves untranslated, or whose translation has
    other placeholders."""
    problems = []
    catalog = read_po()
    for text in sorted(extract()):
        message = catalog.get(text)  # type: ignore[attr-defined]
        if message is None or not message.string:
            problems.append(f"untranslated: {text!r}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {text!r}")
        elif placeholders(text) != placeholders(message.string):
            problems.append(f"placeholders differ: {text!r} -> {message.string!r}")
    return problems


def compile_catalogs(package: Path = PACKAGE) -> list[Path]:
    """Every locale/*/LC_MESSAGES/*.po under ``package`` compiled to the .mo beside it."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted((package / "locale").glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)
        written.append(mo)
    return written


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "missing"
    if command == "extract":
        messages = extract()
        known = {m.id for m in read_po() if m.id} if PO.exists() else set()  # type: ignore[attr-defined]
        print(f"{len(messages)} message ids; {len(set(messages) - known)} not in the catalog; "
              f"{len(known - set(messages))} in the catalog but unused")
    elif command == "update":
        new, obsolete = update()
        print(f"{PO.relative_to(ROOT)}: {new} new, {obsolete} obsolete")
    elif command == "merge":
        print(f"filled {merge(argv[1:])} entries")
    elif command == "compile":
        for mo in compile_catalogs():
            print(mo.relative_to(ROOT))
    elif command == "missing":
        problems = missing()
        print("\n".join(problems) if problems else "complete")
        return 1 if problems else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
