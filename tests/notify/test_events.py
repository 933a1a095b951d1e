"""Workflow events → messages through `notifications.dispatch.enqueue_events`, as the web
layer calls it after each commit: jobs carry plain values; the next actor and the
drafter hear; a return tells the drafter and everyone who already approved."""

from __future__ import annotations

import json

import redis
from rq import Queue
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from notifications import inbox
from notifications.dispatch import enqueue_events, event_payload
from notifications.runtime import QUEUE
from workflow.enums import Role
from workflow.models import Delivery

from ..conftest import NOW, burst
from ..factories import World, new_item, tick
from ..services import act
from .conftest import SmtpSink, configure


def _burst(redis_client: redis.Redis) -> None:
    burst(redis_client)


def test_submit_approve_reject_notify_next_actor_drafter_and_approvers(
    committed: tuple[Session, World],
    smtp: tuple[SmtpSink, int],
    engine: Engine,
    database_url: str,
    redis_client: redis.Redis,
) -> None:
    session, world = committed
    sink, port = smtp
    drafter, deputy, head = world.drafter, world.user(Role.DEPUTY_HEAD), world.user(Role.HEAD)
    drafter.email, deputy.email, head.email = "d@a.test", "dep@a.test", "head@a.test"
    item = new_item(session, world, NOW)
    session.commit()
    configure(engine, database_url, port)

    events = act(session, "submit", item, by=drafter, now=tick(NOW)).events
    session.commit()
    assert enqueue_events(redis_client, events) == 1
    job = Queue(QUEUE, connection=redis_client).jobs[0]
    json.dumps(job.args)  # plain values only: ids, names, an ISO time
    _burst(redis_client)
    # The drafter submitted it: the actor is never told of their own action.
    assert [m.rcpt_tos for m in sink.messages] == [["dep@a.test"]]
    assert "待初审" in sink.messages[0].message["Subject"]
    with Session(engine) as s:
        assert len(inbox.unread(s, deputy.id)) == 1

    events = act(
        session, "approve", item, by=deputy, now=tick(NOW, 2), confidentiality_checked=True
    ).events
    session.commit()
    enqueue_events(Queue(QUEUE, connection=redis_client), events)
    _burst(redis_client)
    assert sink.to("head@a.test") and "待审核" in sink.to("head@a.test")[0].message["Subject"]
    progress = sink.to("d@a.test")
    assert len(progress) == 1 and "进入审核" in progress[0].message["Subject"]

    events = act(
        session, "reject", item, by=head, now=tick(NOW, 3), comment="数据来源需注明"
    ).events
    session.commit()
    # The same events enqueued twice (a retried request) still give one message each.
    enqueue_events(redis_client, events)
    enqueue_events(redis_client, events)
    _burst(redis_client)
    returned = [m for m in sink.messages if "退回" in m.message["Subject"]]
    assert sorted(m.rcpt_tos[0] for m in returned) == ["d@a.test", "dep@a.test"]
    assert "数据来源需注明" in returned[0].message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    with Session(engine) as s:
        # The actor never notifies themself.
        assert not s.execute(
            select(Delivery).where(
                Delivery.recipient == f"user:{head.id}", Delivery.threshold.like("ItemReturned%")
            )
        ).first()


def test_events_nobody_needs_are_skipped(committed: tuple[Session, World]) -> None:
    session, world = committed
    item = new_item(session, world, NOW)
    events = act(session, "withdraw", item, by=world.drafter, now=NOW).events
    assert [event_payload(e) for e in events] == [None]
