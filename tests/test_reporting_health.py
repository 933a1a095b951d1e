"""Portal health against the inspection rules, on fixtures built just inside and just
outside each threshold. `now` is Monday 2026-11-23 (Beijing); "no update in 2 weeks"
holds from the 14th day after the last update, "in 6 months" from the day whose
6-months-earlier date reaches it (05-24 → 11-24)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session

from workflow.enums import State
from workflow.models import Column, Unit
from workflow.reporting.health import CONSULT, EMPTY, HOME, LONG_STALE, OUTDATED, portal_health
from workflow.reporting.kinds import apply_guessed_kinds, guess_kinds, set_kinds

from .factories import World, make_column, unique
from .reporting_portal import NOW, Portal

MONTHLY = {"kind": "periodic", "every": 1, "unit": "month", "min_items": 1}


class Site(Portal):
    def col(
        self,
        kinds: list[str],
        last: str | None = None,
        *,
        unit: Unit | None = None,
        rules: tuple[dict[str, Any], ...] = (),
        parent: Column | None = None,
    ) -> Column:
        name = unique("栏目")
        column = self.column(name, [unit or self.world.unit_a], *rules, tags=list(kinds))
        if parent is not None:
            column.parent_id, column.level = parent.id, 2
            self.session.flush()
        if last:
            self.item(name, unit or self.world.unit_a, published=last)
        return column

    def message(self, column: Column, received: str, **kw: Any) -> None:
        self.item(
            column.name,
            self.world.unit_a,
            state=kw.get("state", State.INITIAL_REVIEW),
            event=received,
            published=kw.get("published"),
        )


@pytest.fixture
def site(session: Session, world: World) -> Site:
    s = Site(session, world)
    world.column.tags = ["home"]  # the world's column: the home page, fresh (and not empty)
    s.columns[world.column.name] = world.column
    s.item(world.column.name, world.unit_a, published="2026-11-20")
    return s


def test_home_page_fresh(site: Site, session: Session) -> None:
    # Last home update 11-20 → fails from 12-04.
    home = next(t for t in portal_health(session, NOW).tests if t.code == HOME)
    assert (home.count, home.failing, home.fail_date) == (0, False, date(2026, 12, 4))


@pytest.mark.parametrize(
    ("last", "failing", "fail_date"),
    [
        ("2026-11-10", False, date(2026, 11, 24)),  # 13 days ago: fails tomorrow
        ("2026-11-09", True, date(2026, 11, 23)),  # 14 days ago: failing now
    ],
)
def test_home_page_two_weeks(
    site: Site, session: Session, world: World, last: str, failing: bool, fail_date: date
) -> None:
    world.column.tags = []
    site.col(["home"], last)
    home = next(t for t in portal_health(session, NOW).tests if t.code == HOME)
    assert (home.failing, home.fail_date) == (failing, fail_date)
    assert home.fail_columns[0].units == (world.unit_a.name,)


def test_out_of_date_columns_just_inside_and_outside(site: Site, session: Session) -> None:
    for _ in range(4):
        site.col(["news"], "2026-11-09")  # 14 days: counted
    site.col(["news"], "2026-11-10")  # 13 days: not yet (from 11-24)
    site.col(["notice", "top"], "2026-05-24")  # 6 months from 11-24: not yet
    site.col(["notice"], "2026-01-01")  # not a 一级栏目: never counted
    site.col(["policy"], "2025-01-01")  # not a 一级栏目 either
    test = next(t for t in portal_health(session, NOW).tests if t.code == OUTDATED)
    assert (test.count, test.failing) == (4, False)
    assert (test.fail_date, len(test.fail_columns)) == (date(2026, 11, 24), 6)
    site.col(["policy", "top"], "2026-05-23")  # 6 months from 11-23: the fifth
    test = next(t for t in portal_health(session, NOW).tests if t.code == OUTDATED)
    assert (test.count, test.failing, test.fail_date) == (5, True, date(2026, 11, 23))


def test_long_stale_columns_against_ten(site: Site, session: Session) -> None:
    for _ in range(9):
        site.col([], "2026-05-01", rules=(MONTHLY,))
    site.col([], "2026-05-24", rules=(MONTHLY,))  # stale from 11-24
    site.col([], "2025-01-01")  # no rule asks it to be kept up to date
    site.col([], "2026-05-23", rules=({"kind": "annual", "by": "01-31"},))  # yearly only
    site.col([], "2026-05-23", rules=({"kind": "periodic", "every": 1, "unit": "year"},))
    test = next(t for t in portal_health(session, NOW).tests if t.code == LONG_STALE)
    assert (test.count, test.failing, test.fail_date) == (9, False, date(2026, 11, 24))
    site.col([], "2026-05-23", rules=({"kind": "on_change"},))
    test = next(t for t in portal_health(session, NOW).tests if t.code == LONG_STALE)
    assert (test.count, test.failing, test.fail_date) == (10, True, date(2026, 11, 23))


def test_empty_columns_against_five(site: Site, session: Session) -> None:
    parent = site.col([])  # has a child: not a leaf, not counted
    for _ in range(3):
        site.col([], parent=parent)
    site.col([])
    site.col([], "2026-01-01")
    test = next(t for t in portal_health(session, NOW).tests if t.code == EMPTY)
    # Four empty leaves: inside, and an empty portal never fills itself: no fail date.
    assert (test.count, test.failing, test.fail_date) == (4, False, None)
    site.col([])
    test = next(t for t in portal_health(session, NOW).tests if t.code == EMPTY)
    assert (test.count, test.failing, test.fail_date) == (5, True, date(2026, 11, 23))


def test_unanswered_messages_and_deductions(site: Site, session: Session) -> None:
    consult = site.col(["consult"], "2026-09-24")  # answered 2 months ago tomorrow
    site.message(consult, "2026-08-23")  # 3 months today: not more than 3 months
    site.message(consult, "2025-11-23")  # over a year ago: out of the inspection's year
    site.message(consult, "2026-05-01", state=State.WITHDRAWN)
    site.message(consult, "2026-05-02", published="2026-05-10")  # answered
    test = next(t for t in portal_health(session, NOW).tests if t.code == CONSULT)
    assert (test.count, test.failing, test.fail_date) == (0, False, date(2026, 11, 24))
    site.message(consult, "2026-08-22")  # more than 3 months
    health = portal_health(session, NOW)
    test = next(t for t in health.tests if t.code == CONSULT)
    assert (test.count, test.failing, test.fail_date) == (1, True, date(2026, 11, 23))
    assert health.deductions[1].columns == []  # last answer 09-24: under 2 months
    quiet = site.col(["consult"], "2026-09-23")  # 2 months today
    site.col(["policy", "top"])  # never updated
    site.col(["policy", "top"], "2026-05-24")  # not yet 6 months
    health = portal_health(session, NOW)
    assert [c.column_id for c in health.deductions[1].columns] == [quiet.id]
    assert (health.deductions[0].total, health.deductions[1].total, health.deducted) == (5, 3, 8)


def test_first_failing_date_and_the_units_causing_it(
    site: Site, session: Session, world: World
) -> None:
    # Home fresh until 12-04; out of date: B's 3 news columns stale now, A's from 11-26,
    # C's from 11-27 → the fifth on 11-27; a message over 3 months from 11-30.
    for _ in range(3):
        site.col(["news"], "2026-11-01", unit=world.unit_b)
    site.col(["news"], "2026-11-12")
    site.col(["news"], "2026-11-13", unit=site.unit_c)
    consult = site.col(["consult"], "2026-11-20")
    site.message(consult, "2026-08-29")
    health = portal_health(session, NOW)
    assert not health.failing
    assert (health.first_fail_date, health.first_fail_tests) == (date(2026, 11, 27), [OUTDATED])
    assert health.first_fail_units == sorted(
        [world.unit_a.name, world.unit_b.name, site.unit_c.name]
    )


def test_kinds_guessed_from_the_path_and_set_by_the_admin(
    site: Site, session: Session, world: World
) -> None:
    assert guess_kinds("区政府门户网站/政务公开") == ["top"]
    assert guess_kinds("区政府门户网站/新闻动态") == ["news", "top"]
    assert guess_kinds("区政府门户网站/政务公开/通知公告") == ["notice"]
    assert guess_kinds("区政府门户网站/政务公开/政策文件") == ["policy"]
    assert guess_kinds("区政府门户网站/政务公开/政策解读") == []
    assert guess_kinds("区政府门户网站/互动交流/区长信箱") == ["consult"]
    assert guess_kinds("政策法规") == ["policy", "top"]  # a portal without a root column
    column = make_column(session, [world.unit_a], name="通知公告")
    column.tags = ["重点"]
    session.flush()
    assert apply_guessed_kinds(session) >= 1
    assert column.tags == ["重点", "notice", "top"]
    set_kinds(column, ["policy"])
    assert column.tags == ["重点", "policy"]
    apply_guessed_kinds(session)  # set by the admin: kept
    assert column.tags == ["重点", "policy"]
    with pytest.raises(ValueError):
        set_kinds(column, ["要闻"])
