"""Judging obligations and review stages: the pieces the scoreboard and its summary
(`score_summary`) are built from.

- `rule_cases`: each calendar period of a column rule whose due date lies in a period
  and before today, judged on time, late or missed (see `scoreboard`'s docstring);
- `item_cases`, `obligation_cases`: items with their own due date, linked obligations;
- `visit_rows` / `workday_durations` / `stage_medians`: time spent at each review
  stage; `review_items` / `returns_of`: items reviewed and returned — all over a
  half-open range of audit-row times, so a summary can fold whole months and a reader
  add the rows newer than the fold.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, Text, case, cast, distinct, func, select
from sqlalchemy.orm import Session

from workflow.calendar import WorkCalendar, add_months
from workflow.deadlines.periods import periods_for
from workflow.deadlines.rules import valid_rules
from workflow.deadlines.scopes import part_scopes, scope_of
from workflow.enums import Action, State
from workflow.models import AuditEvent, Column, ColumnAssignment, ColumnPart, Item, Obligation
from workflow.reporting.common import STAGE_NAMES, Period, ReportSettings, local_midnight
from workflow.reporting.sql import local_day

ON_TIME, LATE, MISSED = "on_time", "late", "missed"


@dataclass(frozen=True)
class Case:
    """One judged obligation: a column period, an item's due date or a linked obligation."""

    unit_id: int
    column_id: int
    due: date
    outcome: str  # on_time, late, missed
    source: str  # "rule", "item", "obligation"
    count: int = 1  # item and obligation cases are grouped per column and due date


# --------------------------------------------------------------------------- rule periods


@dataclass(frozen=True)
class _Judged:
    """One period to judge: items in (start, due] on time; by `late_until` late. Judged
    only for a unit responsible since `begins` at the latest (the period's first day)."""

    start: date | None  # None: from the beginning (bounded below, see _rule_cases)
    due: date
    late_until: date
    begins: date
    previous_begins: date | None = None  # the previous period's first day


def _windows(
    rule: dict[str, Any], period: Period, today: date, calendar: WorkCalendar
) -> list[_Judged]:
    """The windows of `rule` whose due date lies in the period and before today."""
    if rule.get("kind") == "once":
        by = date.fromisoformat(str(rule["by"]))
        due = calendar.next_workday(by).date
        if period.start <= due <= period.end and due < today:
            # Judged for a unit responsible by the (moved) due date, as the evaluation does.
            return [_Judged(add_months(due, -12), due, today - timedelta(days=1), due)]
        return []
    periods = periods_for(rule, calendar)
    if periods is None:
        return []  # rolling windows: judged by the dashboard
    out = []
    k = periods.window_of(period.start)
    while True:
        due = periods.due(k)[0]
        if due > period.end or due >= today:
            break
        if due >= period.start:
            late_until = min(periods.due(k + 1)[0], today - timedelta(days=1))
            out.append(
                _Judged(
                    periods.due(k - 1)[0],
                    due,
                    late_until,
                    periods.bounds(k)[0],
                    periods.bounds(k - 1)[0],
                )
            )
        k += 1
    return out


def rule_cases(
    session: Session,
    period: Period,
    today: date,
    calendar: WorkCalendar,
    settings: ReportSettings,
    column_ids: Collection[int] | None = None,
) -> list[Case]:
    """The judged periods of every confirmed column rule (of these columns only, if
    given) whose due date lies in the period and before today, for each unit responsible
    since the period began; a scoped rule counts its part's items only."""
    tz = settings.tz
    if column_ids is not None and not column_ids:
        return []
    # Plain rows, rules as text: a portal reuses a few dozen rule texts across thousands
    # of assignments, so each text is parsed and its windows worked out once. Rules the
    # office has not confirmed (待确认) never count in the 考核.
    query = (
        select(
            ColumnAssignment.column_id,
            ColumnAssignment.unit_id,
            cast(Column.rules, Text),
            ColumnAssignment.responsible_since,
        )
        .join(Column, Column.id == ColumnAssignment.column_id)
        .where(Column.retired_at.is_(None), Column.rules_confirmed_at.is_not(None))
        .order_by(ColumnAssignment.id)
    )
    parts_query = select(ColumnPart.column_id, ColumnPart.name, ColumnPart.id)
    if column_ids is not None:
        query = query.where(ColumnAssignment.column_id.in_(sorted(column_ids)))
        parts_query = parts_query.where(ColumnPart.column_id.in_(sorted(column_ids)))
    assignments = session.connection().execute(query).all()
    parts = {(c, name): p for c, name, p in session.connection().execute(parts_query).all()}
    by_text = _judged_by_text([raw for _, _, raw, _ in assignments], period, today, calendar)
    windows = {w for judged in by_text.values() for _, _, w in judged}
    if not windows:
        return []
    # Items counted from the day after each boundary: start, due and late_until; and
    # from a period's first day, for the first period a unit answers for.
    boundaries = sorted(
        {d + timedelta(days=1) for w in windows for d in (w.start, w.due, w.late_until) if d}
        | {w.begins for w in windows}
    )
    index = {b: i for i, b in enumerate(boundaries)}
    one = timedelta(days=1)
    # Per rule text, each window as its due date and the positions of its boundaries in
    # the counts below: (start, due] on time, (start, late_until] late.
    plans: dict[str | None, list[_Plan]] = {
        raw: [
            _Plan(
                required,
                scope,
                w.due,
                w.begins,
                w.previous_begins,
                index[w.start + one],
                index[min(w.begins, w.start + one)],
                index[w.due + one],
                index[w.late_until + one],
                w.late_until > w.due,
            )
            for required, scope, w in judged
            if w.start is not None
        ]
        for raw, judged in by_text.items()
    }
    first = Item.first_published_at
    stmt = (
        select(
            Item.column_id,
            Item.unit_id,
            Item.part_id,
            *(func.count().filter(first >= local_midnight(b, tz)) for b in boundaries),
        )
        .where(
            # As in the evaluation, a retracted item does not count.
            Item.live_revision_no.is_not(None),
            first >= local_midnight(boundaries[0], tz),
        )
        .group_by(Item.column_id, Item.unit_id, Item.part_id)
    )
    if column_ids is not None:
        stmt = stmt.where(Item.column_id.in_(sorted(column_ids)))
    counts: dict[tuple[int, int, int | None], list[int]] = {}
    for c, u, p, *rest in session.connection().execute(stmt).all():
        whole = counts.get((c, u, None))
        counts[(c, u, None)] = (
            rest if whole is None else [a + b for a, b in zip(whole, rest, strict=True)]
        )
        if p is not None:
            counts[(c, u, p)] = rest
    zero = [0] * len(boundaries)
    out = []
    for column_id, unit_id, raw, since in assignments:
        plan = plans[raw]
        if not plan:
            continue
        since = since if isinstance(since, date) else date.fromisoformat(str(since))
        for w in plan:
            if w.begins < since:
                continue  # the period began before the unit was responsible
            # The first period the unit answers for counts from its own first day.
            opening = w.previous_begins is not None and w.previous_begins < since
            start = w.first_start if opening else w.start
            part = parts.get((column_id, w.scope)) if w.scope else None
            n = counts.get((column_id, unit_id, part), zero)
            # n[i]: items first published from boundary i on; (lo, hi] is n[lo] - n[hi].
            out.append(Case(unit_id, column_id, w.due, _outcome(w, n, start), "rule"))
    return out


def _judged_by_text(
    texts: list[str | None], period: Period, today: date, calendar: WorkCalendar
) -> dict[str | None, list[tuple[int, str | None, _Judged]]]:
    """Per rule text: each window of its rules with the items it requires and its scope.
    Each text is parsed once, each rule's windows worked out once."""
    by_key: dict[str, list[_Judged]] = {}
    by_text: dict[str | None, list[tuple[int, str | None, _Judged]]] = {}
    for raw in texts:
        if raw in by_text:
            continue
        judged: list[tuple[int, str | None, _Judged]] = []
        rules = valid_rules(raw)[0]
        # Scopes judge parts only where the rules name two or more (as the evaluation).
        parted = bool(part_scopes(rules))
        for rule in rules:
            key = repr(sorted((k, v) for k, v in rule.items() if k not in ("scope", "source")))
            if key not in by_key:
                by_key[key] = _windows(rule, period, today, calendar)
            scope = scope_of(rule) if parted else None
            judged += [(int(rule.get("min_items", 1)), scope, w) for w in by_key[key]]
        by_text[raw] = judged
    return by_text


def _outcome(w: _Plan, n: list[int], start: int) -> str:
    """On time, late or missed, from the counts of items from each boundary on."""
    if n[start] - n[w.until_due] >= w.required:
        return ON_TIME
    if w.can_be_late and n[start] - n[w.until_late] >= w.required:
        return LATE
    return MISSED


@dataclass(frozen=True)
class _Plan:
    """A judged window of one rule, as positions in the boundary counts."""

    required: int
    scope: str | None
    due: date
    begins: date
    previous_begins: date | None
    start: int
    first_start: int  # `start` for the first period a unit answers for
    until_due: int
    until_late: int
    can_be_late: bool


def confirmed_columns() -> Any:
    """The columns whose rules count in the 考核 (a subquery)."""
    return select(Column.id).where(Column.rules_confirmed_at.is_not(None))


# --------------------------------------------------------------------------- due dates


def item_cases(
    session: Session, period: Period, today: date, settings: ReportSettings, now: datetime
) -> list[Case]:
    published_day = local_day(session, Item.first_published_at, settings.tz, now)
    last_day = min(period.end, today - timedelta(days=1))
    stmt = (
        select(
            Item.unit_id,
            Item.column_id,
            Item.due_date,
            func.sum(case((published_day <= Item.due_date, 1), else_=0)),
            func.sum(case((published_day > Item.due_date, 1), else_=0)),
            func.sum(case((Item.first_published_at.is_(None), 1), else_=0)),
        )
        .where(
            Item.due_date >= period.start,
            Item.due_date <= last_day,
            Item.column_id.in_(confirmed_columns()),
            # A withdrawn request never published owes nothing.
            (Item.first_published_at.is_not(None)) | (Item.state != State.WITHDRAWN.value),
        )
        .group_by(Item.unit_id, Item.column_id, Item.due_date)
    )
    return _cases(session.connection().execute(stmt).all(), "item")


def obligation_cases(
    session: Session, period: Period, today: date, settings: ReportSettings, now: datetime
) -> list[Case]:
    fulfilled_day = local_day(session, Obligation.fulfilled_at, settings.tz, now)
    last_day = min(period.end, today - timedelta(days=1))
    stmt = (
        select(
            Obligation.unit_id,
            Obligation.column_id,
            Obligation.due_date,
            func.sum(case((fulfilled_day <= Obligation.due_date, 1), else_=0)),
            func.sum(case((fulfilled_day > Obligation.due_date, 1), else_=0)),
            func.sum(case((Obligation.fulfilled_at.is_(None), 1), else_=0)),
        )
        .where(
            Obligation.due_date >= period.start,
            Obligation.due_date <= last_day,
            Obligation.column_id.in_(confirmed_columns()),
            Obligation.cancelled_at.is_(None),
        )
        .group_by(Obligation.unit_id, Obligation.column_id, Obligation.due_date)
    )
    return _cases(session.connection().execute(stmt).all(), "obligation")


def _cases(rows: Any, source: str) -> list[Case]:
    out = []
    for unit_id, column_id, due, on_time, late, missed in rows:
        due = due if isinstance(due, date) else date.fromisoformat(str(due))
        for outcome, n in ((ON_TIME, on_time), (LATE, late), (MISSED, missed)):
            if n:
                out.append(Case(unit_id, column_id, due, outcome, source, int(n)))
    return out


# --------------------------------------------------------------------------- review stages

Durations = dict[tuple[int, str], list[tuple[int, int]]]  # (unit, stage) → (workdays, n)


def visit_rows(
    session: Session, lo: datetime, hi: datetime, settings: ReportSettings, now: datetime
) -> list[Any]:
    """The review-stage visits that ended in [lo, hi), as (unit, stage, local day
    entered, local day left, count). A visit is the row leaving the stage
    (`from_state`), from the time the item entered it (`state_entered_at`, copied onto
    the row when written) to the row's own time; grouped by the two local days, so the
    rows fetched are bounded by units × stages × day pairs, not by items. One range scan
    on `at`, no join."""
    tz = settings.tz
    row = AuditEvent
    start_day = local_day(session, row.state_entered_at, tz, now)
    end_day = local_day(session, row.at, tz, now)
    stmt = (
        select(row.unit_id, row.from_state, start_day, end_day, func.count())
        .where(
            row.at >= lo,
            row.at < hi,
            row.from_state.in_(list(STAGE_NAMES)),
            # Rows older than the copies with nothing to backfill them from.
            row.state_entered_at.is_not(None),
            row.unit_id.is_not(None),
        )
        .group_by(row.unit_id, row.from_state, start_day, end_day)
    )
    return list(session.connection().execute(stmt).all())


def workday_durations(
    rows: list[Any], calendar: WorkCalendar, into: Durations | None = None
) -> Durations:
    """`visit_rows` as working days spent per (unit, stage), each day pair counted once."""
    durations: Durations = {} if into is None else into
    workdays: dict[tuple[Any, Any], int] = {}
    for unit_id, stage, start, end, n in rows:
        if (start, end) not in workdays:
            first = start if isinstance(start, date) else date.fromisoformat(str(start))
            last = end if isinstance(end, date) else date.fromisoformat(str(end))
            workdays[(start, end)] = calendar.count_workdays(first, last)[0]
        durations.setdefault((unit_id, stage), []).append((workdays[(start, end)], int(n)))
    return durations


def stage_medians(durations: Durations) -> dict[tuple[int, str], tuple[float, int]]:
    """Median working days and visits per (unit, stage)."""
    return {
        key: (_weighted_median(values), sum(n for _, n in values))
        for key, values in durations.items()
        if values
    }


def _weighted_median(values: list[tuple[int, int]]) -> float:
    """The median of a multiset given as (value, count) pairs."""
    values = sorted(values)
    total = sum(n for _, n in values)
    lower, upper = (total - 1) // 2, total // 2  # 0-based positions of the middle
    found: list[int] = []
    seen = 0
    for value, n in values:
        for position in (lower, upper):
            if seen <= position < seen + n:
                found.append(value)
        seen += n
    return (found[0] + found[-1]) / 2


def review_items(lo: datetime, hi: datetime) -> Select[int | None, int, Any]:
    """(unit, item, 1 if returned else 0) for each item with a review decision in
    [lo, hi), by the unit copied onto each audit row: a range scan on `at`, no join."""
    row = AuditEvent
    return (
        select(
            row.unit_id.label("unit_id"),
            row.item_id.label("item_id"),
            func.max(case((row.action == Action.REJECT.value, 1), else_=0)).label("rejected"),
        )
        .where(
            row.at >= lo,
            row.at < hi,
            row.action.in_([Action.APPROVE.value, Action.REJECT.value]),
            row.unit_id.is_not(None),
        )
        .group_by(row.unit_id, row.item_id)
    )


def returns_of(session: Session, items: Any) -> list[tuple[int, int, int]]:
    """Per unit: items reviewed and items returned, from rows shaped as `review_items`
    (an item in several of them counts once)."""
    sub = items.subquery()
    returned = case((sub.c.rejected == 1, sub.c.item_id))
    stmt = select(
        sub.c.unit_id, func.count(distinct(sub.c.item_id)), func.count(distinct(returned))
    ).group_by(sub.c.unit_id)
    return [(u, int(a), int(b)) for u, a, b in session.connection().execute(stmt).all()]
