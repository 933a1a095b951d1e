"""RQ jobs. They take ids and plain values, load what they need, and are safe to run
twice: the ledger decides whether anything is sent."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from redis import Redis
from rq import Queue, Retry, get_current_job

from config import NotifyConfig
from notifications import ledger, runtime
from notifications.channels import DeliveryError
from notifications.recipients import contact_for
from notifications.runtime import QUEUE, utcnow

log = logging.getLogger(__name__)


class SendFailed(RuntimeError):
    """Raised so RQ retries the job after its backoff (the ledger row waits too)."""


def retry_policy(cfg: NotifyConfig) -> Retry | None:
    if cfg.MAX_ATTEMPTS <= 1:
        return None
    return Retry(max=cfg.MAX_ATTEMPTS - 1, interval=list(cfg.RETRY_INTERVALS) or 0)


def enqueue_deliveries(queue: Queue, ids: Sequence[int], cfg: NotifyConfig) -> None:
    """One job per ledger row (a pipeline: one round trip for many)."""
    if not ids:
        return
    retry = retry_policy(cfg)
    timeout = max(cfg.CLAIM_TIMEOUT_SECONDS // 2, 30)
    jobs = [
        Queue.prepare_data(
            deliver,
            args=(i,),
            retry=retry,
            timeout=timeout,
            result_ttl=600,
            failure_ttl=86400,
            description=f"deliver {i}",
        )
        for i in ids
    ]
    for start in range(0, len(jobs), 500):
        queue.enqueue_many(jobs[start : start + 500])


def deliver(delivery_id: int) -> str:
    """Send one ledger row, if it is still pending and due."""
    rt = runtime.get()
    cfg = rt.config.NOTIFY
    with rt.sessions() as session:
        c = ledger.claim(session, delivery_id, utcnow())
        if c is None:
            return "skipped"
        delivery = c.delivery
        channel = rt.channels.get(delivery.channel)
        if channel is None:
            ledger.mark_error(
                session,
                c,
                utcnow(),
                f"channel {delivery.channel} is not configured",
                cfg,
                retryable=False,
            )
            return "failed"
        try:
            contact = contact_for(session, delivery)
            ref = channel.send(
                session, delivery, contact, lambda: ledger.mark_handover(session, c, utcnow())
            )
        except DeliveryError as exc:
            delay = ledger.mark_error(session, c, utcnow(), str(exc), cfg, exc.retryable)
            log.warning("delivery %s attempt %s failed: %s", delivery_id, delivery.attempts, exc)
            if delay is None:
                return "failed"
            raise SendFailed(f"delivery {delivery_id}: {exc}") from exc
        ledger.mark_sent(session, c, utcnow(), ref)
        return "sent"


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
    from notifications.scan import scan

    rt = runtime.get()
    now = now or utcnow()
    with rt.sessions() as session:
        result = scan(session, now, rt.config, set(rt.channels), recover_at)
        session.commit()
    enqueue_deliveries(queue, result.to_enqueue, rt.config.NOTIFY)
    log.info(
        "scan: %s reminders, %s new messages, %s digests, %s enqueued",
        result.reminders,
        result.new_rows,
        result.digests,
        len(result.to_enqueue),
    )
    return {
        "reminders": result.reminders,
        "new": result.new_rows,
        "digests": result.digests,
        "enqueued": len(result.to_enqueue),
    }


def notify_item_event(event: dict[str, Any]) -> int:
    """Messages for one workflow event (plain values, see notifications.dispatch)."""
    from notifications.events import event_reminders
    from notifications.scan import expand
    from workflow.deadlines.due import load_calendar

    rt = runtime.get()
    now = utcnow()
    job = get_current_job()
    with rt.sessions() as session:
        reminders = event_reminders(session, event, rt.config.NOTIFY)
        drafts = expand(
            session,
            reminders,
            now,
            rt.config.NOTIFY,
            set(rt.channels),
            load_calendar(session),
            rt.config.TIMEZONE,
        )
        ids = ledger.record(session, drafts, now)
        ledger.mark_enqueued(session, ids, now)
        session.commit()
    if job is not None:
        enqueue_deliveries(Queue(QUEUE, connection=job.connection), ids, rt.config.NOTIFY)
    return len(ids)


def connection_queue(connection: Redis) -> Queue:
    return Queue(QUEUE, connection=connection)
