"""督办: what the office is told of overdue columns and stuck items — one message per
recipient and channel per scan at most, never one per column.

The ledger stays the one source of truth and of idempotency:

* one row per (lapse, recipient, channel, local day) — key (subject, threshold,
  recipient, channel, period = the day). A lapse nobody told this recipient of yet is
  **新增** whatever the day; one already told (a row of an earlier day on or after the
  lapse's first day, or for a column with nothing published since that day) is
  **仍逾期** and is repeated at most once per working day, never on a non-working day;
* the rows new in this scan (INSERT … ON CONFLICT DO NOTHING returns only those) are
  folded, per (recipient, channel), into one 督办 message: a row of its own whose key
  holds the day and the first folded row's id — stable for those rows, so a scan run
  twice at the same `now`, a retried job or a racing scan sends nothing twice, and a
  scan with nothing new sends nothing. The folded rows are `digested`, pointing at it
  (`digest_id`), like the daily reminder digest; the office's log shows both.

The caller (the scan) commits: rows, message and fold are one transaction, and the
message is enqueued only after the commit (by `ledger.recover`, as every pending row).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from config import Config
from notifications import ledger
from notifications.channels import SMS
from notifications.drafts import expand, sms_not_before
from notifications.escalation_text import Entry, render, short_day
from notifications.ledger import Draft
from notifications.reminders import COLUMN_LAPSE, ESCALATION, Lapse, Reminder
from workflow.calendar import WorkCalendar
from workflow.models import Delivery, Unit

MESSAGE = "escalation"  # the subject of the one 督办 message per recipient and channel
_CHUNK = 500


Folded = list[tuple[int, int | None, Entry]]  # (ledger row id, user id, what it tells)


def escalate(
    session: Session,
    lapses: Sequence[Lapse],
    now: datetime,
    config: Config,
    available: set[str],
    calendar: WorkCalendar,
) -> int:
    """Record what is told today of each lapse and fold the rows new in this scan into
    one 督办 message per (recipient, channel). Returns the number of messages made
    (pending rows, not committed)."""
    if not lapses:
        return 0
    groups = _record_today(session, lapses, now, config, available, calendar)
    made = 0
    for (recipient, channel), rows in sorted(groups.items()):
        made += _fold(session, recipient, channel, rows, now, config, calendar)
    return made


def _record_today(
    session: Session,
    lapses: Sequence[Lapse],
    now: datetime,
    config: Config,
    available: set[str],
    calendar: WorkCalendar,
) -> dict[tuple[str, str], Folded]:
    """Today's row per lapse, recipient and channel (新增, or 仍逾期 on working days);
    returns the rows new in this scan per (recipient, channel)."""
    today = now.astimezone(ZoneInfo(config.TIMEZONE)).date()
    day = today.isoformat()
    workday = calendar.is_workday(today)[0]
    units = _unit_names(session, {lapse.unit_id for lapse in lapses})
    by_key = {(lapse.subject, lapse.threshold): lapse for lapse in lapses}
    reminders = [_reminder(lapse, units, day) for lapse in by_key.values()]
    drafts = expand(session, reminders, now, config.NOTIFY, available, calendar, config.TIMEZONE)
    told = last_told(session, by_key, day)
    wanted: dict[tuple[str, str, str, str, str], Entry] = {}
    rows_today: list[Draft] = []
    for d in drafts:
        lapse = by_key[(d.subject, d.threshold)]
        again = told_before(lapse, told.get((d.subject, d.threshold, d.recipient)))
        if again and not workday:
            continue  # still overdue, already told: repeated on working days only
        # Folded, never sent alone: no SMS wait of its own (the message has one).
        rows_today.append(replace(d, params={"new": not again}, not_before=None))
        wanted[d.key] = Entry(lapse, units.get(lapse.unit_id, ""), new=not again)
    groups: dict[tuple[str, str], Folded] = defaultdict(list)
    for row_id, key, user_id in _keys(session, ledger.record(session, rows_today, now)):
        groups[(key[2], key[3])].append((row_id, user_id, wanted[key]))
    return groups


def _fold(
    session: Session,
    recipient: str,
    channel: str,
    rows: Folded,
    now: datetime,
    config: Config,
    calendar: WorkCalendar,
) -> int:
    """One message for `rows` (new in this scan, one recipient and channel), keyed by
    the day and the first row's id: made once whatever runs twice. Returns 1 if made."""
    cfg, tz = config.NOTIFY, ZoneInfo(config.TIMEZONE)
    today = now.astimezone(tz).date()
    rows = sorted(rows, key=lambda r: r[0])
    link = f"{cfg.BASE_URL.rstrip('/')}/office/"
    text = render(
        [e for _, _, e in rows], today, channel, link, leader=recipient.startswith("leader:")
    )
    message = Draft(
        MESSAGE,
        "scan",
        recipient,
        channel,
        f"{today.isoformat()}#{rows[0][0]}",
        ESCALATION,
        text.title,
        text.body,
        rows[0][1],
        link,
        text.params,
        escalation=True,
        not_before=sms_not_before(now, cfg, calendar, tz, True) if channel == SMS else None,
    )
    ids = ledger.record(session, [message], now)
    if not ids:
        return 0
    folded = [r[0] for r in rows]
    for start in range(0, len(folded), _CHUNK):
        session.execute(
            update(Delivery)
            .where(Delivery.id.in_(folded[start : start + _CHUNK]))
            .values(status=ledger.DIGESTED, digest_id=ids[0])
            .execution_options(synchronize_session=False)
        )
    return 1


def told_before(lapse: Lapse, last: str | None) -> bool:
    """仍逾期 (True) or 新增: told of this lapse on an earlier day — on or after its first
    day, or (a column) with nothing published since that day, so the lapse went on
    even if its first day was recomputed later."""
    if last is None:
        return False
    if last >= lapse.since.isoformat():
        return True
    published = lapse.last_published
    return lapse.kind == COLUMN_LAPSE and (published is None or published.isoformat() < last[:10])


def _reminder(lapse: Lapse, units: dict[int, str], day: str) -> Reminder:
    """The lapse as told today: one ledger row per recipient and channel (folded)."""
    unit = units.get(lapse.unit_id, "")
    if lapse.kind == COLUMN_LAPSE:
        title = f"【督办】{unit}栏目“{lapse.what}”自{short_day(lapse.since)}起逾期"
    else:
        title = f"【督办】{unit}《{lapse.what}》在{lapse.stage}环节滞留{lapse.waited}个工作日"
    return Reminder(
        lapse.subject,
        lapse.threshold,
        day,
        ESCALATION,
        title,
        "",
        lapse.users,
        lapse.link,
        leaders=lapse.leaders,
        robots=lapse.robots,
        urgent=True,
    )


def last_told(
    session: Session, lapses: Iterable[tuple[str, str]], day: str
) -> dict[tuple[str, str, str], str]:
    """Per (subject, threshold, recipient): the last day before `day` someone was told
    (any channel). Compared with a lapse's first day, it says 新增 or 仍逾期. Rows of the
    former scheme (period = the lapse's first day or the item's arrival time) count as
    told, so an upgrade does not announce every old lapse as new."""
    keys = sorted(set(lapses))
    subjects = sorted({s for s, _ in keys})
    thresholds = sorted({t for _, t in keys})
    out: dict[tuple[str, str, str], str] = {}
    for start in range(0, len(subjects), _CHUNK):
        rows = session.execute(
            select(
                Delivery.subject, Delivery.threshold, Delivery.recipient, func.max(Delivery.period)
            )
            .where(
                Delivery.subject.in_(subjects[start : start + _CHUNK]),
                Delivery.threshold.in_(thresholds),
                Delivery.period < day,
            )
            .group_by(Delivery.subject, Delivery.threshold, Delivery.recipient)
        )
        for subject, threshold, recipient, period in rows:
            out[(subject, threshold, recipient)] = str(period)
    return out


def _keys(
    session: Session, ids: list[int]
) -> list[tuple[int, tuple[str, str, str, str, str], int | None]]:
    out = []
    for start in range(0, len(ids), _CHUNK):
        for row in session.execute(
            select(
                Delivery.id,
                Delivery.subject,
                Delivery.threshold,
                Delivery.recipient,
                Delivery.channel,
                Delivery.period,
                Delivery.user_id,
            ).where(Delivery.id.in_(ids[start : start + _CHUNK]))
        ):
            out.append((row[0], (row[1], row[2], row[3], row[4], row[5]), row[6]))
    return out


def _unit_names(session: Session, ids: set[int]) -> dict[int, str]:
    return {
        uid: name
        for uid, name in session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(sorted(ids))))
    }
