"""Help that reads well in Chinese and English: the command tree's help texts translated, readable metavars
(DATE, AMOUNT, N), examples at the end of each command's help, Typer's and Click's own words translated, and
help paragraphs wrapped by display width (a Chinese character takes two columns).

The help texts stay English in the code (docstrings, ``help=``); they are message ids of the catalog and are
translated here when a command group is loaded (``decorate``). ``tools/catalog.py`` collects them from the same
tree, so the catalog always knows every help text.

Light: imported by ``--help`` (no database, no Rich).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from salescli.i18n import N_, _, language

EXAMPLES_HEADING = N_("Examples:")

# -- readable metavars ------------------------------------------------------------------------------------------
# An option without a metavar of its own shows one from its name: dates as DATE, money as AMOUNT, percentages as
# PCT, whole numbers as N, anything else as its name in capitals (--company COMPANY).
_DATE_NAMES = {"date", "due", "follow_up", "expected_close", "from_date", "to_date", "since", "until", "next",
               "delivery_date", "valid_until", "when", "at", "on", "before", "after", "start", "end", "from_",
               "to", "signed", "shipped", "delivered", "promised"}
_AMOUNT_NAMES = {"price", "amount", "value", "budget", "cost", "total", "revenue", "unit_price", "list_price",
                 "min_price", "max_price", "target", "net"}
_PCT_NAMES = {"discount", "probability", "margin", "tax", "tax_rate", "pct", "percent", "max_discount",
              "min_margin"}


def metavar_for(param: Any) -> str | None:
    """The metavar an option or argument shows, or None to keep Typer's (choices, flags)."""
    type_name = getattr(param.type, "name", "")
    if type_name in ("choice", "boolean") or getattr(param, "is_flag", False) or getattr(param, "count", False):
        return None
    name = (param.name or "").lower()
    if name in _DATE_NAMES or name.endswith(("_date", "_on", "_at", "_until")) or type_name == "datetime":
        return "DATE"
    if getattr(param, "param_type_name", "") == "option" and (
            name in _AMOUNT_NAMES or name.endswith(("_price", "_amount", "_value"))):  # (config set KEY VALUE)
        return "AMOUNT"
    if name in _PCT_NAMES or name.endswith("_pct"):
        return "PCT"
    if type_name in ("integer", "integer range"):
        return "N"
    if type_name in ("float", "float range"):
        return "NUMBER"
    if type_name in ("path", "file"):
        return "FILE"
    return name.strip("_").upper() or None


# -- the command tree -------------------------------------------------------------------------------------------
def walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command under ``command`` (itself first) with its path of names after ``salescli``."""
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from walk(sub, (*path, name))


def help_texts(command: Any) -> Iterator[str]:
    """The texts of one command a person reads in its help (message ids of the catalog)."""
    for text in (command.help, command.short_help, getattr(command, "_salescli_epilog", command.epilog)):
        if text:
            yield text
    for param in command.params:
        text = getattr(param, "help", None)
        if text:
            yield text


def decorate(command: Any, path: tuple[str, ...], *, recursive: bool = True) -> None:
    """Translate a loaded command group's help, give its parameters readable metavars and its commands their
    examples. Runs once per group, when it is loaded (the root: itself only, its groups load lazily)."""
    from salescli.examples import EXAMPLES

    for sub_path, sub in walk(command, path) if recursive else [(path, command)]:
        if getattr(sub, "_salescli_decorated", False):
            continue
        sub._salescli_decorated = True
        from salescli.completion import attach

        attach(sub, sub_path)  # Tab offers values: statuses, periods, lead ids, quote numbers, SKUs
        if sub.help:
            sub.help = _(sub.help)
        if sub.short_help:
            sub.short_help = _(sub.short_help)
        for param in sub.params:
            if getattr(param, "help", None):
                param.help = _(param.help)
            if param.metavar is None:
                param.metavar = metavar_for(param)
        sub._salescli_epilog = sub.epilog  # the command's own notes, as written (the catalog's message id)
        epilog = _(sub.epilog) if sub.epilog else ""  # a command's own notes (tier rules) come first
        examples = EXAMPLES.get(" ".join(sub_path))
        if examples:
            epilog = f"{epilog}\n\n{examples_text(examples)}" if epilog else examples_text(examples)
        sub.epilog = epilog or None


def examples_text(examples: list[str]) -> str:
    """The examples block of a command's help (kept as written: ``\\b`` stops Click re-wrapping it)."""
    return _(EXAMPLES_HEADING) + "\n\n\b\n" + "\n".join(f"  {line}" for line in examples)


# -- Click's own messages ---------------------------------------------------------------------------------------
# The vendored Click in Typer writes its messages in English without gettext: the usage errors it raises are
# matched here and translated (the English text is left as Click wrote it).
CLICK_MESSAGES: list[tuple[str, str]] = [
    (r"No such command '(?P<name>.+)'\. Did you mean (?P<choices>.+)\?",
     N_("No such command '{name}'. Did you mean {choices}?")),
    (r"No such command '(?P<name>.+)'\.", N_("No such command '{name}'.")),
    (r"No such option: (?P<name>\S+) \(Possible options: (?P<choices>.+)\)",
     N_("No such option: {name} (Possible options: {choices})")),
    (r"No such option: (?P<name>\S+)", N_("No such option: {name}")),
    (r"Missing argument '(?P<name>.+)'\.", N_("Missing argument '{name}'.")),
    (r"Missing option '(?P<name>.+)'\.", N_("Missing option '{name}'.")),
    (r"Missing parameter: (?P<name>.+)", N_("Missing parameter: {name}")),
    (r"Missing command\.", N_("Missing command.")),
    (r"Option '(?P<name>.+)' requires an argument\.", N_("Option '{name}' requires an argument.")),
    (r"Option '(?P<name>.+)' requires (?P<count>\d+) arguments\.", N_("Option '{name}' requires {count} arguments.")),
    (r"Option '(?P<name>.+)' does not take a value\.", N_("Option '{name}' does not take a value.")),
    (r"Got unexpected extra arguments? \((?P<args>.*)\)", N_("Got unexpected extra argument(s) ({args})")),
    (r"Invalid value for (?P<name>.+?): (?P<message>.+)", N_("Invalid value for {name}: {message}")),
    (r"Invalid value: (?P<message>.+)", N_("Invalid value: {message}")),
    (r"(?P<value>'.*') is not a valid (?:integer|int|int range|integer range)\.", N_("{value} is not a whole number.")),
    (r"(?P<value>'.*') is not a valid (?:float|float range)\.", N_("{value} is not a number.")),
    (r"(?P<value>'.*') is not a valid boolean\. Recognized values: (?P<choices>.+)",
     N_("{value} is not a valid boolean. Recognized values: {choices}")),
    (r"(?P<value>'.*') is not one of (?P<choices>.+)\.", N_("{value} is not one of {choices}.")),
    (r"(?P<value>.+) is not in the range (?P<range>.+)\.", N_("{value} is not in the range {range}.")),
    (r"(?P<value>'.*') does not match the formats (?P<formats>.+)\.",
     N_("{value} does not match the formats {formats}.")),
]
# Typer's own words (typer.core looks them up through gettext, pointed at our catalog by i18n.use): listed here so
# the catalog has them.
TYPER_MESSAGES = [N_("Usage: "), N_("Options"), N_("Arguments"), N_("Commands"), N_("default: {default}"),
                  N_("required"), N_("env var: {var}"), N_("Missing command."), N_("Aborted!"), N_("(dynamic)"),
                  N_("Show this message and exit.")]


def click_message(text: str) -> str:
    """A message of Click's in the chosen language (nested ones too: "Invalid value for X: 'y' is not ...")."""
    for pattern, msgid in CLICK_MESSAGES:  # (re caches compiled patterns; only an error gets here)
        match = re.fullmatch(pattern, text, re.DOTALL)
        if match is not None:
            fields = match.groupdict()
            if "message" in fields:
                fields["message"] = click_message(fields["message"])
            return _(msgid).format(**fields)
    return text


# -- wrapping by display width ----------------------------------------------------------------------------------
def columns(text: str) -> int:
    """Display width: East Asian wide and full-width characters take two columns."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


# Where a line may break between characters: East Asian wide and full-width blocks. (Not a regular expression:
# compiling a character class this large costs 8 ms, a tenth of ``--help``.)
_WIDE_BLOCKS = ((0x1100, 0x115F), (0x2E80, 0xA4CF), (0xAC00, 0xD7A3), (0xF900, 0xFAFF), (0xFE30, 0xFE4F),
                (0xFF00, 0xFF60), (0xFFE0, 0xFFE6))


def _wide_chunks(text: str) -> list[str]:
    """``text`` as one chunk per wide character and one per run of other characters."""
    chunks: list[str] = []
    start = 0
    for i, char in enumerate(text):
        code = ord(char)
        if code >= 0x1100 and any(low <= code <= high for low, high in _WIDE_BLOCKS):
            if start < i:
                chunks.append(text[start:i])
            chunks.append(char)
            start = i + 1
    if start < len(text):
        chunks.append(text[start:])
    return chunks


_NO_LINE_START = frozenset("、，。：；！？）」』】》〉…,.:;!?)")


def _wrapper_class() -> type:
    from typer._click._textwrap import TextWrapper

    class WideTextWrapper(TextWrapper):
        """Click's wrapper, measuring display width and breaking between Chinese characters."""

        def _split(self, text: str) -> list[str]:
            chunks: list[str] = []
            for chunk in super()._split(text):
                chunks.extend([chunk] if chunk.isascii() else _wide_chunks(chunk))
            return chunks

        def _wrap_chunks(self, chunks: list[str]) -> list[str]:
            if all(chunk.isascii() for chunk in chunks):
                return super()._wrap_chunks(chunks)
            lines: list[str] = []
            chunks.reverse()
            while chunks:
                indent = self.subsequent_indent if lines else self.initial_indent
                width = max(self.width - columns(indent), 1)
                if self.drop_whitespace and lines and not chunks[-1].strip():
                    chunks.pop()
                    continue
                line: list[str] = []
                used = 0
                while chunks and used + columns(chunks[-1]) <= width:
                    used += columns(chunks[-1])
                    line.append(chunks.pop())
                if chunks and not line:  # one chunk wider than the line: cut it
                    self._handle_long_word(chunks, line, used, width)
                elif chunks and len(line) > 1 and chunks[-1][:1] in _NO_LINE_START:
                    chunks.append(line.pop())  # "，" or "）" never starts a line: its character goes along
                if self.drop_whitespace and line and not line[-1].strip():
                    line.pop()
                if line:
                    lines.append(indent + "".join(line))
            return lines

    return WideTextWrapper


def install() -> None:
    """Typer's help formatting measures and wraps by display width, and its usage line reads in the chosen
    language. Called once at start-up, before any help is printed."""
    from typer._click import _textwrap, core, formatting

    if getattr(_textwrap.TextWrapper, "__name__", "") != "WideTextWrapper":
        _textwrap.TextWrapper = _wrapper_class()  # type: ignore[assignment,misc]
        formatting.term_len = columns  # type: ignore[attr-defined,assignment]
        original = formatting.HelpFormatter.write_usage

        def write_usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
            original(self, prog, args, _("Usage: ") if prefix is None else prefix)

        formatting.HelpFormatter.write_usage = write_usage  # type: ignore[method-assign]

        def write_heading(self: Any, heading: str) -> None:
            colon = "：" if language() == "zh" else ":"
            self.write(f"{'':>{self.current_indent}}{heading}{colon}\n")

        formatting.HelpFormatter.write_heading = write_heading  # type: ignore[method-assign]
        help_option = core.Command.get_help_option

        def get_help_option(self: Any, ctx: Any) -> Any:
            option = help_option(self, ctx)
            if option is not None and option.help:
                option.help = _(option.help)
            return option

        core.Command.get_help_option = get_help_option  # type: ignore[method-assign]
