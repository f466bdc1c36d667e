"""Tab completion for salescli shell: command groups, commands and options from the commands themselves; values
from the options' choices (sources, statuses, formats, periods) and from the database (lead and deal ids with
their names, quote and contract numbers, SKUs, customers, reps). Database values are cached for a few seconds
and limited, so a Tab never waits on a big table."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from prompt_toolkit.completion import CompleteEvent, Completion
from prompt_toolkit.completion import Completer as BaseCompleter
from prompt_toolkit.document import Document

if TYPE_CHECKING:
    from salescli.commands.shell import Session

LIMIT = 200  # values offered per Tab; enough to pick from, never a scan of a big table
TTL_S = 10.0

# parameter name → what it names (arguments and options alike)
KINDS: dict[str, str] = {"lead": "lead", "deal": "deal", "quote": "quote", "contract": "contract",
         "order": "order", "sku": "sku", "customer": "customer", "owner": "rep", "rep": "rep", "handle": "rep",
         "period": "period", "ticket": "ticket", "item": "sku", "remove": "sku", "products": "sku"}


def _rows(session: Session, kind: str, prefix: str) -> list[tuple[str, str]]:
    """(value, what it is) for ``kind`` starting with ``prefix``, newest first, at most LIMIT (the prefix is
    matched in SQL, so on a big table the values offered are the ones that fit what was typed)."""
    from sqlalchemy import String, cast, select

    from salescli import models
    from salescli.app import App
    from salescli.services.search import ESCAPE, prefix_pattern
    from salescli.settings import Settings

    m = models
    queries: dict[str, Any] = {
        "lead": select(m.leads.c.id, m.leads.c.name, m.leads.c.company).where(m.leads.c.merged_into.is_(None))
        .order_by(m.leads.c.id.desc()),
        "deal": select(m.deals.c.id, m.deals.c.title, m.deals.c.stage).order_by(m.deals.c.id.desc()),
        "quote": select(m.quotes.c.number, m.quotes.c.status, m.quotes.c.revision)
        .order_by(m.quotes.c.id.desc()),
        "contract": select(m.contracts.c.number, m.contracts.c.status).order_by(m.contracts.c.id.desc()),
        "order": select(m.orders.c.number, m.orders.c.status).order_by(m.orders.c.id.desc()),
        "ticket": select(m.tickets.c.id, m.tickets.c.subject).order_by(m.tickets.c.id.desc()),
        "sku": select(m.products.c.sku, m.products.c.name).where(m.products.c.active.is_(True))
        .order_by(m.products.c.sku),
        "customer": select(m.customers.c.id, m.customers.c.name).where(m.customers.c.merged_into.is_(None))
        .order_by(m.customers.c.id.desc()),
        "rep": select(m.reps.c.handle, m.reps.c.name).where(m.reps.c.active.is_(True)).order_by(m.reps.c.handle),
    }
    a = App(Settings.resolve(db=session.database, rep=session.rep, debug=False, no_input=True))
    seen: dict[str, str] = {}
    query = queries[kind]
    if prefix:
        first = query.selected_columns[0]
        query = query.where(cast(first, String).ilike(prefix_pattern(prefix), escape=ESCAPE))
    with a.store.read() as conn:
        for row in conn.execute(query.limit(LIMIT * 2)):
            value = str(row[0])
            if value not in seen:  # a quote's revisions: its number once
                seen[value] = " · ".join(str(v) for v in row[1:] if v not in (None, ""))
    return list(seen.items())[:LIMIT]


class Completer(BaseCompleter):
    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[str, tuple[float, list[tuple[str, str]]]] = {}

    def values(self, kind: str, prefix: str = "") -> list[tuple[str, str]]:
        if kind == "period":
            from salescli.domain.dates import RELATIVE_PERIODS

            return [(p, "") for p in RELATIVE_PERIODS]
        key = f"{kind}\x00{prefix}"
        hit = self._cache.get(key)
        if hit is not None and time.monotonic() - hit[0] < TTL_S:
            return hit[1]
        try:
            found = _rows(self.session, kind, prefix)
        except Exception:  # no database yet, or a refusal: complete nothing rather than print an error
            found = []
        self._cache[key] = (time.monotonic(), found)
        return found

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        from salescli.commands.shell import split

        text = document.text_before_cursor
        try:
            words = split(text)
        except ValueError:
            return
        current = "" if not words or text[-1:].isspace() else words.pop()
        yield from self._complete(words, current)

    def _complete(self, words: list[str], current: str) -> Iterator[Completion]:
        from salescli.commands import COMMANDS
        from salescli.commands.shell import BUILTINS

        command: Any = self.session.command
        path: list[str] = []
        index = 0
        while _is_group(command):  # walk down the words: group, then its command
            while index < len(words) and words[index].startswith("-"):
                index += 1  # a global option before the command
            if index == len(words):
                break
            found = command.get_command(None, words[index])
            if found is None:
                return
            command, index = found, index + 1
            path.append(words[index - 1])
        if _is_group(command):
            top = command is self.session.command
            names = [*COMMANDS, *BUILTINS] if top else command.list_commands(None)
            helps = {name: text for name, (_, text) in COMMANDS.items()} if top else {}
            yield from _matches(((n, helps.get(n, "")) for n in names), current)
            return
        params = {opt: p for p in command.params for opt in (*p.opts, *p.secondary_opts)}
        positional: list[str] = []
        pending: Any = None
        for word in words[index:]:
            if pending is not None:
                pending = None
            elif word in params and params[word].param_type_name == "option":
                option = params[word]
                if not (getattr(option, "is_flag", False) or getattr(option, "count", False)):
                    pending = option
            elif not word.startswith("-"):
                positional.append(word)
        group = path[0] if path else ""
        if pending is not None:
            yield from self._param_values(pending, current, group)
            return
        if current.startswith("-"):
            yield from _matches(((o, (getattr(p, "help", None) or "")[:60]) for o, p in params.items()
                                 if o.startswith("--")), current)
            return
        arguments = [p for p in command.params if p.param_type_name == "argument"]
        if len(positional) < len(arguments):
            yield from self._param_values(arguments[len(positional)], current, group)
        elif arguments and arguments[-1].nargs == -1:
            yield from self._param_values(arguments[-1], current, group)

    def _param_values(self, param: Any, current: str, group: str) -> Iterator[Completion]:
        choices = getattr(param.type, "choices", None)
        if choices:
            yield from _matches(((str(c), "") for c in choices), current)
            return
        name = (param.name or "").lower()
        if name in ("status", "stage", "source", "channel", "kind", "priority", "by"):
            yield from _matches(((v, "") for v in _words(name, group)), current)
            return
        kind = KINDS.get(name) or (KINDS.get(name[:-3]) if name.endswith("_id") else None)
        if kind is None and name in ("keep", "other", "ids"):
            kind = {"lead": "lead", "customer": "customer"}.get(group)
        if kind:
            yield from _matches(self.values(kind, current), current)


def _is_group(command: Any) -> bool:
    return hasattr(command, "get_command") and hasattr(command, "list_commands")


def _words(name: str, group: str) -> tuple[str, ...]:
    """The fixed values of an option that is not a choice list (its aliases are accepted too)."""
    from salescli.domain import leads, pipeline

    machines = {"lead": pipeline.LEAD, "deal": pipeline.DEAL, "quote": pipeline.QUOTE,
                "contract": pipeline.CONTRACT, "order": pipeline.ORDER, "ticket": pipeline.TICKET}
    if name in ("status", "stage"):
        machine = machines.get(group)
        return tuple(machine.states) if machine is not None else ()
    if name in ("source", "channel"):
        return leads.SOURCES
    if name == "priority":
        return ("urgent", "high", "normal", "low")
    if name == "kind":
        return (*leads.ACTIVITY_KINDS, "visit", "wechat")
    if name == "by":
        return ("rep", "month", "quarter", "channel", "product", "industry", "city", "tier", "region", "size")
    return ()


def _matches(candidates: Iterable[tuple[str, str]], current: str) -> Iterator[Completion]:
    lowered = current.lower()
    for value, meta in candidates:
        if value.lower().startswith(lowered):
            yield Completion(value + " ", start_position=-len(current), display=value, display_meta=meta)
