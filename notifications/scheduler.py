"""The periodic process, safe to run more than once:

    python -m notifications.scheduler --url "$REDIS_URL"     (on two or more hosts)

RQ 3's `rq cron` has no leader election: two of them enqueue every job twice, and if the
one host dies nothing periodic runs until someone notices. This runs the same
`notifications.cron_config` in `LeaderCronScheduler`, which enqueues only while it holds
a lease in Redis (SET NX PX with a token of its own, renewed at each loop, released on
exit). The others stand by, trying each third of the lease; when the holder dies its lease
expires within CRON_LOCK_TTL seconds (default 30) and one of them takes over. Every job
works out from the database what is due, so the takeover's immediate run is harmless.
A Redis outage is waited out (logged), not fatal.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import time
import uuid
from collections.abc import Sequence

import redis
from rq.cron import CronJob, CronScheduler
from rq.exceptions import StopRequested

LOCK_KEY = "sanshen:cron:leader"
DEFAULT_TTL = 30.0
RETRY_SECONDS = 5.0  # between attempts while Redis is unreachable

# KEYS[1] the lease, ARGV[1] our token, ARGV[2] its time to live in ms: renew it if ours,
# else take it if free. 1 if we hold it afterwards.
_HOLD = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class Lease:
    """A Redis lease with a time to live: at most one holder, and none for long after
    its holder died."""

    def __init__(self, connection: redis.Redis, ttl: float, key: str = LOCK_KEY) -> None:
        self.connection, self.key, self.ttl = connection, key, ttl
        self.token = uuid.uuid4().hex

    def hold(self) -> bool:
        held = self.connection.eval(_HOLD, 1, self.key, self.token, int(self.ttl * 1000))
        return bool(held)

    def release(self) -> None:
        self.connection.eval(_RELEASE, 1, self.key, self.token)


class LeaderCronScheduler(CronScheduler):
    """A CronScheduler that enqueues only while it holds the lease."""

    def __init__(
        self, connection: redis.Redis, lock_ttl: float = DEFAULT_TTL, **kwargs: object
    ) -> None:
        super().__init__(connection, **kwargs)  # type: ignore[arg-type]
        self.lease = Lease(connection, lock_ttl)
        self.leading = False

    def enqueue_jobs(self) -> list[CronJob]:
        holds = self.lease.hold()
        if holds != self.leading:
            self.log.info("CronScheduler %s: %s", self.name, "leading" if holds else "standing by")
            self.leading = holds
        return super().enqueue_jobs() if holds else []

    def calculate_sleep_interval(self) -> float:
        # Renew well within the lease; a follower tries as often.
        return float(min(super().calculate_sleep_interval(), self.lease.ttl / 3))

    def _tick(self) -> float:
        if self.enqueue_jobs():
            self.save()
        self.heartbeat()
        return self.calculate_sleep_interval()

    def start(self) -> None:
        """rq's loop, but a Redis error is logged and retried instead of ending it."""
        self.log.info("CronScheduler %s: starting (lease %s s)", self.name, self.lease.ttl)
        signal.signal(signal.SIGINT, self._request_stop)
        signal.signal(signal.SIGTERM, self._request_stop)
        born = False
        try:
            while True:
                try:
                    if not born:
                        self.register_birth()
                        born = True
                    pause = self._tick()
                except redis.RedisError as exc:
                    self.log.warning("CronScheduler %s: Redis unavailable: %s", self.name, exc)
                    self.leading = False
                    pause = RETRY_SECONDS
                if pause > 0:
                    time.sleep(pause)
        except (KeyboardInterrupt, StopRequested):
            self.log.info("CronScheduler %s: stop requested", self.name)
        finally:
            try:
                self.lease.release()  # a successor need not wait for the lease to expire
                self.register_death()
            except redis.RedisError:
                pass
            self.log.info("CronScheduler %s: shutdown complete", self.name)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m notifications.scheduler")
    parser.add_argument("--url", default=os.environ.get("REDIS_URL") or "")
    parser.add_argument("--config", default="notifications.cron_config")
    parser.add_argument(
        "--lock-ttl", type=float, default=float(os.environ.get("CRON_LOCK_TTL") or DEFAULT_TTL)
    )
    parser.add_argument("--logging-level", default="INFO")
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("--url or REDIS_URL is required")
    logging.basicConfig(level=args.logging_level, format="%(asctime)s %(name)s %(message)s")
    # A frozen Redis must not hang the loop: it is retried.
    connection = redis.Redis.from_url(args.url, socket_timeout=10, socket_connect_timeout=10)
    scheduler = LeaderCronScheduler(
        connection, lock_ttl=args.lock_ttl, logging_level=args.logging_level
    )
    scheduler.load_config_from_file(args.config)
    scheduler.start()


if __name__ == "__main__":
    main()
