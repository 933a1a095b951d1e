"""The audit trail: one hash-chained row per transition, append-only, verifiable."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import Engine, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from workflow import audit
from workflow.enums import Role, State
from workflow.models import AuditEvent, Item

from .conftest import bypass_triggers, wipe
from .factories import World, build_world, item_in_state
from .services import act


@pytest.fixture
def committed(engine: Engine, now: datetime) -> Iterator[tuple[Session, World, list[int]]]:
    """Items in every state, committed for real; everything is wiped afterwards."""
    session = Session(engine, expire_on_commit=False)
    world = build_world(session, now)
    ids = [item_in_state(session, world, s, now).id for s in State]
    session.commit()
    try:
        yield session, world, ids
    finally:
        session.close()
        wipe(engine)


def test_chain_is_intact_after_every_path(committed: tuple[Session, World, list[int]]) -> None:
    session, _, ids = committed
    assert list(audit.verify_chains(session)) == []
    rows = (
        session.execute(
            select(AuditEvent).where(AuditEvent.item_id == ids[-1]).order_by(AuditEvent.seq)
        )
        .scalars()
        .all()
    )
    assert [r.action for r in rows] == [
        "create",
        "submit",
        "approve",
        "approve",
        "approve",
        "retract",
    ]
    assert rows[0].prev_hash is None
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE audit_events SET comment = '已篡改' WHERE id = :id",
        "UPDATE audit_events SET actor_id = (SELECT MIN(id) FROM users) WHERE id = :id",
        "UPDATE audit_events SET to_state = 'published' WHERE id = :id",
        "DELETE FROM audit_events WHERE id = :id",
    ],
)
def test_tampering_names_the_first_broken_row(
    engine: Engine, committed: tuple[Session, World, list[int]], tamper: str
) -> None:
    session, _, ids = committed
    target_item = ids[4]  # the published item: create, submit, 3 approvals
    row_id = session.execute(
        select(AuditEvent.id).where(AuditEvent.item_id == target_item, AuditEvent.seq == 3)
    ).scalar_one()
    session.commit()  # end the read: SQLite holds its write lock for the whole transaction
    with engine.begin() as conn:  # straight at the database, as an intruder would
        bypass_triggers(conn)
        conn.execute(text(tamper), {"id": row_id})
    session.expire_all()
    breaks = list(audit.verify_chains(session))
    assert len(breaks) == 1
    assert breaks[0].item_id == target_item
    assert breaks[0].seq in (3, 4)  # the changed row, or the one after a deleted row
    if tamper.startswith("UPDATE"):
        assert breaks[0].audit_id == row_id


def test_removing_the_last_row_is_found(
    engine: Engine, committed: tuple[Session, World, list[int]]
) -> None:
    session, _, ids = committed
    last = session.execute(
        select(AuditEvent.id)
        .where(AuditEvent.item_id == ids[0])
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).scalar_one()
    session.commit()
    with engine.begin() as conn:
        bypass_triggers(conn)
        conn.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": last})
    breaks = list(audit.verify_chains(session))
    assert [(b.item_id, b.audit_id) for b in breaks] == [(ids[0], None)]


def test_orm_refuses_to_change_or_delete_audit_rows(session: Session, now: datetime) -> None:
    world = build_world(session, now)
    item = item_in_state(session, world, State.INITIAL_REVIEW, now)
    row = session.execute(select(AuditEvent).where(AuditEvent.item_id == item.id)).scalars().first()
    assert row is not None
    row.comment = "改写历史"
    with pytest.raises(audit.AuditTrailIsAppendOnly):
        session.flush()
    session.rollback()
    with pytest.raises(audit.AuditTrailIsAppendOnly):
        session.execute(update(AuditEvent).values(comment="x"))


def test_each_transition_writes_exactly_one_row(session: Session, now: datetime) -> None:
    world = build_world(session, now)
    item = item_in_state(session, world, State.HEAD_REVIEW, now)

    def count():
        return len(
            session.execute(select(AuditEvent.id).where(AuditEvent.item_id == item.id)).all()
        )

    before = count()
    act(session, "approve", item, by=world.user(Role.HEAD), now=now)
    assert count() == before + 1


def test_content_changed_behind_the_trail_is_found(
    engine: Engine, committed: tuple[Session, World, list[int]]
) -> None:
    session, _, ids = committed
    published = ids[4]
    session.commit()
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE revisions SET body = '<p>篡改后的正文</p>' WHERE item_id = :i"),
            {"i": published},
        )
    with audit.snapshot_session(engine) as snap:
        breaks = list(audit.verify_chains(snap))
    assert [(b.item_id, "content differs" in b.reason) for b in breaks] == [(published, True)]
    assert breaks[0].audit_id is not None  # names the row that recorded the true content


def test_snapshot_verify_does_not_block_writers(
    engine: Engine, committed: tuple[Session, World, list[int]], now: datetime
) -> None:
    session, world, ids = committed
    session.commit()
    with audit.snapshot_session(engine) as snap:
        rows = audit.verify_chains(snap)
        first = next(rows, None)  # the scan has started and holds its snapshot
        with Session(engine) as writer:  # a transition commits meanwhile
            item = writer.get(Item, ids[1])
            assert item is not None
            act(
                writer,
                "approve",
                item,
                by=writer.merge(world.user(Role.DEPUTY_HEAD)),
                now=now,
                confidentiality_checked=True,
            )
            writer.commit()
        assert first is None and list(rows) == []  # no false alarm from the new row
    with audit.snapshot_session(engine) as snap:
        assert list(audit.verify_chains(snap)) == []


def test_postgresql_itself_refuses_to_change_audit_rows(
    engine: Engine, committed: tuple[Session, World, list[int]], is_postgres: bool
) -> None:
    if not is_postgres:
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    session, _, _ = committed
    session.commit()
    for statement in (
        "UPDATE audit_events SET comment = 'x'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events CASCADE",
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))


def test_altered_review_facts_are_found(
    engine: Engine, committed: tuple[Session, World, list[int]]
) -> None:
    """Erasing a reviewer from the item's facts (to let them review another stage) is
    caught: the facts are recomputed from the audit rows."""
    session, _, ids = committed
    in_head_review = ids[2]
    session.commit()
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE items SET review_facts = :f WHERE id = :i"),
            {
                "f": '{"authors": [], "revision": 1, "stages": {}, "approvers": []}',
                "i": in_head_review,
            },
        )
    with audit.snapshot_session(engine) as snap:
        breaks = list(audit.verify_chains(snap))
    assert [(b.item_id, b.reason) for b in breaks] == [
        (in_head_review, "review facts differ from the audit trail")
    ]
