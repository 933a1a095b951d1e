"""The "sent" marks' connection commits without waiting for the disk, and hands the
pooled connection back with the durable default restored."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.pool import QueuePool

from notifications.ledger import lazy_marks
from workflow.db import make_engine


def test_lazy_marks_commit_lazily_and_restore_the_pooled_connection(
    engine: Engine, database_url: str
) -> None:
    if engine.dialect.name != "postgresql":
        with lazy_marks(engine) as lazy:
            assert lazy is None  # SQLite: the caller marks in its own session
        return
    # One pooled connection, so the one handed out afterwards is the same.
    single = make_engine(database_url, poolclass=QueuePool, pool_size=1, max_overflow=0)
    try:
        with single.connect() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        with lazy_marks(single) as lazy:
            assert lazy is not None
            assert lazy.exec_driver_sql("SHOW synchronous_commit").scalar_one() == "off"
            assert lazy.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() == pid
        with single.connect() as conn:
            assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() == pid
            assert conn.exec_driver_sql("SHOW synchronous_commit").scalar_one() == "on"
    finally:
        single.dispose()


def test_a_lazy_connection_that_cannot_be_reset_is_not_handed_back(
    engine: Engine, database_url: str
) -> None:
    """Review: a failed RESET must not return a non-durable connection to the pool,
    where the next hand-over would use it."""
    if engine.dialect.name != "postgresql":
        return
    single = make_engine(database_url, poolclass=QueuePool, pool_size=1, max_overflow=0)
    try:
        with lazy_marks(single) as lazy:
            assert lazy is not None
            pid = lazy.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            with engine.connect() as other:
                other.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
        with single.connect() as conn:
            assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one() != pid
            assert conn.exec_driver_sql("SHOW synchronous_commit").scalar_one() == "on"
    finally:
        single.dispose()
