"""The supervisors' dashboard: counts by state, stuck items, who is late, provisional dates.

Set-based: a fixed number of statements whatever the portal's size (a test counts them
at two sizes) — the calendar (2), counts by state (1), stuck items (count, page, and
who holds them — their reviewers and the delegations holding now, workflow.holding: 4),
unit names (1), the provisional due dates (2), and who is late:
from the status summary, the marks, the per-unit counts and the shown units' rows (3,
plus the evaluation's 5 for columns changed since), or without a usable summary the
marks, the attempt and the whole evaluation (7).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from workflow.calendar import WorkCalendar
from workflow.deadlines.due import load_calendar
from workflow.deadlines.evaluate import DUE_SOON, OVERDUE, PROVISIONAL
from workflow.deadlines.maintenance import ProvisionalDue, provisional_dues
from workflow.enums import State
from workflow.holding import HeldItem, Holding, who_holds
from workflow.models import Column, Item, ItemStateCount, Unit
from workflow.permissions import STAGES
from workflow.reporting.common import (
    DEFAULTS,
    STAGE_NAMES,
    ReportSettings,
    local_date,
    local_midnight,
)
from workflow.reporting.status import Freshness, current_statuses

# Who holds an item at each review stage (domain.md: the three reviews).
STAGE_ROLES = {s.value: stage.role.value for s, stage in STAGES.items()}
SORTS = ("waiting", "unit", "column", "stage")


def state_counts(
    session: Session, unit_id: int | None = None, column_id: int | None = None
) -> dict[str, int]:
    """Items per state (every state present, zeros included). The whole portal's come
    from the deltas the triggers keep (`ItemStateCount`): exact, without counting every
    item; one unit's or column's are counted."""
    stmt = select(Item.state, func.count()).group_by(Item.state)
    if unit_id is None and column_id is None:
        stmt = select(ItemStateCount.state, func.sum(ItemStateCount.n)).group_by(
            ItemStateCount.state
        )
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
    holding: Holding | None = None  # who must act now (the web says "李四（代 王五）")

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
            Item.drafter_id,
            Item.current_revision_no,
            Item.review_facts,
        )
        .join(Unit, Unit.id == Item.unit_id)
        .join(Column, Column.id == Item.column_id)
        .where(*where)
        .order_by(*order, Item.id)
        .limit(limit)
        .offset(offset)
    ).all()
    # Who can act now, delegates included and separation of duties applied (two queries).
    items = [cast(HeldItem, SimpleNamespace(**r._mapping)) for r in rows]
    held = who_holds(session, items, now, calendar, tz)
    waited: dict[date, int] = {}  # many items arrived on the same day
    out = []
    for item_id, title, unit, unit_name, column, path, state, since, *_facts in rows:
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
                workdays_waiting=_waited(calendar, waited, local_date(since, tz), today),
                limit=settings.stage_limits[state],
                holding=held.get(item_id),
            )
        )
    return StuckPage(int(total), out)


def _waited(calendar: WorkCalendar, memo: dict[date, int], since: date, today: date) -> int:
    if since not in memo:
        memo[since] = calendar.count_workdays(since, today)[0]
    return memo[since]


@dataclass(frozen=True)
class ColumnDue:
    column_id: int
    column_path: str
    due: date | None  # the assignment's next due date (evaluate's next_due)
    overdue_since: date | None = None
    assignment_id: int | None = None
    confirmed: bool = True  # False: the column's rules are 待确认 (never escalated)


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
    """Per unit, from workflow.deadlines.evaluate (through the status summary, see
    `status.current_statuses`): overdue and due-soon assignments, worst units first
    (most overdue, then most due soon, then by name)."""
    return _unit_deadlines(session, now, settings, calendar, unit_id)[0]


# Reading the summary's counts, then the chosen units' rows, is two statements: a
# refresh committing in between makes them disagree (`Statuses.not_ok_rows` tells), so
# read again; after this many tries, evaluate live.
READ_TRIES = 2


def _unit_deadlines(
    session: Session,
    now: datetime,
    settings: ReportSettings,
    calendar: WorkCalendar | None,
    unit_id: int | None,
    column_id: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[UnitDeadlines], int, Freshness]:
    """One page of units (all of them without `limit`), worst first, with their
    overdue, due-soon and provisional columns; how many units there are in all; and
    how fresh the figures are. Units are ranked on counts read from the summary, and
    only the page's units' rows are fetched (a large portal has ~8,000 not-ok
    assignments over 400 units). With `column_id`, only that column's assignments, and
    only the units with something overdue, due soon or provisional in it."""
    calendar = calendar or load_calendar(session)
    names = dict(session.execute(select(Unit.id, Unit.name)).all())
    for attempt in range(READ_TRIES + 1):
        statuses = current_statuses(
            session, now, settings, calendar, unit_id, column_id, summary=attempt < READ_TRIES
        )
        counts = statuses.counts
        ranked = sorted(
            counts,
            key=lambda u: (
                -counts[u].get(OVERDUE, 0),
                -counts[u].get(DUE_SOON, 0),
                names.get(u, ""),
            ),
        )
        if column_id is not None:
            ranked = [
                u for u in ranked if any(s in counts[u] for s in (OVERDUE, DUE_SOON, PROVISIONAL))
            ]
        page = ranked[offset:] if limit is None else ranked[offset : offset + limit]
        wanted = None if limit is None and offset == 0 else set(page)
        rows = statuses.not_ok_rows(session, wanted)
        if rows is not None:
            break
    assert rows is not None  # the last try evaluates live, which always answers
    by_unit = {
        unit: UnitDeadlines(unit, names.get(unit, ""), assignments=sum(counts[unit].values()))
        for unit in page
    }
    for s in rows:
        if (entry := by_unit.get(s.unit_id)) is None:
            continue
        due = ColumnDue(
            s.column_id, s.column_path, s.next_due, s.overdue_since, s.assignment_id, s.confirmed
        )
        if s.status == OVERDUE:
            entry.overdue.append(due)
        elif s.status == DUE_SOON:
            entry.due_soon.append(due)
        elif s.status == PROVISIONAL:
            entry.provisional.append(due)
    for entry in by_unit.values():
        entry.overdue.sort(key=lambda d: (d.overdue_since or date.max, d.column_path))
        entry.due_soon.sort(key=lambda d: (d.due or date.max, d.column_path))
    return list(by_unit.values()), len(ranked), statuses.freshness


@dataclass(frozen=True)
class Dashboard:
    today: date
    state_counts: dict[str, int]
    stuck: StuckPage
    units: list[UnitDeadlines]  # one page of them, worst first (all without units_limit)
    provisional: list[ProvisionalDue]
    # How current `units` is: from the status summary (and when it was computed) with
    # the columns changed since evaluated live, or all evaluated live.
    freshness: Freshness = field(default_factory=Freshness)
    units_total: int = 0  # how many units there are to page through


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
    units_limit: int | None = None,
    units_offset: int = 0,
) -> Dashboard:
    """Everything the dashboard page shows, filtered by unit, column and stage: a page
    of stuck items (`limit`, `offset`) and a page of units, worst first (`units_limit`,
    `units_offset`; every unit by default)."""
    calendar = load_calendar(session)
    units, units_total, freshness = _unit_deadlines(
        session, now, settings, calendar, unit_id, column_id, units_limit, units_offset
    )
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
        freshness=freshness,
        units_total=units_total,
    )
