"""Deadlines the office can trust (issue 13): periods judged only from when a unit became
responsible, scoped rules judged on their part of the column, and rules that count only
once the office has confirmed them — in the evaluation and in the scoreboard alike.

`NOW` is Monday 2026-11-23, 10:00 in Beijing (see reporting_portal.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from sqlalchemy.orm import Session

from workflow import services
from workflow.deadlines.evaluate import OK, OVERDUE, AssignmentStatus, evaluate
from workflow.enums import ItemKind
from workflow.errors import ValidationFailed
from workflow.models import Column, ColumnPart, Item
from workflow.reporting.common import parse_period
from workflow.reporting.scoreboard import MISSED, ON_TIME, scoreboard
from workflow.reporting.status import refresh_status
from workflow.services import columns as column_settings

from .factories import World
from .reporting_portal import BJ, NOW, Portal
from .services import act

TODAY = date(2026, 11, 23)


def per(every: int, unit: str, **kw: Any) -> dict[str, Any]:
    return {"kind": "periodic", "every": every, "unit": unit, "min_items": 1, **kw}


@pytest.fixture
def portal(session: Session, world: World) -> Portal:
    return Portal(session, world)


def responsible_since(column: Column, day: date) -> Column:
    for assignment in column.assignments:
        assignment.responsible_since = day
    return column


def statuses(session: Session, portal: Portal) -> dict[str, AssignmentStatus]:
    session.flush()
    names = {c.id: n for n, c in portal.columns.items()}
    return {names[s.column_id]: s for s in evaluate(session, NOW) if s.column_id in names}


# --------------------------------------------------------------------------- since


RULES = {
    "每月": per(1, "month"),
    "每周": per(1, "week"),
    "每月10日前": per(1, "month", by_day=10),
    "每季度末月25日前": per(3, "month", by_day=25),
    "每年": per(1, "year"),
    "每年1月31日前": {"kind": "annual", "by": "01-31"},
    "每50天": per(50, "day"),
    "每季度至少3条（滚动）": per(3, "month", min_items=3, rolling=True),
    "已过的一次性任务": {"kind": "once", "by": "2026-11-01"},
    "一次性任务": {"kind": "once", "by": "2026-12-15"},
}


def test_a_table_imported_today_has_nothing_overdue_today(
    portal: Portal, session: Session, world: World
) -> None:
    for name, rule in RULES.items():
        responsible_since(portal.column(name, [world.unit_a], rule), TODAY)
    got = statuses(session, portal)
    assert {n: s.status for n, s in got.items() if s.status == OVERDUE} == {}
    assert all(s.overdue_since is None for s in got.values())
    # The next due date is that of the first period the unit answers for in full.
    assert {n: s.next_due for n, s in got.items()} == {
        "每月": date(2026, 12, 31),  # November began before the import
        # Last week's due date (Sun 11-22) moved to today, but that week began before the
        # import; this week began on the import day and is the first judged.
        "每周": date(2026, 11, 30),
        "每月10日前": date(2026, 12, 10),  # not "overdue since 11-11"
        "每季度末月25日前": date(2027, 3, 25),  # Q4 began on 10-01: first judged is Q1
        "每年": date(2027, 12, 31),
        "每年1月31日前": date(2028, 1, 31),  # the year to 2027-01-31 began 2026-02-01
        "每50天": date(2027, 1, 12),  # never published: 50 days from the import
        "每季度至少3条（滚动）": date(2027, 2, 23),
        "已过的一次性任务": None,  # due before the unit was responsible: not judged
        "一次性任务": date(2026, 12, 15),
    }
    assert not next(r for r in got["已过的一次性任务"].rules).judged
    assert not next(r for r in got["每月"].rules).judged
    # Nothing was judged for the month either: no unit on the scoreboard is ranked.
    board = scoreboard(session, parse_period("2026-11"), NOW, summary=False)
    ranked = [s for s in board.units if s.unit_id == world.unit_a.id and s.rank]
    assert ranked == []


def test_an_earlier_responsible_since_brings_back_the_older_periods(
    portal: Portal, session: Session, world: World
) -> None:
    monthly = responsible_since(portal.column("每月", [world.unit_a], per(1, "month")), TODAY)
    weekly = responsible_since(portal.column("每周", [world.unit_a], per(1, "week")), TODAY)
    got = statuses(session, portal)
    assert (got["每月"].status, got["每周"].status) == (OK, OK)
    # The office sets the day the table took effect: January's period (due Sat 01-31,
    # moved to Mon 02-02) is the first missed, and the lapse runs from the day after.
    responsible_since(monthly, date(2026, 1, 1))
    responsible_since(weekly, date(2026, 11, 2))
    got = statuses(session, portal)
    assert (got["每月"].status, got["每月"].overdue_since) == (OVERDUE, date(2026, 2, 3))
    # The week of 11-02 was due Sun 11-08, moved to Mon 11-09.
    assert (got["每周"].status, got["每周"].overdue_since) == (OVERDUE, date(2026, 11, 10))
    assert got["每月"].next_due == date(2026, 11, 30)
    # The scoreboard judges a period in the month of its due date: October's is due
    # Mon 11-02, so November's board holds it.
    november = scoreboard(session, parse_period("2026-11"), NOW, summary=False)
    cases = [c for c in november.cases if c.column_id == monthly.id]
    assert [(c.due, c.outcome) for c in cases] == [(date(2026, 11, 2), MISSED)]
    # Responsible only since 10-15: October began before, so it is not judged.
    responsible_since(monthly, date(2026, 10, 15))
    session.flush()
    november = scoreboard(session, parse_period("2026-11"), NOW, summary=False)
    assert [c for c in november.cases if c.column_id == monthly.id] == []


@pytest.mark.parametrize(
    "since", ["2026-01-01", "2026-03-15", "2026-06-30", "2026-10-01", "2026-11-02", "2026-11-23"]
)
def test_overdue_since_is_never_before_the_responsible_since_day(
    portal: Portal, session: Session, world: World, since: str
) -> None:
    day = date.fromisoformat(since)
    for name, rule in RULES.items():
        responsible_since(portal.column(name, [world.unit_a], rule), day)
        # Something published long ago, and something in September in some columns.
        portal.item(name, world.unit_a, published="2025-12-20")
        if len(name) % 2:
            portal.item(name, world.unit_a, published="2026-09-03")
    for name, s in statuses(session, portal).items():
        assert s.overdue_since is None or s.overdue_since > day, name
        assert s.next_due is None or s.next_due >= TODAY, name
        assert (s.status == OVERDUE) == (s.overdue_since is not None), name


# --------------------------------------------------------------------------- parts


def parted_column(portal: Portal, world: World) -> Column:
    """Seed 003's shape: each part of the column with its own limit."""
    column = portal.column(
        "板块、部门政府信息公开",
        [world.unit_a],
        per(1, "month", scope="信息公开年报"),
        per(1, "month", scope="政策法规"),
        {"kind": "prompt"},
        allows_statement=True,
    )
    responsible_since(column, date(2026, 10, 1))
    column_settings.sync_parts(portal.session, column)
    portal.session.flush()
    return column


def part(column: Column, name: str) -> ColumnPart:
    return next(p for p in column.parts if p.name == name)


def in_part(item: Item, column: Column, name: str) -> Item:
    item.part_id = part(column, name).id
    return item


def test_each_scoped_rule_is_judged_on_its_part_only(
    portal: Portal, session: Session, world: World
) -> None:
    column = parted_column(portal, world)
    assert [p.name for p in column.parts] == ["信息公开年报", "政策法规"]
    name = "板块、部门政府信息公开"
    # An item of 年报 in October: it does not satisfy 政策法规.
    in_part(portal.item(name, world.unit_a, published="2026-10-10"), column, "信息公开年报")
    # An item of no part (made before the column had parts) counts for neither part.
    portal.item(name, world.unit_a, published="2026-10-12")
    s = statuses(session, portal)[name]
    by_scope = {r.rule.get("scope"): r for r in s.rules}
    assert by_scope["信息公开年报"].status == OK
    assert by_scope["政策法规"].status == OVERDUE
    assert by_scope["政策法规"].overdue_since == date(2026, 11, 3)
    assert by_scope["信息公开年报"].part_id == part(column, "信息公开年报").id
    assert (s.status, s.overdue_since) == (OVERDUE, date(2026, 11, 3))
    # October's period (due Mon 11-02) on November's board: 年报 on time, 政策法规 missed.
    board = scoreboard(session, parse_period("2026-11"), NOW, summary=False)
    outcomes = sorted(c.outcome for c in board.cases if c.column_id == column.id)
    assert outcomes == sorted([ON_TIME, MISSED])
    # The same figures from the scoreboard's summary.
    refresh_status(session, NOW)
    stored = scoreboard(session, parse_period("2026-11"), NOW)
    assert sorted(c.outcome for c in stored.cases if c.column_id == column.id) == outcomes


def test_a_statement_stands_for_its_own_part(
    portal: Portal, session: Session, world: World
) -> None:
    column = parted_column(portal, world)
    name = "板块、部门政府信息公开"
    in_part(portal.item(name, world.unit_a, published="2026-10-10"), column, "信息公开年报")
    statement = portal.item(
        name, world.unit_a, published="2026-10-20", kind=ItemKind.STATEMENT.value
    )
    in_part(statement, column, "政策法规")  # "本期无政策法规类信息"
    in_part(portal.item(name, world.unit_a, published="2026-11-04"), column, "信息公开年报")
    in_part(portal.item(name, world.unit_a, published="2026-11-05"), column, "政策法规")
    s = statuses(session, portal)[name]
    assert s.status == OK, [(r.rule.get("scope"), r.status) for r in s.rules]


def test_a_drafter_picks_the_part_when_there_is_a_choice(
    portal: Portal, session: Session, world: World
) -> None:
    column = parted_column(portal, world)

    def create(**kw: Any) -> Item:
        item = services.create_item(
            session,
            actor=world.drafter,
            column_id=column.id,
            kind=ItemKind.ARTICLE,
            title="信息",
            now=NOW,
            **kw,
        ).value
        return item

    with pytest.raises(ValidationFailed, match="needs a part"):
        create()
    other = parted_column_elsewhere(portal, world)
    with pytest.raises(ValidationFailed, match="does not belong"):
        create(part_id=other.parts[0].id)
    item = create(part_id=part(column, "政策法规").id)
    assert item.part_id == part(column, "政策法规").id
    # A part a rule names cannot be retired (its rule would judge a part that takes no
    # new items); a part of the office's own, no rule naming it, can.
    with pytest.raises(ValidationFailed, match="named by a rule"):
        column_settings.retire_part(
            session, actor=None, now=NOW, part=part(column, "政策法规"), retired=True
        )
    other = column_settings.add_part(session, actor=None, now=NOW, column=column, name="其他").value
    filed = create(part_id=other.id)
    column_settings.retire_part(session, actor=None, now=NOW, part=other, retired=True)
    assert other.retired_at is not None  # it holds an item: retired, not removed
    with pytest.raises(ValidationFailed, match="does not belong"):
        create(part_id=other.id)
    # Editing keeps an item where it was (even in a part retired since) unless told.
    act(session, "edit", filed, by=world.drafter, now=NOW, title="改过的标题")
    session.refresh(filed)
    assert filed.part_id == other.id
    act(
        session,
        "edit",
        item,
        by=world.drafter,
        now=NOW,
        title="改过的标题",
        part_id=part(column, "信息公开年报").id,
    )
    session.refresh(item)
    assert item.part_id == part(column, "信息公开年报").id


def parted_column_elsewhere(portal: Portal, world: World) -> Column:
    column = portal.column(
        "其他栏目",
        [world.unit_a],
        per(1, "week", scope="动态信息类"),
        per(1, "month", scope="其他类"),
    )
    column_settings.sync_parts(portal.session, column)
    portal.session.flush()
    return column


def test_parts_follow_the_rules_scopes(portal: Portal, session: Session, world: World) -> None:
    # One scope names the kind of the column itself, not a part of it: no parts.
    single = portal.column(
        "动态", [world.unit_a], {"kind": "prompt"}, per(2, "week", scope="新闻动态类栏目")
    )
    assert column_settings.sync_parts(session, single) == []
    column = parted_column_elsewhere(portal, world)
    assert [p.name for p in column.parts] == ["动态信息类", "其他类"]
    column_settings.rename_part(
        session, actor=None, now=NOW, part=part(column, "其他类"), name="其他信息"
    )
    assert [r["scope"] for r in column.rules] == ["动态信息类", "其他信息"]
    with pytest.raises(ValidationFailed, match="already has a part"):
        column_settings.add_part(session, actor=None, now=NOW, column=column, name="动态信息类")
    # New rules naming a new scope add its part; parts no rule names are kept.
    column_settings.set_rules(
        session,
        actor=None,
        now=NOW,
        column=column,
        rules=[per(1, "week", scope="动态信息类"), per(1, "year", scope="概况类")],
        confirmed=True,
    )
    assert [p.name for p in column.parts] == ["动态信息类", "其他信息", "概况类"]


# --------------------------------------------------------------------------- confirmation


def test_unconfirmed_rules_remind_but_never_count(
    portal: Portal, session: Session, world: World
) -> None:
    column = portal.column("月报", [world.unit_a], per(1, "month"), rules_confirmed_at=None)
    responsible_since(column, date(2026, 9, 1))
    s = statuses(session, portal)["月报"]
    # The unit sees the truth (overdue since September's due date) …
    assert (s.status, s.overdue_since, s.confirmed) == (OVERDUE, date(2026, 10, 1), False)
    assert not s.escalates
    # … but nothing of it counts in the 考核 until the office confirms the rules.
    board = scoreboard(session, parse_period("2026-11"), NOW, summary=False)
    assert [c for c in board.cases if c.column_id == column.id] == []
    refresh_status(session, NOW)
    stored = scoreboard(session, parse_period("2026-11"), NOW)
    assert [c for c in stored.cases if c.column_id == column.id] == []
    assert column_settings.confirm_rules(
        session, actor=world.user("admin", "office"), now=NOW, column=column
    ).value
    assert not column_settings.confirm_rules(session, actor=None, now=NOW, column=column).value
    s = statuses(session, portal)["月报"]
    assert s.confirmed and s.escalates
    board = scoreboard(session, parse_period("2026-11"), NOW, summary=False)
    assert [c.outcome for c in board.cases if c.column_id == column.id] == [MISSED]
    # Rules parsed anew from changed text are 待确认 again; the same rules stay confirmed.
    column_settings.rules_replaced(column, [per(1, "month")], NOW)
    assert column.rules_confirmed
    column_settings.rules_replaced(column, [per(1, "week")], NOW)
    assert not column.rules_confirmed


def test_the_status_summary_keeps_the_confirmation(
    portal: Portal, session: Session, world: World
) -> None:
    from workflow.models import DeadlineStatus

    portal.column("月报", [world.unit_a], per(1, "month"), rules_confirmed_at=None)
    portal.column("周报", [world.unit_a], per(1, "week"))
    refresh_status(session, NOW)
    names = {c.id: n for n, c in portal.columns.items()}
    stored = {
        names[r.column_id]: r.confirmed
        for r in session.query(DeadlineStatus)
        if r.column_id in names
    }
    assert stored == {"月报": False, "周报": True}


def test_what_changes_a_judgement_marks_its_column(
    portal: Portal, session: Session, world: World
) -> None:
    """The status summary recomputes marked columns live (migration 0009's triggers, with
    0014's additions): moving an item to another part, a part's change, a new
    responsible-since day and a confirmation all mark the column."""
    from sqlalchemy import delete, select

    from workflow.models import DeadlineStatusDirty

    column = parted_column(portal, world)
    item = in_part(
        portal.item("板块、部门政府信息公开", world.unit_a, published="2026-10-10"),
        column,
        "信息公开年报",
    )
    session.flush()

    def marked_after(change: Any) -> bool:
        session.execute(delete(DeadlineStatusDirty))
        change()
        session.flush()
        marks = set(session.scalars(select(DeadlineStatusDirty.column_id)))
        return column.id in marks

    assert marked_after(lambda: setattr(item, "part_id", part(column, "政策法规").id))
    assert marked_after(lambda: setattr(part(column, "政策法规"), "name", "政策文件"))
    assert marked_after(
        lambda: setattr(column.assignments[0], "responsible_since", date(2026, 1, 1))
    )
    assert marked_after(lambda: setattr(column, "rules_confirmed_at", None))


# --------------------------------------------------------------------------- edges (review)


def _at(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(10), BJ).astimezone(UTC)


def test_the_first_judged_period_counts_from_its_own_first_day(
    portal: Portal, session: Session, world: World
) -> None:
    """A previous period's due date moved onto the first days of the first judged period
    (Sat 01-31 → Mon 02-02; Sun 11-22 → Mon 11-23) must not give those days' items to the
    period the unit never answered for."""
    monthly = responsible_since(
        portal.column("月", [world.unit_a], per(1, "month")), date(2026, 2, 1)
    )
    portal.item("月", world.unit_a, published="2026-02-02")
    weekly = responsible_since(portal.column("周", [world.unit_a], per(1, "week")), TODAY)
    portal.item("周", world.unit_a, published="2026-11-23")
    session.flush()

    def status(column: Column, day: str) -> AssignmentStatus:
        (s,) = [s for s in evaluate(session, _at(day)) if s.column_id == column.id]
        return s

    # March 3rd: February (due Sat 02-28, an adjusted working day) was met by the item of
    # 02-02, which lies in January's window (its due date moved to 02-02).
    assert status(monthly, "2026-03-03").status != OVERDUE
    board = scoreboard(session, parse_period("2026-02"), _at("2026-03-03"), summary=False)
    assert [c.outcome for c in board.cases if c.column_id == monthly.id] == [ON_TIME]
    # While February is current, the item counts for it.
    assert next(iter(status(monthly, "2026-02-10").rules)).published == 1
    # The week of 11-23 (the import Monday) was met by that Monday's item.
    later = status(weekly, "2026-12-01")
    assert later.overdue_since is None or later.overdue_since > date(2026, 11, 30)


def test_a_one_off_task_is_judged_alike_by_the_scoreboard_and_the_pages(
    portal: Portal, session: Session, world: World
) -> None:
    # Due Sat 10-03 (National Day), moved to Thu 10-08; the unit answers from 10-05.
    column = portal.column("一次性", [world.unit_a], {"kind": "once", "by": "2026-10-03"})
    responsible_since(column, date(2026, 10, 5))
    (s,) = [s for s in statuses(session, portal).values()]
    assert (s.status, s.overdue_since) == (OVERDUE, date(2026, 10, 9))
    board = scoreboard(session, parse_period("2026-10"), NOW, summary=False)
    assert [(c.due, c.outcome) for c in board.cases if c.column_id == column.id] == [
        (date(2026, 10, 8), MISSED)
    ]


def test_one_scope_left_judges_the_whole_column(
    portal: Portal, session: Session, world: World
) -> None:
    column = portal.column("动态", [world.unit_a])
    responsible_since(column, date(2026, 10, 1))
    rules = [per(1, "month", scope="动态信息类"), per(1, "month", scope="其他类")]
    column_settings.set_rules(
        session, actor=None, now=NOW, column=column, rules=rules, confirmed=True
    )
    column_settings.set_rules(
        session, actor=None, now=NOW, column=column, rules=rules[:1], confirmed=True
    )
    portal.item("动态", world.unit_a, published="2026-10-10")  # no part
    portal.item("动态", world.unit_a, published="2026-11-10")
    (s,) = statuses(session, portal).values()
    assert s.status == OK and next(iter(s.rules)).part_id is None
    from workflow.services.drafting import choose_part

    assert choose_part(column, None) is None  # drafters are not asked to pick


def test_scopes_are_trimmed_as_parts_are_named(
    portal: Portal, session: Session, world: World
) -> None:
    column = portal.column("分类", [world.unit_a])
    column_settings.set_rules(
        session,
        actor=None,
        now=NOW,
        column=column,
        rules=[per(1, "month", scope=" 动态信息类 "), per(1, "month", scope="其他类")],
        confirmed=True,
    )
    assert [r["scope"] for r in column.rules] == ["动态信息类", "其他类"]
    assert [p.name for p in column.parts] == ["动态信息类", "其他类"]


def test_the_calendar_feed_says_the_next_due_date_every_page_says(
    portal: Portal, session: Session, world: World
) -> None:
    from workflow.reporting.feeds import upcoming_dues

    column = responsible_since(portal.column("月度", [world.unit_a], per(1, "month")), TODAY)
    (s,) = statuses(session, portal).values()
    feed = [
        e.day
        for e in upcoming_dues(session, world.unit_a.id, NOW, horizon_days=400)
        if column.name in e.summary
    ]
    assert feed == [s.next_due] == [date(2026, 12, 31)]


def test_a_rolling_flag_makes_a_calendar_period_a_maximum_gap(
    portal: Portal, session: Session, world: World
) -> None:
    """至迟一个月内须有新内容: at most a month between two publications, not one item
    per calendar month."""
    portal.column("日历月", [world.unit_a], per(1, "month"))
    portal.column("滚动月", [world.unit_a], per(1, "month", rolling=True))
    for name in ("日历月", "滚动月"):
        portal.item(name, world.unit_a, published="2026-10-10")
    got = statuses(session, portal)
    # Calendar: October met; November due Mon 11-30 — not yet late.
    assert (got["日历月"].status, got["日历月"].next_due) == (OK, date(2026, 11, 30))
    # Rolling: a month after 10-10 is Tue 11-10: late since 11-11.
    assert (got["滚动月"].status, got["滚动月"].overdue_since) == (OVERDUE, date(2026, 11, 11))
