"""audit rows record the algorithm of their hash (sha256, or sm3 for 密评); every row
written before is sha256

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A constant default: PostgreSQL stores it in the catalogue without rewriting the table
    # (nor firing the append-only trigger); SQLite's ADD COLUMN does the same.
    op.add_column(
        "audit_events",
        sa.Column("hash_alg", sa.String(length=10), nullable=False, server_default="sha256"),
    )


def downgrade() -> None:
    # Without the column every row is read as sha256: sm3 rows would then fail verification.
    sm3_rows = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM audit_events WHERE hash_alg <> 'sha256'"))
        .scalar_one()
    )
    if sm3_rows:
        raise RuntimeError(
            f"{sm3_rows} audit rows are not sha256: downgrading would make them unverifiable"
        )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("hash_alg")
