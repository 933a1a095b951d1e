"""The cron job behind the dashboard's summary: run by a real RQ worker, it fills the
deadline status for every assignment with the deployment's settings (so the dashboard
uses it) and clears the change marks; a second run changes nothing."""

from __future__ import annotations

import redis
from rq import Queue
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from notifications.runtime import QUEUE
from notifications.status_job import refresh_deadline_status, report_settings
from workflow.models import ColumnAssignment, DeadlineStatus, DeadlineStatusDirty
from workflow.reporting.dashboard import dashboard

from ..conftest import NOW, burst
from ..factories import World
from .conftest import configure


def _count(engine: Engine, model: type) -> int:
    with Session(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_the_refresh_job_fills_the_summary_the_dashboard_then_uses(
    committed: tuple[Session, World],
    engine: Engine,
    database_url: str,
    redis_client: redis.Redis,
) -> None:
    config = configure(engine, database_url, None)
    assert _count(engine, DeadlineStatusDirty) > 0  # the world's inserts marked columns
    queue = Queue(QUEUE, connection=redis_client)
    for _ in range(2):  # a duplicate tick is harmless
        queue.enqueue(refresh_deadline_status, NOW.isoformat())
    burst(redis_client, queue.name)

    assert _count(engine, DeadlineStatus) == _count(engine, ColumnAssignment) > 0
    assert _count(engine, DeadlineStatusDirty) == 0
    with Session(engine) as s:
        board = dashboard(s, NOW, report_settings(config))
    assert board.freshness.summary_at is not None  # read from the summary, not live
    assert board.freshness.live_columns == 0
