"""The reminder scan: reminders → ledger rows (one per key and channel), quiet hours for
SMS, the daily digest, the 督办 messages (one per recipient and channel, see
notifications.escalation), and recovery of rows that dead workers or a lost Redis left.
Returns the ids to enqueue; the caller commits, then enqueues (jobs must find the rows).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from config import Config, NotifyConfig
from notifications import ledger
from notifications.channels import EMAIL
from notifications.drafts import expand, sms_not_before
from notifications.escalation import escalate
from notifications.ledger import Draft
from notifications.reminders import REMINDER, due_reminders
from workflow.deadlines.due import load_calendar
from workflow.models import Delivery

__all__ = ["DIGEST", "ScanResult", "expand", "fold_into_digests", "scan", "sms_not_before"]

DIGEST = "digest"


@dataclass(frozen=True)
class ScanResult:
    reminders: int
    new_rows: int
    digests: int
    to_enqueue: list[int]
    escalations: int = 0  # 督办 messages made (one per recipient and channel at most)


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
    due = due_reminders(session, now, cfg, config.TIMEZONE)
    calendar = load_calendar(session)
    drafts = expand(session, due.reminders, now, cfg, available, calendar, config.TIMEZONE)
    new_ids = ledger.record(session, drafts, now)
    digests = fold_into_digests(session, new_ids, now, cfg, config.TIMEZONE)
    escalations = escalate(session, due.lapses, now, config, available, calendar)
    to_enqueue = ledger.recover(session, recover_at or now, cfg)
    return ScanResult(
        len(due.reminders) + len(due.lapses), len(new_ids), digests, to_enqueue, escalations
    )


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
