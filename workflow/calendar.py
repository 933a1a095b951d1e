"""The Chinese working-day calendar and deadline counting (deadline-rules.md).

Which days are working days: the office's HolidayOverride rows win; then the
`chinesecalendar` package for the years it knows (调休 included); for a year neither
knows, Monday–Friday — and every answer that depended on such a year is flagged
`provisional`, so the office can list and recompute those due dates once it enters
that year's State Council notice. Nothing here raises for an unknown year.

Counting (民法典 第二百零一条–第二百零三条): the event day is day 0 and counting starts the
next day; `workday` counts working days only; `day`, `week` and `month` count calendar
time and a due date on a non-working day moves to the next working day.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import functools
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import cast

import chinese_calendar

from workflow.errors import DateOutOfRange


class Unit(StrEnum):
    WORKDAY = "workday"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@dataclass(frozen=True)
class Due:
    date: date
    provisional: bool  # some day in the count came from the Monday–Friday fallback


@functools.cache
def _package_years() -> frozenset[int]:
    years = set()
    for year in range(1990, 2100):
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            continue
        years.add(year)
    return frozenset(years)


class WorkCalendar:
    """Answers "is this a working day?" from overrides, the package, or the fallback."""

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        entered_years: Iterable[int] | None = None,
    ) -> None:
        """`entered_years`: years whose notice the office entered in full. When omitted,
        every year with an override counts as entered (a whole notice given at once)."""
        self._overrides = dict(overrides or {})
        self._entered = frozenset(
            entered_years if entered_years is not None else (d.year for d in self._overrides)
        )

    @classmethod
    def from_rows(
        cls, rows: Iterable[tuple[date, bool]], entered_years: Iterable[int] = ()
    ) -> WorkCalendar:
        return cls(dict(rows), entered_years)

    def knows(self, year: int) -> bool:
        return year in self._entered or year in _package_years()

    def is_workday(self, day: date) -> tuple[bool, bool]:
        """(working day?, provisional?)."""
        if day in self._overrides:
            return self._overrides[day], False
        if day.year in _package_years():
            return bool(chinese_calendar.is_workday(day)), False
        return day.weekday() < 5, not self.knows(day.year)

    def next_workday(self, day: date) -> Due:
        """`day` itself if it is a working day, else the first working day after it."""
        provisional = False
        while True:
            working, guessed = self.is_workday(day)
            provisional |= guessed
            if working:
                return Due(day, provisional)
            day = _next_day(day)

    def add_workdays(self, start: date, n: int) -> Due:
        """The n-th working day after `start` (n = 0: `start`, or the next working day)."""
        if n < 0:
            raise ValueError("n must be ≥ 0")
        if n == 0:
            return self.next_workday(start)
        day, counted, provisional = start, 0, False
        while counted < n:
            day = _next_day(day)
            working, guessed = self.is_workday(day)
            provisional |= guessed
            counted += working
        return Due(day, provisional)

    def count_workdays(self, start: date, end: date) -> tuple[int, bool]:
        """Working days in (start, end] — so add_workdays(start, n).date has count n."""
        count, provisional, day = 0, False, start
        while day < end:
            day += timedelta(days=1)
            working, guessed = self.is_workday(day)
            provisional |= guessed
            count += working
        return count, provisional

    def add(self, start: date, n: int, unit: Unit | str) -> Due:
        """Due date `n` units after `start`, per the counting conventions."""
        unit = Unit(unit)
        if n < 0:
            raise ValueError("n must be ≥ 0")
        if unit is Unit.WORKDAY:
            return self.add_workdays(start, n)
        if unit is Unit.DAY:
            end = _later(start, timedelta(days=n))
        elif unit is Unit.WEEK:
            end = _later(start, timedelta(weeks=n))
        else:
            end = add_months(start, n)
        due = self.next_workday(end)
        return Due(due.date, due.provisional or not self.knows(end.year))


def _later(day: date, delta: timedelta) -> date:
    try:
        return day + delta
    except OverflowError as exc:
        raise DateOutOfRange(
            f"the date {day.isoformat()} + {delta.days} days is out of range"
        ) from exc


def _next_day(day: date) -> date:
    if day == date.max:
        raise DateOutOfRange(f"the date {day.isoformat()} is out of range")
    return day + timedelta(days=1)


class MemoCalendar(WorkCalendar):
    """A calendar with its answers remembered for one evaluation or report: thousands
    of assignments share a few hundred distinct due dates."""

    def __init__(self, inner: WorkCalendar) -> None:  # wraps `inner`; no state of its own
        self._inner = inner
        self._cache: dict[tuple[object, ...], object] = {}

    def _memo(self, key: tuple[object, ...], fn: Callable[[], object]) -> object:
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    def knows(self, year: int) -> bool:
        return bool(self._memo(("knows", year), lambda: self._inner.knows(year)))

    def is_workday(self, day: date) -> tuple[bool, bool]:
        return cast(tuple[bool, bool], self._memo(("is", day), lambda: self._inner.is_workday(day)))

    def next_workday(self, day: date) -> Due:
        return cast(Due, self._memo(("next", day), lambda: self._inner.next_workday(day)))

    def add_workdays(self, start: date, n: int) -> Due:
        return cast(Due, self._memo(("addw", start, n), lambda: self._inner.add_workdays(start, n)))

    def count_workdays(self, start: date, end: date) -> tuple[int, bool]:
        return cast(
            tuple[int, bool],
            self._memo(("count", start, end), lambda: self._inner.count_workdays(start, end)),
        )

    def add(self, start: date, n: int, unit: Unit | str) -> Due:
        return cast(
            Due, self._memo(("add", start, n, str(unit)), lambda: self._inner.add(start, n, unit))
        )


def memo(calendar: WorkCalendar) -> MemoCalendar:
    """The calendar, remembering its answers (itself when it already does)."""
    return calendar if isinstance(calendar, MemoCalendar) else MemoCalendar(calendar)


def add_months(day: date, months: int) -> date:
    """Calendar months later, clamped to the month's end (1-31 + 1 month = 2-28/29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise DateOutOfRange(f"the date {day.isoformat()} + {months} months is out of range")
    last = _stdlib_calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def calendar_from_database(url: str) -> WorkCalendar:
    """A calendar with the office's overrides from the database at `url`."""
    from sqlalchemy import select

    from workflow.db import make_engine
    from workflow.models import CalendarYear, HolidayOverride

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(HolidayOverride.day, HolidayOverride.is_workday)).all()
            years = conn.execute(select(CalendarYear.year)).scalars().all()
    finally:
        engine.dispose()
    return WorkCalendar.from_rows(((d, w) for d, w in rows), years)


# --------------------------------------------------------------------------- command line

USAGE = (
    "usage: python -m workflow.calendar add START N UNIT | is-workday DATE\n"
    "  START, DATE: YYYY-MM-DD; N: whole number ≥ 0; UNIT: workday, day, week, month"
)


class _BadInput(ValueError):
    pass


def _parse_date(text: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):  # fromisoformat also takes 20261010
        raise _BadInput(f"not a date (YYYY-MM-DD): {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise _BadInput(f"not a date (YYYY-MM-DD): {text!r}") from exc


def _run(argv: Sequence[str], cal: WorkCalendar) -> dict[str, object]:
    if len(argv) == 4 and argv[0] == "add":
        start = _parse_date(argv[1])
        if not re.fullmatch(r"\d+", argv[2]):  # int() also takes "+3", "1_0", " 3"
            raise _BadInput(f"N must be a whole number ≥ 0: {argv[2]!r}")
        n = int(argv[2])
        if argv[3] not in Unit.__members__.values():
            raise _BadInput(f"unknown unit {argv[3]!r} (workday, day, week, month)")
        try:
            due = cal.add(start, n, argv[3])
        except OverflowError as exc:
            raise _BadInput("the due date falls after the year 9999") from exc
        return {
            "start": start.isoformat(),
            "n": n,
            "unit": argv[3],
            "due": due.date.isoformat(),
            "provisional": due.provisional,
        }
    if len(argv) == 2 and argv[0] == "is-workday":
        day = _parse_date(argv[1])
        working, provisional = cal.is_workday(day)
        return {"date": day.isoformat(), "workday": working, "provisional": provisional}
    raise _BadInput(USAGE)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    url = os.environ.get("DATABASE_URL")
    try:
        cal = calendar_from_database(url) if url else WorkCalendar()
        result = _run(argv, cal)
    except _BadInput as exc:
        print(str(exc), file=sys.stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
