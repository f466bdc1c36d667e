"""The reply page's HTML: Jinja2 templates (autoescaped: a company name like ``<script>`` prints as text), one
inline stylesheet allowed by its hash in the Content-Security-Policy, and no script at all: the form is radio
buttons styled as buttons, so it works without JavaScript. Mobile first: one column, large tap targets."""

from __future__ import annotations

import base64
import hashlib

from jinja2 import DictLoader, Environment, StrictUndefined

from salescli.web.strings import BOTH, TEXT

CSS = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:#f4f5f7;color:#1f2328;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,
"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC",sans-serif}
main{max-width:40rem;margin:0 auto;padding:1rem}
.card{background:#fff;border-radius:12px;padding:1.25rem 1rem;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h1{font-size:1.35rem;margin:0 0 .25rem}
.about{color:#57606a;margin:0 0 1rem}
fieldset{border:0;margin:0 0 1.5rem;padding:0}
legend{font-weight:600;margin-bottom:.6rem;padding:0}
.scale{display:grid;gap:.4rem}
.nps{grid-template-columns:repeat(6,1fr)}
.csat{grid-template-columns:1fr}
@media (min-width:34rem){.nps{grid-template-columns:repeat(11,1fr)}.csat{grid-template-columns:repeat(5,1fr)}}
.choice{position:relative;display:block}
.choice input{position:absolute;opacity:0;width:1px;height:1px;margin:0}
.choice span{display:flex;align-items:center;justify-content:center;min-height:3rem;padding:.25rem;
border:2px solid #d0d7de;border-radius:10px;background:#fff;text-align:center;cursor:pointer;font-weight:600}
.choice input:checked+span{background:#0b5cad;border-color:#0b5cad;color:#fff}
.choice input:focus-visible+span{outline:3px solid #f0a500;outline-offset:2px}
.ends{display:flex;justify-content:space-between;color:#57606a;font-size:.85rem;margin-top:.35rem;gap:1rem}
label.block{display:block;font-weight:600;margin-bottom:.5rem}
textarea{width:100%;min-height:7rem;font:inherit;padding:.6rem;border:2px solid #d0d7de;border-radius:10px;
margin-bottom:1.25rem}
textarea:focus{outline:3px solid #f0a500;outline-offset:1px}
button{width:100%;min-height:3.25rem;border:0;border-radius:10px;background:#0b5cad;color:#fff;font:inherit;
font-weight:700;font-size:1.1rem;cursor:pointer}
button:focus-visible{outline:3px solid #f0a500;outline-offset:2px}
.errors{border-left:4px solid #cf222e;background:#ffebe9;padding:.6rem .8rem;margin:0 0 1rem;border-radius:6px}
.errors ul{margin:.25rem 0 0;padding-left:1.2rem}
.en{color:#57606a}
"""

#: The Content-Security-Policy source that allows exactly this stylesheet (and nothing inline that is not it).
STYLE_HASH = "'sha256-" + base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode() + "'"

_BASE = """<!doctype html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>{{ title }}</title>
<style>{{ css|safe }}</style>
</head>
<body>
<main><div class="card">
{% block body %}{% endblock %}
</div></main>
</body>
</html>
"""

_FORM = """{% extends "base" %}{% block body %}
<h1>{{ heading }}</h1>
<p class="about">{{ about }}</p>
{% if errors %}<div class="errors" role="alert">{{ t.errors }}<ul>
{% for e in errors %}<li>{{ e }}</li>{% endfor %}
</ul></div>{% else %}<p>{{ t.intro }}</p>{% endif %}
<form method="post" accept-charset="utf-8">
<input type="hidden" name="form" value="{{ form_token }}">
<fieldset>
<legend id="nps-q">1. {{ t.nps }}</legend>
<div class="scale nps" role="radiogroup" aria-labelledby="nps-q">
{% for n in range(11) %}<label class="choice" for="nps-{{ n }}"><input type="radio" id="nps-{{ n }}" name="nps"
value="{{ n }}"{% if chosen.nps == n|string %} checked{% endif %}><span>{{ n }}</span></label>
{% endfor %}</div>
<div class="ends"><span>{{ t.nps_low }}</span><span>{{ t.nps_high }}</span></div>
</fieldset>
<fieldset>
<legend id="csat-q">2. {{ t.csat }}</legend>
<div class="scale csat" role="radiogroup" aria-labelledby="csat-q">
{% for n in range(1, 6) %}<label class="choice" for="csat-{{ n }}"><input type="radio" id="csat-{{ n }}"
name="csat" value="{{ n }}"{% if chosen.csat == n|string %} checked{% endif %}><span>{{ n }} ·
{{ t["csat_" ~ n] }}</span></label>
{% endfor %}</div>
</fieldset>
<label class="block" for="comment">{{ t.comment }}</label>
<textarea id="comment" name="comment" maxlength="{{ comment_limit }}" rows="4">{{ chosen.comment }}</textarea>
<button type="submit">{{ t.submit }}</button>
</form>
{% endblock %}"""

_MESSAGE = """{% extends "base" %}{% block body %}
<h1>{{ heading }}</h1>
{% if about %}<p class="about">{{ about }}</p>{% endif %}
<p>{{ text }}</p>
{% endblock %}"""

_BOTH = """{% extends "base" %}{% block body %}
<h1>{{ heading[0] }} <span class="en">/ {{ heading[1] }}</span></h1>
<p>{{ text[0] }}</p>
<p class="en" lang="en">{{ text[1] }}</p>
{% endblock %}"""

_env = Environment(loader=DictLoader({"base": _BASE, "form": _FORM, "message": _MESSAGE, "both": _BOTH}),
                   autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _heading(company: str | None, language: str) -> str:
    return company or TEXT[language]["title"]


def _about(order: str | None, language: str) -> str:
    t = TEXT[language]
    return t["about_order"].format(order=order) if order else t["about_service"]


def form(*, language: str, company: str | None, order: str | None, form_token: str, comment_limit: int,
         chosen: dict[str, str] | None = None, errors: list[str] | None = None) -> str:
    t = TEXT[language]
    return _env.get_template("form").render(
        lang=t["html_lang"], title=t["title"], css=CSS, t=t, heading=_heading(company, language),
        about=_about(order, language), form_token=form_token, comment_limit=comment_limit,
        chosen={"nps": "", "csat": "", "comment": "", **(chosen or {})}, errors=errors or [])


def message(kind: str, *, language: str, company: str | None, order: str | None) -> str:
    """The thank-you page (``thanks``) or the already-answered page (``answered``)."""
    t = TEXT[language]
    return _env.get_template("message").render(
        lang=t["html_lang"], title=t["title"], css=CSS, heading=f"{t[kind + '_title']}",
        about=_about(order, language) if company is None else f"{company} · {_about(order, language)}",
        text=t[kind])


def both(kind: str) -> str:
    """A page shown without knowing whose survey it is (404, refused, too many requests...): both languages."""
    heading, text = BOTH[kind], BOTH[kind + "_text"]
    return _env.get_template("both").render(lang="zh-CN", title=f"{heading[0]} / {heading[1]}", css=CSS,
                                            heading=heading, text=text)
