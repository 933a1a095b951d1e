"""Engines and sessions. Nothing connects until a function here is called."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from workflow import hashes


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets real transactions and foreign keys.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT, so (per the
    SQLAlchemy SQLite docs) we emit BEGIN ourselves. BEGIN IMMEDIATE takes the write
    lock up front: concurrent writers (web + worker) queue on busy_timeout instead of
    failing on a stale snapshot. WAL lets readers outside a transaction proceed.
    """
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {}).setdefault("timeout", 30)
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine, memory=":memory:" in url or url.rstrip("/") == "sqlite:")
        return engine
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine, memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Long read-only scans ask for a deferred BEGIN: a WAL snapshot, no write lock.
        deferred = conn.get_execution_options().get("sqlite_deferred")
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def make_session_factory(engine: Engine, audit_hash: str = hashes.DEFAULT) -> sessionmaker[Session]:
    """Sessions on `engine`; the audit rows they write are hashed with `audit_hash`
    (configuration AUDIT_HASH, carried in `Session.info`, read by workflow.audit)."""
    # expire_on_commit=False: events and objects stay readable after the caller commits.
    return sessionmaker(
        bind=engine,
        expire_on_commit=False,
        info={hashes.SESSION_KEY: hashes.check(audit_hash)},
    )
