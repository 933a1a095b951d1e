"""Exports open with openpyxl and python-docx and hold the expected rows (the October
portal; see test_reporting_scoreboard.py for how each number is counted)."""

from __future__ import annotations

import io
from datetime import date

import docx
import openpyxl
import pytest
from sqlalchemy.orm import Session

from workflow.reporting.common import parse_period
from workflow.reporting.exports import assessment_xlsx, bulletin_docx, submissions_xlsx

from .factories import World
from .reporting_portal import NOW, Portal, october_portal


@pytest.fixture
def portal(session: Session, world: World) -> Portal:
    return october_portal(session, world)


def rows(ws: openpyxl.worksheet.worksheet.Worksheet) -> list[list[object]]:
    return [list(r) for r in ws.iter_rows(min_row=3, values_only=True)]


def test_assessment_workbook(portal: Portal, session: Session, world: World) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(assessment_xlsx(session, parse_period("2026-10"), NOW)))
    assert wb.sheetnames == ["考核排名", "逾期明细", "当前逾期"]
    a, b, c = world.unit_a.name, world.unit_b.name, portal.unit_c.name
    ranking = wb["考核排名"]
    assert ranking["A1"].value == "2026年10月政务公开栏目信息报送考核排名"
    assert ranking["B2"].value == "单位"
    assert rows(ranking) == [
        [1, a, 3, 1, 0, "75.0%", 1, 2, 1, 3, 1, "33.3%"],
        [2, c, 0, 0, 1, "0.0%", "—", "—", "—", 0, 0, "—"],
        [3, b, 0, 1, 2, "0.0%", "—", "—", "—", 0, 0, "—"],
    ]
    # Laid out for printing: titles repeated, one page wide, landscape A4.
    assert ranking.print_title_rows == "$1:$2"
    assert ranking.page_setup.fitToWidth == 1 and ranking.sheet_properties.pageSetUpPr.fitToPage
    assert ranking.page_setup.orientation == "landscape"
    assert rows(wb["逾期明细"]) == [
        [1, a, "依申请公开", "2026年10月22日", "逾期完成"],
        [2, c, "月报", "2026年10月26日", "未完成"],
        [3, b, "政策解读", "2026年10月12日", "未完成"],
        [4, b, "依申请公开", "2026年10月15日", "未完成"],
        [5, b, "月报", "2026年10月26日", "逾期完成"],
    ]
    assert rows(wb["当前逾期"]) == [
        [1, b, "政策解读", "2026年10月13日", "—", "已确认"],
        [2, b, "依申请公开", "2026年10月16日", "—", "已确认"],
        [3, c, "月报", "2026年10月27日", "2026年11月25日", "已确认"],
    ]
    year = openpyxl.load_workbook(io.BytesIO(assessment_xlsx(session, parse_period("2026"), NOW)))
    assert year.sheetnames[-1] == "年底突击"
    assert rows(year["年底突击"]) == [["无", None, None, None, None, None]]


def test_bulletin_draft(portal: Portal, session: Session, world: World) -> None:
    document = docx.Document(io.BytesIO(bulletin_docx(session, parse_period("2026-10"), NOW)))
    text = [p.text for p in document.paragraphs]
    assert text[0] == "关于2026年10月政务公开栏目信息报送情况的通报"
    assert (
        "本期共考核3个单位的8项报送任务，按时完成3项，按时完成率37.5%；3个单位存在逾期或未完成情况。"
        in text
    )
    assert (
        f"3. {world.unit_b.name}：政策解读（截止2026年10月12日，未完成）；"
        "依申请公开（截止2026年10月15日，未完成）；月报（截止2026年10月26日，逾期完成）。"
    ) in text
    assert f"2. {portal.unit_c.name}：月报（截止2026年10月26日，未完成）。" in text
    table = document.tables[0]
    assert [[c.text for c in r.cells] for r in table.rows] == [
        ["单位", "逾期完成", "未完成", "按时率"],
        [world.unit_a.name, "1", "0", "75.0%"],
        [portal.unit_c.name, "0", "1", "0.0%"],
        [world.unit_b.name, "1", "2", "0.0%"],
    ]
    assert text[-1] == "2026年11月23日"


def test_submission_spreadsheet(portal: Portal, session: Session, world: World) -> None:
    data = submissions_xlsx(session, date(2026, 10, 1), date(2026, 10, 31))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["汇总", "报送明细"]
    a, path, drafter = world.unit_a.name, world.column.path, world.drafter.name
    # Y (submitted 10-13, returned) and Z (10-19, waiting at 审发); X was submitted 09-30.
    assert rows(wb["汇总"]) == [[1, a, path, 2]]
    assert rows(wb["报送明细"]) == [
        [1, a, path, "审核时长", drafter, "2026-10-13 10:00", "已退回", None],
        [2, a, path, "审核时长", drafter, "2026-10-19 10:00", "审发中", None],
    ]
    september = openpyxl.load_workbook(
        io.BytesIO(submissions_xlsx(session, date(2026, 9, 1), date(2026, 9, 30)))
    )
    assert [r[6] for r in rows(september["报送明细"])] == ["已发布"]
    other_unit = openpyxl.load_workbook(
        io.BytesIO(
            submissions_xlsx(
                session, date(2026, 10, 1), date(2026, 10, 31), unit_id=world.unit_b.id
            )
        )
    )
    assert rows(other_unit["报送明细"]) == [["无", None, None, None, None, None, None, None]]
