"""The annual reports as files: the 政府信息公开工作年度报告 as an editable .docx laid out
like published reports (the 2021 format's tables with their merged headings), its tables
as .xlsx, and the 政府网站工作年度报表 as .xlsx and .docx."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.table import Table
from openpyxl import Workbook

from workflow import spreadsheet
from workflow.disclosure.outcomes import RESULT_GROUPS
from workflow.reporting import website_report
from workflow.reporting.annual_report import (
    ACTIVE_SECTIONS,
    APPEAL_COLUMNS,
    APPEAL_GROUPS,
    RECONCILE_NOTE,
    REQUEST_COLUMN_LABELS,
    REQUEST_COLUMNS,
    RESULTS_HEADING,
    TEXTS,
    AnnualReport,
)
from workflow.reporting.website_report import WebsiteReport

PLACEHOLDER = "（请填写）"


def number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}"


def _font(run: Any, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def title_of(report: AnnualReport) -> str:
    who = report.scope_name or "本级人民政府"
    return f"{who}{report.year}年政府信息公开工作年度报告"


def _set(
    table: Table,
    row: int,
    col: int,
    text: str,
    *,
    to_col: int | None = None,
    to_row: int | None = None,
) -> None:
    cell = table.cell(row, col)
    if to_col is not None or to_row is not None:
        cell = cell.merge(
            table.cell(to_row if to_row is not None else row, to_col if to_col is not None else col)
        )
    cell.text = text


def _active_table(doc: Any, report: AnnualReport) -> None:
    rows = sum(2 + len(r) for _h, _c, r in ACTIVE_SECTIONS)
    table = doc.add_table(rows=rows, cols=4)
    table.style = "Table Grid"
    at = 0
    for heading, columns, body in ACTIVE_SECTIONS:
        _set(table, at, 0, heading, to_col=3)
        _set(table, at + 1, 0, "信息内容")
        wide = len(columns) == 1
        for i, text in enumerate(columns):
            _set(table, at + 1, 1 + i, text, to_col=3 if wide else None)
        for r, (key, label) in enumerate(body, start=at + 2):
            _set(table, r, 0, label)
            for i in range(len(columns)):
                _set(
                    table,
                    r,
                    1 + i,
                    number(report.values.get(f"active.{key}.{i}")),
                    to_col=3 if wide else None,
                )
        at += 2 + len(body)


def _requests_table(doc: Any, report: AnnualReport) -> None:
    results = sum(len(rows) for _g, rows in RESULT_GROUPS)
    table = doc.add_table(rows=3 + 2 + results + 1 + 1, cols=10)
    table.style = "Table Grid"
    _set(table, 0, 0, RECONCILE_NOTE, to_row=2, to_col=2)
    _set(table, 0, 3, "申请人情况", to_col=9)
    _set(table, 1, 3, "自然人", to_row=2)
    _set(table, 1, 4, "法人或其他组织", to_col=8)
    _set(table, 1, 9, "总计", to_row=2)
    for i, col in enumerate(REQUEST_COLUMNS[1:-1]):
        _set(table, 2, 4 + i, REQUEST_COLUMN_LABELS[col])

    def figures(row: int, key: str) -> None:
        for i, col in enumerate(REQUEST_COLUMNS):
            _set(table, row, 3 + i, number(report.values.get(f"requests.{key}.{col}")))

    _set(table, 3, 0, "一、本年新收政府信息公开申请数量", to_col=2)
    figures(3, "new")
    _set(table, 4, 0, "二、上年结转政府信息公开申请数量", to_col=2)
    figures(4, "carried_in")
    at = 5
    _set(table, at, 0, RESULTS_HEADING, to_row=at + results)
    for group, rows in RESULT_GROUPS:
        if not group:
            code, label = rows[0]
            _set(table, at, 1, label, to_col=2)
            figures(at, code)
            at += 1
            continue
        _set(table, at, 1, group, to_row=at + len(rows) - 1)
        for code, label in rows:
            _set(table, at, 2, label)
            figures(at, code)
            at += 1
    _set(table, at, 1, "（七）总计", to_col=2)
    figures(at, "total")
    _set(table, at + 1, 0, "四、结转下年度继续办理", to_col=2)
    figures(at + 1, "carried_out")


def _appeals_table(doc: Any, report: AnnualReport) -> None:
    table = doc.add_table(rows=4, cols=15)
    table.style = "Table Grid"
    _set(table, 0, 0, "行政复议", to_col=4)
    _set(table, 0, 5, "行政诉讼", to_col=14)
    _set(table, 1, 5, "未经复议直接起诉", to_col=9)
    _set(table, 1, 10, "复议后起诉", to_col=14)
    for i, (_c, label) in enumerate(APPEAL_COLUMNS):
        _set(table, 1, i, label, to_row=2)
        _set(table, 2, 5 + i, label)
        _set(table, 2, 10 + i, label)
    for g, (group, _l) in enumerate(APPEAL_GROUPS):
        for i, (col, _c) in enumerate(APPEAL_COLUMNS):
            _set(table, 3, 5 * g + i, number(report.values.get(f"appeals.{group}.{col}")))


def annual_docx(report: AnnualReport) -> bytes:
    doc = Document()
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(title_of(report)), "方正小标宋简体", 22)

    def para(text: str, font: str = "仿宋", bold: bool = False) -> None:
        p = doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(32)
        _font(p.add_run(text), font, 16, bold)

    para(
        "本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和"
        "《中华人民共和国政府信息公开工作年度报告格式》（国办公开办函〔2021〕30号）编制。"
        f"本报告所列数据的统计期限自{report.year}年1月1日起至{report.year}年12月31日止。"
    )
    texts = dict(TEXTS)
    para(texts["overview"], "黑体")
    para(report.texts.get("overview") or PLACEHOLDER)
    para("二、主动公开政府信息情况", "黑体")
    _active_table(doc, report)
    para("三、收到和处理政府信息公开申请情况", "黑体")
    _requests_table(doc, report)
    para("四、政府信息公开行政复议、行政诉讼情况", "黑体")
    _appeals_table(doc, report)
    para(texts["problems"], "黑体")
    para(report.texts.get("problems") or PLACEHOLDER)
    para(texts["other"], "黑体")
    para(report.texts.get("other") or PLACEHOLDER)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def annual_xlsx(report: AnnualReport) -> bytes:
    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "主动公开"
    spreadsheet.append(sheet, [title_of(report)])
    for heading, columns, body in ACTIVE_SECTIONS:
        spreadsheet.append(sheet, [heading])
        spreadsheet.append(sheet, ["信息内容", *columns])
        for key, label in body:
            values = [report.values.get(f"active.{key}.{i}") for i in range(len(columns))]
            spreadsheet.append(sheet, [label, *values])
    sheet = wb.create_sheet("收到和处理申请")
    spreadsheet.append(sheet, [RECONCILE_NOTE, "", "", "申请人情况"])
    spreadsheet.append(sheet, ["", "", "", *(REQUEST_COLUMN_LABELS[c] for c in REQUEST_COLUMNS)])
    for label1, label2, label3, key in _request_lines():
        values = [report.values.get(f"requests.{key}.{c}") for c in REQUEST_COLUMNS]
        spreadsheet.append(sheet, [label1, label2, label3, *values])
    sheet = wb.create_sheet("复议诉讼")
    spreadsheet.append(sheet, ["", *(label for _c, label in APPEAL_COLUMNS)])
    for group, label in APPEAL_GROUPS:
        values = [report.values.get(f"appeals.{group}.{c}") for c, _l in APPEAL_COLUMNS]
        spreadsheet.append(sheet, [label, *values])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _request_lines() -> list[tuple[str, str, str, str]]:
    lines = [
        ("一、本年新收政府信息公开申请数量", "", "", "new"),
        ("二、上年结转政府信息公开申请数量", "", "", "carried_in"),
    ]
    for group, rows in RESULT_GROUPS:
        for code, label in rows:
            lines.append((RESULTS_HEADING, group or label, label if group else "", code))
    lines.append((RESULTS_HEADING, "（七）总计", "", "total"))
    lines.append(("四、结转下年度继续办理", "", "", "carried_out"))
    return lines


def website_xlsx(report: WebsiteReport) -> bytes:
    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "网站工作年度报表"
    spreadsheet.append(sheet, [f"政府网站工作年度报表（{report.year}年度）"])
    for section, key, label, _kind in website_report.FIELDS:
        value = report.values.get(key)
        spreadsheet.append(sheet, [section, label, "" if value is None else value])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def website_docx(report: WebsiteReport) -> bytes:
    doc = Document()
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(f"政府网站工作年度报表（{report.year}年度）"), "方正小标宋简体", 20)
    table = doc.add_table(rows=0, cols=3)
    table.style = "Table Grid"
    for section, key, label, kind in website_report.FIELDS:
        value = report.values.get(key)
        cells = table.add_row().cells
        cells[0].text = section
        cells[1].text = label
        if value is None:
            cells[2].text = ""
        else:
            cells[2].text = number(float(value)) if kind == "number" else str(value)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
