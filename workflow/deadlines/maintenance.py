"""Keeping rules and due dates current: parse the columns' 时限要求 into rules, and
recompute the due dates that were counted with the fallback calendar once the office
has entered the missing year."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.calendar import WorkCalendar
from workflow.deadlines.due import DEFAULT_PROMPT_WINDOW, item_due, load_calendar
from workflow.deadlines.parser import parse
from workflow.models import Column, Item, Obligation

LOCAL = ZoneInfo("Asia/Shanghai")


@dataclass
class ParseReport:
    parsed: int = 0
    without_rules: list[str] = field(default_factory=list)  # paths needing manual entry


def parse_column_rules(session: Session, now: datetime, overwrite: bool = False) -> ParseReport:
    """Fill each column's rules from its 时限要求 text (keeping hand-entered rules unless
    `overwrite`); columns whose text gives no rule are listed for the office. Rules that
    change are 待确认 until the office confirms them; their scopes make parts."""
    from workflow.services import columns as column_settings

    report = ParseReport()
    for column in session.execute(select(Column).where(Column.retired_at.is_(None))).scalars():
        if column.rules and not overwrite:
            continue
        if not column.time_requirement.strip():
            continue
        rules = parse(column.time_requirement)
        column_settings.rules_replaced(column, rules, now)
        column_settings.sync_parts(session, column)
        if rules:
            report.parsed += 1
        else:
            report.without_rules.append(column.path)
    session.flush()
    return report


@dataclass
class RecomputeReport:
    items_changed: int = 0
    obligations_changed: int = 0
    still_provisional: int = 0


def recompute_provisional(
    session: Session,
    calendar: WorkCalendar | None = None,
    prompt_window: int = DEFAULT_PROMPT_WINDOW,
) -> RecomputeReport:
    """Recount every provisional due date with the calendar as it is now."""
    calendar = calendar or load_calendar(session)
    report = RecomputeReport()
    items = session.execute(
        select(Item, Column.rules)
        .join(Column, Column.id == Item.column_id)
        .where(Item.due_provisional.is_(True), Item.event_date.is_not(None))
    ).all()
    for item, rules in items:
        assert item.event_date is not None
        due = item_due(rules or [], item.event_date, calendar, prompt_window)
        if due is None:
            continue
        if (due.date, due.provisional) != (item.due_date, item.due_provisional):
            item.due_date, item.due_provisional = due.date, due.provisional
            report.items_changed += 1
        report.still_provisional += due.provisional
    obligations = session.execute(
        select(Obligation, Column.rules, Item.first_published_at)
        .join(Column, Column.id == Obligation.column_id)
        .join(Item, Item.id == Obligation.source_item_id)
        .where(
            Obligation.due_provisional.is_(True),
            Obligation.fulfilled_at.is_(None),
            Obligation.cancelled_at.is_(None),
        )
    ).all()
    for obligation, rules, published_at in obligations:
        start: date = published_at.astimezone(LOCAL).date()
        due = item_due(rules or [], start, calendar, prompt_window, event="published")
        if due is None:
            due = calendar.add_workdays(start, prompt_window)
        if (due.date, due.provisional) != (obligation.due_date, obligation.due_provisional):
            obligation.due_date, obligation.due_provisional = due.date, due.provisional
            report.obligations_changed += 1
        report.still_provisional += due.provisional
    session.flush()
    return report


@dataclass(frozen=True)
class ProvisionalDue:
    kind: str  # "item" or "obligation"
    id: int
    column_path: str
    unit_id: int
    due_date: date


def provisional_dues(session: Session) -> list[ProvisionalDue]:
    """Due dates counted with the Monday–Friday fallback, for the office to review."""
    items = session.execute(
        select(Item.id, Column.path, Item.unit_id, Item.due_date)
        .join(Column, Column.id == Item.column_id)
        .where(Item.due_provisional.is_(True), Item.due_date.is_not(None))
        .order_by(Item.due_date)
    ).all()
    obligations = session.execute(
        select(Obligation.id, Column.path, Obligation.unit_id, Obligation.due_date)
        .join(Column, Column.id == Obligation.column_id)
        .where(
            Obligation.due_provisional.is_(True),
            Obligation.fulfilled_at.is_(None),
            Obligation.cancelled_at.is_(None),
        )
        .order_by(Obligation.due_date)
    ).all()
    return [ProvisionalDue("item", i, p, u, d) for i, p, u, d in items if d] + [
        ProvisionalDue("obligation", i, p, u, d) for i, p, u, d in obligations
    ]
