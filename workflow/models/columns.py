"""Columns (栏目) of the portal and which units are responsible for them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy import Column as SAColumn
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow.enums import AssignmentRole, ContentType
from workflow.models.base import Base, UTCDateTime
from workflow.models.org import Unit, User

PATH_SEPARATOR = "/"

# The 信息报送员 a unit designates for one of its columns (seed 002).
assignment_drafters = Table(
    "assignment_drafters",
    Base.metadata,
    SAColumn(
        "assignment_id",
        ForeignKey("column_assignments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    SAColumn("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
)


class Column(Base):
    __tablename__ = "columns"
    # Names are unique among siblings; names may contain "/" (许可/处罚/强制), so the
    # display path is not a key.
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("columns.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(1000))
    level: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer, default=0)
    content: Mapped[str] = mapped_column(Text, default="")  # 保障内容
    time_requirement: Mapped[str] = mapped_column(Text, default="")  # 时限要求, as written
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    content_type: Mapped[str] = mapped_column(String(20), default=ContentType.OTHER)
    # Inspection categories (动态要闻, 通知公告, 政策文件, 政务咨询…), set by import or admin.
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # See workflow.prerequisites.Prerequisites for the keys.
    prerequisites: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Whether a "nothing to publish this period" statement (说明性信息) counts here.
    allows_statement: Mapped[bool] = mapped_column(Boolean, default=False)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Parsed rules are 待确认 until the office confirms them (None): until then they
    # remind the unit but never escalate and never count in the 考核 or the 通报.
    rules_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rules_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    parent: Mapped[Column | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Column]] = relationship(back_populates="parent")
    assignments: Mapped[list[ColumnAssignment]] = relationship(
        back_populates="column", cascade="all, delete-orphan"
    )
    parts: Mapped[list[ColumnPart]] = relationship(
        back_populates="column", cascade="all, delete-orphan", order_by="ColumnPart.position"
    )

    @property
    def rules_confirmed(self) -> bool:
        return self.rules_confirmed_at is not None

    def __repr__(self) -> str:
        return f"<Column {self.id} {self.path}>"


class ColumnAssignment(Base):
    """A unit's responsibility for a column: lead (牵头) or cooperating (配合)."""

    __tablename__ = "column_assignments"
    __table_args__ = (UniqueConstraint("column_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default=AssignmentRole.LEAD)
    # Since when the unit answers for the column (local date): a period that began
    # before it is never judged. The day of the import or assignment, or an earlier day
    # the office sets (the date the table took effect).
    responsible_since: Mapped[date] = mapped_column(Date)

    column: Mapped[Column] = relationship(back_populates="assignments")
    unit: Mapped[Unit] = relationship()
    drafters: Mapped[list[User]] = relationship(secondary=assignment_drafters)


class ColumnPart(Base):
    """A part of a column (栏目的分类: 动态信息类 / 其他类; 信息公开指南 / 年报 / 政策法规…).
    A rule whose `scope` names a part is judged on that part's items only; an item
    belongs to one part of its column when the column has parts. Retired parts keep
    their items but take no new ones."""

    __tablename__ = "column_parts"
    __table_args__ = (UniqueConstraint("column_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    column: Mapped[Column] = relationship(back_populates="parts")

    def __repr__(self) -> str:
        return f"<ColumnPart {self.id} {self.name}>"


class ColumnLink(Base):
    """Publishing in `source` obliges a unit to publish in `target` within the target's
    after_event (published) rule — e.g. 政策文件 → 政策解读 within 3 working days."""

    __tablename__ = "column_links"

    source_id: Mapped[int] = mapped_column(
        ForeignKey("columns.id", ondelete="CASCADE"), primary_key=True
    )
    target_id: Mapped[int] = mapped_column(
        ForeignKey("columns.id", ondelete="CASCADE"), primary_key=True
    )
