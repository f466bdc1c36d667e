"""needs confirm/show (step 3): a guided intake on a terminal, or flags / a file for scripts."""

from __future__ import annotations

import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from salescli import output
from salescli.app import App
from salescli.i18n import N_, _
from salescli.options import DateOpt, FormatOpt, command_group
from salescli.output import Col

if TYPE_CHECKING:
    from salescli.domain.needs import Intake

app = command_group()

ITEM_COLUMNS = [Col("sku", "sku"), Col("name", "name"), Col("qty", "qty", True),
                Col("target_price", "target price", True), Col("list_price", "list price", True),
                Col("line_value", "list value", True), Col("lead_time_days", "lead days", True), Col("spec", "spec")]
FINDING_COLUMNS = [Col("kind", "finding"), Col("message", "detail")]
LABELS = {"deal_id": N_("deal id"), "list_value": N_("list value"), "deliver_by": N_("deliver by"),
          "decision_maker": N_("decision maker"), "confirmed_at": N_("confirmed at")}

DealArg = Annotated[str, typer.Argument(help="Deal id.")]


def _read_file(path: Path, *, today: Any) -> Intake:
    """A needs file: JSON (.json) or YAML (.yaml/.yml); see ``needs confirm --help`` for the shape."""
    import json

    from salescli.domain.needs import intake_from_mapping
    from salescli.errors import InputError

    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        message = _("--from: cannot read {path}: {reason}").format(path=path, reason=error.strerror)
        raise InputError(message) from None
    except UnicodeDecodeError:
        raise InputError(_("--from: {path} is not UTF-8 text").format(path=path)) from None
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except (ValueError, ImportError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        kind = path.suffix.lstrip(".").upper() or "JSON"
        message = _("--from: {path} is not valid {kind}: {error}").format(path=path, kind=kind, error=first)
        raise InputError(message) from None
    except Exception as error:  # yaml.YAMLError without importing yaml at module level
        message = _("--from: {path} is not valid YAML: {error}").format(path=path, error=str(error).splitlines()[0])
        raise InputError(message) from None
    return intake_from_mapping(data, today=today, source=str(path))


def _interactive(a: App, deal_id: int, intake: Intake, at: datetime) -> Intake | None:
    """Ask for what is missing, show a summary with the findings, and ask to save. None means 'do not save'."""
    from salescli import prompts
    from salescli.domain import fields
    from salescli.domain.catalog import ItemSpec, parse_qty
    from salescli.domain.money import parse_amount
    from salescli.errors import PolicyError
    from salescli.services import deals, needs, products

    with a.store.read() as conn:
        deal = deals.get_open(conn, deal_id)
        catalog = products.listing(conn, include_inactive=True)
    active = [p for p in catalog if p["active"]]
    if not active:
        raise PolicyError(_("the product catalog is empty: add products first (salescli product add)"))
    by_sku = {p["sku"]: p for p in catalog}
    by_choice = {f"{p['sku']} · {p['name']}": p for p in active}
    meta = {k: _("{category} · {price} · {days} days").format(category=p["category"] or "-",
                                                              price=f"{p['price']:,.2f}", days=p["lead_time_days"])
            for k, p in by_choice.items()}
    output.message(_("Needs for deal {id}: {title}  (Ctrl-C at any time: nothing is saved)")
                   .format(id=deal_id, title=deal["title"]))

    items = list(intake.items)
    while not items or (not intake.items and prompts.confirm(_("Add another item?"), default=False)):
        picked = prompts.choose(_("Product (type part of SKU or name):"), [*by_choice, *(p["sku"] for p in active)],
                                meta=meta)
        product = by_choice.get(picked) or by_sku[picked]
        qty = parse_qty(prompts.text(_("Quantity of {sku}:").format(sku=product["sku"]), parse=parse_qty))
        price_text = prompts.text(_("Target unit price (list {price}; Enter to skip):")
                                  .format(price=f"{product['price']:,.2f}"),
                                  parse=lambda t: parse_amount(t, field="price"), required=False)
        spec = prompts.text(_("Specification notes (Enter to skip):"), required=False,
                            parse=lambda t: fields.text("need_items", "spec", t, field="spec"))
        items.append(ItemSpec(product["sku"], qty, parse_amount(price_text) if price_text else None, spec or None))
    value = sum((by_sku[i.sku]["price"] * i.qty for i in items if i.sku in by_sku), start=Decimal(0))
    budget = intake.budget
    if budget is None:
        question = _("Budget (list value of the items: {value}):").format(value=f"{value:,.2f}")
        budget = parse_amount(prompts.text(question, parse=lambda t: parse_amount(t, field="budget")))
    deliver_by = intake.deliver_by
    if deliver_by is None:
        def day(text: str) -> Any:
            return a.parse_day(text, field="deliver-by", base=at.date())

        deliver_by = day(prompts.text(_("Deliver by (YYYY-MM-DD, +30d, +6w):"), parse=day))
    decision_maker = intake.decision_maker
    if decision_maker is None:
        decision_maker = prompts.text(_("Decision maker (Enter to skip):"), required=False,
                                      parse=lambda t: fields.text("needs", "decision_maker", t,
                                                                  field="decision maker")) or None
    notes = intake.notes
    if notes is None:
        notes = prompts.text(_("Pains / notes (Enter to skip):"), required=False,
                             parse=lambda t: fields.text("needs", "notes", t, field="notes")) or None
    result = type(intake)(items=items, budget=budget, deliver_by=deliver_by, decision_maker=decision_maker,
                          notes=notes)
    with a.store.read() as conn:
        _checked, findings = needs.check(conn, result, today=at)  # an unknown SKU from a flag stops here
    summary = [{"sku": i.sku, "name": by_sku[i.sku]["name"], "qty": i.qty, "target_price": i.target_price,
                "list_price": by_sku[i.sku]["price"], "line_value": by_sku[i.sku]["price"] * i.qty,
                "lead_time_days": by_sku[i.sku]["lead_time_days"], "spec": i.spec} for i in items]
    output.render(summary, ITEM_COLUMNS, None, stream=sys.stderr, title=_("items"))
    output.message(_("budget {budget} · deliver by {day} · decision maker {who}")
                   .format(budget=f"{budget:,.2f}", day=deliver_by.isoformat(), who=decision_maker or "-"))
    for finding in findings:
        output.warn(finding.message)
    return result if prompts.confirm(_("Save these needs?"), default=True) else None


@app.command("confirm")
def confirm(
    ctx: typer.Context,
    deal: DealArg,
    item: Annotated[list[str] | None, typer.Option(
        "--item", metavar="SKU:QTY[:TARGET_PRICE]", help="A requested item; repeat for several.")] = None,
    budget: Annotated[str | None, typer.Option("--budget", metavar="AMOUNT", help="The customer's budget.")] = None,
    deliver_by: Annotated[str | None, typer.Option(
        "--deliver-by", metavar="DATE", help="Needed by: YYYY-MM-DD or +30d (from --date).")] = None,
    decision_maker: Annotated[str | None, typer.Option("--decision-maker", metavar="NAME",
                                                       help="Who decides.")] = None,
    notes: Annotated[str | None, typer.Option("--notes", help="Pains, context, anything else.")] = None,
    from_file: Annotated[Path | None, typer.Option(
        "--from", metavar="FILE", help="Read the needs from a JSON or YAML file (flags override it).")] = None,
    date: DateOpt = None, fmt: FormatOpt = None,
) -> None:
    """Confirm the customer's needs for a deal and move it to needs_confirmed; prints the needs id.

    On a terminal, whatever is missing is asked for (product autocomplete, checks as you type, a summary to
    confirm). With --no-input or without a terminal, missing --item, --budget or --deliver-by is an error.
    Findings (lead time too long for the date, budget below list value, inactive product, target below cost)
    are printed and stored. An unknown SKU is an error with close matches.

    File shape: {"items": [{"sku": "AB-100", "qty": 2, "target_price": "950.00", "spec": "..."}],
    "budget": "5000.00", "deliver_by": "2026-12-20", "decision_maker": "...", "notes": "..."}
    """
    from salescli import prompts
    from salescli.domain import fields
    from salescli.domain.catalog import parse_item
    from salescli.domain.money import parse_amount
    from salescli.domain.needs import Intake
    from salescli.services import needs
    from salescli.services.ids import parse_id

    a = App.of(ctx)
    at = a.moment(date)
    deal_id = parse_id(deal, "deal")
    intake = Intake(
        items=[parse_item(text) for text in item or []],
        budget=parse_amount(budget, field="--budget") if budget else None,
        deliver_by=a.parse_day(deliver_by, field="--deliver-by", base=at.date()) if deliver_by else None,
        decision_maker=fields.text("needs", "decision_maker", decision_maker, field="--decision-maker"),
        notes=fields.text("needs", "notes", notes, field="--notes"),
    )
    if from_file is not None:
        intake = intake.merged(_read_file(from_file, today=at.date()))
    missing = intake.missing()
    if missing:
        if not a.input_allowed():
            raise prompts.refuse(missing)
        answered = _interactive(a, deal_id, intake, at)
        if answered is None:
            output.message(_("not saved"))
            return
        intake = answered
    with a.store.write() as conn:
        record = needs.confirm(conn, deal_id, intake, at=at, actor=a.actor(conn))
    if fmt == output.Format.json:
        output.render_record(record, fmt)
        return
    for finding in record["findings"]:
        output.warn(finding["message"])
    output.message(_("needs confirmed for deal {id}: {count} item(s), list value {value}, budget {budget}")
                   .format(id=deal_id, count=len(record["items"]), value=f"{record['list_value']:,.2f}",
                           budget=f"{record['budget']:,.2f}"))
    output.emit_id(record["id"])


@app.command("show")
def show(ctx: typer.Context, deal: DealArg, fmt: FormatOpt = None) -> None:
    """Show the deal's confirmed needs: items, budget, deadline and feasibility findings."""
    from salescli.services import needs
    from salescli.services.ids import parse_id

    with App.of(ctx).store.read() as conn:
        record = needs.get(conn, parse_id(deal, "deal"))
    output.render_record(record, fmt, labels=LABELS, sections={"items": (record["items"], ITEM_COLUMNS),
                                                               "findings": (record["findings"], FINDING_COLUMNS)})
