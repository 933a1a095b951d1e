"""Columns (栏目) of the portal and which units are responsible for them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Table, Text, UniqueConstraint
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

    parent: Mapped[Column | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Column]] = relationship(back_populates="parent")
    assignments: Mapped[list[ColumnAssignment]] = relationship(
        back_populates="column", cascade="all, delete-orphan"
    )

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

    column: Mapped[Column] = relationship(back_populates="assignments")
    unit: Mapped[Unit] = relationship()
    drafters: Mapped[list[User]] = relationship(secondary=assignment_drafters)


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
