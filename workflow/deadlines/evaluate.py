"""Where every column assignment (column × unit) stands against its rules at `now`.

Set-based: a handful of queries for the whole portal, whatever its size — the calendar
(overrides, entered years); the assignments with their columns' rules; the columns'
parts; one aggregate over published items per (column, unit, part) with a conditional
count per period boundary any rule needs; the statements; the open items that carry
their own due dates (after_event, prompt); the open linked obligations; and, only for
rolling rules asking for several items per window, the latest items of those columns.
Everything else is date arithmetic in Python, cached per distinct rule and due date.

What is judged (issue 13, "deadlines the office can trust"):
- a rule whose `scope` names a part of the column counts that part's items only; every
  other rule counts all of the column's items (an item with no part counts only there);
- a period that began before the unit became responsible (`responsible_since`) is never
  judged: the first judged period is the first one that began on or after that day, and
  a rolling window runs from that day at the earliest;
- a column whose rules the office has not confirmed is evaluated the same way (the unit
  is reminded), but `AssignmentStatus.confirmed` is False: it never escalates and never
  counts in the 考核 or the 通报.

Statuses, worst first: overdue, due_soon, provisional (the due date was counted with the
Monday–Friday fallback of a year the office has not entered), ok. `overdue_since` is the
first day of the current unbroken lapse; `next_due` the earliest due date on or after
today of something still owed.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from workflow.calendar import WorkCalendar, add_months, memo
from workflow.deadlines import counts as queries
from workflow.deadlines.due import load_calendar
from workflow.deadlines.judge import Judge, Windows
from workflow.deadlines.scopes import scope_of
from workflow.deadlines.statuses import (
    DEFAULT_SETTINGS,
    DUE_SOON,
    JUDGED_KINDS,
    OK,
    OVERDUE,
    PROVISIONAL,
    RANK,
    STATUSES,
    AssignmentStatus,
    RuleStatus,
    Settings,
)

__all__ = [
    "DUE_SOON",
    "JUDGED_KINDS",
    "OK",
    "OVERDUE",
    "PROVISIONAL",
    "RANK",
    "AssignmentStatus",
    "RuleStatus",
    "Settings",
    "evaluate",
]


def evaluate(
    session: Session,
    now: datetime,
    settings: Settings = DEFAULT_SETTINGS,
    calendar: WorkCalendar | None = None,
    unit_id: int | None = None,
    column_id: int | None = None,
    column_ids: Collection[int] | None = None,
) -> list[AssignmentStatus]:
    """The status of every assignment (or one unit's, one column's, or those of the
    columns in `column_ids`), in assignment order."""
    only = queries.Only(
        unit_id, column_id, None if column_ids is None else tuple(sorted(column_ids))
    )
    # The statements run on the connection (plain rows: the ORM's result handling cost
    # more than the SQL for 20,000 assignments), so flush as autoflush would.
    session.flush()
    tz = ZoneInfo(settings.timezone)
    today = now.astimezone(tz).date()
    calendar = memo(calendar or load_calendar(session))
    assignments = queries.assignments(session, only)
    parts = queries.parts(session, only)
    windows = Windows(today, calendar)
    # Per distinct rule text (a few dozen) and responsible-since day, not per assignment.
    distinct = {(id(a.judged), a.since): (a.judged, a.since) for a in assignments}.values()
    boundaries = sorted(
        {b for rules, _ in distinct for r in rules for b in windows.boundaries(r)}
        | {
            b
            for rules, since in distinct
            for r in rules
            for b in windows.first_starts(r, since)
            if b is not None
        }
    )
    published = queries.published(session, boundaries, tz, only)
    latest = queries.latest_items(session, assignments, parts, only)
    item_dues = queries.open_item_dues(session, today, calendar, settings, only)
    obligations = queries.open_obligations(session, today, only)
    stale_before = queries.as_utc(add_months(today, -settings.stale_after_months), tz)
    judge = Judge(boundaries, windows, today, calendar, settings, tz, latest)
    out = []
    no_parts: dict[str, int] = {}
    for a in assignments:
        found = published.get((a.column_id, a.unit_id))
        column_parts = parts.get(a.column_id, no_parts) if a.parted else no_parts
        per_rule = []
        rank, lapse, next_due, provisional = 0, None, None, False
        for rule in a.judged:
            part = column_parts.get(scope_of(rule) or "") if column_parts else None
            counts = found.of_part(part) if found is not None else None
            r = judge.rule(rule, counts, a, part)
            per_rule.append(r)
            rank = max(rank, RANK[r.status])
            if r.overdue_since and (lapse is None or r.overdue_since < lapse):
                lapse = r.overdue_since
            if r.next_due and (next_due is None or r.next_due < next_due):
                next_due = r.next_due
            provisional = provisional or r.provisional
        last = found.whole.last if found is not None else None
        stale = a.on_change and (last is None or last < stale_before)
        items = item_dues.get((a.column_id, a.unit_id), queries.NO_DUES)
        owed = obligations.get((a.column_id, a.unit_id), queries.NO_DUES)
        status = STATUSES[rank]
        if items.late or owed.late:
            status = OVERDUE
        elif items.soon and RANK[status] < RANK[DUE_SOON]:
            status = DUE_SOON
        # An item or obligation late before its unit answered for the column is late
        # only from then on ("已逾期 自X": X after the responsible-since day).
        floor = a.since + timedelta(days=1)
        lapses = [lapse] if lapse else []
        lapses += [max(d, floor) for d in (items.lapse, owed.lapse) if d]
        dues = [d for d in (next_due, items.next_due, owed.next_due) if d]
        out.append(
            AssignmentStatus(
                assignment_id=a.id,
                column_id=a.column_id,
                unit_id=a.unit_id,
                column_path=a.path,
                status=status,
                rules=per_rule,
                last_published_at=last,
                overdue_since=min(lapses) if status == OVERDUE and lapses else None,
                next_due=min(dues) if dues else None,
                provisional=provisional,
                stale=stale,
                open_items_overdue=items.late,
                open_items_due_soon=items.soon,
                obligations_overdue=owed.late,
                obligations_open=owed.count,
                invalid_rules=a.invalid_rules,
                confirmed=a.confirmed,
                responsible_since=a.since,
            )
        )
    return out
