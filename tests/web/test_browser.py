"""The whole 三审 path in real Chromium (Debian's /usr/bin/chromium driven by
Playwright), each step by a different logged-in user in a browser context of its own,
plus the checks a browser shows best: another unit's reviewer gets 404, a drafter has no
approve button, a stale approval shows the conflict page, English renders, and the
pages fit a phone's width. Screenshots go to SANSHEN_SCREENSHOTS (outside git)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from workflow.enums import State
from workflow.models import Item

from .browser import User, require_chromium
from .support import Portal

require_chromium()


def _state(app: Flask, item_id: int) -> str:
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            item = session.get(Item, item_id)
            assert item is not None
            return item.state
        finally:
            session.close()


def test_the_whole_path_each_step_by_another_user(
    app: Flask, portal: Portal, server: str, browser: Any, shots: Path, tmp_path: Path
) -> None:
    column = portal.column
    # 1. The drafter creates and submits, with an attachment.
    drafter = User(browser, server, portal.logins["drafter"])
    page = drafter.page
    page.get_by_role("link", name=column.path).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=f"栏目：{column.path}").is_visible()
    page.screenshot(path=str(shots / "drafter-column.png"), full_page=True)
    page.get_by_role("link", name="新建信息").first.click()
    # The editor is laid over the textarea once the page's script runs: typing before that
    # would go to the textarea the script then hides.
    page.locator(".editor-content").wait_for()
    page.get_by_label("标题").fill("关于2026年秋季学期招生工作的通知")
    page.get_by_label("正文").fill("一、招生范围\n\n二、报名时间为11月25日至11月30日。")
    note = tmp_path / "起草说明.pdf"
    note.write_bytes(b"%PDF-1.4 drafting note")
    page.locator("#file_1").set_input_files(str(note))
    page.locator("#type_1").select_option("drafting_note")
    page.get_by_role("button", name="保存并提交初审").click()
    page.wait_for_load_state()
    assert page.get_by_text("已提交初审。").is_visible()
    item_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    assert _state(app, item_id) == State.INITIAL_REVIEW
    # A drafter has no approve action.
    assert page.get_by_role("button", name="通过").count() == 0
    assert page.get_by_role("button", name="退回").count() == 0

    # 2. The deputy head rejects with a comment.
    deputy = User(browser, server, portal.logins["deputy"])
    page = deputy.page
    deputy.go("/inbox")
    assert page.get_by_role("heading", name="待我审核").is_visible()
    page.screenshot(path=str(shots / "inbox.png"), full_page=True)
    page.get_by_role("link", name="关于2026年秋季学期招生工作的通知").click()
    page.locator("#reject-comment").fill("请补充咨询电话和报名地点")
    page.get_by_role("button", name="退回", exact=True).click()
    page.wait_for_load_state()
    assert _state(app, item_id) == State.RETURNED

    # 3. The drafter sees the comment, revises and resubmits.
    drafter.go(f"/items/{item_id}")
    page = drafter.page
    assert page.locator(".returned", has_text="请补充咨询电话和报名地点").is_visible()
    page.get_by_role("link", name="修改稿件").click()
    page.locator(".editor-content").wait_for()  # the editor is laid over the textarea
    # The body opens in the editor (web/static/editor.js): a new paragraph at its end.
    body = page.get_by_label("正文")
    assert "二、报名时间为11月25日至11月30日。" in body.inner_text()
    body.locator("p").last.click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type("三、咨询电话：0714-3188076，报名地点：区教育局一楼大厅。")
    page.get_by_role("button", name="保存并提交初审").click()
    page.wait_for_load_state()
    assert _state(app, item_id) == State.INITIAL_REVIEW, page.inner_text("main")[:800]

    # Another unit's deputy head cannot even see it.
    other = User(browser, server, portal.logins["other_deputy"])
    response = other.go(f"/items/{item_id}")
    assert response.status == 404
    assert other.page.get_by_role("heading", name="页面不存在（404）").is_visible()
    other.close()

    # 4. The deputy head (a colleague this time) approves with 保密审查, seeing the diff.
    deputy2 = User(browser, server, portal.logins["deputy2"])
    page = deputy2.page
    deputy2.go(f"/items/{item_id}")
    assert page.get_by_role("heading", name="与上一版本（第1版）的差异").is_visible()
    assert page.locator(".diff .added", has_text="咨询电话").count() == 1
    assert page.get_by_text("请补充咨询电话和报名地点").count() >= 1  # in the history
    page.screenshot(path=str(shots / "review-page.png"), full_page=True)
    page.get_by_role("button", name="通过", exact=True).click()
    page.wait_for_load_state()
    # Without the tick the browser itself refuses: the required box is reported missing
    # and nothing is posted (the server's own 422 is tested in test_forms.py).
    tick = page.get_by_label("已完成保密审查")
    assert tick.evaluate("box => box.validity.valueMissing") is True
    assert page.url.endswith(f"/items/{item_id}")
    assert _state(app, item_id) == State.INITIAL_REVIEW
    page.get_by_label("已完成保密审查").check()
    page.get_by_role("button", name="通过", exact=True).click()
    page.wait_for_load_state()
    assert _state(app, item_id) == State.HEAD_REVIEW

    # 5. The head approves.
    head = User(browser, server, portal.logins["head"])
    head.go(f"/items/{item_id}")
    head.page.get_by_role("button", name="通过", exact=True).click()
    head.page.wait_for_load_state()
    assert _state(app, item_id) == State.HEAD_REVIEW.replace("head", "office")

    # 6. The office editor publishes.
    editor = User(browser, server, portal.logins["editor"])
    page = editor.page
    editor.go("/inbox")
    page.get_by_role("link", name="关于2026年秋季学期招生工作的通知").click()
    page.get_by_role("button", name="审发并立即发布").click()
    page.wait_for_load_state()
    assert _state(app, item_id) == State.PUBLISHED
    editor.go("/published")
    assert page.get_by_role("link", name="关于2026年秋季学期招生工作的通知").is_visible()
    for person in (drafter, deputy, deputy2, head, editor):
        person.close()


def test_a_stale_approval_shows_the_conflict_page(
    app: Flask, portal: Portal, server: str, browser: Any
) -> None:
    drafter = User(browser, server, portal.logins["drafter"])
    drafter.go(f"/columns/{portal.column.id}/new")
    drafter.page.get_by_label("标题").fill("两位审核人同时打开的稿件")
    drafter.page.get_by_role("button", name="保存并提交初审").click()
    drafter.page.wait_for_load_state()
    item_id = int(drafter.page.url.rstrip("/").rsplit("/", 1)[1])
    first = User(browser, server, portal.logins["deputy"])
    second = User(browser, server, portal.logins["deputy2"])
    for person in (first, second):
        person.go(f"/items/{item_id}")
        person.page.get_by_label("已完成保密审查").check()
    first.page.get_by_role("button", name="通过", exact=True).click()
    first.page.wait_for_load_state()
    with second.page.expect_response(lambda r: r.url.endswith("/approve")) as answer:
        second.page.get_by_role("button", name="通过", exact=True).click()
    second.page.wait_for_load_state()
    # Back on the item page (PRG, issue 16): the address bar does not stay on /approve.
    assert answer.value.status == 302
    assert second.page.url == f"{server}/items/{item_id}#approve"
    assert second.page.get_by_text("此稿件已被他人处理，请刷新后查看").is_visible()
    for person in (drafter, first, second):
        person.close()


def _waiting_items(app: Flask, portal: Portal) -> None:
    """Two items submitted some working days ago, so the inbox has something to show."""
    from datetime import UTC, datetime, timedelta

    from workflow import services

    from ..services import act
    from .support import user_of

    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        drafter = user_of(session, portal, "drafter2")
        waiting = ((9, "区教育局2026年第三季度政务公开工作总结"), (3, "关于寒假安全教育的提示"))
        for days, title in waiting:
            when = datetime.now(UTC) - timedelta(days=days)
            item = services.create_item(
                session,
                actor=drafter,
                column_id=portal.column.id,
                kind="article",
                title=title,
                body="<p>正文</p>",
                now=when,
            ).value
            act(session, "submit", item, by=drafter, now=when)
        session.commit()
        session.close()


def test_english_interface_and_phone_width(
    app: Flask, portal: Portal, server: str, browser: Any, shots: Path
) -> None:
    _waiting_items(app, portal)
    desk = User(browser, server, portal.logins["deputy2"])
    desk.go("/inbox")
    rows = desk.page.locator("tbody tr")
    assert rows.count() >= 2
    assert "区教育局2026年第三季度政务公开工作总结" in rows.nth(0).inner_text()  # oldest first
    assert "个工作日" in rows.nth(0).inner_text()
    desk.page.screenshot(path=str(shots / "inbox-desk.png"), full_page=True)
    desk.close()
    phone = User(browser, server, portal.logins["deputy2"], viewport={"width": 390, "height": 844})
    page = phone.page
    phone.go("/inbox")
    # Nothing is wider than the screen: tables stack into cards.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    page.screenshot(path=str(shots / "inbox-phone.png"), full_page=True)
    # The review page fits too (diff lines wrap, the history stacks).
    page.get_by_role("link", name="关于寒假安全教育的提示").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="处理记录").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(shots / "review-page-phone.png"), full_page=True)
    phone.go("/inbox")
    page.get_by_label("界面语言").select_option("en")
    page.get_by_role("button", name="切换语言").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Waiting for my review").is_visible()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="Log out").count()  # nav renders in English
    assert page.get_by_role("button", name="Log out").is_visible()
    page.screenshot(path=str(shots / "inbox-english.png"), full_page=True)
    phone.close()


def test_admin_previews_then_imports_a_responsibility_table(
    app: Flask, portal: Portal, server: str, browser: Any, shots: Path, tmp_path: Path
) -> None:
    from ..importer_fixtures import build_docx, seed_002

    table = tmp_path / "栏目报送表.docx"
    table.write_bytes(build_docx(seed_002()))
    admin = User(browser, server, portal.logins["admin"])
    admin.go("/admin/import/")
    admin.page.get_by_label("责任分解表（.docx、.xlsx 或 .csv，不超过 50 MB）").set_input_files(
        str(table)
    )
    admin.page.get_by_role("button", name="预览", exact=True).click()
    admin.page.wait_for_load_state()
    preview = admin.page.locator("#import-preview")
    assert admin.page.get_by_role("heading", name="预览（尚未写入）").is_visible()
    assert "栏目：共" in preview.inner_text()
    admin.page.screenshot(path=str(shots / "admin-import-preview.png"), full_page=True)
    admin.page.get_by_role("button", name="确认导入").click()
    admin.page.wait_for_load_state()
    assert admin.page.get_by_text("已导入 栏目报送表.docx").is_visible()
    admin.close()
