"""Quotes (step 5): priced from the catalog or the confirmed needs, revised while negotiating, approved when
they break the discount policy, then sent, accepted, rejected or left to expire."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Connection, func, insert, select, update

from salescli import models, records
from salescli.domain import fields, pricing
from salescli.domain.catalog import parse_sku
from salescli.domain.dates import require_in_order
from salescli.domain.money import bp_to_pct, from_minor, pct_to_bp, to_minor
from salescli.domain.pipeline import QUOTE, quote_status
from salescli.errors import InputError, InvalidTransition, NotFound, PolicyError
from salescli.i18n import _
from salescli.services import deals, products
from salescli.services.audit import audit
from salescli.services.authz import Actor, handle_of, id_of
from salescli.services.numbers import next_number, parse_document_number
from salescli.services.rows import insert_id

Quote = models.quotes
QuoteLine = models.quote_lines
Deal = models.deals
Customer = models.customers
Rep = models.reps


def parse_number(text: str) -> str:
    return parse_document_number(text, "Q", "quote")


def _catalog_lines(conn: Connection, skus: Sequence[str]) -> dict[str, pricing.Line]:
    found = products.resolve(conn, skus)
    inactive = sorted(sku for sku, p in found.items() if not p["active"])
    if inactive:
        raise PolicyError(_("{skus} no longer sold (inactive); it cannot be quoted").format(skus=", ".join(inactive)))
    return {sku: pricing.Line(sku=sku, name=p["name"], qty=1, unit_price=p["price"], list_price=p["price"],
                              unit_cost=p["cost"]) for sku, p in found.items()}


def _pct(bp: int) -> Decimal:
    value = bp_to_pct(bp)
    assert value is not None
    return value


def get_row(conn: Connection, number: str, revision: int | None = None) -> records.QuoteRow:
    query = select(Quote).where(Quote.c.number == number)
    query = query.where(Quote.c.revision == revision) if revision else query.order_by(Quote.c.revision.desc())
    row = conn.execute(query.limit(1)).mappings().first()
    if row is None:
        exists = revision and conn.execute(select(Quote.c.id).where(Quote.c.number == number)).first()
        missing = _("quote {number} has no revision {revision}") if exists else _("quote {number} not found")
        raise NotFound(missing.format(number=number, revision=revision))
    return cast(records.QuoteRow, dict(row))


def _lines(conn: Connection, quote_id: int) -> list[pricing.Line]:
    rows = conn.execute(select(QuoteLine).where(QuoteLine.c.quote_id == quote_id)
                        .order_by(QuoteLine.c.position)).mappings()
    out = []
    for r in rows:
        unit, listed, cost = (from_minor(r["unit_price_minor"]), from_minor(r["list_price_minor"]),
                              from_minor(r["unit_cost_minor"]))
        assert unit is not None and listed is not None and cost is not None
        out.append(pricing.Line(sku=r["sku"], name=r["name"], qty=r["qty"], unit_price=unit, list_price=listed,
                                unit_cost=cost, line_discount=_pct(r["line_discount_bp"])))
    return out


TERMS = ("payment_terms", "delivery_terms", "delivery_date", "remarks")


def clean_terms(table: str, values: Mapping[str, Any], *, dated: date) -> dict[str, Any]:
    """The customer-facing terms given (None: not given; '' clears a text): payment and delivery terms, remarks
    (checked by the field table) and a delivery date, which may not come before the document's date."""
    out: dict[str, Any] = {}
    for key in TERMS:
        value = values.get(key)
        if value is None:
            continue
        if key == "delivery_date":
            if value < dated:
                raise InputError(_("--delivery-date: {date} is before the document's date {dated}").format(
                    date=f"{value:%Y-%m-%d}", dated=f"{dated:%Y-%m-%d}"))
            out[key] = value
        else:
            out[key] = fields.text(table, key, value, field=f"--{key.replace('_', '-')}")
    return out


def carried_terms(old: Mapping[str, Any], day: date) -> dict[str, Any]:
    """The terms a new revision (or the contract) takes over; a promised delivery date that has passed is not
    carried: a new one must be agreed."""
    carried = {key: old[key] for key in TERMS}
    if carried["delivery_date"] is not None and carried["delivery_date"] < day:
        carried["delivery_date"] = None
    return carried


def _insert_revision(conn: Connection, *, number: str, revision: int, deal: records.DealRow,
                     lines: list[pricing.Line], discount: Decimal, tax_rate: Decimal, valid_until: date,
                     note: str | None, at: datetime, actor: Actor | None, policy: pricing.Policy,
                     currency: str, terms: Mapping[str, Any],
                     kept: Mapping[str, tuple[str | None, str | None]] | None = None) -> int:
    totals = pricing.price(lines, discount=discount, tax_rate=tax_rate)
    pricing.check_limits(lines, totals)
    reasons = pricing.approval_reasons(totals, policy)
    quote_id = insert_id(conn, Quote, {
        "number": number, "revision": revision, "deal_id": deal["id"], "status": "draft", "currency": currency,
        "discount_bp": pct_to_bp(discount), "tax_rate_bp": pct_to_bp(tax_rate),
        "subtotal_minor": to_minor(totals.subtotal), "discount_minor": to_minor(totals.discount),
        "net_minor": to_minor(totals.net), "tax_minor": to_minor(totals.tax), "total_minor": to_minor(totals.total),
        "list_minor": to_minor(totals.list_value), "cost_minor": to_minor(totals.cost), "valid_until": valid_until,
        "needs_approval": bool(reasons), "approval_reason": "; ".join(reasons) or None, "note": note,
        "rep_id": id_of(actor), "created_at": at, **{key: terms.get(key) for key in TERMS}})
    Product = models.products
    catalog = {found.sku: found for found in conn.execute(
        select(Product.c.sku, Product.c.id, Product.c.spec, Product.c.unit)
        .where(Product.c.sku.in_([line.sku for line in lines]))).all()}
    kept = kept or {}

    def described(sku: str) -> tuple[str | None, str | None]:
        """A line keeps the spec and unit it was first offered with; a new line (or one offered without either)
        takes the catalog's."""
        if any(kept.get(sku, (None, None))):
            return kept[sku]
        found = catalog.get(sku)
        return (found.spec, found.unit) if found is not None else (None, None)

    conn.execute(insert(QuoteLine), [
        {"quote_id": quote_id, "position": n, "product_id": catalog[line.sku].id if line.sku in catalog else None,
         "sku": line.sku, "name": line.name, "qty": line.qty, "unit_price_minor": to_minor(line.unit_price),
         "list_price_minor": to_minor(line.list_price), "unit_cost_minor": to_minor(line.unit_cost),
         "line_discount_bp": pct_to_bp(line.line_discount), "net_minor": to_minor(line.net),
         "spec": described(line.sku)[0], "unit": described(line.sku)[1]}
        for n, line in enumerate(lines, 1)])
    # the deal's value follows its current quote by itself (services/deals.value_column): nothing to copy
    conn.execute(update(Deal).where(Deal.c.id == deal["id"]).values(updated_at=at))
    return quote_id


def create(conn: Connection, deal_id: int, *, specs: Sequence[pricing.LineSpec], from_needs: bool,
           discount: Decimal, tax_rate: Decimal, valid_days: int, at: datetime, actor: Actor | None,
           policy: pricing.Policy, currency: str,
           terms: Mapping[str, Any] | None = None) -> str:
    """A new quote (revision 1, a draft). ``terms``: payment/delivery terms, delivery date and remarks for the
    customer (the team's default terms fill what is not given)."""
    deal = deals.get_open(conn, deal_id, actor=actor, at=at, doing=_("deal {id}: quote created").format(id=deal_id))
    base: list[pricing.Line] = []
    if from_needs:
        from salescli.services import needs

        current = needs.get(conn, deal_id)
        catalog = _catalog_lines(conn, [i["sku"] for i in current["items"]])
        base = [replace(catalog[i["sku"]], qty=i["qty"]) for i in current["items"]]
    elif not specs:
        raise InputError(_("give the lines: --item SKU:QTY[:UNIT_PRICE[:LINE_PCT]] (repeat) or --from-needs"))
    catalog = _catalog_lines(conn, [s.sku for s in specs]) if specs else {}
    lines = pricing.apply_specs(base, specs, catalog)
    cleaned = clean_terms("quotes", terms or {}, dated=at.date())
    number = next_number(conn, "Q", at.year)
    _insert_revision(conn, number=number, revision=1, deal=deal, lines=lines, discount=discount, tax_rate=tax_rate,
                     valid_until=at.date() + timedelta(days=valid_days), note=None, at=at, actor=actor,
                     policy=policy, currency=currency, terms=cleaned)
    audit(conn, at=at, rep=handle_of(actor), entity="quote", entity_id=number, action="create",
          after={"revision": 1, "deal_id": deal_id, "lines": [f"{line.sku}:{line.qty}" for line in lines]})
    return number


def revise(conn: Connection, number: str, *, specs: Sequence[pricing.LineSpec], remove: Sequence[str],
           discount: Decimal | None, tax_rate: Decimal | None, valid_days: int | None, note: str | None,
           at: datetime, actor: Actor | None, policy: pricing.Policy,
           terms: Mapping[str, Any] | None = None) -> int:
    """A new draft revision from the latest one, which becomes superseded; the deal moves to negotiation."""
    old = get_row(conn, number)
    if old["status"] not in ("draft", "sent"):  # an expired draft or sent quote may be revised: that renews it
        raise InvalidTransition(_("quote {number} is {status}; only a draft or sent quote can be revised").format(
            number=number, status=old["status"]))
    QUOTE.check(old["status"], "superseded", label=_("quote {number}").format(number=number))
    require_in_order(at, _("quote {number} revised").format(number=number), *_events(old))
    deal = deals.get_open(conn, old["deal_id"], actor=actor)
    signed = conn.execute(select(models.contracts.c.number).where(models.contracts.c.deal_id == deal["id"],
                                                                   models.contracts.c.status == "signed")).first()
    if signed:
        raise InvalidTransition(_("deal {id} has signed contract {contract}; its quotes cannot change").format(
            id=deal["id"], contract=signed.number))
    lines = _lines(conn, old["id"])
    for sku in (parse_sku(s, field="--remove") for s in remove):
        if not any(line.sku == sku for line in lines):
            raise InputError(_("--remove: {sku} is not on quote {number}").format(sku=sku, number=number))
        lines = [line for line in lines if line.sku != sku]
    new_skus = [s.sku for s in specs if not any(line.sku == s.sku for line in lines)]
    lines = pricing.apply_specs(lines, specs, _catalog_lines(conn, new_skus) if new_skus else {})
    changed_terms = clean_terms("quotes", terms or {}, dated=at.date())
    if not (specs or remove or discount is not None or tax_rate is not None or valid_days is not None or note
            or changed_terms):
        raise InputError(_("nothing to revise: give --item, --remove, --discount, --tax-rate, --valid-days, --note "
                           "or new terms (--payment-terms, --delivery-terms, --delivery-date, --remarks)"))
    kept = {r.sku: (r.spec, r.unit) for r in conn.execute(select(QuoteLine.c.sku, QuoteLine.c.spec, QuoteLine.c.unit)
                                                          .where(QuoteLine.c.quote_id == old["id"]))}
    valid_until = at.date() + timedelta(days=valid_days) if valid_days is not None else max(old["valid_until"],
                                                                                            at.date())
    conn.execute(update(Quote).where(Quote.c.id == old["id"]).values(status="superseded"))
    revision = int(old["revision"]) + 1
    _insert_revision(
        conn, number=number, revision=revision, deal=deal, lines=lines,
        discount=discount if discount is not None else _pct(old["discount_bp"]),
        tax_rate=tax_rate if tax_rate is not None else _pct(old["tax_rate_bp"]),
        valid_until=valid_until, note=fields.text("quotes", "note", note, field="--note") if note else None, at=at,
        actor=actor, policy=policy, currency=old["currency"],
        terms={**carried_terms(old, at.date()), **changed_terms}, kept=kept)
    deals.advance(conn, deal, "negotiation", at=at, note=f"{number} revision {revision}", actor=actor,
                  doing=_("deal {id}: {number} revision {revision}").format(id=deal["id"], number=number,
                                                                            revision=revision))
    audit(conn, at=at, rep=handle_of(actor), entity="quote", entity_id=number, action="revise",
          before={"revision": old["revision"]}, after={"revision": revision})
    return revision


def _events(row: records.QuoteRow) -> list[tuple[datetime | None, str]]:
    """A quote revision's events so far, for the dates-in-order rule: made, approved, sent (translated)."""
    made = (_("it was created") if row["revision"] == 1
            else _("revision {revision} was made").format(revision=row["revision"]))
    return [(row["created_at"], made), (row["approved_at"], _("it was approved")), (row["sent_at"], _("it was sent"))]


def _set_status(conn: Connection, number: str, target: str, *, at: datetime, actor: Actor | None,
                values: dict[str, Any] | None = None) -> records.QuoteRow:
    row = get_row(conn, number)
    status = quote_status(row["status"], row["valid_until"], at.date())
    if status == "expired" and target != "expired":
        raise InvalidTransition(_("quote {number} expired on {date}; revise it with a new "
                                  "--valid-days to renew it").format(number=number,
                                                                     date=f"{row['valid_until']:%Y-%m-%d}"))
    QUOTE.check(status, target, label=_("quote {number}").format(number=number))
    require_in_order(at, _("quote {number} {status}").format(number=number, status=target), *_events(row))
    conn.execute(update(Quote).where(Quote.c.id == row["id"]).values(status=target, **(values or {})))
    audit(conn, at=at, rep=handle_of(actor), entity="quote", entity_id=number, action=target,
          before={"status": row["status"]}, after={"status": target, **(values or {})})
    return row


def approve(conn: Connection, number: str, *, at: datetime, actor: Actor) -> list[str]:
    """Approve a draft that needs it: ``actor`` is the approving manager (authz.approver)."""
    row = get_row(conn, number)
    status = quote_status(row["status"], row["valid_until"], at.date())
    if status != "draft":
        raise InvalidTransition(_("quote {number} is {status}; only a draft can be approved").format(number=number,
                                                                                                    status=status))
    if not row["needs_approval"]:
        raise PolicyError(_("quote {number} is within the discount policy; it needs no approval").format(
            number=number))
    if row["approved_by"] is not None:
        raise InvalidTransition(_("quote {number} revision {revision} is already approved").format(
            number=number, revision=row["revision"]))
    require_in_order(at, _("quote {number} approved").format(number=number), *_events(row))
    conn.execute(update(Quote).where(Quote.c.id == row["id"]).values(approved_by=actor.id, approved_at=at))
    audit(conn, at=at, rep=actor.handle, entity="quote", entity_id=number, action="approve",
          after={"revision": row["revision"], "reason": row["approval_reason"]})
    return str(row["approval_reason"] or "").split("; ")


def send(conn: Connection, number: str, *, at: datetime, actor: Actor | None) -> None:
    row = get_row(conn, number)
    if row["needs_approval"] and row["approved_by"] is None and row["status"] == "draft":
        from salescli.services.authz import ask_manager

        hint = ask_manager(f"quote approve {number}", team=conn.dialect.name == "postgresql")
        raise PolicyError(_("quote {number} needs a manager's approval before it is sent: {reason} ({hint})").format(
            number=number, reason=row["approval_reason"], hint=hint))
    _set_status(conn, number, "sent", at=at, actor=actor, values={"sent_at": at})
    deal = deals.get_open(conn, row["deal_id"], actor=actor)
    deals.advance(conn, deal, "proposal", at=at, note=f"{number} sent", actor=actor,
                  doing=_("deal {id}: {number} sent").format(id=deal["id"], number=number))


def accept(conn: Connection, number: str, *, at: datetime, actor: Actor | None) -> None:
    row = get_row(conn, number)
    other = conn.execute(select(Quote.c.number).where(Quote.c.deal_id == row["deal_id"], Quote.c.status == "accepted",
                                                      Quote.c.number != number)).first()
    if other:
        raise PolicyError(_("deal {id} already has accepted quote {quote}; one per deal").format(id=row["deal_id"],
                                                                                                 quote=other.number))
    deals.get_open(conn, row["deal_id"], actor=actor)
    _set_status(conn, number, "accepted", at=at, actor=actor, values={"decided_at": at})


def reject(conn: Connection, number: str, *, reason: str | None, at: datetime, actor: Actor | None) -> None:
    text = fields.text("quotes", "reject_reason", reason, field="--reason") if reason else None
    deals.get_open(conn, get_row(conn, number)["deal_id"], actor=actor)
    _set_status(conn, number, "rejected", at=at, actor=actor, values={"decided_at": at, "reject_reason": text})


# -- reading ---------------------------------------------------------------------------------------------


def record(conn: Connection, number: str, *, revision: int | None = None, today: date) -> records.Quote:
    """The quote as PRODUCT.md's scripting contract shows it (plus context fields)."""
    number = parse_number(number)
    row = get_row(conn, number, revision)
    lines = _lines(conn, row["id"])
    totals = pricing.price(lines, discount=_pct(row["discount_bp"]), tax_rate=_pct(row["tax_rate_bp"]))
    context = conn.execute(select(Customer.c.name, Deal.c.title, Rep.c.handle).select_from(
        Quote.join(Deal, Deal.c.id == Quote.c.deal_id).join(Customer, Customer.c.id == Deal.c.customer_id)
        .outerjoin(Rep, Rep.c.id == Quote.c.rep_id))
        .where(Quote.c.id == row["id"])).first()
    approver = conn.execute(select(Rep.c.handle).where(Rep.c.id == row["approved_by"])).scalar() \
        if row["approved_by"] else None
    latest = conn.execute(select(func.max(Quote.c.revision)).where(Quote.c.number == number)).scalar_one()
    return {
        "number": number, "revision": row["revision"], "latest_revision": latest,
        "status": quote_status(row["status"], row["valid_until"], today), "deal_id": row["deal_id"],
        "deal": context.title if context else None, "customer": context.name if context else None,
        "lines": [{"sku": line.sku, "name": line.name, "qty": line.qty, "unit_price": line.unit_price,
                   "list_price": line.list_price, "line_discount": line.line_discount, "net": line.net}
                  for line in lines],
        "subtotal": totals.subtotal, "discount": totals.discount, "discount_pct": bp_to_pct(row["discount_bp"]),
        "net": totals.net, "tax": totals.tax, "tax_rate": bp_to_pct(row["tax_rate_bp"]), "total": totals.total,
        "currency": row["currency"], "list_value": totals.list_value,
        "effective_discount": float(totals.effective_discount),
        "margin": float(totals.margin) if totals.margin is not None else None,
        "needs_approval": bool(row["needs_approval"]), "approved": row["approved_by"] is not None,
        "approval_reasons": [r for r in (row["approval_reason"] or "").split("; ") if r],
        "approved_by": approver, "approved_at": row["approved_at"], "valid_until": row["valid_until"],
        "sent_at": row["sent_at"], "decided_at": row["decided_at"], "reject_reason": row["reject_reason"],
        "note": row["note"], "rep": context.handle if context else None, "created_at": row["created_at"],
        "payment_terms": row["payment_terms"], "delivery_terms": row["delivery_terms"],
        "delivery_date": row["delivery_date"], "remarks": row["remarks"],
    }


def listing(conn: Connection, *, today: date, status: str | None = None, deal_id: int | None = None,
            owner_id: int | None = None, expiring_within: int | None = None,
            all_revisions: bool = False) -> list[records.QuoteSummary]:
    query = (select(Quote.c.number, Quote.c.revision, Quote.c.status, Quote.c.deal_id,
                    Customer.c.name.label("customer"), Quote.c.net_minor, Quote.c.total_minor, Quote.c.currency,
                    Quote.c.valid_until, Quote.c.needs_approval, Quote.c.approved_by, Rep.c.handle.label("owner"),
                    Quote.c.created_at)
             .select_from(Quote.join(Deal, Deal.c.id == Quote.c.deal_id)
                          .join(Customer, Customer.c.id == Deal.c.customer_id)
                          .outerjoin(Rep, Rep.c.id == Deal.c.owner_id))
             .order_by(Quote.c.number.desc(), Quote.c.revision.desc()))
    if not all_revisions:
        query = query.where(Quote.c.status != "superseded")
    if deal_id is not None:
        query = query.where(Quote.c.deal_id == deal_id)
    if owner_id is not None:
        query = query.where(Deal.c.owner_id == owner_id)
    if expiring_within is not None:
        query = query.where(Quote.c.status.in_(("draft", "sent")), Quote.c.valid_until >= today,
                            Quote.c.valid_until <= today + timedelta(days=expiring_within))
    if status:
        status = QUOTE.parse(status, field="--status")
    rows: list[records.QuoteSummary] = []
    for r in conn.execute(query).mappings():
        current = quote_status(r["status"], r["valid_until"], today)
        if status and current != status:
            continue
        rows.append({"number": r["number"], "revision": r["revision"], "status": current, "deal_id": r["deal_id"],
                     "customer": r["customer"], "net": from_minor(r["net_minor"]),
                     "total": from_minor(r["total_minor"]), "currency": r["currency"],
                     "valid_until": r["valid_until"],
                     "approval": ("approved" if r["approved_by"] else "needed") if r["needs_approval"] else "",
                     "owner": r["owner"], "created_at": r["created_at"]})
    return rows


def history(conn: Connection, number: str, *, today: date) -> list[dict[str, Any]]:
    """Every revision and status change of a quote, in time order."""
    number = parse_number(number)
    rows = conn.execute(select(Quote).where(Quote.c.number == number).order_by(Quote.c.revision)).mappings().all()
    if not rows:
        raise NotFound(_("quote {number} not found").format(number=number))
    events: list[dict[str, Any]] = []
    for r in rows:
        def add(at: datetime | None, event: str, detail: str = "", row: Any = r) -> None:
            if at is not None:
                events.append({"at": at, "revision": row["revision"], "event": event, "detail": detail,
                               "total": from_minor(row["total_minor"])})

        add(r["created_at"], "created" if r["revision"] == 1 else "revised", r["note"] or "")
        if r["needs_approval"]:
            add(r["approved_at"], "approved", r["approval_reason"] or "")
        add(r["sent_at"], "sent")
        if r["status"] in ("accepted", "rejected"):
            add(r["decided_at"], r["status"], r["reject_reason"] or "")
        if quote_status(r["status"], r["valid_until"], today) == "expired":
            events.append({"at": datetime.combine(r["valid_until"] + timedelta(days=1), datetime.min.time()),
                           "revision": r["revision"], "event": "expired", "detail": "",
                           "total": from_minor(r["total_minor"])})
    events.sort(key=lambda e: (e["at"], e["revision"]))
    return events


def diff(conn: Connection, number: str, a: int | None, b: int | None, *, today: date) -> dict[str, Any]:
    """What changed between two revisions (default: the one before the latest, and the latest)."""
    number = parse_number(number)
    latest = conn.execute(select(func.max(Quote.c.revision)).where(Quote.c.number == number)).scalar()
    if latest is None:
        raise NotFound(_("quote {number} not found").format(number=number))
    new_rev = b or latest
    old_rev = a or new_rev - 1
    if old_rev < 1 or old_rev == new_rev:
        raise InputError(_("quote {number} has only revision {latest}; nothing to compare").format(number=number,
                                                                                                   latest=latest))
    old: Mapping[str, Any] = record(conn, number, revision=old_rev, today=today)
    new: Mapping[str, Any] = record(conn, number, revision=new_rev, today=today)
    old_lines: dict[str, Mapping[str, Any]] = {line["sku"]: line for line in old["lines"]}
    new_lines: dict[str, Mapping[str, Any]] = {line["sku"]: line for line in new["lines"]}
    changes: list[dict[str, Any]] = []
    for sku in [*old_lines, *(s for s in new_lines if s not in old_lines)]:
        before, after = old_lines.get(sku), new_lines.get(sku)
        if before is None or after is None:
            changes.append({"what": f"line {sku}", "before": _line_text(before), "after": _line_text(after)})
            continue
        for field in ("qty", "unit_price", "line_discount", "net"):
            if before[field] != after[field]:
                changes.append({"what": f"{sku} {field}", "before": before[field], "after": after[field]})
    for field in ("discount_pct", "subtotal", "discount", "net", "tax_rate", "tax", "total", "effective_discount",
                  "margin", "valid_until", "needs_approval"):
        if old[field] != new[field]:
            changes.append({"what": field, "before": old[field], "after": new[field]})
    return {"number": number, "from_revision": old_rev, "to_revision": new_rev, "changes": changes}


def _line_text(line: Mapping[str, Any] | None) -> str | None:
    if line is None:
        return None
    return f"{line['qty']} × {line['unit_price']} − {line['line_discount']}% = {line['net']}"
