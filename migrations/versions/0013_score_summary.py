"""scoreboard summary: judged rule periods and folded review facts per month, written by
the status refresh (workflow.reporting.score_summary)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "score_months",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("computed_for", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settings_key", sa.String(length=100), nullable=False),
        sa.Column("folded_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audit_rows", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_score_months")),
    )
    op.create_table(
        "score_rule_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("column_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_rule_cases")),
    )
    op.create_index("ix_score_rule_cases_month_column", "score_rule_cases", ["month", "column_id"])
    op.create_index(op.f("ix_score_rule_cases_column_id"), "score_rule_cases", ["column_id"])
    op.create_table(
        "score_review_durations",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("workdays", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "month", "unit_id", "stage", "workdays", name=op.f("pk_score_review_durations")
        ),
    )
    op.create_table(
        "score_review_items",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("item_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "unit_id", "item_id", name=op.f("pk_score_review_items")),
    )
    op.create_table(
        "score_review_flows",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("month", "state", name=op.f("pk_score_review_flows")),
    )


def downgrade() -> None:
    op.drop_table("score_review_flows")
    op.drop_table("score_review_items")
    op.drop_table("score_review_durations")
    op.drop_index(op.f("ix_score_rule_cases_column_id"), table_name="score_rule_cases")
    op.drop_index("ix_score_rule_cases_month_column", table_name="score_rule_cases")
    op.drop_table("score_rule_cases")
    op.drop_table("score_months")
