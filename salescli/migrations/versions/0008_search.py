"""The search index: ``search_terms`` holds the terms of every lead, customer, contact and deal (domain/search.py),
filled here for the records already stored; ``salescli db reindex`` makes it again.

One B-tree keyed (term, kind, record_id), without rowid on SQLite; the term in byte order on PostgreSQL
(COLLATE "C") so that a prefix is a range there too.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_terms",
        sa.Column("term", sa.String(120).with_variant(sa.String(120, collation="C"), "postgresql"), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False, autoincrement=False),
        sa.Column("record_id", sa.Integer(), nullable=False, autoincrement=False),
        sa.PrimaryKeyConstraint("term", "kind", "record_id", name="pk_search_terms"),
        sqlite_with_rowid=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        return  # filled by 0011 (PostgreSQL keeps the index in search_docs since then: services/search.py)
    from salescli.services.search import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_table("search_terms")
