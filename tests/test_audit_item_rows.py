"""`audit verify` compares each item row with its audit trail (issue 15, finding 13): an
item moved by direct SQL — published without passing 三审, say — is reported."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import Engine, Table, text, update
from sqlalchemy.orm import Session

from config import load_config
from web import create_app
from workflow import audit, services
from workflow.enums import Role, State
from workflow.models import Item

from .conftest import bypass_triggers, wipe
from .factories import World, build_world, item_in_state, tick

ITEMS = cast(Table, Item.__table__)
TITLE = "关于开展2026年秋季学期招生工作的通知"  # the factories' title


def _act(
    session: Session, action: str, actor: object, item: Item, now: datetime, **kw: object
) -> None:
    services.ACTIONS[action](  # type: ignore[operator]
        session, actor=actor, item_id=item.id, expected_version=item.version, now=now, **kw
    )


def _publish_again(session: Session, world: World, item: Item, now: datetime) -> None:
    """A new revision of a published item through all three stages."""
    _act(session, "revise", world.drafter, item, now)
    _act(session, "submit", world.drafter, item, tick(now, 1))
    _act(
        session,
        "approve",
        world.user(Role.DEPUTY_HEAD),
        item,
        tick(now, 2),
        confidentiality_checked=True,
    )
    _act(session, "approve", world.user(Role.HEAD), item, tick(now, 3))
    _act(session, "approve", world.office_editor, item, tick(now, 4))


@pytest.fixture
def committed(engine: Engine, now: datetime) -> Iterator[tuple[Session, dict[str, int]]]:
    """Items in every state and along the paths that move the live revision, committed."""
    session = Session(engine, expire_on_commit=False)
    world = build_world(session, now)
    ids = {str(s): item_in_state(session, world, s, now).id for s in State}
    republished = item_in_state(session, world, State.PUBLISHED, now)
    _publish_again(session, world, republished, tick(now, 10))
    ids["republished"] = republished.id
    # A new revision withdrawn: the item points at its live revision again.
    discarded = item_in_state(session, world, State.PUBLISHED, now)
    _act(session, "revise", world.drafter, discarded, tick(now, 20))
    _act(session, "withdraw", world.drafter, discarded, tick(now, 21))
    assert discarded.state == State.PUBLISHED and discarded.current_revision_no == 1
    ids["discarded"] = discarded.id
    # Retracted with a new revision open, then published again from it.
    reopened = item_in_state(session, world, State.PUBLISHED, now)
    _act(session, "revise", world.drafter, reopened, tick(now, 30))
    _act(session, "retract", world.office_editor, reopened, tick(now, 31), comment="信息有误")
    ids["reopened"] = reopened.id
    session.commit()
    try:
        yield session, ids
    finally:
        session.close()
        wipe(engine)


def _verify(engine: Engine) -> list[audit.ChainBreak]:
    with audit.snapshot_session(engine) as snap:
        found = list(audit.verify_chains(snap))
    with audit.snapshot_session(engine) as snap:  # items and rows fetched a few at a time
        assert [b.describe() for b in audit.verify_chains(snap, batch=2)] == [
            b.describe() for b in found
        ]
    return found


def _tamper(engine: Engine, statement: str, item_id: int) -> None:
    with engine.begin() as conn:  # straight at the database, as an intruder would
        bypass_triggers(conn)
        conn.execute(text(statement), {"i": item_id})


def test_items_moved_by_the_services_verify_clean(
    engine: Engine, committed: tuple[Session, dict[str, int]]
) -> None:
    assert _verify(engine) == []


def test_a_version_ahead_of_the_trail_is_no_alarm(
    engine: Engine, committed: tuple[Session, dict[str, int]]
) -> None:
    """Some writes bump the version without an audit row (recompute_provisional's new due
    dates, through the ORM's version counter): a version ahead of the trail is fine."""
    _, ids = committed
    _tamper(engine, "UPDATE items SET version = version + 3 WHERE id = :i", ids[State.DRAFT])
    assert _verify(engine) == []


def test_publishing_by_sql_is_reported_naming_the_item(
    engine: Engine, committed: tuple[Session, dict[str, int]]
) -> None:
    _, ids = committed
    target = ids[State.INITIAL_REVIEW]
    _tamper(
        engine,
        "UPDATE items SET state = 'published', live_revision_no = current_revision_no, "
        "published_at = updated_at, first_published_at = updated_at, version = version + 1 "
        "WHERE id = :i",
        target,
    )
    breaks = _verify(engine)
    assert [b.item_id for b in breaks] == [target]
    text_ = breaks[0].describe()
    assert f"item {target}" in text_ and TITLE in text_
    assert "state is 'published', the audit trail says 'initial_review'" in text_
    assert "live_revision_no is 1, the audit trail says None" in text_
    assert "first_published_at" in text_
    assert breaks[0].audit_id is not None and breaks[0].seq == 2  # the last row: submit


@pytest.mark.parametrize(
    ("key", "statement", "named"),
    [
        (State.PUBLISHED, "UPDATE items SET state = 'draft' WHERE id = :i", "state"),
        (
            State.RETRACTED,
            "UPDATE items SET live_revision_no = 1 WHERE id = :i",
            "live_revision_no",
        ),
        ("republished", "UPDATE items SET live_revision_no = 1 WHERE id = :i", "live_revision_no"),
        (
            "discarded",
            "UPDATE items SET current_revision_no = 2 WHERE id = :i",
            "current_revision_no",
        ),
        (State.DRAFT, "UPDATE items SET version = 1 WHERE id = :i", "version"),
        (State.HEAD_REVIEW, "UPDATE items SET audit_seq = 1 WHERE id = :i", "audit_seq"),
        (
            State.OFFICE_REVIEW,
            "UPDATE items SET content_digest = 'x' WHERE id = :i",
            "content_digest",
        ),
    ],
)
def test_each_column_the_trail_determines_is_checked(
    engine: Engine,
    committed: tuple[Session, dict[str, int]],
    key: str,
    statement: str,
    named: str,
) -> None:
    _, ids = committed
    _tamper(engine, statement, ids[key])
    breaks = _verify(engine)
    assert [b.item_id for b in breaks] == [ids[key]]
    assert f"{named} is " in breaks[0].reason


@pytest.mark.parametrize(
    ("key", "column"),
    [
        # first_published_at decides the period a publication counts for (scoreboard)
        (State.PUBLISHED, "first_published_at"),
        ("republished", "published_at"),
        (State.RETURNED, "state_since"),  # how long it has waited (reminders, reports)
    ],
)
def test_a_moved_date_is_reported(
    engine: Engine, committed: tuple[Session, dict[str, int]], key: str, column: str
) -> None:
    _, ids = committed
    with engine.begin() as conn:
        conn.execute(
            update(ITEMS)
            .where(ITEMS.c.id == ids[key])
            .values({column: datetime(2020, 1, 1, 8, tzinfo=UTC)})
        )
    breaks = _verify(engine)
    assert [b.item_id for b in breaks] == [ids[key]]
    assert f"{column} is '2020-01-01T08:00:00.000000Z'" in breaks[0].reason


def test_the_command_names_the_item_and_what_differs(
    engine: Engine,
    committed: tuple[Session, dict[str, int]],
    database_url: str,
    tmp_path: Path,
) -> None:
    _, ids = committed
    app = create_app(
        load_config(
            {
                "SANSHEN_ENV": "testing",
                "DATABASE_URL": database_url,
                "SANSHEN_INSTANCE_DIR": str(tmp_path),
            }
        )
    )
    try:
        runner = app.test_cli_runner()
        assert runner.invoke(args=["audit", "verify"]).exit_code == 0
        target = ids[State.HEAD_REVIEW]
        _tamper(
            engine,
            "UPDATE items SET state = 'published', live_revision_no = current_revision_no "
            "WHERE id = :i",
            target,
        )
        bad = runner.invoke(args=["audit", "verify"])
        assert bad.exit_code == 1
        assert f"item {target} 《{TITLE}》" in bad.output
        assert "state is 'published', the audit trail says 'head_review'" in bad.output
    finally:
        app.extensions["sanshen.engine"].dispose()


def test_a_title_cannot_write_control_characters_to_the_output() -> None:
    found = audit.ChainBreak(7, 9, 3, "item row differs", title="标题\x1b[2J\r\n伪造行")
    assert (
        found.describe() == "item 7 《标题?[2J??伪造行》: audit row id=9 (seq 3): item row differs"
    )
