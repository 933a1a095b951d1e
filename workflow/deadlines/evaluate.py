"""Where every column assignment (column × unit) stands against its rules at `now`.

Set-based: seven queries for the whole portal, whatever its size — the calendar
(overrides, entered years); the assignments with their columns' rules; one aggregate over
published items per (column, unit) with a conditional count per period boundary any rule
needs; the statements; the open items that carry their own due dates (after_event,
prompt); the open linked obligations. Everything else is date arithmetic in Python,
cached per distinct rule and due date.

Statuses, worst first: overdue, due_soon, provisional (the due date was counted with the
Monday–Friday fallback of a year the office has not entered), ok. `overdue_since` is the
first day of the current unbroken lapse: from the day after the due date of the first
period missed since the last publication.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Text, and_, case, cast, func, select
from sqlalchemy.orm import Session

from workflow.calendar import WorkCalendar, add_months
from workflow.deadlines.due import load_calendar
from workflow.deadlines.rules import validate
from workflow.enums import ItemKind, State
from workflow.models import Column, ColumnAssignment, Item, Obligation

OK, DUE_SOON, PROVISIONAL, OVERDUE = "ok", "due_soon", "provisional", "overdue"
_RANK = {OK: 0, PROVISIONAL: 1, DUE_SOON: 2, OVERDUE: 3}


@dataclass(frozen=True)
class Settings:
    due_soon_workdays: int = 3
    stale_after_months: int = 6  # 检查指标: columns that must be kept up to date
    timezone: str = "Asia/Shanghai"


@dataclass(frozen=True)
class RuleStatus:
    rule: Mapping[str, Any]
    status: str
    period_start: date | None = None
    period_end: date | None = None
    required: int = 0
    published: int = 0
    due: date | None = None
    overdue_since: date | None = None
    provisional: bool = False
    stale: bool = False


@dataclass(frozen=True)
class AssignmentStatus:
    assignment_id: int
    column_id: int
    unit_id: int
    column_path: str
    status: str
    rules: list[RuleStatus] = field(default_factory=list)
    last_published_at: datetime | None = None
    overdue_since: date | None = None
    next_due: date | None = None
    provisional: bool = False
    stale: bool = False
    open_items_overdue: int = 0
    open_items_due_soon: int = 0
    obligations_overdue: int = 0
    obligations_open: int = 0
    invalid_rules: int = 0  # hand-entered rules that do not follow the contract: skipped


@dataclass(frozen=True)
class _Window:
    """A period rule's windows at `today`, anchored on due dates (local dates): an item
    published on a due date moved to the next working day still counts for that period.

    current = (previous_due, due], previous = (before_previous_due, previous_due].
    """

    current_start: date
    current_end: date  # the calendar end of the current period
    due: date
    previous_start: date | None
    previous_due: date | None
    provisional: bool
    periods: _Periods | None = None  # to look further back for the start of a lapse
    index: int = 0
    period_start: date | None = None  # the calendar start, for display


def evaluate(
    session: Session,
    now: datetime,
    settings: Settings = Settings(),
    calendar: WorkCalendar | None = None,
    unit_id: int | None = None,
    column_id: int | None = None,
) -> list[AssignmentStatus]:
    """The status of every assignment (or one unit's, one column's), in assignment order."""
    only = _Only(unit_id, column_id)
    tz = ZoneInfo(settings.timezone)
    today = now.astimezone(tz).date()
    calendar = _Memo(calendar or load_calendar(session))
    assignments = _assignments(session, only)
    windows = _Windows(today, calendar)
    boundaries = sorted({b for a in assignments for r in a.rules for b in windows.boundaries(r)})
    published = _published(session, boundaries, tz, only)
    item_dues = _open_item_dues(session, today, calendar, settings, only)
    obligations = _open_obligations(session, today, only)
    stale_before = _as_utc(add_months(today, -settings.stale_after_months), tz)
    out = []
    for a in assignments:
        assignment_id, column_id, unit, path, rules = (
            a.id,
            a.column_id,
            a.unit_id,
            a.path,
            a.rules,
        )
        counts = published.get((column_id, unit))
        last = counts.last if counts else None
        per_rule = [
            _rule_status(
                rule, counts, boundaries, windows, today, calendar, settings, a.allows_statement
            )
            for rule in rules
            if rule.get("kind") in ("periodic", "annual", "once", "on_change")
        ]
        stale = any(r.get("kind") == "on_change" for r in rules) and (
            last is None or last < stale_before
        )
        overdue_items, soon_items, first_item_due, item_lapse = item_dues.get(
            (column_id, unit), (0, 0, None, None)
        )
        owed, owed_late, first_owed, owed_lapse = obligations.get(
            (column_id, unit), (0, 0, None, None)
        )
        status = max([OK, *(r.status for r in per_rule)], key=_RANK.__getitem__)
        if overdue_items or owed_late:
            status = OVERDUE
        elif soon_items and _RANK[status] < _RANK[DUE_SOON]:
            status = DUE_SOON
        lapses = [r.overdue_since for r in per_rule if r.overdue_since] + [
            d for d in (item_lapse, owed_lapse) if d
        ]
        dues = [r.due for r in per_rule if r.due and r.status != OK] + [
            d for d in (first_item_due, first_owed) if d
        ]
        out.append(
            AssignmentStatus(
                assignment_id=assignment_id,
                column_id=column_id,
                unit_id=unit,
                column_path=path,
                status=status,
                rules=per_rule,
                last_published_at=last,
                overdue_since=min(lapses) if status == OVERDUE and lapses else None,
                next_due=min(dues) if dues else None,
                provisional=any(r.provisional for r in per_rule),
                stale=stale,
                open_items_overdue=overdue_items,
                open_items_due_soon=soon_items,
                obligations_overdue=owed_late,
                obligations_open=owed,
                invalid_rules=a.invalid_rules,
            )
        )
    return out


# --------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class _Only:
    """An optional filter to one unit and/or one column."""

    unit_id: int | None = None
    column_id: int | None = None

    def where(self, stmt: Any, unit: Any, column: Any) -> Any:
        if self.unit_id is not None:
            stmt = stmt.where(unit == self.unit_id)
        if self.column_id is not None:
            stmt = stmt.where(column == self.column_id)
        return stmt


@dataclass(frozen=True)
class _Assignment:
    id: int
    column_id: int
    unit_id: int
    path: str
    rules: list[dict[str, Any]]
    invalid_rules: int
    allows_statement: bool


def _assignments(session: Session, only: _Only | None = None) -> list[_Assignment]:
    # Rules come as text and are parsed once per distinct text: portals reuse a few
    # dozen rule sets across thousands of columns.
    stmt = (
        select(
            ColumnAssignment.id,
            Column.id,
            ColumnAssignment.unit_id,
            Column.path,
            cast(Column.rules, Text),
            Column.allows_statement,
        )
        .join(Column, Column.id == ColumnAssignment.column_id)
        .where(Column.retired_at.is_(None))
        .order_by(ColumnAssignment.id)
    )
    if only is not None:
        stmt = only.where(stmt, ColumnAssignment.unit_id, ColumnAssignment.column_id)
    parsed: dict[str | None, tuple[list[dict[str, Any]], int]] = {}
    out = []
    for a, c, u, p, raw, allows in session.execute(stmt):
        if raw not in parsed:
            parsed[raw] = _valid_rules(raw)
        rules, invalid = parsed[raw]
        out.append(_Assignment(a, c, u, p, rules, invalid, bool(allows)))
    return out


def _valid_rules(raw: str | None) -> tuple[list[dict[str, Any]], int]:
    """The rules that follow the contract, and how many did not (a typo in a hand-entered
    rule must not stop the whole portal's evaluation)."""
    try:
        rules = json.loads(raw) if raw else []
    except ValueError:
        return [], 1
    if not isinstance(rules, list):
        return [], 1
    valid = [r for r in rules if isinstance(r, dict) and not validate(r)]
    return valid, len(rules) - len(valid)


@dataclass(frozen=True)
class _Counts:
    last: datetime | None  # last publication (freshness, and where a lapse began)
    last_statement: datetime | None  # last "nothing to publish" statement
    numbers: list[int]  # items first published on/after each boundary, then the total


def _published(
    session: Session, boundaries: Sequence[date], tz: ZoneInfo, only: _Only
) -> dict[tuple[int, int], _Counts]:
    """Per (column, unit), one GROUP BY over the published items."""
    first = Item.first_published_at
    counts = [func.count().filter(first >= _as_utc(b, tz)) for b in boundaries]
    stmt = (
        select(
            Item.column_id,
            Item.unit_id,
            func.max(Item.published_at),
            *counts,
            func.count(first),
        )
        .where(Item.live_revision_no.is_not(None), first.is_not(None))
        .group_by(Item.column_id, Item.unit_id)
    )
    stmt = only.where(stmt, Item.unit_id, Item.column_id)
    # Statements are few and indexed apart (ix_items_statements): a second, small query
    # is cheaper than a filtered aggregate over every published item.
    statements_stmt = (
        select(Item.column_id, Item.unit_id, func.max(first))
        .where(
            Item.kind == ItemKind.STATEMENT.value,
            Item.live_revision_no.is_not(None),
            first.is_not(None),
        )
        .group_by(Item.column_id, Item.unit_id)
    )
    statements_stmt = only.where(statements_stmt, Item.unit_id, Item.column_id)
    statements = {(c, u): last for c, u, last in session.execute(statements_stmt)}
    # COUNT … FILTER is never NULL, so the counts need no cleaning.
    return {
        (row[0], row[1]): _Counts(row[2], statements.get((row[0], row[1])), list(row[3:]))
        for row in session.execute(stmt)
    }


def _open_item_dues(
    session: Session,
    today: date,
    calendar: WorkCalendar,
    settings: Settings,
    only: _Only,
) -> dict[tuple[int, int], tuple[int, int, date | None, date | None]]:
    """Per (column, unit): open items past their own due date, due soon, the first due
    date, and the first lapse."""
    soon = calendar.add_workdays(today, settings.due_soon_workdays).date
    due = Item.due_date
    stmt = (
        select(
            Item.column_id,
            Item.unit_id,
            func.sum(case((due < today, 1), else_=0)),
            func.sum(case((and_(due >= today, due <= soon), 1), else_=0)),
            func.min(due),
        )
        .where(
            due.is_not(None),
            Item.first_published_at.is_(None),
            Item.state.not_in([State.WITHDRAWN.value, State.RETRACTED.value]),
        )
        .group_by(Item.column_id, Item.unit_id)
    )
    stmt = only.where(stmt, Item.unit_id, Item.column_id)
    out = {}
    for column_id, unit, late, near, first in session.execute(stmt):
        lapse = first + timedelta(days=1) if late else None
        out[(column_id, unit)] = (int(late or 0), int(near or 0), first, lapse)
    return out


def _open_obligations(
    session: Session, today: date, only: _Only
) -> dict[tuple[int, int], tuple[int, int, date | None, date | None]]:
    stmt = (
        select(
            Obligation.column_id,
            Obligation.unit_id,
            func.count(),
            func.sum(case((Obligation.due_date < today, 1), else_=0)),
            func.min(Obligation.due_date),
        )
        .where(Obligation.fulfilled_at.is_(None), Obligation.cancelled_at.is_(None))
        .group_by(Obligation.column_id, Obligation.unit_id)
    )
    stmt = only.where(stmt, Obligation.unit_id, Obligation.column_id)
    out = {}
    for column_id, unit, n, late, first in session.execute(stmt):
        lapse = first + timedelta(days=1) if late else None
        out[(column_id, unit)] = (int(n), int(late or 0), first, lapse)
    return out


def _as_utc(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tz).astimezone(UTC)


# --------------------------------------------------------------------------- rules


class _Memo(WorkCalendar):
    """The calendar with its answers remembered for one evaluation: thousands of
    assignments share a few hundred distinct due dates."""

    def __init__(self, inner: WorkCalendar) -> None:  # wraps `inner`; no state of its own
        self._inner = inner
        self._cache: dict[tuple[Any, ...], Any] = {}

    def _memo(self, key: tuple[Any, ...], fn: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    def knows(self, year: int) -> bool:
        return bool(self._memo(("knows", year), lambda: self._inner.knows(year)))

    def is_workday(self, day: date) -> tuple[bool, bool]:
        result: tuple[bool, bool] = self._memo(("is", day), lambda: self._inner.is_workday(day))
        return result

    def next_workday(self, day: date) -> Any:
        return self._memo(("next", day), lambda: self._inner.next_workday(day))

    def add_workdays(self, start: date, n: int) -> Any:
        return self._memo(("addw", start, n), lambda: self._inner.add_workdays(start, n))

    def count_workdays(self, start: date, end: date) -> tuple[int, bool]:
        result: tuple[int, bool] = self._memo(
            ("count", start, end), lambda: self._inner.count_workdays(start, end)
        )
        return result

    def add(self, start: date, n: int, unit: Any) -> Any:
        return self._memo(("add", start, n, str(unit)), lambda: self._inner.add(start, n, unit))


class _Periods:
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
        if self.kind == "week":
            return (day - self.MONDAY).days // 7
        if self.kind == "annual":
            assert self.month_day is not None
            return day.year if day <= _safe_date(day.year, *self.month_day) else day.year + 1
        return (day.year * 12 + day.month - 1) // self.months

    def bounds(self, k: int) -> tuple[date, date]:
        if self.kind == "week":
            start = self.MONDAY + timedelta(days=7 * k)
            return start, start + timedelta(days=6)
        if self.kind == "annual":
            assert self.month_day is not None
            return _safe_date(k - 1, *self.month_day) + timedelta(days=1), _safe_date(
                k, *self.month_day
            )
        first = k * self.months
        start = date(first // 12, first % 12 + 1, 1)
        return start, add_months(start, self.months) - timedelta(days=1)

    def due(self, k: int) -> tuple[date, bool]:
        if k not in self._due:
            end = self.bounds(k)[1]
            deadline = end if self.by_day is None else _safe_date(end.year, end.month, self.by_day)
            found = self.calendar.next_workday(deadline)
            self._due[k] = (found.date, found.provisional)
        return self._due[k]

    def active(self, today: date) -> int:
        """The period whose due date is the next one on or after today."""
        k = self.index_of(today)
        while self.due(k - 1)[0] >= today:
            k -= 1
        while self.due(k)[0] < today:
            k += 1
        return k

    def window_of(self, day: date) -> int:
        """The period whose window (previous due, due] contains `day`."""
        k = self.index_of(day)
        while self.due(k - 1)[0] >= day:
            k -= 1
        while self.due(k)[0] < day:
            k += 1
        return k


class _Windows:
    """Period windows per rule at `today`, computed once per distinct rule."""

    def __init__(self, today: date, calendar: WorkCalendar) -> None:
        self.today, self.calendar = today, calendar
        self.window = functools.lru_cache(maxsize=None)(self._window)

    def boundaries(self, rule: Mapping[str, Any]) -> list[date]:
        w = self.for_rule(rule)
        if w is not None:
            return [d for d in (w.current_start, w.previous_start) if d not in (None, date.min)]
        if rule.get("kind") == "periodic" and int(rule.get("min_items", 1)) > 1:
            return [self.rolling_start(rule)]
        return []

    def for_rule(self, rule: Mapping[str, Any]) -> _Window | None:
        kind = rule.get("kind")
        if kind in ("periodic", "annual", "once"):
            return self.window(
                (kind, rule.get("every"), rule.get("unit"), rule.get("by_day"), rule.get("by"))
            )
        return None

    def rolling_start(self, rule: Mapping[str, Any]) -> date:
        """First day of the trailing window that ends today."""
        every, unit = int(rule["every"]), rule["unit"]
        if unit in ("month", "year"):
            return add_months(self.today, -(every * 12 if unit == "year" else every))
        return self.today - timedelta(days=every * (7 if unit == "week" else 1))

    def _window(self, rule_key: tuple[Any, ...]) -> _Window | None:
        """Calendar periods (deadline-rules.md): Monday–Sunday weeks, months/quarters/
        half-years/years; annual and once dates. None for a rolling window."""
        kind, every, unit, by_day, by = rule_key
        today = self.today
        if kind == "once":
            by = date.fromisoformat(by)
            found = self.calendar.next_workday(by)
            return _Window(date.min, by, found.date, None, None, found.provisional)
        if kind == "annual":
            month, day = (int(p) for p in by.split("-"))
            periods = _Periods(self.calendar, "annual", month_day=(month, day))
        elif unit == "year" and every == 1:
            periods = _Periods(self.calendar, "month", months=12, by_day=by_day)
        elif unit == "month" and 12 % every == 0:
            periods = _Periods(self.calendar, "month", months=every, by_day=by_day)
        elif unit == "week" and every == 1:
            periods = _Periods(self.calendar, "week")
        else:
            return None  # rolling: judged from the last publication
        k = periods.active(today)
        due, provisional = periods.due(k)
        previous_due = periods.due(k - 1)[0]
        before_previous_due = periods.due(k - 2)[0]
        return _Window(
            previous_due + timedelta(days=1),
            periods.bounds(k)[1],
            due,
            before_previous_due + timedelta(days=1),
            previous_due,
            provisional,
            periods,
            k,
            periods.bounds(k)[0],
        )


def _safe_date(year: int, month: int, day: int) -> date:
    from calendar import monthrange

    return date(year, month, min(day, monthrange(year, month)[1]))


def _rule_status(
    rule: Mapping[str, Any],
    counts: _Counts | None,
    boundaries: Sequence[date],
    windows: _Windows,
    today: date,
    calendar: WorkCalendar,
    settings: Settings,
    allows_statement: bool = False,
) -> RuleStatus:
    tz = ZoneInfo(settings.timezone)
    last = counts.last if counts else None
    numbers = counts.numbers if counts else [0] * (len(boundaries) + 1)
    total = numbers[-1]

    def since(day: date | None) -> int:
        return total if day is None or day == date.min else numbers[boundaries.index(day)]

    kind = rule["kind"]
    if kind == "on_change":
        return RuleStatus(rule, OK)
    required = int(rule.get("min_items", 1))
    window = windows.for_rule(rule)
    if window is None:  # rolling window: at least `required` within every `every` units
        if required > 1:
            start = windows.rolling_start(rule)
            within = since(start)
            status = OK if within >= required else OVERDUE
            return RuleStatus(
                rule,
                status,
                period_start=start,
                period_end=today,
                required=required,
                published=within,
            )
        return _rolling(rule, last, required, calendar, today, settings)
    current = since(window.current_start)
    previous = (since(window.previous_start) - current) if window.previous_start else required
    statement = (
        counts.last_statement.astimezone(tz).date()
        if (counts and counts.last_statement and allows_statement)
        else None
    )
    if statement is not None:  # "nothing to publish this period" stands for the period
        if statement >= window.current_start:
            current = max(current, required)
        elif window.previous_start and statement >= window.previous_start:
            previous = max(previous, required)
    base: dict[str, Any] = {
        "period_start": window.period_start,
        "period_end": window.current_end,
        "required": required,
        "published": current,
        "due": window.due,
        "provisional": window.provisional,
    }
    if current >= required:
        return RuleStatus(rule, OK, **base)
    if window.previous_due is not None and previous < required and window.previous_due < today:
        since_day = window.previous_due + timedelta(days=1)
        first = counts.last.astimezone(tz).date() if counts and counts.last else None
        if window.periods is not None and required == 1 and first is not None:
            # The lapse began after the period of the last item: look back that far.
            met = window.periods.window_of(first)
            if met < window.index - 1:
                since_day = window.periods.due(met + 1)[0] + timedelta(days=1)
        return RuleStatus(rule, OVERDUE, overdue_since=since_day, **base)
    if window.due < today:
        return RuleStatus(rule, OVERDUE, overdue_since=window.due + timedelta(days=1), **base)
    return RuleStatus(
        rule, _pending(window.due, window.provisional, today, calendar, settings), **base
    )


def _rolling(
    rule: Mapping[str, Any],
    last: datetime | None,
    required: int,
    calendar: WorkCalendar,
    today: date,
    settings: Settings,
) -> RuleStatus:
    every, unit = int(rule["every"]), rule["unit"]
    if last is None:
        return RuleStatus(rule, OVERDUE, required=required, published=0)
    last_day = last.astimezone(ZoneInfo(settings.timezone)).date()
    due = calendar.add(
        last_day, every * 12 if unit == "year" else every, "month" if unit == "year" else unit
    )
    base: dict[str, Any] = {
        "period_start": last_day,
        "period_end": due.date,
        "required": required,
        "published": 1,
        "due": due.date,
        "provisional": due.provisional,
    }
    if due.date < today:
        return RuleStatus(rule, OVERDUE, overdue_since=due.date + timedelta(days=1), **base)
    return RuleStatus(rule, _pending(due.date, due.provisional, today, calendar, settings), **base)


def _pending(
    due: date, provisional: bool, today: date, calendar: WorkCalendar, settings: Settings
) -> str:
    if calendar.count_workdays(today, due)[0] <= settings.due_soon_workdays:
        return DUE_SOON
    return PROVISIONAL if provisional else OK
