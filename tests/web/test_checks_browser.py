"""The content checks in real Chromium: the drafter sees the findings marked in the text
with their category and marks one 已核实 with a reason; the deputy head reviewing the
item sees the same marks; no page breaks the Content Security Policy."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask

from workflow import runner, services

from .browser import User, require_chromium
from .support import Portal, user_of
from .test_checks_web import new_item, word_list  # noqa: F401  (the fixture)

require_chromium()


def _submit(app: Flask, portal: Portal, item_id: int) -> None:
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        from workflow.models import Item

        item = session.get(Item, item_id)
        runner.run(
            session,
            services.submit,
            actor=user_of(session, portal, "drafter"),
            now=datetime.now(UTC),
            item_id=item_id,
            expected_version=item.version,
        )
        session.close()


def test_marks_in_place_for_the_drafter_and_the_deputy_head(
    app: Flask,
    portal: Portal,
    server: str,
    browser: Any,
    shots: Path,
    word_list: int,  # noqa: F811
) -> None:
    body = "<p>今年计划按装路灯200盏。</p><p>截止目前，已完成设计。</p>"
    item_id = new_item(app, portal, "关于按装路灯的通知", body)
    drafter = User(browser, server, portal.logins["drafter"])
    page = drafter.page
    drafter.go(f"/items/{item_id}")
    marks = page.locator("div.body mark.finding")
    assert marks.count() == 2
    assert marks.nth(0).inner_text() == "按装"
    assert "cat-typo" in (marks.nth(0).get_attribute("class") or "")
    assert marks.nth(0).get_attribute("title") == "易错词：按装"
    assert "cat-nonstandard" in (marks.nth(1).get_attribute("class") or "")
    assert page.locator("h1 mark.finding").inner_text() == "按装"
    page.screenshot(path=str(shots / "checks-drafter.png"), full_page=True)
    # Mark the hint as checked, with a reason.
    hint = page.locator("li.finding-row", has_text="截止目前")
    hint.get_by_label("核实理由").fill("引用上级文件原文")
    hint.get_by_role("button", name="标记为已核实").click()
    page.wait_for_load_state()
    assert page.get_by_text("已标记为已核实。").is_visible()
    checked = page.locator("li.finding-row", has_text="截止目前")
    assert "已核实（引用上级文件原文）" in checked.inner_text()
    assert "st-verified" in (
        page.locator("div.body mark.finding").nth(1).get_attribute("class") or ""
    )
    assert drafter.csp_violations() == []
    drafter.close()

    _submit(app, portal, item_id)
    deputy = User(browser, server, portal.logins["deputy"])
    deputy.go(f"/items/{item_id}")
    seen = deputy.page.locator("div.body mark.finding")
    assert [seen.nth(i).inner_text() for i in range(seen.count())] == ["按装", "截止目前"]
    assert deputy.page.locator("#findings").get_by_text("已核实（引用上级文件原文）").is_visible()
    assert deputy.page.get_by_role("button", name="标记为已核实").count() == 0
    deputy.page.screenshot(path=str(shots / "checks-deputy.png"), full_page=True)
    assert deputy.csp_violations() == []
    deputy.close()


def test_the_office_pages_render_without_csp_violations(
    app: Flask,
    portal: Portal,
    server: str,
    browser: Any,
    shots: Path,
    word_list: int,  # noqa: F811
) -> None:
    new_item(app, portal, "关于按装路灯的通知", "<p>中华人民共合国</p>")
    editor = User(browser, server, portal.logins["editor"])
    editor.go("/office/findings?status=open")
    page = editor.page
    assert page.get_by_role("heading", name="内容检查问题").is_visible()
    assert page.locator("td", has_text="中华人民共合国").count() >= 1
    page.screenshot(path=str(shots / "checks-office-findings.png"), full_page=True)
    editor.go(f"/wordlists/{word_list}")
    assert page.get_by_role("heading", name="网页测试词库").is_visible()
    page.screenshot(path=str(shots / "checks-wordlist.png"), full_page=True)
    assert editor.csp_violations() == []
    editor.close()
