"""The calendar periods of a rule (deadline-rules.md): Monday–Sunday weeks; months,
quarters, half-years and years; annual dates. Numbered, with their bounds and due dates
(moved to the next working day). Shared by the evaluation and the scoreboard, so both
judge the same periods.

A periodic rule is a calendar rule when its period is one (every 1 week; 1, 2, 3, 4, 6
or 12 months; 1 year) and it is not marked `rolling`; every other periodic rule is a
rolling window judged from the last publication.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from workflow.calendar import WorkCalendar, add_months


def safe_date(year: int, month: int, day: int) -> date:
    """The day, clamped to the month's end (by_day 31 in February is its last day)."""
    return date(year, month, min(day, monthrange(year, month)[1]))


class Periods:
    """The periods of one calendar rule, numbered: bounds and (moved) due dates."""

    MONDAY = date(1970, 1, 5)

    def __init__(
        self,
        calendar: WorkCalendar,
        kind: str,
        months: int = 0,
        by_day: int | None = None,
        month_day: tuple[int, int] | None = None,
    ) -> None:
        self.calendar, self.kind, self.months = calendar, kind, months
        self.by_day, self.month_day = by_day, month_day
        self._due: dict[int, tuple[date, bool]] = {}

    def index_of(self, day: date) -> int:
        """The period whose calendar bounds contain `day`."""
        if self.kind == "week":
            return (day - self.MONDAY).days // 7
        if self.kind == "annual":
            assert self.month_day is not None
            return day.year if day <= safe_date(day.year, *self.month_day) else day.year + 1
        return (day.year * 12 + day.month - 1) // self.months

    def bounds(self, k: int) -> tuple[date, date]:
        if self.kind == "week":
            start = self.MONDAY + timedelta(days=7 * k)
            return start, start + timedelta(days=6)
        if self.kind == "annual":
            assert self.month_day is not None
            return safe_date(k - 1, *self.month_day) + timedelta(days=1), safe_date(
                k, *self.month_day
            )
        first = k * self.months
        start = date(first // 12, first % 12 + 1, 1)
        return start, add_months(start, self.months) - timedelta(days=1)

    def due(self, k: int) -> tuple[date, bool]:
        """The period's due date (its last day, or `by_day` of its last month), moved to
        the next working day, and whether that move used the fallback calendar."""
        if k not in self._due:
            end = self.bounds(k)[1]
            deadline = end if self.by_day is None else safe_date(end.year, end.month, self.by_day)
            found = self.calendar.next_workday(deadline)
            self._due[k] = (found.date, found.provisional)
        return self._due[k]

    def active(self, today: date) -> int:
        """The period whose due date is the next one on or after today."""
        return self.window_of(today)

    def window_of(self, day: date) -> int:
        """The period whose window (previous due, due] contains `day`."""
        k = self.index_of(day)
        while self.due(k - 1)[0] >= day:
            k -= 1
        while self.due(k)[0] < day:
            k += 1
        return k

    def first_from(self, since: date) -> int:
        """The first period that began on or after `since`: the first one judged for a
        unit responsible since that day."""
        k = self.index_of(since)
        return k if self.bounds(k)[0] >= since else k + 1


def is_rolling(rule: Mapping[str, Any]) -> bool:
    """A periodic rule judged as a maximum gap between publications."""
    return rule.get("kind") == "periodic" and periods_for(rule, None) is None


def periods_for(rule: Mapping[str, Any], calendar: WorkCalendar | None) -> Periods | None:
    """The calendar periods of a periodic or annual rule; None for a rolling window (and
    for every other kind). With `calendar` None it only answers which (the periods then
    must not be asked for due dates)."""
    kind, every, unit = rule.get("kind"), rule.get("every"), rule.get("unit")
    cal = calendar if calendar is not None else WorkCalendar()
    if kind == "annual":
        month, day = (int(p) for p in str(rule["by"]).split("-"))
        return Periods(cal, "annual", month_day=(month, day))
    if kind != "periodic" or rule.get("rolling") is True or not isinstance(every, int):
        return None
    by_day = rule.get("by_day")
    if unit == "year" and every == 1:
        return Periods(cal, "month", months=12, by_day=by_day)
    if unit == "month" and every >= 1 and 12 % every == 0:
        return Periods(cal, "month", months=every, by_day=by_day)
    if unit == "week" and every == 1:
        return Periods(cal, "week")
    return None
