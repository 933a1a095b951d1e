"""the 依申请公开 register (requests, 协办 units, hash-chained history), the figures
entered by hand for the annual reports, and the reports mailed on a schedule

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str, **kw: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), **kw
    )


def upgrade() -> None:
    t = "disclosure_requests"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(40), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("applicant_type", sa.String(20), nullable=False),
        sa.Column("applicant_name", sa.String(200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("info_requested", sa.Text(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("route_reason", sa.Text(), nullable=True),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("outcome", sa.String(40), nullable=True),
        sa.Column("clock_start", sa.Date(), nullable=False),
        sa.Column("correction_asked_on", sa.Date(), nullable=True),
        sa.Column("consult_since", sa.Date(), nullable=True),
        sa.Column("paused_workdays", sa.Integer(), nullable=False),
        sa.Column("extension_workdays", sa.Integer(), nullable=False),
        sa.Column("extended_by_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("due_provisional", sa.Boolean(), nullable=False),
        sa.Column("reply_text", sa.Text(), nullable=True),
        sa.Column("reply_drafted_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("registered_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("history_seq", sa.Integer(), nullable=False),
        sa.Column("history_head", sa.String(64), nullable=True),
        _fk(t, "unit_id", "units"),
        _fk(t, "reviewer_id", "users"),
        _fk(t, "extended_by_id", "users"),
        _fk(t, "reply_drafted_by_id", "users"),
        _fk(t, "registered_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_requests")),
        sa.UniqueConstraint("reference", name=op.f("uq_disclosure_requests_reference")),
    )
    op.create_index(op.f("ix_disclosure_requests_received_on"), t, ["received_on"])
    op.create_index(op.f("ix_disclosure_requests_unit_id"), t, ["unit_id"])
    op.create_index(op.f("ix_disclosure_requests_answered_on"), t, ["answered_on"])
    op.create_index("ix_disclosure_requests_state_due", t, ["state", "due_on"])

    t = "disclosure_assists"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("asked_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("opinion", sa.Text(), nullable=True),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        _fk(t, "request_id", "disclosure_requests", ondelete="CASCADE"),
        _fk(t, "unit_id", "units"),
        _fk(t, "answered_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_assists")),
        sa.UniqueConstraint(
            "request_id", "unit_id", name=op.f("uq_disclosure_assists_request_id_unit_id")
        ),
    )
    op.create_index(op.f("ix_disclosure_assists_request_id"), t, ["request_id"])
    op.create_index(op.f("ix_disclosure_assists_unit_id"), t, ["unit_id"])

    t = "disclosure_events"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("from_state", sa.String(24), nullable=True),
        sa.Column("to_state", sa.String(24), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=True),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("hash_alg", sa.String(10), nullable=False),
        _fk(t, "request_id", "disclosure_requests"),
        _fk(t, "actor_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_events")),
        sa.UniqueConstraint(
            "request_id", "seq", name=op.f("uq_disclosure_events_request_id_seq")
        ),
    )
    op.create_index(op.f("ix_disclosure_events_request_id"), t, ["request_id"])

    t = "report_figures"
    op.create_table(
        t,
        sa.Column("report", sa.String(20), nullable=False),
        sa.Column("scope", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        _fk(t, "updated_by_id", "users"),
        sa.PrimaryKeyConstraint("report", "scope", "year", name=op.f("pk_report_figures")),
    )

    t = "report_schedules"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("day_of_month", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        _fk(t, "updated_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_schedules")),
    )


def downgrade() -> None:
    op.drop_table("report_schedules")
    op.drop_table("report_figures")
    op.drop_index(op.f("ix_disclosure_events_request_id"), "disclosure_events")
    op.drop_table("disclosure_events")
    op.drop_index(op.f("ix_disclosure_assists_unit_id"), "disclosure_assists")
    op.drop_index(op.f("ix_disclosure_assists_request_id"), "disclosure_assists")
    op.drop_table("disclosure_assists")
    for name in ("state_due", "answered_on", "unit_id", "received_on"):
        op.drop_index(f"ix_disclosure_requests_{name}", "disclosure_requests")
    op.drop_table("disclosure_requests")
