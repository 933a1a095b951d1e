"""The upload's dry run within bounds: a file past a limit is refused with a message
naming it, and while a large file is read other requests and jobs can still write."""

from __future__ import annotations

import dataclasses
import io
import sqlite3
import threading
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from workflow.importer import ImportLimits, plan

from ..importer_fixtures import build_xlsx, seed_002
from .support import Portal, login, page_token

PAGE = "/admin/import/"


def upload(client: FlaskClient, name: str, data: bytes) -> tuple[int, str]:
    _, token = page_token(client, PAGE)
    response = client.post(
        PAGE,
        data={"csrf_token": token, "file": (io.BytesIO(data), name), "root": ""},
        content_type="multipart/form-data",
    )
    return response.status_code, response.get_data(as_text=True)


def test_a_table_past_the_configured_limits_is_refused_by_name(
    app: Flask, portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = dataclasses.replace(app.config["SANSHEN"], IMPORT_LIMITS=ImportLimits(max_rows=5))
    monkeypatch.setitem(app.config, "SANSHEN", config)
    client = login(app, portal.logins["admin"])
    status, html = upload(client, "大表.xlsx", build_xlsx(seed_002()))
    assert status == 422
    assert "文件「大表.xlsx」" in html and "超过 5 行的上限" in html
    assert "确认导入" not in html


def test_other_connections_can_write_while_a_dry_run_reads_the_file(
    app: Flask, portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = make_url(app.config["SANSHEN"].DATABASE_URL)
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's write lock; PostgreSQL readers never block writers")
    reading, release = threading.Event(), threading.Event()
    original = plan.read_tables

    def slow_read(*args: Any, **kwargs: Any) -> Any:
        reading.set()  # the dry run is inside the read of the file: hold it there
        release.wait(timeout=60)
        return original(*args, **kwargs)

    monkeypatch.setattr(plan, "read_tables", slow_read)
    client = login(app, portal.logins["admin"])
    data = build_xlsx(seed_002())
    result: list[int] = []
    dry_run = threading.Thread(
        target=lambda: result.append(upload(client, "栏目报送表.xlsx", data)[0])
    )
    dry_run.start()
    try:
        assert reading.wait(timeout=60)
        # Another request or an RQ job: a write of its own, with a short busy timeout.
        other = sqlite3.connect(url.database or "", timeout=2)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE units SET name = name WHERE id = (SELECT min(id) FROM units)")
            other.commit()
        finally:
            other.close()
    finally:
        release.set()
        dry_run.join(timeout=120)
    assert result == [200]
