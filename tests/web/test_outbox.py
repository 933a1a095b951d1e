"""Nothing is lost when Redis falters: a submit made while Redis is stopped (or frozen)
commits its event to the outbox; once Redis is back, one scan by a real `rq worker`
process relays it and the deputy head is told — once, however often it is relayed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from flask import Flask
from rq import Queue
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from notifications.jobs import notify_outbox, run_scan
from notifications.runtime import QUEUE
from workflow import services
from workflow.models import InboxMessage, OutboxEvent

from ..conftest import wipe
from ..notify.conftest import notify_env
from ..redis_process import RedisProcess, redis_process
from .support import build_portal, login, make_app, page_token, user_of, version_on

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisProcess]:
    with redis_process(tmp_path) as process:
        yield process


@pytest.fixture
def outbox_app(
    engine: Engine, database_url: str, server: RedisProcess, tmp_path: Path
) -> Iterator[Flask]:
    app = make_app(database_url, server.url, tmp_path / "instance")
    app.extensions.pop("sanshen.redis")  # the app's own client, with its 1 s timeouts
    yield app
    app.extensions["sanshen.engine"].dispose()
    wipe(engine)


def _worker(database_url: str, url: str) -> None:
    """A real worker process, in burst mode: runs what is queued, then exits."""
    env = notify_env(database_url, None)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "rq.cli",
            "worker",
            "--url",
            url,
            "--burst",
            "--quiet",
            "--worker-class",
            "notifications.worker.NotifySimpleWorker",
            QUEUE,
        ],
        env={**os.environ, **env},
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]


def _told(app: Flask, user_id: int, item_id: int) -> list[InboxMessage]:
    session: Session = app.extensions["sanshen.sessions"]()
    try:
        return [
            m
            for m in session.scalars(select(InboxMessage).where(InboxMessage.user_id == user_id))
            if m.link.endswith(f"/items/{item_id}")
        ]
    finally:
        session.close()


def _outbox(app: Flask, item_id: int) -> list[OutboxEvent]:
    session: Session = app.extensions["sanshen.sessions"]()
    try:
        rows = session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))
        return [r for r in rows if r.payload.get("item_id") == item_id]
    finally:
        session.close()


@pytest.mark.parametrize("failure", ["stopped", "frozen"])
def test_a_submit_while_redis_is_down_reaches_the_deputy_once_after_one_scan(
    outbox_app: Flask, server: RedisProcess, database_url: str, failure: str
) -> None:
    app = outbox_app
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        portal = build_portal(session)
        item_id = services.create_item(
            session,
            actor=user_of(session, portal, "drafter"),
            column_id=portal.column.id,
            kind="article",
            title="断线期间报送的稿件",
            body="<p>正文</p>",
            now=datetime.now(UTC),
        ).value.id
        session.commit()
        session.close()
    drafter = login(app, portal.logins["drafter"])
    html, token = page_token(drafter, f"/items/{item_id}")

    server.stop() if failure == "stopped" else server.freeze()
    started = time.monotonic()
    response = drafter.post(
        f"/items/{item_id}/submit", data={"csrf_token": token, "version": version_on(html)}
    )
    took = time.monotonic() - started
    assert response.status_code == 302
    print(f"submit with Redis {failure}: {took:.2f} s")
    # Committed with its event; nothing could be handed to Redis.
    [row] = _outbox(app, item_id)
    assert row.kind == "ItemSubmitted" and row.relayed_at is None

    if failure == "stopped":
        server.start()  # the same port, empty: what a restarted server has
    else:
        server.thaw()
    client = redis.Redis.from_url(server.url)
    queue = Queue(QUEUE, connection=client)
    queue.empty()
    queue.enqueue(run_scan)  # the scheduler's next tick
    _worker(database_url, server.url)
    deputy = portal.ids["deputy"]
    assert len(_told(app, deputy, item_id)) == 1
    [row] = _outbox(app, item_id)
    assert row.relayed_at is not None and row.done_at is not None

    # Relayed again (a lost commit, a second relay) or scanned again: still once.
    queue.enqueue(notify_outbox, row.id)
    queue.enqueue(run_scan)
    _worker(database_url, server.url)
    assert len(_told(app, deputy, item_id)) == 1
