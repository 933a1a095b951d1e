"""admin_events: who changed which configuration (units, users, columns, holidays)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_FUNCTION = """
CREATE FUNCTION admin_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'admin_events is append-only (% refused)', TG_OP;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "admin_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target_type", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=True),
        sa.Column("target_label", sa.String(length=1000), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_admin_events_actor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_events")),
    )
    op.create_index(op.f("ix_admin_events_at"), "admin_events", ["at"], unique=False)
    op.create_index(op.f("ix_admin_events_actor_id"), "admin_events", ["actor_id"], unique=False)
    op.create_index(
        "ix_admin_events_target", "admin_events", ["target_type", "target_id"], unique=False
    )
    if op.get_bind().dialect.name == "postgresql":
        # As for audit_events (0001): the database refuses to change or remove a row.
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute(
            "CREATE TRIGGER admin_events_append_only BEFORE UPDATE OR DELETE ON admin_events "
            "FOR EACH ROW EXECUTE FUNCTION admin_events_append_only()"
        )
        op.execute(
            "CREATE TRIGGER admin_events_no_truncate BEFORE TRUNCATE ON admin_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION admin_events_append_only()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS admin_events_no_truncate ON admin_events")
        op.execute("DROP TRIGGER IF EXISTS admin_events_append_only ON admin_events")
        op.execute("DROP FUNCTION IF EXISTS admin_events_append_only()")
    op.drop_index("ix_admin_events_target", table_name="admin_events")
    op.drop_index(op.f("ix_admin_events_actor_id"), table_name="admin_events")
    op.drop_index(op.f("ix_admin_events_at"), table_name="admin_events")
    op.drop_table("admin_events")
