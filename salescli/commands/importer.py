"""import ENTITY FILE: batch import with encoding detection, header mapping, validation and dedupe."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from salescli import output
from salescli.app import App
from salescli.i18n import _
from salescli.options import InputFormatOpt, SheetOpt, command_group

app = command_group(single=True)


class Entity(StrEnum):
    leads = "leads"
    customers = "customers"
    contacts = "contacts"
    products = "products"


def _mappings_file() -> Path:
    from salescli.settings import config_path

    return config_path().with_name("mappings.json")


def _read_mappings(path: Path) -> dict[str, dict[str, str]]:
    """The saved mappings, or one clear line if the file was damaged or edited into something else."""
    import json

    from salescli.errors import InputError

    if not path.exists():
        return {}
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, RecursionError) as error:
        message = _("{path}: not a mappings file ({error}); fix or remove it").format(path=path, error=error)
        raise InputError(message) from None
    if not isinstance(saved, dict) or not all(isinstance(v, dict) and all(isinstance(x, str) for x in v.values())
                                              for v in saved.values()):
        raise InputError(_("{path}: not a mappings file (expected {shape}); fix or remove it")
                         .format(path=path, shape='{"NAME": {"header": "field"}}'))
    return saved


def _saved(name: str) -> dict[str, str]:
    from salescli.errors import NotFound

    saved = _read_mappings(_mappings_file())
    if name not in saved:
        raise NotFound(_("--mapping: no saved mapping {name} (save one with --save-mapping {plain})")
                       .format(name=repr(name), plain=name))
    return dict(saved[name])


def _save(name: str, mapping: dict[str, str], database: Path | None) -> None:
    import json

    from salescli import files

    path = _mappings_file()
    saved = _read_mappings(path)
    saved[name] = mapping
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    files.write_text(path, json.dumps(saved, ensure_ascii=False, indent=2), option="--save-mapping", force=True,
                     database=database)


@app.command("import")
def import_(
    ctx: typer.Context,
    entity: Annotated[Entity, typer.Argument(help="What the file holds.")],
    file: Annotated[Path, typer.Argument(help="CSV, JSON (array of objects), JSON Lines or an Excel workbook "
                                              "(.xlsx).")],
    map_: Annotated[list[str] | None, typer.Option(
        "--map", metavar="HEADER=field", help="Map a file header to a field (HEADER=- ignores it). Repeatable.")]
    = None,
    mapping: Annotated[str | None, typer.Option("--mapping", metavar="NAME", help="Use a saved mapping.")] = None,
    save_mapping: Annotated[str | None, typer.Option("--save-mapping", metavar="NAME",
                                                     help="Save this run's --map pairs under NAME.")] = None,
    set_: Annotated[list[str] | None, typer.Option(
        "--set", metavar="field=VALUE", help="Give every row this value, e.g. --set source=exhibition.")] = None,
    encoding: Annotated[str | None, typer.Option("--encoding", help="Default: detected (UTF-8, UTF-8 BOM, GBK).")]
    = None,
    input_format: InputFormatOpt = None, sheet: SheetOpt = None,
    key: Annotated[list[str] | None, typer.Option(
        "--key", help="Field(s) that identify a duplicate (default: email and phone; customers: name; products: "
                      "sku).")] = None,
    update: Annotated[bool, typer.Option("--update", help="Update the existing records a row duplicates "
                                                          "(default: skip them).")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check everything and print the plan; change "
                                                            "nothing.")] = False,
    skip_invalid: Annotated[bool, typer.Option("--skip-invalid", help="Import the good rows; bad ones go to "
                                                                      "--rejects.")] = False,
    rejects: Annotated[Path | None, typer.Option("--rejects", metavar="FILE", help="Where --skip-invalid writes "
                                                                                   "the bad rows and why.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace the --rejects file if it exists.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Import records, all or nothing: any invalid row → every problem listed as FILE:LINE: column: message,
    nothing imported (exit 2). Re-running never duplicates (normalized email/phone, or --key); prints the plan:
    rows added, updated, skipped as duplicates, rejected."""
    from salescli.importers.reader import with_sheet
    from salescli.services import imports

    input_format = with_sheet(input_format, sheet)
    imports.check_options(skip_invalid=skip_invalid, rejects=rejects)  # before a saved mapping is read
    a = App.of(ctx)
    pairs = {**(_saved(mapping) if mapping else {}), **imports.pairs(map_, "--map")}
    request = imports.Request(entity=entity.value, file=file, mapping=pairs, constants=imports.pairs(set_, "--set"),
                              keys=tuple(key) if key else None, update=update, dry_run=dry_run,
                              skip_invalid=skip_invalid, rejects=rejects, force=force, encoding=encoding,
                              input_format=input_format, quiet=quiet)
    done = imports.import_file(request, store=a.store, database=a.database_file(), now=a.moment(None),
                               config=a.config, actor=a.actor)
    if save_mapping:
        _save(save_mapping, pairs, a.database_file())
    output.message(done)
