"""The append-only audit trail: one row per transition, hash-chained per item."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base, UTCDateTime


class AuditEvent(Base):
    __tablename__ = "audit_events"
    # (item_id, seq) unique: two writers racing on one item cannot both append.
    __table_args__ = (UniqueConstraint("item_id", "seq"),)
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
    # Indexed for the reports over a period (stage times, returns, submissions).
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<AuditEvent item={self.item_id} seq={self.seq} {self.action}>"
