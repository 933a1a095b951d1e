"""Items (信息/稿件), their revisions and attachments.

The review state belongs to the item's *current* revision; `live_revision_no` points at
the revision the public sees. A published item whose new revision is in review is a
live revision plus a current revision in a review state — no state means two things.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.enums import State
from workflow.models.base import Base, UTCDateTime
from workflow.models.columns import Column, ColumnPart
from workflow.models.org import Unit, User


class Item(Base):
    __tablename__ = "items"
    __table_args__ = (
        Index("ix_items_unit_id_state", "unit_id", "state"),
        Index("ix_items_state", "state"),
        # Open items with their own due date (after_event, prompt) are few among many.
        Index("ix_items_due_date", "due_date"),
        # Reports over a period (scoreboard windows, cramming) read a range of these.
        Index("ix_items_first_published_at", "first_published_at"),
        # Each column's last publication (portal health): the newest entry per column.
        Index(
            "ix_items_live_column_published",
            "column_id",
            "published_at",
            postgresql_where=text("live_revision_no IS NOT NULL"),
            sqlite_where=text("live_revision_no IS NOT NULL"),
        ),
        # "Nothing to publish" statements are rare: evaluation finds them by this index.
        Index(
            "ix_items_statements",
            "column_id",
            "unit_id",
            "first_published_at",
            postgresql_where=text("kind = 'statement'"),
            sqlite_where=text("kind = 'statement'"),
        ),
        # One item per creation request: a form posted twice, even at the same instant,
        # creates one item (see services.create_item's request_key).
        Index(
            "ux_items_drafter_request_key",
            "drafter_id",
            "request_key",
            unique=True,
            postgresql_where=text("request_key IS NOT NULL"),
            sqlite_where=text("request_key IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id"), index=True)
    # The part of the column the item belongs to (None: the column has no parts).
    part_id: Mapped[int | None] = mapped_column(ForeignKey("column_parts.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    # The drafter responsible for the current revision.
    drafter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(500))  # title of the current revision
    event_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(20), default=State.DRAFT)
    # Optimistic lock: every UPDATE checks and bumps it (SQLAlchemy version_id_col).
    version: Mapped[int] = mapped_column(Integer, default=1)
    current_revision_no: Mapped[int] = mapped_column(Integer, default=1)
    live_revision_no: Mapped[int | None] = mapped_column(Integer)
    audit_seq: Mapped[int] = mapped_column(Integer, default=0)
    audit_head: Mapped[str | None] = mapped_column(String(64))  # hash of the last audit row
    # Digest of the current revision's content (title, body, fields, attachments); every
    # audit row records it, so content changed behind the audit trail is detected.
    content_digest: Mapped[str] = mapped_column(String(64), default="")
    # Authors and reviewers, for separation of duties (see workflow.review_facts).
    review_facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state_since: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the item first went public: what counts for a column's period (a republished
    # revision is an update of the same item, not one more item).
    first_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The linked obligation this item answers (e.g. the 解读 of one 政策文件), if any.
    obligation_id: Mapped[int | None] = mapped_column(
        ForeignKey("obligations.id", use_alter=True)  # items ⇄ obligations refer both ways
    )
    # The client's key for the request that created the item (a form's one-time token).
    request_key: Mapped[str | None] = mapped_column(String(64))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy reads it)

    column: Mapped[Column] = relationship()
    part: Mapped[ColumnPart | None] = relationship()
    unit: Mapped[Unit] = relationship()
    drafter: Mapped[User] = relationship()
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="item", order_by="Revision.number", cascade="all, delete-orphan"
    )

    @property
    def has_live_revision(self) -> bool:
        """Used as a transition condition: withdrawing a new revision of a published item
        returns it to published instead of withdrawing the whole item."""
        return self.live_revision_no is not None

    def __repr__(self) -> str:
        return f"<Item {self.id} {self.state} v{self.version}>"


class Revision(Base):
    """One version of an item's content; frozen once submitted."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("item_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text, default="")
    # Structured fields, e.g. the eight elements of a service guide (办事指南).
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    item: Mapped[Item] = relationship(back_populates="revisions")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="revision", cascade="all, delete-orphan", order_by="Attachment.id"
    )

    @property
    def frozen(self) -> bool:
        return self.submitted_at is not None


class Blob(Base):
    """File content stored once by its SHA-256 (the bytes live in the blob store)."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Attachment(Base):
    """A file attached to one revision, typed 正文/解读/起草说明/附件."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(
        ForeignKey("revisions.id", ondelete="CASCADE"), index=True
    )
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(127), default="application/octet-stream")
    type: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    revision: Mapped[Revision] = relationship(back_populates="attachments")
    blob: Mapped[Blob] = relationship()


class Obligation(Base):
    """A dependent publication owed because another item was published (linked columns),
    or a one-off task; due by `due_date` (provisional when counted with the fallback)."""

    __tablename__ = "obligations"
    __table_args__ = (Index("ix_obligations_column_id_unit_id", "column_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    source_item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"), index=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    due_date: Mapped[date] = mapped_column(Date)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fulfilled_by_item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the source item is retracted: nothing is owed any more.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_open(self) -> bool:
        return self.fulfilled_at is None and self.cancelled_at is None
