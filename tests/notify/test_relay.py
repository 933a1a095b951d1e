"""The outbox relay: each row enqueued once by racing relays, none lost when Redis is
unreachable, a row whose job was lost relayed again by the scheduler's pass."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from rq import Queue
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from notifications.relay import RELAY_AGAIN_AFTER, relay, relay_all
from notifications.runtime import QUEUE
from workflow import outbox
from workflow.events import ItemCreated, ItemSubmitted
from workflow.models import OutboxEvent

from ..conftest import NOW, wipe


def _event(item_id: int) -> ItemSubmitted:
    return ItemSubmitted(item_id, 1, 1, 1, 1, NOW, "draft", "initial_review", "submit")


@pytest.fixture
def rows(engine: Engine) -> Iterator[list[int]]:
    with Session(engine) as s:
        created = ItemCreated(99, 1, 1, 1, 1, NOW, None, "draft", "create")
        assert outbox.write(s, [created, *(_event(i) for i in range(40))], NOW) == 40
        s.commit()
        ids = list(s.scalars(select(OutboxEvent.id).order_by(OutboxEvent.id)))
    yield ids
    wipe(engine)


def _queued(client: redis.Redis) -> list[int]:
    return sorted(job.args[0] for job in Queue(QUEUE, connection=client).jobs)


def test_racing_relays_enqueue_each_row_once(
    engine: Engine, redis_client: redis.Redis, rows: list[int]
) -> None:
    def one() -> None:
        with Session(engine) as s:
            while relay(s, redis_client, NOW, limit=7):
                pass

    threads = [threading.Thread(target=one) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _queued(redis_client) == rows


def test_unreachable_redis_leaves_the_rows_for_later(
    engine: Engine, redis_client: redis.Redis, rows: list[int]
) -> None:
    dead = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=1)
    with Session(engine) as s, pytest.raises(redis.ConnectionError):
        relay(s, dead, NOW)
    with Session(engine) as s:
        assert relay_all(s, redis_client, NOW) == len(rows)
        assert relay_all(s, redis_client, NOW) == 0
    assert _queued(redis_client) == rows


def test_a_row_whose_job_was_lost_is_relayed_again(
    engine: Engine, redis_client: redis.Redis, rows: list[int]
) -> None:
    with Session(engine) as s:
        relay_all(s, redis_client, NOW)
        Queue(QUEUE, connection=redis_client).empty()  # Redis flushed: the jobs are gone
        s.execute(update(OutboxEvent).where(OutboxEvent.id != rows[0]).values(done_at=NOW))
        s.commit()
        assert relay_all(s, redis_client, NOW + RELAY_AGAIN_AFTER / 2) == 0
        assert relay_all(s, redis_client, NOW + RELAY_AGAIN_AFTER + timedelta(seconds=1)) == 1
    assert _queued(redis_client) == [rows[0]]
