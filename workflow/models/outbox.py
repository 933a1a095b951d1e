"""The transactional outbox: events written in the transaction of the change they report.

`workflow.runner` adds one row per event that leaves the system (messages) before it
commits, so an event exists exactly when its change does, whether Redis is up or not. The
notifications relay hands unrelayed rows to the queue (`relayed_at`); the job that turns
a row into messages sets `done_at` in its own transaction, so a row relayed twice is acted
on once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base, UTCDateTime


class OutboxEvent(Base):
    __tablename__ = "outbox"
    # The relay reads the unrelayed rows in id order.
    __table_args__ = (Index("ix_outbox_relayed_at", "relayed_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # the event's class name, e.g. ItemSubmitted
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)  # its fields, as plain values
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    relayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
