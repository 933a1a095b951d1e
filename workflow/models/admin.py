"""The log of configuration changes made by administrators (and `flask` commands)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base, UTCDateTime


class AdminEvent(Base):
    """Who changed which unit, user, column, assignment or holiday, and how.

    Separate from the items' hash-chained audit trail: configuration changes are not
    chained, but the table is append-only on PostgreSQL (trigger, migration 0012)."""

    __tablename__ = "admin_events"
    __table_args__ = (Index("ix_admin_events_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # NULL: a command-line action (`flask …`), which has no logged-in user.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[str | None] = mapped_column(String(64))  # an id, or a day (holidays)
    # The target's name or path at the time: the log reads well after a rename or removal.
    target_label: Mapped[str] = mapped_column(String(1000), default="")
    # {field: [old, new]} (or {field: value} for facts such as counts); never passwords.
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<AdminEvent {self.id} {self.action} {self.target_type}:{self.target_id}>"
