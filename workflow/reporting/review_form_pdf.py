"""The 信息发布审核表 as PDF (reportlab): the same table as the .docx, a page per form.

The text is set in STSong-Light, one of the CID fonts every PDF reader carries (Adobe's
Asian font packs): the file embeds no font and needs none on the machine that makes it
— no LibreOffice, no font files. Readers without the pack substitute a Song face."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

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

FONT: Final = "STSong-Light"
WIDTHS: Final = (3.6 * cm, 5.6 * cm, 2.6 * cm, 4.2 * cm)


def register_font() -> None:
    """Make the CID font known to reportlab (once per process)."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _styles() -> dict[str, ParagraphStyle]:
    register_font()
    base = ParagraphStyle("body", fontName=FONT, fontSize=11, leading=16, wordWrap="CJK")
    return {
        "body": base,
        "label": ParagraphStyle("label", parent=base, alignment=TA_CENTER),
        "title": ParagraphStyle(
            "title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=6
        ),
        "number": ParagraphStyle("number", parent=base, fontSize=10, alignment=TA_RIGHT),
        "sign": ParagraphStyle("sign", parent=base, alignment=TA_RIGHT),
        "note": ParagraphStyle("note", parent=base, fontSize=9, leading=13, spaceBefore=6),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


PADDING: Final = 6  # reportlab's default left and right padding of a cell


def _cell(text: str, style: ParagraphStyle, width: float) -> str | Paragraph:
    """Text that fits its cell's width goes in as a string (drawn as it is: a tenth of a
    Paragraph's cost); longer text as a Paragraph that wraps."""
    room = width - 2 * PADDING
    if all(stringWidth(line, FONT, style.fontSize) <= room for line in text.split("\n")):
        return text
    return _p(text, style)


def _table(form: ReviewForm, settings: ReportSettings, st: dict[str, ParagraphStyle]) -> Table:
    data: list[list[Any]] = []
    spans: list[tuple[str, tuple[int, int], tuple[int, int]]] = []
    label_width, wide = WIDTHS[0], sum(WIDTHS[1:])

    def row(label: str, value: Any, label2: str = "", value2: str = "") -> None:
        cells = [_cell(label, st["label"], label_width)]
        if label2:
            cells += [
                _cell(value, st["body"], WIDTHS[1]),
                _cell(label2, st["label"], WIDTHS[2]),
                _cell(value2, st["body"], WIDTHS[3]),
            ]
        else:
            cells += [value if not isinstance(value, str) else _cell(value, st["body"], wide)]
            cells += ["", ""]
            spans.append(("SPAN", (1, len(data)), (3, len(data))))
        data.append(cells)

    for label, value, label2, value2 in facts_rows(form, settings):
        row(label, value, label2, value2)
    for signoff in form.signoffs:
        row(
            f"{signoff.label}\n（{signoff.role}）",
            [
                _p(opinion_text(signoff), st["body"]),
                Spacer(1, 1.4 * cm),
                _p(signature_text(signoff, settings), st["sign"]),
            ],
        )
    for label, value, label2, value2 in footer_rows(form, settings):
        row(label, value, label2, value2)
    table = Table(data, colWidths=WIDTHS)
    body = st["body"]
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.75, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                # Cells given as strings: the paragraphs' font, size and line height.
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), body.fontSize),
                ("LEADING", (0, 0), (-1, -1), body.leading),
                ("ALIGN", (0, 0), (0, -1), "CENTER"),
                ("ALIGN", (2, 0), (2, -1), "CENTER"),
                *spans,
            ]
        )
    )
    return table


def render(
    forms: Sequence[ReviewForm], now: datetime, settings: ReportSettings = DEFAULTS
) -> bytes:
    """The forms, one per page (an empty list: one page saying so)."""
    st = _styles()
    story: list[Any] = []
    if not forms:
        story.append(_p("所选期间没有发布的信息。", st["body"]))
    for i, form in enumerate(forms):
        if i:
            story.append(PageBreak())
        story += [
            _p(TITLE, st["title"]),
            _p(number_text(form), st["number"]),
            Spacer(1, 0.2 * cm),
            _table(form, settings, st),
            _p(note_text(now, settings), st["note"]),
        ]
    buf = io.BytesIO()
    title = TITLE if len(forms) != 1 else f"{TITLE}：{forms[0].title}"
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=2.5 * cm,
        rightMargin=2.5 * cm,
        topMargin=2.2 * cm,
        bottomMargin=2.2 * cm,
        title=title,
        author="三审",
    )
    doc.build(story)
    return buf.getvalue()
