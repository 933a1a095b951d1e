"""A database outage (issue 15, finding 7): every page answers a Chinese 503 that says
nothing was saved, a posted form comes back with what was typed, and /healthz reports
each dependency. The outage is real: the app's sessions point at a PostgreSQL port
where nothing listens (connection refused), then back."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from workflow.db import make_engine, make_session_factory

from .support import Portal, login, page_token, version_on


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends


@contextmanager
def database_down(app: Flask) -> Iterator[None]:
    working = app.extensions["sanshen.request_sessions"]
    dead = make_engine(f"postgresql+psycopg://nobody@127.0.0.1:{_closed_port()}/gone")
    app.extensions["sanshen.request_sessions"] = make_session_factory(dead)
    try:
        yield
    finally:
        app.extensions["sanshen.request_sessions"] = working
        dead.dispose()


def test_an_outage_is_a_503_that_keeps_the_typed_text(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["drafter"])
    path = f"/columns/{portal.column.id}/new"
    _, token = page_token(client, path)
    typed = {
        "csrf_token": token,
        "title": "停电期间写好的标题",
        "kind": "article",
        "body": "一段很长的正文，不能丢。",
    }
    with database_down(app):
        page = client.get("/columns")
        posted = client.post(path, data=typed)
    assert page.status_code == 503
    assert "数据库暂时无法连接" in page.get_data(as_text=True)
    html = posted.get_data(as_text=True)
    assert posted.status_code == 503
    assert "此次操作没有保存" in html
    assert "停电期间写好的标题" in html and "一段很长的正文，不能丢。" in html
    # Back up: the same client carries on, and the item was never made.
    assert client.get("/columns").status_code == 200
    assert "停电期间写好的标题" not in client.get("/columns").get_data(as_text=True)


def test_an_outage_during_an_edit_keeps_the_typed_text(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["drafter"])
    path = f"/columns/{portal.column.id}/new"
    _, token = page_token(client, path)
    made = client.post(
        path, data={"csrf_token": token, "title": "原标题", "kind": "article", "body": "原文"}
    )
    item_id = int(made.location.rstrip("/").rsplit("/", 1)[1])
    html, token = page_token(client, f"/items/{item_id}/edit")
    edit = {
        "csrf_token": token,
        "version": str(version_on(html)),
        "title": "改过的标题",
        "body": "改过的正文",
    }
    with database_down(app):
        posted = client.post(f"/items/{item_id}/edit", data=edit)
    assert posted.status_code == 503
    assert "改过的正文" in posted.get_data(as_text=True)


def test_healthz_reports_each_dependency(app: Flask, portal: Portal) -> None:
    client = app.test_client()
    up = client.get("/healthz")
    assert up.status_code == 200
    assert up.json is not None
    assert up.json["database"] == "ok" and up.json["redis"] == "ok"
    assert isinstance(up.json["workers"], int)
    with database_down(app):
        down = client.get("/healthz")
    assert down.status_code == 503
    assert down.json is not None and down.json["database"] == "error: OperationalError"
