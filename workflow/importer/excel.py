"""The sheets of an .xlsx, read as the XML streams in.

openpyxl's normal mode builds every cell as an object (about 3.4 GB for six million tiny
cells), and even its read-only mode builds a whole <row> at once and fills the gaps up to
the sheet's declared dimension. Here openpyxl's reader gives the sheets and the date
styles (from parts first checked to be of a sane number of elements); shared strings and
each sheet's XML are then pulled element by element, each cell translated by openpyxl's
own cell parser (so values, dates and formulas mean what they meant before) and dropped,
and rows, cells and characters are counted as they come.
"""

from __future__ import annotations

import contextlib
import zipfile
from datetime import date, datetime
from typing import Any

from lxml import etree
from openpyxl.utils import column_index_from_string, get_column_letter, range_boundaries

from workflow.importer.limits import Budget
from workflow.importer.readers import Cell, RawRow, RawTable, clean_cell

_S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
ROW, CELL, COL, MERGE, V = (f"{_S}{t}" for t in ("row", "c", "col", "mergeCell", "v"))
# A cell's value, formula and inline (rich) text: kept until the cell is read.
SI, T, RUN = f"{_S}si", f"{_S}t", f"{_S}r"
IN_CELL = frozenset(f"{_S}{t}" for t in ("c", "is", "r", "rPr"))


def read_xlsx(archive: zipfile.ZipFile, budget: Budget) -> list[RawTable]:
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    upload = archive.fp  # the upload's BytesIO: each ZipFile seeks before it reads
    assert upload is not None  # open until the reader returns
    # The parts of load_workbook(read_only=True) the sheets need, without its opening
    # pass over every sheet to find a dimension it may not declare.
    reader: Any = ExcelReader(upload, read_only=True, data_only=False, keep_links=False)
    try:
        _check_elements(archive, "[Content_Types].xml", budget)
        reader.read_manifest()
        for name in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"):
            _check_elements(archive, name, budget)
        reader.shared_strings = _shared_strings(archive, reader, budget)
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        tables: list[RawTable] = []
        for sheet, rel in reader.parser.find_sheets():
            if rel.target not in reader.valid_files or "chartsheet" in rel.Type:
                continue
            label = f"工作表「{sheet.name}」"
            if (sheet.state or "visible") != "visible":
                raise budget.refuse(
                    "是隐藏的工作表：隐藏的内容不会被导入，请取消隐藏并核对，或删除该工作表后再导入",
                    table=label,
                )
            tables.append(_read_sheet(archive, reader, rel.target, sheet.name, budget))
        return tables
    finally:
        reader.archive.close()


# openpyxl turns the workbook, its relations and its styles into objects, tens of
# microseconds an element: a real file has a few thousand.
MAX_ELEMENTS = 200_000


def _check_elements(archive: zipfile.ZipFile, name: str, budget: Budget) -> None:
    """Refuse a part with more elements than any office's file before openpyxl reads it."""
    if name not in archive.NameToInfo:
        return
    with archive.open(name) as source:
        for count, _ in enumerate(etree.iterparse(source, events=("start",)), 1):
            if count % 4096 == 0:
                budget.tick()
            if count > MAX_ELEMENTS:
                raise budget.refuse(f"其中的「{name}」元素超过 {MAX_ELEMENTS} 个的上限，未导入")


def _shared_strings(archive: zipfile.ZipFile, reader: Any, budget: Budget) -> list[str]:
    """The workbook's shared strings, as openpyxl's read_string_table gives them (the
    text of <t> and of each rich run's <t>, not phonetic guides), pulled one at a time
    within the budget: openpyxl's own takes tens of seconds on a million tiny ones."""
    from openpyxl.xml.constants import SHARED_STRINGS

    part = reader.package.find(SHARED_STRINGS)
    if part is None:
        return []
    strings: list[str] = []
    chars = 0
    with archive.open(part.PartName[1:]) as source:
        for _, si in etree.iterparse(source, events=("end",), tag=SI, resolve_entities=False):
            parts = (node.text or "" for child in si.iterchildren(T, RUN) for node in _texts(child))
            text = "".join(parts).replace("x005F_", "")  # as openpyxl reads it
            strings.append(text)
            chars += len(text)
            si.clear()
            while si.getprevious() is not None:
                del si.getparent()[0]
            if len(strings) % 4096 == 0:
                budget.tick()
            if len(strings) > budget.limits.max_cells or chars > budget.limits.max_chars:
                raise budget.refuse("共享字符串过多，超过单元格或文字的上限，未导入")
    return strings


def _texts(element: Any) -> list[Any]:
    """A <t> itself, or a rich run's <t>."""
    return [element] if element.tag == T else list(element.iterchildren(T))


class _Sheet:
    """One sheet's rows as read, and what its XML says about merges and hidden parts."""

    def __init__(self, label: str, title: str) -> None:
        self.raw = RawTable(label=label, title=title)
        self.merges: list[str] = []
        self.hidden_rows: list[int] = []
        self.hidden_cols: list[tuple[int, int]] = []


def _read_sheet(
    archive: zipfile.ZipFile, reader: Any, path: str, title: str, budget: Budget
) -> RawTable:
    from openpyxl.worksheet._reader import WorkSheetParser

    label = f"工作表「{title}」"
    # openpyxl's parser, used only for its translation of one <c> element at a time.
    cells = WorkSheetParser(
        b"",  # never parsed: the sheet is pulled below
        reader.shared_strings,
        data_only=False,
        epoch=reader.wb.epoch,
        date_formats=reader.wb._date_formats,
        timedelta_formats=reader.wb._timedelta_formats,
    )
    state = _Sheet(label, title.strip())
    row: dict[int, Cell] = {}
    current: Any = None  # the <row> whose cells are being read
    parsed = 0  # elements, blank cells too: what the XML makes the parser do
    with archive.open(path) as source:
        for _, element in etree.iterparse(source, events=("end",), resolve_entities=False):
            tag, parent = element.tag, element.getparent()
            if parent is None or parent.tag in IN_CELL:
                continue  # the sheet itself, or part of a cell still being read
            if tag == CELL:
                if parent is not current:  # a row's first cell: cells without an address
                    current = parent  # are numbered from the row's
                    cells.row_counter = _row_number(parent, cells.row_counter)
                    cells.col_counter = 0
                _cell(_parse_cell(element, cells), row, label, budget)
            elif tag == ROW:
                if element is not current:  # a row without cells
                    cells.row_counter = _row_number(element, cells.row_counter)
                current = None
                _row(state, element, cells.row_counter, row, budget)
                row = {}
            elif tag == COL:
                _col(state, element)
            elif tag == MERGE:
                state.merges.append(element.get("ref", ""))
            # Whatever else the sheet holds (formatting, validations…) is dropped too.
            element.clear()
            while element.getprevious() is not None:  # lxml: parse in constant memory
                del parent[0]
            parsed += 1
            if parsed % 4096 == 0:
                budget.tick()
            if parsed > budget.limits.max_cells:
                raise budget.refuse(f"单元格超过 {budget.limits.max_cells} 个的上限，未导入", label)
    return _finish(state, budget)


def _parse_cell(element: Any, cells: Any) -> dict[str, Any]:
    """openpyxl's translation of a <c>, with a shortcut for the plain ones (a shared
    string, or a number not styled as a date: one <v> and nothing else), which are
    nearly all of a large sheet."""
    kind = element.get("t")
    if len(element) != 1 or element[0].tag != V or kind not in (None, "n", "s"):
        return cells.parse_cell(element)  # type: ignore[no-any-return]
    style = element.get("s")
    if kind != "s" and style and int(style) in cells.date_formats:
        return cells.parse_cell(element)  # type: ignore[no-any-return]
    text = element[0].text or None
    value: Any = text
    if text is not None:
        if kind == "s":
            value = cells.shared_strings[int(text)]
        else:
            value = float(text) if "." in text or "E" in text or "e" in text else int(text)
    address = element.get("r")
    if address:
        column = column_index_from_string(address.rstrip("0123456789"))
    else:
        column = cells.col_counter + 1
    cells.col_counter = column
    row = cells.row_counter
    return {"value": value, "data_type": kind or "n", "row": row, "column": column}


def _cell(parsed: dict[str, Any], row: dict[int, Cell], label: str, budget: Budget) -> None:
    value, kind, number, column = (
        parsed["value"],
        parsed["data_type"],
        parsed["row"],
        parsed["column"],
    )
    if kind == "e":
        raise budget.refuse(
            f"单元格 {get_column_letter(column)}{number} 是错误值 {value}：请改正后再导入",
            label,
            number,
        )
    if kind == "f" or type(value).__name__ in ("ArrayFormula", "DataTableFormula"):
        raise budget.refuse(
            f"单元格 {get_column_letter(column)}{number} 是公式：请把公式转换为数值"
            "（复制后“选择性粘贴-数值”）再导入",
            label,
            number,
        )
    if value is None:
        return  # a formatted blank: the grid is filled in at the end
    if column > budget.limits.max_columns:
        raise budget.refuse(f"第{number}行超过 {budget.limits.max_columns} 列的上限，未导入", label)
    row[column] = Cell(clean_cell(_excel_text(value)))


def _row(state: _Sheet, element: Any, number: int, row: dict[int, Cell], budget: Budget) -> None:
    if element.get("hidden") in ("1", "true"):
        state.hidden_rows.append(number)
    if not row:
        return  # rows of blanks: only those between rows of text are kept, at the end
    rows = state.raw.rows
    width = max(row)
    budget.row(state.raw.label, number, width, sum(len(c.text) for c in row.values()))
    if rows:  # blank rows between rows of text stay, as the office laid them out
        last = rows[-1].number
        rows.extend(RawRow(last + i, []) for i in range(1, number - last))
    rows.append(RawRow(number, [row.get(i) or Cell("") for i in range(1, width + 1)]))


def _row_number(element: Any, previous: int) -> int:
    try:
        return int(float(element.get("r") or previous + 1))
    except ValueError:
        return previous + 1


def _col(state: _Sheet, element: Any) -> None:
    if element.get("hidden") in ("1", "true"):
        with contextlib.suppress(TypeError, ValueError):
            state.hidden_cols.append((int(element.get("min")), int(element.get("max"))))


def _finish(state: _Sheet, budget: Budget) -> RawTable:
    """Every row as wide as the widest (merges included), merges and hidden parts marked."""
    raw = state.raw
    limits = budget.limits
    spans = []
    for ref in state.merges:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
        except (TypeError, ValueError):
            continue
        if min_col and min_row and max_col and max_row:
            spans.append((min_row, max_row, min_col, max_col))
    width = max((len(r.cells) for r in raw.rows), default=0)
    width = max([width, *(min(s[3], limits.max_columns) for s in spans if raw.rows)])
    if raw.rows and len(raw.rows) * width > limits.max_cells:
        raise budget.refuse(f"单元格超过 {limits.max_cells} 个的上限，未导入", raw.label)
    by_number = {r.number: r for r in raw.rows}
    for r in raw.rows:
        r.cells.extend(Cell("") for _ in range(width - len(r.cells)))
    first_row, last_row = (raw.rows[0].number, raw.rows[-1].number) if raw.rows else (1, 0)
    work = 0
    for min_row, max_row, min_col, max_col in spans:
        min_row, max_row = max(min_row, first_row), min(max_row, last_row)
        work += max(max_row - min_row + 1, 0) * max(min(max_col, width) - min_col + 1, 0)
        if work > limits.max_cells:  # merges over merges: no office lays a table out so
            raise budget.refuse(f"合并单元格超过 {limits.max_cells} 个的上限，未导入", raw.label)
        for number in range(min_row, max_row + 1):
            found = by_number.get(number)
            if found is None:
                continue
            for column in range(min_col, min(max_col, width) + 1):
                cell = found.cells[column - 1]
                cell.spanned = cell.spanned or column > min_col
                cell.merged = cell.merged or number > min_row
    for number in state.hidden_rows:
        found = by_number.get(number)
        if found is not None and any(c.text for c in found.cells):
            raw.hidden.append(f"第{number}行")
    hidden_cols = {c for a, b in state.hidden_cols for c in range(a, min(b, width) + 1)}
    for column in sorted(hidden_cols):
        if any(r.cells[column - 1].text for r in raw.rows):
            raw.hidden.append(f"{get_column_letter(column)}列")
    return raw


def _excel_text(value: object) -> str:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
