"""Reminders → ledger drafts: one draft per (reminder, recipient, channel), with the
channels each recipient gets (preferences, contacts, robots) and the time an SMS may
go (quiet hours, non-working days)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import NotifyConfig
from notifications.channels import EMAIL, SMS
from notifications.ledger import Draft
from notifications.recipients import preferences, robot_channels, user_channels
from notifications.reminders import Reminder
from workflow.calendar import WorkCalendar
from workflow.models import Leader, User


def expand(
    session: Session,
    reminders: Iterable[Reminder],
    now: datetime,
    cfg: NotifyConfig,
    available: set[str],
    calendar: WorkCalendar,
    timezone: str,
) -> list[Draft]:
    """One draft per (reminder, recipient, channel)."""
    reminders = list(reminders)
    user_ids = {u for r in reminders for u in r.users}
    users = (
        {
            uid: (email, mobile)
            for uid, email, mobile in session.execute(
                select(User.id, User.email, User.mobile).where(User.id.in_(user_ids))
            )
        }
        if user_ids
        else {}
    )
    prefs = preferences(session, user_ids)
    leader_ids = {lid for r in reminders for lid in r.leaders}
    leaders = (
        {
            leader.id: leader
            for leader in session.execute(select(Leader).where(Leader.id.in_(leader_ids))).scalars()
        }
        if leader_ids
        else {}
    )
    tz = ZoneInfo(timezone)
    out: list[Draft] = []
    for r in reminders:

        def draft(recipient: str, channel: str, user_id: int | None, r: Reminder = r) -> Draft:
            not_before = (
                sms_not_before(now, cfg, calendar, tz, r.escalation) if channel == SMS else None
            )
            return Draft(
                r.subject,
                r.threshold,
                recipient,
                channel,
                r.period,
                r.kind,
                r.title,
                r.body,
                user_id,
                r.link,
                dict(r.params),
                r.escalation,
                not_before,
            )

        for uid in r.users:
            email, mobile = users.get(uid, (None, None))
            for channel in user_channels(
                prefs.get(uid, {}),
                has_email=bool(email),
                has_mobile=bool(mobile),
                urgent=r.urgent,
                available=available,
            ):
                out.append(draft(f"user:{uid}", channel, uid))
        for lid in r.leaders:
            leader = leaders.get(lid)
            if leader is None:
                continue
            if leader.user_id is not None:
                out.append(draft(f"leader:{lid}", "inapp", leader.user_id))
            if leader.email and EMAIL in available:
                out.append(draft(f"leader:{lid}", EMAIL, leader.user_id))
            if leader.mobile and SMS in available:
                out.append(draft(f"leader:{lid}", SMS, leader.user_id))
        if r.robots:
            for channel in robot_channels(available):
                out.append(draft(f"robot:{channel}", channel, None))
    return out


def sms_not_before(
    now: datetime, cfg: NotifyConfig, calendar: WorkCalendar, tz: ZoneInfo, escalation: bool
) -> datetime | None:
    """When an SMS may go (None: now): not in quiet hours (it waits for their end), and
    not on a non-working day unless it is an escalation."""
    start = time.fromisoformat(cfg.QUIET_START)
    end = time.fromisoformat(cfg.QUIET_END)
    local = now.astimezone(tz)
    t = local.time()
    quiet = (t >= start or t < end) if start > end else (start <= t < end)
    candidate = local
    if quiet:
        candidate = datetime.combine(local.date(), end, tz)
        if candidate <= local:
            candidate += timedelta(days=1)
    if not escalation:
        while not calendar.is_workday(candidate.date())[0]:
            candidate = datetime.combine(candidate.date() + timedelta(days=1), end, tz)
    return None if candidate == local else candidate.astimezone(UTC)
