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
        # Seconds a statement waits for another connection's write lock.
        timeout = kwargs.setdefault("connect_args", {}).setdefault("timeout", 30)
        engine = create_engine(url, **kwargs)
        memory = ":memory:" in url or url.rstrip("/") == "sqlite:"
        _configure_sqlite(engine, memory=memory, busy_ms=int(timeout * 1000))
        return engine
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine, memory: bool, busy_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Read-mostly sessions (web requests, long scans) ask for a deferred BEGIN: a WAL
        # snapshot, no write lock; `begin_write` then asks for IMMEDIATE before writing.
        options = conn.get_execution_options()
        deferred = options.get("sqlite_deferred") and not options.get("sqlite_immediate")
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def reading_engine(engine: Engine) -> Engine:
    """The engine for sessions that mostly read (a web request): on SQLite their
    transactions begin deferred, so a request holds no write lock while it renders a
    page or checks a password (with every transaction IMMEDIATE, 20 users queued behind
    one another until busy_timeout ran out: "database is locked"). Their writes go
    through `begin_write`. Other databases: the engine itself."""
    if engine.dialect.name != "sqlite":
        return engine
    return engine.execution_options(sqlite_deferred=True)


def begin_write(session: Session) -> None:
    """Make the session's next statements one write transaction that holds SQLite's
    write lock from its BEGIN. A deferred read transaction cannot be upgraded safely:
    when another writer committed since it began, SQLite answers SQLITE_BUSY at once
    (busy_timeout does not apply). So a read transaction with nothing pending is ended
    first (reads only: nothing to lose) and the next one begins IMMEDIATE. Elsewhere,
    and on sessions that are already IMMEDIATE, this does nothing."""
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        options = session.connection().get_execution_options()
        if not options.get("sqlite_deferred") or options.get("sqlite_immediate"):
            return  # already holds the write lock
        if session.new or session.dirty or session.deleted:
            return  # unsaved changes belong to the write: keep them in its transaction
        session.commit()
    session.connection(execution_options={"sqlite_immediate": True})


def make_session_factory(engine: Engine, audit_hash: str = hashes.DEFAULT) -> sessionmaker[Session]:
    """Sessions on `engine`; the audit rows they write are hashed with `audit_hash`
    (configuration AUDIT_HASH, carried in `Session.info`, read by workflow.audit)."""
    # expire_on_commit=False: events and objects stay readable after the caller commits.
    return sessionmaker(
        bind=engine,
        expire_on_commit=False,
        info={hashes.SESSION_KEY: hashes.check(audit_hash)},
    )
