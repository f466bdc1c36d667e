"""Deals a rep can work: a deal's probability and next step, and tasks on deals, leads and customers.

A deal's ``value_minor`` is from now on the value set by hand only (``deal update --value``): the value shown is
derived (the current quote's net, else the needs' budget, else this). Values written by earlier versions from a
quote or the needs are cleared on deals that have either, so a rejected quote's amount no longer shows.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deals") as batch:
        batch.add_column(sa.Column("probability_bp", sa.Integer()))
        batch.add_column(sa.Column("next_step", sa.Text()))
    op.execute("UPDATE deals SET value_minor = NULL WHERE stage <> 'won' AND ("
               "EXISTS (SELECT 1 FROM quotes q WHERE q.deal_id = deals.id) "
               "OR EXISTS (SELECT 1 FROM needs n WHERE n.deal_id = deals.id))")
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deal_id", sa.Integer(), nullable=True),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("priority", sa.String(10), nullable=False, server_default="normal"),
        sa.Column("status", sa.String(10), nullable=False, server_default="open"),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("rep_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["deal_id"], ["deals.id"], name="fk_tasks_deal_id_deals"),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name="fk_tasks_lead_id_leads"),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name="fk_tasks_customer_id_customers"),
        sa.ForeignKeyConstraint(["owner_id"], ["reps.id"], name="fk_tasks_owner_id_reps"),
        sa.ForeignKeyConstraint(["rep_id"], ["reps.id"], name="fk_tasks_rep_id_reps"),
        sa.PrimaryKeyConstraint("id", name="pk_tasks"),
    )
    op.create_index("ix_tasks_deal_id", "tasks", ["deal_id"])
    op.create_index("ix_tasks_lead_id", "tasks", ["lead_id"])
    op.create_index("ix_tasks_customer_id", "tasks", ["customer_id"])
    op.create_index("ix_tasks_owner_id_status_due", "tasks", ["owner_id", "status", "due"])


def downgrade() -> None:
    op.drop_table("tasks")
    with op.batch_alter_table("deals") as batch:
        batch.drop_column("next_step")
        batch.drop_column("probability_bp")
