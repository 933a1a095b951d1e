"""delegation while away (委托): the delegations table and the audit row's
on_behalf_of_id; nudges (催办) of an item's reviewers

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A nullable column without a default: no rewrite, and the append-only trigger of
    # PostgreSQL is not fired (no row is updated).
    with op.batch_alter_table("audit_events") as batch:
        batch.add_column(sa.Column("on_behalf_of_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            batch.f("fk_audit_events_on_behalf_of_id_users"), "users", ["on_behalf_of_id"], ["id"]
        )
    op.create_table(
        "delegations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delegator_id", sa.Integer(), nullable=False),
        sa.Column("delegate_id", sa.Integer(), nullable=False),
        sa.Column("stages", sa.String(60), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["delegator_id"], ["users.id"], name=op.f("fk_delegations_delegator_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["delegate_id"], ["users.id"], name=op.f("fk_delegations_delegate_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_delegations_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"], ["users.id"], name=op.f("fk_delegations_ended_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegations")),
    )
    op.create_index("ix_delegations_delegate_id", "delegations", ["delegate_id", "ends_on"])
    op.create_index("ix_delegations_delegator_id", "delegations", ["delegator_id", "ends_on"])
    op.create_table(
        "nudges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.String(500), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_nudges_item_id_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_nudges_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudges")),
        sa.UniqueConstraint("item_id", "day", name=op.f("uq_nudges_item_id_day")),
    )


def downgrade() -> None:
    op.drop_table("nudges")
    op.drop_index("ix_delegations_delegator_id", table_name="delegations")
    op.drop_index("ix_delegations_delegate_id", table_name="delegations")
    op.drop_table("delegations")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_constraint("fk_audit_events_on_behalf_of_id_users", type_="foreignkey")
        batch.drop_column("on_behalf_of_id")
