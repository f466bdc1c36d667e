"""The survey reply page (``salescli survey serve``): the link in a survey email leads here.

- ``app.py``: the Starlette application (routes, the form, storing the answer through services/surveys.py);
- ``guard.py``: what keeps it safe (form tokens, same-origin checks, rate limits, security headers, body limits);
- ``pages.py`` and ``strings.py``: the HTML (autoescaped Jinja2, one stylesheet, no script) in Chinese and English;
- ``server.py``: checks the options and runs it under uvicorn.

Imported only by ``survey serve`` (and its tests): ``salescli --help`` never loads Starlette or uvicorn.
"""
