"""Logging in does not depend on Redis: with the throttle's Redis stopped or frozen the
limiter falls back to memory (and logs it), and the login still works."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import Engine

from web.limits import in_fallback

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
        was_in_fallback = in_fallback()
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
        # Logged when the limiter falls back; an earlier app of this process (one Limiter
        # serves them all) may have left it counting in memory already.
        assert in_fallback()
        assert "falling back to in-memory storage" in caplog.text or was_in_fallback
        app.extensions["sanshen.engine"].dispose()
