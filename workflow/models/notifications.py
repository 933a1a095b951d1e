"""The delivery ledger, the in-app inbox, channel preferences and the unit → supervising
leader table (reminders and escalation).

One `Delivery` row per idempotency key (subject, threshold, recipient, channel, period):
the unique constraint is what makes "at most one message per key" hold whatever runs
twice — scans, retried jobs, racing workers. The row's status says where the message is:

    pending → claimed → sending → sent
                 ↘ (error) pending again (retry) … → failed
    claimed, stale (worker died before handing over): safe to send again → pending
    sending, stale (worker died while handing over): outcome unknown → failed, listed
    digested: folded into a digest row (its own Delivery) instead of a single mail
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base, UTCDateTime


class Delivery(Base):
    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("subject", "threshold", "recipient", "channel", "period"),
        # The scan's recovery pass and the office's lists read by status.
        Index("ix_deliveries_status_not_before", "status", "not_before"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The idempotency key.
    subject: Mapped[str] = mapped_column(String(100))  # e.g. "rule:12:0", "item:7:office_review"
    threshold: Mapped[str] = mapped_column(String(40))  # e.g. "3wd", "overdue", "submitted"
    recipient: Mapped[str] = mapped_column(String(100))  # "user:5" or "robot:office-wecom"
    channel: Mapped[str] = mapped_column(String(20))  # email, sms, inapp, wecom, dingtalk
    period: Mapped[str] = mapped_column(String(40))  # due date, day, or event time
    # What and to whom.
    kind: Mapped[str] = mapped_column(String(20))  # reminder, escalation, event, digest
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(300), default="")
    # Template parameters for SMS providers (Chinese SMS must use approved templates).
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    escalation: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where the message is.
    status: Mapped[str] = mapped_column(String(20), default="pending")
    # Set only when the message must wait (quiet hours, retry backoff).
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(40))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_ref: Mapped[str | None] = mapped_column(String(200))  # message id, BizId, SerialNo
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"))

    def __repr__(self) -> str:
        return f"<Delivery {self.id} {self.channel} {self.recipient} {self.status}>"


class InboxMessage(Base):
    """The in-app inbox (站内消息): written in the same transaction that marks its delivery
    sent, so it exists exactly once."""

    __tablename__ = "inbox_messages"
    __table_args__ = (Index("ix_inbox_messages_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    delivery_id: Mapped[int] = mapped_column(ForeignKey("deliveries.id"), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ChannelPreference(Base):
    """A user's choice for one channel; without a row the defaults apply."""

    __tablename__ = "channel_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Leader(Base):
    """A district leader who supervises units (seed 001: 分管副区长), for escalation."""

    __tablename__ = "leaders"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(100), default="")
    # A leader with a login gets the in-app inbox; else mail/SMS to the contacts below.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    email: Mapped[str | None] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(32))


class UnitLeader(Base):
    """unit → supervising leader (one leader per unit; a leader has many units)."""

    __tablename__ = "unit_leaders"

    unit_id: Mapped[int] = mapped_column(
        ForeignKey("units.id", ondelete="CASCADE"), primary_key=True
    )
    leader_id: Mapped[int] = mapped_column(ForeignKey("leaders.id"), index=True)
