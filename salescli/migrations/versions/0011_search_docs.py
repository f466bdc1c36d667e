"""The search index on PostgreSQL as one row per record (issue 23): ``search_docs(kind, record_id, terms tsvector)``
under a GIN index replaces the ``search_terms`` B-tree there, which cost an import of 1M leads 12.7M random index
inserts. The terms are the same (domain/search.py); the existing ones are carried over, and any record without
terms (a database that came through 0008 on this version, which no longer fills ``search_terms`` on PostgreSQL)
is indexed from its fields. SQLite keeps ``search_terms``: nothing changes there.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("CREATE TABLE search_docs (kind smallint NOT NULL, record_id integer NOT NULL, "
               "terms tsvector NOT NULL, CONSTRAINT pk_search_docs PRIMARY KEY (kind, record_id))")
    op.execute("INSERT INTO search_docs (kind, record_id, terms) "
               "SELECT kind, record_id, array_to_tsvector(array_agg(term)) FROM search_terms GROUP BY kind, record_id")
    op.drop_table("search_terms")
    from salescli.services import search

    search.index_unindexed(bind)  # records the old table did not hold
    op.execute("CREATE INDEX ix_search_docs_terms ON search_docs USING gin (terms)")
    op.execute("ANALYZE search_docs")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_table(
        "search_terms",
        sa.Column("term", sa.String(120, collation="C"), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False, autoincrement=False),
        sa.Column("record_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.PrimaryKeyConstraint("term", "kind", "record_id", name="pk_search_terms"),
    )
    op.execute("INSERT INTO search_terms (term, kind, record_id) "
               "SELECT t.term, d.kind, d.record_id FROM search_docs d, unnest(tsvector_to_array(d.terms)) AS t(term)")
    op.drop_table("search_docs")
