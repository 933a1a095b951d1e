"""The reminder scan: reminders → ledger rows (one per key and channel), quiet hours for
SMS, the daily digest, and recovery of rows that dead workers or a lost Redis left.
Returns the ids to enqueue; the caller commits, then enqueues (jobs must find the rows).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from config import Config, NotifyConfig
from notifications import ledger
from notifications.channels import EMAIL, SMS
from notifications.ledger import Draft
from notifications.recipients import preferences, robot_channels, user_channels
from notifications.reminders import REMINDER, Reminder, due_reminders
from workflow.calendar import WorkCalendar
from workflow.deadlines.due import load_calendar
from workflow.models import Delivery, Leader, User

DIGEST = "digest"


@dataclass(frozen=True)
class ScanResult:
    reminders: int
    new_rows: int
    digests: int
    to_enqueue: list[int]


def scan(
    session: Session,
    now: datetime,
    config: Config,
    available: set[str],
    recover_at: datetime | None = None,
) -> ScanResult:
    """`now` says what is due; `recover_at` (default `now`) is the clock that judges
    stale claims and lost jobs (tests move it on without changing what is due)."""
    cfg = config.NOTIFY
    reminders = due_reminders(session, now, cfg, config.TIMEZONE)
    calendar = load_calendar(session)
    drafts = expand(session, reminders, now, cfg, available, calendar, config.TIMEZONE)
    new_ids = ledger.record(session, drafts, now)
    digests = fold_into_digests(session, new_ids, now, cfg, config.TIMEZONE)
    to_enqueue = ledger.recover(session, recover_at or now, cfg)
    return ScanResult(len(reminders), len(new_ids), digests, to_enqueue)


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


def fold_into_digests(
    session: Session, new_ids: list[int], now: datetime, cfg: NotifyConfig, timezone: str
) -> int:
    """A person with more than DIGEST_THRESHOLD new reminder mails in this scan gets one
    digest mail instead (one per day: later ones that day go singly)."""
    if not new_ids or cfg.DIGEST_THRESHOLD <= 0:
        return 0
    rows = session.execute(
        select(Delivery.id, Delivery.recipient, Delivery.user_id, Delivery.title, Delivery.link)
        .where(Delivery.id.in_(new_ids), Delivery.channel == EMAIL, Delivery.kind == REMINDER)
        .order_by(Delivery.id)
    ).all()
    per_recipient: dict[str, list[tuple[int, int | None, str, str]]] = defaultdict(list)
    for row_id, recipient, user_id, title, link in rows:
        per_recipient[recipient].append((row_id, user_id, title, link))
    today = now.astimezone(ZoneInfo(timezone)).date().isoformat()
    made = 0
    for recipient, items in per_recipient.items():
        if len(items) <= cfg.DIGEST_THRESHOLD:
            continue
        lines = [f"{i}. {title}" for i, (_, _, title, _) in enumerate(items, 1)]
        digest = Draft(
            DIGEST,
            "daily",
            recipient,
            EMAIL,
            today,
            DIGEST,
            f"【三审提醒】您有{len(items)}项到期事项（{today}）",
            "您好，以下事项即将到期或已逾期，请及时处理：\n" + "\n".join(lines),
            items[0][1],
            cfg.BASE_URL,
        )
        ids = ledger.record(session, [digest], now)
        if not ids:
            continue
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_([i[0] for i in items]))
            .values(status=ledger.DIGESTED, digest_id=ids[0])
            .execution_options(synchronize_session=False)
        )
        made += 1
    return made
