"""Readers: a .docx, .xlsx or .csv file → tables of cells on the file's grid.

Merged cells are kept as what they mean to the reader of the table: the first cell of a
horizontal merge carries the text and the cells it spans are marked as its continuation
(one cell, not several); the lower cells of a vertical merge are blank and marked
`merged` ("same as above" by the table's own layout, unlike a cell merely left blank).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath

from workflow.importer.errors import ImportFileError

MAX_BYTES = 50 * 1024 * 1024  # refuse before parsing: real tables are a few hundred KB
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted OOXML, or old .doc/.xls
# Word and Excel files are zips of XML: what they unpack to is what memory must hold.
MAX_UNPACKED = 100 * 1024 * 1024


@dataclass
class Cell:
    text: str
    # True for the 2nd… grid cells of a horizontal merge: part of the cell to the left.
    spanned: bool = False
    # True for the lower cells of a vertical merge: part of the cell above.
    merged: bool = False


@dataclass
class RawRow:
    number: int  # as the office sees it (sheet row; for Word, set once the header is known)
    cells: list[Cell]


@dataclass
class RawTable:
    label: str  # 表2 / 工作表「政务公开」, used in messages
    title: str  # the heading above a Word table, the sheet name, or ""
    rows: list[RawRow] = field(default_factory=list)
    # Word rows are numbered from the header (header = row 0); sheets keep their numbers.
    relative_rows: bool = False
    # Hidden rows and columns of a sheet that hold text: imported, but said so.
    hidden: list[str] = field(default_factory=list)
    # Word and Excel say which cells are merged; a CSV cannot, so its blanks are guesses.
    merges_known: bool = True


SUPPORTED = (".docx", ".xlsx", ".csv")


def read_tables(filename: str, data: bytes) -> list[RawTable]:
    """All tables of the file, or ImportFileError naming what is wrong with it."""
    suffix = PurePath(filename).suffix.lower()
    if suffix in (".doc", ".xls", ".wps", ".et"):
        raise ImportFileError(
            filename,
            f"不支持旧版 {suffix} 格式：请在 Word/Excel/WPS 中另存为 .docx 或 .xlsx 后再导入",
        )
    if suffix not in SUPPORTED:
        raise ImportFileError(filename, "不支持的文件类型，请使用 .docx、.xlsx 或 .csv 文件")
    if len(data) > MAX_BYTES:
        raise ImportFileError(
            filename, f"文件大小 {len(data) / 1024 / 1024:.1f} MB，超过 50 MB 的上限，未导入"
        )
    if not data.removeprefix(b"\xef\xbb\xbf").strip():
        raise ImportFileError(filename, "文件是空的")
    if suffix == ".csv":
        return [_read_csv(filename, data)]
    if data.startswith(OLE_MAGIC):
        raise ImportFileError(
            filename,
            "文件受密码保护（已加密），或是旧版 Word/Excel（.doc/.xls）格式："
            "请去掉密码或另存为 .docx/.xlsx 后再导入",
        )
    if not data.startswith(ZIP_MAGIC):
        kind = "Word 文档" if suffix == ".docx" else "Excel 工作簿"
        raise ImportFileError(filename, f"文件内容不是 {kind}（与扩展名 {suffix} 不符）")
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, EOFError) as exc:
        raise ImportFileError(filename, "文件已损坏，无法打开") from exc
    names = {m.filename for m in members}
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNPACKED:  # a zip bomb, or a table no office writes by hand
        raise ImportFileError(
            filename,
            f"文件解压后有 {unpacked / 1024 / 1024:.0f} MB，"
            f"超过 {MAX_UNPACKED / 1024 / 1024:.0f} MB 的上限，未导入",
        )
    if suffix == ".docx":
        if "word/document.xml" not in names:
            other = "，内容似乎是 Excel 工作簿" if "xl/workbook.xml" in names else ""
            raise ImportFileError(filename, f"文件内容不是 Word 文档（扩展名为 .docx{other}）")
        return _guard(filename, _read_docx, data)
    if "xl/workbook.xml" not in names:
        other = "，内容似乎是 Word 文档" if "word/document.xml" in names else ""
        raise ImportFileError(filename, f"文件内容不是 Excel 工作簿（扩展名为 .xlsx{other}）")
    return _guard(filename, _read_xlsx, data)


def _guard(
    filename: str, reader: Callable[[str, bytes], list[RawTable]], data: bytes
) -> list[RawTable]:
    """Corrupt parts inside a valid zip surface as the parser's exception."""
    try:
        return reader(filename, data)
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(filename, f"文件已损坏，无法读取（{type(exc).__name__}）") from exc


# --- Word -------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _read_docx(filename: str, data: bytes) -> list[RawTable]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    tables: list[RawTable] = []
    heading = ""
    for element in document.element.body.iterchildren():
        if element.tag == f"{_W}p":
            text = Paragraph(element, document).text.strip()
            if text:
                heading = text
        elif element.tag == f"{_W}tbl":
            table = Table(element, document)
            raw = RawTable(label=f"表{len(tables) + 1}", title=heading, relative_rows=True)
            for number, tr in enumerate(element.tr_lst, start=1):
                raw.rows.append(RawRow(number, _docx_row(tr, table)))
            tables.append(raw)
            heading = ""
    return tables


def _docx_row(tr: object, table: object) -> list[Cell]:
    from docx.table import _Cell

    cells: list[Cell] = [Cell("") for _ in range(getattr(tr, "grid_before", 0))]
    for tc in tr.tc_lst:  # type: ignore[attr-defined]
        continuing = tc.vMerge == "continue"
        text = "" if continuing else _Cell(tc, table).text  # type: ignore[arg-type]
        cells.append(Cell(_clean(text), merged=continuing))
        cells.extend(Cell("", spanned=True, merged=continuing) for _ in range(tc.grid_span - 1))
    return cells


# --- Excel ------------------------------------------------------------------------------


def _read_xlsx(filename: str, data: bytes) -> list[RawTable]:
    import openpyxl
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    tables: list[RawTable] = []
    for sheet in workbook.worksheets:
        label = f"工作表「{sheet.title}」"
        if sheet.sheet_state != "visible":
            raise ImportFileError(
                filename,
                "是隐藏的工作表：隐藏的内容不会被导入，请取消隐藏并核对，或删除该工作表后再导入",
                table=label,
            )
        spanned: set[tuple[int, int]] = set()
        below: set[tuple[int, int]] = set()  # lower cells of a merged range
        for merged in sheet.merged_cells.ranges:
            for row in range(merged.min_row, merged.max_row + 1):
                for col in range(merged.min_col, merged.max_col + 1):
                    if col > merged.min_col:
                        spanned.add((row, col))
                    if row > merged.min_row:
                        below.add((row, col))
        raw = RawTable(label=label, title=sheet.title.strip())
        for row_cells in sheet.iter_rows():
            cells: list[Cell] = []
            # iter_rows places every cell, merged ones too, though openpyxl types a
            # merged cell's row and column as optional.
            number = (row_cells[0].row or 0) if row_cells else 0
            for cell in row_cells:
                assert cell.row is not None and cell.column is not None
                if cell.data_type == "e":
                    where = f"{get_column_letter(cell.column)}{cell.row}"
                    raise ImportFileError(
                        filename,
                        f"单元格 {where} 是错误值 {cell.value}：请改正后再导入",
                        table=label,
                        row=cell.row,
                    )
                if cell.data_type == "f" or type(cell.value).__name__ == "ArrayFormula":
                    where = f"{get_column_letter(cell.column)}{cell.row}"
                    raise ImportFileError(
                        filename,
                        f"单元格 {where} 是公式：请把公式转换为数值"
                        "（复制后“选择性粘贴-数值”）再导入",
                        table=label,
                        row=cell.row,
                    )
                at = (cell.row, cell.column)
                cells.append(Cell(_clean(_excel_text(cell.value)), at in spanned, at in below))
            raw.rows.append(RawRow(number, cells))
            if sheet.row_dimensions[number].hidden and any(c.text for c in cells):
                raw.hidden.append(f"第{number}行")
        for letter, dimension in sheet.column_dimensions.items():
            column = openpyxl.utils.column_index_from_string(letter) - 1
            if dimension.hidden and any(
                column < len(r.cells) and r.cells[column].text for r in raw.rows
            ):
                raw.hidden.append(f"{letter}列")
        tables.append(raw)
    return tables


def _excel_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- CSV --------------------------------------------------------------------------------


def _read_csv(filename: str, data: bytes) -> RawTable:
    if data.startswith((ZIP_MAGIC, OLE_MAGIC)) or b"\x00" in data[:4096]:
        raise ImportFileError(filename, "文件内容不是 CSV 文本（与扩展名 .csv 不符）")
    text = decode_text(filename, data)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:8192], ",\t;，")
    except csv.Error:
        dialect = csv.excel
    raw = RawTable(label="表1", title="", merges_known=False)
    try:
        for number, row in enumerate(csv.reader(io.StringIO(text, newline=""), dialect), 1):
            raw.rows.append(RawRow(number, [Cell(_clean(value)) for value in row]))
    except csv.Error as exc:
        raise ImportFileError(filename, f"CSV 格式错误：{exc}", table="表1") from exc
    return raw


def decode_text(filename: str, data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK and GB2312)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(filename, "无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV 文件")


def _clean(text: str) -> str:
    """Trim the cell, drop trailing spaces of each line, keep the line breaks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u3000", " ")
    text = text.replace("\xa0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip()
