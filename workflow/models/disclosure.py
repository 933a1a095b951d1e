"""The 依申请公开 register (requests for disclosure, their 协办 units and their audited
history) and the figures the office enters by hand for the annual reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.models.base import Base, UTCDateTime


class DisclosureRequest(Base):
    """One request for disclosure (政府信息公开申请) and its legal clock.

    The clock's facts are stored; the due date is recomputed from them at each write
    (`due_on`, for sorting and the reminder scan) and at each reading (the calendar may
    have been entered since)."""

    __tablename__ = "disclosure_requests"
    __table_args__ = (Index("ix_disclosure_requests_state_due", "state", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)  # 登记编号
    received_on: Mapped[date] = mapped_column(Date, index=True)
    channel: Mapped[str] = mapped_column(String(20))
    applicant_type: Mapped[str] = mapped_column(String(20))
    applicant_name: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)  # 申请内容 (as the applicant wrote it)
    info_requested: Mapped[str] = mapped_column(Text)  # 所需政府信息
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    route_reason: Mapped[str | None] = mapped_column(Text)  # 转办理由
    # Who reviews the reply: this user (e.g. the office's legal adviser), or, when None,
    # the handling unit's leaders (deputy head or head).
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(24))
    outcome: Mapped[str | None] = mapped_column(String(40))
    # The clock (workflow.disclosure.clock): counted from `clock_start` (the receipt, or
    # the day the correction arrived); third-party time and the extension added.
    clock_start: Mapped[date] = mapped_column(Date)
    correction_asked_on: Mapped[date | None] = mapped_column(Date)
    consult_since: Mapped[date | None] = mapped_column(Date)
    paused_workdays: Mapped[int] = mapped_column(Integer, default=0)
    extension_workdays: Mapped[int] = mapped_column(Integer, default=0)
    extended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date] = mapped_column(Date)
    due_provisional: Mapped[bool] = mapped_column(Boolean, default=False)
    reply_text: Mapped[str | None] = mapped_column(Text)
    reply_drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_on: Mapped[date | None] = mapped_column(Date, index=True)
    registered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    history_seq: Mapped[int] = mapped_column(Integer, default=0)
    history_head: Mapped[str | None] = mapped_column(String(64))

    assists: Mapped[list[DisclosureAssist]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="DisclosureAssist.id"
    )


class DisclosureAssist(Base):
    """A 协办 unit asked for its written opinion by a date of its own."""

    __tablename__ = "disclosure_assists"
    __table_args__ = (UniqueConstraint("request_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("disclosure_requests.id", ondelete="CASCADE"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    asked_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    opinion: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    request: Mapped[DisclosureRequest] = relationship(back_populates="assists")


class DisclosureEvent(Base):
    """The append-only history of a request, hash-chained per request like the items'
    audit trail (workflow.disclosure.history)."""

    __tablename__ = "disclosure_events"
    __table_args__ = (UniqueConstraint("request_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("disclosure_requests.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    hash_alg: Mapped[str] = mapped_column(String(10), default="sha256")


class ReportFigures(Base):
    """Figures entered by hand for one annual report: `report` (annual / website), the
    scope ("all": the whole government, else a unit's id) and the year."""

    __tablename__ = "report_figures"

    report: Mapped[str] = mapped_column(String(20), primary_key=True)
    scope: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ReportSchedule(Base):
    """A report mailed every month on `day_of_month` to `recipients` (mailboxes, one a
    line): the monthly 考核 workbook or seed 002's submission spreadsheet, each of the
    month before (notifications.report_mail)."""

    __tablename__ = "report_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # assessment / submissions
    recipients: Mapped[str] = mapped_column(Text)
    day_of_month: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
