"""Charts as inline SVG for a self-contained page (the KPI page, ``salescli.kpi_page``): a value against its target
per row, and columns per month with the target as a tick. They scale to the page by their viewBox; the page's CSS
colours the classes ``rev`` (the value), ``tgt``/``tgt-line`` (the target), ``lbl``, ``val``, ``axis`` and
``grid``. Labels are escaped here; ``title`` names the chart for screen readers."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape as e

Row = tuple[str, float, float | None]  # label, value, target (None: no target)


def short(value: float) -> str:
    """An axis or bar label: 1.2M, 350K, 900."""
    size = abs(value)
    if size >= 1e8:
        return f"{value / 1e6:,.0f}M"
    if size >= 1e6:
        return f"{value / 1e6:.1f}M"
    if size >= 1e4:
        return f"{value / 1e3:.0f}K"
    return f"{value:,.0f}"


def _top(rows: Sequence[Row]) -> float:
    return max([v for _, a, b in rows for v in (a, b) if v is not None] + [1.0])


def paired_bars(rows: Sequence[Row], *, title: str) -> str:
    """Value (solid) and target (outlined) per row, on one scale, with their values."""
    width, label_w, right = 1000, 200, 150
    scale = (width - label_w - right) / _top(rows)
    row_h = 40
    height = row_h * len(rows) + 10
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="'
             f'{e(title)}" preserveAspectRatio="xMinYMin meet">']
    for i, (label, value, target) in enumerate(rows):
        y = 6 + row_h * i
        shown = label if len(label) <= 24 else label[:23] + "…"
        parts.append(f'<text x="{label_w - 10}" y="{y + 20}" text-anchor="end" class="lbl">{e(shown)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{max(value, 0) * scale:.1f}" height="16" '
                     'class="rev"/>')
        if target is not None:
            parts.append(f'<rect x="{label_w}" y="{y + 22}" width="{max(target, 0) * scale:.1f}" height="10" '
                         'class="tgt"/>')
        end = label_w + max(value, target or 0, 0) * scale + 8
        note = short(value) + (f" / {short(target)}" if target else "")
        parts.append(f'<text x="{end:.1f}" y="{y + 22}" class="val">{e(note)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def columns(rows: Sequence[Row], *, title: str) -> str:
    """Value per row (a month) as columns, its target as a tick across its column, on a four-step grid."""
    width, height, left, bottom, top_pad = 1000, 260, 70, 30, 20
    top = _top(rows)
    plot_h = height - bottom - top_pad
    step = (width - left - 10) / len(rows)
    bar_w = min(60.0, step * 0.6)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="'
             f'{e(title)}" preserveAspectRatio="xMinYMin meet">']
    for tick in range(5):
        value = top * tick / 4
        y = height - bottom - plot_h * tick / 4
        parts.append(f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis">{short(value)}</text>')
    for i, (label, value, target) in enumerate(rows):
        x = left + step * i + (step - bar_w) / 2
        h = max(value, 0) / top * plot_h
        parts.append(f'<rect x="{x:.1f}" y="{height - bottom - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                     'class="rev"/>')
        if target is not None:
            y = height - bottom - max(target, 0) / top * plot_h
            parts.append(f'<line x1="{x - 4:.1f}" x2="{x + bar_w + 4:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                         'class="tgt-line"/>')
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{height - 10}" text-anchor="middle" class="axis">'
                     f"{e(label)}</text>")
    parts.append("</svg>")
    return "".join(parts)
