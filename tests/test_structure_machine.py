"""One check of a typed state name: Machine.parse, for transitions, listing filters and the import's status column;
no hand-written copy of it is left in the package."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from salescli.domain.pipeline import CONTRACT, DEAL, LEAD, ORDER, QUOTE, TICKET, Machine
from salescli.errors import InputError

KINDS = [(LEAD, "a lead status"), (DEAL, "a deal stage"), (QUOTE, "a quote status"),
         (CONTRACT, "a contract status"), (ORDER, "an order status"), (TICKET, "a ticket status")]


@pytest.mark.parametrize(("machine", "kind"), KINDS)
def test_parse_names_the_option_or_the_record(machine: Machine, kind: str) -> None:
    first = machine.order[0]
    assert machine.parse(f"  {first.upper()} ", field="--status") == first  # trimmed, any case
    states = ", ".join(machine.order)
    with pytest.raises(InputError) as by_field:
        machine.parse("bogus", field="--status")
    assert by_field.value.message == f"--status: 'bogus' is not {kind} (one of {states})"
    assert by_field.value.exit_code == 2
    with pytest.raises(InputError) as by_record:
        machine.parse("bogus", label=f"{machine.name} 7")
    assert by_record.value.message == f"{machine.name} 7: unknown status 'bogus' (one of {states})"


def test_no_hand_written_state_check_is_left() -> None:
    package = Path(__file__).resolve().parent.parent / "salescli"
    copies = [f"{path.relative_to(package)}:{number}"
              for path in package.rglob("*.py") if path.name != "pipeline.py"
              for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
              if re.search(r"\bnot in [A-Z_]+\.(states|order)\b", line)]
    assert copies == [], f"use Machine.parse: {copies}"


def test_import_status_column_uses_it() -> None:
    from datetime import datetime

    from salescli.importers.fields import SPECS, Context

    check = SPECS["leads"].fields["status"](Context(now=datetime(2026, 11, 30), region="CN", reps={}))
    assert check(" Contacted ") == {"status": "contacted"} and check("") == {"status": "new"}
    with pytest.raises(InputError, match=r"^status: 'hot' is not a lead status \(one of new, "):
        check("hot")
