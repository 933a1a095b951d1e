"""The job that carries out scheduled publications (定时发布), run by the one `rq cron`.

`workflow.scheduling.publish_due` claims each due schedule before acting, so this job is
safe to run twice or on two workers at once; `workflow.runner` commits the publications
with their outbox rows, which are relayed after the commit."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import redis
from rq import get_current_job

from notifications import runtime
from notifications.relay import relay
from notifications.runtime import utcnow
from workflow import runner
from workflow.scheduling import publish_due

log = logging.getLogger(__name__)


def publish_scheduled(now_iso: str | None = None) -> int:
    """Publish what is due; returns how many events were committed."""
    now = datetime.fromisoformat(now_iso) if now_iso else utcnow()
    job = get_current_job()

    with runtime.get().sessions() as session:

        def dispatch(events: Sequence[Any]) -> None:
            if job is None:  # outside a worker (a test, a command): the outbox waits
                return
            try:
                relay(session, job.connection)
            except redis.RedisError:  # published and committed: the next relay sends
                log.warning("outbox relay after scheduled publication failed", exc_info=True)

        outcome = runner.run(session, publish_due, actor=None, now=now, dispatch=dispatch)
    if outcome.events:
        log.info("scheduled publication: %s events", len(outcome.events))
    return len(outcome.events)
