"""reporting: calendar feed tokens; indexes for reports over a period

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-23 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feed_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (unit_id IS NULL)", name=op.f("ck_feed_tokens_one_owner")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_feed_tokens_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_feed_tokens_unit_id_units")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_feed_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_feed_tokens_token_hash")),
    )
    with op.batch_alter_table("feed_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feed_tokens_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feed_tokens_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_at"), ["at"], unique=False)
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index("ix_items_first_published_at", ["first_published_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_first_published_at")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_at"))
    with op.batch_alter_table("feed_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feed_tokens_user_id"))
        batch_op.drop_index(batch_op.f("ix_feed_tokens_unit_id"))
    op.drop_table("feed_tokens")
