"""Office-maintained holiday overrides; they win over the chinesecalendar package."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base, UTCDateTime


class HolidayOverride(Base):
    __tablename__ = "holiday_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(200), default="")


class CalendarYear(Base):
    """A year whose State Council notice the office has entered in full: its days no
    longer come from the Monday–Friday fallback (a single override, e.g. a typhoon
    closure, does not make a year known)."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(String(200), default="")
