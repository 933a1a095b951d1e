"""workflow.outbox: the runner writes the events someone is told about in the service's
transaction — present exactly when the change is, whether anything dispatches or not."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from workflow import outbox, runner
from workflow.events import ItemCreated, ItemSubmitted
from workflow.models import OutboxEvent
from workflow.outcome import Outcome, done

from .conftest import wipe


class Boom(RuntimeError):
    pass


def _event(cls: type, now: datetime) -> Any:
    return cls(7, 2, 1, 3, 5, now, "draft", "initial_review", "submit", "请审")


def _service(session: Session, *, actor: Any, now: datetime, fail: bool = False) -> Outcome[None]:
    if fail:
        outbox.write(session, [_event(ItemSubmitted, now)], now)  # as if half-written
        raise Boom("refused")
    return done(None, [_event(ItemCreated, now), _event(ItemSubmitted, now)])


@pytest.fixture
def clean(engine: Engine) -> Any:
    yield engine
    wipe(engine)


def _rows(engine: Engine) -> list[OutboxEvent]:
    with Session(engine) as other:
        return list(other.scalars(select(OutboxEvent)))


def test_the_runner_commits_the_notified_events_with_the_change(
    clean: Engine, now: datetime
) -> None:
    with Session(clean) as session:
        runner.run(session, _service, actor=None, now=now)  # no dispatch: still written
    [row] = _rows(clean)
    assert row.kind == "ItemSubmitted" and row.relayed_at is None and row.done_at is None
    assert row.payload == {
        "type": "ItemSubmitted",
        "item_id": 7,
        "revision_no": 2,
        "unit_id": 1,
        "column_id": 3,
        "actor_id": 5,
        "at": now.isoformat(),
        "from_state": "draft",
        "to_state": "initial_review",
        "action": "submit",
        "comment": "请审",
        "on_behalf_of_id": None,
    }


def test_a_rolled_back_change_leaves_no_event(clean: Engine, now: datetime) -> None:
    with Session(clean) as session, pytest.raises(Boom):
        runner.run(session, _service, actor=None, now=now, fail=True)
    assert _rows(clean) == []
