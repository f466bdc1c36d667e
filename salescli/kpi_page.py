"""The KPI report as one self-contained HTML page (``kpi report --html``): the table and an SVG chart."""

from __future__ import annotations

import html
from collections.abc import Mapping
from decimal import Decimal
from typing import Any


def _svg_bars(rows: list[tuple[str, float, float | None]]) -> str:
    """Inline SVG: a solid bar per value and an outlined bar for what it is measured against."""
    e = html.escape
    top = max([v for _, a, b in rows for v in (a, b) if v is not None] or [1.0]) or 1.0
    height = 26 * len(rows) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="720" height="{height}" role="img">']
    for i, (label, value, against) in enumerate(rows):
        y = 8 + 26 * i
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{e(label)}</text>')
        parts.append(f'<rect x="140" y="{y}" width="{max(value, 0) / top * 460:.1f}" height="10" fill="#2b6cb0"/>')
        if against is not None:
            parts.append(f'<rect x="140" y="{y + 11}" width="{max(against, 0) / top * 460:.1f}" height="8" '
                         'fill="none" stroke="#888"/>')
        parts.append(f'<text x="{150 + max(value, 0) / top * 460:.1f}" y="{y + 10}" font-size="11">'
                     f'{value:,.2f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def kpi_html(report: Mapping[str, Any], text_chart: list[str], *, title: str) -> str:
    """A self-contained KPI page: the table, an SVG chart of revenue (vs target), and the text chart."""
    e = html.escape
    key = report["by"]
    columns = [key, "revenue", "units", "deals_won", "deals_lost", "win_rate", "avg_deal", "cycle_days", "target",
               "attainment", "nps", "csat", "surveys", "on_time_rate"]

    def cell(name: str, value: Any) -> str:
        if value is None:
            return "<td></td>"
        if name in ("win_rate", "attainment", "on_time_rate"):
            return f"<td class=n>{float(value) * 100:.1f}%</td>"
        if isinstance(value, Decimal):
            return f"<td class=n>{value:,.2f}</td>"
        if isinstance(value, (int, float)):
            return f"<td class=n>{value}</td>"
        return f"<td>{e(str(value))}</td>"

    body = "".join("<tr>" + "".join(cell(c, row.get(c)) for c in columns) + "</tr>"
                   for row in [*report["rows"], {key: "TOTAL", **report["total"]}])
    svg = _svg_bars([(str(r[key] or "(none)"), float(r["revenue"]), float(r["target"]) if r.get("target") else None)
                     for r in report["rows"]])
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>body{{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}}
table{{border-collapse:collapse}} th,td{{padding:.3em .6em;border-bottom:1px solid #ddd}} th{{background:#f4f4f4}}
.n{{text-align:right;font-variant-numeric:tabular-nums}} pre{{background:#fafafa;padding:1em}}</style></head><body>
<h1>{e(title)}</h1><p>{report['period']['from']} – {report['period']['to']} · by {e(key)}</p>
<table><thead><tr>{''.join(f'<th>{e(c)}</th>' for c in columns)}</tr></thead><tbody>{body}</tbody></table>
<h2>Revenue vs target</h2>{svg}
<pre>{e(chr(10).join(text_chart))}</pre>
</body></html>
"""
