"""Issue 16 in real Chromium: the 审核表 links on the item page download a .docx that
opens in python-docx and a PDF whose text pypdf reads; a refused approval comes back to
the item page (the address bar leaves /approve) with the typed opinion; "新建信息" stays
on one line in the drafter's column table. Screenshots at desktop and phone width go to
the `shots` folder; no page breaks the CSP."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import docx
from flask import Flask
from pypdf import PdfReader
from sqlalchemy.orm import Session

from workflow import services
from workflow.models import Column

from ..factories import make_column
from ..services import act
from .browser import User, require_chromium
from .support import Portal, user_of

require_chromium()

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}


def _item(app: Flask, portal: Portal, title: str, steps: int) -> int:
    """An item of unit A taken `steps` steps along submit → 初审 → 审核 → 审发."""
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        when = datetime.now(UTC) - timedelta(days=1)
        item = services.create_item(
            session,
            actor=user_of(session, portal, "drafter"),
            column_id=portal.column.id,
            kind="article",
            title=title,
            body="<p>各中小学、幼儿园：请做好寒假安全教育。</p>",
            now=when,
        ).value
        path = [
            ("submit", "drafter", {}),
            ("approve", "deputy", {"confidentiality_checked": True, "comment": "同意报送"}),
            ("approve", "head", {"comment": "同意"}),
            ("approve", "editor", {"comment": "同意发布"}),
        ]
        for i, (action, who, extra) in enumerate(path[:steps], 1):
            at = when + timedelta(minutes=i)
            act(session, action, item, by=user_of(session, portal, who), now=at, **extra)
        session.commit()
        item_id = item.id
        session.close()
        return item_id


def test_the_form_links_download_word_and_pdf(
    app: Flask, portal: Portal, server: str, browser: Any, shots: Path, tmp_path: Path
) -> None:
    item_id = _item(app, portal, "关于做好寒假安全教育工作的通知", 4)
    for name, options in (("desktop", DESKTOP), ("phone", PHONE)):
        drafter = User(browser, server, portal.logins["drafter"], **options)
        drafter.go(f"/items/{item_id}")
        section = drafter.page.locator("#review-form")
        assert section.get_by_text("第1版（在线）").is_visible()
        drafter.page.screenshot(path=str(shots / f"c1-item-{name}.png"), full_page=True)
        if name == "desktop":
            with drafter.page.expect_download() as word:
                section.get_by_role("link", name="下载 Word").click()
            saved = tmp_path / word.value.suggested_filename
            word.value.save_as(saved)
            assert saved.suffix == ".docx" and "信息发布审核表" in saved.name
            table = docx.Document(str(saved)).tables[0]
            assert table.cell(0, 1).text == "关于做好寒假安全教育工作的通知"
            assert table.cell(5, 1).text.startswith("■ 已完成保密审查")
            assert table.cell(8, 1).text.startswith("同意发布\n签名：郑爽")
            with drafter.page.expect_download() as pdf:
                section.get_by_role("link", name="下载 PDF").click()
            data = Path(pdf.value.path()).read_bytes()
            assert data.startswith(b"%PDF")
            text = "".join(PdfReader(io.BytesIO(data)).pages[0].extract_text().split())
            for expected in ("政府网站信息发布审核表", "关于做好寒假安全教育工作的通知", "李建国"):
                assert expected in text
        assert drafter.csp_violations() == []
        drafter.close()


def test_a_refused_approval_returns_to_the_item_page(
    app: Flask, portal: Portal, server: str, browser: Any, shots: Path
) -> None:
    """The page was open while another deputy head returned the item: the approval is
    refused (409), the browser lands on the item page, and the typed opinion is there to
    copy."""
    item_id = _item(app, portal, "两位分管负责人同时处理的稿件", 1)
    deputy = User(browser, server, portal.logins["deputy"], **DESKTOP)
    deputy.go(f"/items/{item_id}")
    page = deputy.page
    page.get_by_label("已完成保密审查").check()
    page.locator("#approve-comment").fill("数据已核对，同意")
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        from workflow.models import Item

        item = session.get(Item, item_id)
        assert item is not None
        other = user_of(session, portal, "deputy2")
        act(session, "reject", item, by=other, now=datetime.now(UTC), comment="请补充附件")
        session.commit()
        session.close()
    with page.expect_response(lambda r: r.url.endswith("/approve")) as answer:
        page.get_by_role("button", name="通过", exact=True).click()
    page.wait_for_load_state()
    assert answer.value.status == 302
    assert page.url == f"{deputy.base}/items/{item_id}#approve"
    assert page.get_by_text("此稿件已被他人处理，请刷新后查看").is_visible()
    kept = page.locator(".returned", has_text="您填写但未能提交的意见")
    assert kept.is_visible() and "数据已核对，同意" in kept.inner_text()
    page.screenshot(path=str(shots / "c1-refused-approval.png"), full_page=True)
    # A reload sends nothing again; the message and the kept text were for once.
    page.reload()
    assert page.get_by_text("此稿件已被他人处理，请刷新后查看").count() == 0
    assert page.get_by_text("您填写但未能提交的意见").count() == 0
    assert deputy.csp_violations() == []
    deputy.close()


def _lines(page: Any, locator: Any) -> float:
    """How many lines of text an element's content takes."""
    return float(
        locator.evaluate(
            """e => { const s = getComputedStyle(e);
                const pad = parseFloat(s.paddingTop) + parseFloat(s.paddingBottom);
                const lh = parseFloat(s.lineHeight) || parseFloat(s.fontSize) * 1.5;
                return (e.clientHeight - pad) / lh; }"""
        )
    )


def test_new_item_stays_on_one_line(
    app: Flask, portal: Portal, server: str, browser: Any, shots: Path
) -> None:
    """A column with a long path and a long time requirement squeezes the last cell."""
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        unit = user_of(session, portal, "drafter").unit
        long_path = "政府信息公开/法定主动公开内容/财政信息/部门预决算/预算执行情况与三公经费"
        column: Column = make_column(session, [unit], name=long_path)
        column.time_requirement = (
            "部门预算、决算经批准后20日内公开，并在每季度结束后15个工作日内更新执行情况，"
            "遇有调整的，在调整批准后10个工作日内公开调整说明及相关表格"
        )
        session.commit()
        session.close()
    for name, options in (("desktop", DESKTOP), ("phone", PHONE)):
        drafter = User(browser, server, portal.logins["drafter"], **options)
        drafter.go("/columns")
        buttons = drafter.page.get_by_role("link", name="新建信息")
        assert buttons.count() >= 2
        for i in range(buttons.count()):
            assert _lines(drafter.page, buttons.nth(i)) < 1.5, name
        drafter.page.screenshot(path=str(shots / f"c1-columns-{name}.png"), full_page=True)
        assert drafter.csp_violations() == []
        drafter.close()


def test_the_office_downloads_a_months_forms(
    app: Flask, portal: Portal, server: str, browser: Any, shots: Path, tmp_path: Path
) -> None:
    _item(app, portal, "本月发布的第一条", 4)
    _item(app, portal, "本月发布的第二条", 4)
    # _item publishes a day ago; the period is the app's local month of that moment.
    local = ZoneInfo(app.config["SANSHEN"].TIMEZONE)
    published = datetime.now(UTC) - timedelta(days=1) + timedelta(minutes=4)
    month = published.astimezone(local).strftime("%Y-%m")
    for name, options in (("desktop", DESKTOP), ("phone", PHONE)):
        editor = User(browser, server, portal.logins["editor"], **options)
        editor.go("/office/scoreboard")
        editor.page.locator("nav.subnav").get_by_role("link", name="审核表").click()
        editor.page.wait_for_load_state()
        editor.page.get_by_label("期间").fill(month)
        editor.page.get_by_role("button", name="查看").click()
        editor.page.wait_for_load_state()
        assert editor.page.locator("#form-count").is_visible()
        editor.page.screenshot(path=str(shots / f"c1-office-forms-{name}.png"), full_page=True)
        if name == "desktop":
            with editor.page.expect_download() as word:
                editor.page.get_by_role("link", name="下载审核表（Word）").click()
            saved = tmp_path / "batch.docx"
            word.value.save_as(saved)
            titles = [t.cell(0, 1).text for t in docx.Document(str(saved)).tables]
            assert "本月发布的第一条" in titles and "本月发布的第二条" in titles
        assert editor.csp_violations() == []
        editor.close()
