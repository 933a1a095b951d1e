"""Calendar feeds (.ics): each user or unit subscribes to a secret URL listing upcoming
due dates, so deadlines show up in Outlook, WPS or a phone calendar.

Tokens: `issue_feed_token` returns the secret once (only its SHA-256 is stored),
`resolve_feed_token` finds the live token of a secret, `revoke_feed_token` ends it. The
web route (with the pages) resolves the token and returns `feed_ics(...)` as
text/calendar.

A unit's feed lists, from today to `horizon_days` ahead: each column's next due date
(the current period's when not yet met, else the next period's; rolling windows from
the last publication), each open item's own due date (a request to answer) and each
open linked obligation (a 政策解读 owed). A user's feed is their unit's, with open items
limited to those they draft.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import icalendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.deadlines.describe import describe
from workflow.deadlines.due import load_calendar
from workflow.deadlines.evaluate import Settings, evaluate
from workflow.enums import State
from workflow.errors import NotFound, ValidationFailed
from workflow.models import Column, FeedToken, Item, Obligation, Unit, User
from workflow.reporting.common import DEFAULTS, ReportSettings, local_date

PRODID = "-//sanshen//政务公开栏目时限//ZH"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_feed_token(
    session: Session,
    *,
    created_by: User,
    now: datetime,
    user_id: int | None = None,
    unit_id: int | None = None,
    label: str = "",
) -> tuple[FeedToken, str]:
    """A new feed for one user or one unit; returns the row and the secret (shown once)."""
    if (user_id is None) == (unit_id is None):
        raise ValidationFailed("a calendar feed belongs to exactly one user or one unit")
    if user_id is not None and session.get(User, user_id) is None:
        raise NotFound(f"user {user_id} does not exist")
    if unit_id is not None and session.get(Unit, unit_id) is None:
        raise NotFound(f"unit {unit_id} does not exist")
    secret = secrets.token_urlsafe(32)
    token = FeedToken(
        token_hash=_hash(secret),
        user_id=user_id,
        unit_id=unit_id,
        label=label[:100],
        created_by_id=created_by.id,
        created_at=now,
    )
    session.add(token)
    session.flush()
    return token, secret


def revoke_feed_token(session: Session, token_id: int, now: datetime) -> FeedToken:
    token = session.get(FeedToken, token_id)
    if token is None:
        raise NotFound(f"feed {token_id} does not exist")
    if token.revoked_at is None:
        token.revoked_at = now
        session.flush()
    return token


def resolve_feed_token(session: Session, secret: str, now: datetime) -> FeedToken | None:
    """The live token of this secret (None if unknown or revoked); notes its last use."""
    if not secret or len(secret) > 200:
        return None
    token = session.execute(
        select(FeedToken).where(
            FeedToken.token_hash == _hash(secret), FeedToken.revoked_at.is_(None)
        )
    ).scalar_one_or_none()
    if token is not None:
        token.last_used_at = now
    return token


def feed_tokens(
    session: Session, user_id: int | None = None, unit_id: int | None = None
) -> list[FeedToken]:
    stmt = select(FeedToken).order_by(FeedToken.created_at.desc(), FeedToken.id.desc())
    if user_id is not None:
        stmt = stmt.where(FeedToken.user_id == user_id)
    if unit_id is not None:
        stmt = stmt.where(FeedToken.unit_id == unit_id)
    return list(session.execute(stmt).scalars())


@dataclass(frozen=True)
class DueEntry:
    uid: str
    day: date
    summary: str
    description: str
    provisional: bool = False


def upcoming_dues(
    session: Session,
    unit_id: int,
    now: datetime,
    settings: ReportSettings = DEFAULTS,
    *,
    drafter_id: int | None = None,
    horizon_days: int = 120,
) -> list[DueEntry]:
    """A unit's due dates from today to `horizon_days` ahead, earliest first."""
    today = local_date(now, settings.tz)
    until = today + timedelta(days=horizon_days)
    calendar = load_calendar(session)
    statuses = evaluate(
        session,
        now,
        Settings(settings.due_soon_workdays, settings.stale_after_months, settings.timezone),
        calendar=calendar,
        unit_id=unit_id,
    )
    out: list[DueEntry] = []
    for s in statuses:
        for i, r in enumerate(s.rules):
            # The evaluation's next due date, as every page shows it (the next period's
            # when this one is met; the first judged period's for a new assignment).
            due = r.next_due
            if due is None:
                continue
            provisional = r.provisional if due == r.due else not calendar.knows(due.year)
            if today <= due <= until:
                rule = describe(r.rule)
                out.append(
                    DueEntry(
                        f"rule-{s.assignment_id}-{i}-{due.isoformat()}@sanshen",
                        due,
                        f"【栏目截止】{s.column_path.rsplit('/', 1)[-1]}",
                        f"栏目：{s.column_path}\n要求：{rule}",
                        provisional,
                    )
                )
    items = select(Item.id, Item.title, Item.due_date, Item.due_provisional, Column.path).join(
        Column, Column.id == Item.column_id
    )
    items = items.where(
        Item.unit_id == unit_id,
        Item.due_date >= today,
        Item.due_date <= until,
        Item.first_published_at.is_(None),
        Item.state.not_in([State.WITHDRAWN.value, State.RETRACTED.value]),
    )
    if drafter_id is not None:
        items = items.where(Item.drafter_id == drafter_id)
    for item_id, title, item_due, item_provisional, path in session.execute(items):
        if item_due is None:
            continue
        out.append(
            DueEntry(
                f"item-{item_id}@sanshen",
                item_due,
                f"【办理截止】{title}",
                f"栏目：{path}\n信息：{title}",
                bool(item_provisional),
            )
        )
    owed = (
        select(
            Obligation.id,
            Obligation.description,
            Obligation.due_date,
            Obligation.due_provisional,
            Column.path,
        )
        .join(Column, Column.id == Obligation.column_id)
        .where(
            Obligation.unit_id == unit_id,
            Obligation.due_date >= today,
            Obligation.due_date <= until,
            Obligation.fulfilled_at.is_(None),
            Obligation.cancelled_at.is_(None),
        )
    )
    for obligation_id, description, owed_due, owed_provisional, path in session.execute(owed):
        out.append(
            DueEntry(
                f"obligation-{obligation_id}@sanshen",
                owed_due,
                f"【关联发布截止】{path.rsplit('/', 1)[-1]}",
                f"栏目：{path}\n{description}",
                bool(owed_provisional),
            )
        )
    return sorted(out, key=lambda e: (e.day, e.summary, e.uid))


def build_ics(entries: list[DueEntry], name: str, now: datetime) -> bytes:
    """An iCalendar of all-day events, each with a reminder the day before."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    for e in entries:
        event = icalendar.Event()
        event.add("uid", e.uid)
        event.add("dtstamp", now)
        event.add("dtstart", e.day)
        event.add("dtend", e.day + timedelta(days=1))
        summary = e.summary + ("（暂定）" if e.provisional else "")
        event.add("summary", summary)
        description = e.description
        if e.provisional:
            description += "\n该日期按周一至周五推算，待录入当年节假日后可能调整。"
        event.add("description", description)
        event.add("transp", "TRANSPARENT")
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", timedelta(days=-1))
        event.add_component(alarm)
        cal.add_component(event)
    return bytes(cal.to_ical())


def feed_ics(
    session: Session, token: FeedToken, now: datetime, settings: ReportSettings = DEFAULTS
) -> bytes:
    """The .ics of a resolved token: its unit's, or its user's."""
    if token.unit_id is not None:
        unit = session.get(Unit, token.unit_id)
        assert unit is not None
        entries = upcoming_dues(session, unit.id, now, settings)
        return build_ics(entries, f"{unit.name} 栏目时限", now)
    user = session.get(User, token.user_id)
    assert user is not None
    entries = upcoming_dues(session, user.unit_id, now, settings, drafter_id=user.id)
    return build_ics(entries, f"{user.name} 栏目时限", now)
