"""The deadline status summary: the whole portal's evaluation kept in `deadline_status`
so the dashboard reads 20,000 rows instead of re-evaluating a million items.

- `refresh_status(session, now)` re-evaluates every assignment and rewrites the summary,
  and brings the scoreboard's summary (`score_summary`) up to date with the same marks
  (the caller commits). The periodic scan calls it every few minutes through `refresh`,
  its service form for `workflow.runner.run`; it is safe to run twice.
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

import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    DateTime,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import Session

from workflow.calendar import WorkCalendar, memo
from workflow.deadlines.due import load_calendar
from workflow.deadlines.evaluate import (
    DUE_SOON,
    OK,
    OVERDUE,
    PROVISIONAL,
    Settings,
    evaluate,
)
from workflow.events import ColumnOverdue
from workflow.models import (
    DeadlineStatus,
    DeadlineStatusDirty,
    ItemStateCount,
    ScoreMonth,
    User,
)
from workflow.outcome import Outcome, done
from workflow.reporting import score_summary
from workflow.reporting.common import (
    DEFAULTS,
    MAX_LIVE_COLUMNS,
    ReportSettings,
    local_date,
    settings_key,
)

NOT_OK = (OVERDUE, DUE_SOON, PROVISIONAL)  # evaluate's statuses besides OK
REFRESH_LOCK = 0x5A5E_0001  # PostgreSQL advisory lock key held by a refresh
log = logging.getLogger(__name__)


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
    confirmed: bool = True  # False: the column's rules are 待确认 (never escalated)


def evaluation_settings(settings: ReportSettings) -> Settings:
    return Settings(
        due_soon_workdays=settings.due_soon_workdays,
        stale_after_months=settings.stale_after_months,
        timezone=settings.timezone,
    )


def refresh_status(
    session: Session,
    now: datetime,
    settings: ReportSettings = DEFAULTS,
) -> int:
    """Re-evaluate every assignment and rewrite the summary, and bring the scoreboard's
    summary up to date (`score_summary`) with the same marks; returns the status rows
    written. The caller commits (the marks are deleted in the same transaction, so a
    failed refresh leaves them)."""
    if session.get_bind().dialect.name == "postgresql":
        # One refresh at a time (the job, a command by hand): two would both rewrite the
        # summaries from their own marks and write the same scoreboard version.
        session.execute(select(func.pg_advisory_xact_lock(REFRESH_LOCK)))
    fold_state_counts(session)
    # First: the evaluations below then see every change whose mark this removes. In one
    # statement, so the marks removed are exactly the marks passed on. The calendar is
    # read after it, so a calendar change whose mark this removes is in both summaries.
    marked = set(
        session.scalars(delete(DeadlineStatusDirty).returning(DeadlineStatusDirty.column_id))
    )
    calendar = memo(load_calendar(session))
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
                    "confirmed": s.confirmed,
                    "computed_for": today,
                    "computed_at": now,
                    "settings_key": key,
                }
                for s in statuses
            ],
        )
    try:
        with session.begin_nested():
            score_summary.refresh_scores(session, now, settings, calendar, marked)
    except Exception:
        # The marks are gone with this transaction, so a scoreboard summary that missed
        # them must not be used: drop it (the scoreboard computes live until a refresh
        # succeeds) and keep the dashboard's refresh.
        log.exception("scoreboard summary not refreshed: the scoreboard computes live")
        session.execute(delete(ScoreMonth))
    return len(statuses)


def refresh(
    session: Session,
    *,
    actor: User | None = None,
    now: datetime,
    settings: ReportSettings = DEFAULTS,
) -> Outcome[int]:
    """`refresh_status` as a service, for the runner (a job or a command: `actor` is
    None); the value is the status rows written, the events the assignments of
    confirmed columns that turned overdue since the last refresh (webhooks'
    column.overdue; none on the very first refresh, which has nothing to compare)."""
    before = _overdue_or_not(session)
    written = refresh_status(session, now, settings)
    events = [
        ColumnOverdue(column_id, unit_id, path, since, now)
        for key, (overdue, column_id, unit_id, path, since, confirmed) in _overdue_or_not(
            session
        ).items()
        if overdue and confirmed and key in before and not before[key][0]
    ]
    return done(written, events)


def _overdue_or_not(
    session: Session,
) -> dict[int, tuple[bool, int, int, str, date | None, bool]]:
    rows = session.execute(
        select(
            DeadlineStatus.assignment_id,
            DeadlineStatus.status,
            DeadlineStatus.column_id,
            DeadlineStatus.unit_id,
            DeadlineStatus.column_path,
            DeadlineStatus.overdue_since,
            DeadlineStatus.confirmed,
        )
    ).all()
    return {
        a: (status == OVERDUE, c, u, path, since, bool(confirmed))
        for a, status, c, u, path, since, confirmed in rows
    }


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
    """Where the assignments stand now: per unit, how many are in each status (every
    unit with an assignment considered). The not-ok assignments themselves are fetched
    only for the units wanted, with `not_ok_rows` — the dashboard shows a page of units,
    not the ~8,000 not-ok assignments of a large portal."""

    counts: dict[int, dict[str, int]]
    freshness: Freshness
    # The not-ok rows evaluated live: the marked columns', or everything's.
    live_not_ok: list[StatusRow] = field(default_factory=list)
    # Counted from the summary (None: everything was evaluated live), per unit and status.
    summary_counts: dict[int, dict[str, int]] | None = None
    marked: frozenset[int] = frozenset()
    column_id: int | None = None

    def not_ok_rows(
        self, session: Session, unit_ids: Collection[int] | None
    ) -> list[StatusRow] | None:
        """The not-ok assignments of these units (None: of every unit), in assignment
        order: one statement when the summary is used, none when all was evaluated live.
        None when the summary was rewritten since the counts were read (a refresh
        committed in between; the rows would not match the counts): read again."""
        live = [r for r in self.live_not_ok if unit_ids is None or r.unit_id in unit_ids]
        if self.summary_counts is None:
            return live
        stmt = select(
            DeadlineStatus.assignment_id,
            DeadlineStatus.column_id,
            DeadlineStatus.unit_id,
            DeadlineStatus.column_path,
            DeadlineStatus.status,
            DeadlineStatus.next_due,
            DeadlineStatus.overdue_since,
            DeadlineStatus.confirmed,
        ).where(DeadlineStatus.status != OK, DeadlineStatus.column_id.not_in(sorted(self.marked)))
        if unit_ids is not None:
            stmt = stmt.where(DeadlineStatus.unit_id.in_(sorted(unit_ids)))
        if self.column_id is not None:
            stmt = stmt.where(DeadlineStatus.column_id == self.column_id)
        rows = [StatusRow(*r) for r in session.connection().execute(stmt).all()]
        fetched: dict[tuple[int, str], int] = {}
        for r in rows:
            fetched[(r.unit_id, r.status)] = fetched.get((r.unit_id, r.status), 0) + 1
        expected = {
            (unit, status): n
            for unit, per_status in self.summary_counts.items()
            if unit_ids is None or unit in unit_ids
            for status, n in per_status.items()
            if status != OK
        }
        if fetched != expected:
            return None
        return sorted(rows + live, key=lambda r: r.assignment_id)


def current_statuses(
    session: Session,
    now: datetime,
    settings: ReportSettings = DEFAULTS,
    calendar: WorkCalendar | None = None,
    unit_id: int | None = None,
    column_id: int | None = None,
    *,
    summary: bool = True,
) -> Statuses:
    """How many assignments of each unit (or of one unit, one column) are in each
    status now, from the summary where nothing has changed since it was computed and
    evaluated live where something has. Two statements, plus the evaluation's five when
    it runs; `summary=False` evaluates everything live."""
    # Marks before rows: a refresh committing in between leaves us with more marks than
    # needed (more evaluated live), never fewer.
    marked = set(session.scalars(select(DeadlineStatusDirty.column_id).distinct()))
    column_ids = {c for c in marked if c is not None}
    # One statement (one snapshot): per unit, how many assignments are in each status,
    # leaving out the marked columns; and how many rows are for another day or other
    # settings (one refresh writes every row in one transaction, so all or none),
    # and when the refresh ran. Grouped by unit alone, in the unit index's order: about
    # half the time of grouping by (unit, status) and comparing texts with min/max.
    today, key = local_date(now, settings.tz), settings_key(settings)
    plain_time = type_coerce(DeadlineStatus.computed_at, DateTime(timezone=True))
    by_status = [func.count().filter(DeadlineStatus.status == s) for s in NOT_OK]
    stmt = (
        select(
            DeadlineStatus.unit_id,
            func.count(),
            func.count().filter(
                or_(DeadlineStatus.computed_for != today, DeadlineStatus.settings_key != key)
            ),
            func.min(plain_time),
            *by_status,
        )
        .where(DeadlineStatus.column_id.not_in(sorted(column_ids)))
        .group_by(DeadlineStatus.unit_id)
    )
    if unit_id is not None:
        stmt = stmt.where(DeadlineStatus.unit_id == unit_id)
    if column_id is not None:
        stmt = stmt.where(DeadlineStatus.column_id == column_id)
    rows: list[Any] = list(session.connection().execute(stmt).all()) if summary else []
    usable = (
        bool(rows)
        and None not in marked
        and len(marked) <= MAX_LIVE_COLUMNS
        and not any(r[2] for r in rows)
    )
    if not usable:
        live = _live(session, now, settings, calendar, unit_id, column_id, None)
        return _from_live(live, Freshness(), column_id)
    counts: dict[int, dict[str, int]] = {}
    for unit, total, _other, _at, *per_status in rows:
        found = {s: int(n) for s, n in zip(NOT_OK, per_status, strict=True) if n}
        ok = int(total) - sum(found.values())
        counts[unit] = {OK: ok, **found} if ok else found
    summary_counts = {unit: dict(per_status) for unit, per_status in counts.items()}
    computed_at = min(r[3] for r in rows)
    computed_at = computed_at if computed_at.tzinfo else computed_at.replace(tzinfo=UTC)
    freshness = Freshness(computed_at.astimezone(UTC), len(column_ids))
    live_not_ok: list[StatusRow] = []
    to_evaluate = column_ids if column_id is None else column_ids & {column_id}
    if to_evaluate:
        for r in _live(session, now, settings, calendar, unit_id, None, to_evaluate):
            per_status = counts.setdefault(r.unit_id, {})
            per_status[r.status] = per_status.get(r.status, 0) + 1
            if r.status != OK:
                live_not_ok.append(r)
    return Statuses(
        counts, freshness, live_not_ok, summary_counts, frozenset(column_ids), column_id
    )


def _from_live(rows: list[StatusRow], freshness: Freshness, column_id: int | None) -> Statuses:
    counts: dict[int, dict[str, int]] = {}
    for r in rows:
        per_status = counts.setdefault(r.unit_id, {})
        per_status[r.status] = per_status.get(r.status, 0) + 1
    return Statuses(
        counts, freshness, [r for r in rows if r.status != OK], None, frozenset(), column_id
    )


def _live(
    session: Session,
    now: datetime,
    settings: ReportSettings,
    calendar: WorkCalendar | None,
    unit_id: int | None,
    column_id: int | None,
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
            s.confirmed,
        )
        for s in evaluate(
            session,
            now,
            evaluation_settings(settings),
            calendar=calendar,
            unit_id=unit_id,
            column_id=column_id,
            column_ids=column_ids,
        )
    ]
