"""Lost reasons from the team's list, merged leads and customers, canonical industries.

- ``deals.lost_note``: the words given with ``deal lose --note`` (``lost_reason`` holds the list's key);
- ``leads.merged_into`` and ``customers.merged_into``: a record merged into another (``lead merge``,
  ``customer merge``) is kept, points to the one kept, and is hidden from listings;
- stored industries become their canonical keys (制造业 → manufacturing), and lost reasons that name a reason of
  the default list (价格, Price) its key; other free-text reasons stay as written.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deals") as batch:
        batch.add_column(sa.Column("lost_note", sa.Text()))
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("merged_into", sa.Integer()))
        batch.create_foreign_key("fk_leads_merged_into_leads", "leads", ["merged_into"], ["id"])
        batch.create_index("ix_leads_merged_into", ["merged_into"])
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("merged_into", sa.Integer()))
        batch.create_foreign_key("fk_customers_merged_into_customers", "customers", ["merged_into"], ["id"])
        batch.create_index("ix_customers_merged_into", ["merged_into"])
    _canonical_values()


def _canonical_values() -> None:
    from salescli.domain.customers import parse_industry
    from salescli.domain.fields import length
    from salescli.domain.lost import DEFAULT_REASONS

    conn = op.get_bind()
    limit = length("customers", "industry")
    industries = [row[0] for row in conn.execute(sa.text("SELECT DISTINCT industry FROM customers "
                                                         "WHERE industry IS NOT NULL"))]
    for old in industries:
        new = parse_industry(old)
        if new != old and (new is None or len(new) <= limit):
            conn.execute(sa.text("UPDATE customers SET industry = :new WHERE industry = :old"),
                         {"new": new, "old": old})
    reasons = [row[0] for row in conn.execute(sa.text("SELECT DISTINCT lost_reason FROM deals "
                                                      "WHERE lost_reason IS NOT NULL"))]
    for old in reasons:
        key = DEFAULT_REASONS.find(old)
        if key is not None and key != old:
            conn.execute(sa.text("UPDATE deals SET lost_reason = :new WHERE lost_reason = :old"),
                         {"new": key, "old": old})


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_index("ix_customers_merged_into")
        batch.drop_constraint("fk_customers_merged_into_customers", type_="foreignkey")
        batch.drop_column("merged_into")
    with op.batch_alter_table("leads") as batch:
        batch.drop_index("ix_leads_merged_into")
        batch.drop_constraint("fk_leads_merged_into_leads", type_="foreignkey")
        batch.drop_column("merged_into")
    with op.batch_alter_table("deals") as batch:
        batch.drop_column("lost_note")
