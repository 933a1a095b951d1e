"""The 信息发布审核表 as .docx: a bordered four-column table per form, a page each.

python-docx makes the document (its default template, its styles, the A4 section); each
form's paragraphs and table are written as WordprocessingML text and parsed once, since
building them through python-docx's cell and run objects (merges, fonts per run) took
ten times as long as the file's plain text — a month's batch is hundreds of forms
(bench/review_forms.py)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, Final
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm

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
WIDTHS: Final = (Cm(3.6), Cm(5.6), Cm(2.6), Cm(4.2))
SIGNOFF_HEIGHT: Final = Cm(3.0)  # an opinion cell leaves room to sign, as on paper
EMPTY_TEXT: Final = "所选期间没有发布的信息。"
# What XML 1.0 cannot hold (lxml refuses the whole form): control characters but the tab,
# surrogates, U+FFFE and U+FFFF — a title or an opinion typed with one must still print.
NOT_XML: Final = re.compile("[^\t\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _run(text: str, font: str = BODY_FONT, size: float = 11, bold: bool = False) -> str:
    fonts = f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}"/>'
    weight = "<w:b/>" if bold else ""
    half_points = round(size * 2)
    text = NOT_XML.sub("", text)
    return (
        f'<w:r><w:rPr>{fonts}{weight}<w:sz w:val="{half_points}"/></w:rPr>'
        f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'
    )


def _paragraph(runs: str, align: str = "", before: int = 0, page_break: bool = False) -> str:
    """A paragraph; `before` is space above it in points."""
    props = "<w:pageBreakBefore/>" if page_break else ""
    props += f'<w:spacing w:before="{before * 20}"/>' if before else ""
    props += f'<w:jc w:val="{align}"/>' if align else ""
    return f"<w:p><w:pPr>{props}</w:pPr>{runs}</w:p>"


def _lines(text: str, bold: bool = False, align: str = "") -> str:
    """Each line its own paragraph (python-docx reads them back joined by newlines)."""
    return "".join(_paragraph(_run(line, bold=bold), align) for line in text.split("\n"))


def _cell(paragraphs: str, span: int, start: int, valign: str = "center") -> str:
    width = sum(WIDTHS[start : start + span]) // 635  # EMU → twentieths of a point
    grid = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{grid}'
        f'<w:vAlign w:val="{valign}"/></w:tcPr>{paragraphs}</w:tc>'
    )


def _row(label: str, value: str, label2: str, value2: str) -> str:
    cells = _cell(_lines(label, bold=True, align="center"), 1, 0)
    if label2:
        cells += _cell(_lines(value), 1, 1)
        cells += _cell(_lines(label2, bold=True, align="center"), 1, 2)
        cells += _cell(_lines(value2), 1, 3)
    else:
        cells += _cell(_lines(value), 3, 1)
    return f"<w:tr>{cells}</w:tr>"


def _signoff_row(label: str, opinion: str, signature: str) -> str:
    height = SIGNOFF_HEIGHT // 635
    cells = _cell(_lines(label, bold=True, align="center"), 1, 0)
    cells += _cell(
        _lines(opinion) + _paragraph(_run(signature), align="right", before=18), 3, 1, "top"
    )
    return f'<w:tr><w:trPr><w:trHeight w:val="{height}" w:hRule="atLeast"/></w:trPr>{cells}</w:tr>'


def _table(form: ReviewForm, settings: ReportSettings) -> str:
    rows = [_row(*row) for row in facts_rows(form, settings)]
    rows += [
        _signoff_row(f"{s.label}\n（{s.role}）", opinion_text(s), signature_text(s, settings))
        for s in form.signoffs
    ]
    rows += [_row(*row) for row in footer_rows(form, settings)]
    grid = "".join(f'<w:gridCol w:w="{w // 635}"/>' for w in WIDTHS)
    return (
        '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
        '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
        'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>{''.join(rows)}</w:tbl>"
    )


def _form(form: ReviewForm, now: datetime, settings: ReportSettings, new_page: bool) -> str:
    return "".join(
        [
            _paragraph(_run(TITLE, TITLE_FONT, 18, bold=True), "center", page_break=new_page),
            _paragraph(_run(number_text(form), size=10.5), "right"),
            _table(form, settings),
            _paragraph(_run(note_text(now, settings), size=9), before=6),
        ]
    )


def _elements(xml: str) -> Iterator[Any]:
    holder = parse_xml(f"<w:body {nsdecls('w')}>{xml}</w:body>")
    yield from list(holder)


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
    end = doc.element.body.find(qn("w:sectPr"))  # body content goes before it
    if not forms:
        for element in _elements(_paragraph(_run(EMPTY_TEXT, size=12))):
            end.addprevious(element)
    for i, form in enumerate(forms):
        for element in _elements(_form(form, now, settings, new_page=i > 0)):
            end.addprevious(element)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
