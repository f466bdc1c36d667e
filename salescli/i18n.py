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
    if lang == "en":
        _translations = _gettext.NullTranslations()
    else:
        _translations = _gettext.translation(DOMAIN, LOCALE_DIR, languages=[CATALOGS[lang]], fallback=True)
    _language = lang
    for name in ("typer.core", "typer.rich_utils"):  # they call gettext's global ``_``: point it at ours
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "_"):
            module._ = _  # type: ignore[attr-defined]
