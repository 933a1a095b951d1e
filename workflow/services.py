"""The services that change items: create, edit, and the seven 三审 actions.

Every service takes the session, the acting user and `now` (an aware datetime); it
checks everything before writing, writes the transition and its audit row, flushes,
and returns events. It never commits and never sends anything: the caller commits,
then hands the events on. If a service raises StaleVersion after flushing, the
caller must roll back (the web layer does on any error).

Order of checks, so every refusal names the right cause: stale version → the action
exists from the current state → role / unit / separation of duties → input (comment,
保密审查) → the column's publish prerequisites.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from workflow import audit
from workflow.enums import Action, AttachmentType, ItemKind, Role, State
from workflow.errors import (
    CommentRequired,
    ConfidentialityCheckRequired,
    InactiveUser,
    InvalidTransition,
    NotDesignated,
    NotFound,
    RoleRequired,
    StaleVersion,
    ValidationFailed,
    WrongUnit,
)
from workflow.events import (
    ItemApproved,
    ItemCreated,
    ItemEvent,
    ItemPublished,
    ItemRetracted,
    ItemReturned,
    ItemRevised,
    ItemSubmitted,
    ItemWithdrawn,
)
from workflow.machine import available, fire
from workflow.models import (
    Attachment,
    AuditEvent,
    Blob,
    Column,
    ColumnAssignment,
    Item,
    Revision,
    User,
)
from workflow.permissions import REVIEW_ACTIONS, History, check_permission
from workflow.prerequisites import Prerequisites
from workflow.storage import BlobStore

P = ParamSpec("P")
R = TypeVar("R")

TITLE_MAX = 500
EDITABLE_STATES = frozenset({State.DRAFT, State.RETURNED})


# --------------------------------------------------------------------------- helpers


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware")


def _get_item(session: Session, item_id: int) -> Item:
    item = session.get(Item, item_id)
    if item is None:
        raise NotFound(f"item {item_id} does not exist")
    return item


def _check_version(item: Item, expected_version: int) -> None:
    if item.version != expected_version:
        raise StaleVersion(f"item {item.id} is at version {item.version}, not {expected_version}")


def _check_drafter(actor: User, item_unit_id: int) -> None:
    if not actor.active:
        raise InactiveUser(f"user {actor.login} is deactivated")
    if not actor.has_role(Role.DRAFTER):
        raise RoleRequired("drafting needs the drafter role")
    if actor.unit_id != item_unit_id:
        raise WrongUnit("only drafters of the item's own unit may draft it")


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("a title is required")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(f"the title is longer than {TITLE_MAX} characters")
    return title


def _clean_comment(comment: str | None) -> str | None:
    comment = (comment or "").strip()
    return comment or None


def _revision(session: Session, item: Item, number: int) -> Revision:
    rev = session.execute(
        select(Revision).where(Revision.item_id == item.id, Revision.number == number)
    ).scalar_one_or_none()
    if rev is None:
        raise NotFound(f"item {item.id} has no revision {number}")
    return rev


AUTHOR_ACTIONS = frozenset(
    {Action.CREATE, Action.EDIT, Action.SUBMIT, Action.RESUBMIT, Action.REVISE}
)


def _history(session: Session, item: Item) -> tuple[History, tuple[int, ...]]:
    """Authors of the item and reviewers of its current revision, from the audit trail;
    also who approved the current revision (in order), for the return notice."""
    rows = session.execute(
        select(
            AuditEvent.actor_id, AuditEvent.action, AuditEvent.from_state, AuditEvent.revision_no
        )
        .where(AuditEvent.item_id == item.id)
        .order_by(AuditEvent.seq)
    ).all()
    authors: set[int] = set()
    reviewers: dict[str, set[int]] = {}
    approvers: list[int] = []
    for actor_id, action, from_state, revision_no in rows:
        if action in AUTHOR_ACTIONS:
            authors.add(actor_id)
        elif (
            action in REVIEW_ACTIONS
            and from_state is not None
            and revision_no == item.current_revision_no
        ):
            reviewers.setdefault(from_state, set()).add(actor_id)
            if action == Action.APPROVE:
                approvers.append(actor_id)
    history = History(
        authors=frozenset(authors),
        reviewers={stage: frozenset(ids) for stage, ids in reviewers.items()},
    )
    return history, tuple(dict.fromkeys(approvers))


def _prerequisites(session: Session, item: Item) -> Prerequisites:
    column = item.column
    return Prerequisites.of(column.content_type, column.prerequisites)


def _check_publishable(session: Session, item: Item) -> None:
    if item.column.retired_at is not None:
        raise ValidationFailed(f"column {item.column.path} is retired")
    prereq = _prerequisites(session, item)
    needs_revision = prereq.needs_attachments or prereq.service_guide_elements
    if not needs_revision:
        prereq.check_kind(item.kind)
        return
    rev = _revision(session, item, item.current_revision_no)
    prereq.check_content(item.kind, rev.fields or {}, (a.type for a in rev.attachments))


def _flush(session: Session, item: Item) -> None:
    """Flush; a concurrent change to the item surfaces here as StaleVersion (a losing
    racer fails either on the item's version or on the audit row's (item, seq) key)."""
    item_id = item.id  # read before flushing: a failed flush leaves the item unreadable
    try:
        session.flush()
    except StaleDataError as exc:
        raise StaleVersion(f"item {item_id} was changed by someone else") from exc
    except IntegrityError as exc:
        if "uq_audit_events_item_id_seq" in str(exc.orig):
            raise StaleVersion(f"item {item_id} was changed by someone else") from exc
        raise


def _event(cls: type[ItemEvent], item: Item, row: AuditEvent, **extra: Any) -> ItemEvent:
    return cls(
        item_id=item.id,
        revision_no=row.revision_no,
        unit_id=item.unit_id,
        column_id=item.column_id,
        actor_id=row.actor_id,
        at=row.at,
        from_state=row.from_state,
        to_state=row.to_state,
        action=row.action,
        comment=row.comment,
        **extra,
    )


def _begin_transition(
    session: Session, item_id: int, actor: User, action: Action, expected_version: int
) -> tuple[Item, tuple[int, ...]]:
    """Load and check; returns the item and who approved its current revision."""
    item = _get_item(session, item_id)
    _check_version(item, expected_version)
    if not available(item, action):
        raise InvalidTransition(f"cannot {action} an item in state {item.state}")
    history, approvers = _history(session, item) if action in REVIEW_ACTIONS else (History(), ())
    check_permission(action, item, actor, history)
    return item, approvers


def _move(
    session: Session,
    item: Item,
    actor: User,
    action: Action,
    now: datetime,
    *,
    comment: str | None = None,
    confidentiality_checked: bool = False,
) -> AuditEvent:
    from_state = item.state
    to_state = fire(item, action)
    item.state_since = now
    item.updated_at = now
    return audit.append(
        session,
        item,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor_id=actor.id,
        at=now,
        comment=comment,
        confidentiality_checked=confidentiality_checked,
    )


def _new_working_revision(
    session: Session, item: Item, source: Revision, actor: User, now: datetime
) -> Revision:
    """Copy `source` into a new, unsubmitted revision (attachments are shared blobs)."""
    number = max(r.number for r in item.revisions) + 1
    rev = Revision(
        number=number,
        title=source.title,
        body=source.body,
        fields=dict(source.fields or {}),
        created_by_id=actor.id,
        created_at=now,
    )
    for att in source.attachments:
        rev.attachments.append(
            Attachment(
                blob_sha256=att.blob_sha256,
                filename=att.filename,
                media_type=att.media_type,
                type=att.type,
                created_at=att.created_at,
            )
        )
    item.revisions.append(rev)
    item.current_revision_no = number
    item.drafter_id = actor.id
    item.content_digest = audit.revision_digest(rev)
    return rev


def _record_edit(
    session: Session, item: Item, rev: Revision, actor: User, now: datetime, note: str
) -> None:
    """Content changed: new digest, and an audit row (which also bumps the version)."""
    item.content_digest = audit.revision_digest(rev)
    item.updated_at = now
    audit.append(
        session,
        item,
        action=Action.EDIT,
        from_state=item.state,
        to_state=item.state,
        actor_id=actor.id,
        at=now,
        comment=note,
    )


def _working_revision(session: Session, item: Item, actor: User, now: datetime) -> Revision:
    """The editable revision of a draft/returned item; a returned one is copied first."""
    rev = _revision(session, item, item.current_revision_no)
    if rev.frozen:
        rev = _new_working_revision(session, item, rev, actor, now)
    return rev


def _one_flush(service: Callable[P, R]) -> Callable[P, R]:
    """Run a service with autoflush off: its look-ups must not flush half-made changes
    (each flush of the item would bump its version); the service flushes once, at the end."""

    @functools.wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        session = args[0] if args else kwargs["session"]
        assert isinstance(session, Session)
        with session.no_autoflush:
            return service(*args, **kwargs)

    return wrapper


# --------------------------------------------------------------------------- drafting


@_one_flush
def create_item(
    session: Session,
    *,
    actor: User,
    column_id: int,
    kind: str,
    title: str,
    now: datetime,
    body: str = "",
    fields: Mapping[str, Any] | None = None,
    event_date: date | None = None,
) -> tuple[Item, list[ItemEvent]]:
    """Create a draft in one of the actor's unit's columns."""
    _require_aware(now)
    _check_drafter(actor, actor.unit_id)
    column = session.get(Column, column_id)
    if column is None:
        raise NotFound(f"column {column_id} does not exist")
    if column.retired_at is not None:
        raise ValidationFailed(f"column {column.path} is retired")
    assignment = session.execute(
        select(ColumnAssignment).where(
            ColumnAssignment.column_id == column_id, ColumnAssignment.unit_id == actor.unit_id
        )
    ).scalar_one_or_none()
    if assignment is None:
        raise WrongUnit(f"the actor's unit is not responsible for column {column.path}")
    if assignment.drafters and actor.id not in {u.id for u in assignment.drafters}:
        raise NotDesignated(f"column {column.path} has designated drafters; ask one of them")
    kind = ItemKind(kind).value
    Prerequisites.of(column.content_type, column.prerequisites).check_kind(kind)
    title = _clean_title(title)
    item = Item(
        column_id=column_id,
        unit_id=actor.unit_id,
        drafter_id=actor.id,
        kind=kind,
        title=title,
        event_date=event_date,
        state=State.DRAFT.value,
        current_revision_no=1,
        audit_seq=0,
        created_at=now,
        updated_at=now,
        state_since=now,
    )
    item.revisions.append(
        Revision(
            number=1,
            title=title,
            body=body or "",
            fields=dict(fields or {}),
            created_by_id=actor.id,
            created_at=now,
        )
    )
    item.content_digest = audit.revision_digest(item.revisions[0])
    session.add(item)
    session.flush()  # the audit row needs the item's id
    row = audit.append(
        session,
        item,
        action=Action.CREATE,
        from_state=None,
        to_state=State.DRAFT,
        actor_id=actor.id,
        at=now,
    )
    session.flush()
    return item, [_event(ItemCreated, item, row)]


@_one_flush
def update_draft(
    session: Session,
    *,
    actor: User,
    item_id: int,
    expected_version: int,
    title: str,
    now: datetime,
    body: str = "",
    fields: Mapping[str, Any] | None = None,
    event_date: date | None = None,
) -> Item:
    """Edit the working revision of a draft or returned item."""
    _require_aware(now)
    item = _get_item(session, item_id)
    _check_version(item, expected_version)
    if item.state not in EDITABLE_STATES:
        raise InvalidTransition(f"an item in state {item.state} cannot be edited")
    _check_drafter(actor, item.unit_id)
    title = _clean_title(title)
    rev = _working_revision(session, item, actor, now)
    rev.title, rev.body, rev.fields = title, body or "", dict(fields or {})
    item.title = title
    item.event_date = event_date
    item.drafter_id = actor.id
    _record_edit(session, item, rev, actor, now, "修改内容")
    _flush(session, item)
    return item


@_one_flush
def add_attachment(
    session: Session,
    *,
    actor: User,
    item_id: int,
    expected_version: int,
    store: BlobStore,
    data: bytes,
    filename: str,
    attachment_type: str,
    now: datetime,
    media_type: str = "application/octet-stream",
) -> Attachment:
    """Attach a file to the working revision; its bytes are stored once by hash."""
    _require_aware(now)
    item = _get_item(session, item_id)
    _check_version(item, expected_version)
    if item.state not in EDITABLE_STATES:
        raise InvalidTransition(f"an item in state {item.state} cannot be edited")
    _check_drafter(actor, item.unit_id)
    attachment_type = AttachmentType(attachment_type).value
    filename = (filename or "").strip()
    if not filename:
        raise ValidationFailed("the attachment needs a file name")
    sha = store.put(data)
    if session.get(Blob, sha) is None:
        session.add(Blob(sha256=sha, size=len(data), created_at=now))
    rev = _working_revision(session, item, actor, now)
    att = Attachment(
        blob_sha256=sha,
        filename=filename[:255],
        media_type=media_type,
        type=attachment_type,
        created_at=now,
    )
    rev.attachments.append(att)
    _record_edit(session, item, rev, actor, now, f"添加附件：{att.filename}")
    _flush(session, item)
    return att


@_one_flush
def remove_attachment(
    session: Session,
    *,
    actor: User,
    item_id: int,
    expected_version: int,
    attachment_id: int,
    now: datetime,
) -> None:
    _require_aware(now)
    item = _get_item(session, item_id)
    _check_version(item, expected_version)
    if item.state not in EDITABLE_STATES:
        raise InvalidTransition(f"an item in state {item.state} cannot be edited")
    _check_drafter(actor, item.unit_id)
    rev = _working_revision(session, item, actor, now)
    # After copying a frozen revision the ids differ; match by the original's blob/name.
    original = session.get(Attachment, attachment_id)
    if original is None:
        raise NotFound(f"attachment {attachment_id} does not exist")
    for att in list(rev.attachments):
        if att.id == attachment_id or (
            att.blob_sha256 == original.blob_sha256
            and att.filename == original.filename
            and att.type == original.type
        ):
            rev.attachments.remove(att)
            break
    else:
        raise NotFound(f"attachment {attachment_id} is not on the working revision")
    _record_edit(session, item, rev, actor, now, f"删除附件：{original.filename}")
    _flush(session, item)


# --------------------------------------------------------------------------- 三审 actions


@_one_flush
def submit(
    session: Session, *, actor: User, item_id: int, expected_version: int, now: datetime
) -> list[ItemEvent]:
    """draft → initial_review (初审)."""
    return _submit(session, actor, item_id, expected_version, now, Action.SUBMIT)


@_one_flush
def resubmit(
    session: Session, *, actor: User, item_id: int, expected_version: int, now: datetime
) -> list[ItemEvent]:
    """returned → initial_review: the whole 三审 starts again."""
    return _submit(session, actor, item_id, expected_version, now, Action.RESUBMIT)


def _submit(
    session: Session,
    actor: User,
    item_id: int,
    expected_version: int,
    now: datetime,
    action: Action,
) -> list[ItemEvent]:
    _require_aware(now)
    item, _ = _begin_transition(session, item_id, actor, action, expected_version)
    _check_publishable(session, item)
    rev = _revision(session, item, item.current_revision_no)
    if not rev.frozen:
        rev.submitted_at, rev.submitted_by_id = now, actor.id
    row = _move(session, item, actor, action, now)
    item.round_seq = row.seq
    _flush(session, item)
    return [_event(ItemSubmitted, item, row)]


@_one_flush
def approve(
    session: Session,
    *,
    actor: User,
    item_id: int,
    expected_version: int,
    now: datetime,
    comment: str | None = None,
    confidentiality_checked: bool = False,
) -> list[ItemEvent]:
    """Approve the current stage; the office's approval (审发) publishes."""
    _require_aware(now)
    item, _ = _begin_transition(session, item_id, actor, Action.APPROVE, expected_version)
    stage = item.state
    if stage == State.INITIAL_REVIEW and not confidentiality_checked:
        raise ConfidentialityCheckRequired("初审 approval needs the 保密审查 confirmation")
    if stage == State.OFFICE_REVIEW:
        _check_publishable(session, item)
    row = _move(
        session,
        item,
        actor,
        Action.APPROVE,
        now,
        comment=_clean_comment(comment),
        confidentiality_checked=confidentiality_checked,
    )
    if item.state == State.PUBLISHED:
        item.live_revision_no = item.current_revision_no
        item.published_at = now
        item.round_seq = None
        _flush(session, item)
        return [_event(ItemPublished, item, row, drafter_id=item.drafter_id)]
    _flush(session, item)
    return [_event(ItemApproved, item, row)]


@_one_flush
def reject(
    session: Session,
    *,
    actor: User,
    item_id: int,
    expected_version: int,
    now: datetime,
    comment: str,
) -> list[ItemEvent]:
    """Return the item to its drafter from any review stage; a comment is required."""
    _require_aware(now)
    item, approvers = _begin_transition(session, item_id, actor, Action.REJECT, expected_version)
    text = _clean_comment(comment)
    if text is None:
        raise CommentRequired("a rejection needs a comment saying what to change")
    row = _move(session, item, actor, Action.REJECT, now, comment=text)
    item.round_seq = None
    _flush(session, item)
    return [_event(ItemReturned, item, row, drafter_id=item.drafter_id, approver_ids=approvers)]


@_one_flush
def withdraw(
    session: Session,
    *,
    actor: User,
    item_id: int,
    expected_version: int,
    now: datetime,
    comment: str | None = None,
) -> list[ItemEvent]:
    """Withdraw a draft/returned item; for a new revision of a published item, discard
    the revision and keep the published one."""
    _require_aware(now)
    item, _ = _begin_transition(session, item_id, actor, Action.WITHDRAW, expected_version)
    row = _move(session, item, actor, Action.WITHDRAW, now, comment=_clean_comment(comment))
    if item.state == State.PUBLISHED and item.live_revision_no is not None:
        live = _revision(session, item, item.live_revision_no)
        item.current_revision_no = live.number
        item.title = live.title
        item.content_digest = audit.revision_digest(live)
    _flush(session, item)
    return [_event(ItemWithdrawn, item, row)]


@_one_flush
def retract(
    session: Session,
    *,
    actor: User,
    item_id: int,
    expected_version: int,
    now: datetime,
    comment: str,
) -> list[ItemEvent]:
    """Take a published item off the portal (撤稿); the reason is required."""
    _require_aware(now)
    item, _ = _begin_transition(session, item_id, actor, Action.RETRACT, expected_version)
    text = _clean_comment(comment)
    if text is None:
        raise CommentRequired("retracting a published item needs a reason")
    row = _move(session, item, actor, Action.RETRACT, now, comment=text)
    item.live_revision_no = None
    _flush(session, item)
    return [_event(ItemRetracted, item, row)]


@_one_flush
def revise(
    session: Session, *, actor: User, item_id: int, expected_version: int, now: datetime
) -> list[ItemEvent]:
    """Start a new revision of a published item; the live one stays visible until the
    new one has passed all three stages."""
    _require_aware(now)
    item, _ = _begin_transition(session, item_id, actor, Action.REVISE, expected_version)
    assert item.live_revision_no is not None  # published implies a live revision
    live = _revision(session, item, item.live_revision_no)
    _new_working_revision(session, item, live, actor, now)
    row = _move(session, item, actor, Action.REVISE, now)
    _flush(session, item)
    return [_event(ItemRevised, item, row)]


ACTIONS = {
    Action.SUBMIT: submit,
    Action.APPROVE: approve,
    Action.REJECT: reject,
    Action.RESUBMIT: resubmit,
    Action.WITHDRAW: withdraw,
    Action.RETRACT: retract,
    Action.REVISE: revise,
}
