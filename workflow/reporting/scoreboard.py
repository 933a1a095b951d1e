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

Read from the scoreboard summary (`score_summary`, kept by the periodic status refresh)
where it is current — the columns changed since it was computed judged live, the audit
rows newer than its fold read live — and computed live otherwise; the figures are the
same either way (tests compare them). A fixed number of statements whatever the size.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select, union_all
from sqlalchemy.orm import Session

from workflow.calendar import WorkCalendar, memo
from workflow.deadlines.due import load_calendar
from workflow.models import Column, DeadlineStatusDirty, Unit
from workflow.reporting import score_summary
from workflow.reporting.common import (
    DEFAULTS,
    STAGE_NAMES,
    Period,
    ReportSettings,
    local_date,
    local_midnight,
)
from workflow.reporting.judging import (
    LATE,
    MISSED,
    ON_TIME,
    Case,
    item_cases,
    obligation_cases,
    returns_of,
    review_items,
    rule_cases,
    stage_medians,
    visit_rows,
    workday_durations,
)


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
    rank: int | None = None  # None: nothing judged in the period, so not ranked ("—")
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
    # When the summary it was read from was computed (None: all computed live now). The
    # figures are as of the request either way.
    summary_at: datetime | None = None


def scoreboard(
    session: Session,
    period: Period,
    now: datetime,
    settings: ReportSettings = DEFAULTS,
    calendar: WorkCalendar | None = None,
    *,
    summary: bool = True,
) -> Scoreboard:
    """`summary=False` computes everything live (as when there is no summary), as does
    passing a `calendar` (the summary was computed with the database's)."""
    today = local_date(now, settings.tz)
    # Statements below run on the connection (Core rows: the ORM's result processing
    # cost more than the SQL for 20,000 assignments), so flush as autoflush would.
    session.flush()
    stored: score_summary.Stored | None = None
    changed: set[int] = set()
    if summary and calendar is None:
        # Marks before the summary's rows and the calendar: a refresh committing in
        # between leaves more marks than needed (more judged live), never fewer, and a
        # calendar change committed after the marks were read is in the calendar read
        # below only with its mark, or else in neither.
        marks = set(session.scalars(select(DeadlineStatusDirty.column_id).distinct()))
        stored = score_summary.lookup(session, period, now, settings, marks)
        changed = {c for c in marks if c is not None}
    calendar = memo(calendar or load_calendar(session))
    if stored is None:
        cases = rule_cases(session, period, today, calendar, settings)
    else:
        cases = score_summary.stored_cases(session, stored, changed)
        cases += rule_cases(session, period, today, calendar, settings, changed)
    cases += item_cases(session, period, today, settings, now)
    cases += obligation_cases(session, period, today, settings, now)
    if stored is not None and stored.reviews_exact:
        durations = score_summary.stored_durations(session, stored)
        tail = visit_rows(session, stored.covered_end, stored.end, settings, now)
        workday_durations(tail, calendar, into=durations)
        returns = returns_of(
            session,
            union_all(
                score_summary.stored_review_items(stored),
                review_items(stored.covered_end, stored.end),
            ),
        )
    else:
        start = local_midnight(period.start, settings.tz)
        end = local_midnight(period.end + timedelta(days=1), settings.tz)
        durations = workday_durations(visit_rows(session, start, end, settings, now), calendar)
        returns = returns_of(session, review_items(start, end))
    if stored is not None and not score_summary.unchanged(session, stored):
        # A refresh committed while this read the summary: its parts may not match.
        return scoreboard(session, period, now, settings, summary=False)
    names = dict(session.connection().execute(select(Unit.id, Unit.name)).all())
    paths = dict(session.connection().execute(select(Column.id, Column.path)).all())
    board = _assemble(period, today, cases, stage_medians(durations), returns, names, paths)
    if stored is None:
        return board
    return replace(board, summary_at=stored.computed_at)


def _assemble(
    period: Period,
    today: date,
    cases: list[Case],
    medians: dict[tuple[int, str], tuple[float, int]],
    returns: list[tuple[int, int, int]],
    names: dict[int, str],
    paths: dict[int, str],
) -> Scoreboard:
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
    for (unit_id, stage), (median, n) in medians.items():
        s = score(unit_id)
        s.stage_medians[stage] = median
        s.stage_counts[stage] = n
    for unit_id, reviewed, returned in returns:
        s = score(unit_id)
        s.reviewed, s.returned = reviewed, returned
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
    # A unit with nothing judged (no period due since it became responsible, or only
    # rules 待确认) is listed after the ranked ones with "—", never ranked at 0%.
    for i, s in enumerate((s for s in ranked if s.judged), 1):
        s.rank = i
    return Scoreboard(period, today, ranked, cases)


__all__ = [
    "LATE",
    "MISSED",
    "ON_TIME",
    "Case",
    "Scoreboard",
    "UnitScore",
    "review_items",
    "rule_cases",
    "scoreboard",
    "visit_rows",
    "workday_durations",
]
