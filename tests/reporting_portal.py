"""A small portal with hand-countable facts, shared by the reporting tests.

Times are Beijing time. 2026's National Day holiday is 10-01…10-07, Saturday 10-10 is an
adjusted working day, 09-25 (a Friday) is the Mid-Autumn holiday.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from workflow import services
from workflow.accounts import create_unit
from workflow.enums import ItemKind, Role, State
from workflow.models import Column, ColumnAssignment, Item, Obligation, Unit

from .factories import LONG_AGO, World, make_column, unique
from .services import act

BJ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 23, 10, tzinfo=BJ).astimezone(UTC)  # Monday


def at(day: str, hour: int = 10) -> datetime:
    return (
        datetime.combine(date.fromisoformat(day), datetime.min.time(), BJ)
        .replace(hour=hour)
        .astimezone(UTC)
    )


class Portal:
    """Columns and items written directly (no audit trail) for the date arithmetic."""

    def __init__(self, session: Session, world: World) -> None:
        self.session, self.world = session, world
        self.unit_c: Unit = create_unit(session, unique("区统计局"))
        self.columns: dict[str, Column] = {}

    def column(self, name: str, units: list[Unit], *rules: dict[str, Any], **fields: Any) -> Column:
        column = make_column(self.session, units, name=name)
        column.rules = list(rules)
        # The office confirmed these rules long ago (a test may pass None: 待确认).
        column.rules_confirmed_at = at("2020-01-01")
        for key, value in fields.items():
            setattr(column, key, value)
        self.columns[name] = column
        self.session.flush()
        return column

    def assign(self, name: str, unit: Unit) -> None:
        self.columns[name].assignments.append(
            ColumnAssignment(unit=unit, role="cooperating", responsible_since=LONG_AGO)
        )
        self.session.flush()

    def item(
        self,
        name: str,
        unit: Unit,
        *,
        published: str | None = None,
        state: str | None = None,
        since: str | None = None,
        due: str | None = None,
        kind: str = ItemKind.ARTICLE,
        event: str | None = None,
    ) -> Item:
        when = at(published) if published else at(since or "2026-09-01")
        item = Item(
            column_id=self.columns[name].id,
            unit_id=unit.id,
            drafter_id=self.world.drafter.id,
            kind=kind,
            title=f"{name}信息",
            state=state or (State.PUBLISHED if published else State.DRAFT),
            version=1,
            current_revision_no=1,
            live_revision_no=1 if published else None,
            first_published_at=when if published else None,
            published_at=when if published else None,
            event_date=date.fromisoformat(event) if event else None,
            due_date=date.fromisoformat(due) if due else None,
            audit_seq=0,
            content_digest="",
            review_facts={},
            created_at=when,
            updated_at=when,
            state_since=when,
        )
        self.session.add(item)
        self.session.flush()
        return item

    def obligation(
        self,
        name: str,
        unit: Unit,
        due: str,
        fulfilled: str | None = None,
        cancelled: str | None = None,
    ) -> Obligation:
        o = Obligation(
            column_id=self.columns[name].id,
            unit_id=unit.id,
            description="政策解读",
            due_date=date.fromisoformat(due),
            created_at=at("2026-10-01"),
            fulfilled_at=at(fulfilled) if fulfilled else None,
            cancelled_at=at(cancelled) if cancelled else None,
        )
        self.session.add(o)
        self.session.flush()
        return o


def walk(session: Session, world: World, steps: list[tuple[str, str]]) -> Item:
    """An item of unit A in the world's column (no rules), moved by the real services:
    steps are (action, Beijing day) — create on the first step's day."""
    item = services.create_item(
        session,
        actor=world.drafter,
        column_id=world.column.id,
        kind=ItemKind.ARTICLE,
        title="审核时长",
        now=at(steps[0][1], 9),
    ).value
    actors = {
        "submit": world.drafter,
        "resubmit": world.drafter,
        State.INITIAL_REVIEW: world.user(Role.DEPUTY_HEAD),
        State.HEAD_REVIEW: world.user(Role.HEAD),
        State.OFFICE_REVIEW: world.office_editor,
    }
    for action, day in steps:
        actor = actors[action] if action in ("submit", "resubmit") else actors[item.state]
        extra: dict[str, Any] = {}
        if action == "approve" and item.state == State.INITIAL_REVIEW:
            extra["confidentiality_checked"] = True
        if action == "reject":
            extra["comment"] = "请修改"
        act(session, action, item, by=actor, now=at(day), **extra)
    return item


def october_portal(session: Session, world: World) -> Portal:
    """The scoreboard fixture for October 2026 (see test_reporting_scoreboard.py)."""
    p = Portal(session, world)
    a, b, c = world.unit_a, world.unit_b, p.unit_c
    monthly = {"kind": "periodic", "every": 1, "unit": "month", "min_items": 1, "by_day": 25}
    p.column("月报", [a, b], monthly)
    p.assign("月报", c)
    # October's due date: 10-25 is a Sunday → Monday 10-26; September's: 09-25 is a
    # holiday → 09-28. Window (09-28, 10-26]; late until November's due (11-25) or
    # yesterday (11-22), whichever is first.
    p.item("月报", a, published="2026-10-26")  # on the moved due date: on time
    p.item("月报", b, published="2026-10-28")  # after it, before November's: late
    p.item("月报", c, published="2026-09-28")  # counts for September: October missed
    p.column("依申请公开", [a, b], {"kind": "after_event", "within": 15, "unit": "workday"})
    p.item("依申请公开", a, published="2026-10-19", due="2026-10-20")  # on time
    p.item("依申请公开", a, published="2026-10-23", due="2026-10-22")  # late
    p.item("依申请公开", b, state=State.INITIAL_REVIEW, since="2026-10-10", due="2026-10-15")
    p.item("依申请公开", b, state=State.WITHDRAWN, due="2026-10-16")  # owes nothing
    p.item("依申请公开", a, state=State.DRAFT, due="2026-11-30")  # not in October
    p.column("政策解读", [a, b])
    p.obligation("政策解读", a, due="2026-10-10", fulfilled="2026-10-09")  # on time
    p.obligation("政策解读", b, due="2026-10-12")  # open: missed
    p.obligation("政策解读", a, due="2026-10-14", cancelled="2026-10-13")  # not counted
    # Review stages of unit A, through the real services (working days in brackets):
    # X: 初审 09-30 → 10-08 [10-08: 1], 审核 → 10-10 (adjusted Saturday) [10-09, 10-10: 2],
    #    审发 → 10-12 [10-12: 1]
    walk(
        session,
        world,
        [
            ("submit", "2026-09-30"),
            ("approve", "2026-10-08"),
            ("approve", "2026-10-10"),
            ("approve", "2026-10-12"),
        ],
    )
    # Y: 初审 10-13 → returned 10-16 [14, 15, 16: 3]
    walk(session, world, [("submit", "2026-10-13"), ("reject", "2026-10-16")])
    # Z: 初审 10-19 → 10-19 [0], 审核 → 10-21 [20, 21: 2], then waits at 审发.
    walk(
        session,
        world,
        [("submit", "2026-10-19"), ("approve", "2026-10-19"), ("approve", "2026-10-21")],
    )
    return p
