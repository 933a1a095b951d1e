"""Delegation while away (委托) and nudges (催办)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base, UTCDateTime


class Delegation(Base):
    """`delegator_id` names `delegate_id` to act for them at `stages` from `starts_on` to
    `ends_on` (local dates, both inclusive). Ended early: `ended_at` (the delegation is
    over from that moment). Nothing runs at its end: whether it holds is a date check."""

    __tablename__ = "delegations"
    __table_args__ = (
        Index("ix_delegations_delegate_id", "delegate_id", "ends_on"),
        Index("ix_delegations_delegator_id", "delegator_id", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    delegator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Comma-separated review states (initial_review,head_review,office_review).
    stages: Mapped[str] = mapped_column(String(60))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(200))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    @property
    def stage_list(self) -> list[str]:
        return [s for s in self.stages.split(",") if s]

    def active_on(self, day: date, now: datetime) -> bool:
        return self.starts_on <= day <= self.ends_on and (
            self.ended_at is None or self.ended_at > now
        )


class Nudge(Base):
    """One 催办 of an item's current reviewers. `day` is the working day it counts for
    (a nudge on a rest day counts for the next working day): one per item and day."""

    __tablename__ = "nudges"
    __table_args__ = (UniqueConstraint("item_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    stage: Mapped[str] = mapped_column(String(20))
    day: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Who was told (user ids, comma-separated), as they were at that moment.
    recipients: Mapped[str] = mapped_column(String(500))
