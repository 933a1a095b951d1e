"""Issue 18 in the library: the changes feed's order under concurrent writers on
PostgreSQL, column.overdue from the status refresh, the webhook event types, and an
external publication counted by the evaluation and portal health."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from workflow import changes
from workflow.db import make_session_factory
from workflow.deadlines.evaluate import evaluate
from workflow.deadlines.parser import parse
from workflow.events import ColumnOverdue
from workflow.models import ExternalPublication
from workflow.reporting.health import portal_health
from workflow.reporting.status import refresh
from workflow.services import webhooks

from .conftest import NOW, wipe
from .factories import World, make_column


def test_event_types_of_outbox_payloads() -> None:
    assert webhooks.event_type({"type": "ItemPublished"}) == "item.published"
    assert webhooks.event_type({"type": "ItemPublished", "revised": True}) == "item.revised"
    assert webhooks.event_type({"type": "ItemRetracted"}) == "item.retracted"
    assert webhooks.event_type({"type": "ItemReturned"}) == "item.returned"
    assert webhooks.event_type({"type": "ColumnOverdue"}) == "column.overdue"
    assert webhooks.event_type({"type": "ItemSubmitted"}) is None


def test_a_column_turning_overdue_is_an_event_once(session: Session, world: World) -> None:
    column = make_column(session, [world.unit_a])
    column.rules = parse("每月至少更新1条")
    column.rules_confirmed_at = NOW - timedelta(days=400)
    first = refresh(session, now=NOW)  # nothing to compare with: no event
    assert not [e for e in first.events if isinstance(e, ColumnOverdue)]
    # The column's rules change (a new table): its status is compared at the next refresh.
    column.rules = []
    session.flush()
    refresh(session, now=NOW)
    column.rules = parse("每月至少更新1条")
    session.flush()
    turned = [e for e in refresh(session, now=NOW).events if isinstance(e, ColumnOverdue)]
    assert [(e.column_id, e.unit_id) for e in turned] == [(column.id, world.unit_a.id)]
    again = refresh(session, now=NOW + timedelta(minutes=5)).events
    assert not [e for e in again if isinstance(e, ColumnOverdue) and e.column_id == column.id]


def test_an_external_publication_counts_for_deadlines_and_health(
    session: Session, world: World
) -> None:
    column = make_column(session, [world.unit_a])
    column.rules = parse("每月至少更新1条")
    column.rules_confirmed_at = NOW - timedelta(days=400)
    column.tags = ["news"]  # 动态/要闻: judged stale after 2 weeks without update
    session.flush()

    def status() -> str:
        (found,) = evaluate(session, NOW, column_id=column.id)
        return found.status

    def stale_ids() -> set[int]:
        health = portal_health(session, NOW)
        return {c.column_id for test in health.tests for c in test.columns}

    assert status() == "overdue"
    assert column.id in stale_ids()
    session.add(
        ExternalPublication(
            column_id=column.id,
            unit_id=world.unit_a.id,
            url="https://www.example.gov.cn/a.html",
            title="转载",
            published_at=NOW - timedelta(days=1),
            published_by="编辑部",
            created_at=NOW,
        )
    )
    session.flush()
    assert status() == "ok"
    assert column.id not in stale_ids()


@pytest.mark.postgres
def test_feed_ids_commit_in_order_under_concurrent_writers(
    engine: Engine, is_postgres: bool
) -> None:
    """A writer that drew its id waits for the one before it to commit: a reader can
    never see id n+1 while n is still to come (the cursor would skip n)."""
    if not is_postgres:
        pytest.skip("PostgreSQL's sequences commit out of order; SQLite has one writer")
    factory = make_session_factory(engine)
    first, second = factory(), factory()
    now = datetime.now(UTC)
    try:
        changes.record(
            first, item_id=1, kind="published", revision_no=1, column_id=1, unit_id=1, now=now
        )
        pid = first.execute(text("SELECT pg_backend_pid()")).scalar_one()
        done = threading.Event()

        def later() -> None:
            changes.record(
                second, item_id=2, kind="published", revision_no=1, column_id=1, unit_id=1, now=now
            )
            second.commit()
            done.set()

        thread = threading.Thread(target=later)
        thread.start()
        with engine.connect() as watcher:
            waiting = 0
            for _ in range(200):  # until the second writer is seen queued on the lock
                waiting = watcher.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                        "AND NOT granted AND pid <> :pid"
                    ),
                    {"pid": pid},
                ).scalar_one()
                if waiting:
                    break
                threading.Event().wait(0.05)
            assert waiting == 1
            assert not done.is_set()
            seen = watcher.execute(text("SELECT count(*) FROM item_changes")).scalar_one()
            assert seen == 0  # neither is visible yet
        first.commit()
        thread.join(30)
        assert done.is_set()
        ids = first.execute(select(text("id, item_id")).select_from(text("item_changes")))
        rows = sorted(ids.all())
        assert [item for _id, item in rows] == [1, 2]
    finally:
        first.close()
        second.close()
        wipe(engine)


@pytest.mark.postgres
def test_publishing_two_items_while_one_is_published_elsewhere_does_not_deadlock(
    engine: Engine, is_postgres: bool
) -> None:
    """A transaction that publishes A then B (the scheduled publications) and an editor
    publishing B meanwhile: both take the feed's lock before B's row, so the editor
    waits and then finds B changed (StaleVersion) — never a deadlock."""
    if not is_postgres:
        pytest.skip("the advisory lock is PostgreSQL's")
    from sqlalchemy.exc import OperationalError

    from workflow import errors, services
    from workflow.enums import Role, State

    from .factories import build_world, item_in_state

    factory = make_session_factory(engine)
    with factory() as setup:
        world = build_world(setup, NOW)
        a = item_in_state(setup, world, State.OFFICE_REVIEW, NOW)
        b = item_in_state(setup, world, State.OFFICE_REVIEW, NOW)
        setup.commit()
        a_ref, b_ref = (a.id, a.version), (b.id, b.version)
        editor_id = world.office_editor.id if world.office_editor else 0
    first, second = factory(), factory()
    outcome: list[str] = []
    try:
        from workflow.models import User

        def approve(session: Session, ref: tuple[int, int]) -> None:
            editor = session.get(User, editor_id)
            assert editor is not None and editor.has_role(Role.OFFICE_EDITOR)
            services.approve(
                session, actor=editor, item_id=ref[0], expected_version=ref[1], now=NOW
            )

        approve(first, a_ref)  # holds the feed's lock and A's row

        def editor_publishes_b() -> None:
            try:
                approve(second, b_ref)
                second.commit()
                outcome.append("ok")
            except errors.StaleVersion:
                second.rollback()
                outcome.append("stale")
            except OperationalError as exc:  # a deadlock would land here
                second.rollback()
                outcome.append(type(exc.orig).__name__)

        thread = threading.Thread(target=editor_publishes_b)
        thread.start()
        with engine.connect() as watcher:
            for _ in range(200):  # until the editor is queued on the feed's lock
                waiting = watcher.execute(
                    text(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                    )
                ).scalar_one()
                if waiting:
                    break
                threading.Event().wait(0.05)
        approve(first, b_ref)  # B's row is free: the editor holds no row lock yet
        first.commit()
        thread.join(30)
        assert outcome == ["stale"]
    finally:
        first.close()
        second.close()
        wipe(engine)


def test_returned_and_overdue_events_become_plain_webhook_bodies(
    session: Session, world: World
) -> None:
    from workflow.models import WebhookDelivery, WebhookSubscription

    session.add(
        WebhookSubscription(
            name="CMS",
            url="https://cms.example/hook",
            events=["item.returned", "column.overdue"],
            secret=webhooks.new_secret(),
            active=True,
            pause_reason="",
            consecutive_failures=0,
            created_at=NOW,
        )
    )
    session.flush()
    from .factories import item_in_state

    item = item_in_state(session, world, "returned", NOW)
    returned = {
        "type": "ItemReturned",
        "item_id": item.id,
        "revision_no": 1,
        "column_id": item.column_id,
        "unit_id": item.unit_id,
        "at": NOW.isoformat(),
        "comment": "内部意见：数据有误",
    }
    overdue = {
        "type": "ColumnOverdue",
        "column_id": world.column.id,
        "unit_id": world.unit_a.id,
        "column_path": world.column.path,
        "overdue_since": "2026-11-01",
        "at": NOW.isoformat(),
    }
    ids = webhooks.fan_out(session, returned, NOW) + webhooks.fan_out(session, overdue, NOW)
    bodies = [session.get(WebhookDelivery, i).payload for i in ids]  # type: ignore[union-attr]
    assert [b["type"] for b in bodies] == ["item.returned", "column.overdue"]
    assert bodies[0]["data"]["item_id"] == item.id
    assert "内部意见" not in str(bodies[0])  # a reviewer's comment stays inside sanshen
    assert bodies[1]["data"]["unit_name"] == world.unit_a.name
    assert bodies[1]["data"]["overdue_since"] == "2026-11-01"
    # An event nobody subscribed to makes no delivery.
    assert webhooks.fan_out(session, {**returned, "type": "ItemRetracted"}, NOW) == []
