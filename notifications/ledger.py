"""The delivery ledger: record messages once per idempotency key, claim them for sending,
mark the outcome, and recover what a dead worker or a flushed Redis left behind.

The guarantee, per key (subject, threshold, recipient, channel, period):

* **at most one message.** The unique constraint admits one row per key; a worker sends
  only a row it claimed with a conditional UPDATE (pending → claimed, one winner among
  racing workers); just before the point of no return (SMTP DATA, the provider's HTTP
  request) the row becomes `sending` in its own commit. A worker that dies while a row
  is `claimed` had not handed anything over, so the row is sent again; one that dies
  while a row is `sending` may or may not have delivered it, so that row is *not* sent
  again but marked failed ("outcome unknown") and listed for the office.
* **no due message left behind.** Rows live in the database; Redis only carries their
  ids. Every scan re-enqueues pending rows whose job is older than
  REENQUEUE_AFTER_SECONDS (Redis flushed, job lost) and returns stale claims to pending.
* **nothing dropped silently.** A failed attempt goes back to pending with a backoff;
  after MAX_ATTEMPTS it is `failed` and appears in `failed_deliveries()`.

The in-app channel writes its inbox row in the transaction that marks the row sent, so
it is exactly once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from config import NotifyConfig
from workflow.models import Delivery, User

PENDING, CLAIMED, SENDING, SENT, FAILED, DIGESTED = (
    "pending",
    "claimed",
    "sending",
    "sent",
    "failed",
    "digested",
)


@dataclass(frozen=True)
class Draft:
    """A message to record: its idempotency key and its content."""

    subject: str
    threshold: str
    recipient: str
    channel: str
    period: str
    kind: str
    title: str
    body: str = ""
    user_id: int | None = None
    link: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    escalation: bool = False
    not_before: datetime | None = None

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        return (self.subject, self.threshold, self.recipient, self.channel, self.period)


def record(session: Session, drafts: Iterable[Draft], now: datetime) -> list[int]:
    """Insert the drafts whose key is new; return the new rows' ids (flushed, not
    committed). A key already present — from an earlier scan, a second run of the same
    job, a racing scan — inserts nothing (INSERT … ON CONFLICT DO NOTHING)."""
    rows = [
        {
            "subject": d.subject,
            "threshold": d.threshold,
            "recipient": d.recipient,
            "channel": d.channel,
            "period": d.period,
            "kind": d.kind,
            "user_id": d.user_id,
            "title": d.title[:300],
            "body": d.body,
            "link": d.link,
            "params": d.params,
            "escalation": d.escalation,
            "status": PENDING,
            "not_before": d.not_before,
            "created_at": now,
            "attempts": 0,
        }
        for d in {d.key: d for d in drafts}.values()
    ]
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    ids: list[int] = []
    # Multi-row VALUES in chunks: a scan may write tens of thousands of rows.
    for start in range(0, len(rows), 500):
        stmt = (
            insert(Delivery)
            .values(rows[start : start + 500])
            .on_conflict_do_nothing()
            .returning(Delivery.id)
        )
        ids.extend(session.execute(stmt).scalars())
    return sorted(ids)


def mark_enqueued(session: Session, ids: Sequence[int], now: datetime) -> None:
    if ids:
        session.execute(update(Delivery).where(Delivery.id.in_(ids)).values(enqueued_at=now))


@dataclass(frozen=True)
class Claim:
    delivery: Delivery
    token: str


def claim(session: Session, delivery_id: int, now: datetime) -> Claim | None:
    """Take a pending, due row for sending (committed). None: someone else has it, it
    is done, or it waits (quiet hours, backoff)."""
    token = uuid.uuid4().hex
    # One round trip: the conditional UPDATE returns the row it took (RETURNING).
    row = session.execute(
        update(Delivery)
        .where(
            Delivery.id == delivery_id,
            Delivery.status == PENDING,
            or_(Delivery.not_before.is_(None), Delivery.not_before <= now),
        )
        .values(status=CLAIMED, claimed_at=now, claim_token=token, attempts=Delivery.attempts + 1)
        .returning(Delivery)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    session.commit()
    return Claim(row, token) if row is not None else None


def claim_many(session: Session, ids: Sequence[int], now: datetime) -> list[Claim]:
    """`claim` for a batch in one statement (committed): the rows that were pending and
    due, in id order. Each is then sent and marked on its own."""
    if not ids:
        return []
    token = uuid.uuid4().hex
    rows = (
        session.execute(
            update(Delivery)
            .where(
                Delivery.id.in_(list(ids)),
                Delivery.status == PENDING,
                or_(Delivery.not_before.is_(None), Delivery.not_before <= now),
            )
            .values(
                status=CLAIMED, claimed_at=now, claim_token=token, attempts=Delivery.attempts + 1
            )
            .returning(Delivery)
            .execution_options(populate_existing=True, synchronize_session=False)
        )
        .scalars()
        .all()
    )
    session.commit()
    return [Claim(row, token) for row in sorted(rows, key=lambda r: r.id)]


# Built once: the two writes every sent message makes (the compiled form is cached too).
_HANDOVER = (
    update(Delivery)
    .where(
        Delivery.id == bindparam("d_id"),
        Delivery.claim_token == bindparam("token"),
        Delivery.status == CLAIMED,
    )
    .values(status=SENDING, claimed_at=bindparam("now"))
)
_SENT = (
    update(Delivery)
    .where(Delivery.id == bindparam("d_id"), Delivery.claim_token == bindparam("token"))
    .values(status=SENT, sent_at=bindparam("now"), provider_ref=bindparam("ref"))
)


def mark_handover(
    session: Session, c: Claim, now: datetime, conn: Connection | None = None
) -> bool:
    """The point of no return is next: record it first (committed, durably). False when
    our claim was taken from us (declared stale): then nothing must be sent."""
    params = {"d_id": c.delivery.id, "token": c.token, "now": now}
    return _write(session, _HANDOVER, params, conn) == 1


def _write(session: Session, stmt: Any, params: dict[str, Any], conn: Connection | None) -> int:
    """One UPDATE, committed: on `conn` (an AUTOCOMMIT connection: one round trip) or in
    the session's transaction (with whatever else the session holds)."""
    if conn is not None:
        return int(conn.execute(stmt, params).rowcount)
    result = session.execute(stmt, params, execution_options={"synchronize_session": False})
    session.commit()
    # Session.execute is typed as returning Result; an UPDATE's is a CursorResult.
    return int(result.rowcount)  # type: ignore[attr-defined]


def mark_sent(
    session: Session,
    c: Claim,
    now: datetime,
    provider_ref: str | None,
    conn: Connection | None = None,
) -> None:
    """Commit the outcome — in the session when the channel added rows to it (the inbox
    message), so both commit together. `conn` may commit without waiting for the disk
    (see `lazy_marks`): losing this mark in a database crash leaves the row `sending`,
    reported as "outcome unknown" and never sent again."""
    params = {"d_id": c.delivery.id, "token": c.token, "now": now, "ref": provider_ref}
    _write(session, _SENT, params, conn)


@contextmanager
def lazy_marks(engine: Engine) -> Iterator[Connection | None]:
    """An AUTOCOMMIT connection whose commits do not wait for the disk, for "sent" marks
    (PostgreSQL; None elsewhere: the caller marks in its session). The hand-over before
    it stays durable, so a database crash can turn a sent row into "outcome unknown",
    never into a second message; each later durable commit flushes these too."""
    if engine.dialect.name != "postgresql":
        yield None
        return
    with engine.connect() as conn:
        lazy = conn.execution_options(isolation_level="AUTOCOMMIT")
        lazy.exec_driver_sql("SET synchronous_commit = off")
        try:
            yield lazy
        finally:
            # The pooled connection goes back to others: restore the durable default, or
            # never hand it back (a hand-over on it would not be durable).
            try:
                lazy.exec_driver_sql("RESET synchronous_commit")
            except Exception:
                conn.invalidate()


def mark_error(
    session: Session,
    c: Claim,
    now: datetime,
    error: str,
    settings: NotifyConfig,
    retryable: bool = True,
) -> float | None:
    """Record a failed attempt. Returns the seconds until the next attempt, or None
    when this was the last one (the row is failed and listed for the office)."""
    session.rollback()
    attempts = c.delivery.attempts
    last = not retryable or attempts >= settings.MAX_ATTEMPTS
    values: dict[str, Any] = {"last_error": error[:2000]}
    delay: float | None = None
    if last:
        values.update(status=FAILED, failed_at=now)
    else:
        delay = float(backoff(settings, attempts))
        values.update(status=PENDING, not_before=now + timedelta(seconds=delay), enqueued_at=now)
    session.execute(
        update(Delivery)
        .where(Delivery.id == c.delivery.id, Delivery.claim_token == c.token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return delay


def backoff(settings: NotifyConfig, attempts: int) -> int:
    """Seconds to wait after the `attempts`-th failed attempt."""
    intervals = settings.RETRY_INTERVALS or (0,)
    return intervals[min(attempts, len(intervals)) - 1] if attempts else intervals[0]


def recover(session: Session, now: datetime, settings: NotifyConfig) -> list[int]:
    """Put back what dead workers and a lost Redis left behind; return the ids of pending
    rows to enqueue again (marked enqueued, not committed)."""
    stale = now - timedelta(seconds=settings.CLAIM_TIMEOUT_SECONDS)
    # A row whose worker keeps dying before sending stops being retried at the limit.
    session.execute(
        update(Delivery)
        .where(
            Delivery.status == CLAIMED,
            Delivery.claimed_at < stale,
            Delivery.attempts >= settings.MAX_ATTEMPTS,
        )
        .values(
            status=FAILED,
            failed_at=now,
            last_error="发送进程多次中断，已停止重试 / worker died before sending, every attempt",
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Delivery)
        .where(Delivery.status == CLAIMED, Delivery.claimed_at < stale)
        .values(
            status=PENDING,
            claim_token=None,
            last_error="发送进程中断（尚未交付），重新发送 / worker stopped before handing over",
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Delivery)
        .where(Delivery.status == SENDING, Delivery.claimed_at < stale)
        .values(
            status=FAILED,
            failed_at=now,
            last_error=(
                "发送进程在交付时中断，对方可能已收到，未重发以免重复，请人工核实 / "
                "worker stopped while handing over: outcome unknown, not sent again"
            ),
        )
        .execution_options(synchronize_session=False)
    )
    lost_before = now - timedelta(seconds=settings.REENQUEUE_AFTER_SECONDS)
    ids = list(
        session.execute(
            select(Delivery.id)
            .where(
                Delivery.status == PENDING,
                or_(Delivery.not_before.is_(None), Delivery.not_before <= now),
                or_(Delivery.enqueued_at.is_(None), Delivery.enqueued_at < lost_before),
            )
            .order_by(Delivery.id)
        ).scalars()
    )
    mark_enqueued(session, ids, now)
    return ids


# --------------------------------------------------------------------------- queries


def sent_log(
    session: Session,
    *,
    since: datetime | None = None,
    user_id: int | None = None,
    channel: str | None = None,
    limit: int = 200,
) -> list[Delivery]:
    """Messages sent, newest first (the dashboard's sent log)."""
    stmt = select(Delivery).where(Delivery.status == SENT)
    if since is not None:
        stmt = stmt.where(Delivery.sent_at >= since)
    if user_id is not None:
        stmt = stmt.where(Delivery.user_id == user_id)
    if channel is not None:
        stmt = stmt.where(Delivery.channel == channel)
    return list(session.execute(stmt.order_by(Delivery.sent_at.desc()).limit(limit)).scalars())


def delivery_log(
    session: Session,
    *,
    status: str | Sequence[str] | None = None,
    channel: str | None = None,
    kind: str | None = None,
    recipient: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 50,
) -> list[tuple[Delivery, str | None]]:
    """Every message in the ledger, newest first, with its recipient's name: the office's
    answer to "did he get the reminder?". `recipient` matches a name, a login or a robot;
    `since`/`until` bound the creation time; keyset paging by `before_id` (the last id
    shown), so a page costs the same however long the ledger grows. Returns up to
    `limit` + 1 rows: one more means there is an older page."""
    stmt = select(Delivery, User.name).outerjoin(User, User.id == Delivery.user_id)
    if isinstance(status, str):
        stmt = stmt.where(Delivery.status == status)
    elif status is not None:
        stmt = stmt.where(Delivery.status.in_(list(status)))
    if channel is not None:
        stmt = stmt.where(Delivery.channel == channel)
    if kind is not None:
        stmt = stmt.where(Delivery.kind == kind)
    if recipient:
        stmt = stmt.where(
            or_(
                User.name.contains(recipient, autoescape=True),
                User.login.contains(recipient, autoescape=True),
                Delivery.recipient.contains(recipient, autoescape=True),
            )
        )
    if since is not None:
        stmt = stmt.where(Delivery.created_at >= since)
    if until is not None:
        stmt = stmt.where(Delivery.created_at < until)
    if before_id is not None:
        stmt = stmt.where(Delivery.id < before_id)
    rows = session.execute(stmt.order_by(Delivery.id.desc()).limit(limit + 1)).all()
    return [(d, name) for d, name in rows]


def failed_deliveries(session: Session, *, limit: int = 200) -> list[Delivery]:
    """Messages that could not be delivered after every attempt (or whose outcome is
    unknown), newest first: the office's list to follow up by phone."""
    stmt = (
        select(Delivery)
        .where(Delivery.status == FAILED)
        .order_by(Delivery.failed_at.desc(), Delivery.id.desc())
        .limit(limit)
    )
    return list(session.execute(stmt).scalars())


def retry_failed(session: Session, delivery_id: int, now: datetime) -> bool:
    """The office sends a failed message again (after checking with the recipient)."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status == FAILED)
        .values(status=PENDING, not_before=None, attempts=0, failed_at=None, enqueued_at=None)
        .execution_options(synchronize_session=False)
    )
    # Session.execute is typed as returning Result; an UPDATE's is a CursorResult.
    return int(result.rowcount) == 1  # type: ignore[attr-defined]


def counts_by_status(session: Session) -> dict[str, int]:
    rows = session.execute(select(Delivery.status, func.count()).group_by(Delivery.status))
    return {status: int(n) for status, n in rows}
