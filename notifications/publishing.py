"""The job that carries out scheduled publications (定时发布), run by the one `rq cron`.

`workflow.scheduling.publish_due` claims each due schedule before acting, so this job is
safe to run twice or on two workers at once; the events go out only after the commit."""

from __future__ import annotations

import logging
from datetime import datetime

from rq import Queue, get_current_job

from notifications import runtime
from notifications.dispatch import enqueue_events
from notifications.runtime import QUEUE, utcnow
from workflow.scheduling import publish_due

log = logging.getLogger(__name__)


def publish_scheduled(now_iso: str | None = None) -> int:
    """Publish what is due; returns how many events were committed."""
    now = datetime.fromisoformat(now_iso) if now_iso else utcnow()
    with runtime.get().sessions() as session:
        events = publish_due(session, now)
        session.commit()
    job = get_current_job()
    if job is not None and events:
        enqueue_events(Queue(QUEUE, connection=job.connection), events)
    if events:
        log.info("scheduled publication: %s events", len(events))
    return len(events)
