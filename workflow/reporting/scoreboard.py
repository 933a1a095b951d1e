"""The unit scoreboard for a month, quarter or year (月考核 / 年度考核).

Per unit: the obligations whose due date fell in the period (and has passed) met on time,
late or missed; the median working days per review stage (from the audit trail); the
share of reviewed items that were returned; a ranking.

What counts as an obligation:
- each calendar period of a column rule (every week, month, quarter, half-year, year, by
  the 25th, a yearly date, a one-off date) whose due date is in the report period: on
  time when the column had its `min_items` first published in the period's window
  (previous due date, due date]; late when the count was reached only by the next
  period's due date (or today, if sooner); missed otherwise. Rolling windows ("every 50
  days") are judged by the dashboard, not here;
- each item with its own due date (a request to answer, an after_event rule): on time
  when first published by that day, late when published after it, missed when not yet;
- each linked obligation (a 政策解读 owed for a 政策文件): the same, by when it was fulfilled.

A fixed number of statements whatever the size: calendar (2), assignments, the windowed
counts, item dues, obligations, stage durations, returns, unit names.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Text, case, cast, distinct, func, select
from sqlalchemy.orm import Session

from workflow.calendar import WorkCalendar, add_months
from workflow.deadlines.due import load_calendar
from workflow.deadlines.evaluate import _Memo, _Periods, _valid_rules
from workflow.enums import Action, State
from workflow.models import AuditEvent, Column, ColumnAssignment, Item, Obligation, Unit
from workflow.reporting.common import (
    DEFAULTS,
    STAGE_NAMES,
    Period,
    ReportSettings,
    local_date,
    local_midnight,
)
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


@dataclass
class UnitScore:
    unit_id: int
    unit_name: str
    on_time: int = 0
    late: int = 0
    missed: int = 0
    # Median working days an item spent at each review stage it left in the period.
    stage_medians: dict[str, float | None] = field(default_factory=dict)
    stage_counts: dict[str, int] = field(default_factory=dict)
    reviewed: int = 0  # items with a review decision in the period
    returned: int = 0  # of which returned at least once
    rank: int = 0
    late_columns: list[tuple[str, date]] = field(default_factory=list)
    missed_columns: list[tuple[str, date]] = field(default_factory=list)

    @property
    def judged(self) -> int:
        return self.on_time + self.late + self.missed

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.judged if self.judged else None

    @property
    def returned_share(self) -> float | None:
        return self.returned / self.reviewed if self.reviewed else None


@dataclass(frozen=True)
class Scoreboard:
    period: Period
    as_of: date
    units: list[UnitScore]  # ranked
    cases: list[Case]


def scoreboard(
    session: Session,
    period: Period,
    now: datetime,
    settings: ReportSettings = DEFAULTS,
    calendar: WorkCalendar | None = None,
) -> Scoreboard:
    tz = settings.tz
    today = local_date(now, tz)
    # Statements below run on the connection (Core rows: the ORM's result processing
    # cost more than the SQL for 20,000 assignments), so flush as autoflush would.
    session.flush()
    calendar = _Memo(calendar or load_calendar(session))
    cases = _rule_cases(session, period, today, calendar, settings)
    cases += _item_cases(session, period, today, settings, now)
    cases += _obligation_cases(session, period, today, settings, now)
    names = dict(session.connection().execute(select(Unit.id, Unit.name)).all())
    paths = dict(session.connection().execute(select(Column.id, Column.path)).all())
    scores: dict[int, UnitScore] = {}

    def score(unit_id: int) -> UnitScore:
        if unit_id not in scores:
            scores[unit_id] = UnitScore(unit_id, names.get(unit_id, ""))
        return scores[unit_id]

    for c in cases:
        s = scores.get(c.unit_id) or score(c.unit_id)
        if c.outcome == ON_TIME:
            s.on_time += c.count
        elif c.outcome == LATE:
            s.late += c.count
            s.late_columns.append((paths.get(c.column_id, ""), c.due))
        else:
            s.missed += c.count
            s.missed_columns.append((paths.get(c.column_id, ""), c.due))
    for (unit_id, stage), (median, n) in _stage_medians(
        session, period, calendar, settings, now
    ).items():
        s = score(unit_id)
        s.stage_medians[stage] = median
        s.stage_counts[stage] = n
    for unit_id, reviewed, returned in _returns(session, period, settings):
        s = score(unit_id)
        s.reviewed, s.returned = int(reviewed), int(returned)
    for s in scores.values():
        for stage in STAGE_NAMES:
            s.stage_medians.setdefault(stage, None)
            s.stage_counts.setdefault(stage, 0)
        s.late_columns.sort(key=lambda c: (c[1], c[0]))
        s.missed_columns.sort(key=lambda c: (c[1], c[0]))
    ranked = sorted(
        scores.values(),
        key=lambda s: (
            s.on_time_rate is None,
            -(s.on_time_rate or 0.0),
            s.missed,
            s.late,
            s.unit_name,
        ),
    )
    for i, s in enumerate(ranked, 1):
        s.rank = i
    return Scoreboard(period, today, ranked, cases)


# --------------------------------------------------------------------------- rule periods


def _periods_for(rule: dict[str, Any], calendar: WorkCalendar) -> _Periods | None:
    kind, every, unit = rule.get("kind"), rule.get("every"), rule.get("unit")
    if kind == "annual":
        month, day = (int(p) for p in str(rule["by"]).split("-"))
        return _Periods(calendar, "annual", month_day=(month, day))
    if kind != "periodic":
        return None
    if unit == "year" and every == 1:
        return _Periods(calendar, "month", months=12, by_day=rule.get("by_day"))
    if unit == "month" and isinstance(every, int) and 12 % every == 0:
        return _Periods(calendar, "month", months=every, by_day=rule.get("by_day"))
    if unit == "week" and every == 1:
        return _Periods(calendar, "week")
    return None  # rolling windows: judged by the dashboard


@dataclass(frozen=True)
class _Judged:
    """One period to judge: items in (start, due] on time; by `late_until` late."""

    start: date | None  # None: from the beginning (bounded below, see _rule_cases)
    due: date
    late_until: date


def _windows(
    rule: dict[str, Any], period: Period, today: date, calendar: WorkCalendar
) -> list[_Judged]:
    """The windows of `rule` whose due date lies in the period and before today."""
    if rule.get("kind") == "once":
        due = calendar.next_workday(date.fromisoformat(str(rule["by"]))).date
        if period.start <= due <= period.end and due < today:
            return [_Judged(add_months(due, -12), due, today - timedelta(days=1))]
        return []
    periods = _periods_for(rule, calendar)
    if periods is None:
        return []
    out = []
    k = periods.window_of(period.start)
    while True:
        due = periods.due(k)[0]
        if due > period.end or due >= today:
            break
        if due >= period.start:
            late_until = min(periods.due(k + 1)[0], today - timedelta(days=1))
            out.append(_Judged(periods.due(k - 1)[0], due, late_until))
        k += 1
    return out


def _rule_cases(
    session: Session,
    period: Period,
    today: date,
    calendar: WorkCalendar,
    settings: ReportSettings,
) -> list[Case]:
    tz = settings.tz
    # Plain rows, rules as text: a portal reuses a few dozen rule texts across thousands
    # of assignments, so each text is parsed and its windows worked out once.
    assignments = (
        session.connection()
        .execute(
            select(ColumnAssignment.column_id, ColumnAssignment.unit_id, cast(Column.rules, Text))
            .join(Column, Column.id == ColumnAssignment.column_id)
            .where(Column.retired_at.is_(None))
            .order_by(ColumnAssignment.id)
        )
        .all()
    )
    by_key: dict[str, list[_Judged]] = {}
    by_text: dict[str | None, list[tuple[int, _Judged]]] = {}  # (required, window)
    for *_, raw in assignments:
        if raw in by_text:
            continue
        judged: list[tuple[int, _Judged]] = []
        for rule in _valid_rules(raw)[0]:
            key = repr(sorted((k, v) for k, v in rule.items() if k not in ("scope", "source")))
            if key not in by_key:
                by_key[key] = _windows(rule, period, today, calendar)
            judged += [(int(rule.get("min_items", 1)), w) for w in by_key[key]]
        by_text[raw] = judged
    windows = {w for judged in by_text.values() for _, w in judged}
    if not windows:
        return []
    # Items counted from the day after each boundary: start, due and late_until.
    boundaries = sorted(
        {d + timedelta(days=1) for w in windows for d in (w.start, w.due, w.late_until) if d}
    )
    index = {b: i for i, b in enumerate(boundaries)}
    one = timedelta(days=1)
    # Per rule text, each window as its due date and the positions of its boundaries in
    # the counts below: (start, due] on time, (start, late_until] late.
    plans: dict[str | None, list[tuple[int, date, int, int, int, bool]]] = {
        raw: [
            (
                required,
                w.due,
                index[w.start + one],
                index[w.due + one],
                index[w.late_until + one],
                w.late_until > w.due,
            )
            for required, w in judged
            if w.start is not None
        ]
        for raw, judged in by_text.items()
    }
    first = Item.first_published_at
    stmt = (
        select(
            Item.column_id,
            Item.unit_id,
            *(func.count().filter(first >= local_midnight(b, tz)) for b in boundaries),
        )
        .where(
            # As in the evaluation, a retracted item does not count.
            Item.live_revision_no.is_not(None),
            first >= local_midnight(boundaries[0], tz),
        )
        .group_by(Item.column_id, Item.unit_id)
    )
    counts = {(c, u): rest for c, u, *rest in session.connection().execute(stmt).all()}
    zero = [0] * len(boundaries)
    out = []
    for column_id, unit_id, raw in assignments:
        plan = plans[raw]
        if not plan:
            continue
        n = counts.get((column_id, unit_id), zero)
        for required, due, start, until_due, until_late, can_be_late in plan:
            # n[i]: items first published from boundary i on; (lo, hi] is n[lo] - n[hi].
            if n[start] - n[until_due] >= required:
                outcome = ON_TIME
            elif can_be_late and n[start] - n[until_late] >= required:
                outcome = LATE
            else:
                outcome = MISSED
            out.append(Case(unit_id, column_id, due, outcome, "rule"))
    return out


# --------------------------------------------------------------------------- due dates


def _item_cases(
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
            # A withdrawn request never published owes nothing.
            (Item.first_published_at.is_not(None)) | (Item.state != State.WITHDRAWN.value),
        )
        .group_by(Item.unit_id, Item.column_id, Item.due_date)
    )
    return _cases(session.connection().execute(stmt).all(), "item")


def _obligation_cases(
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


def _stage_medians(
    session: Session,
    period: Period,
    calendar: WorkCalendar,
    settings: ReportSettings,
    now: datetime,
) -> dict[tuple[int, str], tuple[float, int]]:
    """Median working days per (unit, stage) over the stage visits that ended in the
    period. A visit is the row leaving the stage (`from_state`), from the time the item
    entered it (`state_entered_at`, copied onto the row when written) to the row's own
    time; rows are grouped by their two local days, so the rows fetched are bounded by
    units × stages × day pairs, not by items. One range scan on `at`, no join."""
    tz = settings.tz
    row = AuditEvent
    start_day = local_day(session, row.state_entered_at, tz, now)
    end_day = local_day(session, row.at, tz, now)
    stmt = (
        select(row.unit_id, row.from_state, start_day, end_day, func.count())
        .where(
            row.at >= local_midnight(period.start, tz),
            row.at < local_midnight(period.end + timedelta(days=1), tz),
            row.from_state.in_(list(STAGE_NAMES)),
            # Rows older than the copies with nothing to backfill them from.
            row.state_entered_at.is_not(None),
            row.unit_id.is_not(None),
        )
        .group_by(row.unit_id, row.from_state, start_day, end_day)
    )
    durations: dict[tuple[int, str], list[tuple[int, int]]] = defaultdict(list)
    workdays: dict[tuple[Any, Any], int] = {}
    for unit_id, stage, start, end, n in session.connection().execute(stmt).all():
        if (start, end) not in workdays:
            first = start if isinstance(start, date) else date.fromisoformat(str(start))
            last = end if isinstance(end, date) else date.fromisoformat(str(end))
            workdays[(start, end)] = calendar.count_workdays(first, last)[0]
        durations[(unit_id, stage)].append((workdays[(start, end)], int(n)))
    return {
        key: (_weighted_median(values), sum(n for _, n in values))
        for key, values in durations.items()
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


def _returns(
    session: Session, period: Period, settings: ReportSettings
) -> list[tuple[int, int, int]]:
    """Per unit: items with a review decision in the period, and those returned (the
    unit copied onto each audit row: a range scan on `at`, no join)."""
    tz = settings.tz
    row = AuditEvent
    rejected = row.action == Action.REJECT.value
    rows = (
        session.connection()
        .execute(
            select(
                row.unit_id,
                func.count(distinct(row.item_id)),
                func.count(distinct(case((rejected, row.item_id)))),
            )
            .where(
                row.at >= local_midnight(period.start, tz),
                row.at < local_midnight(period.end + timedelta(days=1), tz),
                row.action.in_([Action.APPROVE.value, Action.REJECT.value]),
                row.unit_id.is_not(None),
            )
            .group_by(row.unit_id)
        )
        .all()
    )
    return [(u, int(a), int(b)) for u, a, b in rows if u is not None]


__all__ = ["LATE", "MISSED", "ON_TIME", "Case", "Scoreboard", "UnitScore", "scoreboard"]
