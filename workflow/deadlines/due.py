"""Due dates of single items and linked obligations, from a column's rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.calendar import Due, WorkCalendar
from workflow.models import CalendarYear, HolidayOverride

DEFAULT_PROMPT_WINDOW = 5  # working days; deployments set PROMPT_WINDOW


def load_calendar(session: Session) -> WorkCalendar:
    """The working-day calendar with the office's overrides (a small table)."""
    rows = session.execute(select(HolidayOverride.day, HolidayOverride.is_workday)).all()
    years = session.execute(select(CalendarYear.year)).scalars().all()
    return WorkCalendar.from_rows(((day, working) for day, working in rows), years)


def item_due(
    rules: Iterable[Mapping[str, Any]],
    event_date: date,
    calendar: WorkCalendar,
    prompt_window: int = DEFAULT_PROMPT_WINDOW,
    event: str | None = None,
) -> Due | None:
    """When an item about an event on `event_date` is due: the strictest after_event rule
    (of the same event, when one is named), else the prompt window; None if neither."""
    rules = list(rules)
    candidates = [
        r
        for r in rules
        if r.get("kind") == "after_event" and (event is None or r.get("event") in (None, event))
    ]
    dues = [calendar.add(event_date, int(r["within"]), r["unit"]) for r in candidates]
    if not dues and any(r.get("kind") == "prompt" for r in rules):
        dues = [calendar.add_workdays(event_date, prompt_window)]
    if not dues:
        return None
    first = min(dues, key=lambda d: d.date)
    return Due(first.date, any(d.provisional for d in dues if d.date == first.date))
