"""The 信息发布审核表 as .docx: a bordered four-column table per form, a page each."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Pt

from workflow.reporting.common import DEFAULTS, ReportSettings
from workflow.reporting.review_form import (
    TITLE,
    ReviewForm,
    facts_rows,
    footer_rows,
    note_text,
    number_text,
    opinion_text,
    signature_text,
)

BODY_FONT, TITLE_FONT = "宋体", "黑体"
WIDTHS = (Cm(3.6), Cm(5.6), Cm(2.6), Cm(4.2))


def _font(run: Any, name: str, size: float, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _write(cell: Any, text: str, bold: bool = False, align: Any = None) -> None:
    """Replace the cell's text (lines become paragraphs)."""
    first, *rest = text.split("\n")
    paragraph = cell.paragraphs[0]
    _font(paragraph.add_run(first), BODY_FONT, 11, bold)
    if align is not None:
        paragraph.alignment = align
    for line in rest:
        more = cell.add_paragraph()
        _font(more.add_run(line), BODY_FONT, 11, bold)
        if align is not None:
            more.alignment = align
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _row(table: Any, label: str, value: str, label2: str, value2: str) -> Any:
    row = table.add_row()
    cells = row.cells
    _write(cells[0], label, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    if label2:
        _write(cells[1], value)
        _write(cells[2], label2, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
        _write(cells[3], value2)
    else:
        _write(cells[1].merge(cells[3]), value)
    return row


def _widths(table: Any) -> None:
    """The grid's column widths, and each cell's (a merged cell spans several)."""
    for column, width in zip(table.columns, WIDTHS, strict=True):
        column.width = width
    for row in table.rows:
        start = 0
        for tc in row._tr.tc_lst:
            span = tc.grid_span
            tc.width = Emu(sum(WIDTHS[start : start + span]))
            start += span


def _form(
    doc: Any, form: ReviewForm, now: datetime, settings: ReportSettings, new_page: bool
) -> None:
    title = doc.add_paragraph()
    title.paragraph_format.page_break_before = new_page  # one form per page
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(title.add_run(TITLE), TITLE_FONT, 18, bold=True)
    number = doc.add_paragraph()
    number.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _font(number.add_run(number_text(form)), BODY_FONT, 10.5)
    table = doc.add_table(rows=0, cols=4)
    table.style = "Table Grid"
    for row in facts_rows(form, settings):
        _row(table, *row)
    for signoff in form.signoffs:
        row = _row(table, f"{signoff.label}\n（{signoff.role}）", opinion_text(signoff), "", "")
        row.height, row.height_rule = Cm(3.0), WD_ROW_HEIGHT_RULE.AT_LEAST
        cell = row.cells[1]
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
        signature = cell.add_paragraph()
        signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        signature.paragraph_format.space_before = Pt(18)
        _font(signature.add_run(signature_text(signoff, settings)), BODY_FONT, 11)
    for row in footer_rows(form, settings):
        _row(table, *row)
    _widths(table)
    note = doc.add_paragraph()
    note.paragraph_format.space_before = Pt(6)
    _font(note.add_run(note_text(now, settings)), BODY_FONT, 9)


def render(
    forms: Sequence[ReviewForm], now: datetime, settings: ReportSettings = DEFAULTS
) -> bytes:
    """The forms, one per page (an empty list: one page saying so)."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.2)
    if not forms:
        _font(doc.add_paragraph().add_run("所选期间没有发布的信息。"), BODY_FONT, 12)
    for i, form in enumerate(forms):
        _form(doc, form, now, settings, new_page=i > 0)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
