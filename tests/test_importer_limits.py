"""Imports within bounds: bytes unpacked (counted, not declared), rows, columns, cells,
characters and seconds; each refusal names the file and the limit. The bombs here are
small ones against lowered limits (bench/uploads.py measures the real ones)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace

import openpyxl
import pytest
from sqlalchemy.orm import Session

from workflow.importer import ImportFileError, ImportLimits
from workflow.importer.readers import read_tables

from .importer_fixtures import build_docx, build_xlsx, seed_002

SMALL = ImportLimits(max_part_bytes=1024 * 1024, max_unpacked_bytes=2 * 1024 * 1024)
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
S = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _with_part(data: bytes, name: str, content: bytes) -> bytes:
    """The file with one part replaced (or added)."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            if member.filename != name:
                target.writestr(member, source.read(member))
        target.writestr(name, content)
    return out.getvalue()


def _document(body: str) -> bytes:
    return f"<w:document {W}><w:body>{body}</w:body></w:document>".encode()


def _sheet(rows: str, after: str = "") -> bytes:
    return f"<worksheet {S}><sheetData>{rows}</sheetData>{after}</worksheet>".encode()


def _refusal(name: str, data: bytes, limits: ImportLimits) -> str:
    with pytest.raises(ImportFileError) as raised:
        read_tables(name, data, limits)
    message = str(raised.value)
    assert message.startswith(f"文件「{name}」")
    return message


def test_a_part_that_inflates_past_its_cap_is_refused_before_any_parser() -> None:
    padding = " " * (1200 * 1024)  # compresses to almost nothing, like the 95 MB bomb
    data = _with_part(build_docx(seed_002()), "word/document.xml", _document(padding).strip())
    assert len(data) < 64 * 1024
    message = _refusal("炸弹.docx", data, SMALL)
    assert "「word/document.xml」解压后超过 1 MB" in message
    assert (
        read_tables(
            "炸弹.docx",
            data,
            replace(SMALL, max_part_bytes=2 * 1024 * 1024, max_unpacked_bytes=4 * 1024 * 1024),
        )
        == []
    )


def test_parts_that_inflate_past_the_total_cap_together_are_refused() -> None:
    data = build_xlsx(seed_002())
    for i in range(5):
        data = _with_part(data, f"docProps/extra{i}.xml", b" " * (500 * 1024))
    assert "文件解压后超过 2 MB 的上限" in _refusal("多部件.xlsx", data, SMALL)


def test_a_sheet_of_many_tiny_cells_stops_at_the_cell_cap() -> None:
    row = "<c><v>1</v></c>" * 100
    sheet = _sheet("".join(f"<row>{row}</row>" for _ in range(200)))
    data = _with_part(build_xlsx(seed_002()), "xl/worksheets/sheet1.xml", sheet)
    limits = ImportLimits(max_cells=5000)
    assert "单元格超过 5000 个的上限" in _refusal("细格.xlsx", data, limits)
    assert len(read_tables("细格.xlsx", data)[0].rows) == 200


def test_rows_and_columns_past_their_caps_are_refused_naming_the_sheet() -> None:
    data = build_xlsx(seed_002())
    message = _refusal("长表.xlsx", data, ImportLimits(max_rows=5))
    assert "工作表" in message and "超过 5 行的上限" in message
    wide = _sheet(
        f'<row r="1"><c r="A1" t="inlineStr"><is><t>栏目</t></is></c>{"<c><v>1</v></c>" * 30}</row>'
    )
    data = _with_part(data, "xl/worksheets/sheet1.xml", wide)
    assert "第1行超过 20 列的上限" in _refusal("宽表.xlsx", data, ImportLimits(max_columns=20))


def test_a_cell_far_down_the_sheet_is_refused_not_filled_in() -> None:
    far = _sheet('<row r="1"><c><v>1</v></c></row><row r="1048576"><c><v>2</v></c></row>')
    data = _with_part(build_xlsx(seed_002()), "xl/worksheets/sheet1.xml", far)
    assert "超过 20000 行的上限" in _refusal("远格.xlsx", data, ImportLimits())


def test_a_merge_over_the_whole_sheet_is_clipped_to_the_rows_read() -> None:
    rows = "".join(f'<row r="{n}"><c><v>{n}</v></c><c><v>1</v></c></row>' for n in (1, 2, 3))
    data = _with_part(
        build_xlsx(seed_002()),
        "xl/worksheets/sheet1.xml",
        _sheet(rows, '<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'),
    )
    table = read_tables("合并.xlsx", data)[0]
    assert [len(r.cells) for r in table.rows] == [200, 200, 200]
    assert table.rows[2].cells[1].merged and table.rows[0].cells[1].spanned


def test_word_tables_count_cells_and_characters_as_they_are_read() -> None:
    cell = "<w:tc><w:p><w:r><w:t>一二三四五</w:t></w:r></w:p></w:tc>"
    rows = f"<w:tr>{cell * 10}</w:tr>" * 50
    data = _with_part(
        build_docx(seed_002()), "word/document.xml", _document(f"<w:tbl>{rows}</w:tbl>")
    )
    assert len(read_tables("表.docx", data)[0].rows) == 50
    assert "表1" in (message := _refusal("表.docx", data, ImportLimits(max_cells=200)))
    assert "单元格超过 200 个的上限" in message
    assert "文字超过 1000 字的上限" in _refusal("表.docx", data, ImportLimits(max_chars=1000))


def test_word_text_reads_as_python_docx_reads_it() -> None:
    runs = (
        "<w:r><w:t>甲</w:t><w:tab/><w:t>乙</w:t><w:br/><w:t>丙</w:t></w:r>"
        "<w:hyperlink><w:r><w:t>链接</w:t></w:r></w:hyperlink><w:ins><w:r><w:t>修订</w:t></w:r></w:ins>"
    )
    merged = '<w:tcPr><w:vMerge/><w:gridSpan w:val="2"/></w:tcPr>'
    body = (
        f"<w:p><w:r><w:t>（一）政务公开</w:t></w:r></w:p><w:tbl><w:tr>"
        f"<w:tc><w:p>{runs}</w:p><w:p><w:r><w:t>第二段</w:t></w:r></w:p></w:tc></w:tr>"
        f"<w:tr><w:tc>{merged}<w:p/></w:tc></w:tr></w:tbl>"
    )
    data = _with_part(build_docx(seed_002()), "word/document.xml", _document(body))
    (table,) = read_tables("表.docx", data)
    assert table.title == "（一）政务公开"
    assert table.rows[0].cells[0].text == "甲\t乙\n丙链接\n第二段"
    assert [(c.spanned, c.merged) for c in table.rows[1].cells] == [(False, True), (True, True)]


def test_a_csv_past_the_row_cap_is_refused_as_it_is_read() -> None:
    data = "栏目,责任单位\n".encode() + "领导信息,区政府办\n".encode() * 100
    assert "表1" in (message := _refusal("表.csv", data, ImportLimits(max_rows=50)))
    assert "超过 50 行的上限" in message
    assert len(read_tables("表.csv", data)[0].rows) == 101


def test_a_read_past_its_time_budget_is_refused() -> None:
    message = _refusal("慢.xlsx", build_xlsx(seed_002()), ImportLimits(seconds=0))
    assert "读取超过 0 秒仍未完成" in message


def test_shared_strings_are_read_as_openpyxl_reads_them_and_counted() -> None:
    strings = (
        f'<sst {S}><si><t xml:space="preserve">栏目 </t></si><si><r><t>责任</t></r>'
        "<r><rPr><b/></rPr><t>单位</t></r><rPh><t>ぜ</t></rPh></si><si><t>时限要求</t></si></sst>"
    )
    row = '<row r="1"><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c t="s"><v>2</v></c></row>'
    plain = io.BytesIO()
    openpyxl.Workbook().save(plain)  # one sheet; strings are found by their content type
    types = (
        zipfile.ZipFile(plain)
        .read("[Content_Types].xml")
        .replace(
            b"</Types>",
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
    )
    data = _with_part(plain.getvalue(), "[Content_Types].xml", types)
    data = _with_part(data, "xl/sharedStrings.xml", strings.encode())
    data = _with_part(data, "xl/worksheets/sheet1.xml", _sheet(row))
    assert [c.text for c in read_tables("串.xlsx", data)[0].rows[0].cells] == [
        "栏目",
        "责任单位",
        "时限要求",
    ]
    assert "共享字符串过多" in _refusal("串.xlsx", data, ImportLimits(max_cells=2))


def test_a_workbook_part_of_too_many_elements_is_refused_before_openpyxl() -> None:
    styles = f"<styleSheet {S}><cellXfs>{'<xf/>' * 200_001}</cellXfs></styleSheet>"
    data = _with_part(build_xlsx(seed_002()), "xl/styles.xml", styles.encode())
    assert "「xl/styles.xml」元素超过 200000 个的上限" in _refusal(
        "样式.xlsx", data, ImportLimits()
    )


def test_a_dry_run_past_its_deadline_is_refused_while_comparing(session: Session) -> None:
    from datetime import UTC, datetime

    from workflow.importer import plan_import
    from workflow.importer.limits import deadline

    ticks = iter(range(1000))
    late = deadline("大表.xlsx", 1, clock=lambda: float(next(ticks)))
    with pytest.raises(ImportFileError, match=r"文件「大表\.xlsx」：处理超过 1 秒仍未完成"):
        plan_import(
            session, "大表.xlsx", build_xlsx(seed_002()), now=datetime.now(UTC), progress=late
        )


def test_a_zip_listing_more_parts_than_the_cap_is_refused_before_its_directory() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for i in range(30):
            target.writestr(f"p{i}", b"")
    message = _refusal("多件.xlsx", out.getvalue(), ImportLimits(max_members=20))
    assert "压缩包内有 30 个部件，超过 20 的上限" in message
