"""Event hooks (issue 20): ``hooks`` (where events go) and ``event_outbox`` (each change's events, written in its
transaction and delivered after commit, with retries).

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hooks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("events", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("url", sa.Text()),
        sa.Column("command", sa.Text()),
        sa.Column("secret", sa.Text()),
        sa.Column("lang", sa.String(8), server_default="zh", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("note", sa.Text()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(63)),
        sa.PrimaryKeyConstraint("id", name="pk_hooks"),
    )
    op.create_table(
        "event_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hook_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("entity_id", sa.String(40), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("rep", sa.String(40)),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("dedupe", sa.String(120)),
        sa.Column("status", sa.String(10), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=False),
        sa.Column("claim", sa.String(32)),
        sa.Column("claimed_until", sa.DateTime()),
        sa.Column("delivered_at", sa.DateTime()),
        sa.Column("last_error", sa.Text()),
        sa.Column("response", sa.Text()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["hook_id"], ["hooks.id"], name="fk_event_outbox_hook_id_hooks"),
        sa.PrimaryKeyConstraint("id", name="pk_event_outbox"),
        sa.UniqueConstraint("hook_id", "dedupe", name="uq_event_outbox_hook_id_dedupe"),
    )
    op.create_index("ix_event_outbox_hook_id", "event_outbox", ["hook_id"])
    op.create_index("ix_event_outbox_status_next_attempt_at", "event_outbox", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_event_outbox_status_next_attempt_at", table_name="event_outbox")
    op.drop_index("ix_event_outbox_hook_id", table_name="event_outbox")
    op.drop_table("event_outbox")
    op.drop_table("hooks")
