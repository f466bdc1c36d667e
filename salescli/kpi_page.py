"""The KPI report a manager forwards: one self-contained HTML page (``kpi report --html``) and a workbook with a
sheet per view (``kpi report --xlsx``).

The page loads nothing from the network and runs no script: inline CSS and SVG only. It fits a 1280 px window
(nothing wider: the tables use fixed layouts that wrap, charts scale with the page) and prints on A4 landscape.
People appear by display name (``reps.name``, else the handle); revenue no rep owns is labelled "unassigned".
Every word a reader sees comes from :data:`WORDS` (English, marked for the catalog), translated into the chosen
language when the page is made: :func:`words` (``LABELS[lang]`` gives the same table for a given language).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from salescli import i18n, svg_charts
from salescli.i18n import N_

#: Every word the page and the workbook show, in English (the catalog's message ids); ``meta``, ``generated``,
#: ``conversion`` and ``lead_to_won`` are whole lines with named placeholders.
WORDS: dict[str, str] = {
    "title": N_("Sales performance"), "meta": N_("Period: {span} · by {group}"), "generated": N_("Generated {date}"),
    "rep": N_("Rep"), "month": N_("Month"), "channel": N_("Channel"), "product": N_("Product"),
    "revenue": N_("Revenue"), "units": N_("Units"), "deals_won": N_("Won"), "deals_lost": N_("Lost"),
    "win_rate": N_("Win rate"), "avg_deal": N_("Avg deal"), "cycle_days": N_("Cycle (days)"),
    "target": N_("Target"), "attainment": N_("Attainment"), "nps": N_("NPS"), "csat": N_("CSAT"),
    "surveys": N_("Surveys"), "on_time_rate": N_("On time"),
    "total": N_("Total"), "unassigned": N_("unassigned"), "none": N_("unknown"),
    "revenue_vs_target": N_("Revenue vs target"), "monthly_trend": N_("Monthly revenue"), "funnel": N_("Funnel"),
    "detail": N_("Details"), "legend_revenue": N_("Revenue"), "legend_target": N_("Target"),
    "no_target": N_("no target"), "leads": N_("Leads"), "deals": N_("Deals"), "needs": N_("Needs confirmed"),
    "demo": N_("Demo"), "quote_sent": N_("Quote sent"), "won": N_("Won"),
    "conversion": N_("{rate}% from the step before"), "lead_to_won": N_("Leads to won: {rate}"),
    "no_data": N_("No records in this period."), "satisfaction": N_("Satisfaction"),
    "sheet_rep": N_("By rep"), "sheet_month": N_("By month"), "sheet_channel": N_("By channel"),
    "sheet_product": N_("By product"), "sheet_funnel": N_("Funnel"), "step": N_("Step"), "count": N_("Count"),
    "rate": N_("Conversion"), "handle": N_("Handle"), "name": N_("Name"),
}


def _translator(lang: str) -> Callable[[str], str]:
    """gettext for ``lang``: the process's own when it is the chosen language, else that language's catalog."""
    if lang == i18n.language():
        return i18n._
    if lang not in i18n.CATALOGS:  # English: the source
        return str
    import gettext

    return gettext.translation(i18n.DOMAIN, i18n.LOCALE_DIR, languages=[i18n.CATALOGS[lang]], fallback=True).gettext


def words(lang: str | None = None) -> dict[str, str]:
    """:data:`WORDS` in ``lang`` (zh or en; default: the language chosen at start-up)."""
    translate = _translator(lang or i18n.language())
    return {key: translate(text) for key, text in WORDS.items()}


class _Labels(Mapping[str, dict[str, str]]):
    """``LABELS["zh"]``, ``LABELS["en"]``: :data:`WORDS` in that language (made when asked for)."""

    def __getitem__(self, lang: str) -> dict[str, str]:
        if lang not in i18n.LANGUAGES:
            raise KeyError(lang)
        return words(lang)

    def __iter__(self) -> Iterator[str]:
        return iter(i18n.LANGUAGES)

    def __len__(self) -> int:
        return len(i18n.LANGUAGES)


LABELS = _Labels()
MEASURES = ("revenue", "units", "deals_won", "deals_lost", "win_rate", "avg_deal", "cycle_days", "target",
            "attainment", "nps", "csat", "surveys", "on_time_rate")
RATES = ("win_rate", "attainment", "on_time_rate")
FUNNEL_STEPS = ("leads", "deals", "needs", "demo", "quote_sent", "won")


def _chosen(lang: str | None) -> str:
    return lang if lang is not None and lang in i18n.LANGUAGES else i18n.language()


def language(setting: str | None, environ: Mapping[str, str] | None = None) -> str:
    """zh or en: the language setting, or with ``auto`` the locale's (as ``salescli.i18n`` chooses it)."""
    return i18n.pick(setting, environ)


@dataclass(frozen=True)
class Views:
    """What the page and the workbook show: the report by the chosen grouping, and the other views."""

    report: Mapping[str, Any]  # kpi.report(by=...)
    by_month: Mapping[str, Any] | None = None
    by_rep: Mapping[str, Any] | None = None
    by_channel: Mapping[str, Any] | None = None
    by_product: Mapping[str, Any] | None = None
    funnel: Mapping[str, Any] | None = None
    names: Mapping[str, str] | None = None  # rep handle → display name
    period_label: str = ""
    today: date | None = None


def group_label(key: str, value: Any, words: Mapping[str, str], names: Mapping[str, str] | None = None) -> str:
    """How a group is named for people: a rep by display name, no rep as "unassigned"."""
    if value is None or value == "":
        return words["unassigned"] if key == "rep" else words["none"]
    if key == "rep" and names:
        return names.get(str(value)) or str(value)
    return str(value)


# -- formatting -------------------------------------------------------------------------------------------------

def _money(value: Any) -> str:
    return "–" if value is None else f"{Decimal(value):,.2f}"


def _cell(name: str, value: Any) -> str:
    if value is None:
        return "–"
    if name in RATES:
        return f"{float(value) * 100:.1f}%"
    if name in ("cycle_days", "nps"):
        return f"{float(value):,.1f}"
    if name == "csat":
        return f"{float(value):.2f}"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, (int, float)):
        return f"{value:,}"
    return str(value)


e = html.escape


# -- charts (inline SVG: salescli.svg_charts) -----------------------------------------------------------------

def _legend(words: Mapping[str, str]) -> str:
    return (f'<p class="legend"><span class="key rev"></span>{e(words["legend_revenue"])}'
            f'<span class="key tgt"></span>{e(words["legend_target"])}</p>')


def _bars_svg(rows: Sequence[tuple[str, float, float | None]], words: Mapping[str, str]) -> str:
    """Revenue (solid) and target (outlined) per row, on one scale, with their values."""
    if not rows:
        return f'<p class="empty">{e(words["no_data"])}</p>'
    return svg_charts.paired_bars(rows, title=words["revenue_vs_target"])


def _trend_svg(rows: Sequence[tuple[str, float, float | None]], words: Mapping[str, str]) -> str:
    """Revenue per month as columns, the month's target as a tick across its column."""
    if not rows:
        return f'<p class="empty">{e(words["no_data"])}</p>'
    return svg_charts.columns(rows, title=words["monthly_trend"])


def _funnel_html(funnel: Mapping[str, Any] | None, words: Mapping[str, str]) -> str:
    if not funnel:
        return ""
    total = funnel["total"]
    first = max(int(total.get("leads") or 0), 1)
    items = []
    previous: int | None = None
    for step in FUNNEL_STEPS:
        count = int(total.get(step) or 0)
        width = max(count / first * 100, 0.5)
        rate = words["conversion"].format(rate=f"{count / previous * 100:.0f}") if previous else ""
        items.append(f'<div class="fstep"><span class="fname">{e(words[step])}</span><span class="fbar">'
                     f'<span style="width:{width:.1f}%"></span></span><span class="fnum">{count:,}</span>'
                     f'<span class="frate">{e(rate)}</span></div>')
        previous = count or None
    won = total.get("lead_to_won")
    summary = f'<p class="note">{e(words["lead_to_won"].format(rate=_cell("win_rate", won)))}</p>'
    return f'<section><h2>{e(words["funnel"])}</h2><div class="funnel">{"".join(items)}</div>{summary}</section>'


# -- the page ---------------------------------------------------------------------------------------------------

_CSS = """
*{box-sizing:border-box}
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei","Noto Sans",Arial,sans-serif;
 margin:0;color:#1f2933;background:#fff;font-size:14px;line-height:1.45}
main{max-width:1200px;margin:0 auto;padding:24px 24px 40px}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid #d9dee4;padding-bottom:4px}
.meta{color:#52606d;margin:0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(132px,1fr));gap:10px;margin-top:18px}
.card{border:1px solid #d9dee4;border-radius:6px;padding:8px 10px;break-inside:avoid;min-width:0}
.card .k{color:#52606d;font-size:12px}
.card .v{font-size:17px;font-weight:600;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.chart{width:100%;height:auto;display:block;max-width:100%}
.chart .lbl{font-size:15px;fill:#1f2933}.chart .val{font-size:13px;fill:#52606d}
.chart .axis{font-size:13px;fill:#52606d}.chart .grid{stroke:#e4e7eb}
.chart .rev{fill:#2b6cb0}.chart .tgt{fill:none;stroke:#c05621;stroke-width:2;stroke-dasharray:4 2}
.chart .tgt-line{stroke:#c05621;stroke-width:3}
.legend{margin:4px 0 8px;color:#52606d;font-size:13px}
.legend .key{display:inline-block;width:14px;height:10px;margin:0 6px 0 14px;vertical-align:middle}
.legend .key:first-child{margin-left:0}
.legend .rev{background:#2b6cb0}.legend .tgt{border:2px dashed #c05621}
table{width:100%;border-collapse:collapse;table-layout:fixed;font-size:12.5px}
th,td{padding:5px 4px;border-bottom:1px solid #e4e7eb;overflow-wrap:anywhere;vertical-align:top}
th{background:#f5f7fa;font-weight:600;text-align:right}
th:first-child,td:first-child{text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap;overflow:hidden;
 text-overflow:ellipsis}
tr.total td{font-weight:600;border-top:2px solid #9aa5b1}
.unassigned{font-style:italic;color:#7b8794}
.funnel .fstep{display:grid;grid-template-columns:140px 1fr 90px 150px;gap:8px;align-items:center;margin:4px 0}
.funnel .fbar{background:#f0f4f8;height:18px;display:block}
.funnel .fbar span{display:block;height:18px;background:#4c9aff}
.fnum{text-align:right;font-variant-numeric:tabular-nums}.frate,.note{color:#52606d;font-size:12.5px}
.empty{color:#7b8794}
section{break-inside:avoid}
@page{size:A4 landscape;margin:12mm}
@media print{body{font-size:11px}main{max-width:none;padding:0}h2{margin-top:16px}
 table{font-size:9.5px}.card .v{font-size:15px}section{break-inside:avoid}}
"""


def _table(report: Mapping[str, Any], words: Mapping[str, str], names: Mapping[str, str] | None) -> str:
    key = report["by"]
    head = "".join(f"<th>{e(words[c])}</th>" for c in (key, *MEASURES))
    wide = ("revenue", "avg_deal", "target")  # money: the widest numbers
    cols = "".join(f'<col style="width:{9.5 if m in wide else 6.05}%">' for m in MEASURES)
    body = []
    for row in report["rows"]:
        label = group_label(key, row.get(key), words, names)
        css = ' class="unassigned"' if row.get(key) is None else ""
        cells = "".join(_number_cell(m, row.get(m)) for m in MEASURES)
        body.append(f"<tr><td{css}>{e(label)}</td>{cells}</tr>")
    total = report["total"]
    cells = "".join(_number_cell(m, total.get(m)) for m in MEASURES)
    body.append(f'<tr class="total"><td>{e(words["total"])}</td>{cells}</tr>')
    return (f'<table><colgroup><col style="width:11%">{cols}</colgroup><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


def _number_cell(name: str, value: Any) -> str:
    text = e(_cell(name, value))
    return f'<td class="n" title="{text}">{text}</td>'


def kpi_html(views: Views, *, lang: str | None = None) -> str:
    """The whole page, in ``lang`` (zh or en; default: the language chosen at start-up)."""
    lang = _chosen(lang)
    words = LABELS[lang]
    report = views.report
    key = report["by"]
    total = report["total"]
    period = report["period"]
    names = views.names or {}
    span = f"{period['from']} – {period['to']}" + (f" ({views.period_label})" if views.period_label else "")
    cards = [("revenue", _money(total.get("revenue"))), ("target", _money(total.get("target"))),
             ("attainment", _cell("attainment", total.get("attainment"))),
             ("win_rate", _cell("win_rate", total.get("win_rate"))),
             ("deals_won", _cell("deals_won", total.get("deals_won"))),
             ("on_time_rate", _cell("on_time_rate", total.get("on_time_rate"))),
             ("nps", _cell("nps", total.get("nps"))), ("csat", _cell("csat", total.get("csat")))]
    card_html = "".join(f'<div class="card"><div class="k">{e(words[k])}</div><div class="v">{e(v)}</div></div>'
                        for k, v in cards)
    bars_source = views.by_rep if key != "rep" and views.by_rep is not None else report
    bar_key = bars_source["by"]
    bars = [(group_label(bar_key, r.get(bar_key), words, names), float(r["revenue"]),
             float(r["target"]) if r.get("target") is not None else None) for r in bars_source["rows"]]
    by_month = views.by_month if views.by_month is not None else (report if key == "month" else None)
    trend = ""
    if by_month is not None:
        points = [(str(r["month"]), float(r["revenue"]), float(r["target"]) if r.get("target") is not None
                   else None) for r in by_month["rows"]]
        trend = (f'<section><h2>{e(words["monthly_trend"])}</h2>{_legend(words)}'
                 f"{_trend_svg(points, words)}</section>")
    generated = f' · {e(words["generated"].format(date=views.today.isoformat()))}' if views.today else ""
    title = f'{words["title"]} · {views.period_label or span}'
    return f"""<!doctype html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title><style>{_CSS}</style></head><body><main>
<h1>{e(words["title"])}</h1>
<p class="meta">{e(words["meta"].format(span=span, group=words[key]))}{generated}</p>
<div class="cards">{card_html}</div>
<section><h2>{e(words["revenue_vs_target"])}</h2>{_legend(words)}{_bars_svg(bars, words)}</section>
{trend}
{_funnel_html(views.funnel, words)}
<section><h2>{e(words["detail"])} · {e(words[key])}</h2>{_table(report, words, names)}</section>
</main></body></html>
"""


# -- the workbook -----------------------------------------------------------------------------------------------

_XLSX_STYLES = {"win_rate": "percent", "attainment": "percent", "on_time_rate": "percent", "cycle_days": "one_place",
                "nps": "one_place", "csat": "money", "units": "integer", "deals_won": "integer",
                "deals_lost": "integer", "surveys": "integer"}


def _view_sheet(report: Mapping[str, Any], words: Mapping[str, str], names: Mapping[str, str]) -> Any:
    from salescli.importers.xlsx import Sheet

    key = report["by"]
    extra = ["handle"] if key == "rep" else []
    header = [words["name"] if key == "rep" else words[key], *(words[h] for h in extra), *(words[m] for m in MEASURES)]
    styles: list[str | None] = [None, *(None for _ in extra), *(_XLSX_STYLES.get(m) for m in MEASURES)]

    def rows() -> Any:
        for row in report["rows"]:
            value = row.get(key)
            yield [group_label(key, value, words, names), *([value or ""] if extra else []),
                   *(row.get(m) for m in MEASURES)]
        yield [words["total"], *([""] if extra else []), *(report["total"].get(m) for m in MEASURES)]

    name = words[f"sheet_{key}"]
    return Sheet(name, header, rows(), styles=styles, widths=[18.0, *([12.0] if extra else []),
                                                              *([12.0] * len(MEASURES))])


def _funnel_sheet(funnel: Mapping[str, Any], words: Mapping[str, str]) -> Any:
    from salescli.importers.xlsx import Sheet

    total = funnel["total"]
    rows = []
    previous = None
    for step in FUNNEL_STEPS:
        count = int(total.get(step) or 0)
        rows.append([words[step], count, (count / previous) if previous else None])
        previous = count or None
    return Sheet(words["sheet_funnel"], [words["step"], words["count"], words["rate"]], rows,
                 styles=[None, "integer", "percent"], widths=[20.0, 12.0, 12.0])


def write_kpi_workbook(out: Any, views: Views, *, lang: str | None = None) -> None:
    """A sheet per view (by rep, month, channel, product) with a total row, and the funnel, in ``lang`` (zh or en;
    default: the language chosen at start-up)."""
    from salescli.importers.xlsx import write_workbook

    words = LABELS[_chosen(lang)]
    names = views.names or {}
    sheets = [_view_sheet(r, words, names) for r in (views.by_rep, views.by_month, views.by_channel,
                                                     views.by_product) if r is not None]
    if views.funnel is not None:
        sheets.append(_funnel_sheet(views.funnel, words))
    write_workbook(out, sheets)
