"""deadlines: statements, first publication, linked obligations

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:51:47.630106
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_years",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_years")),
    )
    op.create_table(
        "obligations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("column_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("source_item_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("due_provisional", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fulfilled_by_item_id", sa.Integer(), nullable=True),
        sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["column_id"], ["columns.id"], name=op.f("fk_obligations_column_id_columns")
        ),
        sa.ForeignKeyConstraint(
            ["fulfilled_by_item_id"],
            ["items.id"],
            name=op.f("fk_obligations_fulfilled_by_item_id_items"),
        ),
        sa.ForeignKeyConstraint(
            ["source_item_id"], ["items.id"], name=op.f("fk_obligations_source_item_id_items")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_obligations_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligations")),
    )
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_obligations_column_id_unit_id", ["column_id", "unit_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_obligations_source_item_id"), ["source_item_id"], unique=False
        )

    op.create_table(
        "column_links",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["columns.id"],
            name=op.f("fk_column_links_source_id_columns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["columns.id"],
            name=op.f("fk_column_links_target_id_columns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("source_id", "target_id", name=op.f("pk_column_links")),
    )
    with op.batch_alter_table("columns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("allows_statement", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("first_published_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("obligation_id", sa.Integer(), nullable=True))
        batch_op.create_index("ix_items_due_date", ["due_date"], unique=False)
        batch_op.create_index(
            "ix_items_statements",
            ["column_id", "unit_id", "first_published_at"],
            unique=False,
            postgresql_where=sa.text("kind = 'statement'"),
            sqlite_where=sa.text("kind = 'statement'"),
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_items_obligation_id_obligations"),
            "obligations",
            ["obligation_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_items_obligation_id_obligations"), type_="foreignkey"
        )
        batch_op.drop_index("ix_items_due_date")
        batch_op.drop_index("ix_items_statements")
        batch_op.drop_column("obligation_id")
        batch_op.drop_column("first_published_at")

    with op.batch_alter_table("columns", schema=None) as batch_op:
        batch_op.drop_column("allows_statement")

    op.drop_table("column_links")
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_obligations_source_item_id"))
        batch_op.drop_index("ix_obligations_column_id_unit_id")

    op.drop_table("obligations")
    op.drop_table("calendar_years")
