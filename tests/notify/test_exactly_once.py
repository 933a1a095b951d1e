"""Exactly once, end to end: the scan computes from the database, RQ carries ids over a
real Redis, workers send through a real SMTP server (aiosmtpd) — and every due reminder
arrives once per key whatever runs twice, races, is SIGKILLed or flushed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import redis
from rq import Queue
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from notifications import ledger
from notifications.jobs import scan_and_enqueue
from notifications.runtime import QUEUE, utcnow
from workflow.enums import Role
from workflow.models import Column, ColumnAssignment, Delivery, User

from ..conftest import NOW, burst
from ..factories import World, make_column, published_item, unique
from .conftest import SmtpSink, configure, notify_env

ROOT = Path(__file__).resolve().parents[2]


def due_column(session: Session, world: World, drafters: int = 2) -> tuple[Column, list[User]]:
    """A monthly column due on the 26th: Thursday 2026-11-26, 3 working days after NOW
    (Monday 23rd), with designated drafters that have mail addresses."""
    from workflow.accounts import create_user

    column = make_column(session, [world.unit_a], name=unique("月报栏目"))
    column.rules = [{"kind": "periodic", "every": 1, "unit": "month", "min_items": 1, "by_day": 26}]
    people = [
        create_user(
            session,
            login=unique("designated"),
            name=f"信息员{i}号",
            unit=world.unit_a,
            roles=[Role.DRAFTER],
            now=NOW,
            email=f"drafter{i}@unit-a.test",
        )
        for i in range(drafters)
    ]
    assignment = session.execute(
        select(ColumnAssignment).where(ColumnAssignment.column_id == column.id)
    ).scalar_one()
    assignment.drafters = people
    world.user(Role.DEPUTY_HEAD).email = "deputy@unit-a.test"
    published_item(session, world, column, NOW - timedelta(days=30))  # last period kept
    session.commit()
    return column, people


def run_burst(redis_client: redis.Redis) -> None:
    burst(redis_client)


def counts(engine: Engine) -> dict[str, int]:
    """Read in a transaction of its own: an open SQLite transaction would hold the write
    lock (BEGIN IMMEDIATE) against the workers."""
    with Session(engine) as s:
        return ledger.counts_by_status(s)


def keys_sent_once(engine: Engine) -> Counter[tuple[str, ...]]:
    with Session(engine) as s:
        return _keys(s)


def _keys(session: Session) -> Counter[tuple[str, ...]]:
    rows = session.execute(
        select(
            Delivery.subject,
            Delivery.threshold,
            Delivery.recipient,
            Delivery.channel,
            Delivery.period,
            Delivery.status,
        )
    ).all()
    return Counter(tuple(r[:5]) for r in rows if r[5] == ledger.SENT)


def test_column_due_in_three_working_days_mails_each_designated_drafter_once(
    committed: tuple[Session, World],
    smtp: tuple[SmtpSink, int],
    redis_client: redis.Redis,
    engine: Engine,
    database_url: str,
) -> None:
    session, world = committed
    sink, port = smtp
    column, people = due_column(session, world)
    configure(engine, database_url, port)
    queue = Queue(QUEUE, connection=redis_client)

    result = scan_and_enqueue(queue, now=NOW)
    run_burst(redis_client)
    for person in people:
        mails = sink.to(person.email or "")
        assert len(mails) == 1
        assert column.name in mails[0].message["Subject"]
        assert "3个工作日后" in mails[0].message["Subject"]
    assert len(sink.to("deputy@unit-a.test")) == 1
    assert result["new"] > 0

    # The scan again (same tick, and a later one the same day), the jobs again: nothing new.
    scan_and_enqueue(queue, now=NOW)
    scan_and_enqueue(queue, now=NOW + timedelta(hours=3), recover_at=NOW + timedelta(hours=3))
    with Session(engine) as s:
        row_ids = list(s.execute(select(Delivery.id)).scalars())
    for row_id in row_ids:
        queue.enqueue("notifications.jobs.deliver", row_id)  # a retried/duplicated job
    run_burst(redis_client)
    assert len(sink.messages) == 3
    # In-app copies too, one each.
    from workflow.models import InboxMessage

    with Session(engine) as s:
        inbox = s.execute(select(func.count()).select_from(InboxMessage)).scalar_one()
    assert inbox == 3

    # A day later the 1-working-day threshold is crossed: one more mail each, once.
    tuesday = NOW + timedelta(days=2)  # Wednesday 25th: 1 working day before the 26th
    scan_and_enqueue(queue, now=tuesday, recover_at=tuesday)
    scan_and_enqueue(queue, now=tuesday, recover_at=tuesday)
    run_burst(redis_client)
    for person in people:
        subjects = [m.message["Subject"] for m in sink.to(person.email or "")]
        assert len(subjects) == 2 and "1个工作日后" in subjects[1]


def _worker(
    redis_url: str, env: dict[str, str], burst: bool = True, simple: bool = False
) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "rq.cli", "worker", "--url", redis_url, "--quiet"]
    # The production worker classes. A SimpleWorker runs the job in its own process (the
    # forking worker's work horse calls setsid, so a SIGKILL of the worker would not
    # reach the job).
    worker_class = "NotifySimpleWorker" if simple else "NotifyWorker"
    args += ["--worker-class", f"notifications.worker.{worker_class}"]
    args += ["--burst"] if burst else []
    return subprocess.Popen(
        [*args, QUEUE],
        env={**os.environ, **env},
        cwd=ROOT,
        start_new_session=True,  # its own process group: SIGKILL takes the work horse too
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_two_workers_racing_send_each_key_once(
    committed: tuple[Session, World],
    smtp: tuple[SmtpSink, int],
    redis_client: redis.Redis,
    redis_url: str,
    engine: Engine,
    database_url: str,
) -> None:
    session, world = committed
    sink, port = smtp
    _, people = due_column(session, world, drafters=6)
    configure(engine, database_url, port)
    queue = Queue(QUEUE, connection=redis_client)
    scan_and_enqueue(queue, now=NOW)
    scan_and_enqueue(queue, now=NOW, recover_at=NOW + timedelta(hours=1))  # every job twice
    assert queue.count == 2  # every row's batch twice
    env = notify_env(database_url, port)
    workers = [_worker(redis_url, env) for _ in range(2)]
    for w in workers:
        _, err = w.communicate(timeout=120)
        assert w.returncode == 0, err.decode()[-2000:]
    assert len(sink.messages) == 7
    assert sorted(m.rcpt_tos[0] for m in sink.messages) == sorted(
        [p.email or "" for p in people] + ["deputy@unit-a.test"]
    )
    sent = keys_sent_once(engine)
    assert sent and set(sent.values()) == {1}
    assert counts(engine) == {ledger.SENT: 14}


def test_sigkill_mid_run_and_restart_leaves_nothing_unsent(
    committed: tuple[Session, World],
    smtp: tuple[SmtpSink, int],
    redis_client: redis.Redis,
    redis_url: str,
    engine: Engine,
    database_url: str,
) -> None:
    session, world = committed
    sink, port = smtp
    _, people = due_column(session, world, drafters=5)
    configure(engine, database_url, port)
    scan_and_enqueue(Queue(QUEUE, connection=redis_client), now=NOW)
    sink.hold_rcpt_number = 3  # the worker will be in the middle of the third mail
    env = notify_env(database_url, port)
    worker = _worker(redis_url, env, burst=False, simple=True)
    try:
        assert sink.holding.wait(60), "the worker never reached the third mail"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    sink.release.set()
    assert len(sink.messages) == 2
    statuses = counts(engine)
    # It died waiting for the server's answer to RCPT: nothing handed over, so the rows
    # of its batch are claimed (to be sent again), none is in the uncertain state.
    assert statuses.get(ledger.SENDING) is None, _rows(engine)
    assert statuses[ledger.SENT] == 5 and statuses[ledger.CLAIMED] == 7

    # Restart: the worker finishes the queue; the next scan finds the dead claim stale
    # and sends it again; a second scan finds nothing left to do.
    later = utcnow() + timedelta(seconds=601)
    scan_and_enqueue(Queue(QUEUE, connection=redis_client), now=NOW, recover_at=later)
    restarted = _worker(redis_url, env)
    _, err = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, err.decode()[-2000:]
    assert sorted(m.rcpt_tos[0] for m in sink.messages) == sorted(
        [p.email or "" for p in people] + ["deputy@unit-a.test"]
    )
    assert counts(engine) == {ledger.SENT: 12}
    assert set(keys_sent_once(engine).values()) == {1}


def test_flushing_redis_between_scans_loses_nothing(
    committed: tuple[Session, World],
    smtp: tuple[SmtpSink, int],
    redis_client: redis.Redis,
    engine: Engine,
    database_url: str,
) -> None:
    session, world = committed
    sink, port = smtp
    due_column(session, world, drafters=3)
    configure(engine, database_url, port)
    queue = Queue(QUEUE, connection=redis_client)
    scan_and_enqueue(queue, now=NOW)
    assert queue.count == 1  # 4 people × (mail + inbox): one batch
    redis_client.flushdb()  # every job gone
    assert Queue(QUEUE, connection=redis_client).count == 0
    # The next scan (after the re-enqueue delay) puts every pending row back.
    scan_and_enqueue(queue, now=NOW, recover_at=NOW + timedelta(seconds=601))
    run_burst(redis_client)
    assert len(sink.messages) == 4
    assert counts(engine) == {ledger.SENT: 8}


def _rows(engine: Engine) -> list[tuple[object, ...]]:
    with Session(engine) as s:
        return [
            tuple(r)
            for r in s.execute(
                select(
                    Delivery.id,
                    Delivery.channel,
                    Delivery.recipient,
                    Delivery.status,
                    Delivery.attempts,
                    Delivery.last_error,
                ).order_by(Delivery.id)
            )
        ]
