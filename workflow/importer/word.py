"""The tables of a .docx, read as the XML streams in.

python-docx would build the whole document tree first: lxml holds about fourteen times
the XML's size, so a 20 MB document.xml of tiny runs takes 300 MB before a row is read.
Here a pull parser hands over each element as it ends; it is reduced to its text, by
python-docx's rules (a run's w:t, w:tab, w:br…; a paragraph's direct runs and
hyperlinks; a cell's paragraphs joined by line breaks), and then dropped: memory holds
about one row.
"""

from __future__ import annotations

import zipfile
from typing import Any

from lxml import etree

from workflow.importer.limits import Budget
from workflow.importer.readers import Cell, RawRow, RawTable, clean_cell

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
BODY, P, TBL, TR, TC, R, HYPERLINK = (
    f"{_W}{t}" for t in ("body", "p", "tbl", "tr", "tc", "r", "hyperlink")
)
TC_PR, TR_PR = f"{_W}tcPr", f"{_W}trPr"
T, BR, VAL, TYPE = f"{_W}t", f"{_W}br", f"{_W}val", f"{_W}type"
V_MERGE, GRID_SPAN, GRID_BEFORE = f"{_W}vMerge", f"{_W}gridSpan", f"{_W}gridBefore"
# A run's children that are text, by python-docx's CT_R.text (w:t and w:br aside).
RUN_TEXT = {f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-", f"{_W}ptab": "\t", f"{_W}tab": "\t"}
_CHUNK = 64 * 1024


class _WordReader:
    """The state of one pass: text gathered per open element, the row being read."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.tables: list[RawTable] = []
        self.by_element: dict[Any, RawTable] = {}
        self.heading = ""
        # Text parts of open runs, hyperlinks, paragraphs and cells.
        self.parts: dict[Any, list[str]] = {}
        self.cells: dict[Any, list[Cell]] = {}  # open rows: their cells so far
        self.merge: dict[Any, tuple[bool, int]] = {}  # open cells: (continues above, span)
        self.grid_before: dict[Any, int] = {}  # open rows

    def end(self, element: Any) -> None:
        """An element is complete: fold it into its parent, then let it go."""
        parent, tag = element.getparent(), element.tag
        if parent is not None and parent.tag in (TC_PR, TR_PR):
            return  # merge and grid attributes, read when their parent ends
        if parent is not None:
            self._fold(element, parent)
            # Previous siblings were folded when they ended: drop them (lxml's idiom for
            # parsing in constant memory; the element itself is only emptied).
            while element.getprevious() is not None:
                del parent[0]
        self.parts.pop(element, None)
        if tag in (TC, TR):
            for state in (self.cells, self.merge, self.grid_before):
                state.pop(element, None)
        element.clear()

    def _fold(self, element: Any, parent: Any) -> None:
        tag, up = element.tag, parent.tag
        if up == R:
            text = _run_text(element, tag)
            if text:
                self.parts.setdefault(parent, []).append(text)
        elif tag in (R, HYPERLINK) and up in (P, HYPERLINK):
            if tag == R or up == P:  # a paragraph's runs and hyperlinks, a link's runs
                self.parts.setdefault(parent, []).append("".join(self.parts.get(element, ())))
        elif tag == P and up == TC:
            self.parts.setdefault(parent, []).append("".join(self.parts.get(element, ())))
        elif tag == P and up == BODY:
            text = "".join(self.parts.get(element, ())).strip()
            if text:
                self.heading = text
        elif tag == TC_PR and up == TC:
            v_merge, span = element.find(V_MERGE), element.find(GRID_SPAN)
            continuing = v_merge is not None and v_merge.get(VAL, "continue") == "continue"
            self.merge[parent] = (continuing, 1 if span is None else int(span.get(VAL, 1)))
        elif tag == TR_PR and up == TR:
            before = element.find(GRID_BEFORE)
            self.grid_before[parent] = 0 if before is None else int(before.get(VAL, 0))
        elif tag == TC and up == TR:
            self._cell(element, parent)
        elif tag == TR and up == TBL and _is_body(parent.getparent()):
            self._row(element, parent)
        elif tag == TBL and up == BODY:
            self._table(element)
            self.heading = ""

    def _cell(self, tc: Any, tr: Any) -> None:
        continuing, span = self.merge.get(tc, (False, 1))
        text = "" if continuing else "\n".join(self.parts.get(tc, ()))
        cells = self.cells.setdefault(tr, [])
        cells.append(Cell(clean_cell(text), merged=continuing))
        if span > self.budget.limits.max_columns:  # refused with the row, unrepeated
            span = self.budget.limits.max_columns + 1
        cells.extend(Cell("", spanned=True, merged=continuing) for _ in range(span - 1))

    def _row(self, tr: Any, tbl: Any) -> None:
        table = self._table(tbl)
        before = min(self.grid_before.get(tr, 0), self.budget.limits.max_columns + 1)
        cells = [Cell("") for _ in range(before)] + self.cells.get(tr, [])
        number = len(table.rows) + 1
        self.budget.row(table.label, number, len(cells), sum(len(c.text) for c in cells))
        table.rows.append(RawRow(number, cells))

    def _table(self, tbl: Any) -> RawTable:
        table = self.by_element.get(tbl)
        if table is None:
            table = RawTable(label=f"表{len(self.tables) + 1}", title=self.heading)
            table.relative_rows = True
            self.tables.append(table)
            self.by_element[tbl] = table
        return table


def _run_text(element: Any, tag: str) -> str:
    if tag == T:
        return str(element.text or "")
    if tag == BR:  # a line break; a page or column break is no text
        return "\n" if element.get(TYPE, "textWrapping") == "textWrapping" else ""
    return RUN_TEXT.get(tag, "")


def _is_body(element: Any) -> bool:
    return element is not None and element.tag == BODY


def read_docx(archive: zipfile.ZipFile, budget: Budget) -> list[RawTable]:
    """The body's tables (tables nested in a cell are part of that cell's layout, not
    read), each titled by the last paragraph of text above it."""
    parser = etree.XMLPullParser(
        events=("end",), remove_blank_text=True, resolve_entities=False, no_network=True
    )
    reader = _WordReader(budget)
    with archive.open("word/document.xml") as source:
        while chunk := source.read(_CHUNK):
            parser.feed(chunk)
            for _, element in parser.read_events():
                reader.end(element)
            budget.tick()
        parser.close()
        for _, element in parser.read_events():
            reader.end(element)
    return reader.tables
