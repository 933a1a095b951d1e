"""A cron config for the scheduler tests: one cheap job every second on a queue nobody
works, so the test counts enqueues without running anything."""

from __future__ import annotations

from rq import cron

PROBE_QUEUE = "sanshen-cron-probe"


def noop() -> None:
    return None


cron.register(noop, queue_name=PROBE_QUEUE, interval=1, name="sanshen-cron-probe")
