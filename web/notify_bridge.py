"""Connects the web layer's committed events to the notifications queue.

Each batch becomes RQ jobs carrying ids only (`notifications.dispatch.enqueue_events`).
If Redis is unreachable the failure is logged by `web.events.dispatch`; the reminder
scan still finds items waiting at a stage from the database, so the next actor is told
at the latest when the stage limit is reached."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis
from flask import Flask

from notifications.dispatch import enqueue_events
from web.events import add_handler

REDIS_KEY = "sanshen.redis"


def _client(app: Flask) -> redis.Redis | None:
    client: redis.Redis | None = app.extensions.get(REDIS_KEY)
    if client is None:
        url = app.config["SANSHEN"].REDIS_URL
        if not url:
            return None
        client = redis.Redis.from_url(url)
        app.extensions[REDIS_KEY] = client
    return client


def init_app(app: Flask) -> None:
    def enqueue(batch: Sequence[Any]) -> None:
        client = _client(app)
        if client is not None:
            enqueue_events(client, batch)

    add_handler(app, enqueue)
