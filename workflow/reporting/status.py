"""The deadline status summary: the whole portal's evaluation kept in `deadline_status`
so the dashboard reads 20,000 rows instead of re-evaluating a million items.

- `refresh_status(session, now)` re-evaluates every assignment and rewrites the summary
  (the caller commits). The periodic scan calls it every few minutes; it is safe to run
  twice.
- `current_statuses(...)` is what readers use: the summary's rows for columns nothing
  has touched since, and a live evaluation of the columns marked by the database
  triggers of migration 0009 (a publication, retraction, withdrawal, due date,
  obligation, rule or assignment change). When the summary is missing, was computed for
  another day or other settings, or the calendar changed, everything is evaluated live:
  slower, never wrong. `Freshness` says which it was.

Why marks and not a timestamp: transactions commit out of order, so "changed after the
refresh" cannot be told from times or ids; a mark written in the changing transaction
itself is seen by exactly the refreshes that also see the change. The refresh deletes
the marks in its first statement, so every change committed before it is in the
evaluation that follows, and a change committed later leaves its mark.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    String,
    cast,
    delete,
    func,
    insert,
    literal,
    null,
    select,
    text,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from workflow.calendar import WorkCalendar
from workflow.deadlines.evaluate import OK, Settings, evaluate
from workflow.models import DeadlineStatus, DeadlineStatusDirty, ItemStateCount
from workflow.reporting.common import DEFAULTS, ReportSettings, local_date

# Above this many marked columns, one evaluation of the whole portal is cheaper than a
# filtered one (and keeps the IN list small).
MAX_LIVE_COLUMNS = 1000


@dataclass(frozen=True)
class Freshness:
    """How current the dashboard's deadline figures are. They are always exact as of
    the request: `summary_at` is when the summary they came from was computed (None:
    all evaluated live now), `live_columns` how many columns changed since and were
    evaluated live."""

    summary_at: datetime | None = None
    live_columns: int = 0

    @property
    def live(self) -> bool:
        return self.summary_at is None


class StatusRow(NamedTuple):
    assignment_id: int
    column_id: int
    unit_id: int
    column_path: str
    status: str
    next_due: date | None
    overdue_since: date | None


def evaluation_settings(settings: ReportSettings) -> Settings:
    return Settings(
        due_soon_workdays=settings.due_soon_workdays,
        stale_after_months=settings.stale_after_months,
        timezone=settings.timezone,
    )


def settings_key(settings: ReportSettings) -> str:
    """What the evaluation depends on besides the data and the day."""
    return f"{settings.due_soon_workdays}|{settings.stale_after_months}|{settings.timezone}"


def refresh_status(
    session: Session,
    now: datetime,
    settings: ReportSettings = DEFAULTS,
    calendar: WorkCalendar | None = None,
) -> int:
    """Re-evaluate every assignment and rewrite the summary; returns the rows written.
    The caller commits (the marks are deleted in the same transaction, so a failed
    refresh leaves them)."""
    fold_state_counts(session)
    # First: the evaluation below then sees every change whose mark this removes.
    session.execute(delete(DeadlineStatusDirty))
    statuses = evaluate(session, now, evaluation_settings(settings), calendar=calendar)
    session.execute(delete(DeadlineStatus))
    today = local_date(now, settings.tz)
    key = settings_key(settings)
    if statuses:
        session.execute(
            insert(DeadlineStatus),
            [
                {
                    "assignment_id": s.assignment_id,
                    "column_id": s.column_id,
                    "unit_id": s.unit_id,
                    "column_path": s.column_path,
                    "status": s.status,
                    "next_due": s.next_due,
                    "overdue_since": s.overdue_since,
                    "computed_for": today,
                    "computed_at": now,
                    "settings_key": key,
                }
                for s in statuses
            ],
        )
    return len(statuses)


def fold_state_counts(session: Session) -> None:
    """Fold the per-state deltas the triggers wrote into one row per state. On
    PostgreSQL one statement: the deltas it deletes are exactly those it sums, and
    deltas committed meanwhile stay for the next fold."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text(
                "WITH gone AS (DELETE FROM item_state_counts RETURNING state, n) "
                "INSERT INTO item_state_counts (state, n) "
                "SELECT state, sum(n) FROM gone GROUP BY state HAVING sum(n) <> 0"
            )
        )
        return
    # SQLite has one writer at a time: read, then replace, in this transaction.
    sums = session.execute(
        select(ItemStateCount.state, func.sum(ItemStateCount.n)).group_by(ItemStateCount.state)
    ).all()
    session.execute(delete(ItemStateCount))
    rows = [{"state": state, "n": int(n)} for state, n in sums if n]
    if rows:
        session.execute(insert(ItemStateCount), rows)


@dataclass
class Statuses:
    """Where the assignments stand: those that are not ok (in assignment order), and
    per unit how many are ok."""

    not_ok: list[StatusRow]
    ok_per_unit: dict[int, int]
    freshness: Freshness


def current_statuses(
    session: Session,
    now: datetime,
    settings: ReportSettings = DEFAULTS,
    calendar: WorkCalendar | None = None,
    unit_id: int | None = None,
) -> Statuses:
    """Every assignment's status now (or one unit's), from the summary where nothing has
    changed since it was computed and evaluated live where something has. Two
    statements, plus the evaluation's five when it runs."""
    # Marks before rows: a refresh committing in between leaves us with more marks than
    # needed (more evaluated live), never fewer.
    marked = set(session.scalars(select(DeadlineStatusDirty.column_id).distinct()))
    column_ids = {c for c in marked if c is not None}
    # One statement (one snapshot): the assignments that are not ok, one by one, and
    # the ok ones counted per unit, leaving out the marked columns — most of twenty
    # thousand rows need not travel. Each row carries the refresh's day, time and
    # settings (one refresh writes every row in one transaction).
    plain_time = type_coerce(DeadlineStatus.computed_at, DateTime(timezone=True))
    ok = DeadlineStatus.status == OK
    counted = (
        select(
            DeadlineStatus.unit_id,
            cast(null(), Integer),
            cast(null(), Integer),
            cast(null(), String),
            cast(null(), String),
            cast(null(), Date),
            cast(null(), Date),
            func.count(),
            func.min(DeadlineStatus.computed_for),
            func.min(plain_time),
            func.min(DeadlineStatus.settings_key),
        )
        .where(ok, DeadlineStatus.column_id.not_in(sorted(column_ids)))
        .group_by(DeadlineStatus.unit_id)
    )
    listed = select(
        DeadlineStatus.unit_id,
        DeadlineStatus.assignment_id,
        DeadlineStatus.column_id,
        DeadlineStatus.column_path,
        DeadlineStatus.status,
        DeadlineStatus.next_due,
        DeadlineStatus.overdue_since,
        literal(1, Integer),
        DeadlineStatus.computed_for,
        plain_time,
        DeadlineStatus.settings_key,
    ).where(~ok)
    if unit_id is not None:
        counted = counted.where(DeadlineStatus.unit_id == unit_id)
        listed = listed.where(DeadlineStatus.unit_id == unit_id)
    rows: list[Any] = list(session.connection().execute(union_all(counted, listed)))
    meta = rows[0][8:] if rows else None
    today, key = local_date(now, settings.tz), settings_key(settings)
    usable = (
        meta is not None
        and None not in marked
        and len(marked) <= MAX_LIVE_COLUMNS
        and all(r[8] == today and r[10] == key for r in rows)
    )
    if not usable or meta is None:
        return _split(_live(session, now, settings, calendar, unit_id, None), Freshness())
    not_ok = [
        StatusRow(r[1], r[2], r[0], r[3], r[4], r[5], r[6])
        for r in rows
        if r[1] is not None and r[2] not in marked
    ]
    ok_per_unit = {r[0]: int(r[7]) for r in rows if r[1] is None}
    computed_at = min(r[9] for r in rows)
    computed_at = computed_at if computed_at.tzinfo else computed_at.replace(tzinfo=UTC)
    freshness = Freshness(computed_at.astimezone(UTC), len(column_ids))
    if column_ids:
        live = _split(_live(session, now, settings, calendar, unit_id, column_ids), freshness)
        not_ok += live.not_ok
        for unit, n in live.ok_per_unit.items():
            ok_per_unit[unit] = ok_per_unit.get(unit, 0) + n
    not_ok.sort(key=lambda s: s.assignment_id)
    return Statuses(not_ok, ok_per_unit, freshness)


def _split(rows: list[StatusRow], freshness: Freshness) -> Statuses:
    ok_per_unit: dict[int, int] = {}
    not_ok = []
    for r in rows:
        if r.status == OK:
            ok_per_unit[r.unit_id] = ok_per_unit.get(r.unit_id, 0) + 1
        else:
            not_ok.append(r)
    return Statuses(not_ok, ok_per_unit, freshness)


def _live(
    session: Session,
    now: datetime,
    settings: ReportSettings,
    calendar: WorkCalendar | None,
    unit_id: int | None,
    column_ids: set[int] | None,
) -> list[StatusRow]:
    return [
        StatusRow(
            s.assignment_id,
            s.column_id,
            s.unit_id,
            s.column_path,
            s.status,
            s.next_due,
            s.overdue_since,
        )
        for s in evaluate(
            session,
            now,
            evaluation_settings(settings),
            calendar=calendar,
            unit_id=unit_id,
            column_ids=column_ids,
        )
    ]
