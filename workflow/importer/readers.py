"""Readers: a .docx, .xlsx or .csv file → tables of cells on the file's grid.

Merged cells are kept as what they mean to the reader of the table: the first cell of a
horizontal merge carries the text and the cells it spans are marked as its continuation
(one cell, not several); the lower cells of a vertical merge are blank and marked
`merged` ("same as above" by the table's own layout, unlike a cell merely left blank).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath

from workflow.importer.errors import ImportFileError
from workflow.importer.limits import (
    DEFAULT_LIMITS,
    Budget,
    ImportLimits,
    check_entries,
    check_unpacked,
)

MAX_BYTES = 50 * 1024 * 1024  # refuse before parsing: real tables are a few hundred KB
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted OOXML, or old .doc/.xls


@dataclass(slots=True)  # a file may hold a million of them
class Cell:
    text: str
    # True for the 2nd… grid cells of a horizontal merge: part of the cell to the left.
    spanned: bool = False
    # True for the lower cells of a vertical merge: part of the cell above.
    merged: bool = False


@dataclass(slots=True)
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


def read_tables(
    filename: str, data: bytes, limits: ImportLimits = DEFAULT_LIMITS
) -> list[RawTable]:
    """All tables of the file, or ImportFileError naming what is wrong with it (or the
    limit it goes past: see ImportLimits)."""
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
    budget = Budget(filename, limits)
    if suffix == ".csv":
        return [_read_csv(filename, data, budget)]
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
        check_entries(data, budget)
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = {m.filename for m in archive.infolist()}
        # Before any parser: a zip bomb, or a table no office writes by hand.
        check_unpacked(archive, budget)
    except ImportFileError:
        raise
    except _ZIP_ERRORS as exc:
        raise ImportFileError(filename, "文件已损坏，无法打开") from exc
    if suffix == ".docx":
        if "word/document.xml" not in names:
            other = "，内容似乎是 Excel 工作簿" if "xl/workbook.xml" in names else ""
            raise ImportFileError(filename, f"文件内容不是 Word 文档（扩展名为 .docx{other}）")
        from workflow.importer.word import read_docx

        return _guard(filename, read_docx, archive, budget)
    if "xl/workbook.xml" not in names:
        other = "，内容似乎是 Word 文档" if "word/document.xml" in names else ""
        raise ImportFileError(filename, f"文件内容不是 Excel 工作簿（扩展名为 .xlsx{other}）")
    from workflow.importer.excel import read_xlsx

    return _guard(filename, read_xlsx, archive, budget)


# What a damaged zip raises on opening or inflating a part.
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    ValueError,
    RuntimeError,  # an encrypted part
    NotImplementedError,  # a compression method zipfile lacks
    OSError,
)


def _guard(
    filename: str,
    reader: Callable[[zipfile.ZipFile, Budget], list[RawTable]],
    archive: zipfile.ZipFile,
    budget: Budget,
) -> list[RawTable]:
    """Corrupt parts inside a valid zip surface as the parser's exception."""
    try:
        return reader(archive, budget)
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(filename, f"文件已损坏，无法读取（{type(exc).__name__}）") from exc


# --- CSV --------------------------------------------------------------------------------


def _read_csv(filename: str, data: bytes, budget: Budget) -> RawTable:
    if data.startswith((ZIP_MAGIC, OLE_MAGIC)) or b"\x00" in data[:4096]:
        raise ImportFileError(filename, "文件内容不是 CSV 文本（与扩展名 .csv 不符）")
    data = data.removeprefix(b"\xef\xbb\xbf")
    encoding = _encoding(filename, data)
    sample = data[:32768].decode(encoding, errors="ignore")[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",\t;，")
    except csv.Error:
        dialect = csv.excel
    raw = RawTable(label="表1", title="", merges_known=False)
    try:
        # Line by line: rows are counted (and refused past a cap) as they come, and the
        # whole text is never decoded at once.
        for number, row in enumerate(csv.reader(_lines(data, encoding), dialect), 1):
            cells = [Cell(clean_cell(value)) for value in row]
            budget.row(raw.label, number, len(cells), sum(len(c.text) for c in cells))
            raw.rows.append(RawRow(number, cells))
    except csv.Error as exc:
        raise ImportFileError(filename, f"CSV 格式错误：{exc}", table="表1") from exc
    return raw


def _lines(data: bytes, encoding: str) -> Iterator[str]:
    """The text's lines with their endings (a byte 0x0A is a line feed in UTF-8 and in
    GB18030 alike, never part of another character)."""
    start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end + 1
        yield data[start:end].decode(encoding)
        start = end


def _encoding(filename: str, data: bytes) -> str:
    """UTF-8, else GB18030 (a superset of GBK and GB2312); checked a chunk at a time so
    a large file is never held twice."""
    step = 1024 * 1024
    for encoding in ("utf-8", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(data), step):
                decoder.decode(data[start : start + step])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFileError(filename, "无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV 文件")


def decode_text(filename: str, data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK and GB2312)."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    return data.decode(_encoding(filename, data))


_SPECIAL = re.compile("[\r\n\u3000\xa0]")


def clean_cell(text: str) -> str:
    """Trim the cell, drop trailing spaces of each line, keep the line breaks."""
    if not _SPECIAL.search(text):  # most cells: one line, nothing to replace
        return text.strip()
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u3000", " ")
    text = text.replace("\xa0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    return "\n".join(lines).strip()
