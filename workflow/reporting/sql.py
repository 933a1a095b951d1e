"""Small SQL expressions that differ between PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.orm import Session


def local_day(session: Session, column: Any, tz: ZoneInfo, now: datetime) -> Any:
    """The local calendar day of a UTC timestamp column, as a date (PostgreSQL) or an
    ISO 'YYYY-MM-DD' string (SQLite), both comparable with a Date column.

    SQLite knows no time zones: it shifts by the zone's offset at `now` (China has kept
    UTC+8 all year since 1991, so this is exact for the office's zone)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone(tz.key, column))
    offset = now.astimezone(tz).utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset else 0
    return func.date(column, f"{hours:+d} hours")


def local_month(session: Session, column: Any, tz: ZoneInfo, now: datetime) -> Any:
    """'YYYY-MM' of a UTC timestamp column in the local zone."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone(tz.key, column), "YYYY-MM")
    offset = now.astimezone(tz).utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset else 0
    return func.strftime("%Y-%m", column, f"{hours:+d} hours")
