"""What the office decides on the import preview: the rules in its own words (待确认,
confirmed with one checkbox), the day responsibility starts, which near-duplicate unit
names are one unit, which proposed links to make."""

from __future__ import annotations

import html as entities
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import openpyxl
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.models import AdminEvent, Column, ColumnAssignment, ColumnLink, Unit

from ..importer_fixtures import build_xlsx, seed_002
from .support import Portal, login, page_token

PAGE = "/admin/import/"


@contextmanager
def db(app: Flask) -> Iterator[Session]:
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            yield session
        finally:
            session.close()


def upload(client: FlaskClient, name: str, data: bytes, root: str) -> str:
    _, token = page_token(client, PAGE)
    response = client.post(
        PAGE,
        data={"csrf_token": token, "file": (io.BytesIO(data), name), "root": root},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def apply(client: FlaskClient, html: str, **form: object) -> tuple[int, str]:
    sha = re.search(r'name="sha" value="([0-9a-f]{64})"', html).group(1)  # type: ignore[union-attr]
    _, token = page_token(client, PAGE)
    response = client.post(f"{PAGE}apply", data={"csrf_token": token, "sha": sha, **form})
    return response.status_code, response.get_data(as_text=True)


def since_on(html: str) -> str:
    match = re.search(r'name="responsible_since" value="([0-9-]+)"', html)
    assert match, "no 责任起始日期 on the preview"
    return match.group(1)


def test_rules_in_words_since_and_confirmation(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["admin"])
    html = upload(client, "保障表.xlsx", build_xlsx(seed_002()), "大冶")
    # The rules as the office says them, each 待确认, and the form's choices.
    assert "每月至少发布1条" in html and "待确认" in html and "{&#34;kind" not in html
    assert "我已核对以上规则，全部确认" in html
    assert date.fromisoformat(since_on(html))
    # The unit proposals of seed 002, ticked: 市发改局 is 市发改委, 市医保局 市医疗保障局.
    assert re.findall(r'name="merge" value="([^"]+)" checked', html) == ["市发改局", "市医保局"]

    # A day that is no date: the preview again, with the message, nothing written.
    status, page = apply(client, html, responsible_since="2026-13-01", merge=["市发改局"])
    assert status == 422 and "责任起始日期无效" in page and "确认导入" in page
    with db(app) as session:
        assert session.scalar(select(Column.id).where(Column.path == "大冶/政策文件")) is None

    # Unticking 市医保局 keeps it apart; the table took effect on 1 January; confirmed.
    status, _ = apply(
        client,
        html,
        responsible_since="2026-01-01",
        proposed=["市发改局", "市医保局"],
        merge=["市发改局"],
        confirm_rules="on",
    )
    assert status == 302
    done = client.get(PAGE).get_data(as_text=True)
    assert "时限规则已确认，自 2026-01-01 起计算期限" in done
    with db(app) as session:
        units = set(session.execute(select(Unit.name)).scalars())
        assert {"市发改委", "市医疗保障局", "市医保局"} <= units and "市发改局" not in units
        columns = list(session.execute(select(Column).where(Column.path.like("大冶/%"))).scalars())
        with_rules = [c for c in columns if c.rules]
        assert with_rules and all(c.rules_confirmed for c in with_rules)
        assert all(c.rules_confirmed_by_id == portal.ids["admin"] for c in with_rules)
        since = set(
            session.execute(
                select(ColumnAssignment.responsible_since).where(
                    ColumnAssignment.column_id.in_([c.id for c in columns])
                )
            ).scalars()
        )
        assert since == {date(2026, 1, 1)}
        event = (
            session.execute(
                select(AdminEvent)
                .where(AdminEvent.action == "import.apply")
                .order_by(AdminEvent.id.desc())
            )
            .scalars()
            .first()
        )
        assert event is not None
        assert event.changes["responsible_since"] == [None, "2026-01-01"]
        assert event.changes["rules_confirmed"] == [None, True]


def test_unconfirmed_rules_are_said_after_apply(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["admin"])
    html = upload(client, "保障表.xlsx", build_xlsx(seed_002()), "阳新")
    status, _ = apply(client, html, responsible_since=since_on(html))
    assert status == 302
    done = client.get(PAGE).get_data(as_text=True)
    assert "个栏目的时限规则待确认" in done
    with db(app) as session:
        columns = session.execute(select(Column).where(Column.path.like("阳新/%"))).scalars()
        assert not any(c.rules_confirmed for c in columns)


def linked_table() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["一级栏目", "二级栏目", "保障单位", "时限要求"])
    sheet.append(["政策法规", "政府文件", "区司法局", "即时发布"])
    sheet.append(["政策法规", "部门文件", "区司法局", "即时发布"])
    sheet.append(["政策法规", "政策解读", "区司法局", "应于文件公开后3个工作日内公布"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_proposed_links_are_made_only_when_ticked(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["admin"])
    html = upload(client, "政策.xlsx", linked_table(), "钟楼")
    values = re.findall(r'name="link" value="([^"]+)"', html)
    assert len(values) == 2 and "checked" not in html.split('name="link"')[1][:80]
    assert "钟楼 / 政策法规 / 部门文件 → 钟楼 / 政策法规 / 政策解读" in html
    ticked = entities.unescape(values[1])  # 部门文件 → 政策解读
    status, _ = apply(client, html, responsible_since="2026-01-01", link=[ticked, "not json"])
    assert status == 302
    with db(app) as session:
        paths = {c.id: c.path for c in session.execute(select(Column)).scalars()}
        links = {
            (paths[s], paths[t])
            for s, t in session.execute(select(ColumnLink.source_id, ColumnLink.target_id))
        }
        assert links == {("钟楼/政策法规/部门文件", "钟楼/政策法规/政策解读")}
