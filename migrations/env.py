"""Alembic environment: the URL comes from the caller or from config.load_config()."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from config import load_config
from workflow.db import make_engine
from workflow.models import Base

target_metadata = Base.metadata


def _url() -> str:
    url = context.config.get_main_option("sqlalchemy.url")
    return url or load_config().DATABASE_URL


def run_migrations_offline() -> None:
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                # A table copied by a migration (SQLite alters tables by copying them)
                # would break the foreign keys of the rows referring to it while the old
                # table is dropped: checked once all is done instead. Set on the DBAPI
                # connection, outside any transaction (inside one it is a no-op).
                _pragma(conn, "PRAGMA foreign_keys=OFF")
            _run(conn)
            if sqlite:
                broken = _pragma(conn, "PRAGMA foreign_key_check")
                _pragma(conn, "PRAGMA foreign_keys=ON")
                if broken:
                    raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
    finally:
        engine.dispose()


def _pragma(conn: Connection, statement: str) -> list[object]:
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        cursor.execute(statement)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
