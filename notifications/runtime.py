"""What a job needs in a worker process — config, database engine, channels — built once
per process from the environment (or handed in by tests and the benchmark)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from config import Config, load_config
from notifications.channels import Channel, build_channels
from workflow.db import make_engine, make_session_factory

QUEUE = "sanshen"


@dataclass
class Runtime:
    config: Config
    engine: Engine
    sessions: sessionmaker[Session]
    channels: dict[str, Channel]


_current: Runtime | None = None


def configure(config: Config, engine: Engine | None = None) -> Runtime:
    global _current
    engine = engine or make_engine(config.DATABASE_URL, pool_pre_ping=True)
    sessions = make_session_factory(engine, config.AUDIT_HASH)
    _current = Runtime(config, engine, sessions, build_channels(config.NOTIFY))
    return _current


def get() -> Runtime:
    """The process's runtime; built from the environment on first use (rq workers)."""
    return _current or configure(load_config())


def reset() -> None:
    global _current
    _current = None


def utcnow() -> datetime:
    return datetime.now(UTC)
