"""Two sessions on two real connections approve the same item: exactly one wins."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from workflow import errors, services
from workflow.enums import Role, State
from workflow.models import AuditEvent, Item, Revision

from .conftest import wipe
from .factories import World, build_world, item_in_state


@pytest.fixture
def in_review(engine: Engine, now: datetime) -> Iterator[tuple[World, int, int]]:
    with Session(engine, expire_on_commit=False) as session:
        world = build_world(session, now)
        item = item_in_state(session, world, State.INITIAL_REVIEW, now)
        session.commit()
        yield world, item.id, item.version
    wipe(engine)


def _outcome(engine: Engine, item_id: int) -> tuple[str, int, int]:
    with Session(engine) as s:
        item = s.get(Item, item_id)
        assert item is not None
        rows = s.execute(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.item_id == item_id)
        ).scalar_one()
        return item.state, item.version, rows


def test_second_approval_of_the_same_version_is_stale(
    engine: Engine, in_review: tuple[World, int, int], now: datetime
) -> None:
    world, item_id, version = in_review
    deputy = world.user(Role.DEPUTY_HEAD)
    with Session(engine) as a, Session(engine) as b:
        # Both reviewers open the page and see the same version; each page load ends
        # its read transaction (SQLite would otherwise hold its lock until then).
        actors = []
        for s in (a, b):
            s.get(Item, item_id)
            actors.append(s.merge(deputy))
            s.commit()
        a_actor, b_actor = actors
        services.approve(
            a,
            actor=a_actor,
            item_id=item_id,
            expected_version=version,
            now=now,
            confidentiality_checked=True,
        )
        a.commit()
        with pytest.raises(errors.StaleVersion):
            services.approve(
                b,
                actor=b_actor,
                item_id=item_id,
                expected_version=version,
                now=now,
                confidentiality_checked=True,
            )
        b.rollback()
    assert _outcome(engine, item_id) == (State.HEAD_REVIEW, version + 1, 3)


def test_racing_approvals_in_open_transactions(
    engine: Engine, in_review: tuple[World, int, int], now: datetime, is_postgres: bool
) -> None:
    """Both transactions load the item and race to write; the loser's UPDATE matches no
    row at the old version (PostgreSQL row lock, then re-check) and nothing of it lands."""
    world, item_id, version = in_review
    barrier = threading.Barrier(2, timeout=30)
    results: list[str] = []
    lock = threading.Lock()

    def reviewer() -> None:
        with Session(engine) as s:
            try:
                if is_postgres:  # load inside the transaction, then race to write
                    actor = s.merge(world.user(Role.DEPUTY_HEAD))
                    s.get(Item, item_id)
                    barrier.wait()
                else:  # SQLite: BEGIN IMMEDIATE queues the second writer behind the first
                    barrier.wait()
                    actor = s.merge(world.user(Role.DEPUTY_HEAD))
                services.approve(
                    s,
                    actor=actor,
                    item_id=item_id,
                    expected_version=version,
                    now=now,
                    confidentiality_checked=True,
                )
                s.commit()
                outcome = "ok"
            except errors.StaleVersion:
                s.rollback()
                outcome = "stale"
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=reviewer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == ["ok", "stale"]
    assert _outcome(engine, item_id) == (State.HEAD_REVIEW, version + 1, 3)


def test_an_out_of_date_copy_in_the_session_is_refreshed_not_patched(
    engine: Engine, now: datetime
) -> None:
    """Session A holds an item from before B revised and edited it; A then acts on the
    current version. A's copy must show B's content afterwards, not a patched old one."""
    with Session(engine, expire_on_commit=False) as setup:
        world = build_world(setup, now)
        item = item_in_state(setup, world, State.PUBLISHED, now)
        setup.commit()
    try:
        with Session(engine, expire_on_commit=False) as a, Session(engine) as b:
            old = a.get(Item, item.id)
            assert old is not None
            a.commit()
            drafter_b = b.merge(world.drafter)
            services.revise(
                b, actor=drafter_b, item_id=item.id, expected_version=old.version, now=now
            )
            fresh = b.get(Item, item.id)
            assert fresh is not None
            services.update_draft(
                b,
                actor=drafter_b,
                item_id=item.id,
                expected_version=fresh.version,
                title="B改的标题",
                now=now,
            )
            version = fresh.version
            b.commit()
            services.submit(
                a, actor=a.merge(world.drafter), item_id=item.id, expected_version=version, now=now
            )
            a.commit()
            assert (old.title, old.current_revision_no, old.state) == (
                "B改的标题",
                2,
                State.INITIAL_REVIEW,
            )
    finally:
        wipe(engine)


def test_revise_from_a_session_with_an_old_revision_list(engine: Engine, now: datetime) -> None:
    with Session(engine, expire_on_commit=False) as setup:
        world = build_world(setup, now)
        item = item_in_state(setup, world, State.PUBLISHED, now)
        setup.commit()
    try:
        with Session(engine, expire_on_commit=False) as a, Session(engine) as b:
            held = a.get(Item, item.id)
            assert held is not None and len(held.revisions) == 1  # A's list: revision 1
            a.commit()
            for _ in range(2):  # B revises and withdraws: revision 2 exists now
                current = b.get(Item, item.id, populate_existing=True)
                assert current is not None
                action = services.revise if current.state == State.PUBLISHED else services.withdraw
                action(
                    b,
                    actor=b.merge(world.drafter),
                    item_id=item.id,
                    expected_version=current.version,
                    now=now,
                )
                b.commit()
            current_version = _outcome(engine, item.id)[1]
            services.revise(
                a,
                actor=a.merge(world.drafter),
                item_id=item.id,
                expected_version=current_version,
                now=now,
            )
            a.commit()
        with Session(engine) as s:
            numbers = (
                s.execute(select(Revision.number).where(Revision.item_id == item.id))
                .scalars()
                .all()
            )
            assert sorted(numbers) == [1, 2, 3]
    finally:
        wipe(engine)


def test_two_requests_with_one_key_create_one_item(
    engine: Engine, now: datetime, is_postgres: bool
) -> None:
    """A new-item form posted twice at the same instant: the second request waits on the
    first's uncommitted insert (PostgreSQL: the unique index; SQLite: the write lock)
    and then answers with the first's item and no events."""
    with Session(engine, expire_on_commit=False) as setup:
        world = build_world(setup, now)
        setup.commit()
    a_flushed, b_started = threading.Event(), threading.Event()
    results: dict[str, tuple[int, int]] = {}

    def create(s: Session) -> tuple[int, int]:
        created = services.create_item(
            s,
            actor=s.merge(world.drafter),
            column_id=world.column.id,
            kind="article",
            title="同时提交两次",
            now=now,
            request_key="form-token-1",
        )
        return created.value.id, len(created.events)

    def first() -> None:
        with Session(engine) as s:
            results["a"] = create(s)
            a_flushed.set()
            assert b_started.wait(30)
            if is_postgres:  # commit only once B is blocked on A's index entry
                with engine.connect() as probe:
                    for _ in range(300):
                        waiting = probe.exec_driver_sql(
                            "SELECT count(*) FROM pg_locks WHERE NOT granted"
                        ).scalar_one()
                        if waiting:
                            break
                        threading.Event().wait(0.05)
                    assert waiting, "the second insert never waited for the first"
            s.commit()

    def second() -> None:
        assert a_flushed.wait(30)
        with Session(engine) as s:
            b_started.set()
            results["b"] = create(s)
            s.commit()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert results["a"][1] == 1  # created, with its event
        assert results["b"] == (results["a"][0], 0)  # the same item, nothing new
        with Session(engine) as s:
            titled = s.execute(select(Item.id).where(Item.title == "同时提交两次")).all()
            assert len(titled) == 1
    finally:
        wipe(engine)
