"""workflow.admin_log: events join the change's transaction, diffs name old and new
values, secrets are refused, and PostgreSQL itself keeps admin_events append-only."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from workflow import admin_log
from workflow.accounts import set_password, set_roles
from workflow.enums import Role
from workflow.models import AdminEvent

from .conftest import bypass_triggers
from .factories import World


def _count(session: Session) -> int:
    return int(session.scalar(select(func.count(AdminEvent.id))) or 0)


def test_diff_names_old_and_new_values(session: Session, world: World, now: datetime) -> None:
    user = world.drafter
    before = admin_log.snapshot(user, ("roles", "active", "name"))
    set_roles(user, [Role.DRAFTER, Role.HEAD])
    user.active = False
    assert admin_log.diff(before, user) == {
        "roles": [["drafter"], ["drafter", "head"]],
        "active": [True, False],
    }
    event = admin_log.record(
        session,
        actor=world.user(Role.ADMIN, "office"),
        action="user.update",
        target_type="user",
        target_id=user.id,
        target_label=user.name,
        changes=admin_log.diff(before, user),
        now=now,
    )
    session.flush()
    admin = world.user(Role.ADMIN, "office")
    assert (event.actor_id, event.target_id, event.at) == (admin.id, str(user.id), now)


def test_a_rolled_back_change_leaves_no_event(
    session: Session, world: World, now: datetime
) -> None:
    before = _count(session)
    session.commit()  # (the fixture's savepoint: the test's own transaction stays open)
    world.unit_a.active = False
    admin_log.record(
        session,
        actor=None,
        action="unit.deactivate",
        target_type="unit",
        target_id=world.unit_a.id,
        target_label=world.unit_a.name,
        changes={"active": [True, False]},
        now=now,
    )
    session.flush()
    assert _count(session) == before + 1
    session.rollback()
    assert _count(session) == before


def test_passwords_and_hashes_are_refused(session: Session, world: World, now: datetime) -> None:
    set_password(world.drafter, "correct-horse-battery")
    for changes in (
        {"password": [None, "correct-horse-battery"]},
        {"password_hash": [None, world.drafter.password_hash]},
        {"feed_token": ["a", "b"]},
    ):
        with pytest.raises(admin_log.SecretInLog):
            admin_log.record(
                session,
                actor=None,
                action="user.update",
                target_type="user",
                target_id=world.drafter.id,
                target_label="x",
                changes=changes,
                now=now,
            )
    # The fact of a reset is the one way to say it.
    admin_log.record(
        session,
        actor=None,
        action="user.password_reset",
        target_type="user",
        target_id=world.drafter.id,
        target_label="x",
        changes=admin_log.PASSWORD_RESET,
        now=now,
    )


def test_postgresql_itself_refuses_to_change_admin_events(
    engine: Engine, is_postgres: bool, now: datetime
) -> None:
    if not is_postgres:
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    with engine.begin() as conn:
        row_id = conn.execute(
            insert(AdminEvent)
            .values(
                at=now,
                actor_id=None,
                action="unit.create",
                target_type="unit",
                target_id="1",
                target_label="区教育局",
                changes={},
            )
            .returning(AdminEvent.id)
        ).scalar_one()
    try:
        for statement in (
            "UPDATE admin_events SET target_label = 'x'",
            "DELETE FROM admin_events",
            "TRUNCATE admin_events",
        ):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
                conn.execute(text(statement))
    finally:
        with engine.begin() as conn:
            bypass_triggers(conn)
            conn.execute(text("DELETE FROM admin_events WHERE id = :i"), {"i": row_id})
