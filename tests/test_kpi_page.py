"""The KPI report a manager forwards: the HTML page (looked at in a real headless Chromium at 1280 px, and printed
to PDF), the workbook (read back with openpyxl), and the TOTAL row, period and "unassigned" in every format."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from salescli.kpi_page import LABELS, Views, kpi_html, language
from tests.conftest import Cli, built
from tests.test_kpi import _won

CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium")
                 if p and Path(p).exists()), None)


@pytest.fixture
def team(cli: Cli, request: pytest.FixtureRequest) -> Cli:
    """Two reps with display names and targets, and one won deal nobody owns (unassigned revenue): made once per
    backend, copied for each test."""
    built(request, cli, _team)
    return cli


def _team(cli: Cli) -> None:
    cli.ok("rep", "add", "a", "--name", "Anna Schmidt")
    cli.ok("rep", "add", "b", "--name", "白冰")
    cli.ok("product", "add", "P-1", "--name", "Widget", "--price", "500", "--cost", "100")
    cli.ok("target", "set", "a", "2026-Q4", "--revenue", "10000")
    cli.ok("target", "set", "b", "2026-11", "--revenue", "2000")
    _won(cli, "a", "2026-10-01", "2026-10-11", 2, delivered="2026-10-20", promised="2026-10-25")
    _won(cli, "b", "2026-10-05", "2026-11-05", 3, delivered="2026-11-20", promised="2026-11-10")
    lead = cli.id("lead", "add", "无主客户", "--source", "web", "--company", "Orphan Co", "--date", "2026-10-02")
    deal = cli.id("lead", "convert", str(lead), "--date", "2026-10-02")
    quote = cli.ok("quote", "create", str(deal), "--item", "P-1:1", "--tax-rate", "0", "--date",
                   "2026-10-02").stdout.strip()
    cli.ok("quote", "send", quote, "--date", "2026-10-02")
    cli.ok("quote", "accept", quote, "--date", "2026-10-02")
    contract = cli.ok("contract", "create", quote, "--date", "2026-10-02").stdout.strip()
    cli.ok("contract", "sign", contract, "--signed-by", "X", "--date", "2026-12-01")


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium with a private profile and nothing that reaches the network; skipped when it is not
    installed (CI requires it)."""
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is not installed (CI requires it)")
        pytest.skip("Chromium is not installed")
    profile = tmp_path / "chromium-profile"
    run = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                          "--disable-background-networking", "--disable-component-update", "--disable-sync",
                          f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return run


_MEASURE = """<script>
window.addEventListener("load", () => {
  const width = document.documentElement.clientWidth;
  let widest = 0, culprit = "";
  for (const el of document.querySelectorAll("body *")) {
    const right = el.getBoundingClientRect().right;
    if (right > widest) { widest = right; culprit = el.tagName + "." + el.className; }
  }
  const out = document.createElement("pre");
  out.id = "measured";
  out.textContent = `scroll=${document.documentElement.scrollWidth} client=${width} widest=${Math.ceil(widest)} ` +
                    `culprit=${culprit}`;
  document.body.appendChild(out);
});
</script>"""


def test_html_page_is_self_contained_readable_and_fits_1280(team: Cli, tmp_path: Path) -> None:
    page = tmp_path / "kpi.html"
    run = team.ok("kpi", "report", "--period", "2026-Q4", "--html", str(page), env={"LANG": "en_US.UTF-8"})
    assert f"wrote {page}" in run.stderr
    assert page.stat().st_mode & 0o777 == 0o600
    text = page.read_text(encoding="utf-8")
    # self-contained: no script, no external resource of any kind
    assert "<script" not in text.lower()
    assert not re.search(r"""(src|href)\s*=|url\(|@import|https?://""", text, re.I)
    # for a person: the period, display names, human labels, a legend, the unassigned revenue, no text chart
    assert "2026-10-01 – 2026-12-31" in text and "2026-Q4" in text
    assert "Anna Schmidt" in text and "白冰" in text and ">a<" not in text
    assert "Win rate" in text and "On time" in text and "win_rate" not in text and "on_time_rate" not in text
    assert 'class="legend"' in text and "Revenue vs target" in text and "Monthly revenue" in text
    assert "Funnel" in text and "Quote sent" in text and "NPS" in text and "CSAT" in text
    assert "unassigned" in text and "(none)" not in text
    assert "█" not in text and "░" not in text and "<pre" not in text
    assert "@page" in text and "A4" in text and "@media print" in text
    assert "1,500.00" in text and "3,000.00" in text  # money formatted; the total includes the unassigned 500

    # looked at in a real browser at 1280 px: nothing wider than the window
    measured = tmp_path / "measured.html"
    measured.write_text(text.replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    dom = _chromium(tmp_path, "--window-size=1280,900", "--virtual-time-budget=5000", "--dump-dom",
                    measured.as_uri()).stdout
    found = re.search(r"scroll=(\d+) client=(\d+) widest=(\d+) culprit=(\S*)", dom)
    assert found, dom[-500:]
    scroll, client, widest = (int(found.group(i)) for i in (1, 2, 3))
    assert scroll <= client <= 1280 and widest <= client, found.group(0)
    shot = tmp_path / "kpi.png"
    _chromium(tmp_path, "--window-size=1280,900", f"--screenshot={shot}", page.as_uri())
    png = shot.read_bytes()
    assert png.startswith(b"\x89PNG") and int.from_bytes(png[16:20], "big") == 1280
    # and printed: A4 pages
    pdf = tmp_path / "kpi.pdf"
    _chromium(tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri())
    from pypdf import PdfReader

    pages = PdfReader(pdf).pages
    sizes = {tuple(sorted(round(float(v)) for v in (p.mediabox.width, p.mediabox.height))) for p in pages}
    assert sizes == {(595, 842)}  # A4 in points, whichever way round


def test_html_page_speaks_chinese_when_the_language_is_zh(team: Cli, tmp_path: Path) -> None:
    page = tmp_path / "kpi.html"
    team.ok("kpi", "report", "--period", "2026-Q4", "--html", str(page), env={"LANG": "zh_CN.UTF-8"})
    text = page.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in text and "销售业绩报告" in text and "未分配" in text and "赢单率" in text
    team.ok("config", "set", "language", "en")
    team.ok("kpi", "report", "--period", "2026-Q4", "--html", str(page), "--force", env={"LANG": "zh_CN.UTF-8"})
    assert "Sales performance" in page.read_text(encoding="utf-8")


def test_workbook_has_a_sheet_per_view(team: Cli, tmp_path: Path) -> None:
    book_path = tmp_path / "kpi.xlsx"
    run = team.ok("kpi", "report", "--period", "2026-Q4", "--xlsx", str(book_path), "--format", "json",
                  env={"LANG": "C.UTF-8"})
    assert run.json()["total"]["revenue"] == "3000.00"  # stdout stays the report
    book = openpyxl.load_workbook(book_path)
    assert book.sheetnames == ["By rep", "By month", "By channel", "By product", "Funnel"]
    by_rep = [[c for c in row] for row in book["By rep"].iter_rows()]
    header = [c.value for c in by_rep[0]]
    assert header[:4] == ["Name", "Handle", "Revenue", "Units"] and "Win rate" in header
    rows = {r[0].value: r for r in by_rep[1:]}
    assert set(rows) == {"Anna Schmidt", "白冰", "unassigned", "Total"}
    revenue = header.index("Revenue")
    assert rows["Anna Schmidt"][revenue].value == 1000 and rows["Anna Schmidt"][revenue].number_format == "#,##0.00"
    assert rows["unassigned"][revenue].value == 500 and rows["Total"][revenue].value == 3000
    win = rows["Total"][header.index("Win rate")]
    assert win.value == 1 and win.number_format == "0.0%"
    months = [r[0] for r in book["By month"].iter_rows(min_row=2, values_only=True)]
    assert months == ["2026-10", "2026-11", "2026-12", "Total"]
    funnel = list(book["Funnel"].iter_rows(values_only=True))
    assert funnel[0] == ("Step", "Count", "Conversion") and [r[0] for r in funnel[1:]] == [
        "Leads", "Deals", "Needs confirmed", "Demo", "Quote sent", "Won"]
    assert funnel[1][1] == 3 and funnel[-1][1] == 3
    assert "exists" in team.fails(1, "kpi", "report", "--period", "2026-Q4", "--xlsx", str(book_path))
    assert "choose another file" in team.fails(2, "kpi", "report", "--period", "2026-Q4", "--html", str(book_path),
                                               "--xlsx", str(book_path), "--force")


def test_total_row_period_and_unassigned_in_every_format(team: Cli) -> None:
    plain = team.ok("kpi", "report", "--period", "2026-Q4", "--format", "plain").stdout
    assert plain.splitlines()[0] == "KPI 2026-Q4 (2026-10-01 to 2026-12-31) by rep:"
    assert "TOTAL" in plain and "unassigned" in plain and "Anna Schmidt" in plain and "白冰" in plain
    markdown = team.ok("kpi", "report", "--period", "2026-Q4", "--format", "markdown").stdout
    assert "2026-10-01 to 2026-12-31" in markdown and "TOTAL" in markdown and "unassigned" in markdown
    text = team.ok("kpi", "report", "--period", "2026-Q4", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["rep"] for r in rows] == ["a", "b", "unassigned", "TOTAL"]  # handles for scripts
    assert rows[-1]["revenue"] == "3000.00"
    assert {(r["from"], r["to"]) for r in rows} == {("2026-10-01", "2026-12-31")}
    report = team.json("kpi", "report", "--period", "2026-Q4")
    assert [r["rep"] for r in report["rows"]] == ["a", "b", None]  # JSON keeps null
    chart = team.ok("kpi", "report", "--period", "2026-Q4", "--chart", "--format", "plain").stdout
    assert re.search(r"^unassigned +│█+ 500\.00$", chart, re.M) and "no target" in chart and "(none)" not in chart


def test_page_pure_parts() -> None:
    assert language("zh") == "zh" and language("en", {"LANG": "zh_CN.UTF-8"}) == "en"
    assert language("auto", {"LANG": "zh_CN.UTF-8"}) == "zh" and language("auto", {"LC_ALL": "C"}) == "en"
    assert language(None, {}) == "en"
    assert set(LABELS["zh"]) == set(LABELS["en"])  # a language swaps in whole
    report = {"period": {"from": date(2026, 1, 1), "to": date(2026, 1, 31)}, "by": "channel",
              "rows": [{"channel": "<b>web</b>", "revenue": 0, "target": None}],
              "total": {"revenue": 0}}
    page = kpi_html(Views(report=report), lang="en")
    assert "&lt;b&gt;web&lt;/b&gt;" in page and "<b>web" not in page  # escaped
