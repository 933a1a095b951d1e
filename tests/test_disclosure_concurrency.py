"""Two office editors route the same request at the same moment, on two real
connections: exactly one wins, the other is told the request changed, and the history
has one route row."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from workflow import errors, runner
from workflow.disclosure import history
from workflow.models import DisclosureRequest
from workflow.services import disclosure as svc

from .conftest import wipe
from .factories import World, build_world

NOW = datetime(2026, 9, 28, 2, tzinfo=UTC)


@pytest.fixture
def registered(engine: Engine) -> Iterator[tuple[World, int, int]]:
    with Session(engine, expire_on_commit=False) as session:
        world = build_world(session, NOW)
        session.commit()
        data = svc.RequestInput(date(2026, 9, 28), "online", "person", "王五", "申请", "信息")
        request = runner.run(session, svc.register, actor=world.office_editor, now=NOW, data=data)
        yield world, request.value.id, request.value.version
    wipe(engine)


def test_racing_routes_one_wins(
    engine: Engine, registered: tuple[World, int, int], is_postgres: bool
) -> None:
    world, request_id, version = registered
    barrier = threading.Barrier(2, timeout=30)
    results: list[str] = []
    lock = threading.Lock()

    def editor(unit_id: int) -> None:
        with Session(engine) as s:
            assert world.office_editor is not None
            actor = s.merge(world.office_editor)
            s.commit()
            try:
                if is_postgres:  # both load in their transactions, then race to write
                    s.get(DisclosureRequest, request_id)
                    barrier.wait()
                else:  # SQLite: the runner's BEGIN IMMEDIATE queues the second writer
                    barrier.wait()
                runner.run(
                    s,
                    svc.route,
                    actor=actor,
                    now=NOW,
                    request_id=request_id,
                    expected_version=version,
                    unit_id=unit_id,
                    reason="由该单位办理",
                )
                outcome = "ok"
            except errors.StaleVersion:
                outcome = "stale"
            with lock:
                results.append(outcome)

    threads = [
        threading.Thread(target=editor, args=(unit.id,)) for unit in (world.unit_a, world.unit_b)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == ["ok", "stale"]
    with Session(engine) as s:
        request = s.get(DisclosureRequest, request_id)
        assert request is not None and request.version == version + 1
        assert [r.action for r in history.rows(s, request_id)] == ["register", "route"]
        assert history.verify(s, request) == []
