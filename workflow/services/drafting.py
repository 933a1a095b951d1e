"""Drafting: create an item, edit its working revision, attach and remove files.

Every content change writes an `edit` audit row (so authorship is on record for the
separation-of-duties rule) and bumps the item's version. Each service returns an
Outcome whose value is the ORM item (the new attachment for add_attachment); only
create_item has an event.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflow import audit
from workflow.attachments import check_attachment
from workflow.calendar import Due
from workflow.checks.revisions import read_blob
from workflow.deadlines.due import DEFAULT_PROMPT_WINDOW, item_due, load_calendar
from workflow.deadlines.scopes import part_scopes
from workflow.enums import Action, AttachmentType, ItemKind, State
from workflow.errors import (
    InvalidTransition,
    KindNotAllowed,
    NotFound,
    ValidationFailed,
    WrongUnit,
)
from workflow.events import ItemCreated
from workflow.models import (
    Attachment,
    Blob,
    Column,
    ColumnAssignment,
    Item,
    Obligation,
    Revision,
    User,
)
from workflow.outcome import Outcome, done
from workflow.prerequisites import Prerequisites
from workflow.services.checks import after_save
from workflow.services.core import (
    EDITABLE_STATES,
    check_designated,
    check_drafter,
    check_version,
    clean_title,
    event,
    flush,
    one_flush,
    require_aware,
    revision,
    write,
)
from workflow.storage import BlobStore


def copy_revision(item: Item, source: Revision, actor: User, now: datetime) -> Revision:
    """A new, unsubmitted revision with `source`'s content (attachments share blobs).
    The caller records the item's new current revision, drafter and digest."""
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
    return rev


def _editable(session: Session, item_id: int, actor: User, expected_version: int) -> Item:
    # Drafting works on revisions through the ORM, so it takes the ORM item, refreshed.
    item = session.get(Item, item_id, populate_existing=True)
    if item is None:
        raise NotFound(f"item {item_id} does not exist")
    check_version(item, expected_version)
    if item.state not in EDITABLE_STATES:
        raise InvalidTransition(f"an item in state {item.state} cannot be edited")
    check_drafter(actor, item.unit_id)
    check_designated(session, actor, item.column_id, item.unit_id)
    return item


def _working_revision(
    session: Session, item: Item, actor: User, now: datetime
) -> tuple[Revision, dict[str, Any]]:
    """The editable revision; a returned (frozen) one is copied first. Returns it and the
    item columns that change with it."""
    rev = revision(session, item, item.current_revision_no)
    if rev.frozen:
        rev = copy_revision(item, rev, actor, now)
    return rev, {"current_revision_no": rev.number, "drafter_id": actor.id}


def _record_edit(
    session: Session,
    item: Item,
    expected_version: int,
    rev: Revision,
    actor: User,
    now: datetime,
    note: str,
    changes: dict[str, Any],
) -> None:
    changes["content_digest"] = audit.revision_digest(rev)
    write(
        session,
        item,
        expected_version,
        actor=actor,
        action=Action.EDIT,
        to_state=item.state,
        now=now,
        changes=changes,
        comment=note,
    )
    flush(session, item.id)


def _due(
    session: Session, column: Column, event_date: date | None, prompt_window: int
) -> Due | None:
    if event_date is None:
        return None
    return item_due(column.rules or [], event_date, load_calendar(session), prompt_window)


def _check_obligation(session: Session, obligation_id: int, column_id: int, unit_id: int) -> None:
    obligation = session.get(Obligation, obligation_id)
    if (
        obligation is None
        or obligation.column_id != column_id
        or obligation.unit_id != unit_id
        or not obligation.is_open
    ):
        raise ValidationFailed(f"obligation {obligation_id} is not an open one of this column")


def choose_part(column: Column, part_id: int | None) -> int | None:
    """The part of the column an item goes to: the one named (it must be a live part of
    this column), the only one when there is one, none when the column has no parts."""
    if not part_scopes(column.rules or []):
        return None  # the rules judge the column whole: parts play no part
    live = [p for p in column.parts if p.retired_at is None]
    if part_id is not None:
        for part in live:
            if part.id == part_id:
                return part.id
        named = next((p.name for p in column.parts if p.id == part_id), str(part_id))
        raise ValidationFailed(f"the part {named} does not belong to this column")
    if len(live) == 1:
        return live[0].id
    if live:
        raise ValidationFailed("this column needs a part")
    return None


def _created_for(session: Session, drafter_id: int, request_key: str) -> Item | None:
    return session.execute(
        select(Item).where(Item.drafter_id == drafter_id, Item.request_key == request_key)
    ).scalar_one_or_none()


@one_flush
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
    obligation_id: int | None = None,
    prompt_window: int = DEFAULT_PROMPT_WINDOW,
    request_key: str | None = None,
    part_id: int | None = None,
) -> Outcome[Item]:
    """Create a draft in one of the actor's unit's columns (in `part_id`, one of its
    parts, when the column has several; its only part is taken without asking).

    `event_date` (a request received, a decision made…) gives the item its own due date
    by the column's after_event rule (or the prompt window); `obligation_id` names the
    linked obligation the item answers. `request_key` (a form's one-time token) makes
    the call idempotent per drafter: the same key again — even from a request racing
    this one — returns the item it created, with no events (nothing new happened).
    """
    require_aware(now)
    check_drafter(actor, actor.unit_id)
    if request_key is not None:
        if not 0 < len(request_key) <= 64:
            raise ValueError("request_key must be 1 to 64 characters")
        earlier = _created_for(session, actor.id, request_key)
        if earlier is not None:
            return done(earlier)
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
    check_designated(session, actor, column_id, actor.unit_id)
    kind = ItemKind(kind).value
    Prerequisites.of(column.content_type, column.prerequisites).check_kind(kind)
    if kind == ItemKind.STATEMENT and not column.allows_statement:
        raise KindNotAllowed(
            f"column {column.path} does not accept 'nothing to publish' statements", [kind]
        )
    if obligation_id is not None:
        _check_obligation(session, obligation_id, column_id, actor.unit_id)
    part = choose_part(column, part_id)
    title = clean_title(title)
    due = _due(session, column, event_date, prompt_window)
    first = Revision(
        number=1,
        title=title,
        body=body or "",
        fields=dict(fields or {}),
        created_by_id=actor.id,
        created_at=now,
    )
    item = Item(
        column_id=column_id,
        part_id=part,
        unit_id=actor.unit_id,
        drafter_id=actor.id,
        kind=kind,
        title=title,
        event_date=event_date,
        state=State.DRAFT.value,
        version=1,
        due_date=due.date if due else None,
        due_provisional=bool(due and due.provisional),
        obligation_id=obligation_id,
        current_revision_no=1,
        audit_seq=0,
        content_digest=audit.revision_digest(first),
        created_at=now,
        updated_at=now,
        state_since=now,
        request_key=request_key,
    )
    item.revisions.append(first)
    if request_key is None:
        session.add(item)
        session.flush()  # the audit row needs the item's id
    else:
        try:
            # Added inside the savepoint: begin_nested flushes what is pending first.
            with session.begin_nested():
                session.add(item)
                session.flush()
        except IntegrityError:
            # A request with the same key committed its item while this one ran (the
            # unique index made this insert wait for it): that item is the answer.
            earlier = _created_for(session, actor.id, request_key)
            if earlier is None:
                raise
            return done(earlier)
    row = write(
        session,
        item,
        item.version,
        actor=actor,
        action=Action.CREATE,
        to_state=State.DRAFT,
        now=now,
        creating=True,
    )
    checks = after_save(session, item.id, first.number, now)
    return done(item, [event(ItemCreated, item, row), *checks])


@one_flush
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
    prompt_window: int = DEFAULT_PROMPT_WINDOW,
    part_id: int | None = None,
    store: BlobStore | None = None,
) -> Outcome[Item]:
    """Edit the working revision of a draft or returned item (and the part it belongs
    to, when its column has parts)."""
    require_aware(now)
    item = _editable(session, item_id, actor, expected_version)
    title = clean_title(title)
    part: int | None = item.part_id
    if part is not None and part_id in (None, part):
        pass  # stays where it is, even in a part retired since
    else:
        part = choose_part(item.column, part_id)
    rev, changes = _working_revision(session, item, actor, now)
    rev.title, rev.body, rev.fields = title, body or "", dict(fields or {})
    changes.update(title=title, event_date=event_date, part_id=part)
    if event_date != item.event_date:
        due = _due(session, item.column, event_date, prompt_window)
        changes.update(
            due_date=due.date if due else None, due_provisional=bool(due and due.provisional)
        )
    _record_edit(session, item, expected_version, rev, actor, now, "修改内容", changes)
    return done(item, after_save(session, item.id, rev.number, now, store))


@one_flush
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
) -> Outcome[Attachment]:
    """Attach a file to the working revision; its bytes are stored once by hash."""
    require_aware(now)
    item = _editable(session, item_id, actor, expected_version)
    attachment_type = AttachmentType(attachment_type).value
    filename = (filename or "").strip()
    if not filename:
        raise ValidationFailed("the attachment needs a file name")
    check_attachment(filename, data)  # name length, type, content by its magic bytes
    rev, changes = _working_revision(session, item, actor, now)
    sha = store.put(data)
    if session.get(Blob, sha) is None:
        session.add(Blob(sha256=sha, size=len(data), created_at=now))
        session.flush()  # the file's check row refers to it
    read_blob(session, sha, filename, data, now)  # what it opens to, read once per content
    att = Attachment(
        blob_sha256=sha,
        filename=filename[:255],
        media_type=media_type,
        type=attachment_type,
        created_at=now,
    )
    rev.attachments.append(att)
    _record_edit(
        session, item, expected_version, rev, actor, now, f"添加附件：{att.filename}", changes
    )
    return done(att, after_save(session, item.id, rev.number, now, store))


@one_flush
def remove_attachment(
    session: Session,
    *,
    actor: User,
    item_id: int,
    expected_version: int,
    attachment_id: int,
    now: datetime,
) -> Outcome[Item]:
    """Remove a file from the working revision; the value is the item."""
    require_aware(now)
    item = _editable(session, item_id, actor, expected_version)
    original = session.get(Attachment, attachment_id)
    if original is None:
        raise NotFound(f"attachment {attachment_id} does not exist")
    rev, changes = _working_revision(session, item, actor, now)
    # After copying a frozen revision the ids differ; match by the original's blob/name.
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
    _record_edit(
        session,
        item,
        expected_version,
        rev,
        actor,
        now,
        f"删除附件：{original.filename}",
        changes,
    )
    return done(item, after_save(session, item.id, rev.number, now))
