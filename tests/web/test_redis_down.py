"""Logging in does not depend on Redis: with the app's Redis stopped or frozen a wrong
password is refused and the right one logs in (failures are counted in the database,
web.limits; Flask-Limiter, still wired, falls back to memory)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import Engine

from ..redis_process import redis_process
from .support import PASSWORD, build_portal, csrf_token, make_app


@pytest.mark.parametrize("failure", ["stopped", "frozen"])
def test_login_works_when_redis_fails(
    engine: Engine,
    database_url: str,
    tmp_path: Path,
    failure: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with redis_process(tmp_path) as server:
        app = make_app(database_url, server.url, tmp_path / "instance")
        with app.app_context():
            session = app.extensions["sanshen.sessions"]()
            try:
                portal = build_portal(session)
            finally:
                session.close()
        client = app.test_client()
        token = csrf_token(client)
        if failure == "stopped":
            server.stop()
        else:
            server.freeze()
        with caplog.at_level(logging.WARNING):
            wrong = client.post(
                "/login",
                data={"login": portal.logins["head"], "password": "x" * 9, "csrf_token": token},
            )
            right = client.post(
                "/login",
                data={"login": portal.logins["head"], "password": PASSWORD, "csrf_token": token},
            )
        assert wrong.status_code == 401
        assert right.status_code == 302
        app.extensions["sanshen.engine"].dispose()
