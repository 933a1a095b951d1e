"""Issue 16 in real Chromium: recall (撤回) at 初审 and by a reviewer, 催办 and its
once-a-working-day limit, and a delegation (委托) from start to end with its audit rows;
no CSP violation on any of these pages. Screenshots go to SANSHEN_SCREENSHOTS."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select

from workflow.enums import State
from workflow.models import AdminEvent, AuditEvent, Item

from .browser import User, require_chromium
from .support import Portal

require_chromium()


def _item(app: Flask, item_id: int) -> tuple[str, list[tuple[str, int, int | None]]]:
    """The item's state and its audit rows as (action, actor, on behalf of)."""
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            item = session.get(Item, item_id)
            assert item is not None
            rows = session.execute(
                select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.on_behalf_of_id)
                .where(AuditEvent.item_id == item_id)
                .order_by(AuditEvent.seq)
            ).all()
            return item.state, [tuple(r) for r in rows]  # type: ignore[misc]
        finally:
            session.close()


def _submit_new(drafter: User, portal: Portal, title: str) -> int:
    page = drafter.page
    drafter.go(f"/columns/{portal.column.id}/new")
    page.get_by_label("标题").fill(title)
    page.get_by_label("正文").fill("一、范围\n\n二、时间")
    page.get_by_role("button", name="保存并提交初审").click()
    page.wait_for_load_state()
    assert page.get_by_text("已提交初审。").is_visible()
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def _approve(person: User, item_id: int, confidential: bool = False) -> None:
    page = person.page
    person.go(f"/items/{item_id}")
    if confidential:
        page.get_by_label("已完成保密审查", exact=False).check()
    page.get_by_role("button", name="通过", exact=True).click()
    page.wait_for_load_state()


def test_recall_at_initial_review_and_nudge_once_a_day(
    app: Flask, portal: Portal, server: str, browser: Any, shots: Path
) -> None:
    drafter = User(browser, server, portal.logins["drafter"])
    page = drafter.page
    item_id = _submit_new(drafter, portal, "提交后可撤回的通知")
    # The page says who holds it now and offers 撤回 and 催办 (not "no action").
    holding = page.locator("#holding")
    assert (
        holding.get_by_text("李建国").is_visible() and holding.get_by_text("孙副局长").is_visible()
    )
    assert page.get_by_text("您目前对此稿件没有可执行的操作。").count() == 0
    page.screenshot(path=str(shots / "flow-item-submitted.png"), full_page=True)

    # 催办: once; the page then says who nudged and when, and offers no second one.
    page.get_by_role("button", name="催办").click()
    page.wait_for_load_state()
    assert page.get_by_text("已催办，已向2位审核人各发送一条提醒。").is_visible()
    assert page.locator(".last-nudge", has_text="最近一次：王晓燕于").is_visible()
    assert page.get_by_role("button", name="催办").count() == 0
    # A colleague trying again the same working day is refused, with who and when.
    colleague = User(browser, server, portal.logins["drafter2"])
    colleague.go(f"/items/{item_id}")
    other = colleague.page
    assert other.get_by_text("今天已催办过，每个工作日只能催办一次。").is_visible()
    token = other.locator("input[name=csrf_token]").first.get_attribute("value")
    refused = other.request.post(
        f"{server}/items/{item_id}/nudge", form={"csrf_token": token or ""}
    )
    assert "今天已由王晓燕于" in refused.text()  # the page it was sent back to says so
    colleague.go(f"/items/{item_id}")
    other.screenshot(path=str(shots / "flow-nudge-refused.png"), full_page=True)

    # 撤回 opens a confirmation first; confirming takes it back to a draft.
    page.get_by_text("撤回", exact=True).click()
    assert page.get_by_role("button", name="确认撤回").is_visible()
    page.locator("#recall-comment").fill("标题有误")
    page.screenshot(path=str(shots / "flow-recall-confirm.png"), full_page=True)
    page.get_by_role("button", name="确认撤回").click()
    page.wait_for_load_state()
    assert page.get_by_text("已撤回。已通知原本需要处理此稿件的人员。").is_visible()
    state, rows = _item(app, item_id)
    assert state == State.DRAFT and rows[-1][:2] == ("recall", portal.ids["drafter"])
    assert page.get_by_role("button", name="提交初审").is_visible()
    # The deputy head has nothing waiting any more.
    deputy = User(browser, server, portal.logins["deputy"])
    deputy.go("/inbox")
    assert deputy.page.get_by_text("提交后可撤回的通知").count() == 0
    for person in (drafter, colleague, deputy):
        assert person.csp_violations() == []
        person.close()


def test_a_reviewer_recalls_their_approval(
    app: Flask, portal: Portal, server: str, browser: Any, shots: Path
) -> None:
    drafter = User(browser, server, portal.logins["drafter"])
    item_id = _submit_new(drafter, portal, "初审后撤回通过")
    deputy = User(browser, server, portal.logins["deputy"])
    _approve(deputy, item_id, confidential=True)
    assert _item(app, item_id)[0] == State.HEAD_REVIEW
    deputy.go(f"/items/{item_id}")
    page = deputy.page
    assert page.locator("#holding").get_by_text("张卫东").is_visible()
    page.get_by_text("撤回", exact=True).click()
    assert page.get_by_text("稿件回到初审环节由您重新审核", exact=False).is_visible()
    page.get_by_role("button", name="确认撤回").click()
    page.wait_for_load_state()
    state, rows = _item(app, item_id)
    assert state == State.INITIAL_REVIEW and rows[-1][:2] == ("recall", portal.ids["deputy"])
    # Back with the deputy to approve again; the drafter can no longer recall (acted).
    assert page.get_by_role("button", name="通过", exact=True).is_visible()
    drafter.go(f"/items/{item_id}")
    assert drafter.page.locator("#recall").count() == 0
    drafter.page.screenshot(path=str(shots / "flow-after-reviewer-recall.png"), full_page=True)
    # The head, who had been asked, sees it gone from the inbox.
    head = User(browser, server, portal.logins["head"])
    head.go("/inbox")
    assert head.page.get_by_text("初审后撤回通过").count() == 0
    for person in (drafter, deputy, head):
        assert person.csp_violations() == []
        person.close()


def test_a_delegation_from_start_to_end(
    app: Flask, portal: Portal, server: str, browser: Any, shots: Path
) -> None:
    drafter = User(browser, server, portal.logins["drafter"])
    item_id = _submit_new(drafter, portal, "出差期间待审核的信息")
    deputy = User(browser, server, portal.logins["deputy"])
    _approve(deputy, item_id, confidential=True)  # waits for the head (already waiting)

    # The head, going on a trip, delegates 审核 to the other deputy head for today.
    head = User(browser, server, portal.logins["head"])
    head.go("/delegations")
    page = head.page
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    page.get_by_label("受托人（代为审核）").select_option(str(portal.ids["deputy2"]))
    page.get_by_label("委托环节").select_option(["head_review"])
    page.get_by_label("开始日期").fill(today)
    page.get_by_label("结束日期（含当天）").fill(today)
    page.get_by_label("事由（如出差、休假）").fill("赴省厅开会")
    page.get_by_role("button", name="确认委托").click()
    page.wait_for_load_state()
    assert page.get_by_text("委托已设定，受托人会收到通知。").is_visible()
    assert page.locator("#delegations").get_by_text("孙副局长").is_visible()
    page.screenshot(path=str(shots / "flow-delegations.png"), full_page=True)

    # The office sees the active delegation.
    editor = User(browser, server, portal.logins["editor"])
    editor.go("/delegations")
    row = editor.page.locator("#delegations tbody tr", has_text="张卫东")
    assert row.get_by_text("孙副局长").is_visible() and row.get_by_text("生效中").is_visible()

    # The stand-in finds the waiting item in the inbox, marked as for the head…
    stand_in = User(browser, server, portal.logins["deputy2"])
    stand_in.go("/inbox")
    entry = stand_in.page.locator("tr", has_text="出差期间待审核的信息")
    assert entry.get_by_text("代 张卫东").is_visible()
    stand_in.page.screenshot(path=str(shots / "flow-delegate-inbox.png"), full_page=True)
    # …and the item page names them as one who can act now, for the head.
    stand_in.go(f"/items/{item_id}")
    assert stand_in.page.locator("#holding").get_by_text("孙副局长（代 张卫东）").is_visible()
    _approve(stand_in, item_id)
    state, rows = _item(app, item_id)
    assert state == State.OFFICE_REVIEW
    assert rows[-1] == ("approve", portal.ids["deputy2"], portal.ids["head"])
    # The history shows both names.
    drafter.go(f"/items/{item_id}")
    history = drafter.page.locator("section", has_text="处理记录")
    assert history.get_by_text("孙副局长（代 张卫东）").is_visible()
    drafter.page.screenshot(path=str(shots / "flow-history-delegate.png"), full_page=True)
    phone = User(browser, server, portal.logins["drafter"], viewport={"width": 390, "height": 844})
    phone.go(f"/items/{item_id}")
    phone.page.screenshot(path=str(shots / "flow-item-phone.png"), full_page=True)

    # The head is back early and ends the delegation; both changes are in the log.
    head.go("/delegations")
    head.page.get_by_role("button", name="提前结束").click()
    head.page.wait_for_load_state()
    assert head.page.get_by_text("委托已结束。").is_visible()
    editor.go("/delegations")
    assert editor.page.locator("#delegations tbody tr", has_text="张卫东").count() == 0
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            logged = session.scalars(
                select(AdminEvent.action)
                .where(AdminEvent.action.like("delegation.%"))
                .order_by(AdminEvent.id)
            ).all()
        finally:
            session.close()
    assert logged[-2:] == ["delegation.create", "delegation.end"]
    for person in (drafter, deputy, head, editor, stand_in, phone):
        assert person.csp_violations() == []
        person.close()
