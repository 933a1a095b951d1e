"""The in-app inbox (站内消息): query functions for the web page the coordinator adds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from workflow.models import InboxMessage


def unread(session: Session, user_id: int, limit: int = 50) -> list[InboxMessage]:
    """A user's unread messages, newest first."""
    stmt = (
        select(InboxMessage)
        .where(InboxMessage.user_id == user_id, InboxMessage.read_at.is_(None))
        .order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc())
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


def messages(
    session: Session, user_id: int, limit: int = 50, offset: int = 0
) -> list[InboxMessage]:
    """All of a user's messages, newest first (paged)."""
    stmt = (
        select(InboxMessage)
        .where(InboxMessage.user_id == user_id)
        .order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(session.execute(stmt).scalars())


def link_of(session: Session, user_id: int, message_id: int) -> str | None:
    """The link of one of `user_id`'s messages (None: not theirs, or no link)."""
    link = session.execute(
        select(InboxMessage.link).where(
            InboxMessage.id == message_id, InboxMessage.user_id == user_id
        )
    ).scalar_one_or_none()
    return link or None


def unread_count(session: Session, user_id: int) -> int:
    return int(
        session.execute(
            select(func.count())
            .select_from(InboxMessage)
            .where(InboxMessage.user_id == user_id, InboxMessage.read_at.is_(None))
        ).scalar_one()
    )


def mark_read(
    session: Session, user_id: int, now: datetime, message_ids: list[int] | None = None
) -> int:
    """Mark the given messages (or all) of `user_id` read; others' messages are never
    touched. Returns how many changed (flushed; the caller commits)."""
    stmt = (
        update(InboxMessage)
        .where(InboxMessage.user_id == user_id, InboxMessage.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    if message_ids is not None:
        stmt = stmt.where(InboxMessage.id.in_(message_ids))
    # Session.execute is typed as returning Result; an UPDATE's is a CursorResult.
    return int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]
