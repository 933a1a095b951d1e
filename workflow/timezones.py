"""Local days: deadlines count Beijing calendar days (the deployment's TIMEZONE setting
is Asia/Shanghai everywhere in practice; the reports take it as a setting)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")


def local_day(moment: datetime, tz: ZoneInfo = LOCAL) -> date:
    """The local calendar day of an aware moment."""
    return moment.astimezone(tz).date()
