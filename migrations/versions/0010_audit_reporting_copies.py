"""audit rows carry the item's unit and when the item entered `from_state` (reporting
copies, outside the hash chain), backfilled from the trail

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 17:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What `workflow.services.core.write` stores: `state_entered_at` is the item's
# `state_since` before the row, i.e. the time of the last earlier row that changed the
# state (an edit keeps it; the creation row sets it). Found by seq, not by the largest
# time, so rows written with clocks out of order get what the writer gave them. A row
# with no such earlier row (the first one) stays NULL: unknown. `unit_id` is the item's
# unit (items do not move between units).
BACKFILL = """
WITH prev AS (
    SELECT id, item_id,
           max(CASE WHEN from_state IS NULL OR from_state <> to_state THEN seq END)
               OVER (PARTITION BY item_id ORDER BY seq
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS entered_seq
    FROM audit_events
)
UPDATE audit_events
SET unit_id = i.unit_id, state_entered_at = e.at
FROM prev p
JOIN items i ON i.id = p.item_id
LEFT JOIN audit_events e ON e.item_id = p.item_id AND e.seq = p.entered_seq
WHERE audit_events.id = p.id
"""


def upgrade() -> None:
    op.add_column("audit_events", sa.Column("unit_id", sa.Integer(), nullable=True))
    op.add_column(
        "audit_events", sa.Column("state_entered_at", sa.DateTime(timezone=True), nullable=True)
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        # The append-only trigger (0001) is lifted for the backfill only, in this
        # transaction: a failure rolls the whole migration back with it re-enabled.
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
    op.execute(BACKFILL)
    if postgres:
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
        # Stage times and returns over a period: a range scan on `at` that never reads
        # the table (once the visibility map is set; audit rows are never updated after).
        op.execute("DROP INDEX ix_audit_events_at")
        op.execute(
            "CREATE INDEX ix_audit_events_at ON audit_events (at) INCLUDE "
            "(unit_id, from_state, to_state, action, state_entered_at, item_id)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_audit_events_at")
        op.execute("CREATE INDEX ix_audit_events_at ON audit_events (at)")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("state_entered_at")
        batch_op.drop_column("unit_id")
