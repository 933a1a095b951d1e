"""Where every column assignment (column × unit) stands against its rules at `now`.

Set-based: four queries for the whole portal, whatever its size — the assignments with
their columns' rules; one aggregate over published items per (column, unit) with a
conditional count per period boundary any rule needs; the open items that carry their
own due dates (after_event, prompt); the open linked obligations. Everything else is
date arithmetic in Python, cached per distinct rule.

Statuses, worst first: overdue, due_soon, provisional (the due date was counted with the
Monday–Friday fallback of a year the office has not entered), ok. `overdue_since` is the
first day of the current unbroken lapse: a period missed and not yet made up by the
current one counts from the day after the missed period's due date.
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
from workflow.deadlines.due import DEFAULT_PROMPT_WINDOW, load_calendar
from workflow.enums import State
from workflow.models import Column, ColumnAssignment, Item, Obligation

OK, DUE_SOON, PROVISIONAL, OVERDUE = "ok", "due_soon", "provisional", "overdue"
_RANK = {OK: 0, PROVISIONAL: 1, DUE_SOON: 2, OVERDUE: 3}


@dataclass(frozen=True)
class Settings:
    due_soon_workdays: int = 3
    prompt_window: int = DEFAULT_PROMPT_WINDOW
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


@dataclass(frozen=True)
class _Window:
    """A period rule's current and previous windows and due dates (local dates)."""

    current_start: date
    current_end: date  # last day of the current period
    due: date
    previous_start: date | None
    previous_due: date | None
    provisional: bool


def evaluate(
    session: Session,
    now: datetime,
    settings: Settings = Settings(),
    calendar: WorkCalendar | None = None,
    unit_id: int | None = None,
) -> list[AssignmentStatus]:
    """The status of every assignment (or one unit's), in assignment order."""
    tz = ZoneInfo(settings.timezone)
    today = now.astimezone(tz).date()
    calendar = _Memo(calendar or load_calendar(session))
    assignments = _assignments(session, unit_id)
    windows = _Windows(today, calendar)
    boundaries = sorted(
        {b for *_, rules in assignments for r in rules for b in windows.boundaries(r)}
    )
    published = _published(session, boundaries, tz, unit_id)
    item_dues = _open_item_dues(session, today, calendar, settings, unit_id)
    obligations = _open_obligations(session, today, unit_id)
    stale_before = _as_utc(add_months(today, -settings.stale_after_months), tz)
    out = []
    for assignment_id, column_id, unit, path, rules in assignments:
        counts = published.get((column_id, unit))
        last = counts[0] if counts else None
        per_rule = [
            _rule_status(rule, counts, boundaries, windows, today, calendar, settings)
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
            )
        )
    return out


# --------------------------------------------------------------------------- queries


def _assignments(
    session: Session, unit_id: int | None
) -> list[tuple[int, int, int, str, list[dict[str, Any]]]]:
    # Rules come as text and are parsed once per distinct text: portals reuse a few
    # dozen rule sets across thousands of columns.
    stmt = (
        select(
            ColumnAssignment.id,
            Column.id,
            ColumnAssignment.unit_id,
            Column.path,
            cast(Column.rules, Text),
        )
        .join(Column, Column.id == ColumnAssignment.column_id)
        .where(Column.retired_at.is_(None))
        .order_by(ColumnAssignment.id)
    )
    if unit_id is not None:
        stmt = stmt.where(ColumnAssignment.unit_id == unit_id)
    parsed: dict[str | None, list[dict[str, Any]]] = {}
    out = []
    for a, c, u, p, raw in session.execute(stmt):
        rules = parsed.get(raw)
        if rules is None:
            rules = parsed[raw] = list(json.loads(raw) or []) if raw else []
        out.append((a, c, u, p, rules))
    return out


def _published(
    session: Session, boundaries: Sequence[date], tz: ZoneInfo, unit_id: int | None
) -> dict[tuple[int, int], tuple[datetime | None, list[int]]]:
    """Per (column, unit): last publication, and items first published on/after each
    boundary (plus the total, last) — one GROUP BY over the published items."""
    first = Item.first_published_at
    counts = [func.count().filter(first >= _as_utc(b, tz)) for b in boundaries]
    stmt = (
        select(
            Item.column_id, Item.unit_id, func.max(Item.published_at), *counts, func.count(first)
        )
        .where(Item.live_revision_no.is_not(None), first.is_not(None))
        .group_by(Item.column_id, Item.unit_id)
    )
    if unit_id is not None:
        stmt = stmt.where(Item.unit_id == unit_id)
    # COUNT … FILTER is never NULL, so the counts need no cleaning.
    return {(row[0], row[1]): (row[2], list(row[3:])) for row in session.execute(stmt)}


def _open_item_dues(
    session: Session,
    today: date,
    calendar: WorkCalendar,
    settings: Settings,
    unit_id: int | None,
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
    if unit_id is not None:
        stmt = stmt.where(Item.unit_id == unit_id)
    out = {}
    for column_id, unit, late, near, first in session.execute(stmt):
        lapse = first + timedelta(days=1) if late else None
        out[(column_id, unit)] = (int(late or 0), int(near or 0), first, lapse)
    return out


def _open_obligations(
    session: Session, today: date, unit_id: int | None
) -> dict[tuple[int, int], tuple[int, int, date | None, date | None]]:
    stmt = (
        select(
            Obligation.column_id,
            Obligation.unit_id,
            func.count(),
            func.sum(case((Obligation.due_date < today, 1), else_=0)),
            func.min(Obligation.due_date),
        )
        .where(Obligation.fulfilled_at.is_(None))
        .group_by(Obligation.column_id, Obligation.unit_id)
    )
    if unit_id is not None:
        stmt = stmt.where(Obligation.unit_id == unit_id)
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

    def _due(self, day: date) -> tuple[date, bool]:
        found = self.calendar.next_workday(day)
        return found.date, found.provisional

    def _window(self, rule_key: tuple[Any, ...]) -> _Window | None:
        """Calendar periods (deadline-rules.md): Monday–Sunday weeks, months/quarters/
        half-years/years; annual and once dates. None for a rolling window."""
        kind, every, unit, by_day, by = rule_key
        today = self.today
        if kind == "once":
            by = date.fromisoformat(by)
            due, prov = self._due(by)
            return _Window(date.min, by, due, None, None, prov)
        if kind == "annual":
            month, day = (int(p) for p in by.split("-"))
            this_year = _safe_date(today.year, month, day)
            end = this_year if this_year >= today else _safe_date(today.year + 1, month, day)
            prev = _safe_date(end.year - 1, month, day)
            prev_prev = _safe_date(end.year - 2, month, day)
            due, prov = self._due(end)
            previous_due, _ = self._due(prev)
            return _Window(
                prev + timedelta(days=1),
                end,
                due,
                prev_prev + timedelta(days=1),
                previous_due,
                prov,
            )
        if unit == "year" and every == 1:
            unit, every = "month", 12
        if unit == "month" and 12 % every == 0:
            index = (today.year * 12 + today.month - 1) // every * every
            start = date(index // 12, index % 12 + 1, 1)
            end = add_months(start, every) - timedelta(days=1)
            previous = add_months(start, -every)
            deadline = end if by_day is None else _by_day(end, by_day)
            previous_deadline = (
                start - timedelta(days=1)
                if by_day is None
                else _by_day(start - timedelta(days=1), by_day)
            )
        elif unit == "week" and every == 1:
            start = today - timedelta(days=today.weekday())  # Monday–Sunday weeks
            end = start + timedelta(days=6)
            previous = start - timedelta(days=7)
            deadline, previous_deadline = end, start - timedelta(days=1)
        else:
            return None  # rolling: judged from the last publication
        due, prov = self._due(deadline)
        previous_due, _ = self._due(previous_deadline)
        return _Window(start, end, due, previous, previous_due, prov)


def _safe_date(year: int, month: int, day: int) -> date:
    from calendar import monthrange

    return date(year, month, min(day, monthrange(year, month)[1]))


def _by_day(period_end: date, by_day: int) -> date:
    """The by_day deadline in the month of `period_end` (clamped to the month's end)."""
    return _safe_date(period_end.year, period_end.month, by_day)


def _rule_status(
    rule: Mapping[str, Any],
    counts: tuple[datetime | None, list[int]] | None,
    boundaries: Sequence[date],
    windows: _Windows,
    today: date,
    calendar: WorkCalendar,
    settings: Settings,
) -> RuleStatus:
    last, numbers = counts if counts else (None, [0] * (len(boundaries) + 1))
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
    base: dict[str, Any] = {
        "period_start": None if window.current_start == date.min else window.current_start,
        "period_end": window.current_end,
        "required": required,
        "published": current,
        "due": window.due,
        "provisional": window.provisional,
    }
    if current >= required:
        return RuleStatus(rule, OK, **base)
    if window.previous_due is not None and previous < required and window.previous_due < today:
        return RuleStatus(
            rule, OVERDUE, overdue_since=window.previous_due + timedelta(days=1), **base
        )
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
