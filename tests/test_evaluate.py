"""Evaluation of every assignment against hand-computed values, and set-basedness.

`now` is Monday 2026-11-23, 10:00 in Beijing. Each column below has one unit (unit A)
and one rule; the expected values are counted by hand in the comments.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from workflow.deadlines.evaluate import AssignmentStatus, Settings, evaluate
from workflow.enums import ItemKind, State
from workflow.models import Column, Item, Obligation

from .factories import World, build_world, make_column

BJ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, tzinfo=BJ).astimezone(UTC)


def at(day: str, hour: int = 10) -> datetime:
    return (
        datetime.combine(date.fromisoformat(day), datetime.min.time(), BJ)
        .replace(hour=hour)
        .astimezone(UTC)
    )


class Portal:
    def __init__(self, session: Session, world: World) -> None:
        self.session, self.world = session, world
        self.columns: dict[str, Column] = {}

    def column(self, name: str, *rules: dict[str, Any]) -> Column:
        column = make_column(self.session, [self.world.unit_a], name=name)
        column.rules = list(rules)
        self.columns[name] = column
        return column

    def item(
        self,
        name: str,
        *,
        published: str | None = None,
        state: str = State.PUBLISHED,
        due: str | None = None,
        retracted: bool = False,
        hour: int = 10,
    ) -> Item:
        when = at(published, hour) if published else NOW
        item = Item(
            column_id=self.columns[name].id,
            unit_id=self.world.unit_a.id,
            drafter_id=self.world.drafter.id,
            kind=ItemKind.ARTICLE,
            title=name,
            state=State.RETRACTED if retracted else state,
            version=1,
            current_revision_no=1,
            live_revision_no=1 if published and not retracted else None,
            first_published_at=when if published else None,
            published_at=when if published else None,
            due_date=date.fromisoformat(due) if due else None,
            audit_seq=0,
            content_digest="",
            review_facts={},
            created_at=when,
            updated_at=when,
            state_since=when,
        )
        self.session.add(item)
        return item

    def status(self, now: datetime = NOW) -> dict[str, AssignmentStatus]:
        self.session.flush()
        by_column = {c.id: n for n, c in self.columns.items()}
        return {
            by_column[s.column_id]: s
            for s in evaluate(self.session, now, Settings())
            if s.column_id in by_column
        }


@pytest.fixture
def portal(session: Session) -> Portal:
    return Portal(session, build_world(session, NOW))


def per(every: int, unit: str, **kw: Any) -> dict[str, Any]:
    return {"kind": "periodic", "every": every, "unit": unit, "min_items": 1, **kw}


def test_hand_computed_statuses(portal: Portal) -> None:
    p = portal
    # A monthly, October met, November not yet: due Mon 11-30, 5 working days away → ok.
    p.column("A", per(1, "month"))
    p.item("A", published="2026-10-15")
    # B monthly, nothing in October: October's due Sat 10-31 rolls to Mon 11-02, so the
    # lapse runs from 11-03.
    p.column("B", per(1, "month"))
    p.item("B", published="2026-09-10")
    # C by the 25th: due Wed 11-25, 2 working days away (11-24, 11-25) → due_soon.
    p.column("C", per(1, "month", by_day=25))
    p.item("C", published="2026-10-20")
    # D weekly, published this Monday 09:00 (before now) → ok (see below).
    p.column("D", per(1, "week"))
    p.item("D", published="2026-11-23", hour=9)
    # E quarterly: Q3 met (08-10), Q4 empty, due Thu 12-31 → ok.
    p.column("E", per(3, "month"))
    p.item("E", published="2026-08-10")
    # F annual 01-31: published 2026-01-20 covers the window ending 2026-01-31; the next
    # due is Sun 2027-01-31 → 2027 is unknown, fallback Mon 2027-02-01 → provisional.
    p.column("F", {"kind": "annual", "by": "01-31"})
    p.item("F", published="2026-01-20")
    # G every 50 days (rolling): last 09-20 + 50 days = Mon 11-09 → overdue since 11-10.
    p.column("G", per(50, "day"))
    p.item("G", published="2026-09-20")
    # H once by Fri 2026-11-20, nothing published → overdue since 11-21.
    p.column("H", {"kind": "once", "by": "2026-11-20"})
    # I on_change, last update 2026-03-01: older than 6 months (before 05-23) → stale.
    p.column("I", {"kind": "on_change"})
    p.item("I", published="2026-03-01")
    # J after_event: one open request due 11-20 (late), one due 11-25 (soon).
    p.column("J", {"kind": "after_event", "within": 15, "unit": "workday", "event": "received"})
    p.item("J", state=State.INITIAL_REVIEW, due="2026-11-20")
    p.item("J", state=State.DRAFT, due="2026-11-25")
    # K at least 3 a month: October's due (Sat 10-31) rolls to Mon 11-02, so the 11-02
    # item counts for October (4, met); November so far has 1 of 3 → ok (not yet due).
    p.column("K", per(1, "month", min_items=3))
    for day in ("2026-10-02", "2026-10-12", "2026-10-22", "2026-11-02", "2026-11-12"):
        p.item("K", published=day)
    # L monthly, the only November item was retracted and October's too → overdue; its
    # unit is responsible since 10-01, so the lapse runs from October's (moved) due date.
    p.column("L", per(1, "month")).assignments[0].responsible_since = date(2026, 10, 1)
    p.item("L", published="2026-11-05", retracted=True)
    p.item("L", published="2026-10-05", retracted=True)
    s = p.status()
    got = {n: (s[n].status, s[n].overdue_since) for n in s}
    assert got == {
        "A": ("ok", None),
        "B": ("overdue", date(2026, 11, 3)),
        "C": ("due_soon", None),
        "D": ("ok", None),
        "E": ("ok", None),
        "F": ("provisional", None),
        "G": ("overdue", date(2026, 11, 10)),
        "H": ("overdue", date(2026, 11, 21)),
        "I": ("ok", None),
        "J": ("overdue", date(2026, 11, 21)),
        "K": ("ok", None),
        "L": ("overdue", date(2026, 11, 3)),
    }
    a = s["A"].rules[0]
    assert (a.period_start, a.period_end, a.due, a.required, a.published) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
        date(2026, 11, 30),
        1,
        0,
    )
    # Last week's due date, Sunday 11-22, rolls to today (Monday 11-23): the item
    # published this morning counts for last week, whose window is still open.
    d = s["D"].rules[0]
    assert (d.period_start, d.period_end, d.due, d.published) == (
        date(2026, 11, 16),
        date(2026, 11, 22),
        date(2026, 11, 23),
        1,
    )
    f = s["F"].rules[0]
    assert (f.due, f.provisional, s["F"].provisional) == (date(2027, 2, 1), True, True)
    assert s["I"].stale and not s["A"].stale
    assert (s["J"].open_items_overdue, s["J"].open_items_due_soon) == (1, 1)
    k = s["K"].rules[0]
    assert (k.required, k.published) == (3, 1)
    assert s["C"].next_due == date(2026, 11, 25)


def test_linked_obligations_show_on_the_assignment(portal: Portal) -> None:
    column = portal.column(
        "政策解读", {"kind": "after_event", "within": 3, "unit": "workday", "event": "published"}
    )
    for due in ("2026-11-19", "2026-11-26"):
        portal.session.add(
            Obligation(
                column_id=column.id,
                unit_id=portal.world.unit_a.id,
                due_date=date.fromisoformat(due),
                created_at=NOW,
            )
        )
    s = portal.status()["政策解读"]
    assert (s.status, s.obligations_open, s.obligations_overdue, s.overdue_since) == (
        "overdue",
        2,
        1,
        date(2026, 11, 20),
    )


def test_same_number_of_queries_at_any_size(session: Session) -> None:
    world = build_world(session, NOW)
    engine = session.get_bind()
    statements: list[str] = []

    def count(*args: Any) -> None:
        if "set_config('work_mem'" not in args[2]:  # a setting on PostgreSQL, not a query
            statements.append(args[2])

    def run() -> int:
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            evaluate(session, NOW)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    def grow(n: int) -> None:
        for i in range(n):
            column = make_column(session, [world.unit_a, world.unit_b])
            column.rules = [
                per(1, "month"),
                {"kind": "annual", "by": "01-31"},
                per(50 + i % 5, "day"),
                {"kind": "on_change"},
            ]
            for k in range(3):
                session.add(
                    Item(
                        column_id=column.id,
                        unit_id=world.unit_a.id,
                        drafter_id=world.drafter.id,
                        kind=ItemKind.ARTICLE,
                        title="x",
                        state=State.PUBLISHED,
                        version=1,
                        current_revision_no=1,
                        live_revision_no=1,
                        first_published_at=NOW - timedelta(days=10 * k),
                        published_at=NOW,
                        audit_seq=0,
                        content_digest="",
                        review_facts={},
                        created_at=NOW,
                        updated_at=NOW,
                        state_since=NOW,
                    )
                )
        session.flush()

    grow(5)
    small = run()
    grow(100)
    # calendar (2), assignments, parts, items, statements, external publications, dues, owed
    assert run() == small <= 9


def test_an_item_on_a_moved_due_date_counts_once(portal: Portal) -> None:
    """2026-01-31 was a Saturday: the annual report published Monday 02-02 is on time for
    2026 and must not also excuse 2027 (due Sun 2027-01-31 → fallback Mon 02-01)."""
    portal.column("年报", {"kind": "annual", "by": "01-31"})
    portal.item("年报", published="2026-02-02")
    later = datetime(2027, 2, 10, 10, tzinfo=BJ).astimezone(UTC)
    s = portal.status(later)["年报"]
    assert (s.status, s.overdue_since) == ("overdue", date(2027, 2, 2))
    assert portal.status()["年报"].status in ("ok", "provisional")  # 2026-11-23: fine


def test_a_lapse_is_dated_from_the_first_missed_period(portal: Portal) -> None:
    # Monthly, last item 06-15: July's due (Fri 07-31) was the first missed → since 08-01.
    portal.column("月报", {"kind": "periodic", "every": 1, "unit": "month", "min_items": 1})
    portal.item("月报", published="2026-06-15")
    s = portal.status()["月报"]
    assert (s.status, s.overdue_since) == ("overdue", date(2026, 8, 1))


def test_a_statement_stands_for_the_period_where_allowed(portal: Portal) -> None:
    column = portal.column(
        "信箱", {"kind": "periodic", "every": 1, "unit": "month", "min_items": 3}
    )
    for day in ("2026-10-05", "2026-10-15", "2026-10-25"):
        portal.item("信箱", published=day)
    statement = portal.item("信箱", published="2026-11-10")
    statement.kind = ItemKind.STATEMENT
    assert portal.status()["信箱"].rules[0].published == 1  # not allowed: counts as 1 of 3
    column.allows_statement = True
    rule = portal.status()["信箱"].rules[0]
    assert (rule.status, rule.published) == ("ok", 3)


def test_a_malformed_hand_entered_rule_is_skipped_not_fatal(portal: Portal) -> None:
    portal.column(
        "手工",
        {"kind": "once", "by": "2026-6-30"},
        {"kind": "periodic", "every": 1, "unit": "month", "min_items": 1},
    )
    portal.item("手工", published="2026-11-02")
    s = portal.status()["手工"]
    assert (s.invalid_rules, len(s.rules)) == (1, 1)
