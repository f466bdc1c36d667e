"""Search, the pure half: the index terms of a record, what a typed query looks for, and how well a record matches.

The index (services/search.py) holds each record's terms, read by exact term or prefix: ``(term, kind, record_id)``
rows on SQLite, one tsvector per record on PostgreSQL (models.py says why). Either way it needs no word breaker
for Chinese:

- text (names, companies, deal titles) is NFKC-normalized and case-folded, then cut into runs: a run of
  Chinese/Japanese/Korean characters gives one term per character, the character and the next one (a bigram; the
  last character of the run alone), so any piece of 1 character is a prefix of a term and any piece of 2 is a term;
  a run of other letters and digits is one word term (its first ``WORD_LEN`` characters), found by its prefix;
- an email is one term, the whole address folded: its prefix finds it by the local part or in full;
- a phone number is ``#`` and its digits backwards (from the stored E.164 key): any last 4 or more digits are a
  prefix of it.

A query is a list of clauses that must all hold; each clause is a few exact terms or term prefixes, any of which
may match. Text with punctuation the terms cannot hold (``0%``, ``a_b``) is matched literally instead (``scan``),
as ``--search`` always did.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

KINDS: dict[str, int] = {"lead": 1, "customer": 2, "contact": 3, "deal": 4}
#: the stored fields whose terms each kind's records get (``phone_key``: the E.164 key)
FIELDS: dict[str, tuple[str, ...]] = {
    "lead": ("name", "company", "email", "phone_key"),
    "customer": ("name",),
    "contact": ("name", "email", "phone_key"),
    "deal": ("title",),
}
WORD_LEN = 32  # a word's term holds its first 32 characters (a longer query word is cut the same way)
TERM_LEN = 120  # no term is longer (an email is cut here; the column is this wide)
MIN_PHONE_DIGITS = 4
PHONE_MARK = "#"

_CJK = ("\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7af"
        "\uf900-\ufaff\U00020000-\U0003ffff")
_RUN = re.compile(f"([{_CJK}]+)|([^\\W_{_CJK}]+)")
_SPACE_OR_TOKEN = re.compile(f"[\\s{_CJK}]|[^\\W_]")
_PHONE_QUERY = re.compile(r"\+?[\d\s\-().]+")
_NOT_DIGIT = re.compile(r"\D")


def fold(text: str) -> str:
    """The form every term and query is compared in: NFKC (full-width Ａ１ → A1), case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def text_terms(text: str | None) -> frozenset[str]:
    """The terms of free text: bigrams (and each run's last character) of CJK runs, whole words otherwise."""
    if not text:
        return frozenset()
    return _text_terms(text)


@lru_cache(maxsize=1 << 16)  # names and companies repeat: an import of 1M leads computes each one once
def _text_terms(text: str) -> frozenset[str]:
    out: set[str] = set()
    for cjk, word in _RUN.findall(fold(text)):
        if word:
            out.add(word[:WORD_LEN])
        else:
            out.update(cjk[i:i + 2] for i in range(len(cjk)))
    return frozenset(out)


def email_terms(email: str | None) -> frozenset[str]:
    if not email or not email.strip():
        return frozenset()
    return frozenset((fold(email.strip())[:TERM_LEN],))


def phone_terms(phone_key: str | None) -> frozenset[str]:
    digits = _NOT_DIGIT.sub("", phone_key or "")
    return frozenset(((PHONE_MARK + digits[::-1])[:TERM_LEN],)) if len(digits) >= MIN_PHONE_DIGITS else frozenset()


def record_terms(kind: str, values: Mapping[str, object]) -> set[str]:
    """Every term of one record of ``kind`` (a lead, customer, contact or deal) from its stored ``values``."""
    out: set[str] = set()
    for name in FIELDS[kind]:
        value = values.get(name)
        text = None if value is None else str(value)
        if name == "email":
            out |= email_terms(text)
        elif name == "phone_key":
            out |= phone_terms(text)
        else:
            out |= text_terms(text)
    return out


def column_terms(kind: str, columns: Mapping[str, Sequence[object]], rows: int) -> list[list[str]]:
    """``record_terms`` for a batch given column by column (an import's checked chunk), row by row."""
    makers = {"email": email_terms, "phone_key": phone_terms}
    present = [(makers.get(name, text_terms), columns[name]) for name in FIELDS[kind] if name in columns]
    out: list[list[str]] = []
    for r in range(rows):
        terms: set[str] = set()
        for make, values in present:
            value = values[r]
            if value is not None:
                terms |= make(value if type(value) is str else str(value))
        out.append(list(terms))
    return out


# -- queries ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clause:
    """Holds when a record has one of ``exact`` or a term starting with one of ``prefixes``."""

    exact: tuple[str, ...] = ()
    prefixes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Query:
    text: str  # as typed, stripped
    folded: str
    clauses: tuple[Clause, ...] = ()
    scan: bool = False  # the index cannot answer it: match the text literally in the record's fields
    verify: tuple[str, ...] = ()  # CJK pieces of 3+ characters: a record must contain each (bigrams can cross)
    phone_digits: str | None = None  # a phone-like query: its digits


def parse(text: str) -> Query:
    """What a typed search looks for (see the module). Empty text looks for nothing (no clauses, no scan)."""
    stripped = text.strip()
    folded = fold(stripped)
    if not folded:
        return Query(stripped, folded)
    if "@" in folded and not folded.startswith("@") and not any(c.isspace() for c in folded):
        return Query(stripped, folded, (Clause(prefixes=(folded[:TERM_LEN],)),))
    digits = _NOT_DIGIT.sub("", folded)
    if _PHONE_QUERY.fullmatch(folded) and len(digits) >= MIN_PHONE_DIGITS:
        word = digits[:WORD_LEN]
        phone = (PHONE_MARK + digits[::-1])[:TERM_LEN]  # no term is longer (PostgreSQL refuses a word of 2 KB)
        return Query(stripped, folded, (Clause(prefixes=(phone, word)),), phone_digits=digits)
    if _SPACE_OR_TOKEN.sub("", folded):  # punctuation or symbols the terms do not hold: literal match
        return Query(stripped, folded, scan=True)
    clauses: list[Clause] = []
    verify: list[str] = []
    for cjk, word in _RUN.findall(folded):
        if word:
            clauses.append(Clause(prefixes=(word[:WORD_LEN],)))
        elif len(cjk) == 1:
            clauses.append(Clause(prefixes=(cjk,)))
        else:
            clauses.extend(Clause(exact=(bigram,)) for bigram in dict.fromkeys(cjk[i:i + 2]
                                                                                for i in range(len(cjk) - 1)))
            if len(cjk) > 2:
                verify.append(cjk)
    return Query(stripped, folded, tuple(dict.fromkeys(clauses)), verify=tuple(verify))


def tsquery(clauses: Sequence[Clause]) -> str | None:
    """The clauses as PostgreSQL tsquery text (the index there is a tsvector of the same terms): each clause's
    exact terms and ``prefix:*`` joined by ``|``, the clauses by ``&``; every term quoted (``'`` and ``\\``
    doubled), so no character of it is read as an operator. None when a clause has nothing to match."""
    parts = []
    for clause in clauses:
        options = [_lexeme(term) for term in clause.exact] + [_lexeme(p) + ":*" for p in clause.prefixes]
        if not options:
            return None
        parts.append("(" + " | ".join(options) + ")")
    return " & ".join(parts) if parts else None


def tsvector_copy(terms: Iterable[str]) -> str:
    """``terms`` as PostgreSQL tsvector text, each term quoted as in :func:`tsquery`, escaped for a field of COPY's
    text format (what an import writes into the index there); "" for no terms."""
    text = " ".join(_lexeme(term) for term in terms)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _lexeme(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def prefix_end(prefix: str) -> str | None:
    """The smallest string above every string starting with ``prefix`` (code point order, which is also UTF-8
    byte order): ``term >= prefix AND term < prefix_end(prefix)``. None when there is none (all U+10FFFF)."""
    chars = list(prefix)
    while chars:
        last = ord(chars.pop())
        if last < 0x10FFFF:
            following = last + 1
            if 0xD800 <= following <= 0xDFFF:  # surrogates are no characters: skip them
                following = 0xE000
            return "".join(chars) + chr(following)
    return None


# -- ranking ------------------------------------------------------------------------------------------------------

#: how a match ranks (higher first), by what matched
SCORES = {"email": 100, "phone": 95, "name": 90, "name_prefix": 80, "name_part": 70, "company": 60,
          "company_part": 50, "title": 40, "other": 10}
KIND_ORDER = ("lead", "customer", "contact", "deal")


def _words(text: str) -> list[str]:
    return [w for pair in _RUN.findall(text) for w in pair if w]


def rank(query: Query, *, name: str | None = None, company: str | None = None, email: str | None = None,
         phone: str | None = None, title: str | None = None) -> tuple[int, str]:
    """(score, why it matched) of one found record against ``query``: an exact email or phone first, then the
    name (whole, its start, a word or piece of it), the company, then anything else the index matched."""
    q = query.folded
    if not q:
        return SCORES["other"], ""
    found: list[tuple[int, str]] = []
    if email and fold(email) == q:
        found.append((SCORES["email"], "email"))
    elif email and fold(email).startswith(q):
        found.append((SCORES["email"] - 15, "email"))
    if phone and query.phone_digits and _NOT_DIGIT.sub("", phone).endswith(query.phone_digits):
        found.append((SCORES["phone"], "phone"))
    for value, label, whole, start, part in ((name, "name", "name", "name_prefix", "name_part"),
                                             (company, "company", "company", "company", "company_part"),
                                             (title, "title", "title", "title", "title")):
        if not value:
            continue
        folded = fold(value)
        if folded == q:
            found.append((SCORES[whole], label))
        elif folded.startswith(q):
            found.append((SCORES[start], label))
        elif q in folded or _all_words_start(query, folded):
            found.append((SCORES[part], label))
    if not found:
        return SCORES["other"], "other"
    best = max(score for score, _ in found)
    why = ", ".join(dict.fromkeys(label for score, label in sorted(found, reverse=True)))
    return best, why


def _all_words_start(query: Query, folded: str) -> bool:
    """Each word of the query starts a word of ``folded`` (CJK pieces: appear in it)."""
    words = _words(folded)
    for cjk, word in _RUN.findall(query.folded):
        if word and not any(w.startswith(word) for w in words):
            return False
        if cjk and cjk not in folded:
            return False
    return True


def order(found: Iterable[tuple[int, str, int]]) -> list[tuple[int, str, int]]:
    """(score, kind, id) best first: score, then the kinds in KIND_ORDER, then the newest record."""
    return sorted(found, key=lambda f: (-f[0], KIND_ORDER.index(f[1]), -f[2]))
