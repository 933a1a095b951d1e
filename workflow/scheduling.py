"""Publication at a set time (定时发布): the office editor gives the 审发 approval now
for a later moment, and `publish_due` carries it out when the moment has come.

`publish_due` is what a periodic job calls. It is safe to run twice, and concurrently:
each schedule is claimed with a conditional UPDATE (`… WHERE done_at IS NULL`) before it
is acted on, so only one run publishes it. Publication is the editor's own approval
(audited with the editor as actor); if the item changed after it was scheduled (rejected,
resubmitted, retracted…) or the rules now refuse it, nothing is published and the
schedule records why. Like the services, each returns an Outcome and never commits:
`workflow.runner.run` commits, then hands the events on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from workflow.enums import Action, Role, State
from workflow.errors import (
    InvalidTransition,
    NotAllowed,
    NotFound,
    ValidationFailed,
    WorkflowError,
)
from workflow.models import Item, ScheduledPublication, User
from workflow.outcome import Outcome, done
from workflow.services import approve
from workflow.services.core import begin_transition, check_publishable, require_aware

_SCHEDULES = cast(Table, ScheduledPublication.__table__)

PUBLISHED = "published"


def schedule_publication(
    session: Session,
    *,
    actor: User,
    item_id: int,
    expected_version: int,
    publish_at: datetime,
    now: datetime,
) -> Outcome[ScheduledPublication]:
    """Schedule the 审发 approval of an item in office review for `publish_at`.

    Every check the approval itself makes runs now (version, state, role, separation of
    duties, the column's prerequisites), so the editor hears of a refusal at once.
    """
    require_aware(now)
    require_aware(publish_at)
    current = session.execute(
        select(Item.state, Item.version).where(Item.id == item_id)
    ).one_or_none()
    if current is None:
        raise NotFound(f"item {item_id} does not exist")
    if current.version == expected_version and current.state != State.OFFICE_REVIEW:
        raise InvalidTransition("only an item waiting for 审发 can be scheduled")
    item, facts, _ = begin_transition(session, item_id, actor, Action.APPROVE, expected_version)
    if publish_at <= now:
        raise ValidationFailed("the publication time must be in the future")
    check_publishable(session, item, facts)
    existing = session.get(ScheduledPublication, item_id)
    if existing is not None and existing.done_at is None:
        raise ValidationFailed("this item is already scheduled; cancel that first")
    if existing is not None:
        session.delete(existing)
        session.flush()
    schedule = ScheduledPublication(
        item_id=item_id,
        editor_id=actor.id,
        item_version=expected_version,
        publish_at=publish_at,
        created_at=now,
    )
    session.add(schedule)
    session.flush()
    return done(schedule)


def open_schedule(session: Session, item_id: int) -> ScheduledPublication | None:
    schedule = session.get(ScheduledPublication, item_id)
    return schedule if schedule is not None and schedule.done_at is None else None


def cancel_schedule(session: Session, *, actor: User, item_id: int, now: datetime) -> Outcome[None]:
    """Cancel an open schedule (any office editor of the district office may)."""
    require_aware(now)
    if not (actor.active and actor.has_role(Role.OFFICE_EDITOR) and actor.unit.is_office):
        raise NotAllowed("only an office editor of the district office may cancel")
    claimed = _claim(session, item_id, now, f"cancelled by {actor.login}")
    if not claimed:
        raise NotFound(f"item {item_id} has no open schedule")
    return done(None)


def _claim(session: Session, item_id: int, now: datetime, outcome: str) -> bool:
    result = session.execute(
        update(_SCHEDULES)
        .where(_SCHEDULES.c.item_id == item_id, _SCHEDULES.c.done_at.is_(None))
        .values(done_at=now, outcome=outcome[:200])
    )
    session.expire_all()  # the ORM copy of the schedule may be out of date now
    return bool(result.rowcount)  # type: ignore[attr-defined]


def publish_due(
    session: Session, *, actor: User | None = None, now: datetime
) -> Outcome[list[int]]:
    """Publish every schedule whose time has come: the value is the ids of the items
    published, the events those of their publication. `actor` is who runs it (the
    system: each publication is its editor's own approval). Each schedule runs in a
    savepoint: one refusal stops no other."""
    require_aware(now)
    due = session.execute(
        select(_SCHEDULES.c.item_id, _SCHEDULES.c.editor_id, _SCHEDULES.c.item_version)
        .where(_SCHEDULES.c.done_at.is_(None), _SCHEDULES.c.publish_at <= now)
        .order_by(_SCHEDULES.c.publish_at, _SCHEDULES.c.item_id)
    ).all()
    events: list[Any] = []
    published: list[int] = []
    for item_id, editor_id, item_version in due:
        savepoint = session.begin_nested()
        try:
            if not _claim(session, item_id, now, PUBLISHED):
                savepoint.rollback()
                continue  # another run took it
            editor = session.get(User, editor_id)
            item = session.get(Item, item_id, populate_existing=True)
            if editor is None or item is None:
                raise NotFound("the item or the editor no longer exists")
            if item.version != item_version or item.state != State.OFFICE_REVIEW:
                raise InvalidTransition("the item changed after it was scheduled")
            approved = approve(
                session,
                actor=editor,
                item_id=item_id,
                expected_version=item_version,
                now=now,
                comment="定时发布",
            )
            savepoint.commit()
            events += approved.events
            published.append(item_id)
        except WorkflowError as exc:
            savepoint.rollback()
            _claim(session, item_id, now, f"not published: {exc.code}: {exc}")
    return done(published, events)
