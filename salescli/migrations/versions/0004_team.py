"""Team mode: a rep's PostgreSQL login (reps.login) and the team policy kept in the database (team_settings).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reps") as batch:
        batch.add_column(sa.Column("login", sa.String(63)))
        batch.create_unique_constraint("uq_reps_login", ["login"])
    op.create_table(
        "team_settings",
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(40)),
        sa.PrimaryKeyConstraint("key", name="pk_team_settings"),
    )


def downgrade() -> None:
    op.drop_table("team_settings")
    with op.batch_alter_table("reps") as batch:
        batch.drop_constraint("uq_reps_login", type_="unique")
        batch.drop_column("login")
