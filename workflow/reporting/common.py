"""What every report shares: its settings, reporting periods, and local-date helpers."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from workflow.calendar import add_months
from workflow.enums import State
from workflow.stages import DEFAULT_STAGE_LIMITS, STAGE_LABELS

STAGE_NAMES = {s.value: name for s, name in STAGE_LABELS.items()}
STATE_NAMES = {
    State.DRAFT.value: "草稿",
    State.INITIAL_REVIEW.value: "初审中",
    State.HEAD_REVIEW.value: "审核中",
    State.OFFICE_REVIEW.value: "审发中",
    State.PUBLISHED.value: "已发布",
    State.RETURNED.value: "已退回",
    State.WITHDRAWN.value: "已撤销",
    State.RETRACTED.value: "已撤稿",
}


def _default_stage_limits() -> dict[str, int]:
    return dict(DEFAULT_STAGE_LIMITS)  # a copy: settings are per deployment


@dataclass(frozen=True)
class ReportSettings:
    """Deployment settings of the office's reports (the office may change them)."""

    timezone: str = "Asia/Shanghai"
    # How many working days an item may wait at each review stage before it is stuck
    # (config.py: NOTIFY_STAGE_LIMIT_<STAGE>, the same limits the reminders use).
    stage_limits: dict[str, int] = field(default_factory=_default_stage_limits)
    due_soon_workdays: int = 3
    stale_after_months: int = 6
    # Year-end cramming (seed 003): more than this share of a year's items of a column
    # first published in December, counted only from `cram_min_items` items a year.
    cram_share: float = 0.5
    cram_min_items: int = 4

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Period:
    """A reporting period: a month, a quarter or a year (both ends local dates, inclusive)."""

    start: date
    end: date
    label: str  # "2026-10", "2026-Q4", "2026"

    @property
    def title(self) -> str:
        if "-Q" in self.label:
            year, quarter = self.label.split("-Q")
            return f"{year}年第{quarter}季度"
        if "-" in self.label:
            return f"{self.start.year}年{self.start.month}月"
        return f"{self.start.year}年"

    def months(self) -> list[date]:
        """The first day of each month in the period."""
        out, day = [], self.start
        while day <= self.end:
            out.append(day)
            day = add_months(day, 1)
        return out


class PeriodError(ValueError):
    pass


PERIOD_YEARS = range(1900, 2101)  # beyond these a period's end overflows `date`


# How offices write a month, a quarter or a year, after NFKC (full-width digits and
# marks become ASCII) and without spaces: 2026-11, 2026/11, 2026.11, 2026_11, 202611,
# 2026年11月(份); 2026-Q4, 2026Q4, 2026年第4季度, 2026年四季度, 2026年Q4; 2026, 2026年(度).
_MONTH = re.compile(r"(\d{4})(?:[-/._]|年)(\d{1,2})(?:月份?)?|(\d{4})(\d{2})")
_QUARTER = re.compile(r"(\d{4})(?:[-/._]|年)?(?:第)?(?:Q([1-4])|([1-4一二三四])季度?)")
_YEAR = re.compile(r"(\d{4})(?:年度?|年全年)?")
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4}


def parse_period(text: str) -> Period:
    """A month ('2026-10', '2026年10月', '2026/10', '2026.10', '202610'), a quarter
    ('2026-Q4', '2026年第4季度', '2026年四季度') or a year ('2026', '2026年'), 1900–2100.
    PeriodError says what could not be read."""
    raw = text
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()
    if (m := re.match(r"\d{4}", text)) and int(m[0]) not in PERIOD_YEARS:
        raise PeriodError(f"年份应在1900–2100之间: {raw}")
    if m := _MONTH.fullmatch(text):
        year, month = (int(m[1]), int(m[2])) if m[1] else (int(m[3]), int(m[4]))
        if not 1 <= month <= 12:
            raise PeriodError(f"月份应为1–12: {raw}")
        start = date(year, month, 1)
        return Period(start, add_months(start, 1) - timedelta(days=1), f"{year}-{month:02d}")
    if m := _QUARTER.fullmatch(text):
        year = int(m[1])
        quarter = int(m[2]) if m[2] else _CHINESE_DIGITS.get(m[3]) or int(m[3])
        start = date(year, 3 * quarter - 2, 1)
        return Period(start, add_months(start, 3) - timedelta(days=1), f"{year}-Q{quarter}")
    if m := _YEAR.fullmatch(text):
        year = int(m[1])
        return Period(date(year, 1, 1), date(year, 12, 31), str(year))
    raise PeriodError(f"无法识别的期间 {raw!r}（应为 2026-10、2026-Q4 或 2026）")


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant a local day begins (items are stored in UTC)."""
    return datetime.combine(day, time(), tz).astimezone(UTC)


def month_edges(months: Sequence[date], tz: ZoneInfo) -> list[datetime]:
    """Each month's first local midnight (UTC), then the one after the last month."""
    return [local_midnight(m, tz) for m in [*months, add_months(months[-1], 1)]]


def per_month(below_ends: Sequence[Any]) -> list[int]:
    """Counts per month from counts of rows before each month's end (counting rows with
    one `count() FILTER (at < edge)` per edge is a third of the time of formatting every
    row's local month)."""
    return [int(n) - (int(below_ends[i - 1]) if i else 0) for i, n in enumerate(below_ends)]


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


DEFAULTS = ReportSettings()

# Above this many marked columns, one evaluation of the whole portal is cheaper than a
# filtered one (and keeps the IN list small): the summaries are then not used.
MAX_LIVE_COLUMNS = 1000


def settings_key(settings: ReportSettings) -> str:
    """What the summaries depend on besides the data and the day."""
    return f"{settings.due_soon_workdays}|{settings.stale_after_months}|{settings.timezone}"
