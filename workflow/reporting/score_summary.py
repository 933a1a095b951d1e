"""The scoreboard summary: judged rule periods and folded review facts kept per month so
the scoreboard reads a month's rows instead of judging 20,000 assignments' windows and
scanning a month of audit rows on every request (tables in `workflow.models.scores`).

- `refresh_scores(session, now, settings, calendar, marked)` is called by
  `refresh_status` in its transaction, with the change marks it has just removed (so
  one set of marks serves both summaries). On the first refresh of a local day (or after
  a calendar or settings change, or with too many marks) it rebuilds everything for the
  current month and the 23 before it; otherwise it re-judges the marked columns' periods
  and folds the audit rows of months not folded to their end (the current one).
- `lookup(session, period, now, settings, marked)` says whether and how a period can be
  read from it: every stored month of the period computed today with these settings,
  no calendar change since, folded contiguously; and whether the audit rows it folded
  are all there are (`Stored.reviews_exact`, a recount: a row committed after the fold —
  a transaction that took long, or a back-dated write — makes the review figures be
  computed live until the next refresh).
- The readers (`stored_cases`, `stored_durations`, `stored_review_items`,
  `stored_flows`) return the stored part; the caller adds what is newer: the marked
  columns judged live and the audit rows from `Stored.covered_end` on. `unchanged`
  checks afterwards that no refresh committed meanwhile (the version it read).

Why rule periods can be kept for a day: a period's outcome depends on the items first
published in its windows, the rules and assignments, the calendar (all marked by the
triggers of migration 0009 when they change) and on today (a late period counts items
up to yesterday): hence the daily rebuild. Review facts depend only on audit rows,
which are append-only, and the calendar (working days).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, delete, exists, func, insert, literal, select, update
from sqlalchemy.orm import Session

from workflow.calendar import WorkCalendar, add_months
from workflow.enums import REVIEW_STATES, State
from workflow.models import (
    AuditEvent,
    DeadlineStatusDirty,
    ScoreMonth,
    ScoreReviewDuration,
    ScoreReviewFlow,
    ScoreReviewItem,
    ScoreRuleCase,
)
from workflow.reporting.common import (
    MAX_LIVE_COLUMNS,
    Period,
    ReportSettings,
    local_date,
    local_midnight,
    month_edges,
    per_month,
    settings_key,
)
from workflow.reporting.judging import (
    Case,
    Durations,
    review_items,
    rule_cases,
    visit_rows,
    workday_durations,
)

STORED_MONTHS = 24  # the current month and the 23 before: this year's and last year's
CASE_CHUNK = 6  # months of rule periods judged at once by a full rebuild
INSERT_BATCH = 5000  # rows an executemany sends at once (SQLite)
FLOW_STATES = (*(s.value for s in REVIEW_STATES), State.PUBLISHED.value)


@dataclass(frozen=True)
class Stored:
    """What the summary holds of a period: its stored months (a prefix of the period's),
    audit rows folded up to `covered_end` (the rest, to `end`, is read live), and the
    version read."""

    months: tuple[date, ...]
    covered_end: datetime
    end: datetime
    version: int
    reviews_exact: bool
    computed_at: datetime


def stored_months(today: date) -> list[date]:
    first = today.replace(day=1)
    return [add_months(first, -k) for k in range(STORED_MONTHS - 1, -1, -1)]


def _month_end(month: date, settings: ReportSettings) -> datetime:
    return local_midnight(add_months(month, 1), settings.tz)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


# --------------------------------------------------------------------------- writing


def refresh_scores(
    session: Session,
    now: datetime,
    settings: ReportSettings,
    calendar: WorkCalendar,
    marked: Collection[int | None],
) -> None:
    """Bring the summary up to date; `marked` are the change marks the caller removed in
    this transaction (None: the calendar changed). The caller commits."""
    today = local_date(now, settings.tz)
    key = settings_key(settings)
    months = stored_months(today)
    meta = {
        _as_date(m.month): m
        for m in session.connection().execute(select(ScoreMonth.__table__))  # Core: as lookup
    }
    version = max((m.version for m in meta.values()), default=0) + 1
    full = (
        set(meta) != set(months)
        or any(m.computed_for != today or m.settings_key != key for m in meta.values())
        or None in marked
        or len(marked) > MAX_LIVE_COLUMNS
    )
    if full:
        for table in (ScoreRuleCase, ScoreReviewDuration, ScoreReviewItem, ScoreReviewFlow):
            session.execute(delete(table))
        session.execute(delete(ScoreMonth))
        # Half a year at a time: the windowed counts cost about as much for six months
        # as for one, and two years' periods at once would hold ~400,000 cases.
        for first in months[::CASE_CHUNK]:
            last = add_months(first, CASE_CHUNK) - timedelta(days=1)
            chunk = Period(first, min(last, add_months(months[-1], 1) - timedelta(days=1)), "")
            _insert_cases(session, rule_cases(session, chunk, today, calendar, settings))
        refold = months
    else:
        columns = {c for c in marked if c is not None}
        if columns:
            session.execute(delete(ScoreRuleCase).where(ScoreRuleCase.column_id.in_(columns)))
            span = Period(months[0], add_months(months[-1], 1) - timedelta(days=1), "")
            _insert_cases(session, rule_cases(session, span, today, calendar, settings, columns))
        # The month not folded to its end (the current one), and any whose audit rows
        # are no longer those folded (a late commit, a back-dated write).
        present = _audit_rows_per_month(session, months, settings)
        refold = [
            m
            for m in months
            if meta[m].folded_before < _month_end(m, settings) or present[m] != meta[m].audit_rows
        ]
        for table in (ScoreReviewDuration, ScoreReviewItem, ScoreReviewFlow):
            session.execute(delete(table).where(table.month.in_(refold)))
    folded = {m: _fold(session, m, now, settings, calendar) for m in refold}
    if full:
        session.execute(
            insert(ScoreMonth),
            [
                {
                    "month": m,
                    "computed_for": today,
                    "computed_at": now,
                    "settings_key": key,
                    "folded_before": now,
                    "audit_rows": folded[m],
                    "version": version,
                }
                for m in months
            ],
        )
        return
    session.execute(update(ScoreMonth).values(version=version, computed_at=now))
    for m, rows in folded.items():
        session.execute(
            update(ScoreMonth)
            .where(ScoreMonth.month == m)
            .values(folded_before=now, audit_rows=rows)
        )


def _audit_rows_per_month(
    session: Session, months: list[date], settings: ReportSettings
) -> dict[date, int]:
    """Audit rows per month, in one statement (cumulative counts below each month's
    end; the months of a refresh are folded to their end but for the current one, whose
    count is not compared)."""
    edges = month_edges(months, settings.tz)
    below = (
        session.connection()
        .execute(
            select(*(func.count().filter(AuditEvent.at < edge) for edge in edges[1:])).where(
                AuditEvent.at >= edges[0], AuditEvent.at < edges[-1]
            )
        )
        .one()
    )
    return dict(zip(months, per_month(below), strict=True))


def _insert_cases(session: Session, cases: Iterable[Case]) -> None:
    rows = ((c.due.replace(day=1), c.column_id, c.unit_id, c.due, c.outcome) for c in cases)
    columns = ("month", "column_id", "unit_id", "due", "outcome")
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # COPY: an executemany sends a statement per row (~10 s for a rebuild's 380,000).
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with (
            cursor,
            cursor.copy(f"COPY score_rule_cases ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(dict(zip(columns, row, strict=True)))
        if len(batch) == INSERT_BATCH:
            conn.execute(insert(ScoreRuleCase), batch)
            batch = []
    if batch:
        conn.execute(insert(ScoreRuleCase), batch)


def _fold(
    session: Session, month: date, now: datetime, settings: ReportSettings, calendar: WorkCalendar
) -> int:
    """Fold the month's audit rows before `now` (its rows removed by the caller);
    returns how many there were."""
    lo = local_midnight(month, settings.tz)
    hi = min(_month_end(month, settings), now)
    if hi <= lo:
        return 0
    conn = session.connection()
    # Counted first: on PostgreSQL each statement below may see rows committed after
    # this one (never fewer), so a late row makes the count too low — readers then
    # recount, see more rows and compute live — and never too high.
    audit_rows = int(
        conn.execute(
            select(func.count()).where(AuditEvent.at >= lo, AuditEvent.at < hi)
        ).scalar_one()
    )
    totals: dict[tuple[int, str, int], int] = {}
    for (unit_id, stage), values in workday_durations(
        visit_rows(session, lo, hi, settings, now), calendar
    ).items():
        for workdays, n in values:
            totals[(unit_id, stage, workdays)] = totals.get((unit_id, stage, workdays), 0) + n
    if totals:
        session.execute(
            insert(ScoreReviewDuration),
            [
                {"month": month, "unit_id": u, "stage": s, "workdays": w, "n": n}
                for (u, s, w), n in totals.items()
            ],
        )
    items = review_items(lo, hi).subquery()
    conn.execute(
        insert(ScoreReviewItem).from_select(
            ["month", "unit_id", "item_id", "rejected"],
            select(literal(month, Date), items.c.unit_id, items.c.item_id, items.c.rejected),
        )
    )
    conn.execute(
        insert(ScoreReviewFlow).from_select(
            ["month", "state", "n"],
            select(literal(month, Date), AuditEvent.to_state, func.count())
            .where(AuditEvent.at >= lo, AuditEvent.at < hi, AuditEvent.to_state.in_(FLOW_STATES))
            .group_by(AuditEvent.to_state),
        )
    )
    return audit_rows


# --------------------------------------------------------------------------- reading


def lookup(
    session: Session,
    period: Period,
    now: datetime,
    settings: ReportSettings,
    marked: Collection[int | None],
) -> Stored | None:
    """How the period can be read from the summary, or None (compute it live). Two
    statements: the months' rows, and the recount of the audit rows they folded."""
    today = local_date(now, settings.tz)
    current = today.replace(day=1)
    wanted = [m for m in period.months() if m <= current]
    if not wanted or None in marked or len(marked) > MAX_LIVE_COLUMNS:
        return None
    key = settings_key(settings)
    # Core rows, not ORM objects: objects a long session loaded before a refresh would
    # keep their old values.
    table = ScoreMonth.__table__
    rows = {
        _as_date(r.month): r
        for r in session.connection().execute(select(table).where(table.c.month.in_(wanted)))
    }
    if set(rows) != set(wanted) or any(
        r.computed_for != today or r.settings_key != key for r in rows.values()
    ):
        return None
    # Folded contiguously: every month but the last to its end.
    if any(rows[m].folded_before < _month_end(m, settings) for m in wanted[:-1]):
        return None
    last = rows[wanted[-1]]
    covered_end = min(_month_end(wanted[-1], settings), last.folded_before)
    start = local_midnight(period.start, settings.tz)
    present = (
        session.connection()
        .execute(select(func.count()).where(AuditEvent.at >= start, AuditEvent.at < covered_end))
        .scalar_one()
    )
    return Stored(
        months=tuple(wanted),
        covered_end=covered_end,
        end=local_midnight(period.end + timedelta(days=1), settings.tz),
        version=last.version,
        reviews_exact=int(present) == sum(r.audit_rows for r in rows.values()),
        computed_at=last.computed_at,
    )


def stored_cases(session: Session, stored: Stored, skip_columns: Collection[int]) -> list[Case]:
    """The stored rule periods of the period, without those of `skip_columns` (changed
    since: the caller judges them live)."""
    c = ScoreRuleCase
    stmt = select(c.unit_id, c.column_id, c.due, c.outcome).where(c.month.in_(stored.months))
    if skip_columns:
        stmt = stmt.where(c.column_id.not_in(sorted(skip_columns)))
    return [
        Case(unit_id, column_id, _as_date(due), outcome, "rule")
        for unit_id, column_id, due, outcome in session.connection().execute(stmt).all()
    ]


def stored_durations(session: Session, stored: Stored) -> Durations:
    d = ScoreReviewDuration
    stmt = (
        select(d.unit_id, d.stage, d.workdays, func.sum(d.n))
        .where(d.month.in_(stored.months))
        .group_by(d.unit_id, d.stage, d.workdays)
    )
    out: Durations = {}
    for unit_id, stage, workdays, n in session.connection().execute(stmt).all():
        out.setdefault((unit_id, stage), []).append((int(workdays), int(n)))
    return out


def stored_review_items(stored: Stored) -> Any:
    """The stored `review_items` rows of the period (a select to union with the live)."""
    i = ScoreReviewItem
    return select(
        i.unit_id.label("unit_id"), i.item_id.label("item_id"), i.rejected.label("rejected")
    ).where(i.month.in_(stored.months))


def stored_flows(session: Session, stored: Stored) -> dict[tuple[date, str], int]:
    f = ScoreReviewFlow
    stmt = select(f.month, f.state, f.n).where(f.month.in_(stored.months))
    return {
        (_as_date(month), state): int(n)
        for month, state, n in session.connection().execute(stmt).all()
    }


def unchanged(session: Session, stored: Stored) -> bool:
    """Nothing committed since `lookup` that would make what was read not belong
    together: no refresh (the version), and no calendar change (its mark: the live parts
    may have been computed with the new calendar, the stored ones with the old). One
    statement."""
    calendar_changed = exists().where(DeadlineStatusDirty.column_id.is_(None))
    version, changed = (
        session.connection()
        .execute(select(select(func.max(ScoreMonth.version)).scalar_subquery(), calendar_changed))
        .one()
    )
    return bool(version == stored.version and not changed)


__all__ = [
    "STORED_MONTHS",
    "Stored",
    "lookup",
    "refresh_scores",
    "stored_cases",
    "stored_durations",
    "stored_flows",
    "stored_months",
    "stored_review_items",
    "unchanged",
]
