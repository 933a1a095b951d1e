"""The outbox relay: rows `workflow.runner` wrote with their change → `notify_outbox` jobs.

Exactly once, though the database and Redis share no transaction: a relay claims the
unrelayed rows (row locks, SKIP LOCKED on PostgreSQL; SQLite's BEGIN IMMEDIATE serialises
writers), enqueues their jobs, then marks them relayed and commits. If Redis fails the
transaction rolls back and the rows wait for the next relay; if the commit fails after the
enqueue, a row is relayed twice and its job (idempotent by the outbox id) acts once.

Who relays: the web app right after each commit (at most REQUEST_REDIS_TIMEOUT of waiting,
never failing the request), `publish_scheduled` after its commit, and the scheduler's
`relay_outbox` job (OUTBOX_RELAY_INTERVAL) and each scan (`scan_and_enqueue`, so `flask
notify scan` too) for whatever they left — so after an outage the events go out within
one interval of Redis's return.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from redis import Redis
from rq import Queue, get_current_job
from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.orm import Session

from notifications import runtime
from notifications.runtime import QUEUE, utcnow
from workflow.models import OutboxEvent

log = logging.getLogger(__name__)

BATCH = 500  # rows per relay transaction
KEEP_DAYS = 30  # done rows are kept this long (to answer "was this event sent?")
# A row relayed this long ago and still not done lost its job (Redis flushed or its data
# lost): the scheduler's relay enqueues it again (the job acts once whatever happens).
RELAY_AGAIN_AFTER = timedelta(minutes=15)


def relay(
    session: Session,
    connection: Redis,
    now: datetime | None = None,
    limit: int = BATCH,
    again: bool = False,
) -> int:
    """Enqueue up to `limit` unrelayed rows (`again`: and rows whose job was lost) and
    mark them relayed; how many. Raises the Redis error (after rolling back) if the queue
    cannot be reached."""
    now = now or utcnow()
    due: ColumnElement[bool] = OutboxEvent.relayed_at.is_(None)
    if again:
        lost = OutboxEvent.done_at.is_(None) & (OutboxEvent.relayed_at < now - RELAY_AGAIN_AFTER)
        due = due | lost
    try:
        ids = list(
            session.scalars(
                select(OutboxEvent.id)
                .where(due)
                .order_by(OutboxEvent.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        if ids:
            from notifications.jobs import notify_outbox

            Queue(QUEUE, connection=connection).enqueue_many(
                [
                    Queue.prepare_data(
                        notify_outbox,
                        args=(i,),
                        result_ttl=600,
                        failure_ttl=86400,
                        description=f"outbox {i}",
                    )
                    for i in ids
                ]
            )
            session.execute(
                update(OutboxEvent).where(OutboxEvent.id.in_(ids)).values(relayed_at=now)
            )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return len(ids)


def relay_all(session: Session, connection: Redis, now: datetime | None = None) -> int:
    """Relay batch after batch until none is left, lost jobs included."""
    total = 0
    while count := relay(session, connection, now, again=True):
        total += count
        if count < BATCH:
            break
    return total


def prune(session: Session, now: datetime) -> int:
    """Forget rows done more than KEEP_DAYS ago."""
    result = session.execute(
        delete(OutboxEvent).where(OutboxEvent.done_at < now - timedelta(days=KEEP_DAYS))
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def relay_outbox() -> int:
    """The scheduler's job (notifications.cron_config): relay what is left, prune."""
    job = get_current_job()
    if job is None:
        raise RuntimeError("relay_outbox enqueues jobs: call it from an RQ worker")
    now = utcnow()
    with runtime.get().sessions() as session:
        count = relay_all(session, job.connection, now)
        prune(session, now)
    from notifications.webhooks import requeue_due

    requeue_due(job.connection)
    if count:
        log.info("outbox: relayed %s events", count)
    return count
