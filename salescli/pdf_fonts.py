"""Fonts for PDF documents that never drop a glyph: a Latin font first (digits, SKUs, amounts), CJK fonts as
fallbacks, chosen so that together they cover every character of the document, checked before anything is
written. A font with CJK glyphs but no Latin ones (DroidSansFallbackFull) is used only for what it covers.

``pdf_font`` (personal setting) may name a font file, tried first, or a folder, which then replaces the system's
font folders (a team can ship its fonts beside the database)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from salescli.errors import PolicyError
from salescli.i18n import N_, _

#: well-known files by preference: Latin first, then CJK (names matched case-insensitively, anywhere below a folder)
LATIN = ("DejaVuSans.ttf", "LiberationSans-Regular.ttf", "NotoSans-Regular.ttf", "Arial.ttf", "arialuni.ttf",
         "Verdana.ttf", "FreeSans.ttf")
CJK = ("wqy-zenhei.ttc", "wqy-microhei.ttc", "NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Regular.otf",
       "NotoSansSC-Regular.otf", "NotoSansSC-Regular.ttf", "SourceHanSansSC-Regular.otf", "uming.ttc", "ukai.ttc",
       "DroidSansFallbackFull.ttf", "DroidSansFallback.ttf", "PingFang.ttc", "Hiragino Sans GB.ttc",
       "STHeiti Light.ttc", "Arial Unicode.ttf", "msyh.ttc", "msyh.ttf", "simsun.ttc", "simhei.ttf")
FONT_EXTENSIONS = (".ttf", ".ttc", ".otf")
#: what to install (English, marked for the catalog: translated where shown)
INSTALL_CJK = N_("install a Chinese font (Debian/Ubuntu: apt-get install fonts-noto-cjk, or fonts-wqy-zenhei) "
                 "or name one with 'salescli config set pdf_font PATH'")
INSTALL_LATIN = N_("install a Latin font (Debian/Ubuntu: apt-get install fonts-dejavu-core) "
                   "or name one with 'salescli config set pdf_font PATH'")
INSTALL_RARE_CJK = N_("install a font with the rarer CJK characters (Debian/Ubuntu: apt-get install "
                      "fonts-hanazono) or name one with 'salescli config set pdf_font PATH'")
INSTALL_SYMBOLS = N_("install a font with these symbols (Debian/Ubuntu: apt-get install fonts-symbola; colour "
                     "emoji cannot be embedded) or name one with 'salescli config set pdf_font PATH'")
INSTALL_OTHER = N_("install a font that has them and name it with 'salescli config set pdf_font PATH'")


def system_folders() -> list[Path]:
    home = Path.home()
    if sys.platform == "darwin":
        names = ["/System/Library/Fonts", "/Library/Fonts", str(home / "Library/Fonts")]
    elif sys.platform == "win32":
        names = [os.path.join(os.environ.get("WINDIR", "C:/Windows"), "Fonts")]
    else:
        data = os.environ.get("XDG_DATA_HOME") or str(home / ".local/share")
        names = ["/usr/share/fonts", "/usr/local/share/fonts", os.path.join(data, "fonts"), str(home / ".fonts")]
    return [Path(n) for n in names if os.path.isdir(n)]


def _files(folders: Iterable[Path]) -> Iterator[Path]:
    for folder in folders:
        for root, _dirs, names in os.walk(folder):
            for name in sorted(names):
                if name.lower().endswith(FONT_EXTENSIONS):
                    yield Path(root) / name


def candidates(configured: str | None) -> list[Path]:
    """The fonts to try, in order: the configured file; then, from the configured folder or the system's, the
    well-known Latin fonts, the well-known CJK fonts, and every other font file (read only while characters are
    still uncovered: a rare character finds the font installed for it, whatever its file is called)."""
    first: list[Path] = []
    folders = system_folders()
    if configured:
        path = Path(configured).expanduser()
        if path.is_dir():
            folders = [path]
        elif path.is_file():
            first = [path]
        else:
            raise PolicyError(_("pdf_font {path} is not a font file or a folder of fonts").format(
                path=repr(configured)))
    found = list(_files(folders))
    by_name: dict[str, Path] = {}
    for path in found:
        by_name.setdefault(path.name.lower(), path)
    ordered = first + [by_name[n.lower()] for n in (*LATIN, *CJK) if n.lower() in by_name] + found
    seen: set[Path] = set()
    return [p for p in ordered if not (p in seen or seen.add(p))]  # type: ignore[func-returns-value]


@lru_cache(maxsize=32)
def covered(path: Path) -> frozenset[int]:
    """The code points a font file (its first face, for a collection) has glyphs for; empty if unreadable."""
    import logging

    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        with TTFont(str(path), fontNumber=0, lazy=True) as font:
            return frozenset(font.getBestCmap() or {})
    except Exception:  # a broken or unsupported file is simply not a candidate
        return frozenset()


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFF00 <= code <= 0xFFEF
            or 0x20000 <= code <= 0x3FFFF or 0x3000 <= code <= 0x303F)


def _hint(missing: str) -> str:
    """What to install for the first kind of character no font here has."""
    for ch in missing:
        code = ord(ch)
        if code >= 0x20000 and _is_cjk(ch):
            return INSTALL_RARE_CJK
        if _is_cjk(ch):
            return INSTALL_CJK
        if 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF:
            return INSTALL_SYMBOLS
    return INSTALL_LATIN if all(ord(ch) < 0x0250 for ch in missing) else INSTALL_OTHER


def choose(characters: Iterable[str], configured: str | None) -> list[Path]:
    """The fonts that together cover ``characters``: the first is the main font, the rest fallbacks. Refuses
    (naming what to install) when no set of installed fonts covers them all."""
    needed = {ord(ch) for ch in characters if not ch.isspace()}
    chosen: list[Path] = []
    for path in candidates(configured):
        if not needed:
            break
        gained = needed & covered(path)
        if gained:
            chosen.append(path)
            needed -= gained
    if needed:
        missing = "".join(sorted(chr(c) for c in needed))
        shown = missing if len(missing) <= 12 else missing[:12] + "…"
        hint = _hint(missing)
        raise PolicyError(_("no font here has the characters {characters} the PDF needs: {hint}").format(
            characters=repr(shown), hint=_(hint)))
    return chosen
