"""web: users' interface language, scheduled publication (定时发布)

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-23 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=10), nullable=True))
    op.create_table(
        "scheduled_publications",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("editor_id", sa.Integer(), nullable=False),
        sa.Column("item_version", sa.Integer(), nullable=False),
        sa.Column("publish_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["editor_id"], ["users.id"], name=op.f("fk_scheduled_publications_editor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["items.id"],
            name=op.f("fk_scheduled_publications_item_id_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_scheduled_publications")),
    )
    with op.batch_alter_table("scheduled_publications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scheduled_publications_publish_at", ["publish_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("scheduled_publications", schema=None) as batch_op:
        batch_op.drop_index("ix_scheduled_publications_publish_at")
    op.drop_table("scheduled_publications")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locale")
