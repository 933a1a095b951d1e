"""The unit scoreboard and the cramming flag against hand-computed values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest
from sqlalchemy.orm import Session

from workflow.reporting import score_summary
from workflow.reporting.common import DEFAULTS, Period, ReportSettings, parse_period
from workflow.reporting.cramming import cramming
from workflow.reporting.scoreboard import LATE, MISSED, ON_TIME, Scoreboard
from workflow.reporting.scoreboard import scoreboard as build
from workflow.reporting.status import refresh_status

from .factories import World
from .reporting_portal import NOW, Portal, october_portal

Build = Callable[[Session, Period, datetime], Scoreboard]


@pytest.fixture
def portal(session: Session, world: World) -> Portal:
    return october_portal(session, world)


@pytest.fixture(params=["live", "summary"])
def scoreboard(request: pytest.FixtureRequest) -> Build:
    """Every hand-computed figure twice: computed live, and read from the scoreboard
    summary the periodic refresh writes (which must then be the source used)."""

    def board(session: Session, period: Period, now: datetime) -> Scoreboard:
        if request.param == "live":
            return build(session, period, now, summary=False)
        refresh_status(session, now)
        stored = score_summary.lookup(session, period, now, DEFAULTS, ())
        assert stored is not None and stored.reviews_exact
        return build(session, period, now)

    return board


def test_october_outcomes_per_unit(
    portal: Portal, session: Session, world: World, scoreboard: Build
) -> None:
    board = scoreboard(session, parse_period("2026-10"), NOW)
    by_unit = {s.unit_id: s for s in board.units}
    a, b, c = by_unit[world.unit_a.id], by_unit[world.unit_b.id], by_unit[portal.unit_c.id]
    # A: 月报 on time, 依申请公开 one on time and one late, 政策解读 on time.
    assert (a.on_time, a.late, a.missed) == (3, 1, 0)
    # B: 月报 late, 依申请公开 missed (open, due 10-15), 政策解读 missed (open, due 10-12).
    assert (b.on_time, b.late, b.missed) == (0, 1, 2)
    # C: 月报 missed (its only item counted for September).
    assert (c.on_time, c.late, c.missed) == (0, 0, 1)
    assert a.on_time_rate == 0.75 and b.on_time_rate == 0.0
    # Ranking: A (75%), then C and B at 0% — C has fewer missed.
    assert [s.unit_id for s in board.units] == [a.unit_id, c.unit_id, b.unit_id]
    assert [s.rank for s in board.units] == [1, 2, 3]
    assert b.late_columns == [("月报", date(2026, 10, 26))]
    assert b.missed_columns == [
        ("政策解读", date(2026, 10, 12)),
        ("依申请公开", date(2026, 10, 15)),
    ]
    rule_cases = {(x.unit_id, x.outcome) for x in board.cases if x.source == "rule"}
    assert rule_cases == {(a.unit_id, ON_TIME), (b.unit_id, LATE), (c.unit_id, MISSED)}


def test_stage_medians_in_working_days_across_the_holiday(
    portal: Portal, session: Session, world: World, scoreboard: Build
) -> None:
    a = next(
        s
        for s in scoreboard(session, parse_period("2026-10"), NOW).units
        if s.unit_id == world.unit_a.id
    )
    # 初审 visits that ended in October: X 1 (across National Day), Y 3, Z 0 → median 1.
    assert a.stage_medians == {"initial_review": 1.0, "head_review": 2.0, "office_review": 1.0}
    assert a.stage_counts == {"initial_review": 3, "head_review": 2, "office_review": 1}
    # X, Y and Z had review decisions in October; Y was returned.
    assert (a.reviewed, a.returned, a.returned_share) == (3, 1, 1 / 3)


def test_september_and_the_year(
    portal: Portal, session: Session, world: World, scoreboard: Build
) -> None:
    september = {s.unit_id: s for s in scoreboard(session, parse_period("2026-09"), NOW).units}
    # September's 月报: window (08-25, 09-28], late until October's due date 10-26.
    # C published on 09-28 → on time; A on 10-26 → late; B on 10-28 → missed.
    assert (september[portal.unit_c.id].on_time, september[portal.unit_c.id].missed) == (1, 0)
    assert september[world.unit_a.id].late == 1  # 10-26 ≤ October's due date 10-26
    assert september[world.unit_b.id].missed == 1  # 10-28 is after 10-26
    quarter = {s.unit_id: s for s in scoreboard(session, parse_period("2026-Q4"), NOW).units}
    # Q4 as of 11-23: October's cases only (November's due date 11-25 has not passed).
    assert (quarter[world.unit_a.id].on_time, quarter[world.unit_a.id].late) == (3, 1)


def test_periods_parse_and_refuse() -> None:
    assert parse_period("2026-10").end == date(2026, 10, 31)
    assert parse_period("2026-Q1").end == date(2026, 3, 31)
    assert parse_period("2026").title == "2026年"
    for bad in ("2026-13", "10-2026", "2026-Q5"):
        with pytest.raises(ValueError):
            parse_period(bad)


def test_cramming_just_above_and_at_the_share(
    portal: Portal, session: Session, world: World
) -> None:
    a, b = world.unit_a, world.unit_b
    portal.column("年度任务", [a, b])
    # A: 2 of 4 in December = 50%: not above the 50% setting. B: 3 of 5 = 60%: flagged.
    for day in ("2026-03-01", "2026-06-01", "2026-12-02", "2026-12-30"):
        portal.item("年度任务", a, published=day)
    for day in ("2026-03-01", "2026-06-01", "2026-12-02", "2026-12-03", "2026-12-31"):
        portal.item("年度任务", b, published=day)
    portal.item("年度任务", a, published="2027-01-01")  # Beijing 2027: not in 2026
    flags = cramming(session, 2026)
    assert [(f.unit_id, f.year_items, f.december_items) for f in flags] == [(b.id, 5, 3)]
    # With the share lowered to 40% A is flagged too; with a 6-item minimum, nobody.
    assert len(cramming(session, 2026, ReportSettings(cram_share=0.4))) == 2
    assert cramming(session, 2026, ReportSettings(cram_min_items=6)) == []


def test_weekly_periods_across_national_day(
    session: Session, world: World, scoreboard: Build
) -> None:
    p = Portal(session, world)
    p.column("工作动态", [world.unit_a], {"kind": "periodic", "every": 1, "unit": "week"})
    # Weeks due in October, each moved to the next working day: Sun 10-04 → Thu 10-08
    # (holiday), Sun 10-11 → Mon 10-12, 10-18 → 10-19, 10-25 → 10-26 (09-27 → 09-28 and
    # 11-01 → 11-02 fall outside). Windows (09-28, 10-08], (10-08, 10-12], (10-12,
    # 10-19], (10-19, 10-26].
    for day in ("2026-10-08", "2026-10-12", "2026-10-20"):
        p.item("工作动态", world.unit_a, published=day)
    board = scoreboard(session, parse_period("2026-10"), NOW)
    cases = sorted(
        (c.due, c.outcome) for c in board.cases if c.column_id == p.columns["工作动态"].id
    )
    # The third week had nothing by 10-19; 10-20 made it up before 10-26 (late) and
    # stands for the fourth week.
    assert cases == [
        (date(2026, 10, 8), ON_TIME),
        (date(2026, 10, 12), ON_TIME),
        (date(2026, 10, 19), LATE),
        (date(2026, 10, 26), ON_TIME),
    ]
