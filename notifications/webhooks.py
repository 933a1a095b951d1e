"""Webhook deliveries through RQ, signed per Standard Webhooks (`standardwebhooks`).

`notify_outbox` (notifications.jobs) fans an outbox event out into delivery rows
(`workflow.services.webhooks.fan_out`) in the transaction that marks the event done, then
enqueues one `deliver_webhook` job per row. The job reads the row, signs the body with
the subscription's secret (headers webhook-id — the row's stable message id —,
webhook-timestamp, webhook-signature), POSTs it with httpx within WEBHOOK_TIMEOUT, and
records the attempt through the runner (`record_attempt`): a 2xx delivers; anything else
(an error status, a timeout, a refused connection) is retried after the next of
WEBHOOK_RETRY_DELAYS, then marked failed; an endpoint failing WEBHOOK_PAUSE_AFTER times
in a row is paused and the office told. At least once: a job run twice or a replay sends
the same message id again, which the receiver drops.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

import httpx
from redis import Redis
from rq import Queue, get_current_job
from standardwebhooks.webhooks import Webhook

from notifications import runtime
from notifications.runtime import QUEUE, utcnow
from workflow import runner
from workflow.services import webhooks as service

log = logging.getLogger(__name__)

USER_AGENT = "sanshen-webhooks/1"


def policy() -> service.Policy:
    cfg = runtime.get().config.API
    return service.Policy(tuple(cfg.WEBHOOK_RETRY_DELAYS), cfg.WEBHOOK_PAUSE_AFTER)


def enqueue(connection: Redis, ids: Iterable[int], delay: float = 0) -> int:
    """One `deliver_webhook` job per delivery id (after `delay` seconds: RQ's scheduler,
    which `rq worker --with-scheduler` runs, moves it to the queue)."""
    queue = Queue(QUEUE, connection=connection)
    options = {"result_ttl": 0, "failure_ttl": 86400}
    count = 0
    for delivery_id in ids:
        if delay > 0:
            queue.enqueue_in(timedelta(seconds=delay), deliver_webhook, delivery_id, **options)
        else:
            queue.enqueue(deliver_webhook, delivery_id, **options)
        count += 1
    return count


def signed_request(message_id: str, secret: str, body: bytes, moment: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for `body`, signed at `moment`."""
    signature = Webhook(secret).sign(message_id, moment, body)
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature,
    }


_clients: dict[float, httpx.Client] = {}


def _client(timeout: float) -> httpx.Client:
    """One client per worker process (kept-alive connections to the same receivers)."""
    client = _clients.get(timeout)
    if client is None:
        client = _clients[timeout] = httpx.Client(timeout=timeout, follow_redirects=False)
    return client


def send(url: str, message_id: str, secret: str, body: bytes, timeout: float) -> service.Attempt:
    """POST once; the attempt's outcome (never raises for the network)."""
    headers = signed_request(message_id, secret, body, utcnow())
    try:
        response = _client(timeout).post(url, content=body, headers=headers)
    except httpx.TimeoutException:
        return service.Attempt(None, "", "timeout")
    except httpx.HTTPError as exc:
        return service.Attempt(None, "", f"{type(exc).__name__}: {exc}"[:200])
    return service.Attempt(response.status_code, response.text[: service.ANSWER_MAX], "")


def deliver_webhook(delivery_id: int) -> str:
    """Send one delivery if it is still pending and its endpoint active; record it."""
    rt = runtime.get()
    with rt.sessions() as session:
        claimed = service.claim(session, delivery_id)
        session.rollback()  # no transaction held over the HTTP call
    if claimed is None:
        return "skipped"
    url, secret, message_id = claimed.url, claimed.secret, claimed.message_id
    body = json.dumps(claimed.payload, ensure_ascii=False, separators=(",", ":")).encode()
    attempt = send(url, message_id, secret, body, rt.config.API.WEBHOOK_TIMEOUT)
    with rt.sessions() as session:
        outcome = runner.run(
            session,
            service.record_attempt,
            actor=None,
            now=utcnow(),
            delivery_id=delivery_id,
            attempt=attempt,
            policy=policy(),
        )
    job = get_current_job()
    if outcome.value is not None and job is not None:
        enqueue(job.connection, [delivery_id], outcome.value)
    if outcome.events and job is not None:
        from notifications.relay import relay

        with rt.sessions() as session:
            relay(session, job.connection)  # tell the office of a paused endpoint now
    if attempt.ok:
        return "delivered"
    log.info("webhook %s to %s failed: %s %s", delivery_id, url, attempt.status_code, attempt.error)
    return "failed"


def requeue_due(connection: Redis) -> int:
    """Enqueue again the pending deliveries whose job was lost with Redis's data (the
    scheduler's relay calls it every interval)."""
    with runtime.get().sessions() as session:
        ids = service.due(session, utcnow())
    return enqueue(connection, ids)


def purge_api_calls() -> int:
    """The scheduler's daily job: the API call log's retention (API_CALL_KEEP_DAYS)."""
    from workflow.services import api as api_services

    rt = runtime.get()
    with rt.sessions() as session:
        return runner.run(
            session,
            api_services.purge_calls,
            actor=None,
            now=utcnow(),
            keep_days=rt.config.API.CALL_KEEP_DAYS,
        ).value
