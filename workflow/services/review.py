"""The 三审 actions: submit, approve, reject, resubmit, withdraw, retract, revise.

Each returns an Outcome whose value is the item as the action left it (a snapshot of
its row, read with Core: see services.core) and whose events describe the action.

Order of checks, so every refusal names the right cause: stale version → the action
exists from the current state → role / unit / separation of duties → input (comment,
保密审查) → the column's publish prerequisites. Nothing is written before all pass.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, update
from sqlalchemy.orm import Session

from workflow import audit
from workflow import changes as feed
from workflow.deadlines.due import DEFAULT_PROMPT_WINDOW
from workflow.enums import Action, State
from workflow.errors import ConfidentialityCheckRequired, StaleVersion
from workflow.events import (
    ItemApproved,
    ItemPublished,
    ItemRetracted,
    ItemReturned,
    ItemRevised,
    ItemSubmitted,
    ItemWithdrawn,
)
from workflow.models import Item, Revision, User
from workflow.outcome import Outcome, done
from workflow.services.checks import check_for_submit, require_no_serious
from workflow.services.core import (
    AnyItem,
    ItemSnapshot,
    begin_review,
    begin_transition,
    check_publishable,
    clean_comment,
    event,
    flush,
    next_state,
    one_flush,
    require_aware,
    require_comment,
    revision,
    sync,
    write,
)
from workflow.services.drafting import copy_revision
from workflow.services.obligations import on_publish, on_retract

_REVISIONS = cast(Table, Revision.__table__)
_ITEMS = cast(Table, Item.__table__)


@one_flush
def submit(
    session: Session, *, actor: User, item_id: int, expected_version: int, now: datetime
) -> Outcome[ItemSnapshot]:
    """draft → initial_review (初审)."""
    return _submit(session, actor, item_id, expected_version, now, Action.SUBMIT)


@one_flush
def resubmit(
    session: Session, *, actor: User, item_id: int, expected_version: int, now: datetime
) -> Outcome[ItemSnapshot]:
    """returned → initial_review: the whole 三审 starts again."""
    return _submit(session, actor, item_id, expected_version, now, Action.RESUBMIT)


def _submit(
    session: Session,
    actor: User,
    item_id: int,
    expected_version: int,
    now: datetime,
    action: Action,
) -> Outcome[ItemSnapshot]:
    require_aware(now)
    item, facts, _ = begin_transition(session, item_id, actor, action, expected_version)
    check_publishable(session, item, facts)
    # The content checks once more (a list may have changed since the last save); a
    # serious finding neither fixed nor overridden by the office refuses the submit.
    checks = check_for_submit(session, item.id, item.current_revision_no, now)
    row = write(
        session,
        item,
        expected_version,
        actor=actor,
        action=action,
        to_state=next_state(item, action),
        now=now,
        freeze=True,  # the submitted revision is frozen in the same statement
    )
    return done(item, [event(ItemSubmitted, item, row), *checks])


@one_flush
def approve(
    session: Session,
    *,
    actor: User,
    item_id: int,
    expected_version: int,
    now: datetime,
    comment: str | None = None,
    confidentiality_checked: bool = False,
    prompt_window: int = DEFAULT_PROMPT_WINDOW,
) -> Outcome[ItemSnapshot]:
    """Approve the current stage; the office's approval (审发) publishes, which settles
    and creates linked obligations (their events follow ItemPublished)."""
    require_aware(now)
    item, facts, _, principal = begin_review(
        session, item_id, actor, Action.APPROVE, expected_version, now
    )
    stage = item.state
    if stage == State.INITIAL_REVIEW and not confidentiality_checked:
        raise ConfidentialityCheckRequired("初审 approval needs the 保密审查 confirmation")
    if facts.flagged:  # read with the item: no query unless there is something to name
        require_no_serious(session, item.id, item.current_revision_no)
    to_state = next_state(item, Action.APPROVE)
    first_time = item.first_published_at is None
    changes: dict[str, Any] = {}
    if to_state == State.PUBLISHED:
        check_publishable(session, item, facts)
        feed.lock(session)  # before the item's row (see workflow.changes.lock)
        changes = {
            "live_revision_no": item.current_revision_no,
            "published_at": now,
            "first_published_at": item.first_published_at or now,
        }
    row = write(
        session,
        item,
        expected_version,
        actor=actor,
        action=Action.APPROVE,
        to_state=to_state,
        now=now,
        changes=changes,
        comment=clean_comment(comment),
        confidentiality_checked=confidentiality_checked,
        on_behalf_of_id=principal.id if principal else None,
    )
    if to_state == State.PUBLISHED:
        feed.record(
            session,
            item_id=item.id,
            kind=feed.PUBLISHED if first_time else feed.REVISED,
            revision_no=row["revision_no"],
            column_id=item.column_id,
            unit_id=item.unit_id,
            now=now,
        )
        published = event(
            ItemPublished, item, row, drafter_id=item.drafter_id, revised=not first_time
        )
        return done(
            item, [published, *on_publish(session, item, facts, now, first_time, prompt_window)]
        )
    return done(item, [event(ItemApproved, item, row)])


@one_flush
def reject(
    session: Session,
    *,
    actor: User,
    item_id: int,
    expected_version: int,
    now: datetime,
    comment: str,
) -> Outcome[ItemSnapshot]:
    """Return the item to its drafter from any review stage; a comment is required."""
    require_aware(now)
    item, _, approvers, principal = begin_review(
        session, item_id, actor, Action.REJECT, expected_version, now
    )
    text = require_comment(comment, "a rejection needs a comment saying what to change")
    row = write(
        session,
        item,
        expected_version,
        actor=actor,
        action=Action.REJECT,
        to_state=next_state(item, Action.REJECT),
        now=now,
        comment=text,
        on_behalf_of_id=principal.id if principal else None,
    )
    return done(
        item, [event(ItemReturned, item, row, drafter_id=item.drafter_id, approver_ids=approvers)]
    )


@one_flush
def withdraw(
    session: Session,
    *,
    actor: User,
    item_id: int,
    expected_version: int,
    now: datetime,
    comment: str | None = None,
) -> Outcome[ItemSnapshot]:
    """Withdraw a draft/returned item; for a new revision of a published item, discard
    the revision and keep the published one."""
    require_aware(now)
    item, _, _ = begin_transition(session, item_id, actor, Action.WITHDRAW, expected_version)
    to_state = next_state(item, Action.WITHDRAW)
    row = write(
        session,
        item,
        expected_version,
        actor=actor,
        action=Action.WITHDRAW,
        to_state=to_state,
        now=now,
        comment=clean_comment(comment),
    )
    if to_state == State.PUBLISHED and item.live_revision_no is not None:
        # Back to the live revision: no audit row of its own (the withdraw row records
        # the discarded revision); the next row will record the live one again.
        live = revision(session, item, item.live_revision_no)
        restore = {
            "current_revision_no": live.number,
            "title": live.title,
            "content_digest": audit.revision_digest(live),
        }
        _restore(session, item, restore)
    return done(item, [event(ItemWithdrawn, item, row)])


def _restore(session: Session, item: AnyItem, values: dict[str, Any]) -> None:
    """Point the item back at its live revision, in the same transaction as (and right
    after) the versioned withdraw: the version it must have now is the one just written."""
    version = item.version
    result = session.execute(
        update(_ITEMS).where(_ITEMS.c.id == item.id, _ITEMS.c.version == version).values(**values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleVersion(f"item {item.id} was changed by someone else")
    sync(session, item, values, version)


@one_flush
def retract(
    session: Session,
    *,
    actor: User,
    item_id: int,
    expected_version: int,
    now: datetime,
    comment: str,
) -> Outcome[ItemSnapshot]:
    """Take a published item off the portal (撤稿); the reason is required."""
    require_aware(now)
    item, _, _ = begin_transition(session, item_id, actor, Action.RETRACT, expected_version)
    text = require_comment(comment, "retracting a published item needs a reason")
    feed.lock(session)  # before the item's row (see workflow.changes.lock)
    row = write(
        session,
        item,
        expected_version,
        actor=actor,
        action=Action.RETRACT,
        to_state=next_state(item, Action.RETRACT),
        now=now,
        changes={"live_revision_no": None},
        comment=text,
    )
    on_retract(session, item.id, now)
    feed.record(
        session,
        item_id=item.id,
        kind=feed.RETRACTED,
        revision_no=row["revision_no"],
        column_id=item.column_id,
        unit_id=item.unit_id,
        now=now,
    )
    return done(item, [event(ItemRetracted, item, row)])


@one_flush
def revise(
    session: Session, *, actor: User, item_id: int, expected_version: int, now: datetime
) -> Outcome[ItemSnapshot]:
    """Start a new revision of a published item; the live one stays visible until the
    new one has passed all three stages."""
    require_aware(now)
    item, _, _ = begin_transition(session, item_id, actor, Action.REVISE, expected_version)
    assert item.live_revision_no is not None  # published implies a live revision
    live = revision(session, item, item.live_revision_no)
    orm_item = session.get(Item, item.id, populate_existing=True)  # fresh revisions list
    assert orm_item is not None
    rev = copy_revision(orm_item, live, actor, now)
    row = write(
        session,
        item,
        expected_version,
        actor=actor,
        action=Action.REVISE,
        to_state=next_state(item, Action.REVISE),
        now=now,
        changes={
            "current_revision_no": rev.number,
            "drafter_id": actor.id,
            "content_digest": audit.revision_digest(rev),
        },
    )
    flush(session, item.id)
    return done(item, [event(ItemRevised, item, row)])
