"""Connects the web layer's committed events to the notifications queue.

The runner wrote the events' outbox rows in the view's transaction; after the commit this
relays them to RQ at once (`notifications.relay`), waiting at most REQUEST_REDIS_TIMEOUT
for Redis. If Redis is down or frozen the request goes on (logged): the rows wait in the
database and the scheduler's relay sends them within an interval of Redis's return. After
a failure, requests skip the attempt for PAUSE_AFTER_FAILURE seconds, so an outage does
not cost every submit its timeout."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import redis
from flask import Flask

from notifications.relay import relay
from web.events import add_handler
from web.limits import REQUEST_REDIS_TIMEOUT
from workflow.outbox import KINDS

log = logging.getLogger(__name__)

REDIS_KEY = "sanshen.redis"
FAILED_AT_KEY = "sanshen.relay_failed_at"
PAUSE_AFTER_FAILURE = 30.0
LIMIT = 100  # rows per request: a backlog is the scheduler's


def _client(app: Flask) -> redis.Redis | None:
    client: redis.Redis | None = app.extensions.get(REDIS_KEY)
    if client is None:
        url = app.config["SANSHEN"].REDIS_URL
        if not url:
            return None
        client = redis.Redis.from_url(
            url,
            socket_timeout=REQUEST_REDIS_TIMEOUT,
            socket_connect_timeout=REQUEST_REDIS_TIMEOUT,
        )
        app.extensions[REDIS_KEY] = client
    return client


def redis_client(app: Flask) -> redis.Redis | None:
    """The app's Redis client for enqueueing (None when none is configured)."""
    return _client(app)


def relay_now(app: Flask) -> int:
    """Relay the outbox in a session of its own; never raises for Redis."""
    client = _client(app)
    failed_at: float | None = app.extensions.get(FAILED_AT_KEY)
    if client is None:
        return 0
    if failed_at is not None and time.monotonic() - failed_at < PAUSE_AFTER_FAILURE:
        return 0
    session = app.extensions["sanshen.sessions"]()
    try:
        return relay(session, client, limit=LIMIT)
    except redis.RedisError as exc:
        app.extensions[FAILED_AT_KEY] = time.monotonic()
        log.warning("outbox relay deferred to the scheduler: Redis %s", exc)
        return 0
    finally:
        session.close()


def enqueue_webhooks(app: Flask, ids: Sequence[int]) -> int:
    """Queue webhook deliveries (a replay, a resumed endpoint); never raises for Redis:
    a pending delivery whose job is missing is queued again by the scheduler's relay
    (notifications.webhooks.requeue_due) within a minute or two."""
    client = _client(app)
    if client is None or not ids:
        return 0
    from notifications.webhooks import enqueue

    try:
        return enqueue(client, ids)
    except redis.RedisError as exc:
        log.warning("webhook deliveries left to the scheduler: Redis %s", exc)
        return 0


def init_app(app: Flask) -> None:
    def enqueue(batch: Sequence[Any]) -> None:
        if any(isinstance(e, KINDS) for e in batch):
            relay_now(app)

    add_handler(app, enqueue)
