"""Hands the content checks' committed events to the worker: a check that found links
without a fresh result enqueues the link job for its item; a word-list change enqueues
the recheck of published items. Never fetches anything in the request. If Redis is not
reachable the request goes on (logged): the scheduled recheck fetches stale links and
rechecks every published item anyway (notifications.cron_config)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import redis
from flask import Flask
from rq import Queue

from notifications.content_checks import check_item_links, recheck_live
from notifications.runtime import QUEUE
from web.events import add_handler
from web.notify_bridge import redis_client
from workflow.events import LinksToCheck, WordListChanged

log = logging.getLogger(__name__)


def enqueue(app: Flask, events: Sequence[Any]) -> int:
    links = sorted({e.item_id for e in events if isinstance(e, LinksToCheck)})
    lists = any(isinstance(e, WordListChanged) for e in events)
    if not links and not lists:
        return 0
    client = redis_client(app)
    if client is None:
        return 0
    queue = Queue(QUEUE, connection=client)
    count = 0
    try:
        for item_id in links:
            queue.enqueue(check_item_links, item_id, job_timeout=600, result_ttl=600)
            count += 1
        if lists:
            queue.enqueue(recheck_live, job_timeout=3600, result_ttl=600)
            count += 1
    except redis.RedisError as exc:
        log.warning("content checks left to the schedule: Redis %s", exc)
    return count


def init_app(app: Flask) -> None:
    def handler(batch: Sequence[Any]) -> None:
        enqueue(app, batch)

    add_handler(app, handler)
