"""Publication at a set time: scheduling checks everything up front, publish_due
publishes what is due as the editor who scheduled it, once, and records why it did not
when the item changed in between."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.enums import Action, Role, State
from workflow.errors import InvalidTransition, NotAllowed, ValidationFailed
from workflow.events import ItemPublished
from workflow.models import AuditEvent, Item, ScheduledPublication
from workflow.scheduling import cancel_schedule, open_schedule, publish_due, schedule_publication

from .factories import World, item_in_state
from .services import act


def _scheduled(session: Session, world: World, now: datetime, hours: int = 2) -> Item:
    item = item_in_state(session, world, State.OFFICE_REVIEW, now)
    assert world.office_editor is not None
    schedule_publication(
        session,
        actor=world.office_editor,
        item_id=item.id,
        expected_version=item.version,
        publish_at=now + timedelta(hours=hours),
        now=now,
    )
    return item


def test_publishes_when_due_as_the_editor_and_only_once(
    session: Session, world: World, now: datetime
) -> None:
    item = _scheduled(session, world, now)
    assert publish_due(session, now=now + timedelta(hours=1)).events == ()  # not yet
    session.refresh(item)
    assert item.state == State.OFFICE_REVIEW
    events = publish_due(session, now=now + timedelta(hours=2)).events
    assert [type(e) for e in events][:1] == [ItemPublished]
    session.refresh(item)
    assert item.state == State.PUBLISHED and item.live_revision_no == item.current_revision_no
    last = (
        session.execute(
            select(AuditEvent).where(AuditEvent.item_id == item.id).order_by(AuditEvent.seq.desc())
        )
        .scalars()
        .first()
    )
    assert last is not None and world.office_editor is not None
    assert (last.action, last.actor_id, last.comment) == (
        Action.APPROVE,
        world.office_editor.id,
        "定时发布",
    )
    # A second run (or a second worker) finds nothing to do.
    assert publish_due(session, now=now + timedelta(hours=3)).events == ()
    schedule = session.get(ScheduledPublication, item.id)
    assert schedule is not None and schedule.outcome == "published" and schedule.done_at
    assert open_schedule(session, item.id) is None


def test_an_item_changed_after_scheduling_is_not_published(
    session: Session, world: World, now: datetime
) -> None:
    item = _scheduled(session, world, now)
    assert world.office_editor is not None
    colleague = world.users[(Role.OFFICE_EDITOR.value, "office")]
    act(session, "reject", item, by=colleague, now=now, comment="数据有误")
    assert publish_due(session, now=now + timedelta(hours=2)).events == ()
    session.refresh(item)
    assert item.state == State.RETURNED
    schedule = session.get(ScheduledPublication, item.id)
    assert schedule is not None and schedule.outcome is not None
    assert schedule.outcome.startswith("not published: invalid_transition")


def test_scheduling_checks_everything_up_front(
    session: Session, world: World, now: datetime
) -> None:
    item = item_in_state(session, world, State.OFFICE_REVIEW, now)
    editor = world.office_editor
    assert editor is not None
    with pytest.raises(ValidationFailed):
        schedule_publication(
            session,
            actor=editor,
            item_id=item.id,
            expected_version=item.version,
            publish_at=now - timedelta(minutes=1),
            now=now,
        )
    with pytest.raises(NotAllowed):
        schedule_publication(
            session,
            actor=world.user(Role.HEAD),
            item_id=item.id,
            expected_version=item.version,
            publish_at=now + timedelta(hours=1),
            now=now,
        )
    early = item_in_state(session, world, State.HEAD_REVIEW, now)
    with pytest.raises(InvalidTransition):
        schedule_publication(
            session,
            actor=editor,
            item_id=early.id,
            expected_version=early.version,
            publish_at=now + timedelta(hours=1),
            now=now,
        )
    schedule_publication(
        session,
        actor=editor,
        item_id=item.id,
        expected_version=item.version,
        publish_at=now + timedelta(hours=1),
        now=now,
    )
    with pytest.raises(ValidationFailed):  # one open schedule per item
        schedule_publication(
            session,
            actor=editor,
            item_id=item.id,
            expected_version=item.version,
            publish_at=now + timedelta(hours=2),
            now=now,
        )
    cancel_schedule(session, actor=editor, item_id=item.id, now=now)
    assert open_schedule(session, item.id) is None
    assert publish_due(session, now=now + timedelta(hours=5)).events == ()
    session.refresh(item)
    assert item.state == State.OFFICE_REVIEW
