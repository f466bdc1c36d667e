"""What a person reads, in their language: gettext catalogs, one language per process.

Messages are written in English in the code and marked for the catalog:

- ``_("lead {id} not found").format(id=lead_id)``: translated when the message is made (placeholders are named,
  so a translation can reorder them; the catalog test checks every translation has the same placeholders);
- ``N_("Owner")``: only marks a constant for the catalog (a table header, a heading defined at import time); it is
  translated where it is shown (the renderer translates table headers, labels and titles);
- ``ngettext("{n} row", "{n} rows", n).format(n=n)`` for counts.

The catalogs are ``salescli/locale/<lang>/LC_MESSAGES/salescli.po``, compiled to ``.mo`` by the normal install
(setup.py) and shipped in the package. The language is chosen once, before any help text is built: the
``language`` setting (SALESCLI_LANGUAGE, or the config file), ``auto`` from LC_ALL / LC_MESSAGES / LANG / LANGUAGE.

Light on purpose: ``--help`` imports it (gettext only; the .mo is read when Chinese is chosen).
"""

from __future__ import annotations

import gettext as _gettext
import os
import sys
from collections.abc import Mapping
from pathlib import Path

DOMAIN = "salescli"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("zh", "en")
CATALOGS = {"zh": "zh_CN"}  # language → the catalog's folder under locale/ (English is the source: no catalog)

_translations: _gettext.NullTranslations = _gettext.NullTranslations()
_language = "en"


def _(message: str) -> str:
    """``message`` in the chosen language (itself when the catalog has no translation)."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Marks a message for the catalog without translating it here: it is translated where it is shown."""
    return message


def language() -> str:
    """The language in use: ``zh`` or ``en``."""
    return _language


def from_locale(environ: Mapping[str, str] | None = None) -> str:
    """``zh`` or ``en`` from the locale variables, as gettext reads them: LC_ALL, then LC_MESSAGES, then LANG
    choose the locale; LANGUAGE (a list of languages) wins when set, unless the locale is C/POSIX."""
    env = os.environ if environ is None else environ
    locale = next((env[name] for name in ("LC_ALL", "LC_MESSAGES", "LANG") if env.get(name)), "")
    wanted = [locale]
    if env.get("LANGUAGE") and locale.split(".")[0] not in ("C", "POSIX"):
        wanted = [part for part in env["LANGUAGE"].split(":") if part] + wanted
    for name in wanted:
        code = name.split(".")[0].split("@")[0].lower()
        if code.startswith("zh"):
            return "zh"
        if code and code not in ("c", "posix"):
            return "en"  # English, or a language without a catalog
    return "en"


def pick(setting: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The language for a ``language`` setting of zh, en or auto (None: auto)."""
    if setting in LANGUAGES:
        return setting
    return from_locale(environ)


def use(lang: str) -> None:
    """Print in ``lang`` (zh or en) from now on, Typer's own words (Usage, Options, [required]) included."""
    global _translations, _language
    if lang not in LANGUAGES:
        lang = "en"
    _translations = _gettext.NullTranslations() if lang == "en" else _catalog(lang)
    _language = lang
    for name in ("typer.core", "typer.rich_utils"):  # they call gettext's global ``_``: point it at ours
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "_"):
            module._ = _  # type: ignore[attr-defined]


class _Messages(_gettext.NullTranslations):
    """A catalog of plain messages (no plural forms) read by ``_read_mo``: translated, or the message itself."""

    def __init__(self, messages: dict[str, str]) -> None:
        super().__init__()
        self._messages = messages

    def gettext(self, message: str) -> str:
        return self._messages.get(message, message)


def _catalog(lang: str) -> _gettext.NullTranslations:
    """``lang``'s catalog: the compiled .mo read in one pass (about 40% of gettext's time, which ``--help`` in
    Chinese pays first thing), or by gettext itself when the file holds what ``_read_mo`` leaves to it (plural
    forms, another charset); English when it is not there or damaged (every command would fail otherwise)."""
    path = LOCALE_DIR / CATALOGS[lang] / "LC_MESSAGES" / f"{DOMAIN}.mo"
    try:
        messages = _read_mo(path.read_bytes())
    except OSError:
        messages = None
    if messages is None:
        import struct

        try:
            return _gettext.translation(DOMAIN, LOCALE_DIR, languages=[CATALOGS[lang]], fallback=True)
        except (OSError, ValueError, struct.error):  # a damaged catalog: English, as when there is none
            return _gettext.NullTranslations()
    return _Messages(messages)


def _read_mo(data: bytes) -> dict[str, str] | None:
    """A GNU .mo file's messages as gettext.GNUTranslations reads them (the header under ""), when the file is
    little-endian, UTF-8 and without plural forms (what tools/catalog.py and the install write); else None."""
    import struct

    try:
        magic, version, count, originals, translations = struct.unpack_from("<5I", data)
        if magic != 0x950412DE or version >> 16:
            return None
        keys = struct.unpack_from(f"<{2 * count}I", data, originals)
        values = struct.unpack_from(f"<{2 * count}I", data, translations)
        messages = {}
        for size, start, value_size, value_start in zip(keys[0::2], keys[1::2], values[0::2], values[1::2],
                                                        strict=True):
            if start + size > len(data) or value_start + value_size > len(data):
                return None
            key = data[start:start + size]
            if b"\0" in key:
                return None
            messages[key.decode()] = data[value_start:value_start + value_size].decode()
    except (struct.error, UnicodeDecodeError):
        return None
    for line in messages.get("", "").splitlines():
        name, _colon, value = line.partition(":")
        charset = value.split("charset=")[1].strip().lower() if "charset=" in value else "utf-8"
        if name.strip().lower() == "content-type" and charset not in ("utf-8", "utf8"):
            return None
    return messages
