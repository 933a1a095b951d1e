"""The SQLite demo under 20 concurrent users (issue 15, finding 11): logins, page views
and writes at once, and not one "database is locked".

Always on a SQLite file of its own (the demo's database), whatever TEST_DATABASE_URL
says. Each user is a thread with its own test client against one app, as the threaded
development server of `make run` serves them. The lock timeout is 5 s instead of 30:
with every request holding the write lock while it rendered a page or hashed a
password, 20 users queued longer than that; a write transaction alone takes
milliseconds."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from workflow import migrate
from workflow.accounts import create_user
from workflow.enums import Role
from workflow.models import ColumnAssignment, Unit

from .support import PASSWORD, build_portal, csrf_token, make_app, page_token

USERS = 20
ITEM_ID = re.compile(r"/items/(\d+)")


@pytest.fixture(scope="module")
def demo_app(
    tmp_path_factory: pytest.TempPathFactory, redis_url: str
) -> tuple[Flask, int, list[str]]:
    folder = tmp_path_factory.mktemp("sqlite-load")
    url = f"sqlite:///{folder / 'demo.db'}"
    migrate.upgrade(url)
    app = make_app(url, redis_url, folder, ENGINE_OPTIONS={"connect_args": {"timeout": 5}})
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            portal = build_portal(session)
            unit = session.execute(
                select(Unit)
                .join(ColumnAssignment, ColumnAssignment.unit_id == Unit.id)
                .where(ColumnAssignment.column_id == portal.column.id)
            ).scalar_one()
            logins = []
            for n in range(USERS):
                user = create_user(
                    session,
                    login=f"load{n}",
                    name=f"报送员{n}",
                    unit=unit,
                    roles=[Role.DRAFTER],
                    now=datetime.now(UTC),
                    password=PASSWORD,
                )
                logins.append(user.login)
            session.commit()
            column_id = portal.column.id
        finally:
            session.close()
    return app, column_id, logins


def _user_session(app: Flask, login: str, column_id: int, start: threading.Barrier) -> list[str]:
    """One user's visit; what went wrong (a status ≥ 500 or an exception)."""
    problems: list[str] = []
    client = app.test_client()

    def check(what: str, status: int) -> None:
        if status >= 500:
            problems.append(f"{login} {what}: {status}")

    try:
        token = csrf_token(client)
        start.wait(timeout=120)
        response = client.post(
            "/login", data={"login": login, "password": PASSWORD, "csrf_token": token}
        )
        check("login", response.status_code)
        for page in ("/", "/columns", "/messages/", f"/columns/{column_id}"):
            check(page, client.get(page).status_code)
        _, token = page_token(client, f"/columns/{column_id}/new")
        created = client.post(
            f"/columns/{column_id}/new",
            data={
                "csrf_token": token,
                "title": f"{login}的稿件",
                "kind": "article",
                "body": "正文",
            },
        )
        check("new item", created.status_code)
        if match := ITEM_ID.search(created.location or ""):
            check("item page", client.get(f"/items/{match[1]}").status_code)
        check("mark read", client.post("/messages/read", data={"csrf_token": token}).status_code)
    except Exception as exc:  # "database is locked" propagates in TESTING
        problems.append(f"{login}: {type(exc).__name__}: {exc}")
    return problems


def test_twenty_users_at_once_see_no_database_is_locked(
    demo_app: tuple[Flask, int, list[str]],
) -> None:
    app, column_id, logins = demo_app
    start = threading.Barrier(USERS)
    results: dict[str, list[str]] = {}

    def visit(login: str) -> None:
        results[login] = _user_session(app, login, column_id, start)

    threads = [threading.Thread(target=visit, args=(login,)) for login in logins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)
    assert len(results) == USERS, "a user's visit did not finish"
    problems = [p for found in results.values() for p in found]
    assert not problems, "\n".join(problems)
    app.extensions["sanshen.engine"].dispose()
