"""The column page: its rules in plain Chinese, who is responsible and where each unit
stands (next due date), and its publication history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow.calendar import add_months
from workflow.deadlines.describe import describe
from workflow.deadlines.due import DEFAULT_PROMPT_WINDOW, load_calendar
from workflow.deadlines.evaluate import Settings, evaluate
from workflow.enums import AssignmentRole
from workflow.models import Column, ColumnAssignment, Item, Unit
from workflow.reporting.common import DEFAULTS, ReportSettings, local_date, local_midnight
from workflow.reporting.kinds import KIND_NAMES, kinds_of
from workflow.reporting.sql import local_month


@dataclass(frozen=True)
class UnitStanding:
    assignment_id: int
    unit_id: int
    unit_name: str
    role: str  # lead (牵头) or cooperating (配合)
    status: str  # ok, due_soon, provisional, overdue
    next_due: date | None
    overdue_since: date | None
    last_published_at: datetime | None
    confirmed: bool = True  # False: the column's rules are 待确认
    responsible_since: date | None = None


@dataclass(frozen=True)
class PublishedItem:
    item_id: int
    title: str
    unit_name: str
    first_published_at: datetime


@dataclass(frozen=True)
class ColumnPage:
    column_id: int
    path: str
    time_requirement: str  # as the responsibility table wrote it
    rules: list[str]  # in plain Chinese
    kinds: list[str]  # inspection kinds, in Chinese
    units: list[UnitStanding]
    next_due: date | None
    months: list[tuple[str, int]]  # ("2026-10", items first published), oldest first
    recent: list[PublishedItem]


def column_page(
    session: Session,
    column_id: int,
    now: datetime,
    settings: ReportSettings = DEFAULTS,
    *,
    months: int = 12,
    recent: int = 20,
    prompt_window: int = DEFAULT_PROMPT_WINDOW,
) -> ColumnPage | None:
    """Everything the column page shows; None when there is no such column."""
    column = session.get(Column, column_id)
    if column is None:
        return None
    tz = settings.tz
    today = local_date(now, tz)
    calendar = load_calendar(session)
    statuses = evaluate(
        session,
        now,
        Settings(settings.due_soon_workdays, settings.stale_after_months, settings.timezone),
        calendar=calendar,
        column_id=column_id,
    )
    roles = {
        unit: (name, role)
        for unit, name, role in session.execute(
            select(ColumnAssignment.unit_id, Unit.name, ColumnAssignment.role)
            .join(Unit, Unit.id == ColumnAssignment.unit_id)
            .where(ColumnAssignment.column_id == column_id)
        )
    }
    units = [
        UnitStanding(
            s.assignment_id,
            s.unit_id,
            roles.get(s.unit_id, ("", ""))[0],
            roles.get(s.unit_id, ("", AssignmentRole.LEAD))[1],
            s.status,
            s.next_due,
            s.overdue_since,
            s.last_published_at,
            s.confirmed,
            s.responsible_since,
        )
        for s in statuses
    ]
    units.sort(key=lambda u: (u.role != AssignmentRole.LEAD, u.unit_name))
    first_month = add_months(today.replace(day=1), -(months - 1))
    month = local_month(session, Item.first_published_at, tz, now)
    counts: dict[str, int] = {
        str(m): int(n)
        for m, n in session.execute(
            select(month, func.count())
            .where(
                Item.column_id == column_id,
                Item.live_revision_no.is_not(None),
                Item.first_published_at >= local_midnight(first_month, tz),
            )
            .group_by(month)
        )
    }
    history = []
    for i in range(months):
        key = add_months(first_month, i).strftime("%Y-%m")
        history.append((key, int(counts.get(key, 0))))
    latest = session.execute(
        select(Item.id, Item.title, Unit.name, Item.first_published_at)
        .join(Unit, Unit.id == Item.unit_id)
        .where(Item.column_id == column_id, Item.live_revision_no.is_not(None))
        .order_by(Item.first_published_at.desc(), Item.id.desc())
        .limit(recent)
    ).all()
    dues = [u.next_due for u in units if u.next_due]
    return ColumnPage(
        column_id=column.id,
        path=column.path,
        time_requirement=column.time_requirement,
        rules=[describe(r, prompt_window=prompt_window) for r in column.rules or []],
        kinds=[KIND_NAMES[k] for k in sorted(kinds_of(column.tags))],
        units=units,
        next_due=min(dues) if dues else None,
        months=history,
        recent=[PublishedItem(i, t, u, p) for i, t, u, p in latest if p is not None],
    )
