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
from typing import NamedTuple

from sqlalchemy import DateTime, case, delete, func, insert, select, text, type_coerce
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


def current_statuses(
    session: Session,
    now: datetime,
    settings: ReportSettings = DEFAULTS,
    calendar: WorkCalendar | None = None,
    unit_id: int | None = None,
) -> tuple[list[StatusRow], Freshness]:
    """Every assignment's status now (or one unit's), from the summary where nothing has
    changed since it was computed and evaluated live where something has; in assignment
    order. Two statements, plus the evaluation's five when it runs. From the summary,
    `column_path`, `next_due` and `overdue_since` are given only for assignments that are
    not ok (empty / None otherwise)."""
    # Marks before rows: a refresh committing in between leaves us with more marks than
    # needed (more evaluated live), never fewer.
    marked = set(session.scalars(select(DeadlineStatusDirty.column_id).distinct()))
    # One refresh writes every row in one transaction, so all rows share their day,
    # time and settings: read those off one row. Paths and dates only for rows that are
    # not ok (the dashboard lists those; ok rows only count) — twenty thousand rows
    # decoded in full cost more than the rest of the page.
    first = select(func.min(DeadlineStatus.assignment_id))
    if unit_id is not None:
        first = first.where(DeadlineStatus.unit_id == unit_id)
    is_first = DeadlineStatus.assignment_id == first.scalar_subquery()
    ok = DeadlineStatus.status == OK
    stmt = select(
        DeadlineStatus.assignment_id,
        DeadlineStatus.column_id,
        DeadlineStatus.unit_id,
        case((ok, ""), else_=DeadlineStatus.column_path),
        DeadlineStatus.status,
        case((ok, None), else_=DeadlineStatus.next_due),
        case((ok, None), else_=DeadlineStatus.overdue_since),
        case((is_first, DeadlineStatus.computed_for)),
        # Plain DateTime: UTCDateTime's converter would run on twenty thousand NULLs.
        type_coerce(case((is_first, DeadlineStatus.computed_at)), DateTime(timezone=True)),
        case((is_first, DeadlineStatus.settings_key)),
    )
    if unit_id is not None:
        stmt = stmt.where(DeadlineStatus.unit_id == unit_id)
    rows = session.connection().execute(stmt).all()  # plain rows: no ORM loading
    meta = next((r[7:] for r in rows if r[7] is not None), None)
    today, key = local_date(now, settings.tz), settings_key(settings)
    usable = (
        meta is not None
        and None not in marked
        and len(marked) <= MAX_LIVE_COLUMNS
        and meta[0] == today
        and meta[2] == key
    )
    if not usable or meta is None:
        return _live(session, now, settings, calendar, unit_id, None), Freshness()
    kept = [StatusRow(*r[:7]) for r in rows if r[1] not in marked]
    column_ids = {c for c in marked if c is not None}
    if column_ids:
        live = _live(session, now, settings, calendar, unit_id, column_ids)
        kept = sorted(kept + live, key=lambda s: s.assignment_id)
    computed_at = meta[1] if meta[1].tzinfo else meta[1].replace(tzinfo=UTC)  # SQLite
    return kept, Freshness(computed_at.astimezone(UTC), len(column_ids))


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
