"""Satisfaction surveys (step 9): who to ask, what was sent, the answers, and the measures."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Row, and_, func, select, update

from salescli import models, records
from salescli.domain import fields
from salescli.domain import surveys as rules
from salescli.domain.dates import Period, require_in_order
from salescli.errors import InputError, NotFound, PolicyError, SalesError
from salescli.i18n import _
from salescli.services import orders
from salescli.services.audit import audit
from salescli.services.authz import Actor, customer_owner, order_owner, require_owner
from salescli.services.merge import refuse_merged
from salescli.services.rows import fetch, insert_id

Survey = models.surveys
Customer = models.customers
Contact = models.contacts
Order = models.orders
Deal = models.deals
Rep = models.reps


def _contacts_for(conn: Connection, customer_id: int, preferred: int | None) -> list[dict[str, Any]]:
    rows = [dict(r) for r in conn.execute(select(Contact.c.id, Contact.c.name, Contact.c.email, Contact.c.language)
                                           .where(Contact.c.customer_id == customer_id).order_by(Contact.c.id))
                                           .mappings()]
    if preferred is not None:
        chosen = [r for r in rows if r["id"] == preferred and r["email"]]
        if chosen:
            return chosen
    return rows


def targets(conn: Connection, *, order: str | None, customer_id: int | None,
            delivered_since: date | None) -> list[dict[str, Any]]:
    """One target per contact to ask: for an order, the deal's contact (else every contact of the customer);
    for a customer, every contact. A contact without an email is still listed, to be reported."""
    given = sum(x is not None for x in (order, customer_id, delivered_since))
    if given != 1:
        raise InputError(_("give exactly one of --order, --customer or --delivered-since"))
    scopes: list[tuple[int, str, int | None, str | None, int | None]] = []  # customer id, name, order id, number
    if order is not None or delivered_since is not None:
        query = (select(Customer.c.id.label("customer_id"), Customer.c.name, Order.c.id.label("order_id"),
                        Order.c.number, Deal.c.contact_id)
                 .select_from(Order.join(Deal, Deal.c.id == Order.c.deal_id)
                              .join(Customer, Customer.c.id == Deal.c.customer_id)))
        if order is not None:
            query = query.where(Order.c.id == orders.get_row(conn, order)["id"])
        else:
            assert delivered_since is not None
            query = query.where(Order.c.delivered_at >= datetime.combine(delivered_since, time()),
                                Order.c.status.in_(("delivered", "closed"))).order_by(Order.c.delivered_at)
        scopes = [(r.customer_id, r.name, r.order_id, r.number, r.contact_id) for r in conn.execute(query)]
    else:
        assert customer_id is not None
        customer = fetch(conn, Customer, customer_id, "customer")
        refuse_merged(customer, "customer")
        scopes = [(customer_id, customer["name"], None, None, None)]
    out = []
    for cid, cname, order_id, number, preferred in scopes:
        people = _contacts_for(conn, cid, preferred)
        if not people:
            out.append({"customer_id": cid, "customer": cname, "order_id": order_id, "order": number,
                        "contact_id": None, "contact": None, "email": None, "language": None})
        for p in people:
            out.append({"customer_id": cid, "customer": cname, "order_id": order_id, "order": number,
                        "contact_id": p["id"], "contact": p["name"], "email": p["email"],
                        "language": p["language"] or rules.language_for(p["name"] or cname)})
    return out


def owned(conn: Connection, found: list[dict[str, Any]], *, actor: Actor | None,
          explicit: bool) -> list[dict[str, Any]]:
    """The targets the acting rep may survey: their own orders' and customers'. An --order or --customer that is
    someone else's is refused; --delivered-since keeps only the rep's own."""
    kept = []
    for target in found:
        owner = (order_owner(conn, target["order_id"]) if target["order_id"] is not None
                 else customer_owner(conn, target["customer_id"]))
        what = (_("order {number}").format(number=target["order"]) if target["order"]
                else _("customer {id}").format(id=target["customer_id"]))
        try:
            require_owner(conn, actor, owner, what)
        except SalesError:
            if explicit:
                raise
            continue
        kept.append(target)
    return kept


def _existing(conn: Connection, target: dict[str, Any]) -> dict[str, Any] | None:
    same_order = Survey.c.order_id == target["order_id"] if target["order_id"] is not None else and_(
        Survey.c.order_id.is_(None), Survey.c.customer_id == target["customer_id"])
    row = conn.execute(select(Survey)
                       .where(same_order, Survey.c.contact_id == target["contact_id"], Survey.c.channel == "email")
                       .order_by(Survey.c.id.desc())).mappings().first()
    return dict(row) if row else None


def prepare(conn: Connection, found: list[dict[str, Any]], *, resend: bool, at: datetime,
            dry_run: bool) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Decide per target: send (a new or earlier unsent survey with its token) or skip (with the reason).

    Writes the pending survey rows unless ``dry_run``.
    """
    send, skip = [], []
    for target in found:
        if not target["email"]:
            skip.append({**target, "reason": "no email address"})
            continue
        existing = _existing(conn, target)
        if existing and existing["status"] in ("sent", "responded") and not resend:
            skip.append({**target, "reason": f"already sent on {existing['sent_at']:%Y-%m-%d} (--resend to send "
                                              "again)"})
            continue
        if existing and existing["status"] in ("pending", "failed"):
            send.append({**target, "survey_id": existing["id"], "token": existing["token"]})
            continue
        token = rules.new_token()
        survey_id = None if dry_run else insert_id(conn, Survey, {
            "customer_id": target["customer_id"], "order_id": target["order_id"], "contact_id": target["contact_id"],
            "channel": "email", "token": token, "email": target["email"], "language": target["language"],
            "status": "pending", "created_at": at})
        send.append({**target, "survey_id": survey_id, "token": token})
    return send, skip


def mark(conn: Connection, survey_id: int, *, sent: bool, error: str | None, at: datetime) -> None:
    values: dict[str, Any] = {"status": "sent", "sent_at": at, "error": None} if sent else {
        "status": "failed", "error": error}
    conn.execute(update(Survey).where(Survey.c.id == survey_id).values(**values))


@dataclass(frozen=True)
class Delivery:
    """How survey letters go out: through ``send`` (an open SMTP connection), as .eml files into ``outbox``, or
    nowhere (``dry_run``); who signs them and in which language (auto: each contact's)."""

    sender: Any  # email.headerregistry.Address
    sender_name: str
    language: str
    link_base: str | None
    send: Callable[[Any], None] | None = None
    outbox: Path | None = None
    database: Path | None = None  # the SQLite file, never to be written as a letter
    dry_run: bool = False


@dataclass(frozen=True, slots=True)
class Delivered:
    """What ``deliver`` did: each target with its ``result`` (for people), and the counts."""

    rows: list[dict[str, Any]]
    delivered: int  # sent, or written to the outbox (a dry run delivers nothing)
    failures: int


def deliver(to_send: list[dict[str, Any]], how: Delivery, record: Callable[[int, str | None], None]) -> Delivered:
    """Write and deliver each target's letter. A refused recipient, a bad address or an unwritable outbox fails
    that letter only; ``record(survey_id, error)`` runs after each one (the caller gives it its own transaction,
    so a crash never forgets a mail already sent)."""
    from salescli import mailer

    done: list[dict[str, Any]] = []
    delivered = failures = 0
    for target in to_send:
        text = rules.letter(language=rules.letter_language(how.language, target["language"]),
                            contact=target["contact"], customer=target["customer"], order=target["order"],
                            token=target["token"], sender_name=how.sender_name,
                            link=how.link_base.replace("{token}", target["token"]) if how.link_base else None)
        result, error = "would send" if how.dry_run else "sent", None
        try:
            message = mailer.build(sender=how.sender, recipient=mailer.address(target["email"], target["contact"]),
                                   subject=text.subject, body=text.body, reference=target["token"])
            if how.dry_run:
                pass
            elif how.outbox is not None:
                mailer.write_eml(how.outbox, f"survey-{target['survey_id']}", message, database=how.database)
                result = f"written to {how.outbox}"
            elif how.send is not None:
                how.send(message)
            else:
                raise AssertionError("no way to deliver: no SMTP connection, outbox or dry run")
        except mailer.SendFailed as failure:
            error = failure.reason
        except SalesError as failure:  # an address that is not one
            error = failure.message
        except OSError as failure:
            error = f"cannot write to {how.outbox}: {failure.strerror}"
        if error is not None:
            result, failures = f"FAILED: {error}", failures + 1
        elif not how.dry_run:
            delivered += 1
        if not how.dry_run:
            record(target["survey_id"], error)
        done.append({**target, "result": result})
    return Delivered(done, delivered, failures)


def _answer(conn: Connection, survey_id: int, *, nps: int | None, csat: int | None, comment: str | None,
            at: datetime, actor: Actor | None) -> None:
    if nps is None and csat is None:
        raise InputError(_("give --nps and/or --csat"))
    text = fields.text("surveys", "comment", comment, field="--comment") if comment else None
    # only a survey not answered yet: of two answers at once (two taps on the reply page, on PostgreSQL) the second
    # waits for the first's row lock, then finds it answered and changes nothing
    done = conn.execute(update(Survey).where(Survey.c.id == survey_id, Survey.c.status != "responded").values(
        status="responded", responded_at=at, nps=nps, csat=csat, comment=text))
    if done.rowcount != 1:
        raise AlreadyAnswered(_("survey {id} was already answered").format(id=survey_id))
    audit(conn, at=at, rep=actor.handle if actor else None, entity="survey", entity_id=survey_id, action="response",
          after={"nps": nps, "csat": csat})


@dataclass(frozen=True)
class _Answer:
    """Where an answer for an order or a customer goes: the emailed survey it answers, or (None) a new phone
    survey about ``order_id`` / ``customer_id``."""

    survey_id: int | None
    order_id: int | None
    customer_id: int
    nps: int | None
    csat: int | None
    comment: str | None
    at: datetime

    @property
    def repeat_key(self) -> tuple[Any, ...]:
        return (self.order_id, self.customer_id, self.nps, self.csat, self.comment, self.at.date())


def _day_range(day: date) -> tuple[datetime, datetime]:
    return datetime.combine(day, time()), datetime.combine(day, time.max)


def _plan_answer(conn: Connection, *, order: str | None, customer_id: int | None, nps: int | None, csat: int | None,
                 comment: str | None, at: datetime, actor: Actor | None, taken: set[int] | None = None) -> _Answer:
    """Check an answer for an order or a customer (``--customer``: about the customer, not an order) and find the
    survey it answers, writing nothing: the open emailed survey (sent, not answered; the latest sent) of that order
    or customer, so the response rate counts it; else a new phone survey. ``taken``: surveys earlier rows of the same
    file answer. Refused: an answer dated before the day its survey was sent (exit 2, dates in order), and the same
    answer again (same scores and comment, the same day: an answers file imported twice; exit 1)."""
    order_id, customer_id = orders.subject_of(conn, order=order, customer_id=customer_id)
    what = _("order {number}").format(number=order) if order else _("customer {id}").format(id=customer_id)
    owner = order_owner(conn, order_id) if order_id is not None else customer_owner(conn, customer_id)
    require_owner(conn, actor, owner, what)
    if nps is None and csat is None:
        raise InputError(_("give --nps and/or --csat"))
    text = fields.text("surveys", "comment", comment, field="--comment") if comment else None
    same = Survey.c.order_id == order_id if order_id is not None else Survey.c.order_id.is_(None)
    start, end = _day_range(at.date())
    repeat = conn.execute(
        select(Survey.c.id).where(Survey.c.customer_id == customer_id, same, Survey.c.status == "responded",
                                  Survey.c.responded_at.between(start, end),
                                  Survey.c.nps == nps if nps is not None else Survey.c.nps.is_(None),
                                  Survey.c.csat == csat if csat is not None else Survey.c.csat.is_(None),
                                  Survey.c.comment == text if text is not None else Survey.c.comment.is_(None))
        .limit(1)).scalar()
    if repeat is not None:
        raise AlreadyAnswered(_("{what}: this answer was already recorded on {date} (survey {id})").format(
            what=what, date=f"{at:%Y-%m-%d}", id=repeat))
    query = (select(Survey.c.id, Survey.c.sent_at)
             .where(Survey.c.customer_id == customer_id, same, Survey.c.channel == "email", Survey.c.status == "sent")
             .order_by(Survey.c.sent_at.desc(), Survey.c.id.desc()))
    if taken:
        query = query.where(Survey.c.id.not_in(taken))
    sent = conn.execute(query.limit(1)).first()
    if sent is None:
        return _Answer(None, order_id, customer_id, nps, csat, text, at)
    _answered_in_order(int(sent.id), sent.sent_at, at)
    return _Answer(int(sent.id), order_id, customer_id, nps, csat, text, at)


def _answered_in_order(survey_id: int, sent_at: datetime | None, at: datetime) -> None:
    """Dates in order: a survey is not answered before the day it was sent (exit 2)."""
    if sent_at is not None:
        require_in_order(at.date(), _("survey {id} answered").format(id=survey_id),
                         (sent_at.date(), _("it was sent")))


def _store_answer(conn: Connection, answer: _Answer, *, actor: Actor | None) -> int:
    survey_id = answer.survey_id
    if survey_id is None:
        survey_id = insert_id(conn, Survey, {"customer_id": answer.customer_id, "order_id": answer.order_id,
                                             "contact_id": None, "channel": "phone", "token": rules.new_token(),
                                             "status": "pending", "created_at": answer.at, "sent_at": answer.at})
    _answer(conn, survey_id, nps=answer.nps, csat=answer.csat, comment=answer.comment, at=answer.at, actor=actor)
    return survey_id


def record_phone(conn: Connection, *, order: str | None, customer_id: int | None, nps: int | None,
                 csat: int | None, comment: str | None, at: datetime, actor: Actor | None) -> int:
    """An answer for an order or a customer (``survey record``, ``survey import`` by order or customer). It answers
    the emailed survey sent to that order (or to the customer, for a survey not about an order) and not answered
    yet, so the response rate counts it; only when none awaits an answer is it stored as its own phone survey (see
    _plan_answer for what is refused). Returns the survey answered."""
    answer = _plan_answer(conn, order=order, customer_id=customer_id, nps=nps, csat=csat, comment=comment, at=at,
                          actor=actor)
    return _store_answer(conn, answer, actor=actor)


class AlreadyAnswered(PolicyError):
    """A token answers once."""


#: On a team database the reply page's role sees (and answers) only the survey whose token its transaction names
#: in this setting (services/team.py, ``salescli_survey``): it can read no survey it has no link for.
TOKEN_SETTING = "salescli.survey_token"


def _by_token(conn: Connection, token: str) -> dict[str, Any] | None:
    """The survey a token names (its id, status and when it was answered), or None."""
    if conn.dialect.name == "postgresql":  # for the reply page's role; nothing changes for anyone else
        conn.execute(select(func.set_config(TOKEN_SETTING, token, True)))
    row = conn.execute(select(Survey.c.id, Survey.c.status, Survey.c.responded_at, Survey.c.language, Survey.c.order_id)
                       .where(Survey.c.token == token)).mappings().first()
    return dict(row) if row else None


def respond(conn: Connection, token: str, *, nps: int | None, csat: int | None, comment: str | None,
            at: datetime, actor: Actor | None, dated: bool = False) -> int:
    """The answer to one emailed survey, by its token (``survey respond``, ``survey import``, the reply page).
    ``dated``: the answer's date was given (``--date``, a date column), so it must not be before the day the survey
    was sent (exit 2). The reply page answers now and leaves it False: its role may not read when a survey was sent.
    """
    row = _by_token(conn, token.strip())
    if row is None:
        raise NotFound(_("no survey with that token"))
    if row["status"] == "responded":
        raise AlreadyAnswered(_("survey {id} was already answered on {date}").format(
            id=row["id"], date=f"{row['responded_at']:%Y-%m-%d}"))
    if dated:
        _answered_in_order(int(row["id"]), conn.execute(select(Survey.c.sent_at).where(Survey.c.id == row["id"]))
                                           .scalar(), at)
    _answer(conn, row["id"], nps=nps, csat=csat, comment=comment, at=at, actor=actor)
    return int(row["id"])


def reply_page(conn: Connection, token: str) -> dict[str, Any] | None:
    """What the reply page may show for a token: whether it is answered, the order it is about (its number only)
    and the language of its letter; None for no such survey. Nothing about the customer or anyone else."""
    row = _by_token(conn, token)
    if row is None:
        return None
    number = (conn.execute(select(Order.c.number).where(Order.c.id == row["order_id"])).scalar()
              if row["order_id"] is not None else None)
    return {"id": int(row["id"]), "answered": row["status"] == "responded", "order": number,
            "language": row["language"]}


def import_responses(conn: Connection, path: Path, *, encoding: str | None, input_format: str | None,
                     now: datetime, actor: Actor | None, dry_run: bool) -> int:
    """Responses from a file (columns: token, order or customer; nps, csat, comment, date), all or nothing, read
    and checked like a batch import (importers/batches.checked_records). A row for an order or a customer answers
    the survey sent to it (see _plan_answer); a row that repeats an answer already stored (the same file imported
    again) or one of an earlier row is refused like any bad row, so a file is never counted twice. A dry run
    applies the rows and rolls them back (services/imports.apply)."""
    from salescli.importers.batches import checked_records
    from salescli.importers.fields import UPDATES, Context
    from salescli.importers.reader import Report
    from salescli.services import imports

    report = Report(path)
    planned: list[Callable[[], object]] = []
    tokens_seen: set[str] = set()
    taken: set[int] = set()  # emailed surveys the rows above answer
    answers_seen: set[tuple[Any, ...]] = set()
    for row in checked_records(UPDATES["survey responses"], path, Context(now=now, region="", reps={}),
                               encoding=encoding, input_format=input_format):
        if report.add(row.line, row.problems):
            continue
        values = row.values
        nps, csat, comment = values.get("nps"), values.get("csat"), values.get("comment")
        dated = values.get("date") is not None
        at = values.get("date") or now
        token, order, customer_id = values.get("token"), values.get("order"), values.get("customer")
        column = "nps"
        try:
            if nps is None and csat is None:
                raise InputError(_("give nps and/or csat"))
            if sum(v is not None for v in (token, order, customer_id)) != 1:
                column = "token"
                raise InputError(_("give exactly one of token, order or customer"))
            if token is not None:
                column = "token"
                found = conn.execute(select(Survey.c.id, Survey.c.status, Survey.c.sent_at)
                                     .where(Survey.c.token == token)).first()
                if found is None:
                    raise InputError(_("no survey with that token"))
                if found.status == "responded" or token in tokens_seen:
                    raise InputError(_("survey already answered"))
                if dated:
                    column = "date"
                    _answered_in_order(int(found.id), found.sent_at, at)
                tokens_seen.add(token)
                planned.append(partial(respond, conn, token, nps=nps, csat=csat, comment=comment, at=at, actor=actor))
                continue
            column = "order" if order else "customer"
            if order:
                orders.get_row(conn, order)
            try:
                answer = _plan_answer(conn, order=order, customer_id=customer_id, nps=nps, csat=csat,
                                      comment=comment, at=at, actor=actor, taken=taken)
            except InputError:
                column = "date"  # the row's values are checked: what is left is a date before the survey was sent
                raise
            if answer.repeat_key in answers_seen:
                raise InputError(_("the same answer as an earlier row"))
        except SalesError as error:  # "order SO-2026-0001: ..." under the column order says the order once
            message = error.message
            if message.startswith(("--", column)) and ": " in message:
                message = message.partition(": ")[2]
            report.add(row.line, [(column, message)])
            continue
        answers_seen.add(answer.repeat_key)
        if answer.survey_id is not None:
            taken.add(answer.survey_id)
        planned.append(partial(_store_answer, conn, answer, actor=actor))
    report.refuse()
    return imports.apply(conn, planned, dry_run=dry_run)


# -- results ------------------------------------------------------------------------------------------------


def results(conn: Connection, *, period: Period | None, by_rep: bool, recent: int = 10) -> dict[str, Any]:
    """NPS, CSAT, % satisfied and response rate for responses in the period (rate: of surveys sent in it)."""
    owner = func.coalesce(Deal.c.owner_id, Customer.c.owner_id)
    base = (Survey.join(Customer, Customer.c.id == Survey.c.customer_id)
            .outerjoin(Order, Order.c.id == Survey.c.order_id)
            .outerjoin(Deal, Deal.c.id == Order.c.deal_id).outerjoin(Rep, Rep.c.id == owner))
    rep = Rep.c.handle.label("rep")
    answered = (select(rep, Survey.c.nps, Survey.c.csat, Survey.c.comment, Survey.c.responded_at,
                       Customer.c.name.label("customer"), Survey.c.channel)
                .select_from(base).where(Survey.c.status == "responded"))
    sent = (select(rep, func.count().label("n")).select_from(base)
            .where(Survey.c.sent_at.is_not(None), Survey.c.channel == "email"))
    if period is not None:
        start, end = datetime.combine(period.start, time()), datetime.combine(period.end, time.max)
        answered = answered.where(Survey.c.responded_at.between(start, end))
        sent = sent.where(Survey.c.sent_at.between(start, end))
    rows = conn.execute(answered.order_by(Survey.c.responded_at.desc())).all()
    sent_by = {r.rep: r.n for r in conn.execute(sent.group_by(Rep.c.handle))}

    def measures(subset: Sequence[Row[*tuple[Any, ...]]], sent_count: int) -> dict[str, Any]:
        nps_scores = [r.nps for r in subset if r.nps is not None]
        csat_scores = [r.csat for r in subset if r.csat is not None]
        email_answers = sum(1 for r in subset if r.channel == "email")
        return _numbers({
            "responses": len(subset), "nps": rules.nps(nps_scores), "promoters": sum(s >= 9 for s in nps_scores),
            "passives": sum(7 <= s <= 8 for s in nps_scores), "detractors": sum(s <= 6 for s in nps_scores),
            "csat": rules.csat_mean(csat_scores), "satisfied": rules.satisfied_share(csat_scores),
            "sent": sent_count, "response_rate": rules.ratio(email_answers, sent_count)})

    report: dict[str, Any] = {
        "period": {"from": period.start, "to": period.end} if period else None,
        "total": measures(rows, sum(sent_by.values())),
        "nps_distribution": [{"score": score, "count": n}
                             for score, n in rules.distribution([r.nps for r in rows if r.nps is not None],
                                                                range(11))],
        "csat_distribution": [{"score": score, "count": n}
                              for score, n in rules.distribution([r.csat for r in rows if r.csat is not None],
                                                                 range(1, 6))],
        "comments": [{"at": r.responded_at, "customer": r.customer, "nps": r.nps, "csat": r.csat,
                      "comment": r.comment, "rep": r.rep}
                     for r in rows if r.comment][:recent],
    }
    if by_rep:
        reps = sorted({r.rep for r in rows} | set(sent_by), key=lambda h: (h is None, h or ""))
        report["by_rep"] = [{"rep": h or "(none)", **measures([r for r in rows if r.rep == h], sent_by.get(h, 0))}
                            for h in reps]
    return report


def _numbers(row: dict[str, Any]) -> dict[str, Any]:
    """Measures as JSON numbers, like the KPI report (they are already rounded)."""
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in row.items()}


def listing(conn: Connection, *, status: str | None = None, order: str | None = None,
            customer_id: int | None = None) -> list[records.Survey]:
    query = (select(Survey.c.id, Survey.c.status, Survey.c.channel, Customer.c.name.label("customer"),
                    Order.c.number.label("order"), Contact.c.name.label("contact"), Survey.c.email, Survey.c.language,
                    Survey.c.sent_at, Survey.c.responded_at, Survey.c.nps, Survey.c.csat, Survey.c.error)
             .select_from(Survey.join(Customer, Customer.c.id == Survey.c.customer_id)
                          .outerjoin(Order, Order.c.id == Survey.c.order_id)
                          .outerjoin(Contact, Contact.c.id == Survey.c.contact_id)).order_by(Survey.c.id.desc()))
    if status:
        query = query.where(Survey.c.status == status)
    if order:
        query = query.where(Survey.c.order_id == orders.get_row(conn, order)["id"])
    if customer_id is not None:
        query = query.where(Survey.c.customer_id == customer_id)
    return [cast(records.Survey, dict(r)) for r in conn.execute(query).mappings()]

