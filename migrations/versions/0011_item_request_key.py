"""items.request_key: one item per creation request (a form posted twice at once)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTERs (no batch copy): recreating `items` on SQLite would drop its triggers.
    op.add_column("items", sa.Column("request_key", sa.String(length=64), nullable=True))
    # Partial: only items created through a keyed request (the web forms) carry a key.
    op.create_index(
        "ux_items_drafter_request_key",
        "items",
        ["drafter_id", "request_key"],
        unique=True,
        postgresql_where=sa.text("request_key IS NOT NULL"),
        sqlite_where=sa.text("request_key IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ux_items_drafter_request_key", table_name="items")
    op.drop_column("items", "request_key")  # SQLite ≥ 3.35 drops a column in place
