"""customers.name_key becomes TEXT: the key is the name folded (NFKC, case-folded), and folding can make it
longer than the name (one character such as U+FDFA becomes 18), so a 200-character name could overflow a
varchar(200) key on PostgreSQL. Lines of quotes and contracts copy a product's name: their length follows it.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # On SQLite a batch rebuild (store.upgrade runs it with foreign keys off, in one transaction, after a backup).
    with op.batch_alter_table("customers") as batch:
        batch.alter_column("name_key", type_=sa.Text(), existing_type=sa.String(200), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.alter_column("name_key", type_=sa.String(200), existing_type=sa.Text(), existing_nullable=False)
