"""content checks: word lists, findings, file and link check caches (issue 17)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "word_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("stamp", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_word_lists")),
        sa.UniqueConstraint("name", name=op.f("uq_word_lists_name")),
    )
    op.create_table(
        "word_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(100), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("suggestion", sa.String(200), nullable=False),
        sa.Column("note", sa.String(300), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["word_lists.id"],
            name=op.f("fk_word_entries_list_id_word_lists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_word_entries")),
        sa.UniqueConstraint("list_id", "term", name=op.f("uq_word_entries_list_id_term")),
    )
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("revision_no", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("severity", sa.String(10), nullable=False),
        sa.Column("term", sa.String(2000), nullable=False),
        sa.Column("suggestion", sa.String(300), nullable=False),
        sa.Column("excerpt", sa.String(300), nullable=False),
        sa.Column("start", sa.Integer(), nullable=True),
        sa.Column("end", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("on_live", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_findings_item_id_items"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_findings_unit_id_units")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_findings_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_findings")),
        sa.UniqueConstraint(
            "item_id", "revision_no", "key", name=op.f("uq_findings_item_id_revision_no_key")
        ),
    )
    op.create_index(op.f("ix_findings_item_id"), "findings", ["item_id"])
    op.create_index("ix_findings_status_created", "findings", ["status", "created_at"])
    op.create_index("ix_findings_unit_id", "findings", ["unit_id"])
    op.create_table(
        "blob_checks",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("problem", sa.String(20), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["blobs.sha256"],
            name=op.f("fk_blob_checks_sha256_blobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_blob_checks")),
    )
    op.create_table(
        "link_checks",
        sa.Column("url_hash", sa.String(64), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("result", sa.String(10), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("final_url", sa.Text(), nullable=False),
        sa.Column("detail", sa.String(300), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("url_hash", name=op.f("pk_link_checks")),
    )
    op.create_index(op.f("ix_link_checks_checked_at"), "link_checks", ["checked_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_link_checks_checked_at"), table_name="link_checks")
    op.drop_table("link_checks")
    op.drop_table("blob_checks")
    op.drop_index("ix_findings_unit_id", table_name="findings")
    op.drop_index("ix_findings_status_created", table_name="findings")
    op.drop_index(op.f("ix_findings_item_id"), table_name="findings")
    op.drop_table("findings")
    op.drop_table("word_entries")
    op.drop_table("word_lists")
