"""Calendar feeds: secret revocable tokens stored as hashes, and .ics files that parse
with the icalendar package and hold the expected events (the October portal, Monday
2026-11-23)."""

from __future__ import annotations

from datetime import date, timedelta

import icalendar
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.enums import Role
from workflow.errors import ValidationFailed
from workflow.models import FeedToken
from workflow.reporting.feeds import (
    feed_ics,
    feed_tokens,
    issue_feed_token,
    resolve_feed_token,
    revoke_feed_token,
)

from .factories import World, person
from .reporting_portal import NOW, october_portal


def events(ics: bytes) -> list[tuple[date, str]]:
    cal = icalendar.Calendar.from_ical(ics)
    return [(e.decoded("dtstart"), str(e.get("summary"))) for e in cal.walk("VEVENT")]


def test_tokens_are_secret_hashed_and_revocable(session: Session, world: World) -> None:
    admin = world.user(Role.ADMIN)
    token, secret = issue_feed_token(
        session, created_by=admin, now=NOW, unit_id=world.unit_a.id, label="办公室Outlook"
    )
    stored = session.execute(select(FeedToken.token_hash)).scalars().all()
    assert secret not in stored and len(secret) >= 40 and token.token_hash in stored
    assert resolve_feed_token(session, secret, NOW + timedelta(hours=1)) is token
    assert token.last_used_at == NOW + timedelta(hours=1)
    assert resolve_feed_token(session, secret + "x", NOW) is None
    assert resolve_feed_token(session, "", NOW) is None
    other, other_secret = issue_feed_token(
        session, created_by=admin, now=NOW, user_id=world.drafter.id
    )
    assert other_secret != secret
    revoke_feed_token(session, token.id, NOW)
    assert resolve_feed_token(session, secret, NOW) is None
    assert resolve_feed_token(session, other_secret, NOW) is other
    assert [t.id for t in feed_tokens(session, unit_id=world.unit_a.id)] == [token.id]
    with pytest.raises(ValidationFailed):
        issue_feed_token(
            session, created_by=admin, now=NOW, user_id=world.drafter.id, unit_id=world.unit_a.id
        )
    with pytest.raises(ValidationFailed):
        issue_feed_token(session, created_by=admin, now=NOW)


def test_unit_and_user_feeds_hold_the_upcoming_due_dates(session: Session, world: World) -> None:
    october_portal(session, world)
    admin = world.user(Role.ADMIN)
    unit_a, _ = issue_feed_token(session, created_by=admin, now=NOW, unit_id=world.unit_a.id)
    unit_b, _ = issue_feed_token(session, created_by=admin, now=NOW, unit_id=world.unit_b.id)
    # A: 月报 due 11-25 (November not yet met); its open request due 11-30 (drafted by
    # the world's drafter); the past and settled ones are not upcoming.
    ics_a = feed_ics(session, unit_a, NOW)
    assert events(ics_a) == [
        (date(2026, 11, 25), "【栏目截止】月报"),
        (date(2026, 11, 30), "【办理截止】依申请公开信息"),
    ]
    # B met November on 10-28: next is December's 25th (a Friday). Its overdue item and
    # obligation are past, not upcoming.
    assert events(feed_ics(session, unit_b, NOW)) == [(date(2026, 12, 25), "【栏目截止】月报")]
    # A user's feed: their unit's columns, and only the items they draft.
    colleague = person(session, world, [Role.DRAFTER], NOW, name="同事")
    mine, _ = issue_feed_token(session, created_by=admin, now=NOW, user_id=colleague.id)
    assert events(feed_ics(session, mine, NOW)) == [(date(2026, 11, 25), "【栏目截止】月报")]
    drafter, _ = issue_feed_token(session, created_by=admin, now=NOW, user_id=world.drafter.id)
    assert events(feed_ics(session, drafter, NOW)) == events(ics_a)
    cal = icalendar.Calendar.from_ical(ics_a)
    first = cal.walk("VEVENT")[0]
    assert "每月25日前至少发布1条" in str(first.get("description"))
    assert first.decoded("dtend") == date(2026, 11, 26)  # all-day
    assert len(first.walk("VALARM")) == 1
    assert str(cal.get("x-wr-calname")).startswith(world.unit_a.name)
    # Stable identifiers, so a calendar updates the event instead of adding another.
    assert [str(e.get("uid")) for e in cal.walk("VEVENT")] == [
        str(e.get("uid"))
        for e in icalendar.Calendar.from_ical(feed_ics(session, unit_a, NOW)).walk("VEVENT")
    ]
