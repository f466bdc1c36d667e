"""Headless Chromium for tests that look at a page: its path (skipped with a reason where it is missing, a failure
in CI, which installs it), a screenshot, and how wide the laid-out page really is."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars")


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is missing (CI installs it: .ci/run)")
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    return found


def _run(*args: str) -> str:
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                              text=True, timeout=120)
    return done.stdout


def screenshot(page: Path, png: Path, *, width: int, height: int = 1200) -> Path:
    _run(f"--window-size={width},{height}", f"--screenshot={png}", page.as_uri())
    assert png.is_file() and png.stat().st_size > 1000, "Chromium wrote no screenshot"
    return png


def laid_out_width(page: Path, *, width: int) -> tuple[int, int]:
    """(the document's scroll width, the widest element's right edge) when ``page`` is shown ``width`` pixels
    wide: both at most ``width`` means nothing overflows. The page is copied with a measuring script added."""
    probe = page.with_name(page.stem + ".probe.html")
    script = ("<script>window.addEventListener('load',function(){var r=0;"
              "document.querySelectorAll('body *').forEach(function(e){var b=e.getBoundingClientRect();"
              "if(b.width>0&&getComputedStyle(e).position!=='fixed')r=Math.max(r,Math.ceil(b.right));});"
              "document.body.setAttribute('data-probe',document.documentElement.scrollWidth+' '+r);});</script>")
    source = page.read_text(encoding="utf-8")
    probe.write_text(source.replace("</body>", script + "</body>"), encoding="utf-8")
    try:
        dom = _run(f"--window-size={width},1200", "--virtual-time-budget=3000", "--dump-dom", probe.as_uri())
    finally:
        probe.unlink()
    found = re.search(r'data-probe="(\d+) (\d+)"', html.unescape(dom))
    assert found, "the page did not finish loading in Chromium"
    return int(found.group(1)), int(found.group(2))
