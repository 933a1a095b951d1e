"""The supervisors' dashboard: counts by state, stuck items, who is late, provisional dates.

Set-based: a fixed number of statements whatever the portal's size (a test counts them
at two sizes) — the calendar (2), counts by state (1), stuck items (count, page, the
people holding them: 3), the deadline evaluation (5 more), unit names (1) and the
provisional due dates (2).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from workflow.calendar import WorkCalendar
from workflow.deadlines.due import load_calendar
from workflow.deadlines.evaluate import DUE_SOON, OVERDUE, PROVISIONAL, Settings, evaluate
from workflow.deadlines.maintenance import ProvisionalDue, provisional_dues
from workflow.enums import Role, State
from workflow.models import Column, Item, Unit, User, UserRole
from workflow.reporting.common import (
    DEFAULTS,
    STAGE_NAMES,
    ReportSettings,
    local_date,
    local_midnight,
)

# Who holds an item at each review stage (domain.md: the three reviews).
STAGE_ROLES = {
    State.INITIAL_REVIEW.value: Role.DEPUTY_HEAD.value,
    State.HEAD_REVIEW.value: Role.HEAD.value,
    State.OFFICE_REVIEW.value: Role.OFFICE_EDITOR.value,
}
SORTS = ("waiting", "unit", "column", "stage")


def state_counts(
    session: Session, unit_id: int | None = None, column_id: int | None = None
) -> dict[str, int]:
    """Items per state (every state present, zeros included)."""
    stmt = select(Item.state, func.count()).group_by(Item.state)
    if unit_id is not None:
        stmt = stmt.where(Item.unit_id == unit_id)
    if column_id is not None:
        stmt = stmt.where(Item.column_id == column_id)
    counts = {s.value: 0 for s in State}
    counts.update({state: int(n) for state, n in session.execute(stmt)})
    return counts


@dataclass(frozen=True)
class StuckItem:
    item_id: int
    title: str
    unit_id: int
    unit_name: str
    column_id: int
    column_path: str
    stage: str  # the review state
    since: datetime  # when it reached the stage
    workdays_waiting: int  # working days since then (the day it arrived is day 0)
    limit: int  # the stage's limit in working days
    holders: list[str] = field(default_factory=list)  # who must act now

    @property
    def stage_name(self) -> str:
        return STAGE_NAMES[self.stage]


@dataclass(frozen=True)
class StuckPage:
    total: int
    rows: list[StuckItem]


def stuck_cutoffs(today: date, calendar: WorkCalendar, settings: ReportSettings) -> dict[str, date]:
    """Per stage, the last arrival day that is over the limit today: an item that reached
    the stage on that day or earlier has waited more than `limit` working days."""
    out = {}
    for stage, limit in settings.stage_limits.items():
        # count_workdays(day − 1, today) = count_workdays(day, today) + (day is a working
        # day): step back until the count passes the limit.
        day, count = today, 0
        while count <= limit:
            count += calendar.is_workday(day)[0]
            day -= timedelta(days=1)
        out[stage] = day
    return out


def stuck_items(
    session: Session,
    now: datetime,
    settings: ReportSettings = DEFAULTS,
    calendar: WorkCalendar | None = None,
    *,
    unit_id: int | None = None,
    column_id: int | None = None,
    stage: str | None = None,
    sort: str = "waiting",
    descending: bool = True,
    limit: int = 100,
    offset: int = 0,
) -> StuckPage:
    """Items waiting at a review stage beyond its limit in working days, filtered by unit,
    column and stage and sorted by `sort` (waiting, unit, column, stage); one page."""
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r} (one of {', '.join(SORTS)})")
    if stage is not None and stage not in settings.stage_limits:
        raise ValueError(f"not a review stage: {stage!r}")
    tz = settings.tz
    today = local_date(now, tz)
    calendar = calendar or load_calendar(session)
    cutoffs = stuck_cutoffs(today, calendar, settings)
    stages = [stage] if stage else list(cutoffs)
    over = or_(
        *(
            and_(Item.state == s, Item.state_since < local_midnight(cutoffs[s] + timedelta(1), tz))
            for s in stages
        )
    )
    where = [over]
    if unit_id is not None:
        where.append(Item.unit_id == unit_id)
    if column_id is not None:
        where.append(Item.column_id == column_id)
    total = session.execute(select(func.count()).select_from(Item).where(*where)).scalar_one()
    # Longest waiting first = earliest arrival first.
    waiting = Item.state_since.asc() if descending else Item.state_since.desc()
    orders: dict[str, list[Any]] = {
        "waiting": [waiting],
        "unit": [Unit.name.desc() if descending else Unit.name.asc(), Item.state_since],
        "column": [Column.path.desc() if descending else Column.path.asc(), Item.state_since],
        "stage": [Item.state.desc() if descending else Item.state.asc(), Item.state_since],
    }
    order = orders[sort]
    rows = session.execute(
        select(
            Item.id,
            Item.title,
            Item.unit_id,
            Unit.name,
            Item.column_id,
            Column.path,
            Item.state,
            Item.state_since,
        )
        .join(Unit, Unit.id == Item.unit_id)
        .join(Column, Column.id == Item.column_id)
        .where(*where)
        .order_by(*order, Item.id)
        .limit(limit)
        .offset(offset)
    ).all()
    holders = _holders(session, {r[2] for r in rows})
    out = []
    for item_id, title, unit, unit_name, column, path, state, since in rows:
        role = STAGE_ROLES[state]
        out.append(
            StuckItem(
                item_id=item_id,
                title=title,
                unit_id=unit,
                unit_name=unit_name,
                column_id=column,
                column_path=path,
                stage=state,
                since=since,
                workdays_waiting=calendar.count_workdays(local_date(since, tz), today)[0],
                limit=settings.stage_limits[state],
                holders=holders.get((None if role == Role.OFFICE_EDITOR else unit, role), []),
            )
        )
    return StuckPage(int(total), out)


def _holders(session: Session, unit_ids: set[int]) -> dict[tuple[int | None, str], list[str]]:
    """Active deputy heads and heads of these units, and the office's editors (key unit
    None): the people an item at each stage waits for."""
    if not unit_ids:
        return {}
    rows = session.execute(
        select(User.name, User.unit_id, UserRole.role)
        .join(UserRole, UserRole.user_id == User.id)
        .join(Unit, Unit.id == User.unit_id)
        .where(
            User.active.is_(True),
            or_(
                and_(
                    User.unit_id.in_(unit_ids),
                    UserRole.role.in_([Role.DEPUTY_HEAD.value, Role.HEAD.value]),
                ),
                and_(Unit.is_office.is_(True), UserRole.role == Role.OFFICE_EDITOR.value),
            ),
        )
        .order_by(User.name)
    ).all()
    out: dict[tuple[int | None, str], list[str]] = defaultdict(list)
    for name, unit, role in rows:
        out[(None if role == Role.OFFICE_EDITOR else unit, role)].append(name)
    return out


@dataclass(frozen=True)
class ColumnDue:
    column_id: int
    column_path: str
    due: date | None
    overdue_since: date | None = None


@dataclass
class UnitDeadlines:
    """One unit's column assignments that are overdue, due soon or provisional now."""

    unit_id: int
    unit_name: str
    overdue: list[ColumnDue] = field(default_factory=list)
    due_soon: list[ColumnDue] = field(default_factory=list)
    provisional: list[ColumnDue] = field(default_factory=list)
    assignments: int = 0


def unit_deadlines(
    session: Session,
    now: datetime,
    settings: ReportSettings = DEFAULTS,
    calendar: WorkCalendar | None = None,
    unit_id: int | None = None,
) -> list[UnitDeadlines]:
    """Per unit, from workflow.deadlines.evaluate: overdue and due-soon assignments, worst
    units first (most overdue, then most due soon, then by name)."""
    calendar = calendar or load_calendar(session)
    statuses = evaluate(
        session,
        now,
        Settings(
            due_soon_workdays=settings.due_soon_workdays,
            stale_after_months=settings.stale_after_months,
            timezone=settings.timezone,
        ),
        calendar=calendar,
        unit_id=unit_id,
    )
    names = dict(session.execute(select(Unit.id, Unit.name)).all())
    by_unit: dict[int, UnitDeadlines] = {}
    for s in statuses:
        entry = by_unit.setdefault(s.unit_id, UnitDeadlines(s.unit_id, names.get(s.unit_id, "")))
        entry.assignments += 1
        due = ColumnDue(s.column_id, s.column_path, s.next_due, s.overdue_since)
        if s.status == OVERDUE:
            entry.overdue.append(due)
        elif s.status == DUE_SOON:
            entry.due_soon.append(due)
        elif s.status == PROVISIONAL:
            entry.provisional.append(due)
    for entry in by_unit.values():
        entry.overdue.sort(key=lambda d: (d.overdue_since or date.max, d.column_path))
        entry.due_soon.sort(key=lambda d: (d.due or date.max, d.column_path))
    return sorted(by_unit.values(), key=lambda u: (-len(u.overdue), -len(u.due_soon), u.unit_name))


@dataclass(frozen=True)
class Dashboard:
    today: date
    state_counts: dict[str, int]
    stuck: StuckPage
    units: list[UnitDeadlines]
    provisional: list[ProvisionalDue]


def dashboard(
    session: Session,
    now: datetime,
    settings: ReportSettings = DEFAULTS,
    *,
    unit_id: int | None = None,
    column_id: int | None = None,
    stage: str | None = None,
    sort: str = "waiting",
    descending: bool = True,
    limit: int = 100,
    offset: int = 0,
) -> Dashboard:
    """Everything the dashboard page shows, filtered by unit, column and stage."""
    calendar = load_calendar(session)
    units = unit_deadlines(session, now, settings, calendar, unit_id)
    if column_id is not None:
        for u in units:
            u.overdue = [d for d in u.overdue if d.column_id == column_id]
            u.due_soon = [d for d in u.due_soon if d.column_id == column_id]
            u.provisional = [d for d in u.provisional if d.column_id == column_id]
        units = [u for u in units if u.overdue or u.due_soon or u.provisional]
    provisional = [p for p in provisional_dues(session) if unit_id is None or p.unit_id == unit_id]
    return Dashboard(
        today=local_date(now, settings.tz),
        state_counts=state_counts(session, unit_id, column_id),
        stuck=stuck_items(
            session,
            now,
            settings,
            calendar,
            unit_id=unit_id,
            column_id=column_id,
            stage=stage,
            sort=sort,
            descending=descending,
            limit=limit,
            offset=offset,
        ),
        units=units,
        provisional=provisional,
    )
