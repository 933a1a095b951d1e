"""The admin's linked columns (发布本栏目信息后，须在以下栏目发布关联信息): the partial the
column page includes lists targets and sources and warns about a target without a
publication rule; adding and removing are logged; refusals change nothing."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask, render_template_string
from sqlalchemy import select
from sqlalchemy.orm import Session

from web import db_session
from workflow.models import AdminEvent, Column, ColumnLink

from ..factories import make_column
from .support import Portal, login, page_token


@contextmanager
def db(app: Flask) -> Iterator[Session]:
    """A short session (the app writes to the same SQLite file between them)."""
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            yield session
            session.commit()
        finally:
            session.close()


@dataclass
class Three:
    """A 文件 column, its 解读 (with a publication rule) and a news column (without)."""

    document: int
    interpretation: int
    news: int
    paths: dict[int, str]


def columns(app: Flask) -> Three:
    suffix = uuid.uuid4().hex[:6]
    with db(app) as session:
        document = make_column(session, [], name=f"部门文件{suffix}")
        interpretation = make_column(session, [], name=f"政策解读{suffix}")
        interpretation.time_requirement = "应于文件公开后3个工作日内公布"
        interpretation.rules = [
            {"kind": "after_event", "within": 3, "unit": "workday", "event": "published"}
        ]
        news = make_column(session, [], name=f"工作动态{suffix}")
        session.flush()
        made = (document, interpretation, news)
        return Three(*(c.id for c in made), paths={c.id: c.path for c in made})


def render(app: Flask, column_id: int) -> str:
    """The partial as the column page will include it."""
    with app.test_request_context("/admin/"):
        column = db_session().get(Column, column_id)
        return render_template_string('{% include "admin/_column_links.html" %}', column=column)


def post(client: object, path: str, **form: str) -> tuple[int, str]:
    _, token = page_token(client, "/admin/import/")  # type: ignore[arg-type]
    response = client.post(path, data={"csrf_token": token, **form})  # type: ignore[attr-defined]
    follow = client.get("/admin/import/").get_data(as_text=True)  # type: ignore[attr-defined]
    return response.status_code, follow


def linked(app: Flask, source: int) -> set[int]:
    with db(app) as session:
        return set(
            session.execute(
                select(ColumnLink.target_id).where(ColumnLink.source_id == source)
            ).scalars()
        )


def test_add_list_warn_and_remove(app: Flask, portal: Portal) -> None:
    made = columns(app)
    document, interpretation, news = made.document, made.interpretation, made.news
    path = made.paths
    client = login(app, portal.logins["admin"])
    html = render(app, document)
    assert "发布本栏目信息后，须在以下栏目发布关联信息" in html
    # The choices offer the 解读 column first, with its rule in words.
    options = re.findall(r'<option value="(\d+)">([^<]*)</option>', html)
    assert options[0] == (
        str(interpretation),
        f"{path[interpretation]}（文件公开后3个工作日内发布）",
    )
    assert (str(news), f"{path[news]}（无“发布后”时限，不宜作关联栏目）") in options

    status, page = post(client, f"/admin/columns/{document}/links", target_id=str(interpretation))
    assert status == 302
    assert f"已添加关联栏目：{path[interpretation]}" in page
    assert "注意：" not in page
    status, page = post(client, f"/admin/columns/{document}/links", target_id=str(news))
    assert status == 302
    assert f"注意：{path[news]} 没有“发布后…内发布”的时限规则" in page
    assert linked(app, document) == {interpretation, news}

    html = render(app, document)
    assert "（文件公开后3个工作日内发布）" in html
    assert "无“发布后…内发布”的时限规则：按及时发布计算期限" in html
    assert path[document] in render(app, interpretation)  # the source, seen from its target

    status, page = post(client, f"/admin/columns/{document}/links/{news}/remove")
    assert status == 302 and f"已移除关联栏目：{path[news]}" in page
    assert linked(app, document) == {interpretation}
    with db(app) as session:
        events = session.execute(
            select(AdminEvent.action, AdminEvent.changes)
            .where(AdminEvent.target_type == "column", AdminEvent.target_id == str(document))
            .order_by(AdminEvent.id)
        ).all()
    assert [(a, c) for a, c in events] == [
        ("column.link_add", {"link": [None, path[interpretation]]}),
        ("column.link_add", {"link": [None, path[news]]}),
        ("column.link_remove", {"link": [path[news], None]}),
    ]
    log = client.get("/admin/log").get_data(as_text=True)
    assert "添加关联栏目" in log and "移除关联栏目" in log


def test_refusals_change_nothing(app: Flask, portal: Portal) -> None:
    made = columns(app)
    document, interpretation = made.document, made.interpretation
    client = login(app, portal.logins["admin"])
    status, page = post(client, f"/admin/columns/{document}/links", target_id=str(document))
    assert status == 302 and "不能关联本栏目自身" in page
    post(client, f"/admin/columns/{document}/links", target_id=str(interpretation))
    status, page = post(client, f"/admin/columns/{interpretation}/links", target_id=str(document))
    assert "不能关联本栏目自身，也不能形成循环关联" in page
    status, page = post(client, f"/admin/columns/{document}/links", target_id="abc")
    assert "请选择要关联的栏目" in page
    status, page = post(client, f"/admin/columns/{document}/links/{document}/remove")
    assert "没有这项关联" in page
    assert post(client, "/admin/columns/999999999/links", target_id="1")[0] == 404
    assert linked(app, document) == {interpretation}
    assert linked(app, interpretation) == set()


def test_only_admins(app: Flask, portal: Portal) -> None:
    made = columns(app)
    client = login(app, portal.logins["editor"])
    response = client.post(
        f"/admin/columns/{made.document}/links", data={"target_id": str(made.interpretation)}
    )
    assert response.status_code in (400, 403)
    assert linked(app, made.document) == set()
