"""The `flask` commands of the notifications: leader table import, scan, failed list."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from web import create_app
from workflow.models import Leader, UnitLeader

from ..factories import World
from .conftest import notify_env


def test_leaders_import_command_all_or_nothing(
    committed: tuple[Session, World], engine: Engine, database_url: str, tmp_path: Path
) -> None:
    from config import load_config

    _, world = committed
    app = create_app(load_config(notify_env(database_url, None)))
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.csv"
    bad.write_text(f"单位,分管领导\n{world.unit_a.name},张勇强\n,刘传鸰\n", encoding="utf-8")
    result = runner.invoke(args=["leaders", "import", str(bad)])
    assert result.exit_code != 0 and "bad.csv 第3行：“单位”为空" in result.output
    with Session(engine) as s:
        assert s.execute(select(Leader)).first() is None
    good = tmp_path / "good.csv"
    good.write_text(
        f"单位,分管领导,职务\n{world.unit_a.name},张勇强,副区长\n{world.unit_b.name},张勇强,副区长\n",
        encoding="gb18030",  # saved by Excel on a Chinese Windows
    )
    result = runner.invoke(args=["leaders", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "1 leader(s) for 2 unit(s)" in result.output
    with Session(engine) as s:
        assert len(s.execute(select(UnitLeader)).all()) == 2
    result = runner.invoke(args=["notify", "failed"])
    assert result.exit_code == 0 and "0 failed" in result.output


def test_notify_scan_command_enqueues_what_is_due(
    committed: tuple[Session, World],
    database_url: str,
    redis_url: str,
    tmp_path: Path,
) -> None:
    import redis
    from rq import Queue

    from config import load_config
    from notifications.runtime import QUEUE
    from workflow.enums import State

    from ..factories import item_in_state

    session, world = committed
    from datetime import UTC, datetime, timedelta

    # The command scans at the real clock: an item waiting 20 days is past the stage limit.
    item_in_state(session, world, State.INITIAL_REVIEW, datetime.now(UTC) - timedelta(days=20))
    session.commit()
    env = notify_env(database_url, None, REDIS_URL=redis_url, SANSHEN_INSTANCE_DIR=str(tmp_path))
    app = create_app(load_config(env))
    result = app.test_cli_runner().invoke(args=["notify", "scan"])
    assert result.exit_code == 0, result.output
    enqueued = int(result.output.split(", ")[-1].split()[0])
    assert enqueued >= 1  # at least the deputy head's in-app reminder
    assert Queue(QUEUE, connection=redis.Redis.from_url(redis_url)).count == (enqueued + 49) // 50
