"""The register's and the annual report's pages through the test client: who sees what,
refusals in Chinese naming the field or the rule (never a 500), the report's figures
form and its downloads."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from docx import Document
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from .support import Portal, login, page_token, user_of, version_on


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T02:00:00").replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def clocked(app: Flask) -> Flask:
    moment = at("2026-09-28")
    app.config["SANSHEN_CLOCK"] = lambda: moment
    return app


def register(client: FlaskClient, **fields: str) -> tuple[int, str]:
    _html, token = page_token(client, "/disclosure/new")
    data = {
        "csrf_token": token,
        "received_on": "2026-09-28",
        "channel": "letter",
        "applicant_type": "business",
        "applicant_name": "某某科技有限公司",
        "content": "申请公开某地块规划许可信息",
        "info_requested": "某地块建设工程规划许可证",
        **fields,
    }
    response = client.post("/disclosure/new", data=data)
    return response.status_code, response.headers.get("Location", "") or response.get_data(
        as_text=True
    )


def test_the_office_registers_and_others_see_only_their_own(clocked: Flask, portal: Portal) -> None:
    editor = login(clocked, portal.logins["editor"])
    status, location = register(editor)
    assert status == 302, location
    request_id = int(location.rsplit("/", 1)[1])
    html = editor.get(f"/disclosure/{request_id}").get_data(as_text=True)
    assert "剩余 20 个工作日" in html and "2026年10月30日" in html
    assert "某某科技有限公司（商业企业）" in html
    register_html = editor.get("/disclosure").get_data(as_text=True)
    assert "剩余 20 个工作日" in register_html

    drafter = login(clocked, portal.logins["drafter"])
    assert drafter.get("/disclosure/new").status_code == 403
    assert drafter.get(f"/disclosure/{request_id}").status_code == 404  # not routed to A yet
    other = login(clocked, portal.logins["other_deputy"])
    assert other.get(f"/disclosure/{request_id}").status_code == 404


def test_refusals_name_the_field_or_the_rule(clocked: Flask, portal: Portal) -> None:
    editor = login(clocked, portal.logins["editor"])
    status, html = register(editor, received_on="2026-10-05")  # after "today"
    assert status == 422
    assert "“收到日期”不能晚于今天。" in html
    assert "某某科技有限公司" in html  # what was typed is kept
    status, html = register(editor, applicant_name="")
    assert status == 422 and "请填写申请人" in html

    status, location = register(editor)
    request_id = int(location.rsplit("/", 1)[1])
    later = at("2026-10-14")  # the 8th working day
    clocked.config["SANSHEN_CLOCK"] = lambda: later
    try:
        editor = login(clocked, portal.logins["editor"])
        html, token = page_token(editor, f"/disclosure/{request_id}")
        response = editor.post(
            f"/disclosure/{request_id}/ask_correction",
            data={"csrf_token": token, "version": version_on(html), "note": "请补正"},
        )
        assert response.status_code == 422
        text = response.get_data(as_text=True)
        assert "补正须在收到申请之日起7个工作日内一次性告知（最迟2026-10-13）" in text
        response = editor.post(
            f"/disclosure/{request_id}/extend",
            data={"csrf_token": token, "version": version_on(html), "workdays": "5", "reason": "x"},
        )
        assert response.status_code == 403  # only the office's head extends
        response = editor.post(
            f"/disclosure/{request_id}/no_such_action",
            data={"csrf_token": token, "version": version_on(html)},
        )
        assert response.status_code == 404
    finally:
        moment = at("2026-09-28")
        clocked.config["SANSHEN_CLOCK"] = lambda: moment


def test_the_annual_report_page_figures_and_downloads(clocked: Flask, portal: Portal) -> None:
    editor = login(clocked, portal.logins["editor"])
    html, token = page_token(editor, "/reports/annual?year=2026&scope=all")
    assert "国办公开办函〔2021〕30号" in html
    assert "行政许可·本年处理决定数量" in html  # still missing
    assert 'id="units-overview"' in html and "各部门须于2027年1月31日星期日前公布" in html
    response = editor.post(
        "/reports/annual/figures?year=2026&scope=all",
        data={"csrf_token": token, "active.licensing.0": "-3"},
    )
    assert response.status_code == 422
    assert "“行政许可·本年处理决定数量”须为不小于0的数字。" in response.get_data(as_text=True)
    response = editor.post(
        "/reports/annual/figures?year=2026&scope=all",
        data={
            "csrf_token": token,
            "active.licensing.0": "12",
            "appeals.suit_direct.corrected": "1",
            "appeals.suit_direct.total": "2",
            "text.overview": "2026年，本区坚持以公开为常态、不公开为例外。",
        },
    )
    assert response.status_code == 302
    html = editor.get("/reports/annual?year=2026&scope=all").get_data(as_text=True)
    assert "“行政诉讼·未经复议直接起诉”行：总计为 2，各列之和为 1" in html
    log = login(clocked, portal.logins["admin"]).get("/admin/log").get_data(as_text=True)
    assert "填报年度报告数据" in log and "全区2026年政府信息公开工作年度报告" in log
    assert "行政许可·本年处理决定数量" in log and "active.licensing" not in log
    docx = editor.get("/reports/annual.docx?year=2026&scope=all")
    assert docx.status_code == 200
    doc = Document(io.BytesIO(docx.data))
    assert "2026年，本区坚持以公开为常态、不公开为例外。" in [p.text for p in doc.paragraphs]
    licensing = next(r.cells for r in doc.tables[0].rows if r.cells[0].text == "行政许可")
    assert licensing[1].text == "12"
    xlsx = editor.get("/reports/annual.xlsx?year=2026&scope=all")
    assert load_workbook(io.BytesIO(xlsx.data)).sheetnames == [
        "主动公开",
        "收到和处理申请",
        "复议诉讼",
    ]
    # A unit's people see their own unit's report only.
    drafter = login(clocked, portal.logins["drafter"])
    assert drafter.get("/reports/annual?year=2026&scope=all").status_code == 403
    own = user_of_unit(clocked, portal)
    assert drafter.get(f"/reports/annual?year=2026&scope={own}").status_code == 200
    assert drafter.get("/reports/website?year=2026").status_code == 403
    assert re.search(
        r"年份“abc”无效", editor.get("/reports/annual?year=abc").get_data(as_text=True)
    )


def test_the_website_report(clocked: Flask, portal: Portal) -> None:
    editor = login(clocked, portal.logins["editor"])
    html, token = page_token(editor, "/reports/website?year=2026")
    assert "国办函〔2018〕12号" in html
    response = editor.post(
        "/reports/website/figures?year=2026",
        data={"csrf_token": token, "site.name": "某区人民政府门户网站", "visits.total": "123456"},
    )
    assert response.status_code == 302
    data = editor.get("/reports/website.xlsx?year=2026").data
    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert (None, "网站名称", "某区人民政府门户网站") in rows
    assert (None, "网站总访问量（单位：次）", 123456) in rows
    doc = Document(io.BytesIO(editor.get("/reports/website.docx?year=2026").data))
    assert doc.tables[0].rows[0].cells[2].text == "某区人民政府门户网站"


def user_of_unit(app: Flask, portal: Portal) -> int:
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            return user_of(session, portal, "drafter").unit_id
        finally:
            session.close()


def test_the_office_schedules_a_monthly_report(clocked: Flask, portal: Portal) -> None:
    editor = login(clocked, portal.logins["editor"])
    html, token = page_token(editor, "/reports/schedules")
    assert "尚未设置定期报送" in html
    data = {"csrf_token": token, "kind": "submissions", "day_of_month": "25"}
    response = editor.post(
        "/reports/schedules", data={**data, "recipients": "dy_zwgk@huangshi.gov.cn\n领导邮箱"}
    )
    assert response.status_code == 422
    assert "“领导邮箱”不是有效的邮箱地址。" in response.get_data(as_text=True)
    response = editor.post(
        "/reports/schedules", data={**data, "recipients": "dy_zwgk@huangshi.gov.cn"}
    )
    assert response.status_code == 302
    html, token = page_token(editor, "/reports/schedules")
    assert "政务公开信息报送情况表" in html and "每月25日" in html and "已启用" in html
    schedule_id = re.search(r'name="schedule_id" value="(\d+)"', html)
    assert schedule_id
    response = editor.post(
        "/reports/schedules/switch",
        data={"csrf_token": token, "schedule_id": schedule_id.group(1)},
    )
    assert response.status_code == 302
    assert "已停用" in editor.get("/reports/schedules").get_data(as_text=True)
    drafter = login(clocked, portal.logins["drafter"])
    assert drafter.get("/reports/schedules").status_code == 403


def test_the_register_in_english(clocked: Flask, portal: Portal) -> None:
    editor = login(clocked, portal.logins["editor"])
    status, location = register(editor)
    assert status == 302
    _html, token = page_token(editor, "/disclosure")
    editor.post("/language", data={"csrf_token": token, "locale": "en", "next": "/disclosure"})
    html = editor.get("/disclosure").get_data(as_text=True)
    assert "Disclosure request register" in html
    assert "20 working days left" in html
    assert "Business" in html  # the applicant type, in words
    page = editor.get(location).get_data(as_text=True)
    assert "Route" in page and "Registered, to be routed" in page
