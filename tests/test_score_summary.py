"""The scoreboard summary (workflow.reporting.score_summary): read from it, the
scoreboard and the stage-flow chart equal the live computation after every kind of
change between refreshes, and the summary is used exactly when it can be."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from workflow.enums import State
from workflow.models import (
    AuditEvent,
    DeadlineStatusDirty,
    HolidayOverride,
    Item,
    ScoreMonth,
    ScoreRuleCase,
)
from workflow.reporting import score_summary
from workflow.reporting.charts import stage_flow
from workflow.reporting.common import DEFAULTS, ReportSettings, parse_period
from workflow.reporting.scoreboard import LATE, ON_TIME, Scoreboard, UnitScore, scoreboard
from workflow.reporting.status import refresh_status

from .factories import World
from .reporting_portal import NOW, Portal, at, october_portal, walk

PERIODS = ["2026-09", "2026-10", "2026-11", "2026-Q4", "2026"]


@pytest.fixture
def portal(session: Session, world: World) -> Portal:
    p = october_portal(session, world)
    refresh_status(session, NOW)
    return p


def facts(board: Scoreboard) -> tuple[Any, ...]:
    units = [
        (
            s.unit_id,
            s.rank,
            s.on_time,
            s.late,
            s.missed,
            s.stage_medians,
            s.stage_counts,
            s.reviewed,
            s.returned,
            s.late_columns,
            s.missed_columns,
        )
        for s in board.units
    ]
    cases = sorted(
        (c.unit_id, c.column_id, c.due, c.outcome, c.source, c.count) for c in board.cases
    )
    return units, cases


def assert_same_as_live(
    session: Session, now: Any = NOW, *, from_summary: bool = True, **settings: Any
) -> None:
    """Each period's board equals the live one, and was (or, with `from_summary=False`,
    was not) read from the summary."""
    cfg = ReportSettings(**settings) if settings else DEFAULTS
    for text in PERIODS:
        period = parse_period(text)
        board = scoreboard(session, period, now, cfg)
        assert (board.summary_at is not None) == from_summary, text
        live = facts(scoreboard(session, period, now, cfg, summary=False))
        assert facts(board) == live, text


def used(session: Session, text: str, now: Any = NOW) -> score_summary.Stored | None:
    marks = set(session.scalars(select(DeadlineStatusDirty.column_id)))
    return score_summary.lookup(session, parse_period(text), now, DEFAULTS, marks)


def unit_score(session: Session, text: str, unit_id: int) -> Any:
    """The unit's score (an empty one when it is not on the board)."""
    board = scoreboard(session, parse_period(text), NOW)
    return next((s for s in board.units if s.unit_id == unit_id), UnitScore(unit_id, ""))


def test_fresh_summary_is_used_and_equals_live(portal: Portal, session: Session) -> None:
    for text in PERIODS:
        stored = used(session, text)
        assert stored is not None and stored.reviews_exact, text
    # Q4 as of November: October and November stored, December not yet begun.
    q4 = used(session, "2026-Q4")
    assert q4 is not None and q4.months == (date(2026, 10, 1), date(2026, 11, 1))
    assert q4.covered_end == NOW  # November folded up to the refresh
    assert_same_as_live(session)
    # Stored: 24 months, the current one and the 23 before.
    months = sorted(session.scalars(select(ScoreMonth.month)))
    assert months[0] == date(2024, 12, 1) and months[-1] == date(2026, 11, 1)
    assert len(months) == score_summary.STORED_MONTHS


def test_publications_since_the_refresh_are_judged_live(
    portal: Portal, session: Session, world: World
) -> None:
    a, c = world.unit_a, portal.unit_c
    assert unit_score(session, "2026-10", c.id).missed == 1
    assert unit_score(session, "2026-10", a.id).on_time == 3
    # C publishes its October 月报 late (after 10-26, before November's due date)...
    portal.item("月报", c, published="2026-11-20")
    # ...and A's on-time October 月报 is retracted (a retracted item does not count).
    session.execute(
        update(Item)
        .where(Item.column_id == portal.columns["月报"].id, Item.unit_id == a.id)
        .values(live_revision_no=None, state=State.RETRACTED)
    )
    stored = used(session, "2026-10")
    assert stored is not None  # the marked columns are judged live, the rest read
    score = unit_score(session, "2026-10", c.id)
    assert (score.late, score.missed) == (1, 0)
    assert unit_score(session, "2026-10", a.id).on_time == 2
    assert_same_as_live(session)


def test_audit_rows_after_the_fold_are_read_live(
    portal: Portal, session: Session, world: World
) -> None:
    a = world.unit_a
    before = unit_score(session, "2026-11", a.id)
    # An item created, submitted and approved after the refresh (10:00 on 11-23).
    walk(session, world, [("submit", "2026-11-24"), ("approve", "2026-11-24")])
    stored = used(session, "2026-11")
    assert stored is not None and stored.reviews_exact and stored.covered_end == NOW
    after = unit_score(session, "2026-11", a.id)
    visits = "initial_review"
    assert after.stage_counts[visits] == before.stage_counts.get(visits, 0) + 1
    assert after.reviewed == before.reviewed + 1
    assert_same_as_live(session)
    flows = stage_flow(session, parse_period("2026-Q4"), NOW)
    session.execute(update(ScoreMonth).values(computed_for=date(2026, 1, 1)))  # unusable
    assert stage_flow(session, parse_period("2026-Q4"), NOW) == flows
    assert flows[1]["初审"] == [
        entered(session, State.INITIAL_REVIEW, first, end)
        for first, end in (
            ("2026-10-01", "2026-11-01"),
            ("2026-11-01", "2026-12-01"),
            ("2026-12-01", "2027-01-01"),
        )
    ]
    assert flows[1]["初审"][1] == 1  # November's submission, after the fold


def test_a_back_dated_audit_row_makes_the_review_figures_live(
    portal: Portal, session: Session, world: World
) -> None:
    a = world.unit_a
    before = unit_score(session, "2026-10", a.id)
    # Written after the refresh with October times (a late commit, or a back-dated
    # import): the recount no longer matches what was folded.
    walk(session, world, [("submit", "2026-10-27"), ("approve", "2026-10-28")])
    stored = used(session, "2026-10")
    assert stored is not None and not stored.reviews_exact
    after = unit_score(session, "2026-10", a.id)
    assert after.stage_counts["initial_review"] == before.stage_counts["initial_review"] + 1
    assert_same_as_live(session)
    assert stage_flow(session, parse_period("2026-10"), NOW)[1]["初审"] == [
        entered(session, State.INITIAL_REVIEW, "2026-10-01", "2026-11-01")
    ]
    # The next refresh folds October again (its count no longer matches).
    refresh_status(session, NOW + timedelta(minutes=5))
    stored = used(session, "2026-10", NOW + timedelta(minutes=5))
    assert stored is not None and stored.reviews_exact
    assert_same_as_live(session, NOW + timedelta(minutes=5))


def entered(session: Session, state: str, first: str, end: str) -> int:
    """Audit rows entering `state` from local day `first` to before `end`, counted."""
    return len(
        session.scalars(
            select(AuditEvent.id).where(
                AuditEvent.to_state == state,
                AuditEvent.at >= at(first, 0),
                AuditEvent.at < at(end, 0),
            )
        ).all()
    )


def test_a_calendar_change_is_computed_live_then_refreshed(
    portal: Portal, session: Session, world: World
) -> None:
    a = world.unit_a
    # 10-20 a day off (the mark is "everything").
    session.add(HolidayOverride(day=date(2026, 10, 20), is_workday=False, note="停电"))
    session.flush()
    assert used(session, "2026-10") is None
    # Z's 审核 visit 10-19 → 10-21 now spans one working day, not two.
    assert unit_score(session, "2026-10", a.id).stage_medians["head_review"] == 1.5
    assert_same_as_live(session, from_summary=False)
    refresh_status(session, NOW + timedelta(minutes=5))
    assert used(session, "2026-10", NOW + timedelta(minutes=5)) is not None
    assert_same_as_live(session, NOW + timedelta(minutes=5))


def test_the_summary_is_for_its_day_settings_and_months(portal: Portal, session: Session) -> None:
    tomorrow = NOW + timedelta(days=1)
    assert used(session, "2026-10", tomorrow) is None
    other = ReportSettings(timezone="Asia/Urumqi")
    period = parse_period("2026-10")
    assert score_summary.lookup(session, period, NOW, other, ()) is None
    assert_same_as_live(session, from_summary=False, timezone="Asia/Urumqi")
    assert used(session, "2024-11") is None  # before the 24 stored months
    assert used(session, "2027") is None  # not begun
    # The next day's first refresh rebuilds it for that day.
    refresh_status(session, tomorrow)
    assert used(session, "2026-10", tomorrow) is not None
    assert_same_as_live(session, tomorrow)


def test_a_later_refresh_the_same_day_redoes_only_what_changed(
    portal: Portal, session: Session, world: World
) -> None:
    quarterly = {"kind": "periodic", "every": 3, "unit": "month"}
    portal.column("季报", [world.unit_a], quarterly)
    refresh_status(session, NOW)
    monthly, kept = portal.columns["月报"].id, portal.columns["季报"].id

    def stored(column_id: int) -> dict[int, tuple[int, date, str]]:
        c = ScoreRuleCase
        rows = session.execute(
            select(c.id, c.unit_id, c.due, c.outcome).where(c.column_id == column_id)
        )
        return {i: (u, d, o) for i, u, d, o in rows}

    before_kept = stored(kept)
    assert before_kept and stored(monthly)
    months = {m.month: (m.version, m.folded_before) for m in session.scalars(select(ScoreMonth))}
    # C's October 月报, missed, is made up late.
    portal.item("月报", portal.unit_c, published="2026-11-20")
    later = NOW + timedelta(minutes=5)
    refresh_status(session, later)
    session.expire_all()
    assert stored(kept) == before_kept  # untouched rows
    assert (portal.unit_c.id, date(2026, 10, 26), LATE) in stored(monthly).values()
    after = {m.month: (m.version, m.folded_before) for m in session.scalars(select(ScoreMonth))}
    version = months[date(2026, 11, 1)][0]
    assert {v for v, _ in after.values()} == {version + 1}
    # Only November (not folded to its end) was folded again.
    assert after[date(2026, 11, 1)][1] == later
    assert after[date(2026, 10, 1)][1] == months[date(2026, 10, 1)][1]
    assert_same_as_live(session, later)


def test_a_retired_column_leaves_the_board(portal: Portal, session: Session) -> None:
    column = portal.columns["月报"]
    before = scoreboard(session, parse_period("2026-10"), NOW)
    assert before.summary_at is not None and [c for c in before.cases if c.column_id == column.id]
    column.retired_at = NOW
    session.flush()
    board = scoreboard(session, parse_period("2026-10"), NOW)
    assert board.summary_at is not None
    assert not [c for c in board.cases if c.column_id == column.id]
    assert_same_as_live(session)


def test_rule_and_assignment_changes_are_judged_live(
    portal: Portal, session: Session, world: World
) -> None:
    monthly = portal.columns["月报"]
    # Two items a month now, and another unit responsible too.
    monthly.rules = [
        {"kind": "periodic", "every": 1, "unit": "month", "min_items": 2, "by_day": 25}
    ]
    other = Portal(session, world).unit_c
    portal.assign("月报", other)
    session.flush()
    board = scoreboard(session, parse_period("2026-10"), NOW)
    monthly_cases = {(c.unit_id, c.outcome) for c in board.cases if c.column_id == monthly.id}
    assert (world.unit_a.id, "missed") in monthly_cases  # one item is no longer enough
    assert (other.id, "missed") in monthly_cases
    assert_same_as_live(session)


def test_a_refresh_while_reading_falls_back_to_live(
    portal: Portal, session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    period = parse_period("2026-10")
    stored = score_summary.lookup(session, period, NOW, DEFAULTS, ())
    assert stored is not None and score_summary.unchanged(session, stored)
    refresh_status(session, NOW + timedelta(minutes=5))
    assert not score_summary.unchanged(session, stored)
    # A calendar change committed after the marks were read is noticed too.
    stored = score_summary.lookup(session, period, NOW + timedelta(minutes=5), DEFAULTS, ())
    assert stored is not None and score_summary.unchanged(session, stored)
    session.add(HolidayOverride(day=date(2026, 10, 20), is_workday=False, note="停电"))
    session.flush()
    assert not score_summary.unchanged(session, stored)
    # The scoreboard notices and computes live: a summary made to disagree is not used.
    refresh_status(session, NOW)
    monkeypatch.setattr(score_summary, "unchanged", lambda *_: False)
    session.execute(update(ScoreRuleCase).values(outcome=ON_TIME))
    b = unit_score(session, "2026-10", world.unit_b.id)
    assert (b.on_time, b.late) == (0, 1)


def test_a_failed_scoreboard_refresh_drops_its_summary_and_keeps_the_dashboards(
    portal: Portal, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_: Any) -> None:
        session.execute(delete(ScoreRuleCase))  # half done, then:
        raise RuntimeError("disk full")

    monkeypatch.setattr(score_summary, "refresh_scores", fail)
    portal.item("月报", portal.unit_c, published="2026-11-20")
    assert refresh_status(session, NOW + timedelta(minutes=5)) > 0
    assert session.scalars(select(ScoreMonth)).all() == []
    assert session.scalars(select(ScoreRuleCase)).all() != []  # the savepoint undid it
    assert session.scalars(select(DeadlineStatusDirty)).all() == []
    assert_same_as_live(session, NOW + timedelta(minutes=5), from_summary=False)
