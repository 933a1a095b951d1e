"""Publication scheduled by an office editor for a set time (定时发布)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base, UTCDateTime


class ScheduledPublication(Base):
    """The office editor's 审发 approval, to be given at `publish_at`.

    One open schedule per item (the primary key is the item); `done_at` is set when it
    was carried out or could not be (then `outcome` says why), so running the scan twice
    publishes nothing twice.
    """

    __tablename__ = "scheduled_publications"
    __table_args__ = (Index("ix_scheduled_publications_publish_at", "publish_at"),)

    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True
    )
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The item's version when the editor scheduled it: the publication is of what they saw.
    item_version: Mapped[int] = mapped_column(Integer)
    publish_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(200))
