"""Tab completion for salescli shell: command groups, commands and options from the commands themselves; values
from the options' choices (sources, statuses, formats, periods) and from the database (lead and deal ids with
their names, quote and contract numbers, SKUs, customers, reps). What a parameter names and its values come from
salescli.completion, which the one-shot command's completion (bash, zsh, fish) uses too. Database values are
matched in SQL, limited, and cached for a few seconds, so a Tab never waits on a big table."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from prompt_toolkit.completion import CompleteEvent, Completion
from prompt_toolkit.completion import Completer as BaseCompleter
from prompt_toolkit.document import Document

from salescli.i18n import _

if TYPE_CHECKING:
    from salescli.commands.shell import Session

TTL_S = 10.0


def _rows(session: Session, kind: str, prefix: str) -> list[tuple[str, str]]:
    """(value, what it is) for ``kind`` starting with ``prefix`` (matched in SQL: salescli.completion.rows),
    through the session's database."""
    from sqlalchemy import text

    from salescli.app import App
    from salescli.completion import rows
    from salescli.settings import Settings

    a = App(Settings.resolve(db=session.database, rep=session.rep, debug=False, no_input=True))
    with a.store.read() as conn:

        def read(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
            return [tuple(row) for row in conn.execute(text(sql), params)]

        return rows(read, kind, prefix)


class Completer(BaseCompleter):
    def __init__(self, session: Session) -> None:
        self.session = session
        self._cache: dict[str, tuple[float, list[tuple[str, str]]]] = {}

    def values(self, kind: str, prefix: str = "") -> list[tuple[str, str]]:
        """Records of ``kind`` (lead, deal, quote, sku...) starting with ``prefix``, cached for a few seconds."""
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
            helps = {name: _(text) for name, (_target, text) in COMMANDS.items()} if top else {}
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
        where = tuple(path)
        if pending is not None:
            yield from self._param_values(pending, current, where)
            return
        if current.startswith("-"):
            yield from _matches(((o, (getattr(p, "help", None) or "")[:60]) for o, p in params.items()
                                 if o.startswith("--")), current)
            return
        arguments = [p for p in command.params if p.param_type_name == "argument"]
        if len(positional) < len(arguments):
            yield from self._param_values(arguments[len(positional)], current, where)
        elif arguments and arguments[-1].nargs == -1:
            yield from self._param_values(arguments[-1], current, where)

    def _param_values(self, param: Any, current: str, path: tuple[str, ...]) -> Iterator[Completion]:
        from salescli.completion import LIMIT, values, what

        choices = getattr(param.type, "choices", None)
        if choices:
            yield from _matches(((str(c), "") for c in choices), current)
            return
        spec = what(param.name or "", param.param_type_name, path)
        if spec is None or (param.name == "item" and ":" in current):
            return
        if spec.startswith("db:"):
            yield from _matches(self.values(spec[3:], current), current)
            return
        read = self._read if spec in ("reason", "source") else None
        yield from _matches(values(spec, current, path, read)[:LIMIT], current)

    def _read(self, sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Rows of a team setting's query through the session's database (for the team's lost reasons and
        channel names)."""
        from sqlalchemy import text

        from salescli.app import App
        from salescli.settings import Settings

        a = App(Settings.resolve(db=self.session.database, rep=self.session.rep, debug=False, no_input=True))
        with a.store.read() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]


def _is_group(command: Any) -> bool:
    return hasattr(command, "get_command") and hasattr(command, "list_commands")


def _matches(candidates: Iterable[tuple[str, str]], current: str) -> Iterator[Completion]:
    lowered = current.lower()
    for value, meta in candidates:
        if value.lower().startswith(lowered):
            yield Completion(value + " ", start_position=-len(current), display=value, display_meta=meta)
