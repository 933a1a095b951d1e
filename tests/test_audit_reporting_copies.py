"""The reporting copies on audit rows (migration 0010): the item's unit and when the item
entered the state the row leaves — written by every service that appends a row, kept
out of the hash, and backfilled by the migration to what the writer would have written."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, make_url, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from workflow import audit, migrate, services
from workflow.db import make_engine
from workflow.enums import Action, ItemKind, Role, State
from workflow.models import AuditEvent, Item

from .factories import World, build_world, new_item

NOW = datetime.fromisoformat("2026-10-08T02:00:00+00:00")


class Walk:
    """Drives one item through the services, an hour apart, checking after each step
    that the new audit row carries the item's unit and its state_since from before."""

    def __init__(self, session: Session, world: World, item: Item, at: datetime) -> None:
        self.session, self.world, self.item_id, self.at = session, world, item.id, at
        self.actions: list[str] = [Action.CREATE.value]

    def __call__(self, service: Callable[..., Any], actor: Any, **kw: Any) -> None:
        self.at += timedelta(hours=1)
        version, state_since, unit_id = self.session.execute(
            select(Item.version, Item.state_since, Item.unit_id).where(Item.id == self.item_id)
        ).one()
        service(
            self.session,
            actor=actor,
            item_id=self.item_id,
            expected_version=version,
            now=self.at,
            **kw,
        )
        row = self.session.execute(
            select(AuditEvent)
            .where(AuditEvent.item_id == self.item_id)
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        ).scalar_one()
        assert row.at == self.at
        assert (row.unit_id, row.state_entered_at) == (unit_id, state_since), row.action
        self.actions.append(row.action)


def edit(session: Session, **kw: Any) -> None:
    services.update_draft(session, title="关于2026年秋季招生的补充通知", body="<p>改</p>", **kw)


def walk_every_action(session: Session, world: World, start: datetime) -> list[int]:
    """Items along every action there is (edits in draft and returned, both withdrawals,
    a retraction from review); returns their ids."""
    drafter, deputy = world.drafter, world.user(Role.DEPUTY_HEAD)
    head, editor = world.user(Role.HEAD), world.office_editor
    assert editor is not None
    item = new_item(session, world, start)
    do = Walk(session, world, item, start)
    do(edit, drafter)  # an edit keeps the state and its state_since
    do(services.submit, drafter)
    do(services.recall, drafter)  # 撤回 before 初审 acts: a draft again
    do(services.submit, drafter)
    do(services.reject, deputy, comment="请补充数据来源")
    do(edit, drafter)
    do(services.resubmit, drafter)
    do(services.approve, deputy, confidentiality_checked=True)
    do(services.recall, deputy)  # the deputy takes the approval back
    do(services.approve, deputy, confidentiality_checked=True)
    do(services.approve, head)
    do(services.approve, editor)
    do(services.revise, drafter)
    do(edit, drafter)
    do(services.withdraw, drafter)  # back to the published revision
    do(services.revise, drafter)
    do(services.submit, drafter)
    do(services.retract, editor, comment="信息有误")  # from review, live revision down
    other = new_item(session, world, start, kind=ItemKind.NEWS)
    gone = Walk(session, world, other, start)
    gone(services.withdraw, drafter)
    done = set(do.actions + gone.actions)
    assert done == {a.value for a in Action}, {a.value for a in Action} - done
    return [item.id, other.id]


def test_every_action_writes_the_copies(session: Session, world: World) -> None:
    ids = walk_every_action(session, world, NOW)
    rows = session.execute(
        select(AuditEvent).where(AuditEvent.item_id.in_(ids)).order_by(AuditEvent.id)
    ).scalars()
    for row in rows:
        assert row.unit_id == world.unit_a.id
        # Only the creation row has no state before it.
        assert (row.state_entered_at is None) == (row.action == Action.CREATE)


def test_the_copies_are_outside_the_hash(session: Session, world: World) -> None:
    ids = walk_every_action(session, world, NOW)
    rows = session.execute(select(AuditEvent).where(AuditEvent.item_id.in_(ids))).scalars()
    for row in rows:
        assert audit.row_hash(row) == row.hash
        # The same row hashed by the code before the copies existed: the fields it hashed.
        fields = {
            k: getattr(row, k)
            for k in (
                "item_id",
                "seq",
                "revision_no",
                "from_state",
                "to_state",
                "action",
                "actor_id",
                "comment",
                "confidentiality_checked",
                "content_digest",
                "at",
                "prev_hash",
            )
        }
        assert audit.compute_hash(**fields) == row.hash


# --------------------------------------------------------------------------- migration


@pytest.fixture
def scratch_url(tmp_path: Path, database_url: str, engine: Engine) -> Iterator[str]:
    """A database of its own to migrate up and down: a SQLite file, or on PostgreSQL a
    fresh schema of the test database (the search path points the migrations at it)."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    schema = f"scratch_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = make_url(database_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def test_upgrade_backfills_what_the_writer_wrote(scratch_url: str) -> None:
    migrate.upgrade(scratch_url)
    eng = make_engine(scratch_url)
    try:
        copies = select(AuditEvent.id, AuditEvent.unit_id, AuditEvent.state_entered_at).order_by(
            AuditEvent.id
        )
        with Session(eng) as session:
            world = build_world(session, NOW)
            walk_every_action(session, world, NOW)
            # Clocks out of order must not matter: the backfill goes by seq, not time.
            walk_every_action(session, world, NOW - timedelta(days=30))
            session.commit()
            written = session.execute(copies).all()
        assert len(written) > 20
        command.downgrade(migrate.alembic_config(scratch_url), "0009")
        columns = {c["name"] for c in inspect(eng).get_columns("audit_events")}
        assert not {"unit_id", "state_entered_at"} & columns  # rows as before 0010
        eng.dispose()
        migrate.upgrade(scratch_url)
        with Session(eng) as session:
            assert session.execute(copies).all() == written
            assert list(audit.verify_chains(session)) == []
        if eng.dialect.name == "postgresql":
            # The append-only trigger was lifted for the backfill only.
            with pytest.raises(DBAPIError, match="append-only"), eng.begin() as conn:
                conn.execute(text("UPDATE audit_events SET unit_id = NULL"))
    finally:
        eng.dispose()


def test_states_left_and_entered_line_up(session: Session, world: World) -> None:
    """What the scoreboard relies on: a row leaving a review stage was preceded by the row
    entering it, at state_entered_at."""
    ids = walk_every_action(session, world, NOW)
    rows = (
        session.execute(
            select(AuditEvent)
            .where(AuditEvent.item_id.in_(ids))
            .order_by(AuditEvent.item_id, AuditEvent.seq)
        )
        .scalars()
        .all()
    )
    by_seq = {(r.item_id, r.seq): r for r in rows}
    for row in rows:
        if row.from_state in {s.value for s in (State.INITIAL_REVIEW, State.HEAD_REVIEW)}:
            before = by_seq[(row.item_id, row.seq - 1)]
            assert (before.to_state, before.at) == (row.from_state, row.state_entered_at)
