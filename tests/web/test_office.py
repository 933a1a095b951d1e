"""The office editor's pages: publish at a set time (and the scan that carries it out),
retract with a reason, the published list; a drafter revising a published item sees the
diff against the published revision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy.orm import Session

from workflow import runner, services
from workflow.enums import State
from workflow.models import Item
from workflow.scheduling import publish_due

from ..services import act
from .support import Portal, login, page_token, user_of, version_on


def _in_office_review(app: Flask, portal: Portal, title: str) -> int:
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        now = datetime.now(UTC)
        item = services.create_item(
            session,
            actor=user_of(session, portal, "drafter"),
            column_id=portal.column.id,
            kind="article",
            title=title,
            body="<p>第一版正文</p>",
            now=now,
        ).value
        steps = [
            (services.submit, "drafter", {}),
            (services.approve, "deputy", {"confidentiality_checked": True}),
            (services.approve, "head", {}),
        ]
        for service, who, extra in steps:
            act(session, service, item, by=user_of(session, portal, who), now=now, **extra)
        session.commit()
        item_id = item.id
        session.close()
        return item_id


def _state(app: Flask, item_id: int) -> str:
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        item = session.get(Item, item_id)
        assert item is not None
        state = item.state
        session.close()
        return state


def test_publish_at_a_set_time(app: Flask, portal: Portal) -> None:
    item_id = _in_office_review(app, portal, "定时发布的公告")
    editor = login(app, portal.logins["editor"])
    html, token = page_token(editor, f"/items/{item_id}")
    assert "审发并定时发布" in html
    past = editor.post(
        f"/items/{item_id}/schedule",
        data={"csrf_token": token, "version": version_on(html), "publish_at": "2020-01-01T09:00"},
    )
    assert past.status_code == 422 and "发布时间须晚于当前时间" in past.get_data(as_text=True)
    when = (datetime.now(UTC) + timedelta(days=1)).astimezone().strftime("%Y-%m-%dT%H:%M")
    ok = editor.post(
        f"/items/{item_id}/schedule",
        data={"csrf_token": token, "version": version_on(html), "publish_at": when},
    )
    assert ok.status_code == 302
    page = editor.get(f"/items/{item_id}").get_data(as_text=True)
    assert "定时发布。" in page and "取消定时发布" in page
    assert "定时发布的公告" in editor.get("/published").get_data(as_text=True)
    assert _state(app, item_id) == State.OFFICE_REVIEW
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        later = datetime.now(UTC) + timedelta(days=2)
        events = runner.run(session, publish_due, actor=None, now=later).events
        session.close()
    assert any(getattr(e, "item_id", None) == item_id for e in events)
    assert _state(app, item_id) == State.PUBLISHED


def test_retract_needs_a_reason_and_revise_diffs_against_the_published(
    app: Flask, portal: Portal
) -> None:
    item_id = _in_office_review(app, portal, "将被修订的公告")
    editor = login(app, portal.logins["editor"])
    html, token = page_token(editor, f"/items/{item_id}")
    r = editor.post(
        f"/items/{item_id}/approve", data={"csrf_token": token, "version": version_on(html)}
    )
    assert r.status_code == 302 and _state(app, item_id) == State.PUBLISHED

    drafter = login(app, portal.logins["drafter"])
    html, token = page_token(drafter, f"/items/{item_id}")
    r = drafter.post(
        f"/items/{item_id}/revise", data={"csrf_token": token, "version": version_on(html)}
    )
    assert r.status_code == 302 and r.location.endswith(f"/items/{item_id}/edit")
    form_html, token = page_token(drafter, r.location)
    r = drafter.post(
        r.location,
        data={
            "csrf_token": token,
            "version": version_on(form_html),
            "title": "将被修订的公告",
            "body": "第二版正文，更正了日期",
            "save": "1",
        },
    )
    assert r.status_code == 302
    page = drafter.get(f"/items/{item_id}").get_data(as_text=True)
    assert "与已发布版本（第1版）的差异" in page and "第二版正文，更正了日期" in page
    assert "已发布的第1版在本版本审发通过前保持在线" in page

    html, token = page_token(editor, f"/items/{item_id}")
    r = editor.post(
        f"/items/{item_id}/retract", data={"csrf_token": token, "version": version_on(html)}
    )
    assert r.status_code == 302 and r.location == f"/items/{item_id}#retract"
    assert "请填写意见" in editor.get(r.location).get_data(as_text=True)
    r = editor.post(
        f"/items/{item_id}/retract",
        data={"csrf_token": token, "version": version_on(html), "comment": "信息有误，撤下"},
    )
    assert r.status_code == 302 and _state(app, item_id) == State.RETRACTED
