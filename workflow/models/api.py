"""Reaching the portal (issue 18): API keys and their call log, idempotent writes, the
changes feed's sequence, publications made outside sanshen, webhook subscriptions and
their deliveries.

Keys are stored as the SHA-256 of a 256-bit random secret (only its prefix is shown
again): a slow password hash protects guessable secrets, which these are not, and every
API call would pay for it (see docs/api.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base, UTCDateTime

SCOPE_READ = "read"
SCOPE_WRITE = "write"  # read + write
SCOPES = (SCOPE_READ, SCOPE_WRITE)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    # The first characters of the secret, shown in lists to tell keys apart.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(10), default=SCOPE_READ)
    # Limits: the units and the column subtrees (their roots) the key may see and
    # write; empty lists are no limit.
    unit_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    column_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    @property
    def can_write(self) -> bool:
        return self.scope == SCOPE_WRITE


class ApiCall(Base):
    """One call of the API (kept API_CALL_KEEP_DAYS, then purged)."""

    __tablename__ = "api_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"), index=True)
    method: Mapped[str] = mapped_column(String(10))
    route: Mapped[str] = mapped_column(String(200))
    status: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ApiIdempotency(Base):
    """The answer to a write sent with an Idempotency-Key: the same key again gets the
    same answer, and nothing is written twice."""

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("key_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"))
    idempotency_key: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(64))  # route and body: reuse is refused
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ItemChange(Base):
    """The changes feed: one row per publication, revision gone live or retraction,
    written by the service in the transaction of the change. Ids only grow and commit
    in order (see workflow.changes)."""

    __tablename__ = "item_changes"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 (SQLAlchemy reads it)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(Integer, index=True)  # outlives a deleted item
    kind: Mapped[str] = mapped_column(String(20))  # published / revised / retracted
    revision_no: Mapped[int | None] = mapped_column(Integer)
    column_id: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class ExternalPublication(Base):
    """An item the office published straight in the portal's CMS (外部发布): it counts
    for the column's deadlines and portal health, but it never went through 三审 and is
    never shown as reviewed."""

    __tablename__ = "external_publications"
    __table_args__ = (
        Index("ix_external_publications_column", "column_id", "unit_id", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    title: Mapped[str] = mapped_column(String(500))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_by: Mapped[str] = mapped_column(String(100), default="")  # who, as reported
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(1000))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The signing secret ("whsec_" + base64), kept to sign: shown to the admin once.
    secret: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pause_reason: Mapped[str] = mapped_column(String(200), default="")
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class WebhookDelivery(Base):
    """One event for one subscription; `message_id` (the webhook-id header) is the same
    on every attempt and replay, so a receiver drops repeats."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "message_id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    message_id: Mapped[str] = mapped_column(String(64))
    event_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebhookAttempt(Base):
    """One HTTP attempt of a delivery, with the answer's status and first characters."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    status_code: Mapped[int | None] = mapped_column(Integer)
    answer: Mapped[str] = mapped_column(String(500), default="")
    error: Mapped[str] = mapped_column(String(200), default="")
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
