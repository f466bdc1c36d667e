"""Stages and state machines of PRODUCT.md as transition tables, and the one function that checks a move."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from salescli.errors import InputError, InvalidTransition
from salescli.i18n import N_, _


@dataclass(frozen=True)
class Machine:
    """Allowed moves of one kind of record. ``order`` lists the states in their forward order; ``kind`` names a
    state in a message ("a lead status", "a deal stage"; marked for the catalog, translated where shown)."""

    name: str
    order: tuple[str, ...]
    edges: Mapping[str, frozenset[str]]
    kind: str

    @property
    def states(self) -> tuple[str, ...]:
        return self.order

    def is_terminal(self, state: str) -> bool:
        return not self.edges.get(state)

    def parse(self, text: str, *, label: str | None = None, field: str | None = None) -> str:
        """A state name as typed (any case, spaces trimmed); an unknown name is bad input (InputError, exit 2)
        listing the valid ones. The one check of a typed state: transitions, the ``--status``/``--stage`` filters
        of the listings and the import's ``status`` column all go through it.

        ``field``: the option or column the name came from (``--status``: "--status: 'hot' is not a lead status
        (one of ...)"); else ``label`` names the record being changed (``order 12``: "order 12: unknown status
        'hot' (one of ...)"), default the machine's name."""
        state = text.strip().lower()
        if state not in self.order:
            states = ", ".join(self.order)
            if field is not None:
                raise InputError(_("{field}: {text!r} is not {kind} (one of {states})").format(
                    field=field, text=text, kind=_(self.kind), states=states))
            raise InputError(_("{label}: unknown status {text!r} (one of {states})").format(
                label=label or self.name, text=text, states=states))
        return state

    def check(self, current: str, target: str, *, label: str | None = None) -> str:
        """Return ``target`` if ``current → target`` is allowed, else raise InvalidTransition (exit 1).

        An unknown ``target`` is bad input (InputError, exit 2). ``label`` names the record in the message
        (``lead 12``); default the machine's name.
        """
        who = label or self.name
        target = self.parse(target, label=who)
        allowed = self.edges.get(current, frozenset())
        if target in allowed:
            return target
        if current == target:
            raise InvalidTransition(_("{who} is already {current}").format(who=who, current=current))
        if not allowed:
            raise InvalidTransition(_("{who} is {current}, which is final; it cannot become {target}").format(
                who=who, current=current, target=target))
        options = ", ".join(s for s in self.order if s in allowed)
        raise InvalidTransition(_("{who} is {current}; it cannot become {target} (allowed: {options})").format(
            who=who, current=current, target=target, options=options))

    def promote(self, current: str, target: str, *, label: str | None = None) -> str:
        """Move forward to ``target`` unless already there or beyond; a final state refuses.

        Commands that imply progress (logging a demo, sending a quote) use this: they never move a record back.
        """
        if self.is_terminal(current):
            raise InvalidTransition(_("{who} is {current}, which is final").format(who=label or self.name,
                                                                                     current=current))
        if self.order.index(current) >= self.order.index(target):
            return current
        return self.check(current, target, label=label)


def _forward(states: Iterable[str], *, skips: bool = True) -> dict[str, set[str]]:
    seq = list(states)
    edges: dict[str, set[str]] = {}
    for i, state in enumerate(seq):
        later = seq[i + 1 :] if skips else seq[i + 1 : i + 2]
        edges[state] = set(later)
    return edges


def _machine(name: str, order: tuple[str, ...], edges: dict[str, set[str]], kind: str) -> Machine:
    return Machine(name, order, {state: frozenset(edges.get(state, set())) for state in order}, kind)


def _lead() -> Machine:
    flow = ("new", "contacted", "qualified", "converted")
    edges = _forward(flow)
    for state in flow[:-1]:
        edges[state].add("lost")
    return _machine("lead", (*flow, "lost"), edges, N_("a lead status"))


def _deal() -> Machine:
    flow = ("qualification", "needs_confirmed", "demo", "proposal", "negotiation", "won")
    edges = _forward(flow)
    for state in flow[:-1]:
        edges[state].add("lost")
    return _machine("deal", (*flow, "lost"), edges, N_("a deal stage"))


def _quote() -> Machine:
    order = ("draft", "sent", "accepted", "rejected", "expired", "superseded")
    edges = {"draft": {"sent", "superseded"}, "sent": {"accepted", "rejected", "expired", "superseded"}}
    return _machine("quote", order, edges, N_("a quote status"))


def _contract() -> Machine:
    order = ("draft", "signed", "completed", "cancelled")
    edges = {"draft": {"signed", "cancelled"}, "signed": {"completed", "cancelled"}}
    return _machine("contract", order, edges, N_("a contract status"))


def _order() -> Machine:
    flow = ("submitted", "confirmed", "in_production", "shipped", "delivered", "closed")
    edges = _forward(flow)
    for state in ("submitted", "confirmed", "in_production"):
        edges[state].add("cancelled")
    return _machine("order", (*flow, "cancelled"), edges, N_("an order status"))


def _ticket() -> Machine:
    # PRODUCT.md, exactly: open → in_progress → resolved → closed; resolved → open (reopen). No skips: a ticket is
    # taken in hand before it is resolved (`ticket resolve` of an open ticket is refused), and only a resolved
    # ticket is closed.
    order = ("open", "in_progress", "resolved", "closed")
    edges = {"open": {"in_progress"}, "in_progress": {"resolved"}, "resolved": {"closed", "open"}}
    return _machine("ticket", order, edges, N_("a ticket status"))


def quote_status(stored: str, valid_until: date, today: date) -> str:
    """What a quote is on ``today``: a draft or sent quote past its valid-until date is expired."""
    if stored in ("draft", "sent") and valid_until < today:
        return "expired"
    return stored


LEAD = _lead()
DEAL = _deal()
QUOTE = _quote()
CONTRACT = _contract()
ORDER = _order()
TICKET = _ticket()

LEAD_OPEN = ("new", "contacted", "qualified")
DEAL_OPEN = ("qualification", "needs_confirmed", "demo", "proposal", "negotiation")

#: Chance that a deal in this stage is won; used for the weighted pipeline value.
STAGE_PROBABILITY: Mapping[str, Decimal] = {
    "qualification": Decimal("0.10"),
    "needs_confirmed": Decimal("0.20"),
    "demo": Decimal("0.40"),
    "proposal": Decimal("0.60"),
    "negotiation": Decimal("0.80"),
    "won": Decimal("1"),
    "lost": Decimal("0"),
}


def win_probability(stage: str, probability_bp: int | None) -> Decimal:
    """A deal's chance to win as a fraction: the probability set on it by hand (basis points), else its stage's
    default (STAGE_PROBABILITY). Won is always 1 and lost always 0, whatever was set."""
    if stage in ("won", "lost") or probability_bp is None:
        return STAGE_PROBABILITY[stage]
    return Decimal(probability_bp) / Decimal(10000)
