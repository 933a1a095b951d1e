"""The 依申请公开 register and the annual report in real Chromium (issue 19): the office
registers a request received 2026-09-28, routes it to unit A, asks for a correction on
the fifth working day, records the correction ten days later (the count restarts), the
unit drafts the reply from the template, its deputy head approves it, the office sends
it; then the annual report is downloaded and opened with python-docx. Screenshots go to
SANSHEN_SCREENSHOTS."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docx import Document
from flask import Flask

from .browser import User, require_chromium
from .support import Portal, user_of

require_chromium()


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T02:00:00").replace(tzinfo=UTC)  # 10:00 Beijing


def set_clock(app: Flask, day: str) -> None:
    moment = at(day)
    app.config["SANSHEN_CLOCK"] = lambda: moment


def click_action(page: Any, name: str) -> None:
    page.locator(f"#act-{name} button[type=submit]").click()
    page.wait_for_load_state()


def test_a_request_registered_routed_paused_for_correction_and_answered(
    app: Flask, portal: Portal, server: str, browser: Any, shots: Path
) -> None:
    session = app.extensions["sanshen.sessions"]()
    try:
        unit_a = user_of(session, portal, "drafter").unit.name
    finally:
        session.close()
    set_clock(app, "2026-09-28")
    office = User(browser, server, portal.logins["editor"], viewport={"width": 1280, "height": 900})
    page = office.page
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="依申请公开").click()
    page.get_by_role("link", name="登记新申请").click()
    page.get_by_label("收到日期").fill("2026-09-28")
    page.get_by_label("申请方式").select_option(label="网上申请")
    page.get_by_label("申请人类型").select_option(label="自然人")
    page.get_by_label("申请人", exact=True).fill("张三")
    page.get_by_label("申请内容").fill("申请公开本区2026年义务教育阶段学校招生划片方案")
    page.get_by_label("所需政府信息").fill("2026年义务教育招生划片方案")
    page.get_by_role("button", name="登记").click()
    page.wait_for_load_state()
    assert page.locator("#remaining").inner_text() == "剩余 20 个工作日"
    assert "2026年10月30日" in page.locator("#due").inner_text()

    page.locator("#act-route select[name=unit_id]").select_option(label=unit_a)
    page.locator("#act-route textarea[name=reason]").fill("该信息由区教育局制作并保存")
    click_action(page, "route")
    assert page.locator("#state").inner_text() == "办理中"
    request_url = page.url
    page.screenshot(path=str(shots / "disclosure-handling.png"), full_page=True)
    page.get_by_role("link", name="返回登记簿").click()
    row = page.locator("#register tbody tr").first
    assert "剩余 20 个工作日" in row.inner_text() and unit_a in row.inner_text()
    page.screenshot(path=str(shots / "disclosure-register.png"), full_page=True)

    set_clock(app, "2026-10-10")  # the fifth working day (a Saturday worked after 国庆)
    office.close()  # days pass: the sessions of before have expired, log in again
    office = User(browser, server, portal.logins["editor"], viewport={"width": 1280, "height": 900})
    page = office.page
    page.goto(request_url)
    page.locator("#act-ask_correction textarea[name=note]").fill("请明确所需信息的学段")
    click_action(page, "ask_correction")
    assert page.locator("#state").inner_text() == "待申请人补正"
    assert page.locator("#remaining").inner_text().startswith("已暂停")
    page.screenshot(path=str(shots / "disclosure-correction.png"), full_page=True)

    set_clock(app, "2026-10-20")  # the correction arrives ten days later
    office.close()
    office = User(browser, server, portal.logins["editor"], viewport={"width": 1280, "height": 900})
    page = office.page
    page.goto(request_url)
    page.locator("#act-correction_received input[name=received_on]").fill("2026-10-20")
    click_action(page, "correction_received")
    assert page.locator("#state").inner_text() == "办理中"
    assert page.locator("#remaining").inner_text() == "剩余 20 个工作日"
    assert "2026年11月17日" in page.locator("#due").inner_text()

    set_clock(app, "2026-10-22")
    drafter = User(browser, server, portal.logins["drafter"])
    drafter.page.goto(request_url)
    drafter.page.locator("#act-draft_reply select[name=outcome]").select_option(label="予以公开")
    click_action(drafter.page, "draft_reply")
    assert "现予以公开" in drafter.page.locator("#reply").inner_text()
    assert drafter.page.locator("#remaining").inner_text() == "剩余 18 个工作日"

    deputy = User(browser, server, portal.logins["deputy"])
    deputy.page.goto(request_url)
    click_action(deputy.page, "approve_reply")
    assert deputy.page.locator("#state").inner_text() == "答复书已审核，待发出"

    office.close()
    office = User(browser, server, portal.logins["editor"], viewport={"width": 1280, "height": 900})
    page = office.page
    page.goto(request_url)
    click_action(page, "answer")
    assert page.locator("#state").inner_text() == "已答复"
    assert page.locator("#outcome").inner_text() == "予以公开"
    actions = page.locator("#history tbody tr td:nth-child(2)").all_inner_texts()
    assert actions == [
        "登记申请",
        "转办",
        "告知补正",
        "收到补正",
        "拟写答复书",
        "审核通过答复书",
        "发出答复",
    ]
    page.screenshot(path=str(shots / "disclosure-answered.png"), full_page=True)
    for person in (office, drafter, deputy):
        assert person.csp_violations() == []
    drafter.close()
    deputy.close()
    office.close()


def test_the_annual_report_is_downloaded_and_opens_in_python_docx(
    app: Flask, portal: Portal, server: str, browser: Any, shots: Path, tmp_path: Path
) -> None:
    set_clock(app, "2027-01-10")
    office = User(browser, server, portal.logins["editor"], viewport={"width": 1280, "height": 900})
    page = office.page
    office.go("/reports/annual?year=2026&scope=all")
    assert page.locator("#reconciled").is_visible()
    assert "行政许可·本年处理决定数量" in page.locator("#missing").inner_text()
    page.screenshot(path=str(shots / "annual-report.png"), full_page=True)
    with page.expect_download() as info:
        page.locator("#download-docx").click()
    path = tmp_path / "report.docx"
    info.value.save_as(path)
    assert info.value.suggested_filename.endswith("2026年政府信息公开工作年度报告.docx")
    doc = Document(io.BytesIO(path.read_bytes()))
    assert "2026年政府信息公开工作年度报告" in doc.paragraphs[0].text
    requests_table = doc.tables[1]
    new_row = [c.text for c in requests_table.rows[3].cells]
    assert new_row[2] == "一、本年新收政府信息公开申请数量"
    assert new_row[3] == "1" and new_row[9] == "1"  # one 自然人 request, total 1
    disclose_row = [c.text for c in requests_table.rows[5].cells]
    assert disclose_row[2] == "（一）予以公开" and disclose_row[3] == "1"
    # An error in the figures entered by hand is named on the page.
    page.get_by_label("行政复议·结果维持").fill("1")
    page.get_by_label("行政复议·总计").fill("2")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert "“行政复议”行：总计为 2，各列之和为 1" in page.locator("#problems").inner_text()
    page.get_by_label("行政复议·总计").fill("")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert page.locator("#reconciled").is_visible()
    assert office.csp_violations() == []
    office.close()
