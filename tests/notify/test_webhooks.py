"""Issue 18: webhooks through the outbox and RQ to a real local HTTP receiver that
verifies each message with the `standardwebhooks` library — signatures, retries after
500s and a timeout, a replay with the same message id, an endpoint paused after failures
in a row (and the administrators told), nothing sent for a rolled-back change."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import redis
from sqlalchemy import select
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from notifications.relay import relay
from workflow import runner, services
from workflow.enums import Role
from workflow.models import (
    Delivery,
    User,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from workflow.services import webhooks as hooks

from ..conftest import NOW, burst
from ..factories import World
from .conftest import configure


@dataclass
class Receiver:
    """A portal CMS's endpoint: verifies, records, and answers as scripted (an int is a
    status, "slow" answers 200 after the sender's timeout)."""

    secret: str = ""
    answers: list[Any] = field(default_factory=list)
    verified: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    refused: int = 0
    hits: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, body: bytes, headers: dict[str, str]) -> tuple[int, float]:
        with self.lock:
            self.hits += 1
            answer = self.answers.pop(0) if self.answers else 200
        try:
            payload = Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            with self.lock:
                self.refused += 1
            return 400, 0
        if answer == "slow":
            return 200, 1.5
        if answer == 200:
            with self.lock:
                self.verified.append((headers["webhook-id"], payload))
        return int(answer), 0


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, delay = state.handle(body, {k: v for k, v in self.headers.items()})
            if delay:
                time.sleep(delay)
            try:
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass  # the sender gave up waiting

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}/hooks/sanshen"
    finally:
        server.shutdown()
        server.server_close()


def _setup(
    engine: Any, database_url: str, session: Session, url: str, receiver: Receiver, **env: str
) -> int:
    configure(
        engine,
        database_url,
        None,
        API_WEBHOOK_RETRY_DELAYS=env.pop("delays", "0,0,0"),
        API_WEBHOOK_TIMEOUT="0.5",
        **env,
    )
    admin = _admin(session)
    sub, secret = runner.run(
        session,
        hooks.create_subscription,
        actor=admin,
        now=NOW,
        name="门户CMS",
        url=url,
        events=list(hooks.EVENT_TYPES),
    ).value
    receiver.secret = secret
    return int(sub.id)


def _admin(session: Session) -> User:
    admin = session.scalars(
        select(User).where(User.role_rows.any(role=Role.ADMIN.value)).order_by(User.id)
    ).first()
    assert admin is not None
    return admin


def _publish(session: Session, world: World, title: str) -> int:
    def go(service: Any, actor: User, item_id: int, version: int, **kw: Any) -> Any:
        return runner.run(
            session, service, actor=actor, now=NOW, item_id=item_id, expected_version=version, **kw
        ).value

    item = runner.run(
        session,
        services.create_item,
        actor=world.drafter,
        now=NOW,
        column_id=world.column.id,
        kind="article",
        title=title,
    ).value
    snap = go(services.submit, world.drafter, item.id, item.version)
    snap = go(
        services.approve,
        world.user("deputy_head"),
        item.id,
        snap.version,
        confidentiality_checked=True,
    )
    snap = go(services.approve, world.user("head"), item.id, snap.version)
    assert world.office_editor is not None
    go(services.approve, world.office_editor, item.id, snap.version)
    return int(item.id)


def _work(session: Session, client: redis.Redis) -> None:
    """Relay the outbox and work the queue off, as the web app and the worker do."""
    relay(session, client)
    burst(client)


def test_a_published_item_reaches_the_receiver_signed(
    engine: Any,
    database_url: str,
    committed: tuple[Session, World],
    redis_client: redis.Redis,
    receiver: tuple[Receiver, str],
) -> None:
    session, world = committed
    state, url = receiver
    _setup(engine, database_url, session, url, state)
    item_id = _publish(session, world, "关于冬季供暖的通知")
    _work(session, redis_client)
    assert state.refused == 0
    (message_id, payload), *_ = state.verified
    assert payload["type"] == "item.published"
    assert payload["data"]["item_id"] == item_id
    assert payload["data"]["title"] == "关于冬季供暖的通知"
    assert payload["data"]["column_path"] == world.column.path
    assert message_id.startswith("msg_")
    delivery = session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.message_id == message_id)
    ).one()
    assert delivery.status == "delivered" and delivery.attempts == 1
    # A receiver with the wrong secret refuses every message: the signature is real.
    wrong = Webhook(hooks.new_secret())
    body = b'{"type":"item.published"}'
    headers = {"webhook-id": message_id, "webhook-timestamp": str(int(time.time()))}
    headers["webhook-signature"] = Webhook(state.secret).sign(message_id, NOW, body)
    with pytest.raises(WebhookVerificationError):
        wrong.verify(body, headers)


def test_retries_after_500s_and_a_timeout_keep_the_message_id(
    engine: Any,
    database_url: str,
    committed: tuple[Session, World],
    redis_client: redis.Redis,
    receiver: tuple[Receiver, str],
) -> None:
    session, world = committed
    state, url = receiver
    state.answers = [500, "slow", 503]
    _setup(engine, database_url, session, url, state)
    _publish(session, world, "重试的消息")
    _work(session, redis_client)
    assert state.hits == 4
    (message_id, _payload), *_ = state.verified
    delivery = session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.message_id == message_id)
    ).one()
    session.refresh(delivery)
    assert delivery.status == "delivered" and delivery.attempts == 4
    attempts = session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery.id)
        .order_by(WebhookAttempt.id)
    ).all()
    assert [(a.status_code, a.error, a.ok) for a in attempts] == [
        (500, "", False),
        (None, "timeout", False),
        (503, "", False),
        (200, "", True),
    ]
    assert attempts[-1].answer == "ok"


def test_a_failed_delivery_is_replayed_with_the_same_id(
    engine: Any,
    database_url: str,
    committed: tuple[Session, World],
    redis_client: redis.Redis,
    receiver: tuple[Receiver, str],
) -> None:
    session, world = committed
    state, url = receiver
    state.answers = [500, 500]
    _setup(engine, database_url, session, url, state, delays="0")
    _publish(session, world, "要重放的消息")
    _work(session, redis_client)
    delivery = session.scalars(select(WebhookDelivery)).one()
    session.refresh(delivery)
    assert delivery.status == "failed" and delivery.attempts == 2 and not state.verified
    replayed = runner.run(
        session, hooks.replay, actor=_admin(session), now=NOW, delivery_id=delivery.id
    ).value
    from notifications.webhooks import enqueue

    enqueue(redis_client, [replayed])
    burst(redis_client)
    session.refresh(delivery)
    assert delivery.status == "delivered"
    assert [m for m, _ in state.verified] == [delivery.message_id]


def test_a_dead_endpoint_is_paused_and_the_admins_told(
    engine: Any,
    database_url: str,
    committed: tuple[Session, World],
    redis_client: redis.Redis,
    receiver: tuple[Receiver, str],
) -> None:
    session, world = committed
    state, url = receiver
    state.answers = [500] * 10
    sub_id = _setup(engine, database_url, session, url, state, API_WEBHOOK_PAUSE_AFTER="3")
    _publish(session, world, "第一条")
    _publish(session, world, "第二条")
    _work(session, redis_client)
    sub = session.get(WebhookSubscription, sub_id)
    assert sub is not None
    session.refresh(sub)
    assert not sub.active and sub.pause_reason == "failures"
    hits = state.hits
    assert hits == 3  # nothing more is sent to a paused endpoint
    burst(redis_client)  # the pause's event: a message to the administrators
    told = session.scalars(select(Delivery).where(Delivery.subject == f"webhook:{sub_id}")).all()
    admins = set(session.scalars(select(User.id).where(User.role_rows.any(role=Role.ADMIN.value))))
    assert admins and {d.user_id for d in told} == admins
    assert all("连续3次推送失败" in d.title for d in told)
    # Resumed once the receiver is fixed: what waited is delivered, nothing lost.
    state.answers = []
    pending = runner.run(
        session, hooks.set_active, actor=_admin(session), now=NOW, subscription_id=sub_id,
        active=True,
    ).value  # fmt: skip
    from notifications.webhooks import enqueue

    enqueue(redis_client, pending)
    burst(redis_client)
    titles = {p["data"]["title"] for _, p in state.verified}
    assert titles == {"第一条", "第二条"}


def test_nothing_is_sent_for_a_rolled_back_change(
    engine: Any,
    database_url: str,
    committed: tuple[Session, World],
    redis_client: redis.Redis,
    receiver: tuple[Receiver, str],
) -> None:
    session, world = committed
    state, url = receiver
    _setup(engine, database_url, session, url, state)

    def publish_then_fail(session: Session, **kwargs: Any) -> Any:
        _publish_inside(session, world)
        raise RuntimeError("the change fails after the publication")

    with pytest.raises(RuntimeError):
        runner.run(session, publish_then_fail, actor=None, now=NOW)
    _work(session, redis_client)
    assert state.hits == 0
    assert session.scalars(select(WebhookDelivery)).all() == []


def _publish_inside(session: Session, world: World) -> None:
    outcome = services.create_item(
        session,
        actor=world.drafter,
        now=NOW + timedelta(minutes=1),
        column_id=world.column.id,
        kind="article",
        title="回滚",
    )
    assert outcome.value.id
