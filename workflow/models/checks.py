"""Content checks (issue 17): the office's word lists, the findings on each revision,
what was read from each attached file, and the link-check cache."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.models.base import Base, UTCDateTime


class WordList(Base):
    """A list the office maintains (错敏词库, 易错词表). `version` goes up with every change
    of its entries and `stamp` becomes a fresh random value: the matcher's automaton is
    cached per (list, stamp), which a rolled-back change or a reused id never repeats."""

    __tablename__ = "word_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    stamp: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    entries: Mapped[list[WordEntry]] = relationship(
        back_populates="word_list", cascade="all, delete-orphan", order_by="WordEntry.id"
    )


class WordEntry(Base):
    """One wrong or sensitive wording, its category and severity and, where it fits, the
    right form (suggestion)."""

    __tablename__ = "word_entries"
    __table_args__ = (UniqueConstraint("list_id", "term"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("word_lists.id", ondelete="CASCADE"))
    term: Mapped[str] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10))
    suggestion: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(String(300), default="")

    word_list: Mapped[WordList] = relationship(back_populates="entries")


class Finding(Base):
    """One finding of a check on one revision of an item. A finding found again on a
    later revision (same key: where, what, the text around it) carries its 已核实 /
    override over, so nobody is asked twice."""

    __tablename__ = "findings"
    __table_args__ = (
        UniqueConstraint("item_id", "revision_no", "key"),
        Index("ix_findings_status_created", "status", "created_at"),
        Index("ix_findings_unit_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    revision_no: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    key: Mapped[str] = mapped_column(String(64))
    # Where: "title", "body", "field:<key>", "attachment:<file name>", "link".
    source: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(10))
    term: Mapped[str] = mapped_column(String(2000))
    suggestion: Mapped[str] = mapped_column(String(300), default="")
    excerpt: Mapped[str] = mapped_column(String(300), default="")
    start: Mapped[int | None] = mapped_column(Integer)
    end: Mapped[int | None] = mapped_column(Integer)
    # open | fixed | verified (已核实, by the drafter) | overridden (by the office)
    status: Mapped[str] = mapped_column(String(12), default="open")
    reason: Mapped[str | None] = mapped_column(String(500))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Found on a published (live) revision by a recheck, not while drafting.
    on_live: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BlobCheck(Base):
    """What a stored file is and says, read once per content (a blob never changes): its
    problem (None: opens fine), its text (bounded) and the links it holds."""

    __tablename__ = "blob_checks"

    sha256: Mapped[str] = mapped_column(
        ForeignKey("blobs.sha256", ondelete="CASCADE"), primary_key=True
    )
    problem: Mapped[str | None] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[list[Any]] = mapped_column(JSON, default=list)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LinkCheck(Base):
    """The last check of one URL (cached for LINK_CHECK_TTL): ok, dead or offsite."""

    __tablename__ = "link_checks"

    url_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    result: Mapped[str] = mapped_column(String(10))  # ok | dead | offsite
    http_status: Mapped[int | None] = mapped_column(Integer)
    final_url: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(String(300), default="")
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
