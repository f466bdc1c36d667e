"""Search: ``salescli search`` across leads, customers, contacts and deals, and every list command's ``--search``.

The index holds the terms of each record (domain/search.py): on SQLite the ``search_terms`` table (a row per term),
on PostgreSQL ``search_docs`` (a row per record, its terms a tsvector under a GIN index: models.py). It is kept in
step by the services that write the records, in their transaction: ``index`` for a new record, ``reindex_one``
when indexed fields change, ``forget`` for a record merged away; imports add a chunk's terms at once
(services/imports.py). ``rebuild`` makes it again from the records (``salescli db reindex``, migrations 0008, 0011).

A search finds ids in the index and reads the records from their own tables, so on a team database row security
on those tables decides what a rep sees (``search_docs`` has its own policy too: services/team.py). Text the
index cannot answer (punctuation: ``0%``, ``a_b``) is matched literally, ``%`` and ``_`` finding themselves, as
``--search`` always did.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import Boolean, Connection, and_, cast, delete, func, insert, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import UserDefinedType

from salescli import models
from salescli.domain import search as rules

ESCAPE = "\\"  # pass as ``escape=ESCAPE`` to every ``like``/``ilike`` given a contains_pattern
T = models.search_terms  # SQLite
D = models.search_docs  # PostgreSQL
TABLES = {"lead": "leads", "customer": "customers", "contact": "contacts", "deal": "deals"}
BATCH = 5000
CANDIDATES = 200  # records read per kind before ranking (a search shows the best of these)


def contains_pattern(text: str) -> str:
    """A LIKE pattern for "contains ``text``": its ``\\``, ``%`` and ``_`` escaped with ESCAPE.

    Use as ``column.ilike(contains_pattern(text), escape=ESCAPE)``: both backends then read the pattern the same
    way (PostgreSQL's default escape is already ``\\``, SQLite has none unless told).
    """
    return f"%{_escaped(text)}%"


def prefix_pattern(text: str) -> str:
    """A LIKE pattern for "starts with ``text``" (escaped as in :func:`contains_pattern`)."""
    return f"{_escaped(text)}%"


def _escaped(text: str) -> str:
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


# -- keeping the index in step ------------------------------------------------------------------------------------
# SQLite: ``search_terms`` rows, one per term. PostgreSQL: ``search_docs``, one row per record with its terms as a
# tsvector (models.py says why); the same functions write both.


def _docs(conn: Connection) -> bool:
    """Whether this database keeps the index as one tsvector per record (PostgreSQL)."""
    return conn.dialect.name == "postgresql"


_DOC_INSERT = ("INSERT INTO search_docs (kind, record_id, terms) "
               "VALUES (%(kind)s, %(id)s, array_to_tsvector(%(terms)s::text[])) ON CONFLICT (kind, record_id) DO ")
_DOC_MERGE = _DOC_INSERT + "UPDATE SET terms = search_docs.terms || excluded.terms"
_DOC_KEEP = _DOC_INSERT + "NOTHING"


def _rows(kind: int, pairs: Iterable[tuple[int, Iterable[str]]]) -> Iterator[dict[str, Any]]:
    for record_id, terms in pairs:
        for term in terms:
            yield {"term": term, "kind": kind, "record_id": record_id}


def _doc_rows(kind: int, pairs: Iterable[tuple[int, Iterable[str]]]) -> Iterator[dict[str, Any]]:
    for record_id, terms in pairs:
        listed = sorted(terms)
        if listed:
            yield {"kind": kind, "id": record_id, "terms": listed}


def add_terms(conn: Connection, kind: str, pairs: Iterable[tuple[int, Iterable[str]]], *,
              skip_indexed: bool = False) -> int:
    """Store the terms of records: (id, terms) pairs, added to what each record has. ``skip_indexed``: a record that
    already has terms is left as it is (another session indexed it). Returns how many terms were written."""
    code = rules.KINDS[kind]
    docs = _docs(conn)
    rows = _doc_rows(code, pairs) if docs else _rows(code, pairs)
    written = 0
    batch: list[dict[str, Any]] = []

    def flush() -> int:
        if docs:
            conn.exec_driver_sql(_DOC_KEEP if skip_indexed else _DOC_MERGE, batch)
            return sum(len(row["terms"]) for row in batch)
        conn.execute(_insert_ignoring(conn) if skip_indexed else insert(T), batch)
        return len(batch)

    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            written += flush()
            batch = []
    if batch:
        written += flush()
    return written


def _remove(conn: Connection, kind: str, record_id: int, terms: set[str]) -> None:
    """Take ``terms`` out of a record's terms."""
    if not terms:
        return
    if _docs(conn):
        key = {"kind": rules.KINDS[kind], "id": record_id}
        left = conn.exec_driver_sql("UPDATE search_docs SET terms = ts_delete(terms, %(terms)s::text[]) "
                                    "WHERE kind = %(kind)s AND record_id = %(id)s RETURNING length(terms)",
                                    {**key, "terms": sorted(terms)}).scalar()
        if left == 0:  # no terms left: no row
            conn.exec_driver_sql("DELETE FROM search_docs WHERE kind = %(kind)s AND record_id = %(id)s", key)
        return
    conn.execute(delete(T).where(T.c.kind == rules.KINDS[kind], T.c.record_id == record_id,
                                 T.c.term.in_(sorted(terms))))


def index(conn: Connection, kind: str, record_id: int, values: Mapping[str, Any]) -> None:
    """A new record's terms (``values``: its stored fields)."""
    add_terms(conn, kind, [(record_id, rules.record_terms(kind, values))])


def forget(conn: Connection, kind: str, record_id: int, values: Mapping[str, Any]) -> None:
    """Remove a record's terms (``values``: its stored fields as indexed)."""
    _remove(conn, kind, record_id, rules.record_terms(kind, values))


def reindex_one(conn: Connection, kind: str, record_id: int, before: Mapping[str, Any],
                after: Mapping[str, Any]) -> None:
    """A record's indexed fields changed from ``before`` to ``after``: drop the terms it lost, add the new ones."""
    old, new = rules.record_terms(kind, before), rules.record_terms(kind, after)
    _remove(conn, kind, record_id, old - new)
    if new - old:
        add_terms(conn, kind, [(record_id, new - old)])


def indexed_columns(kind: str) -> list[Any]:
    """The id and the indexed columns of ``kind``'s table."""
    table = models.metadata.tables[TABLES[kind]]
    return [table.c.id, *(table.c[name] for name in rules.FIELDS[kind])]


def index_where(conn: Connection, kind: str, condition: ColumnElement[bool], *, skip_indexed: bool = False) -> int:
    """Index the records of ``kind`` that ``condition`` selects (new ones: nothing is removed first).
    ``skip_indexed``: terms already stored are left as they are (a record another session indexed)."""
    table = models.metadata.tables[TABLES[kind]]
    written = 0
    rows = conn.execute(select(*indexed_columns(kind)).where(condition).order_by(table.c.id)).mappings().all()
    for start in range(0, len(rows), BATCH):
        pairs = [(int(r["id"]), rules.record_terms(kind, dict(r))) for r in rows[start:start + BATCH]]
        written += add_terms(conn, kind, pairs, skip_indexed=skip_indexed)
    return written


def _insert_ignoring(conn: Connection) -> Any:
    return insert(T).prefix_with("OR IGNORE")  # SQLite only: PostgreSQL's rows are search_docs (ON CONFLICT)


DOC_COLUMNS = ("kind", "record_id", "terms")  # search_docs, as an import COPYs them (importers/pgcopy.py)


def add_chunk(conn: Connection, kind: str, terms: str, ids: Sequence[int | None]) -> None:
    """Store an import chunk's terms (SQLite; PostgreSQL's imports COPY them: importers/pgcopy.py): ``terms`` is a JSON
    array holding each row's array of terms, ``ids`` the id each row was stored under (None: the row was not
    stored). One statement per chunk when every row was stored under consecutive ids (the usual case): the database
    unpacks the JSON, so no Python object is made per term; otherwise the rows' terms go through executemany."""
    code = rules.KINDS[kind]
    first = ids[0] if ids else None
    if not _docs(conn) and first is not None and None not in ids and ids[-1] == first + len(ids) - 1:
        conn.exec_driver_sql(
            f"INSERT INTO search_terms (term, kind, record_id) SELECT t.value, {code}, {int(first)} + r.key "
            "FROM json_each(?) r, json_each(r.value) t", (terms,))
    else:
        import json

        add_terms(conn, kind, ((i, row) for i, row in zip(ids, json.loads(terms), strict=True) if i is not None))


def _live(kind: str) -> ColumnElement[bool]:
    table = models.metadata.tables[TABLES[kind]]
    return table.c.merged_into.is_(None) if "merged_into" in table.c else table.c.id.is_not(None)


def rebuild(conn: Connection) -> dict[str, int]:
    """Make the whole index again from the records (``db reindex``); returns the terms written per kind."""
    conn.execute(delete(D if _docs(conn) else T))
    return {kind: index_where(conn, kind, _live(kind)) for kind in TABLES}


def index_unindexed(conn: Connection) -> dict[str, int]:
    """PostgreSQL: index the records that have no terms in ``search_docs`` yet (migration 0011)."""
    counts = {}
    for kind, name in TABLES.items():
        table = models.metadata.tables[name]
        known = select(D.c.record_id).where(D.c.kind == rules.KINDS[kind])
        counts[kind] = index_where(conn, kind, and_(_live(kind), table.c.id.not_in(known)), skip_indexed=True)
    return counts


# -- finding ------------------------------------------------------------------------------------------------------


def _clause_ids(kind: str, clause: rules.Clause) -> Any:
    """SQLite: the ids of ``kind`` records with a term matching ``clause`` (a subquery)."""
    conditions: list[ColumnElement[bool]] = []
    if clause.exact:
        conditions.append(T.c.term.in_(clause.exact) if len(clause.exact) > 1 else T.c.term == clause.exact[0])
    for prefix in clause.prefixes:
        end = rules.prefix_end(prefix)
        conditions.append(and_(T.c.term >= prefix, T.c.term < end) if end is not None else T.c.term >= prefix)
    return select(T.c.record_id).where(or_(*conditions), T.c.kind == rules.KINDS[kind])


class _TSQuery(UserDefinedType[str]):
    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "TSQUERY"


class Matches(ColumnElement[bool]):
    """``id_column`` is the id of a ``kind`` record whose terms meet every clause: on SQLite one ``IN`` per clause
    over ``search_terms``; on PostgreSQL one ``IN`` over ``search_docs`` with the clauses as one tsquery (its GIN
    index answers exact terms and prefixes alike). Compiled for the database the statement runs on."""

    inherit_cache = False
    type = Boolean()

    def __init__(self, kind: str, clauses: Sequence[rules.Clause], id_column: Any) -> None:
        self.kind, self.clauses, self.id_column = kind, tuple(clauses), id_column


@compiles(Matches)
def _matches_terms(element: Matches, compiler: Any, **kw: Any) -> str:
    found = and_(*(element.id_column.in_(_clause_ids(element.kind, c)) for c in element.clauses))
    return str(compiler.process(found, **kw))


@compiles(Matches, "postgresql")
def _matches_docs(element: Matches, compiler: Any, **kw: Any) -> str:
    text = rules.tsquery(element.clauses)
    if text is None:
        return str(compiler.process(element.id_column.is_(None), **kw))  # ids are never null: nothing
    docs = select(D.c.record_id).where(D.c.kind == rules.KINDS[element.kind],
                                       D.c.terms.op("@@")(cast(literal(text), _TSQuery())))
    return str(compiler.process(element.id_column.in_(docs), **kw))


def _literal(columns: Sequence[Any], text: str) -> ColumnElement[bool]:
    like = contains_pattern(text)
    return or_(*(column.ilike(like, escape=ESCAPE) for column in columns))


def condition(kind: str, text: str, id_column: Any, literal_columns: Sequence[Any], *,
              customer_id: Any = None) -> ColumnElement[bool]:
    """A WHERE condition: the records of ``kind`` (``id_column``) matching ``text``. ``literal_columns``: the
    columns a literal (``scan``) match reads and long CJK pieces are checked in. ``customer_id``: contacts and deals
    also match through their customer's name (``contact list --search 华信`` finds the people at 华信)."""
    query = rules.parse(text)
    if query.scan:
        return _literal(literal_columns, query.text)
    if not query.clauses:
        nothing: ColumnElement[bool] = id_column.is_(None)  # nothing to look for: nothing found (ids are never null)
        return nothing
    found: ColumnElement[bool] = and_(Matches(kind, query.clauses, id_column),
                                      *(_literal(literal_columns, piece) for piece in query.verify))
    if customer_id is not None:
        C = models.customers
        by_customer = and_(Matches("customer", query.clauses, C.c.id),
                           *(C.c.name.ilike(contains_pattern(piece), escape=ESCAPE) for piece in query.verify))
        found = or_(found, customer_id.in_(select(C.c.id).where(by_customer)))
    return found


def search(conn: Connection, text: str, *, kinds: Iterable[str] | None = None, limit: int = 20,
           rep_id: int | None = None) -> list[dict[str, Any]]:
    """``salescli search``: one list, best match first, across ``kinds`` (all by default): type, id, name, company,
    contact (email or phone), owner, status, why it matched. ``rep_id``: a rep (not a manager) is acting, who reads
    only their own and unowned leads and deals (and every customer and contact), as row security has it on a team
    database (where it also holds by itself).

    Per kind, the newest ``CANDIDATES`` matches are read and ranked (domain/search.py). On SQLite they are found
    from one clause's terms, walked newest first in the index (its key ends with the record id, so each term's
    records come in order and the walk stops early), and checked against the rest of the query here; a query whose
    every clause spans too many terms (one letter) is answered by ``condition`` instead, as every query is on
    PostgreSQL (one tsquery against the GIN index)."""
    query = rules.parse(text)
    wanted = list(kinds) if kinds is not None else list(rules.KIND_ORDER)
    cap = max(CANDIDATES, limit)
    driver = None if _docs(conn) else _driver(conn, query)  # PostgreSQL: the GIN index answers ``condition``
    found: list[dict[str, Any]] = []
    customers: list[int] | None = None
    for kind in wanted:
        records = _find(conn, kind, query, driver, cap, rep_id)
        if kind == "customer":
            customers = [int(r["id"]) for r in records]
        elif kind in ("contact", "deal"):  # the people and deals of the companies found count too
            if customers is None:
                customers = [int(r["id"]) for r in _find(conn, "customer", query, driver, cap, rep_id)]
            seen = {r["id"] for r in records}
            records += [r for r in _by_customer(conn, kind, customers, cap, rep_id) if r["id"] not in seen]
        for record in records:
            score, why = rules.rank(query, name=record["name"], company=record.get("company"),
                                    email=record.get("email"),
                                    phone=record.get("phone_key") or record.get("phone"))
            contact = record.get("phone") if "phone" in why else record.get("email") or record.get("phone")
            found.append({"type": kind, "id": record["id"], "name": record["name"],
                          "company": record.get("company"), "contact": contact, "owner": record.get("owner"),
                          "status": record.get("status"), "matched": why, "_score": score})
    ranked = rules.order((f["_score"], f["type"], f["id"]) for f in found)
    by_key = {(f["type"], f["id"]): f for f in found}
    out = []
    for _, kind, record_id in ranked[:limit]:
        row = by_key[(kind, record_id)]
        row.pop("_score", None)
        out.append(row)
    return out


WIDE = 32  # a prefix standing for more distinct terms than this is no good place to start from
PAGE = 400  # records read at a time from one term's walk
PAGES = 25  # at most this many pages per term (a walk whose matches all fail the rest of the query stops here)


def _driver(conn: Connection, query: rules.Query) -> list[str] | None:
    """The terms of the query's narrowest clause (a prefix made into the distinct terms it stands for, found by
    seeking from one to the next), or None when there is none to start from (a literal query, or every clause spans
    more than WIDE terms)."""
    if query.scan or not query.clauses:
        return None
    candidates: list[list[str]] = []
    for clause in query.clauses:
        terms = list(clause.exact)
        for prefix in clause.prefixes:
            end = rules.prefix_end(prefix)
            last: str | None = None
            while len(terms) <= WIDE:
                after = T.c.term > last if last is not None else T.c.term >= prefix
                seek = select(T.c.term).where(after, *((T.c.term < end,) if end is not None else ()))
                last = conn.execute(seek.order_by(T.c.term).limit(1)).scalar()
                if last is None:
                    break
                terms.append(last)
        if not terms:  # a clause nothing can match: nothing will
            return []
        if len(terms) <= WIDE:
            candidates.append(terms)
    if len(candidates) < 2:
        return candidates[0] if candidates else None
    # the clause with the fewest records (counted up to COUNTED): its walk finds the matches soonest
    return min(candidates, key=lambda terms: _count(conn, terms))


COUNTED = 5000


def _count(conn: Connection, terms: list[str]) -> int:
    rows = select(T.c.record_id).where(T.c.term.in_(terms)).limit(COUNTED).subquery()
    return int(conn.execute(select(func.count()).select_from(rows)).scalar_one())


def _holds(kind: str, query: rules.Query, row: Any) -> bool:
    """Whether a record read from one clause's terms meets the whole query (its terms worked out again here)."""
    terms = rules.record_terms(kind, row)
    for clause in query.clauses:
        if not (any(term in terms for term in clause.exact)
                or any(term.startswith(prefix) for term in terms for prefix in clause.prefixes)):
            return False
    texts = [rules.fold(str(row[name])) for name in rules.FIELDS[kind] if row.get(name)]
    return all(any(piece in text for text in texts) for piece in query.verify)


def _find(conn: Connection, kind: str, query: rules.Query, driver: list[str] | None, cap: int,
          rep_id: int | None) -> list[dict[str, Any]]:
    """The newest ``cap`` records of ``kind`` matching ``query`` (see ``search``)."""
    columns, source, id_column, filters = _SHAPE[kind](rep_id)
    if driver is None:
        table = models.metadata.tables[TABLES[kind]]
        literal = [table.c[name] for name in rules.FIELDS[kind] if name != "phone_key"]
        if kind in ("lead", "contact"):
            literal.append(table.c.phone)
        where = condition(kind, query.text, id_column, literal)
        rows = conn.execute(select(*columns).select_from(source).where(where, *filters)
                            .order_by(id_column.desc()).limit(cap)).mappings().all()
        return [_shown(kind, r) for r in rows]
    found: dict[int, dict[str, Any]] = {}
    code = rules.KINDS[kind]
    checked = len(query.clauses) > 1 or bool(query.verify)  # else every record of the driver's terms matches
    size = PAGE if checked else cap
    for term in driver:
        walked = T.join(source, id_column == T.c.record_id)
        kept = 0
        before: int | None = None
        for _ in range(PAGES):
            page = (select(*columns).select_from(walked).where(T.c.term == term, T.c.kind == code, *filters)
                    .order_by(T.c.record_id.desc()).limit(size))
            if before is not None:
                page = page.where(T.c.record_id < before)
            rows = conn.execute(page).mappings().all()
            for r in rows:
                if r["id"] not in found and (not checked or _holds(kind, query, r)):
                    found[int(r["id"])] = _shown(kind, r)
                    kept += 1
            if len(rows) < size or kept >= cap:
                break
            before = int(rows[-1]["id"])
    return [found[i] for i in sorted(found, reverse=True)[:cap]]


def _by_customer(conn: Connection, kind: str, customers: list[int], cap: int,
                 rep_id: int | None) -> list[dict[str, Any]]:
    if not customers:
        return []
    columns, source, id_column, filters = _SHAPE[kind](rep_id)
    table = models.metadata.tables[TABLES[kind]]
    rows = conn.execute(select(*columns).select_from(source).where(table.c.customer_id.in_(customers), *filters)
                        .order_by(id_column.desc()).limit(cap)).mappings().all()
    return [_shown(kind, r) for r in rows]


def _shown(kind: str, row: Any) -> dict[str, Any]:
    record = dict(row)
    if kind == "customer":
        record["status"] = f"tier {record.pop('tier')}"
    elif kind == "deal":
        record["name"] = record["title"]
    return record


Shape = tuple[list[Any], Any, Any, list[ColumnElement[bool]]]


def _lead_shape(rep_id: int | None) -> Shape:
    L, R = models.leads, models.reps
    filters: list[ColumnElement[bool]] = [L.c.merged_into.is_(None)]
    if rep_id is not None:
        filters.append(or_(L.c.owner_id == rep_id, L.c.owner_id.is_(None)))
    columns = [L.c.id, L.c.name, L.c.company, L.c.email, L.c.phone, L.c.phone_key, L.c.status,
               R.c.handle.label("owner")]
    return columns, L.outerjoin(R, R.c.id == L.c.owner_id), L.c.id, filters


def _customer_shape(rep_id: int | None) -> Shape:
    C, R = models.customers, models.reps
    columns = [C.c.id, C.c.name, C.c.tier, R.c.handle.label("owner")]
    return columns, C.outerjoin(R, R.c.id == C.c.owner_id), C.c.id, [C.c.merged_into.is_(None)]


def _contact_shape(rep_id: int | None) -> Shape:
    K, C, R = models.contacts, models.customers, models.reps
    columns = [K.c.id, K.c.name, C.c.name.label("company"), K.c.email, K.c.phone, K.c.phone_key,
               K.c.title.label("status"), R.c.handle.label("owner")]
    return columns, K.join(C, C.c.id == K.c.customer_id).outerjoin(R, R.c.id == C.c.owner_id), K.c.id, []


def _deal_shape(rep_id: int | None) -> Shape:
    D, C, R = models.deals, models.customers, models.reps
    filters: list[ColumnElement[bool]] = []
    if rep_id is not None:
        filters.append(or_(D.c.owner_id == rep_id, D.c.owner_id.is_(None)))
    columns = [D.c.id, D.c.title, C.c.name.label("company"), D.c.stage.label("status"), R.c.handle.label("owner")]
    return columns, D.join(C, C.c.id == D.c.customer_id).outerjoin(R, R.c.id == D.c.owner_id), D.c.id, filters


_SHAPE = {"lead": _lead_shape, "customer": _customer_shape, "contact": _contact_shape, "deal": _deal_shape}
