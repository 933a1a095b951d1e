"""The append-only audit trail: one row per transition, hash-chained per item."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base, UTCDateTime


class AuditEvent(Base):
    __tablename__ = "audit_events"
    # (item_id, seq) unique: two writers racing on one item cannot both append.
    __table_args__ = (
        UniqueConstraint("item_id", "seq"),
        # Reports over a period (stage times, returns, submissions) range-scan `at`; on
        # PostgreSQL the index also carries what stage times and returns read, so they
        # do not visit the table (migration 0010).
        Index(
            "ix_audit_events_at",
            "at",
            postgresql_include=[
                "unit_id",
                "from_state",
                "to_state",
                "action",
                "state_entered_at",
                "item_id",
            ],
        ),
    )
    # PostgreSQL also refuses UPDATE/DELETE with a trigger (see migration 0001).

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    seq: Mapped[int] = mapped_column(Integer)
    revision_no: Mapped[int] = mapped_column(Integer)
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    comment: Mapped[str | None] = mapped_column(Text)
    confidentiality_checked: Mapped[bool] = mapped_column(Boolean, default=False)  # 保密审查
    content_digest: Mapped[str] = mapped_column(String(64))  # the revision's content then
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # What `hash` was computed with (workflow.hashes: sha256 or sm3, by AUDIT_HASH); rows
    # older than the column (migration 0015) are sha256.
    hash_alg: Mapped[str] = mapped_column(String(10), default="sha256", server_default="sha256")
    # Copies for the reports (migration 0010), outside the hash: the item's unit and when
    # the item entered `from_state` (its state_since before this row), so stage times and
    # returns over a period are one range scan on `at`, no join to items. NULL on a
    # creation row; backfilled from the trail for rows older than the columns.
    unit_id: Mapped[int | None] = mapped_column(Integer)
    # 委托: the reviewer `actor_id` acted for (migration 0018); hashed when set, so rows
    # without it verify as they always did.
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    state_entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<AuditEvent item={self.item_id} seq={self.seq} {self.action}>"
