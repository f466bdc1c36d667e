"""Text charts for the terminal (block characters: they work in any terminal, when piped, and in CJK
locales): horizontal bars, and paired bars such as revenue against target. Labels are padded by display
width so Chinese names line up."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal

from salescli.i18n import _

Number = int | float | Decimal


def _width(text: str) -> int:
    from wcwidth import wcswidth

    return max(wcswidth(text), len(text))


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _plain(value: Number) -> str:
    return f"{value:,.2f}" if isinstance(value, Decimal) else f"{value:,}"


def bars(items: Sequence[tuple[str, Number]], *, width: int = 40,
         show: Callable[[Number], str] = _plain) -> list[str]:
    """One bar per item, scaled to the largest; negative values draw no bar."""
    top = max((float(v) for _, v in items), default=0.0)
    label_width = max((_width(label) for label, _ in items), default=0)
    out = []
    for label, value in items:
        length = round(float(value) / top * width) if top > 0 and float(value) > 0 else 0
        out.append(f"{_pad(label, label_width)} │{'█' * length}{' ' if length else ''}{show(value)}")
    return out


def paired_bars(items: Sequence[tuple[str, Number, Number | None]], names: tuple[str, str], *, width: int = 40,
                show: Callable[[Number], str] = _plain, missing: str | None = None) -> list[str]:
    """Two bars per label on one scale: the value (█) and what it is measured against (░), e.g. a target;
    ``missing`` stands where there is nothing to measure against (default: "(none)" in the chosen language).
    Labels and ``names`` are shown as given: the caller translates them."""
    if missing is None:
        missing = _("(none)")
    top = max((float(x) for _, a, b in items for x in (a, b) if x is not None), default=0.0)
    label_width = max((_width(label) for label, _, _ in items), default=0)

    def bar(value: Number | None, block: str) -> str:
        if value is None:
            return missing
        length = round(float(value) / top * width) if top > 0 and float(value) > 0 else 0
        return f"{block * length}{' ' if length else ''}{show(value)}"

    out = [f"{' ' * label_width}  █ {names[0]}   ░ {names[1]}"]
    for label, value, against in items:
        out.append(f"{_pad(label, label_width)} │{bar(value, '█')}")
        out.append(f"{' ' * label_width} │{bar(against, '░')}")
    return out
