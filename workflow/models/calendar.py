"""Office-maintained holiday overrides; they win over the chinesecalendar package."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base


class HolidayOverride(Base):
    __tablename__ = "holiday_overrides"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(200), default="")
