"""Fixtures of the web tests: the app on the test database, Redis, a small portal."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import Engine

from notifications.redis_conn import connect
from web.events import add_handler

from ..conftest import wipe
from .support import Portal, build_portal, make_app


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("TEST_REDIS_URL")
    client, embedded = connect(url, tmp_path_factory.mktemp("redis"))
    try:
        yield url or (embedded.url if embedded else "")
    finally:
        client.flushdb()  # only this run's database number (see .ci/run)
        if embedded is not None:
            embedded.shutdown()


@pytest.fixture(scope="module")
def app(
    engine: Engine, database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Flask]:
    application = make_app(
        database_url,
        redis_url,
        tmp_path_factory.mktemp("instance"),
        ATTACHMENT_MAX_BYTES=64 * 1024,
        LOGIN_LIMIT_PER_ADDRESS="8 per 15 minutes",  # the default is 20: fewer slow hashes
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
