"""The seed fixtures are the seeds' tables cell for cell, merged cells included."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from workflow.importer.readers import read_tables

from .importer_fixtures import SEED_TABLES, build_docx, build_xlsx

# Tables and data rows per seed, counted in the plain-text exports.
SHAPES = {"000": [4, 70, 84, 7, 5, 8], "002": [41], "003": [53], "004": [36]}


def grid_texts(row: list[object]) -> list[str]:
    return [getattr(cell, "text", "") for cell in row]


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
@pytest.mark.parametrize("seed", sorted(SEED_TABLES))
def test_fixtures_read_back_cell_for_cell(seed: str, fmt: str) -> None:
    tables = SEED_TABLES[seed]()
    assert [len(t.rows) for t in tables] == SHAPES[seed]
    data = build_docx(tables) if fmt == "docx" else build_xlsx(tables)
    raws = read_tables(f"seed.{fmt}", data)
    assert len(raws) == len(tables)
    for table, raw in zip(tables, raws, strict=True):
        rows = raw.rows if fmt == "docx" else raw.rows[1:]  # the sheet's title row
        assert rows[0].cells[0].text == table.header[0].text
        for seed_row, read in zip(table.rows, rows[1:], strict=True):
            expected: list[tuple[str, bool]] = []
            for cell in seed_row:
                expected.append((_clean(cell.text), False))
                expected += [("", True)] * (cell.span - 1)
            assert [(c.text, c.spanned) for c in read.cells] == expected


def _clean(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\u3000", " ").split("\n")).strip()


def test_blanks_under_filled_cells_are_real_merges() -> None:
    tables = SEED_TABLES["000"]()
    xml = zipfile.ZipFile(io.BytesIO(build_docx(tables))).read("word/document.xml").decode()
    assert xml.count('w:val="restart"') > 50 and xml.count('w:val="continue"') > 300
    workbook = openpyxl.load_workbook(io.BytesIO(build_xlsx(tables)))
    assert sum(len(ws.merged_cells.ranges) for ws in workbook.worksheets) > 50
    (seed_003,) = SEED_TABLES["003"]()
    spans = {c.span for row in seed_003.rows for c in row}
    assert spans == {1, 2, 3}  # 栏目名称 over one, two or three grid columns
    xml_003 = zipfile.ZipFile(io.BytesIO(build_docx([seed_003]))).read("word/document.xml")
    assert b'w:gridSpan w:val="3"' in xml_003 and b'w:gridSpan w:val="2"' in xml_003
