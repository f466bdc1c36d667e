"""What a customer's documents need: the buyer's legal name, address and tax id; a product's spec and unit;
payment and delivery terms, a delivery date and remarks meant for the customer on quotes and contracts (the
quote's ``note`` stays internal); each quote and contract line keeps the spec and unit it was offered with.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("legal_name", sa.String(200)))
        batch.add_column(sa.Column("address", sa.Text()))
        batch.add_column(sa.Column("tax_id", sa.String(40)))
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("spec", sa.Text()))
        batch.add_column(sa.Column("unit", sa.String(20)))
    for table in ("quotes", "contracts"):
        with op.batch_alter_table(table) as batch:
            if table == "quotes":
                batch.add_column(sa.Column("payment_terms", sa.Text()))
            batch.add_column(sa.Column("delivery_terms", sa.Text()))
            batch.add_column(sa.Column("delivery_date", sa.Date()))
            batch.add_column(sa.Column("remarks", sa.Text()))
    for table in ("quote_lines", "contract_lines"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("spec", sa.Text()))
            batch.add_column(sa.Column("unit", sa.String(20)))


def downgrade() -> None:
    for table in ("quote_lines", "contract_lines"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("unit")
            batch.drop_column("spec")
    for table in ("quotes", "contracts"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("remarks")
            batch.drop_column("delivery_date")
            batch.drop_column("delivery_terms")
            if table == "quotes":
                batch.drop_column("payment_terms")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("unit")
        batch.drop_column("spec")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("tax_id")
        batch.drop_column("address")
        batch.drop_column("legal_name")
