"""The admin's responsibility-table upload: a dry-run preview that writes nothing, then
apply of exactly the previewed file in one transaction; bad files refused with a Chinese
message naming the file; only admins may use it."""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from workflow.models import Column

from ..importer_fixtures import build_xlsx, seed_002
from .support import Portal, login, page_token

PAGE = "/admin/import/"


def _columns(app: Flask) -> int:
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            return int(session.scalar(select(func.count(Column.id))) or 0)
        finally:
            session.close()


def _upload(client: FlaskClient, name: str, data: bytes) -> tuple[int, str]:
    _, token = page_token(client, PAGE)
    response = client.post(
        PAGE,
        data={"csrf_token": token, "file": (io.BytesIO(data), name), "root": ""},
        content_type="multipart/form-data",
    )
    return response.status_code, response.get_data(as_text=True)


def test_preview_writes_nothing_then_apply_imports_the_previewed_file(
    app: Flask, portal: Portal
) -> None:
    client = login(app, portal.logins["admin"])
    before = _columns(app)
    status, html = _upload(client, "2026年栏目报送表.xlsx", build_xlsx(seed_002()))
    assert status == 200, html[:500]
    assert "预览（尚未写入）" in html and "确认导入" in html
    added = int(re.search(r"新增 (\d+)，变更", html).group(1))  # type: ignore[union-attr]
    assert added > 0
    assert _columns(app) == before  # the preview wrote nothing

    sha = re.search(r'name="sha" value="([0-9a-f]{64})"', html).group(1)  # type: ignore[union-attr]
    _, token = page_token(client, PAGE)
    response = client.post(f"{PAGE}apply", data={"csrf_token": token, "sha": sha})
    assert response.status_code == 302
    assert _columns(app) == before + added
    done = client.get(PAGE).get_data(as_text=True)
    assert f"新增栏目 {added} 个" in done

    # The same file again: nothing would change.
    status, html = _upload(client, "2026年栏目报送表.xlsx", build_xlsx(seed_002()))
    assert status == 200
    assert "与数据库相比没有变化" in html


def test_a_bad_file_is_refused_by_name_and_nothing_is_written(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["admin"])
    before = _columns(app)
    status, html = _upload(client, "责任表.xlsx", "这不是表格".encode())
    assert status == 422
    assert "责任表.xlsx" in html
    assert "确认导入" not in html
    assert _columns(app) == before


def test_apply_needs_the_file_this_session_previewed(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["admin"])
    _, token = page_token(client, PAGE)
    response = client.post(f"{PAGE}apply", data={"csrf_token": token, "sha": "0" * 64})
    assert response.status_code == 302
    assert "没有找到待导入的文件" in client.get(PAGE).get_data(as_text=True)


def test_only_admins_may_import(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["drafter"])
    assert client.get(PAGE).status_code == 403


def test_columns_missing_from_a_new_version_are_kept_unless_the_admin_asks(
    app: Flask, portal: Portal
) -> None:
    import copy

    client = login(app, portal.logins["admin"])
    full = seed_002()
    shorter = copy.deepcopy(full)
    dropped = 3
    shorter[0].rows = shorter[0].rows[:-dropped]

    def preview(data: bytes, retire: bool) -> str:
        _, token = page_token(client, PAGE)
        form = {"csrf_token": token, "file": (io.BytesIO(data), "新版.xlsx"), "root": "测试门户"}
        if retire:
            form["retire_missing"] = "on"
        response = client.post(PAGE, data=form, content_type="multipart/form-data")
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return response.get_data(as_text=True)

    def apply(html: str) -> None:
        sha = re.search(r'name="sha" value="([0-9a-f]{64})"', html).group(1)  # type: ignore[union-attr]
        _, token = page_token(client, PAGE)
        assert (
            client.post(f"{PAGE}apply", data={"csrf_token": token, "sha": sha}).status_code == 302
        )

    def retired() -> int:
        with app.app_context():
            session = app.extensions["sanshen.sessions"]()
            try:
                return int(
                    session.scalar(
                        select(func.count(Column.id)).where(
                            Column.path.startswith("测试门户"), Column.retired_at.is_not(None)
                        )
                    )
                    or 0
                )
            finally:
                session.close()

    apply(preview(build_xlsx(full), retire=False))
    kept = preview(build_xlsx(shorter), retire=False)
    assert "文件中没有、保持不变的栏目" in kept and "文件中没有，保留" in kept
    apply(kept)
    assert retired() == 0
    html = preview(build_xlsx(shorter), retire=True)
    assert "将停用文件中没有的栏目" in html
    count = int(re.search(r"停用 (\d+)，不变", html).group(1))  # type: ignore[union-attr]
    assert count > 0
    apply(html)
    assert retired() == count


def test_a_preview_never_applied_is_removed_after_a_day(app: Flask, portal: Portal) -> None:
    import os
    import time
    from pathlib import Path

    folder = Path(app.config["SANSHEN"].INSTANCE_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    old = folder / ("a" * 64)
    old.write_bytes(b"left over")
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    client = login(app, portal.logins["admin"])
    status, _ = _upload(client, "栏目报送表.xlsx", build_xlsx(seed_002()))
    assert status == 200
    assert not old.exists()
    assert any(folder.iterdir())  # this preview's file waits for its apply
