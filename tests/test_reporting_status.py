"""The deadline status summary: the dashboard read from it equals a full evaluation,
follows publications and retractions made through the real services at once (the
triggers mark the column), and falls back to a live evaluation when the summary is
missing, of another day, of other settings, or the calendar changed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, event, func, select, update
from sqlalchemy.orm import Session

from workflow import services
from workflow.accounts import create_unit
from workflow.enums import ItemKind, Role, State
from workflow.models import (
    ColumnAssignment,
    DeadlineStatus,
    DeadlineStatusDirty,
    HolidayOverride,
    Item,
    ItemStateCount,
)
from workflow.reporting.common import ReportSettings
from workflow.reporting.dashboard import UnitDeadlines, dashboard, state_counts, unit_deadlines
from workflow.reporting.status import Freshness, refresh_status

from .factories import World
from .reporting_portal import NOW, Portal, october_portal
from .services import act


def evaluated_live(session: Session, **kw: Any) -> list[UnitDeadlines]:
    """unit_deadlines with no summary at all: the reference."""
    with session.begin_nested() as savepoint:
        session.execute(delete(DeadlineStatus))
        out = unit_deadlines(session, **kw)
        savepoint.rollback()
    return out


def marks(session: Session) -> list[int | None]:
    return sorted(
        session.scalars(select(DeadlineStatusDirty.column_id)), key=lambda c: (c is not None, c)
    )


def publish(session: Session, world: World, column_id: int) -> Item:
    """A 月报 item of unit A through the whole 三审 path, published at NOW."""
    item = services.create_item(
        session,
        actor=world.drafter,
        column_id=column_id,
        kind=ItemKind.ARTICLE,
        title="十一月月报",
        now=NOW - timedelta(hours=3),
    ).value
    act(session, "submit", item, by=world.drafter, now=NOW)
    for role, extra in (
        (Role.DEPUTY_HEAD, {"confidentiality_checked": True}),
        (Role.HEAD, {}),
    ):
        act(session, "approve", item, by=world.user(role), now=NOW, **extra)
    assert world.office_editor is not None
    act(session, "approve", item, by=world.office_editor, now=NOW)
    assert item.state == State.PUBLISHED
    return item


def a_of(units: list[UnitDeadlines], world: World) -> UnitDeadlines:
    return next(u for u in units if u.unit_id == world.unit_a.id)


def test_summary_equals_live_and_follows_the_services(session: Session, world: World) -> None:
    p = october_portal(session, world)
    reference = evaluated_live(session, now=NOW)
    board = dashboard(session, NOW)
    assert board.freshness == Freshness() and board.freshness.live  # nothing kept yet
    assert board.units == reference

    assignments = session.scalar(select(func.count()).select_from(ColumnAssignment))
    assert refresh_status(session, NOW) == assignments
    assert marks(session) == []
    board = dashboard(session, NOW)
    assert board.freshness == Freshness(NOW, 0) and not board.freshness.live
    assert board.units == reference
    one = dashboard(session, NOW, unit_id=world.unit_b.id)
    assert one.units == [u for u in reference if u.unit_id == world.unit_b.id]
    assert [(d.column_path, d.due) for d in a_of(board.units, world).due_soon] == [
        ("月报", date(2026, 11, 25))
    ]

    # A publishes its November 月报 through 三审: the column is marked and evaluated live.
    monthly = p.columns["月报"].id
    item = publish(session, world, monthly)
    assert monthly in marks(session)
    board = dashboard(session, NOW)
    assert board.freshness == Freshness(NOW, 1)
    assert a_of(board.units, world).due_soon == []
    assert board.units == evaluated_live(session, now=NOW)

    # Retracted: due soon again, without any refresh.
    refresh_status(session, NOW)
    assert marks(session) == []
    act(session, "retract", item, by=world.office_editor, now=NOW, comment="误发")
    board = dashboard(session, NOW)
    assert board.freshness == Freshness(NOW, 1)
    assert [(d.column_path, d.due) for d in a_of(board.units, world).due_soon] == [
        ("月报", date(2026, 11, 25))
    ]
    assert board.units == evaluated_live(session, now=NOW)


def test_another_day_other_settings_or_a_calendar_change_evaluate_live(
    session: Session, world: World
) -> None:
    october_portal(session, world)
    refresh_status(session, NOW)
    tomorrow = NOW + timedelta(days=1)
    board = dashboard(session, tomorrow)
    assert board.freshness.live
    assert board.units == evaluated_live(session, now=tomorrow)

    wider = ReportSettings(due_soon_workdays=10)
    board = dashboard(session, NOW, wider)
    assert board.freshness.live
    assert board.units == evaluated_live(session, now=NOW, settings=wider)

    # The office declares 11-25 a holiday: A's 月报 moves to 11-26; the summary is unusable.
    session.add(HolidayOverride(day=date(2026, 11, 25), is_workday=False, note="停工"))
    session.flush()
    assert marks(session) == [None]
    board = dashboard(session, NOW)
    assert board.freshness.live
    assert [(d.column_path, d.due) for d in a_of(board.units, world).due_soon] == [
        ("月报", date(2026, 11, 26))
    ]
    refresh_status(session, NOW)
    again = dashboard(session, NOW)
    assert again.freshness == Freshness(NOW, 0) and again.units == board.units


def test_the_triggers_mark_what_the_evaluation_reads(session: Session, world: World) -> None:
    p = Portal(session, world)
    a, b = world.unit_a, world.unit_b
    news = p.column("要闻", [a], {"kind": "periodic", "every": 1, "unit": "week"})
    other = p.column("通知", [a, b], {"kind": "periodic", "every": 1, "unit": "month"})
    in_review = p.item("要闻", a, state=State.HEAD_REVIEW)
    requested = p.item("通知", a, state=State.INITIAL_REVIEW, due="2026-12-01")
    refresh_status(session, NOW)
    assert marks(session) == []

    def touch(stmt: Any) -> list[int | None]:
        session.execute(stmt)
        session.flush()
        found = marks(session)
        session.execute(delete(DeadlineStatusDirty))
        return sorted(set(found), key=lambda c: (c is not None, c))

    # Irrelevant to deadlines: a title, or moving through review without a due date.
    assert touch(update(Item).where(Item.id == in_review.id).values(title="新标题")) == []
    assert touch(update(Item).where(Item.id == in_review.id).values(state="office_review")) == []
    # Relevant: a publication, a state change of an item with its own due date, a due
    # date, a move to another column (both columns).
    published = {"live_revision_no": 1, "published_at": NOW, "first_published_at": NOW}
    assert touch(update(Item).where(Item.id == in_review.id).values(**published)) == [news.id]
    assert touch(update(Item).where(Item.id == requested.id).values(state="withdrawn")) == [
        other.id
    ]
    assert touch(update(Item).where(Item.id == requested.id).values(due_date=None)) == [other.id]
    assert touch(update(Item).where(Item.id == in_review.id).values(column_id=other.id)) == [
        news.id,
        other.id,
    ]
    assert touch(delete(Item).where(Item.id == requested.id)) == [other.id]
    p.obligation("通知", b, due="2026-12-01")
    assert touch(select(1)) == [other.id]
    p.columns["要闻"].rules = [{"kind": "periodic", "every": 2, "unit": "week"}]
    assert touch(select(1)) == [news.id]
    p.assign("要闻", b)
    assert touch(select(1)) == [news.id]
    session.add(HolidayOverride(day=date(2026, 12, 31), is_workday=False, note=""))
    assert touch(select(1)) == [None]


def counted(session: Session) -> dict[str, int]:
    counts = {s.value: 0 for s in State}
    counts.update(
        {
            s: int(n)
            for s, n in session.execute(select(Item.state, func.count()).group_by(Item.state))
        }
    )
    return counts


def test_state_counts_from_the_deltas_equal_counting(session: Session, world: World) -> None:
    p = october_portal(session, world)  # items written directly and through the services
    assert state_counts(session) == counted(session)
    refresh_status(session, NOW)  # folds the deltas: one row per state
    folded = session.execute(select(ItemStateCount.state, ItemStateCount.n)).all()
    assert len(folded) == len({s for s, _ in folded})
    assert state_counts(session) == counted(session)
    item = publish(session, world, p.columns["月报"].id)
    extra = p.item("月报", world.unit_b, state=State.HEAD_REVIEW)
    assert state_counts(session) == counted(session)
    session.execute(update(Item).where(Item.id == extra.id).values(state="withdrawn"))
    session.execute(delete(Item).where(Item.id == p.item("月报", world.unit_b).id))
    assert state_counts(session) == counted(session)
    act(session, "retract", item, by=world.office_editor, now=NOW, comment="误发")
    refresh_status(session, NOW)
    assert state_counts(session) == counted(session)
    assert state_counts(session)[State.RETRACTED] >= 1
    # One unit's counts are counted directly.
    assert state_counts(session, unit_id=world.unit_b.id)[State.WITHDRAWN] >= 2


def test_a_page_of_units_is_a_slice_of_the_whole_ranking(session: Session, world: World) -> None:
    """The dashboard ranks units on the summary's counts and fetches only the shown
    units' rows: each page is the same slice of the full list, from the summary (with
    and without columns changed since) and evaluated live."""
    p = october_portal(session, world)
    monthly = {"kind": "periodic", "every": 1, "unit": "month", "min_items": 1}
    for n in range(4):  # more late units: 0 and 2 with two never-updated columns
        unit = create_unit(session, f"区局{n}-{id(p)}")
        p.column(f"栏目{n}", [unit], monthly)
        if n % 2 == 0:
            p.column(f"空栏目{n}", [unit], monthly)
    session.flush()
    whole = evaluated_live(session, now=NOW)
    assert len(whole) >= 7 and len(whole[0].overdue) == 2

    def pages(size: int, **kw: Any) -> list[UnitDeadlines]:
        out: list[UnitDeadlines] = []
        for offset in range(0, len(whole) + size, size):
            board = dashboard(session, NOW, units_limit=size, units_offset=offset, **kw)
            assert board.units_total == len(whole) and len(board.units) <= size
            out += board.units
        return out

    assert pages(2) == whole  # no summary: evaluated live
    refresh_status(session, NOW)
    assert dashboard(session, NOW).freshness == Freshness(NOW, 0)
    assert pages(2) == whole and pages(3) == whole
    publish(session, world, p.columns["月报"].id)  # A's 月报 met: marked, evaluated live
    changed = evaluated_live(session, now=NOW)
    assert changed != whole
    whole = changed
    assert dashboard(session, NOW, units_limit=2).freshness == Freshness(NOW, 1)
    assert pages(2) == whole
    # One column: only the units late in it, ranked and paged the same way.
    column = p.columns["依申请公开"].id
    one = dashboard(session, NOW, column_id=column)
    assert [u.unit_id for u in one.units] == [world.unit_b.id] and one.units_total == 1
    assert dashboard(session, NOW, column_id=column, units_limit=1).units == one.units


def test_a_refresh_between_the_counts_and_the_rows_is_read_again(
    session: Session, world: World
) -> None:
    """The counts and the shown units' rows are two statements: when the summary is
    rewritten in between (here: a unit's overdue row turned ok just before the rows
    are read), the rows disagree with the counts and the dashboard reads again."""
    october_portal(session, world)
    refresh_status(session, NOW)
    reference = dashboard(session, NOW)
    first = reference.units[0]
    assert first.unit_id == world.unit_b.id and len(first.overdue) == 2
    gone = first.overdue[0].column_id
    engine = session.get_bind()
    rewritten: list[str] = []

    def refresh_in_between(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "deadline_status.assignment_id" not in statement:
            return
        rewritten.append(statement)
        if len(rewritten) == 1:
            cursor.execute(
                "UPDATE deadline_status SET status = 'ok' WHERE unit_id = "
                f"{world.unit_b.id} AND column_id = {gone}"
            )

    event.listen(engine, "before_cursor_execute", refresh_in_between)
    try:
        board = dashboard(session, NOW, units_limit=1)
    finally:
        event.remove(engine, "before_cursor_execute", refresh_in_between)
    assert len(rewritten) == 2  # the rows were read twice
    # Read again: B now has one overdue column, and its row says so.
    b = next(u for u in board.units + dashboard(session, NOW).units if u.unit_id == first.unit_id)
    assert [d.column_id for d in b.overdue] == [d.column_id for d in first.overdue[1:]]
