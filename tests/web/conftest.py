"""Fixtures of the web tests: the app on the test database, Redis, a small portal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from flask import Flask
from sqlalchemy import Engine

from web.events import add_handler

from ..conftest import wipe
from .browser import browser, server, shots  # noqa: F401  (the browser tests' fixtures)
from .support import Portal, build_portal, make_app


@pytest.fixture(scope="module")
def redis_url(redis_server: str) -> Iterator[str]:
    """The run's Redis; each app's limiter keys carry a prefix of their own, and the
    module starts and ends with it empty."""
    client = redis.Redis.from_url(redis_server)
    client.flushdb()
    try:
        yield redis_server
    finally:
        client.flushdb()
        client.close()


@pytest.fixture(scope="module")
def app(
    engine: Engine, database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    application = make_app(
        database_url,
        redis_url,
        tmp_path_factory.mktemp("instance"),
        ATTACHMENT_MAX_BYTES=64 * 1024,
        LOGIN_ADDRESS_FREE_FAILURES=8,  # the default is 20: fewer slow hashes
    )
    yield application
    application.extensions["sanshen.engine"].dispose()
    wipe(engine)


@pytest.fixture(scope="module")
def portal(app: Flask) -> Portal:
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            built = build_portal(session)
        finally:
            session.close()
    add_handler(app, built.events.extend)
    return built
