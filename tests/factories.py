"""Factories for test data: a small portal with units, users for every role, a column."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow import services
from workflow.accounts import create_unit, create_user
from workflow.enums import AssignmentRole, ContentType, ItemKind, Role, State, UnitKind
from workflow.models import AuditEvent, Column, ColumnAssignment, Item, Unit, User

from .services import act

_counter = itertools.count(1)
# Test units answer for their columns from long before any test's dates: the periods a
# test judges are never cut off by the responsible-since day unless the test sets one.
LONG_AGO = date(2020, 1, 1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_counter)}"


def make_column(
    session: Session,
    units: list[Unit],
    *,
    name: str | None = None,
    content_type: str = ContentType.OTHER,
    prerequisites: dict[str, object] | None = None,
) -> Column:
    name = name or unique("栏目")
    column = Column(
        name=name,
        path=name,
        level=1,
        content_type=content_type,
        prerequisites=prerequisites or {},
        rules=[],
        tags=[],
    )
    for i, unit in enumerate(units):
        column.assignments.append(
            ColumnAssignment(
                unit=unit,
                role=AssignmentRole.LEAD if i == 0 else "cooperating",
                responsible_since=LONG_AGO,
            )
        )
    session.add(column)
    session.flush()
    return column


@dataclass
class World:
    """Unit A (the items' unit), unit B (another unit) and the office's unit, with one
    single-role user per role in A and in B, plus the office's editor."""

    unit_a: Unit
    unit_b: Unit
    office: Unit
    column: Column
    # (role, "a" | "b" | "office") → a user holding only that role in that unit
    users: dict[tuple[str, str], User] = field(default_factory=dict)
    office_editor: User | None = None

    def user(self, role: str, where: str = "a") -> User:
        return self.users[(role, where)]

    @property
    def drafter(self) -> User:
        return self.user(Role.DRAFTER)


def build_world(session: Session, now: datetime) -> World:
    suffix = unique("")
    unit_a = create_unit(session, f"区教育局{suffix}", UnitKind.DEPARTMENT)
    unit_b = create_unit(session, f"区民政局{suffix}", UnitKind.DEPARTMENT)
    office = create_unit(session, f"区政府办{suffix}", UnitKind.ZONE, is_office=True)
    world = World(unit_a, unit_b, office, make_column(session, [unit_a, unit_b]))
    for role in Role:
        for where, unit in (("a", unit_a), ("b", unit_b), ("office", office)):
            world.users[(role.value, where)] = create_user(
                session,
                login=unique(f"{role.value}_{where}_"),
                name=f"{role.value} {where}",
                unit=unit,
                roles=[role],
                now=now,
            )
    world.office_editor = create_user(
        session,
        login=unique("editor_"),
        name="区政府办编辑",
        unit=office,
        roles=[Role.OFFICE_EDITOR],
        now=now,
    )
    return world


def person(
    session: Session, world: World, roles: list[Role], now: datetime, name: str = "兼任"
) -> User:
    """A user of unit A holding several roles at once (a 兼任 deputy head, say)."""
    return create_user(
        session, login=unique("p"), name=name, unit=world.unit_a, roles=roles, now=now
    )


def tick(now: datetime, minutes: int = 1) -> datetime:
    return now + timedelta(minutes=minutes)


def new_item(
    session: Session,
    world: World,
    now: datetime,
    *,
    kind: str = ItemKind.ARTICLE,
    column: Column | None = None,
    drafter: User | None = None,
) -> Item:
    return services.create_item(
        session,
        actor=drafter or world.drafter,
        column_id=(column or world.column).id,
        kind=kind,
        title="关于开展2026年秋季学期招生工作的通知",
        body="<p>正文</p>",
        now=now,
    ).value


def item_in_state(session: Session, world: World, state: str, now: datetime) -> Item:
    """An item brought to `state` along the real path, each step by a different user."""
    item = new_item(session, world, now)

    def do(action: str, actor: User, **kw: object) -> None:
        act(session, action, item, by=actor, now=now, **kw)

    if state == State.DRAFT:
        return item
    if state == State.WITHDRAWN:
        do("withdraw", world.drafter)
        return item
    do("submit", world.drafter)
    if state == State.INITIAL_REVIEW:
        return item
    if state == State.RETURNED:
        do("reject", world.user(Role.DEPUTY_HEAD), comment="请补充数据来源")
        return item
    do("approve", world.user(Role.DEPUTY_HEAD), confidentiality_checked=True)
    if state == State.HEAD_REVIEW:
        return item
    do("approve", world.user(Role.HEAD))
    if state == State.OFFICE_REVIEW:
        return item
    assert world.office_editor is not None
    do("approve", world.office_editor)
    if state == State.PUBLISHED:
        return item
    do("retract", world.office_editor, comment="信息有误")
    assert state == State.RETRACTED
    return item


def audit_count(session: Session, item_id: int) -> int:
    return session.execute(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.item_id == item_id)
    ).scalar_one()


def published_item(session: Session, world: World, column: Column, when: datetime) -> Item:
    """A published item of unit A in `column`, first published `when` (a kept period)."""
    item = Item(
        column_id=column.id,
        unit_id=world.unit_a.id,
        drafter_id=world.drafter.id,
        kind=ItemKind.ARTICLE,
        title="上月信息",
        state=State.PUBLISHED,
        version=1,
        current_revision_no=1,
        live_revision_no=1,
        first_published_at=when,
        published_at=when,
        audit_seq=0,
        content_digest="",
        review_facts={},
        created_at=when,
        updated_at=when,
        state_since=when,
    )
    session.add(item)
    return item
