"""The pages through Flask's test client on committed data: login and its throttle,
cookies, CSRF, the item form's refusals (nothing typed is lost), permissions, the stale
page, languages, and events leaving only after the commit."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from web import create_app
from web.errors import workflow_message
from workflow.accounts import create_user
from workflow.enums import Role, State
from workflow.errors import ValidationFailed
from workflow.models import Attachment, Item, Revision, User

from .support import PASSWORD, Portal, csrf_token, login, make_app, page_token, version_on


def _new_item(app: Flask, portal: Portal, title: str = "秋季招生公告", **extra: object) -> int:
    client = login(app, portal.logins["drafter"])
    path = f"/columns/{portal.column.id}/new"
    _, token = page_token(client, path)
    data = {"csrf_token": token, "title": title, "kind": "article", "body": "正文", **extra}
    response = client.post(path, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.location.rstrip("/").rsplit("/", 1)[1])


def _item(app: Flask, item_id: int) -> Item:
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        item = session.get(Item, item_id)
        assert item is not None
        session.expunge_all()
        session.close()
        return item


def test_login_pages_cookies_and_a_fresh_session(app: Flask, portal: Portal) -> None:
    client = app.test_client()
    assert client.get("/inbox").status_code == 302  # to the login page
    page = client.get("/login")
    html = page.get_data(as_text=True)
    assert '<label for="login">用户名</label>' in html and 'lang="zh-CN"' in html
    before = csrf_token(client)
    response = client.post(
        "/login",
        data={"login": portal.logins["deputy"], "password": PASSWORD, "csrf_token": before},
    )
    assert response.status_code == 302 and response.location == "/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    # The anonymous session (and its CSRF token) did not survive the login.
    after = csrf_token(client, "/inbox")
    assert after != before
    assert client.get("/").location == "/inbox"
    # Over HTTPS the cookie is Secure.
    secure = app.test_client()
    token = csrf_token(secure)
    response = secure.post(
        "/login",
        data={"login": portal.logins["deputy"], "password": PASSWORD, "csrf_token": token},
        base_url="https://localhost",
    )
    assert "Secure" in response.headers["Set-Cookie"]


def test_wrong_password_is_refused_and_logout_ends_the_session(app: Flask, portal: Portal) -> None:
    client = app.test_client()
    token = csrf_token(client)
    bad = client.post(
        "/login",
        data={"login": portal.logins["head"], "password": "nope-nope", "csrf_token": token},
    )
    assert bad.status_code == 401 and "用户名或密码错误" in bad.get_data(as_text=True)
    client = login(app, portal.logins["head"])
    _, token = page_token(client, "/inbox")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/inbox").status_code == 302


def test_login_throttling_per_login_and_address(app: Flask, portal: Portal) -> None:
    """Issue 15 finding 8: failures wait per (login, address), never lock the login
    from another address (tests/web/test_accounts_security.py has the growing delays).
    The clock stands still here, so every wait is still running."""
    frozen = datetime.now(UTC)
    app.config["SANSHEN_CLOCK"] = lambda: frozen
    try:
        victim = portal.logins["drafter2"]
        statuses = []
        for _ in range(5):
            client = app.test_client()
            r = client.post(
                "/login",
                data={"login": victim, "password": "wrong-guess", "csrf_token": csrf_token(client)},
                environ_base={"REMOTE_ADDR": "10.0.0.1"},
            )
            statuses.append(r.status_code)
            text = r.get_data(as_text=True)
        assert statuses == [401, 401, 401, 429, 429]
        assert "登录失败次数过多" in text
        # From another address, the right password opens the account at once.
        client = app.test_client()
        r = client.post(
            "/login",
            data={"login": victim, "password": PASSWORD, "csrf_token": csrf_token(client)},
            environ_base={"REMOTE_ADDR": "10.0.0.2"},
        )
        assert r.status_code == 302
        # Per address: many logins tried from one address slow it (after 8 here).
        statuses = []
        for i in range(9):
            client = app.test_client()
            r = client.post(
                "/login",
                data={"login": f"nobody{i}", "password": "x" * 9, "csrf_token": csrf_token(client)},
                environ_base={"REMOTE_ADDR": "10.0.0.9"},
            )
            statuses.append(r.status_code)
        assert statuses[:8] == [401] * 8 and statuses[8] == 429
        # Other accounts from other addresses are unaffected.
        login(app, portal.logins["head"])
    finally:
        app.config.pop("SANSHEN_CLOCK", None)


def test_missing_csrf_token_is_refused_with_400(app: Flask, portal: Portal) -> None:
    client = app.test_client()
    r = client.post("/login", data={"login": portal.logins["head"], "password": PASSWORD})
    assert r.status_code == 400 and "安全令牌" in r.get_data(as_text=True)
    client = login(app, portal.logins["drafter"])
    r = client.post(
        f"/columns/{portal.column.id}/new",
        data={"title": "无令牌", "kind": "article", "body": "长时间写好的正文"},
    )
    html = r.get_data(as_text=True)
    # Refused, but what was typed is on the page to copy.
    assert r.status_code == 400 and "长时间写好的正文" in html and "无令牌" in html
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        assert session.execute(select(Item).where(Item.title == "无令牌")).first() is None
        session.close()


def test_missing_title_keeps_the_typed_text(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["drafter"])
    path = f"/columns/{portal.column.id}/new"
    _, token = page_token(client, path)
    r = client.post(
        path, data={"csrf_token": token, "title": "", "kind": "article", "body": "辛苦写好的正文"}
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "请填写标题" in html and "辛苦写好的正文" in html


def test_oversize_attachment_is_413_and_keeps_the_text(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["drafter"])
    path = f"/columns/{portal.column.id}/new"
    _, token = page_token(client, path)
    big = io.BytesIO(b"%PDF" + b"0" * (64 * 1024))
    r = client.post(
        path,
        data={
            "csrf_token": token,
            "title": "带大附件的稿件",
            "kind": "article",
            "body": "正文保留",
            "file_1": (big, "年度报告.pdf"),
            "type_1": "main",
        },
        content_type="multipart/form-data",
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 413
    assert "文件过大：年度报告.pdf" in html and "带大附件的稿件" in html and "正文保留" in html
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        assert session.execute(select(Item).where(Item.title == "带大附件的稿件")).first() is None
        session.close()
    # Far beyond the request cap, the server refuses before reading: still a message.
    huge = io.BytesIO(b"0" * (app.config["MAX_CONTENT_LENGTH"] + 1))
    r = client.post(
        path,
        data={"csrf_token": token, "title": "x", "file_1": (huge, "a.pdf")},
        content_type="multipart/form-data",
    )
    html = r.get_data(as_text=True)
    # The request was refused unread: the page says the text was not kept (no copy shown).
    assert r.status_code == 413 and "超过大小限制" in html and "未能保存" in html
    assert "您输入的内容" not in html


def test_disallowed_file_type_is_refused(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["drafter"])
    path = f"/columns/{portal.column.id}/new"
    _, token = page_token(client, path)
    r = client.post(
        path,
        data={
            "csrf_token": token,
            "title": "带脚本附件",
            "kind": "article",
            "body": "正文",
            "file_1": (io.BytesIO(b"MZ..."), "setup.exe"),
            "type_1": "other",
        },
        content_type="multipart/form-data",
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "不允许上传此类文件：setup.exe" in html and "带脚本附件" in html


def test_script_in_the_body_is_removed_and_attachments_are_kept(app: Flask, portal: Portal) -> None:
    item_id = _new_item(
        app,
        portal,
        title="含脚本的正文",
        body=(
            '<p onclick="steal()">通知<script>alert(1)</script></p>'
            '<a href="javascript:x()">链接</a>'
        ),
        file_1=(io.BytesIO(b"%PDF-1.4 test"), "起草说明.pdf"),
        type_1="drafting_note",
    )
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        rev = session.execute(select(Revision).where(Revision.item_id == item_id)).scalar_one()
        assert rev.body == '<p>通知</p><p><a rel="noopener noreferrer">链接</a></p>'
        att = session.execute(
            select(Attachment).where(Attachment.revision_id == rev.id)
        ).scalar_one()
        assert (att.filename, att.type, att.media_type) == (
            "起草说明.pdf",
            "drafting_note",
            "application/pdf",
        )
        session.close()
    client = login(app, portal.logins["drafter"])
    html = client.get(f"/items/{item_id}").get_data(as_text=True)
    assert "alert(1)" not in html and "steal()" not in html and "起草说明.pdf" in html
    download = client.get(f"/attachments/{att.id}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 test"
    assert "attachment" in download.headers["Content-Disposition"]


def test_other_units_get_404_and_drafters_cannot_approve(app: Flask, portal: Portal) -> None:
    item_id = _new_item(app, portal, title="他单位不可见")
    drafter = login(app, portal.logins["drafter"])
    html, token = page_token(drafter, f"/items/{item_id}")
    drafter.post(
        f"/items/{item_id}/submit", data={"csrf_token": token, "version": version_on(html)}
    )
    other = login(app, portal.logins["other_deputy"])
    assert other.get(f"/items/{item_id}").status_code == 404
    _, token = page_token(other, "/inbox")
    r = other.post(
        f"/items/{item_id}/approve",
        data={"csrf_token": token, "version": 3, "confidentiality": "y"},
    )
    assert r.status_code == 404
    html = drafter.get(f"/items/{item_id}").get_data(as_text=True)
    assert "/approve" not in html and "/reject" not in html
    _, token = page_token(drafter, f"/items/{item_id}")
    r = drafter.post(
        f"/items/{item_id}/approve",
        data={
            "csrf_token": token,
            "version": _item(app, item_id).version,
            "confidentiality": "y",
        },
    )
    assert r.status_code == 403 and "权限" in r.get_data(as_text=True)
    assert _item(app, item_id).state == State.INITIAL_REVIEW


def test_approval_needs_the_confidentiality_check_and_keeps_the_comment(
    app: Flask, portal: Portal
) -> None:
    item_id = _new_item(app, portal, title="保密审查测试", save_submit="1")
    deputy = login(app, portal.logins["deputy"])
    html, token = page_token(deputy, f"/items/{item_id}")
    assert "已完成保密审查" in html
    r = deputy.post(
        f"/items/{item_id}/approve",
        data={"csrf_token": token, "version": version_on(html), "comment": "同意，已核对数据"},
    )
    # Back to the item page (PRG, issue 16), the typed opinion in its box again.
    assert r.status_code == 302 and r.location == f"/items/{item_id}#approve"
    page = deputy.get(r.location).get_data(as_text=True)
    assert "同意，已核对数据</textarea>" in page
    # The refusal itself, not just the checkbox's label.
    assert "初审通过前须确认已完成保密审查" in page
    # Once: a reload shows the page without them.
    again = deputy.get(r.location).get_data(as_text=True)
    assert "同意，已核对数据" not in again and "初审通过前须确认已完成保密审查" not in again
    r = deputy.post(
        f"/items/{item_id}/reject", data={"csrf_token": token, "version": version_on(html)}
    )
    assert r.status_code == 302 and r.location == f"/items/{item_id}#reject"
    assert "请填写意见" in deputy.get(r.location).get_data(as_text=True)
    assert _item(app, item_id).state == State.INITIAL_REVIEW


def test_a_stale_approval_shows_the_conflict_page(app: Flask, portal: Portal) -> None:
    item_id = _new_item(app, portal, title="并发审核", save_submit="1")
    first = login(app, portal.logins["deputy"])
    second = login(app, portal.logins["deputy2"])
    html1, token1 = page_token(first, f"/items/{item_id}")
    html2, token2 = page_token(second, f"/items/{item_id}")
    ok = first.post(
        f"/items/{item_id}/approve",
        data={"csrf_token": token1, "version": version_on(html1), "confidentiality": "y"},
    )
    assert ok.status_code == 302
    late = second.post(
        f"/items/{item_id}/reject",
        data={"csrf_token": token2, "version": version_on(html2), "comment": "晚到的意见"},
    )
    assert late.status_code == 302 and late.location == f"/items/{item_id}#reject"
    page = second.get(late.location).get_data(as_text=True)
    assert "此稿件已被他人处理，请刷新后查看" in page
    assert "晚到的意见" in page  # nothing typed is lost
    assert _item(app, item_id).state == State.HEAD_REVIEW


def test_inbox_lists_the_oldest_first_with_working_days(app: Flask, portal: Portal) -> None:
    first = _new_item(app, portal, title="较早提交", save_submit="1")
    second = _new_item(app, portal, title="较晚提交", save_submit="1")
    deputy = login(app, portal.logins["deputy"])
    html = deputy.get("/inbox").get_data(as_text=True)
    assert html.index(f"/items/{first}") < html.index(f"/items/{second}")
    assert "0 个工作日" in html
    assert not re.search(r"<input[^>]+type=\"checkbox\"", html)  # no bulk approval


def test_inbox_waiting_time_skips_holidays_and_counts_makeup_workdays(
    app: Flask, portal: Portal
) -> None:
    """Review #11: waiting time in 工作日 across the 2026 National Day holiday (1–7
    October, with Saturday 10 October a make-up working day), on the app's clock."""
    beijing = ZoneInfo("Asia/Shanghai")
    moment = {"now": datetime(2026, 9, 30, 10, 0, tzinfo=beijing)}
    app.config["SANSHEN_CLOCK"] = lambda: moment["now"]
    try:
        item_id = _new_item(app, portal, title="国庆前提交", save_submit="1")

        def waited() -> str:
            # A fresh login each time: a session idle for days has ended (issue 15).
            deputy = login(app, portal.logins["deputy"])
            html = deputy.get("/inbox").get_data(as_text=True)
            row = next(r for r in html.split("<tr") if f'/items/{item_id}"' in r)
            found = re.search(r"(\d+) 个工作日", row)
            assert found, row
            return found.group(1)

        assert waited() == "0"
        moment["now"] = datetime(2026, 10, 8, 9, 0, tzinfo=beijing)  # 8 days later
        assert waited() == "1"
        moment["now"] = datetime(2026, 10, 11, 9, 0, tzinfo=beijing)  # Sun; Sat 10th worked
        assert waited() == "3"
    finally:
        app.config.pop("SANSHEN_CLOCK", None)


def test_english_is_available_and_remembered_per_user(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["head"])
    _, token = page_token(client, "/inbox")
    r = client.post("/language", data={"csrf_token": token, "locale": "en", "next": "/inbox"})
    assert r.status_code == 302
    html = client.get("/inbox").get_data(as_text=True)
    assert 'lang="en"' in html and "Waiting for my review" in html
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        user = session.get(User, portal.ids["head"])
        assert user is not None and user.locale == "en"
        session.close()
    # A new session of the same user (another browser) is in English too.
    html = login(app, portal.logins["head"]).get("/inbox").get_data(as_text=True)
    assert "Waiting for my review" in html
    # Others stay in Chinese.
    html = login(app, portal.logins["deputy"]).get("/inbox").get_data(as_text=True)
    assert "待我审核" in html


def test_events_are_dispatched_after_the_commit(app: Flask, portal: Portal) -> None:
    portal.events.clear()
    item_id = _new_item(app, portal, title="事件测试", save_submit="1")
    kinds = [type(e).__name__ for e in portal.events if getattr(e, "item_id", None) == item_id]
    assert kinds == ["ItemCreated", "ItemSubmitted"]
    # A refused action sends nothing.
    portal.events.clear()
    deputy = login(app, portal.logins["deputy"])
    html, token = page_token(deputy, f"/items/{item_id}")
    deputy.post(
        f"/items/{item_id}/approve", data={"csrf_token": token, "version": version_on(html)}
    )
    assert portal.events == []


def test_returned_items_show_the_comment_and_can_be_withdrawn(app: Flask, portal: Portal) -> None:
    item_id = _new_item(app, portal, title="将被退回的稿件", save_submit="1")
    deputy = login(app, portal.logins["deputy"])
    html, token = page_token(deputy, f"/items/{item_id}")
    deputy.post(
        f"/items/{item_id}/reject",
        data={"csrf_token": token, "version": version_on(html), "comment": "请核对发文字号"},
    )
    drafter = login(app, portal.logins["drafter"])
    columns = drafter.get("/columns").get_data(as_text=True)
    assert "将被退回的稿件" in columns and "请核对发文字号" in columns
    html, token = page_token(drafter, f"/items/{item_id}")
    assert "重新提交" in html and "撤销稿件" in html
    r = drafter.post(
        f"/items/{item_id}/withdraw",
        data={"csrf_token": token, "version": version_on(html), "comment": "不再发布"},
    )
    assert r.status_code == 302 and _item(app, item_id).state == State.WITHDRAWN


def test_statement_and_event_date(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["drafter"])
    path = f"/columns/{portal.column.id}/new"
    html, token = page_token(client, path + "?kind=statement")
    assert '<option selected value="statement">' in html or 'value="statement" selected' in html
    assert "事件日期" in html  # the column has an after_event rule
    r = client.post(
        path,
        data={
            "csrf_token": token,
            "title": "11月1日—11月30日无招生信息",
            "kind": "statement",
            "event_date": "2026-11-20",
        },
    )
    assert r.status_code == 302
    item = _item(app, int(r.location.rsplit("/", 1)[1]))
    assert item.kind == "statement"
    # 5 working days after Friday 20 November 2026: Friday 27 November.
    assert item.event_date is not None and str(item.due_date) == "2026-11-27"


def test_behind_a_proxy_the_client_address_and_https_are_trusted(
    app: Flask, portal: Portal
) -> None:
    frozen = datetime.now(UTC)
    proxied = create_app(
        replace(app.config["SANSHEN"], PROXY_HOPS=1),
        LOGIN_ADDRESS_FREE_FAILURES=8,
        RATELIMIT_KEY_PREFIX="proxied",
        # A clock standing still: the address's wait is still running at the ninth try.
        SANSHEN_CLOCK=lambda: frozen,
    )
    try:

        def attempt(client_ip: str, login_name: str, password: str) -> int:
            client = proxied.test_client()
            page = client.get("/login", base_url="https://portal.example").get_data(as_text=True)
            match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
            assert match
            token = match.group(1)
            r = client.post(
                "/login",
                data={"login": login_name, "password": password, "csrf_token": token},
                headers={"X-Forwarded-For": client_ip, "X-Forwarded-Proto": "https"},
                base_url="https://portal.example",
                environ_base={"REMOTE_ADDR": "10.1.1.1", "HTTP_REFERER": "https://portal.example/"},
            )
            if r.status_code == 302:
                assert "Secure" in r.headers["Set-Cookie"]
            return r.status_code

        assert attempt("203.0.113.7", portal.logins["head"], PASSWORD) == 302
        # Throttling counts the client's address, not the proxy's.
        assert [attempt("203.0.113.7", f"ghost{i}", "x" * 9) for i in range(8)] == [401] * 8
        assert attempt("203.0.113.7", "ghost-last", "x" * 9) == 429
        assert attempt("203.0.113.8", "ghost-other", "x" * 9) == 401
    finally:
        proxied.extensions["sanshen.engine"].dispose()


def test_service_guides_need_their_eight_elements(app: Flask, portal: Portal) -> None:
    from workflow.models import Column

    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        column = session.get(Column, portal.column.id)
        assert column is not None
        column.prerequisites = {"service_guide_elements": True}
        session.commit()
        session.close()
    try:
        client = login(app, portal.logins["drafter"])
        path = f"/columns/{portal.column.id}/new"
        html, token = page_token(client, path)
        assert "办事指南要素" in html and 'name="field_phone"' in html
        elements = {
            "field_item_name": "幼儿园入园报名",
            "field_legal_basis": "《学前教育法》",
            "field_conditions": "本区户籍适龄儿童",
            "field_materials": "户口簿、出生证明",
            "field_location": "区教育局一楼",
            "field_hours": "工作日9:00—17:00",
            "field_procedure": "网上报名—审核—公示",
        }
        r = client.post(
            path,
            data={
                "csrf_token": token,
                "title": "幼儿园入园报名办事指南",
                "kind": "service_guide",
                "save_submit": "1",
                **elements,
            },
        )
        # Saved as a draft, the submission refused naming the missing element.
        assert r.status_code == 302 and r.location.endswith("/edit")
        item_id = int(r.location.split("/")[-2])
        page = client.get(r.location).get_data(as_text=True)
        assert "联系电话" in page and "幼儿园入园报名" in page  # message and kept values
        assert _item(app, item_id).state == State.DRAFT
        _, token = page_token(client, f"/items/{item_id}/edit")
        r = client.post(
            f"/items/{item_id}/edit",
            data={
                "csrf_token": token,
                "version": _item(app, item_id).version,
                "title": "幼儿园入园报名办事指南",
                "save_submit": "1",
                **elements,
                "field_phone": "0714-3188076",
            },
        )
        assert r.status_code == 302 and _item(app, item_id).state == State.INITIAL_REVIEW
        page = client.get(f"/items/{item_id}").get_data(as_text=True)
        assert "<dt>联系电话</dt><dd>0714-3188076</dd>" in page
    finally:
        with app.app_context():
            session = app.extensions["sanshen.sessions"]()
            column = session.get(Column, portal.column.id)
            assert column is not None
            column.prerequisites = {}
            session.commit()
            session.close()


def _saved_body(app: Flask, item_id: int) -> str:
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        item = session.get(Item, item_id)
        assert item is not None
        body = next(r.body for r in item.revisions if r.number == item.current_revision_no)
        session.close()
        return body


def test_plain_text_with_angle_brackets_is_kept_whole(app: Flask, portal: Portal) -> None:
    """Review #1: '<' followed by a letter in plain text is text, not the start of a tag."""
    cases = {
        "家庭年收入<M元的可申请补贴。\n\n第二段：请于12月前提交。": [
            "<p>家庭年收入&lt;M元的可申请补贴。</p>",
            "<p>第二段：请于12月前提交。</p>",
        ],
        "面积<a 档的住房可申请\n\n下一段": ["<p>面积&lt;a 档的住房可申请</p>", "<p>下一段</p>"],
        "比较a<b且b>c的情况": ["<p>比较a&lt;b且b&gt;c的情况</p>"],
    }
    client = login(app, portal.logins["drafter"])
    for body, expected in cases.items():
        item_id = _new_item(app, portal, title="尖括号", body=body)
        saved = _saved_body(app, item_id)
        assert all(part in saved for part in expected), saved
        page = client.get(f"/items/{item_id}").get_data(as_text=True)
        assert all(part in page for part in expected)


def test_a_body_cleaning_would_cut_is_refused_and_kept(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["drafter"])
    path = f"/columns/{portal.column.id}/new"
    _, token = page_token(client, path)
    body = "说明<template>这段文字会被删掉</template>"
    r = client.post(
        path, data={"csrf_token": token, "title": "会丢字的正文", "kind": "article", "body": body}
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "“这段文字会被删掉”附近的文字" in html
    assert "这段文字会被删掉&lt;/template&gt;" in html and "会丢字的正文" in html
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        assert session.execute(select(Item).where(Item.title == "会丢字的正文")).first() is None
        session.close()


def test_text_added_below_a_saved_body_keeps_its_paragraphs(app: Flask, portal: Portal) -> None:
    """Review #2: the edit form shows the stored HTML; plain text typed below it still
    becomes paragraphs and line breaks."""
    item_id = _new_item(app, portal, title="续写", body="第一段\n\n第二段")
    client = login(app, portal.logins["drafter"])
    html, token = page_token(client, f"/items/{item_id}/edit")
    stored = _saved_body(app, item_id)
    assert stored == "<p>第一段</p><p>第二段</p>"
    r = client.post(
        f"/items/{item_id}/edit",
        data={
            "csrf_token": token,
            "version": version_on(html),
            "title": "续写",
            "body": stored + "\n\n第三段\n第四行",
            "save": "1",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    assert _saved_body(app, item_id) == "<p>第一段</p><p>第二段</p><p>第三段<br>第四行</p>"


def test_posting_the_new_item_form_twice_creates_one_item(app: Flask, portal: Portal) -> None:
    """Review #3: a double submit (or a reload of the POST) opens the item already made."""
    client = login(app, portal.logins["drafter"])
    path = f"/columns/{portal.column.id}/new"
    html, token = page_token(client, path)
    match = re.search(r'name="nonce" (?:type="hidden" )?value="([^"]+)"', html)
    assert match, "no one-time field on the new-item form"
    data = {
        "csrf_token": token,
        "nonce": match.group(1),
        "title": "只应保存一次",
        "kind": "article",
        "body": "正文",
    }
    first = client.post(path, data=data)
    second = client.post(path, data=data)
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert "已经保存过" in client.get(second.location).get_data(as_text=True)
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        assert len(session.execute(select(Item).where(Item.title == "只应保存一次")).all()) == 1
        session.close()
    # A fresh form is a new item.
    html, token = page_token(client, path)
    fresh = re.search(r'name="nonce" (?:type="hidden" )?value="([^"]+)"', html)
    assert fresh and fresh.group(1) != match.group(1)


def _extra_user(app: Flask, portal: Portal, key: str, roles: list[Role]) -> str:
    """A further user of unit A (the portal's column's unit) with these roles."""
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        unit = session.get(User, portal.ids["deputy"]).unit  # type: ignore[union-attr]
        user = create_user(
            session,
            login=f"{key}_{portal.logins['deputy'].rsplit('_', 1)[1]}",
            name=key,
            unit=unit,
            roles=roles,
            now=datetime.now(UTC),
            password=PASSWORD,
        )
        session.commit()
        login_name = user.login
        session.close()
    return login_name


def test_the_inbox_lists_only_what_the_user_may_act_on(app: Flask, portal: Portal) -> None:
    """Review #8: who did 初审 does not see the item again at 审核; an office editor
    outside 区政府办 is not sent to an inbox that refuses them."""
    both = login(app, _extra_user(app, portal, "both", [Role.DEPUTY_HEAD, Role.HEAD]))
    item_id = _new_item(app, portal, title="两个角色的审核人", save_submit="1")
    html, token = page_token(both, f"/items/{item_id}")
    r = both.post(
        f"/items/{item_id}/approve",
        data={"csrf_token": token, "version": version_on(html), "confidentiality": "y"},
    )
    assert r.status_code == 302 and _item(app, item_id).state == State.HEAD_REVIEW
    inbox = both.get("/inbox").get_data(as_text=True)
    assert f'/items/{item_id}"' not in inbox and "您已在其他环节审核过" in inbox
    head = login(app, portal.logins["head"])
    assert f'/items/{item_id}"' in head.get("/inbox").get_data(as_text=True)
    stray = login(app, _extra_user(app, portal, "stray_editor", [Role.OFFICE_EDITOR]))
    r = stray.get("/", follow_redirects=True)
    assert r.status_code == 200 and "暂无待办工作" in r.get_data(as_text=True)


def test_a_long_body_is_saved_and_an_overlong_one_refused_with_its_text(
    app: Flask, portal: Portal, database_url: str, redis_url: str, tmp_path: Path
) -> None:
    """Review #5: a body over Werkzeug's 500 KB field default is saved; one over the
    form's limit is refused with the text kept; a request the server cannot take says
    so (a too-long field: 正文过长, not a file) and that the text was not kept."""
    client = login(app, portal.logins["drafter"])
    path = f"/columns/{portal.column.id}/new"
    _, token = page_token(client, path)
    long_body = "甲" * 200_000  # 600 KB of UTF-8
    data = {"csrf_token": token, "title": "长正文", "kind": "article", "body": long_body}
    multipart = "multipart/form-data"  # as the item form posts
    r = client.post(path, data=data, content_type=multipart)
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    assert long_body in _saved_body(app, int(r.location.rsplit("/", 1)[1]))
    r = client.post(
        path, data={**data, "title": "超长正文", "body": "a" * 1_000_001}, content_type=multipart
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "正文过长：不能超过1000000字" in html
    assert "超长正文" in html and "a" * 1_000_001 in html
    too_big = "b" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    r = client.post(path, data={**data, "title": "远超上限", "body": too_big})
    html = r.get_data(as_text=True)
    assert r.status_code == 413 and "超过大小限制" in html and "未能保存" in html
    # A field over the form-memory limit (lowered here) is named as the body.
    small = make_app(database_url, redis_url, tmp_path, MAX_FORM_MEMORY_SIZE=100_000)
    try:
        client = login(small, portal.logins["drafter"])
        _, token = page_token(client, path)
        r = client.post(
            path,
            data={**data, "csrf_token": token, "body": "c" * 200_000},
            content_type=multipart,
        )
        html = r.get_data(as_text=True)
        assert r.status_code == 413 and "正文过长" in html and "附件与正文合计" not in html
    finally:
        small.extensions["sanshen.engine"].dispose()


def test_a_stale_edit_shows_the_other_change_and_can_then_be_saved(
    app: Flask, portal: Portal
) -> None:
    """Review #4: on a conflict the form shows the other person's revision next to the
    typed text and takes its version, so a deliberate second save goes through."""
    item_id = _new_item(app, portal, title="两人同改", body="原文")
    mine = login(app, portal.logins["drafter"])
    # Not drafter2: the throttle test locks that account for 15 minutes.
    other = login(app, _extra_user(app, portal, "colleague", [Role.DRAFTER]))
    html1, token1 = page_token(mine, f"/items/{item_id}/edit")
    html2, token2 = page_token(other, f"/items/{item_id}/edit")
    fields = {"title": "两人同改", "save": "1"}
    r = other.post(
        f"/items/{item_id}/edit",
        data={**fields, "csrf_token": token2, "version": version_on(html2), "body": "同事的改动"},
    )
    assert r.status_code == 302
    data = {**fields, "csrf_token": token1, "version": version_on(html1), "body": "我的改动"}
    r = mine.post(f"/items/{item_id}/edit", data=data)
    page = r.get_data(as_text=True)
    assert r.status_code == 409 and "此稿件已被他人处理" in page
    assert "他人已保存的当前版本" in page and "同事的改动" in page and "我的改动" in page
    assert version_on(page) > version_on(html1)
    r = mine.post(f"/items/{item_id}/edit", data={**data, "version": version_on(page)})
    assert r.status_code == 302, r.get_data(as_text=True)[:1000]
    assert _saved_body(app, item_id) == "<p>我的改动</p>"


def test_every_validation_refusal_of_the_library_is_shown_in_chinese(app: Flask) -> None:
    """Review #9: the workflow library's ValidationFailed texts are English for logs;
    the page shows a Chinese sentence for each of them, never the English."""
    root = Path(__file__).resolve().parents[2] / "workflow"
    raised = re.compile(r'ValidationFailed\(f?"([^"]+)"\)')
    messages = [
        re.sub(r"\{[^}]*\}", "测试", m)
        for path in root.rglob("*.py")
        for m in raised.findall(path.read_text(encoding="utf-8"))
    ]
    assert len(messages) >= 13
    with app.test_request_context("/"):
        for message in messages:
            shown = workflow_message(ValidationFailed(message))
            assert not re.search(r"[A-Za-z]{3,}", shown), (message, shown)
            assert "未通过检查" not in shown, f"no sentence of its own for: {message}"
        assert workflow_message(
            ValidationFailed("this item is already scheduled; cancel that first")
        ) == ("此稿件已设定定时发布；如需更改，请先取消原定时。")
        assert "new english" not in workflow_message(ValidationFailed("new english text"))


def test_an_overlong_comment_reshows_the_item_page_with_the_text(
    app: Flask, portal: Portal
) -> None:
    """Review #10: a form's own check failing is a 422 on the item page saying what is
    wrong and keeping the typed text — not 400 “表单已过期或缺少安全令牌”."""
    item_id = _new_item(app, portal, title="超长意见", save_submit="1")
    deputy = login(app, portal.logins["deputy"])
    html, token = page_token(deputy, f"/items/{item_id}")
    assert html.count('maxlength="2000"') >= 2
    # 2001 characters, varied: too long for the session cookie, so the page is shown
    # again in place (a short refused opinion goes back by redirect, issue 16).
    comment = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(2001))
    r = deputy.post(
        f"/items/{item_id}/reject",
        data={"csrf_token": token, "version": version_on(html), "comment": comment},
    )
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "意见不能超过2000字" in page and comment in page
    assert "安全令牌" not in page
    r = deputy.post(f"/items/{item_id}/approve", data={"csrf_token": token, "comment": "同意"})
    assert r.status_code == 302
    page = deputy.get(r.location).get_data(as_text=True)
    assert "页面已过期，请刷新后重新操作" in page and "同意</textarea>" in page
    assert _item(app, item_id).state == State.INITIAL_REVIEW
    draft_id = _new_item(app, portal, title="超长撤回说明")
    drafter = login(app, portal.logins["drafter"])
    html, token = page_token(drafter, f"/items/{draft_id}")
    assert "withdraw-comment" in html
    r = drafter.post(
        f"/items/{draft_id}/withdraw",
        data={"csrf_token": token, "version": version_on(html), "comment": comment},
    )
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "意见不能超过2000字" in page and comment in page


def test_the_400_page_shows_back_the_service_guide_elements(app: Flask, portal: Portal) -> None:
    """Review #6: an expired token must not drop the eight 办事指南 fields."""
    from web.labels import GUIDE_ELEMENTS

    client = login(app, portal.logins["drafter"])
    guide = {f"field_{key}": f"第{i}项要素的内容" for i, key in enumerate(GUIDE_ELEMENTS, 1)}
    r = client.post(
        f"/columns/{portal.column.id}/new",
        data={"title": "过期的办事指南", "kind": "service_guide", "body": "正文", **guide},
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 400 and "过期的办事指南" in html
    for value in guide.values():
        assert value in html
    assert str(GUIDE_ELEMENTS["legal_basis"]) in html


def test_every_failed_login_costs_one_real_hash_check(
    app: Flask, portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review #7: no user, a user without a password and a wrong password all run one
    argon2 verification, so response times do not tell which logins exist."""
    import workflow.accounts

    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        unit = session.get(User, portal.ids["deputy"]).unit  # type: ignore[union-attr]
        nopass = create_user(
            session,
            login=f"nopass_{portal.logins['deputy'].rsplit('_', 1)[1]}",
            name="无密码",
            unit=unit,
            roles=[Role.DRAFTER],
            now=datetime.now(UTC),
        )
        session.commit()
        nopass_login = nopass.login
        session.close()
    calls: list[str] = []

    class CountingHasher:
        """The real argon2 hasher, counting its verifications."""

        def __init__(self, real: Any) -> None:
            self.real = real

        def verify(self, hash_: str, password: str) -> bool:
            calls.append(hash_)
            return bool(self.real.verify(hash_, password))

        def __getattr__(self, name: str) -> Any:
            return getattr(self.real, name)

    monkeypatch.setattr(
        workflow.accounts, "password_hasher", CountingHasher(workflow.accounts.password_hasher)
    )
    for i, name in enumerate((f"ghost-{nopass_login}", nopass_login, portal.logins["head"])):
        client = app.test_client()
        r = client.post(
            "/login",
            data={
                "login": name,
                "password": "no-such-user-password",
                "csrf_token": csrf_token(client),
            },
            environ_base={"REMOTE_ADDR": f"10.7.0.{i}"},
        )
        assert r.status_code == 401
        assert len(calls) == i + 1 and calls[-1].startswith("$argon2id$"), name
