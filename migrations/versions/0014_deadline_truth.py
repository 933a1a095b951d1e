"""deadline truth: parts of a column (column_parts, items.part_id), since when a unit is
responsible (column_assignments.responsible_since), rules confirmed by the office
(columns.rules_confirmed_at/_by_id), the summary's confirmed flag

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MARK = "INSERT INTO deadline_status_dirty (column_id) VALUES"
# 0009's list plus part_id: an item moved to another part changes its column's status.
ITEM_FIELDS = (
    "live_revision_no",
    "published_at",
    "first_published_at",
    "due_date",
    "kind",
    "column_id",
    "unit_id",
    "part_id",
)


def _changed(distinct: str, fields: Sequence[str]) -> str:
    listed = " OR ".join(f"OLD.{f} {distinct} NEW.{f}" for f in fields)
    return f"{listed} OR (OLD.state {distinct} NEW.state AND NEW.due_date IS NOT NULL)"


def _item_trigger(postgresql: bool, fields: Sequence[str]) -> list[str]:
    if postgresql:
        return [
            "DROP TRIGGER IF EXISTS deadline_status_items_upd ON items",
            "CREATE TRIGGER deadline_status_items_upd AFTER UPDATE ON items FOR EACH ROW "
            f"WHEN ({_changed('IS DISTINCT FROM', fields)}) "
            "EXECUTE FUNCTION deadline_status_mark_column_id()",
        ]
    return [
        "DROP TRIGGER IF EXISTS deadline_status_items_upd",
        "CREATE TRIGGER deadline_status_items_upd AFTER UPDATE ON items FOR EACH ROW "
        f"WHEN {_changed('IS NOT', fields)} "
        f"BEGIN {MARK} (NEW.column_id), (OLD.column_id); END",
    ]


def _part_triggers(postgresql: bool) -> list[str]:
    if postgresql:
        return [
            "CREATE TRIGGER deadline_status_parts AFTER INSERT OR UPDATE OR DELETE ON "
            "column_parts FOR EACH ROW EXECUTE FUNCTION deadline_status_mark_column_id()"
        ]
    return [
        f"CREATE TRIGGER deadline_status_parts_{event[:3].lower()} AFTER {event} ON "
        f"column_parts FOR EACH ROW BEGIN {MARK} ({row}); END"
        for event, row in (
            ("INSERT", "NEW.column_id"),
            ("UPDATE", "NEW.column_id), (OLD.column_id"),
            ("DELETE", "OLD.column_id"),
        )
    ]


# Backfill: an existing assignment is taken as responsible since its unit's first item
# in the column, else since the day of this migration (the office can set an earlier
# day on the column page). Dates are UTC days: a day off at most, for old data only.
SINCE_FIRST_ITEM = (
    "UPDATE column_assignments SET responsible_since = COALESCE(("
    "SELECT CAST(min(items.created_at) AS DATE) FROM items "
    "WHERE items.column_id = column_assignments.column_id "
    "AND items.unit_id = column_assignments.unit_id), CURRENT_DATE)"
)


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "column_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("column_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["column_id"],
            ["columns.id"],
            name=op.f("fk_column_parts_column_id_columns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_column_parts")),
        sa.UniqueConstraint("column_id", "name", name=op.f("uq_column_parts_column_id_name")),
    )
    op.create_index(op.f("ix_column_parts_column_id"), "column_parts", ["column_id"])
    # Plain ALTERs, never a batch copy: recreating items, columns or column_assignments
    # on SQLite would drop their triggers (0009). SQLite adds a foreign key only inline.
    if postgresql:
        op.add_column("items", sa.Column("part_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_items_part_id_column_parts"), "items", "column_parts", ["part_id"], ["id"]
        )
        op.add_column(
            "columns", sa.Column("rules_confirmed_at", sa.DateTime(timezone=True), nullable=True)
        )
        op.add_column("columns", sa.Column("rules_confirmed_by_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_columns_rules_confirmed_by_id_users"),
            "columns",
            "users",
            ["rules_confirmed_by_id"],
            ["id"],
        )
        op.add_column(
            "column_assignments", sa.Column("responsible_since", sa.Date(), nullable=True)
        )
        op.execute(SINCE_FIRST_ITEM)
        op.alter_column("column_assignments", "responsible_since", nullable=False)
    else:
        op.execute(
            "ALTER TABLE items ADD COLUMN part_id INTEGER "
            "CONSTRAINT fk_items_part_id_column_parts REFERENCES column_parts (id)"
        )
        op.execute("ALTER TABLE columns ADD COLUMN rules_confirmed_at DATETIME")
        op.execute(
            "ALTER TABLE columns ADD COLUMN rules_confirmed_by_id INTEGER "
            "CONSTRAINT fk_columns_rules_confirmed_by_id_users REFERENCES users (id)"
        )
        # SQLite adds a NOT NULL column only with a default; every writer sets the day.
        op.execute(
            "ALTER TABLE column_assignments ADD COLUMN responsible_since DATE NOT NULL "
            "DEFAULT '1970-01-01'"
        )
        op.execute(
            SINCE_FIRST_ITEM.replace(
                "CAST(min(items.created_at) AS DATE)", "date(min(items.created_at))"
            )
        )
    # Rules already in use when confirmation arrived keep working as before: they are
    # taken as confirmed (by nobody); newly parsed rules start 待确认.
    op.execute(
        "UPDATE columns SET rules_confirmed_at = CURRENT_TIMESTAMP "
        "WHERE rules IS NOT NULL AND CAST(rules AS TEXT) NOT IN ('[]', 'null')"
    )
    # The summary is rewritten by the next refresh; readers evaluate live meanwhile.
    op.execute("DELETE FROM deadline_status")
    op.add_column(
        "deadline_status",
        sa.Column("confirmed", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    if postgresql:
        op.alter_column("deadline_status", "confirmed", server_default=None)
    for statement in _item_trigger(postgresql, ITEM_FIELDS) + _part_triggers(postgresql):
        op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("DROP TRIGGER IF EXISTS deadline_status_parts ON column_parts")
    else:
        for event in ("ins", "upd", "del"):
            op.execute(f"DROP TRIGGER IF EXISTS deadline_status_parts_{event}")
    for statement in _item_trigger(postgresql, ITEM_FIELDS[:-1]):
        op.execute(statement)
    op.drop_column("deadline_status", "confirmed")
    if postgresql:
        op.drop_column("column_assignments", "responsible_since")
        op.drop_constraint(op.f("fk_columns_rules_confirmed_by_id_users"), "columns")
        op.drop_column("columns", "rules_confirmed_by_id")
        op.drop_column("columns", "rules_confirmed_at")
        op.drop_constraint(op.f("fk_items_part_id_column_parts"), "items")
        op.drop_column("items", "part_id")
    else:
        # SQLite ≥ 3.35 drops a plain column in place; a column with a foreign key only
        # by copying the table, which would drop its triggers: recreate them after.
        op.execute("ALTER TABLE column_assignments DROP COLUMN responsible_since")
        op.execute("ALTER TABLE columns DROP COLUMN rules_confirmed_at")
        _sqlite_drop_fk_column("columns", "rules_confirmed_by_id")
        _sqlite_drop_fk_column("items", "part_id")
    op.drop_index(op.f("ix_column_parts_column_id"), table_name="column_parts")
    op.drop_table("column_parts")


def _sqlite_drop_fk_column(table: str, column: str) -> None:
    bind = op.get_bind()
    triggers = [
        sql
        for (sql,) in bind.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
            {"t": table},
        )
    ]
    with op.batch_alter_table(table) as batch:
        batch.drop_column(column)
    for sql in triggers:
        op.execute(sql)
