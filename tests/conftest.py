"""Shared fixtures: a real database (SQLite file by default, PostgreSQL when
TEST_DATABASE_URL is set), built by the Alembic migrations once per run, and sessions
that roll back after each test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, make_url, text
from sqlalchemy.orm import Session

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
    """Remove every row (tests that commit clean up after themselves)."""
    with engine.begin() as conn:
        bypass_triggers(conn)
        conn.execute(text("UPDATE items SET obligation_id = NULL"))  # items ⇄ obligations
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
        # Tables the triggers on items fill (SQLite runs them while deleting items).
        conn.execute(text("DELETE FROM item_state_counts"))
        conn.execute(text("DELETE FROM deadline_status_dirty"))


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
def blob_root(tmp_path: Path) -> Path:
    return tmp_path / "blobs"
