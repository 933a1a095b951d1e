"""RQ jobs. They take ids and plain values, load what they need, and are safe to run
twice: the ledger decides whether anything is sent."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from redis import Redis
from rq import Queue, Retry, get_current_job
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from config import NotifyConfig
from notifications import ledger, runtime
from notifications.channels import Contact, DeliveryError
from notifications.recipients import contact_for, contacts_for
from notifications.runtime import QUEUE, utcnow
from notifications.webhooks import enqueue as enqueue_webhooks
from workflow.services import webhooks

log = logging.getLogger(__name__)


class SendFailed(RuntimeError):
    """Raised so RQ retries the job after its backoff (the ledger row waits too)."""


def retry_policy(cfg: NotifyConfig) -> Retry | None:
    if cfg.MAX_ATTEMPTS <= 1:
        return None
    return Retry(max=cfg.MAX_ATTEMPTS - 1, interval=list(cfg.RETRY_INTERVALS) or 0)


BATCH = 50  # ledger rows per job: RQ's per-job cost shared, each row still claimed alone


def enqueue_deliveries(queue: Queue, ids: Sequence[int], cfg: NotifyConfig) -> None:
    """Jobs of up to BATCH ledger row ids (one pipeline per 500 jobs)."""
    if not ids:
        return
    timeout = max(cfg.CLAIM_TIMEOUT_SECONDS // 2, 30)
    ordered = sorted(ids)
    jobs = [
        Queue.prepare_data(
            deliver_batch,
            args=(ordered[i : i + BATCH],),
            timeout=timeout,
            result_ttl=0,
            failure_ttl=86400,
            description=f"deliver {len(ordered[i : i + BATCH])} from {ordered[i]}",
        )
        for i in range(0, len(ordered), BATCH)
    ]
    for start in range(0, len(jobs), 500):
        queue.enqueue_many(jobs[start : start + 500])


def _retry_later(queue: Queue | None, delivery_id: int, delay: float, cfg: NotifyConfig) -> None:
    """A row of a batch failed and may be retried: a job of its own, after the backoff,
    with RQ Retry for the attempts after that (the ledger counts attempts)."""
    if queue is None:
        return  # outside a worker (tests, commands): the next scan re-enqueues it
    options: dict[str, Any] = {"retry": retry_policy(cfg), "result_ttl": 0, "failure_ttl": 86400}
    if delay > 0:
        queue.enqueue_in(timedelta(seconds=delay), deliver, delivery_id, **options)
    else:
        queue.enqueue(deliver, delivery_id, **options)


def _send(
    session: Session,
    c: ledger.Claim,
    contact: Contact,
    conn: Connection | None = None,
    lazy: Connection | None = None,
) -> tuple[str, float | None, str]:
    """Send one claimed row; ("sent"|"failed"|"retry", delay, error). `conn`: an
    AUTOCOMMIT connection for the hand-over (one round trip); `lazy`: one for the sent
    mark (see ledger.lazy_marks)."""
    rt = runtime.get()
    cfg = rt.config.NOTIFY
    delivery = c.delivery
    channel = rt.channels.get(delivery.channel)
    if channel is None:
        error = f"channel {delivery.channel} is not configured"
        ledger.mark_error(session, c, utcnow(), error, cfg, retryable=False)
        return "failed", None, error
    handed_over = False

    def handover() -> bool:
        nonlocal handed_over
        handed_over = ledger.mark_handover(session, c, utcnow(), conn)
        return handed_over

    try:
        ref = channel.send(session, delivery, contact, handover)
    except DeliveryError as exc:
        delay = ledger.mark_error(session, c, utcnow(), str(exc), cfg, exc.retryable)
        log.warning("delivery %s attempt %s failed: %s", delivery.id, delivery.attempts, exc)
        return ("failed" if delay is None else "retry"), delay, str(exc)
    except Exception as exc:
        # A bug or a broken dependency: recorded on the row like any failure (retried
        # if nothing was handed over yet), so it is counted and ends in the failed list.
        log.exception("delivery %s: unexpected error", delivery.id)
        error = f"internal error: {type(exc).__name__}: {exc}"
        delay = ledger.mark_error(session, c, utcnow(), error, cfg, retryable=not handed_over)
        return ("failed" if delay is None else "retry"), delay, error
    # The in-app message was added to the session: it commits with the mark.
    ledger.mark_sent(session, c, utcnow(), ref, None if session.new else (lazy or conn))
    return "sent", None, ""


def deliver(delivery_id: int) -> str:
    """Send one ledger row, if it is still pending and due; raise for RQ Retry."""
    rt = runtime.get()
    with rt.sessions() as session:
        c = ledger.claim(session, delivery_id, utcnow())
        if c is None:
            return "skipped"
        outcome, _, error = _send(session, c, contact_for(session, c.delivery))
    if outcome == "retry":
        raise SendFailed(f"delivery {delivery_id}: {error}")
    return outcome


def deliver_batch(delivery_ids: list[int]) -> dict[str, int]:
    """Send a batch of ledger rows: claimed in one statement, sent and marked one by one;
    a row that fails is retried in a job of its own."""
    rt = runtime.get()
    job = get_current_job()
    queue = Queue(QUEUE, connection=job.connection) if job is not None else None
    outcomes: dict[str, int] = {"sent": 0, "failed": 0, "retry": 0}
    with (
        rt.sessions() as session,
        rt.engine.connect() as conn,
        ledger.lazy_marks(rt.engine) as lazy,
    ):
        # PostgreSQL: each mark one round trip. SQLite: in the session (the project's
        # engine issues BEGIN IMMEDIATE itself, which an AUTOCOMMIT connection never ends).
        autocommit = (
            conn.execution_options(isolation_level="AUTOCOMMIT")
            if conn.dialect.name == "postgresql"
            else None
        )
        claims = ledger.claim_many(session, delivery_ids, utcnow())
        contacts = contacts_for(session, [c.delivery for c in claims])
        session.commit()  # end the read: on SQLite an open transaction holds the write lock
        for c in claims:
            outcome, delay, _ = _send(session, c, contacts[c.delivery.id], autocommit, lazy)
            outcomes[outcome] += 1
            if outcome == "retry" and delay is not None:
                _retry_later(queue, c.delivery.id, delay, rt.config.NOTIFY)
    outcomes["skipped"] = len(delivery_ids) - len(claims)
    return outcomes


def _queue_for_job() -> Queue:
    job = get_current_job()
    if job is None:
        raise RuntimeError("run_scan enqueues follow-up jobs: call it from an RQ worker")
    return Queue(QUEUE, connection=job.connection)


def run_scan(now_iso: str | None = None) -> dict[str, int]:
    """The periodic scan (registered in notifications.cron_config)."""
    return scan_and_enqueue(_queue_for_job(), datetime.fromisoformat(now_iso) if now_iso else None)


def scan_and_enqueue(
    queue: Queue, now: datetime | None = None, recover_at: datetime | None = None
) -> dict[str, int]:
    """The scan, after relaying the outbox: events held back by a Redis outage go out
    within one scan of its end (and before the scan's stage reminders)."""
    from notifications.relay import relay_all
    from notifications.scan import scan

    rt = runtime.get()
    now = now or utcnow()
    with rt.sessions() as session:
        relayed = relay_all(session, queue.connection)
        result = scan(session, now, rt.config, set(rt.channels), recover_at)
        session.commit()
    enqueue_deliveries(queue, result.to_enqueue, rt.config.NOTIFY)
    log.info(
        "scan: %s reminders, %s new messages, %s digests, %s escalation messages, %s enqueued",
        result.reminders,
        result.new_rows,
        result.digests,
        result.escalations,
        len(result.to_enqueue),
    )
    return {
        "reminders": result.reminders,
        "new": result.new_rows,
        "digests": result.digests,
        "escalations": result.escalations,
        "enqueued": len(result.to_enqueue),
        "relayed": relayed,
    }


def record_reminders(session: Session, reminders: Sequence[Any], now: datetime) -> list[int]:
    """Expand reminders into one delivery per person and channel, record them in the
    ledger (a key already there is skipped) and mark them enqueued; the new rows' ids.
    The caller commits, then enqueues the deliveries."""
    from notifications.drafts import expand
    from workflow.deadlines.due import load_calendar

    rt = runtime.get()
    drafts = expand(
        session,
        list(reminders),
        now,
        rt.config.NOTIFY,
        set(rt.channels),
        load_calendar(session),
        rt.config.TIMEZONE,
    )
    ids = ledger.record(session, drafts, now)
    ledger.mark_enqueued(session, ids, now)
    return ids


def _event_messages(session: Session, event: dict[str, Any], now: datetime) -> list[int]:
    """Record the messages of one workflow event in the ledger; the new rows' ids."""
    from notifications.events import event_reminders, webhook_paused

    rt = runtime.get()
    if "item_id" in event or event.get("type") == "DelegationMade":
        reminders = event_reminders(session, event, rt.config.NOTIFY)
    elif event.get("type") == "WebhookPaused":
        reminders = webhook_paused(session, event, rt.config.NOTIFY)
    else:
        return []  # for webhooks only (column.overdue): the scan sends the 督办
    return record_reminders(session, reminders, now)


def notify_item_event(event: dict[str, Any]) -> int:
    """Messages for one workflow event (plain values, see notifications.dispatch). Kept
    for jobs enqueued before the outbox; new events come through `notify_outbox`."""
    rt = runtime.get()
    job = get_current_job()
    with rt.sessions() as session:
        ids = _event_messages(session, event, utcnow())
        session.commit()
    if job is not None:
        enqueue_deliveries(Queue(QUEUE, connection=job.connection), ids, rt.config.NOTIFY)
    return len(ids)


def notify_outbox(outbox_id: int) -> int:
    """Messages for one outbox row (notifications.relay), once: the row is marked done in
    the transaction that records its messages, and locked while it is (a second job for
    the same row waits, then finds it done)."""
    from workflow.models import OutboxEvent

    rt = runtime.get()
    now = utcnow()
    job = get_current_job()
    with rt.sessions() as session:
        row = session.get(OutboxEvent, outbox_id, with_for_update=True)
        if row is None or row.done_at is not None:
            return 0
        ids = _event_messages(session, row.payload, now)
        hooks = webhooks.fan_out(session, row.payload, now)
        row.done_at = now
        session.commit()
    if job is not None:
        enqueue_deliveries(Queue(QUEUE, connection=job.connection), ids, rt.config.NOTIFY)
        enqueue_webhooks(job.connection, hooks)
    return len(ids) + len(hooks)


def connection_queue(connection: Redis) -> Queue:
    return Queue(QUEUE, connection=connection)
