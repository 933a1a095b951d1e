"""workflow.runner: one transaction per service call — the log entries commit with the
change, events leave only after the commit, and an error leaves neither."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from workflow import runner
from workflow.models import AdminEvent, Unit
from workflow.outcome import LogEntry, Outcome, done

from .conftest import wipe
from .factories import World, build_world


class Boom(RuntimeError):
    pass


def _rename(
    session: Session, *, actor: Any, now: datetime, unit_id: int, name: str, fail: bool = False
) -> Outcome[Unit]:
    unit = session.get_one(Unit, unit_id)
    old, unit.name = unit.name, name
    session.flush()
    if fail:
        raise Boom("refused after writing")
    return done(
        unit,
        [("renamed", unit_id)],
        LogEntry("unit.update", "unit", unit.id, unit.name, {"name": [old, name]}),
    )


@pytest.fixture
def committed(engine: Engine, now: datetime) -> Any:
    """A world committed for real (the runner commits), wiped afterwards."""
    with Session(engine, expire_on_commit=False) as session:
        world = build_world(session, now)
        session.commit()
        yield engine, world
    wipe(engine)


def _observe(engine: Engine, unit_id: int) -> tuple[str, int]:
    """What another connection sees: the unit's name and the number of log rows."""
    with Session(engine) as other:
        name = other.get_one(Unit, unit_id).name
        count = other.scalar(select(func.count(AdminEvent.id))) or 0
        return name, int(count)


def test_commits_the_change_with_its_log_then_dispatches(
    committed: tuple[Engine, World], now: datetime
) -> None:
    engine, world = committed
    unit_id = world.unit_a.id
    seen: list[tuple[Sequence[Any], tuple[str, int]]] = []

    def dispatch(events: Sequence[Any]) -> None:
        seen.append((events, _observe(engine, unit_id)))  # after the commit: visible

    with Session(engine) as session:
        outcome = runner.run(
            session, _rename, actor=None, now=now, dispatch=dispatch, unit_id=unit_id, name="新名"
        )
        assert outcome.value.name == "新名"
    assert seen == [([("renamed", unit_id)], ("新名", 1))]
    with Session(engine) as session:
        event = session.scalars(select(AdminEvent)).one()
        assert (event.action, event.target_id, event.actor_id, event.at) == (
            "unit.update",
            str(unit_id),
            None,
            now,
        )
        assert event.changes == {"name": [world.unit_a.name, "新名"]}


def test_an_error_rolls_back_and_sends_nothing(
    committed: tuple[Engine, World], now: datetime
) -> None:
    engine, world = committed
    unit_id, name = world.unit_a.id, world.unit_a.name
    sent: list[Sequence[Any]] = []
    with Session(engine) as session, pytest.raises(Boom):
        runner.run(
            session,
            _rename,
            actor=None,
            now=now,
            dispatch=sent.append,
            unit_id=unit_id,
            name="新名",
            fail=True,
        )
    assert sent == []
    assert _observe(engine, unit_id) == (name, 0)


def test_the_actor_is_logged_and_no_events_means_no_dispatch(
    committed: tuple[Engine, World], now: datetime
) -> None:
    engine, world = committed
    admin = world.drafter

    def quiet(session: Session, *, actor: Any, now: datetime) -> Outcome[None]:
        return done(None, (), LogEntry("settings.update", "settings", None, "设置", {}))

    calls: list[Sequence[Any]] = []
    with Session(engine) as session:
        runner.run(session, quiet, actor=admin, now=now, dispatch=calls.append)
    assert calls == []
    with Session(engine) as session:
        assert session.scalars(select(AdminEvent.actor_id)).one() == admin.id
