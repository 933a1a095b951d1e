"""Recall (撤回), nudges (催办) and delegation (委托) → messages: the right people get one
message each (in-app here; the channels are the existing ones), the actor none."""

from __future__ import annotations

from datetime import timedelta

import redis
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from notifications.dispatch import enqueue_events
from notifications.reminders import due_reminders
from workflow import services
from workflow.accounts import create_user
from workflow.enums import Role, State
from workflow.models import InboxMessage, User

from ..conftest import NOW, burst
from ..factories import World, item_in_state, make_column, new_item, person, tick, unique
from ..services import act
from .conftest import configure


def titles(engine: Engine, user: User) -> list[str]:
    with Session(engine) as s:
        return list(
            s.scalars(
                select(InboxMessage.title)
                .where(InboxMessage.user_id == user.id)
                .order_by(InboxMessage.id)
            )
        )


def count(engine: Engine) -> int:
    with Session(engine) as s:
        return int(s.execute(select(func.count()).select_from(InboxMessage)).scalar_one())


def send(session: Session, redis_client: redis.Redis, events: object) -> None:
    session.commit()
    enqueue_events(redis_client, events)  # type: ignore[arg-type]
    burst(redis_client)


def test_recall_tells_who_no_longer_needs_to_act(
    committed: tuple[Session, World], engine: Engine, database_url: str, redis_client: redis.Redis
) -> None:
    session, world = committed
    configure(engine, database_url, None)
    deputy, head = world.user(Role.DEPUTY_HEAD), world.user(Role.HEAD)
    item = item_in_state(session, world, State.HEAD_REVIEW, NOW)
    session.commit()
    before = count(engine)
    events = act(session, "recall", item, by=deputy, now=tick(NOW)).events
    send(session, redis_client, events)
    # The head (who had been asked) and the drafter hear, once each; the deputy nothing.
    assert titles(engine, head)[-1].startswith("【撤回】")
    assert titles(engine, world.drafter)[-1].startswith("【进度】")
    assert count(engine) == before + 2
    # The same events again (a retried job) send nothing more.
    enqueue_events(redis_client, events)  # type: ignore[arg-type]
    burst(redis_client)
    assert count(engine) == before + 2
    # The drafter's recall from 初审 tells the deputy heads only.
    act(session, "approve", item, by=deputy, now=tick(NOW, 2), confidentiality_checked=True)
    fresh = item_in_state(session, world, State.INITIAL_REVIEW, NOW)
    session.commit()
    before = count(engine)
    send(
        session,
        redis_client,
        act(session, "recall", fresh, by=world.drafter, now=tick(NOW, 3)).events,
    )
    assert count(engine) == before + 1
    assert titles(engine, deputy)[-1].startswith("【撤回】")


def test_a_nudge_is_one_message_to_each_reviewer(
    committed: tuple[Session, World], engine: Engine, database_url: str, redis_client: redis.Redis
) -> None:
    session, world = committed
    configure(engine, database_url, None)
    second = person(session, world, [Role.DEPUTY_HEAD], NOW, name="第二分管")
    item = item_in_state(session, world, State.INITIAL_REVIEW, NOW)
    session.commit()
    before = count(engine)
    outcome = services.nudge(session, actor=world.drafter, item_id=item.id, now=tick(NOW))
    send(session, redis_client, outcome.events)
    for reviewer in (world.user(Role.DEPUTY_HEAD), second):
        assert [t for t in titles(engine, reviewer) if t.startswith("【催办】")] == [
            f"【催办】《{item.title}》待您初审"
        ]
    assert count(engine) == before + 2


def test_delegates_hear_what_their_delegator_would(
    committed: tuple[Session, World], engine: Engine, database_url: str, redis_client: redis.Redis
) -> None:
    session, world = committed
    cfg = configure(engine, database_url, None)
    head = world.user(Role.HEAD)
    stand_in = person(session, world, [Role.DEPUTY_HEAD], NOW, name="李四")
    session.commit()
    made = services.create_delegation(
        session,
        actor=head,
        now=NOW,
        delegator_id=head.id,
        delegate_id=stand_in.id,
        stages=["head_review"],
        starts_on=NOW.date(),
        ends_on=NOW.date() + timedelta(days=3),
    )
    send(session, redis_client, made.events)
    assert titles(engine, stand_in) == [f"【委托】{head.name}委托您代为审核（审核）"]
    item = item_in_state(session, world, State.INITIAL_REVIEW, NOW)
    session.commit()
    events = act(
        session,
        "approve",
        item,
        by=world.user(Role.DEPUTY_HEAD),
        now=tick(NOW),
        confidentiality_checked=True,
    ).events
    send(session, redis_client, events)
    waiting = f"【待审核】《{item.title}》"
    assert titles(engine, head)[-1] == waiting
    assert titles(engine, stand_in)[-1] == waiting
    # Stage reminders go to the delegate while the delegation holds, not after.
    later = NOW + timedelta(days=2)
    reminded = [
        r
        for r in due_reminders(session, later, cfg.NOTIFY).reminders
        if r.threshold == "stage_limit"
    ]
    assert any(stand_in.id in r.users and head.id in r.users for r in reminded)
    after = NOW + timedelta(days=8)
    reminded = [
        r
        for r in due_reminders(session, after, cfg.NOTIFY).reminders
        if r.threshold == "stage_limit"
    ]
    assert reminded and all(stand_in.id not in r.users for r in reminded)


def test_a_delegate_barred_by_separation_of_duties_is_not_reminded(
    committed: tuple[Session, World], engine: Engine, database_url: str
) -> None:
    """The head delegates 审核 to the deputy head who did the item's 初审: the deputy
    may not review it twice, so the stage reminder names the head only (the item page's
    "who holds it" says the same)."""
    session, world = committed
    cfg = configure(engine, database_url, None)
    head, deputy = world.user(Role.HEAD), world.user(Role.DEPUTY_HEAD)
    item = item_in_state(session, world, State.INITIAL_REVIEW, NOW)
    act(session, "approve", item, by=deputy, now=tick(NOW), confidentiality_checked=True)
    second = person(session, world, [Role.DEPUTY_HEAD], NOW, name="王副局长")
    other = item_in_state(session, world, State.INITIAL_REVIEW, NOW)
    act(session, "approve", other, by=second, now=tick(NOW), confidentiality_checked=True)
    services.create_delegation(
        session,
        actor=head,
        now=NOW,
        delegator_id=head.id,
        delegate_id=deputy.id,
        stages=["head_review"],
        starts_on=NOW.date(),
        ends_on=NOW.date() + timedelta(days=3),
    )
    session.commit()
    later = NOW + timedelta(days=2)
    reminded = {
        r.subject: set(r.users)
        for r in due_reminders(session, later, cfg.NOTIFY).reminders
        if r.threshold == "stage_limit"
    }
    assert reminded[f"item:{item.id}:head_review"] == {head.id}
    assert deputy.id in reminded[f"item:{other.id}:head_review"]  # the delegation holds


def test_who_did_an_earlier_stage_is_not_asked_to_do_the_next(
    committed: tuple[Session, World], engine: Engine, database_url: str, redis_client: redis.Redis
) -> None:
    """An office item whose 初审 was done by a 兼任 deputy head who is also an office
    editor: when it reaches 审发, the other editors are asked, not them (they may not
    review it twice; the item page does not name them either)."""
    session, world = committed
    configure(engine, database_url, None)
    both = create_user(
        session,
        login=unique("both_"),
        name="兼任编辑",
        unit=world.office,
        roles=[Role.DEPUTY_HEAD, Role.OFFICE_EDITOR],
        now=NOW,
    )
    column = make_column(session, [world.office])
    drafter = world.user(Role.DRAFTER, "office")
    item = new_item(session, world, NOW, column=column, drafter=drafter)
    act(session, "submit", item, by=drafter, now=tick(NOW))
    act(session, "approve", item, by=both, now=tick(NOW, 2), confidentiality_checked=True)
    session.commit()
    events = act(
        session, "approve", item, by=world.user(Role.HEAD, "office"), now=tick(NOW, 3)
    ).events
    send(session, redis_client, events)
    asked = f"【待审发】《{item.title}》"
    assert world.office_editor is not None
    assert asked in titles(engine, world.office_editor)
    assert asked not in titles(engine, both)
