"""The tables of seeds 000, 002, 003 and 004, cell for cell, as .docx and .xlsx files.

The seeds (tests/fixtures/seeds/, copies of the plain-text exports the offices sent)
are read back into tables of cells, then written with python-docx and openpyxl:
- a blank cell under a filled one becomes a vertical merge with it (Word's vMerge, an
  Excel merged range): that is what the exports' blanks are ("same as above");
- seed 003's 栏目名称 spans three grid columns: a row with one name spans all three,
  a row with two names spans one and two, a row with three spans one each;
- seed 002 is one row per line, cells separated by tabs; a leading empty cell on a line
  of five is the export's artefact and dropped, a line of four starting with a tab has
  an empty 栏目 cell (as the export shows it), a trailing empty fifth cell is dropped;
- seed 004's task list keeps its blanks as blanks (rows 31–36 name no unit or date).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import docx
import openpyxl
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.table import _Cell

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
_TITLE = re.compile(r"^\s*（[一二三四五六七八九十]）\S*表\s*$")
_BOOKMARK = re.compile(r"\[bookmark: [^\]]*\]")


@dataclass
class SeedCell:
    text: str
    span: int = 1


@dataclass
class SeedTable:
    title: str
    header: list[SeedCell]
    rows: list[list[SeedCell]] = field(default_factory=list)
    merge_blanks: bool = True

    @property
    def width(self) -> int:
        return sum(c.span for c in self.header)


def _seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return _BOOKMARK.sub("", path.read_text("utf-8"))


def _cells_tables(
    text: str, header_first: str, min_width: int | None = None
) -> list[tuple[str, list[list[str]]]]:
    """Word exports: each cell starts with a tab at the line start; other lines continue
    the cell. Rows end when they have the table's width (or, with `min_width`, at a blank
    line once they have that many cells)."""
    lines = text.split("\n")
    tables: list[tuple[str, list[list[str]]]] = []
    title = ""
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("\t") and line[1:].strip() == header_first:
            rows: list[list[str]] = []
            header: list[str] = []
            while i < len(lines) and lines[i].startswith("\t") and lines[i].strip():
                header.append(lines[i][1:].strip())
                i += 1
            rows.append(header)
            width = len(header)
            current: list[str] = []
            blank_seen = False
            while i < len(lines):
                line = lines[i]
                if _TITLE.match(line):
                    break
                if not line.strip() and not line.startswith("\t"):
                    blank_seen = True
                    i += 1
                    continue
                if line.startswith("\t"):
                    if min_width is None:
                        full = len(current) >= width
                    else:
                        full = blank_seen and len(current) >= min_width
                    if full and current:
                        rows.append(current)
                        current = []
                    current.append(line[1:])
                elif current:
                    current[-1] += "\n" + line
                blank_seen = False
                i += 1
            if current:
                rows.append(current)
            tables.append((title, rows))
            title = ""
            continue
        if line.strip() and not line.startswith("\t\t"):
            title = line.strip()
        i += 1
    return tables


def _clean(text: str) -> str:
    return "\n".join(part.rstrip() for part in text.split("\n")).strip("\n").strip()


def seed_000() -> list[SeedTable]:
    tables = []
    for title, rows in _cells_tables(_seed("000"), "一级栏目"):
        header = [SeedCell(h) for h in rows[0]]
        body = [[SeedCell(_clean(c)) for c in r] for r in rows[1:]]
        for row in body:  # pad a trailing row cut short by the page end
            row += [SeedCell("") for _ in range(len(header) - len(row))]
        tables.append(SeedTable(title, header, body))
    return tables


def seed_003() -> list[SeedTable]:
    ((_, rows),) = _cells_tables(_seed("003"), "序号", min_width=5)
    header = [SeedCell("序号"), SeedCell("类别"), SeedCell("栏目名称", 3)]
    header += [SeedCell("责任单位"), SeedCell("工作要求")]
    body = []
    for raw in rows[1:]:
        cells = [_clean(c) for c in raw]
        names = cells[2:-2]
        spans = {1: [3], 2: [1, 2], 3: [1, 1, 1]}[len(names)]
        body.append(
            [SeedCell(cells[0]), SeedCell(cells[1])]
            + [SeedCell(n, s) for n, s in zip(names, spans, strict=True)]
            + [SeedCell(cells[-2]), SeedCell(cells[-1])]
        )
    return [SeedTable("钟楼区政府门户网站信息内容保障责任分解表", header, body)]


def seed_004() -> list[SeedTable]:
    text = _seed("004")
    text = text[text.index("附件2：") :]
    ((_, rows),) = _cells_tables(text, "序号")
    header = [SeedCell(h) for h in rows[0]]
    body = []
    for raw in rows[1:]:
        cells = [_clean(c) for c in raw] + [""] * (4 - len(raw))
        body.append([SeedCell(c) for c in cells])
    return [SeedTable("西塞山区2016年政务公开工作任务清单", header, body, merge_blanks=False)]


def seed_002() -> list[SeedTable]:
    text = _seed("002")
    lines = text[text.index("栏目\t内容") :].split("\n")
    header = [SeedCell(h) for h in lines[0].split("\t")]
    body = []
    for line in lines[1:]:
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) == 5 and cells[0] == "":
            cells = cells[1:]
        elif len(cells) == 5 and cells[-1] == "":
            cells = cells[:-1]
        assert len(cells) == 4, line
        body.append([SeedCell(c.strip()) for c in cells])
    return [SeedTable("市府门户网站内容保障责任分工表", header, body, merge_blanks=False)]


SEED_TABLES = {"000": seed_000, "002": seed_002, "003": seed_003, "004": seed_004}


def _grid(table: SeedTable) -> list[list[tuple[str, int] | None]]:
    """Rows on the grid: (text, span) at a cell's first column, None under its span."""
    grid = []
    for row in [table.header, *table.rows]:
        out: list[tuple[str, int] | None] = []
        for cell in row:
            out.append((cell.text, cell.span))
            out += [None] * (cell.span - 1)
        grid.append(out)
    return grid


def _vertical(table: SeedTable, grid: list[list[tuple[str, int] | None]]) -> set[tuple[int, int]]:
    """Grid positions (row, col) that continue the merged cell above them."""
    merged: set[tuple[int, int]] = set()
    if not table.merge_blanks:
        return merged
    for r in range(2, len(grid)):
        for c, cell in enumerate(grid[r]):
            above = grid[r - 1][c] if c < len(grid[r - 1]) else None
            if cell is None or above is None or cell[0] or cell[1] != above[1]:
                continue
            if above[0] or (r - 1, c) in merged:
                merged.add((r, c))
    return merged


def build_docx(tables: list[SeedTable]) -> bytes:
    # Cells are reached through the table's XML rows: python-docx's table.cell() walks the
    # whole table on every call, too slow for seed 000's 200-row tables.
    document = docx.Document()
    for table in tables:
        document.add_paragraph(table.title)
        grid = _grid(table)
        merged = _vertical(table, grid)
        word = document.add_table(rows=len(grid), cols=table.width)
        for r, row in enumerate(grid):
            tcs = list(word._tbl.tr_lst[r].tc_lst)
            for c, cell in enumerate(row):
                if cell is None:
                    tcs[c].getparent().remove(tcs[c])  # covered by the span to its left
                    continue
                text, span = cell
                tc = tcs[c]
                if span > 1:
                    tc.grid_span = span
                if (r, c) in merged:
                    _vmerge(tc, "continue")
                    if (r - 1, c) not in merged:
                        _vmerge(word._tbl.tr_lst[r - 1].tc_at_grid_offset(c), "restart")
                else:
                    _Cell(tc, word).text = text
        document.add_paragraph("")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _vmerge(tc: object, value: str) -> None:
    tc_pr = tc.get_or_add_tcPr()  # type: ignore[attr-defined]
    existing = tc_pr.find(qn("w:vMerge"))
    if existing is None:
        existing = OxmlElement("w:vMerge")
        tc_pr.append(existing)
    existing.set(qn("w:val"), value)


def build_xlsx(tables: list[SeedTable], *, titles: bool = True) -> bytes:
    """One sheet per table, its title in a merged first row (as offices lay them out)."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for n, table in enumerate(tables, start=1):
        sheet = workbook.create_sheet(f"表{n}")
        offset = 1
        if titles:
            sheet.cell(1, 1, table.title)
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=table.width)
            offset = 2
        grid = _grid(table)
        merged = _vertical(table, grid)
        for r, row in enumerate(grid):
            for c, cell in enumerate(row):
                if cell is None or (r, c) in merged:
                    continue
                text, span = cell
                bottom = r
                while (bottom + 1, c) in merged:
                    bottom += 1
                if text:
                    sheet.cell(r + offset, c + 1, text)
                if span > 1 or bottom > r:
                    sheet.merge_cells(
                        start_row=r + offset,
                        start_column=c + 1,
                        end_row=bottom + offset,
                        end_column=c + span,
                    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
