"""deadline status summary: per-assignment evaluation, change marks kept by triggers;
item counts per state kept by triggers; an index for each column's last publication

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-23 15:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What the deadline evaluation reads from an item: a change to any of these (or a
# state change of an item with its own due date) marks the item's column.
ITEM_FIELDS = (
    "live_revision_no",
    "published_at",
    "first_published_at",
    "due_date",
    "kind",
    "column_id",
    "unit_id",
)
MARK = "INSERT INTO deadline_status_dirty (column_id) VALUES"

PG_FUNCTIONS = [
    f"""
CREATE FUNCTION deadline_status_mark_column_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'DELETE' THEN
        {MARK} (NEW.column_id);
    END IF;
    IF TG_OP = 'DELETE' OR (TG_OP = 'UPDATE' AND OLD.column_id IS DISTINCT FROM NEW.column_id)
    THEN
        {MARK} (OLD.column_id);
    END IF;
    RETURN NULL;
END
$$
""",
    f"""
CREATE FUNCTION deadline_status_mark_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        {MARK} (OLD.id);
    ELSE
        {MARK} (NEW.id);
    END IF;
    RETURN NULL;
END
$$
""",
    f"""
CREATE FUNCTION deadline_status_mark_all() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {MARK} (NULL);
    RETURN NULL;
END
$$
""",
]


PG_STATE_COUNT = """
CREATE FUNCTION item_state_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        INSERT INTO item_state_counts (state, n) VALUES (OLD.state, -1);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO item_state_counts (state, n) VALUES (NEW.state, 1);
    END IF;
    RETURN NULL;
END
$$
"""


def _changed(distinct: str) -> str:
    fields = " OR ".join(f"OLD.{f} {distinct} NEW.{f}" for f in ITEM_FIELDS)
    return f"{fields} OR (OLD.state {distinct} NEW.state AND NEW.due_date IS NOT NULL)"


ITEM_INSERTED = "NEW.due_date IS NOT NULL OR NEW.live_revision_no IS NOT NULL"


def _postgresql() -> list[str]:
    fn = "FOR EACH ROW EXECUTE FUNCTION"
    return [
        *PG_FUNCTIONS,
        "CREATE TRIGGER deadline_status_items_ins AFTER INSERT ON items FOR EACH ROW "
        f"WHEN ({ITEM_INSERTED}) EXECUTE FUNCTION deadline_status_mark_column_id()",
        f"CREATE TRIGGER deadline_status_items_upd AFTER UPDATE ON items FOR EACH ROW "
        f"WHEN ({_changed('IS DISTINCT FROM')}) "
        "EXECUTE FUNCTION deadline_status_mark_column_id()",
        f"CREATE TRIGGER deadline_status_items_del AFTER DELETE ON items {fn} "
        "deadline_status_mark_column_id()",
        "CREATE TRIGGER deadline_status_obligations AFTER INSERT OR UPDATE OR DELETE ON "
        f"obligations {fn} deadline_status_mark_column_id()",
        "CREATE TRIGGER deadline_status_assignments AFTER INSERT OR UPDATE OR DELETE ON "
        f"column_assignments {fn} deadline_status_mark_column_id()",
        "CREATE TRIGGER deadline_status_columns AFTER INSERT OR UPDATE OR DELETE ON "
        f"columns {fn} deadline_status_mark_id()",
        "CREATE TRIGGER deadline_status_overrides AFTER INSERT OR UPDATE OR DELETE OR "
        "TRUNCATE ON holiday_overrides FOR EACH STATEMENT EXECUTE FUNCTION "
        "deadline_status_mark_all()",
        "CREATE TRIGGER deadline_status_years AFTER INSERT OR UPDATE OR DELETE OR "
        "TRUNCATE ON calendar_years FOR EACH STATEMENT EXECUTE FUNCTION "
        "deadline_status_mark_all()",
        PG_STATE_COUNT,
        f"CREATE TRIGGER item_state_counts_ins_del AFTER INSERT OR DELETE ON items {fn} "
        "item_state_count()",
        "CREATE TRIGGER item_state_counts_upd AFTER UPDATE OF state ON items FOR EACH ROW "
        "WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION item_state_count()",
    ]


def _sqlite() -> list[str]:
    out = []

    def trigger(name: str, event: str, table: str, body: str, when: str = "") -> None:
        cond = f" WHEN {when}" if when else ""
        out.append(
            f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{cond} BEGIN {body}; END"
        )

    trigger(
        "deadline_status_items_ins", "INSERT", "items", f"{MARK} (NEW.column_id)", ITEM_INSERTED
    )
    trigger(
        "deadline_status_items_upd",
        "UPDATE",
        "items",
        f"{MARK} (NEW.column_id), (OLD.column_id)",
        _changed("IS NOT"),
    )
    trigger("deadline_status_items_del", "DELETE", "items", f"{MARK} (OLD.column_id)")
    for table, key in (
        ("obligations", "column_id"),
        ("column_assignments", "column_id"),
        ("columns", "id"),
    ):
        short = "assignments" if table == "column_assignments" else table
        trigger(f"deadline_status_{short}_ins", "INSERT", table, f"{MARK} (NEW.{key})")
        trigger(f"deadline_status_{short}_upd", "UPDATE", table, f"{MARK} (NEW.{key}), (OLD.{key})")
        trigger(f"deadline_status_{short}_del", "DELETE", table, f"{MARK} (OLD.{key})")
    count = "INSERT INTO item_state_counts (state, n) VALUES"
    trigger("item_state_counts_ins", "INSERT", "items", f"{count} (NEW.state, 1)")
    trigger("item_state_counts_del", "DELETE", "items", f"{count} (OLD.state, -1)")
    trigger(
        "item_state_counts_upd",
        "UPDATE",
        "items",
        f"{count} (OLD.state, -1), (NEW.state, 1)",
        "OLD.state IS NOT NEW.state",
    )
    for table, short in (("holiday_overrides", "overrides"), ("calendar_years", "years")):
        for event in ("INSERT", "UPDATE", "DELETE"):
            trigger(f"deadline_status_{short}_{event[:3].lower()}", event, table, f"{MARK} (NULL)")
    return out


PG_TRIGGERS = {
    "deadline_status_items_ins": "items",
    "deadline_status_items_upd": "items",
    "deadline_status_items_del": "items",
    "deadline_status_obligations": "obligations",
    "deadline_status_assignments": "column_assignments",
    "deadline_status_columns": "columns",
    "deadline_status_overrides": "holiday_overrides",
    "deadline_status_years": "calendar_years",
    "item_state_counts_ins_del": "items",
    "item_state_counts_upd": "items",
}


def upgrade() -> None:
    op.create_table(
        "deadline_status",
        sa.Column("assignment_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("column_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("column_path", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("next_due", sa.Date(), nullable=True),
        sa.Column("overdue_since", sa.Date(), nullable=True),
        sa.Column("computed_for", sa.Date(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settings_key", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("assignment_id", name=op.f("pk_deadline_status")),
    )
    with op.batch_alter_table("deadline_status", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deadline_status_unit_id"), ["unit_id"], unique=False)
    op.create_table(
        "deadline_status_dirty",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("column_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_status_dirty")),
    )
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_items_live_column_published",
            ["column_id", "published_at"],
            unique=False,
            postgresql_where=sa.text("live_revision_no IS NOT NULL"),
            sqlite_where=sa.text("live_revision_no IS NOT NULL"),
        )
    op.create_table(
        "item_state_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_state_counts")),
    )
    # Seeded in the same transaction as the triggers are created: exact from here on.
    op.execute(
        "INSERT INTO item_state_counts (state, n) SELECT state, count(*) FROM items "
        "GROUP BY state"
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    for statement in _postgresql() if postgresql else _sqlite():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table in PG_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for fn in ("column_id", "id", "all"):
            op.execute(f"DROP FUNCTION IF EXISTS deadline_status_mark_{fn}()")
        op.execute("DROP FUNCTION IF EXISTS item_state_count()")
    else:
        for statement in _sqlite():
            name = statement.split()[2]
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("item_state_counts")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_live_column_published")
    op.drop_table("deadline_status_dirty")
    with op.batch_alter_table("deadline_status", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deadline_status_unit_id"))
    op.drop_table("deadline_status")
