"""Events from the browser reach the in-app inbox through real Redis and an RQ worker;
the inbox page lists and marks messages read (only one's own); channel choices are
saved; the cron job publishes scheduled items and tells the drafter."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis
from flask import Flask
from rq import Queue
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from notifications import runtime
from notifications.channels import EMAIL, SMS
from notifications.publishing import publish_scheduled
from notifications.runtime import QUEUE
from workflow import services
from workflow.enums import State
from workflow.models import ChannelPreference, InboxMessage, Item
from workflow.scheduling import schedule_publication

from ..conftest import burst
from ..notify.conftest import configure
from ..services import act
from .support import Portal, login, page_token, user_of, version_on


@pytest.fixture
def worker_runtime(engine: Engine, database_url: str, redis_url: str) -> Iterator[redis.Redis]:
    """What an `rq worker` process has: config and engine on the test database (in-app
    messages only: no SMTP here), and a queue on the test Redis, emptied first."""
    configure(engine, database_url, None)
    client = redis.Redis.from_url(redis_url)
    Queue(QUEUE, connection=client).empty()
    try:
        yield client
    finally:
        runtime.reset()


def _burst(client: redis.Redis) -> None:
    burst(client)


def _draft(app: Flask, portal: Portal, title: str) -> int:
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        try:
            item = services.create_item(
                session,
                actor=user_of(session, portal, "drafter"),
                column_id=portal.column.id,
                kind="article",
                title=title,
                body="<p>正文</p>",
                now=datetime.now(UTC),
            ).value
            session.commit()
            return item.id
        finally:
            session.close()


def _inbox(app: Flask, user_id: int) -> list[InboxMessage]:
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        try:
            return list(
                session.scalars(select(InboxMessage).where(InboxMessage.user_id == user_id))
            )
        finally:
            session.close()


def _state(app: Flask, item_id: int) -> str:
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        try:
            item = session.get(Item, item_id)
            assert item is not None
            return item.state
        finally:
            session.close()


def test_a_submit_in_the_browser_reaches_the_deputy_heads_inbox(
    app: Flask, portal: Portal, worker_runtime: redis.Redis
) -> None:
    item_id = _draft(app, portal, "消息测试稿件")
    drafter = login(app, portal.logins["drafter"])
    html, token = page_token(drafter, f"/items/{item_id}")
    response = drafter.post(
        f"/items/{item_id}/submit", data={"csrf_token": token, "version": version_on(html)}
    )
    assert response.status_code == 302
    # The view committed, then the bridge put one job (ids only) on the real queue.
    assert Queue(QUEUE, connection=worker_runtime).count == 1
    _burst(worker_runtime)

    deputy_id = portal.ids["deputy"]
    mine = [m for m in _inbox(app, deputy_id) if m.link.endswith(f"/items/{item_id}")]
    assert len(mine) == 1 and mine[0].read_at is None
    deputy = login(app, portal.logins["deputy"])
    page = deputy.get("/messages/").get_data(as_text=True)
    assert mine[0].title in page
    badge = re.search(r'aria-label="未读">(\d+)<', page)
    assert badge is not None and int(badge.group(1)) >= 1

    # Another user cannot mark the deputy's message read.
    _, token = page_token(drafter, "/messages/")
    drafter.post("/messages/read", data={"csrf_token": token, "id": str(mine[0].id)})
    assert all(m.read_at is None for m in _inbox(app, deputy_id) if m.id == mine[0].id)

    _, token = page_token(deputy, "/messages/")
    assert deputy.post("/messages/read", data={"csrf_token": token}).status_code == 302
    assert all(m.read_at is not None for m in _inbox(app, deputy_id))
    assert 'aria-label="未读"' not in deputy.get("/messages/").get_data(as_text=True)


def test_channel_choices_are_saved(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["head"])
    user_id = portal.ids["head"]

    def chosen() -> dict[str, bool]:
        with app.app_context():
            session: Session = app.extensions["sanshen.sessions"]()
            try:
                rows = session.scalars(
                    select(ChannelPreference).where(ChannelPreference.user_id == user_id)
                )
                return {r.channel: r.enabled for r in rows}
            finally:
                session.close()

    html, token = page_token(client, "/messages/settings")
    assert 'value="urgent" checked' in html  # the default before any choice
    client.post("/messages/settings", data={"csrf_token": token, "sms": "all"})
    assert chosen() == {EMAIL: False, SMS: True}
    html, token = page_token(client, "/messages/settings")
    assert 'value="all" checked' in html and 'id="pref-email" name="email" >' in html
    client.post("/messages/settings", data={"csrf_token": token, "email": "on", "sms": "urgent"})
    assert chosen() == {EMAIL: True}
    bad = client.post("/messages/settings", data={"csrf_token": token, "sms": "always"})
    assert bad.status_code == 400
    assert chosen() == {EMAIL: True}


def test_the_cron_job_publishes_what_is_due_and_tells_the_drafter(
    app: Flask, portal: Portal, worker_runtime: redis.Redis
) -> None:
    now = datetime.now(UTC)
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        item = services.create_item(
            session,
            actor=user_of(session, portal, "drafter"),
            column_id=portal.column.id,
            kind="article",
            title="定时发布并通知",
            body="<p>正文</p>",
            now=now,
        ).value
        for service, who, extra in [
            (services.submit, "drafter", {}),
            (services.approve, "deputy", {"confidentiality_checked": True}),
            (services.approve, "head", {}),
        ]:
            act(session, service, item, by=user_of(session, portal, who), now=now, **extra)
        schedule_publication(
            session,
            actor=user_of(session, portal, "editor"),
            item_id=item.id,
            expected_version=item.version,
            publish_at=now + timedelta(minutes=5),
            now=now,
        )
        session.commit()
        item_id = item.id
        session.close()

    queue = Queue(QUEUE, connection=worker_runtime)
    queue.empty()
    early = (now + timedelta(minutes=1)).isoformat()
    queue.enqueue(publish_scheduled, early)
    _burst(worker_runtime)
    assert _state(app, item_id) == State.OFFICE_REVIEW  # not yet due
    due = (now + timedelta(minutes=6)).isoformat()
    queue.enqueue(publish_scheduled, due)
    queue.enqueue(publish_scheduled, due)  # a duplicate tick publishes nothing twice
    _burst(worker_runtime)

    assert _state(app, item_id) == State.PUBLISHED
    told = [
        m
        for m in _inbox(app, portal.ids["drafter"])
        if m.link.endswith(f"/items/{item_id}") and "发布" in m.title
    ]
    assert len(told) == 1
