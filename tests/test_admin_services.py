"""The administrators' services (issue 14): columns, units, users and holidays checked
before anything is written, run through the one runner, each change with its log entry."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.enums import Role
from workflow.errors import NotAllowed, ValidationFailed
from workflow.models import AdminEvent, Column, HolidayOverride
from workflow.runner import run
from workflow.services import columns as column_settings
from workflow.services import holidays as holiday_settings
from workflow.services import units as unit_settings
from workflow.services import users as user_settings

from .factories import World, unique


@pytest.fixture(autouse=True)
def _committed_world(session: Session, world: World) -> None:
    """The runner rolls a refused change back: the world must be committed before (the
    test's outer transaction still drops it all)."""
    session.commit()


def _actions(session: Session) -> list[str]:
    return list(session.execute(select(AdminEvent.action).order_by(AdminEvent.id)).scalars())


def test_kinds_give_tags_and_prerequisites_in_one_place() -> None:
    tags, needs = column_settings.defaults(("门户", "办事服务", "办事指南"), "service", "")
    assert needs == {"service_guide_elements": True} and tags == []
    tags, needs = column_settings.defaults(("门户", "通知公告"), "news", "")
    assert needs == {} and tags == ["动态要闻", "通知公告"]
    # 办事指南 in the content makes the check too, whatever the kind.
    assert column_settings.defaults(("甲",), "other", "各类办事指南")[1] == {
        "service_guide_elements": True
    }


def test_a_column_moves_with_its_subtree_and_never_under_itself(
    session: Session, world: World, now: datetime
) -> None:
    def create(name: str, parent: Column | None = None) -> Column:
        outcome = run(
            session,
            column_settings.create_column,
            actor=world.user(Role.ADMIN, "office"),
            now=now,
            name=name,
            parent_id=parent.id if parent else None,
            time_requirement="每月25日前报送",
        )
        return outcome.value

    top, other = create(unique("甲")), create(unique("乙"))
    child = create("子栏目", top)
    assert child.rules and not child.rules_confirmed  # parsed: 待确认
    with pytest.raises(column_settings.NameTaken):
        create("子栏目", top)
    fields: dict[str, Any] = {
        "content": "",
        "time_requirement": child.time_requirement,
        "content_type": "other",
        "allows_statement": False,
        "retired": False,
    }
    admin = world.user(Role.ADMIN, "office")
    with pytest.raises(ValidationFailed, match="under itself"):
        run(
            session,
            column_settings.update_column,
            actor=admin,
            now=now,
            column=top,
            name=top.name,
            parent_id=child.id,
            **fields,
        )
    run(
        session,
        column_settings.update_column,
        actor=admin,
        now=now,
        column=top,
        name=top.name,
        parent_id=other.id,
        **fields,
    )
    session.refresh(child)
    assert child.path == f"{other.name}/{top.name}/子栏目" and child.level == 3
    saved = run(
        session,
        column_settings.update_column,
        actor=admin,
        now=now,
        column=top,
        name=top.name,
        parent_id=other.id,
        **fields,
    )
    assert saved.log == ()  # saved unchanged: no log entry
    assert _actions(session)[-4:] == [
        "column.create",
        "column.create",
        "column.create",
        "column.update",
    ]


def test_assignments_and_designated_drafters(session: Session, world: World, now: datetime) -> None:
    admin = world.user(Role.ADMIN, "office")
    column = world.column
    with pytest.raises(column_settings.AlreadyAssigned):
        run(
            session,
            column_settings.assign_unit,
            actor=admin,
            now=now,
            column=column,
            unit_id=world.unit_a.id,
            since=date(2026, 1, 1),
        )
    assignment = next(a for a in column.assignments if a.unit_id == world.unit_a.id)
    with pytest.raises(ValidationFailed, match="not an active drafter"):
        run(
            session,
            column_settings.set_drafters,
            actor=admin,
            now=now,
            assignment=assignment,
            user_ids=[world.user(Role.DRAFTER, "b").id],
        )
    changed = run(
        session,
        column_settings.set_drafters,
        actor=admin,
        now=now,
        assignment=assignment,
        user_ids=[world.drafter.id],
    )
    assert changed.value and assignment.drafters == [world.drafter]
    column_id = run(
        session, column_settings.unassign_unit, actor=admin, now=now, assignment=assignment
    ).value
    assert column_id == column.id
    assert _actions(session)[-2:] == ["assignment.drafters", "assignment.remove"]


def test_users_units_and_holidays(session: Session, world: World, now: datetime) -> None:
    admin = world.user(Role.ADMIN, "office")
    with pytest.raises(NotAllowed):  # nobody locks themselves out
        run(session, user_settings.update_user, actor=admin, now=now, user=admin, active=False)
    with pytest.raises(user_settings.LoginTaken):
        run(
            session,
            user_settings.create_user,
            actor=admin,
            now=now,
            login=world.drafter.login,
            name="重名",
            unit=world.unit_a,
            roles=[Role.DRAFTER],
        )
    drafter = world.drafter
    run(session, user_settings.update_user, actor=admin, now=now, user=drafter, password="Xx1" * 4)
    assert run(session, user_settings.update_user, actor=None, now=now, user=drafter).value is False
    unit = run(
        session, unit_settings.create_unit, actor=None, now=now, name=unique("区大数据局")
    ).value
    assert run(
        session, unit_settings.set_active, actor=None, now=now, unit=unit, active=False
    ).value
    day = date(2027, 10, 9)
    set_day: dict[str, Any] = {
        "actor": admin,
        "now": now,
        "day": day,
        "is_workday": True,
        "note": "调休",
    }
    assert run(session, holiday_settings.set_day, **set_day).value
    assert not run(session, holiday_settings.set_day, **set_day).value  # already so
    run(session, holiday_settings.remove_day, actor=admin, now=now, day=day)
    assert session.get(HolidayOverride, day) is None
    assert _actions(session)[-5:] == [
        "user.password_reset",
        "unit.create",
        "unit.deactivate",
        "holiday.set",
        "holiday.remove",
    ]
