"""The users' and the office's writes on notifications, as workflow services (the
runner's shape, `workflow.runner.run`): messages marked read, channel choices, a failed
delivery sent again, and the unit → supervising leader table imported. Here, not in
workflow/, because they write through this package's modules (workflow/ never imports
notifications)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from notifications import inbox
from notifications.channels import EMAIL, SMS
from notifications.leaders import import_file
from notifications.ledger import retry_failed
from notifications.recipients import set_preference
from workflow import admin_log
from workflow.errors import NotAllowed, ValidationFailed
from workflow.models import ChannelPreference, User
from workflow.outcome import LogEntry, Outcome, done

SMS_CHOICES = ("urgent", "all", "none")


def _who(actor: User | None) -> User:
    if actor is None:
        raise NotAllowed("only a user has messages and channel choices")
    return actor


def mark_read(
    session: Session, *, actor: User | None, now: datetime, ids: list[int] | None = None
) -> Outcome[int]:
    """The actor's messages `ids` (None: all) read; how many changed. Another user's
    messages are never touched."""
    return done(inbox.mark_read(session, _who(actor).id, now, ids))


def open_message(
    session: Session, *, actor: User | None, now: datetime, message_id: int
) -> Outcome[str | None]:
    """The actor's message `message_id` marked read (opening it with 查看); its link, or
    None when it is not the actor's or has none."""
    user = _who(actor)
    link = inbox.link_of(session, user.id, message_id)
    if link is None:
        return done(None)
    inbox.mark_read(session, user.id, now, [message_id])
    return done(link)


def set_channels(
    session: Session, *, actor: User | None, now: datetime, email: bool, sms: str
) -> Outcome[None]:
    """The actor's choices: email on or off; SMS for every message, none, or urgent
    reminders only (no row: the default)."""
    user = _who(actor)
    if sms not in SMS_CHOICES:
        raise ValidationFailed(f"unknown SMS choice {sms!r}")
    set_preference(session, user.id, EMAIL, email)
    if sms == "urgent":
        row = session.get(ChannelPreference, (user.id, SMS))
        if row is not None:
            session.delete(row)
            session.flush()
    else:
        set_preference(session, user.id, SMS, sms == "all")
    return done(None)


def retry_delivery(
    session: Session, *, actor: User | None, now: datetime, delivery_id: int
) -> Outcome[bool]:
    """A failed message back to pending (the next scan enqueues it); False if it is no
    longer failed."""
    return done(retry_failed(session, delivery_id, now))


def import_leaders(
    session: Session, *, actor: User | None, now: datetime, path: Path
) -> Outcome[tuple[int, int]]:
    """单位,分管领导[,职务][,邮箱][,手机][,登录名] from CSV or xlsx, all or nothing
    (LeaderFileError names the row); (leaders, units)."""
    leaders, units = import_file(session, path)
    changes = admin_log.facts(
        file=path.name,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        leaders=leaders,
        units=units,
    )
    entry = LogEntry("leaders.import", "leaders", None, path.name, changes)
    return done((leaders, units), (), entry)
