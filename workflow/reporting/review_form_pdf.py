"""The 信息发布审核表 as PDF (reportlab): the same table as the .docx, a page per form.

The text is set in STSong-Light, one of the CID fonts every PDF reader carries (Adobe's
Asian font packs): the file embeds no font and needs none on the machine that makes it
— no LibreOffice, no font files. Readers without the pack substitute a Song face."""

from __future__ import annotations

import io
import math
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


# Wrapped lines of text per table row at most. A row cannot break across pages (a
# frame holds about 44 lines), so a longer text — a 2,000-character opinion, a long list
# of attachments — goes in several rows, the form's lines drawn as for one.
MAX_LINES: Final = 12


def _wrapped(line: str, size: float, room: float) -> list[str]:
    """One line of text cut where it wraps (by character, as CJK text wraps)."""
    out, current, width = [], "", 0.0
    for char in line:
        w = stringWidth(char, FONT, size)
        if current and width + w > room:
            out.append(current)
            current, width = "", 0.0
        current += char
        width += w
    return [*out, current]


def pieces(text: str, size: float, room: float, max_lines: int = MAX_LINES) -> list[str]:
    """`text` in parts of at most `max_lines` wrapped lines each, nothing left out."""
    lines = text.split("\n")
    if sum(max(1, math.ceil(stringWidth(x, FONT, size) / room)) for x in lines) <= max_lines:
        return [text]
    out: list[str] = []
    buf, used = "", 0
    for line in lines:
        for i, segment in enumerate(_wrapped(line, size, room)):
            if used == max_lines:
                out.append(buf)
                buf, used = "", 0
            elif used and i == 0:
                buf += "\n"
            buf += segment
            used += 1
    return [*out, buf]


class _Grid:
    """The table's rows and the lines between them: a form's row may take several rows
    of the table (see MAX_LINES) with no line across between them."""

    def __init__(self, st: dict[str, ParagraphStyle]) -> None:
        self.st = st
        self.data: list[list[Any]] = []
        self.commands: list[tuple[Any, ...]] = [
            ("TOPPADDING", (0, 0), (-1, -1), 5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ("BOX", (0, 0), (-1, -1), 0.75, colors.black),
            # Closed at a page break too.
            ("LINEABOVE", (0, "splitfirst"), (-1, "splitfirst"), 0.75, colors.black),
            ("LINEBELOW", (0, "splitlast"), (-1, "splitlast"), 0.75, colors.black),
        ]

    def _start(self) -> None:
        if self.data:
            self.commands.append(
                ("LINEABOVE", (0, len(self.data)), (-1, len(self.data)), 0.75, colors.black)
            )

    def pair(self, label: str, value: str, label2: str, value2: str) -> None:
        """A row of two labels and their values."""
        self._start()
        r = len(self.data)
        self.commands.append(("LINEAFTER", (0, r), (2, r), 0.75, colors.black))
        self.data.append(
            [
                _cell(label, self.st["label"], WIDTHS[0]),
                _cell(value, self.st["body"], WIDTHS[1]),
                _cell(label2, self.st["label"], WIDTHS[2]),
                _cell(value2, self.st["body"], WIDTHS[3]),
            ]
        )

    def wide(self, label: str, parts: list[Any]) -> None:
        """A label and a value across the other three columns: `parts` are the value's
        rows (strings or lists of flowables), the label beside the first."""
        self._start()
        for i, part in enumerate(parts):
            r = len(self.data)
            self.commands += [
                ("SPAN", (1, r), (3, r)),
                ("LINEAFTER", (0, r), (0, r), 0.75, colors.black),
            ]
            if i:  # the parts read as one text
                self.commands.append(("TOPPADDING", (0, r), (-1, r), 0))
            if i < len(parts) - 1:
                self.commands.append(("BOTTOMPADDING", (0, r), (-1, r), 0))
            if isinstance(part, str):
                part = _cell(part, self.st["body"], sum(WIDTHS[1:]))
            self.data.append(
                [_cell(label, self.st["label"], WIDTHS[0]) if i == 0 else "", part, "", ""]
            )


def _table(form: ReviewForm, settings: ReportSettings, st: dict[str, ParagraphStyle]) -> Table:
    grid = _Grid(st)
    room = sum(WIDTHS[1:]) - 2 * PADDING
    size = st["body"].fontSize

    def row(label: str, value: str, label2: str, value2: str) -> None:
        if label2:
            grid.pair(label, value, label2, value2)
        else:
            grid.wide(label, list(pieces(value, size, room)))

    for label, value, label2, value2 in facts_rows(form, settings):
        row(label, value, label2, value2)
    for signoff in form.signoffs:
        parts: list[Any] = [
            [_p(text, st["body"])] for text in pieces(opinion_text(signoff), size, room)
        ]
        parts[-1] += [Spacer(1, 1.4 * cm), _p(signature_text(signoff, settings), st["sign"])]
        grid.wide(f"{signoff.label}\n（{signoff.role}）", parts)
    for label, value, label2, value2 in footer_rows(form, settings):
        row(label, value, label2, value2)
    table = Table(grid.data, colWidths=WIDTHS)
    body = st["body"]
    table.setStyle(
        TableStyle(
            [
                *grid.commands,
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                # Cells given as strings: the paragraphs' font, size and line height.
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), body.fontSize),
                ("LEADING", (0, 0), (-1, -1), body.leading),
                ("ALIGN", (0, 0), (0, -1), "CENTER"),
                ("ALIGN", (2, 0), (2, -1), "CENTER"),
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
