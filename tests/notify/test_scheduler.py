"""More than one scheduler may run: exactly one enqueues; kill -9 it and another takes
over within the lease (a few seconds here: CRON_LOCK_TTL is configurable)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import redis

from notifications.scheduler import Lease

ROOT = Path(__file__).resolve().parents[2]
ENQUEUED = "Enqueued job noop"


def _scheduler(url: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "notifications.scheduler",
                "--url",
                url,
                "--config",
                "tests.notify.cron_probe",
                "--lock-ttl",
                "3",
            ],
            cwd=ROOT,
            env={**os.environ, "SANSHEN_ENV": "testing"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _enqueues(log: Path) -> int:
    return log.read_text(errors="replace").count(ENQUEUED)


def _wait(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_two_schedulers_one_acts_and_the_other_takes_over(redis_url: str, tmp_path: Path) -> None:
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    processes = [_scheduler(redis_url, log) for log in logs]
    try:
        assert _wait(lambda: sum(_enqueues(log) for log in logs) >= 4, 60)
        time.sleep(2)  # the other had every chance to act too
        counts = [_enqueues(log) for log in logs]
        assert sorted(counts)[0] == 0, counts  # exactly one scheduler enqueues
        leader = counts.index(max(counts))
        other = 1 - leader

        processes[leader].send_signal(signal.SIGKILL)  # no release: the lease must expire
        processes[leader].wait(timeout=30)
        assert _wait(lambda: _enqueues(logs[other]) >= 2, 60), logs[other].read_text()[-2000:]
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)


def test_a_lease_has_one_holder_until_released_or_expired(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    first, second = (
        Lease(client, 0.5, "sanshen-test:lease"),
        Lease(client, 0.5, "sanshen-test:lease"),
    )
    assert first.hold() and first.hold()  # taken, then renewed
    assert not second.hold()
    first.release()
    assert second.hold() and not first.hold()
    assert _wait(lambda: first.hold(), 10)  # the second never renews: it expires


def test_the_scheduler_waits_a_redis_outage_out(tmp_path: Path) -> None:
    from ..redis_process import redis_process

    log = tmp_path / "s.log"
    with redis_process(tmp_path) as server:
        process = _scheduler(server.url, log)
        try:
            assert _wait(lambda: _enqueues(log) >= 1, 60)
            server.stop()
            assert _wait(lambda: "Redis unavailable" in log.read_text(errors="replace"), 60)
            before = _enqueues(log)
            server.start()
            assert _wait(lambda: _enqueues(log) > before, 60), log.read_text()[-2000:]
            assert process.poll() is None
        finally:
            process.terminate()
            process.wait(timeout=30)
