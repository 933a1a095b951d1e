"""Spreadsheet cells that never become formulas (CSV/formula injection, OWASP).

Titles, unit and column names come from users and imported tables. Written as they are,
text such as `=HYPERLINK("http://…","F1")` is stored by openpyxl as a live formula. Every
workbook the project writes goes through `append` (or `set_value`): text starting with
`=`, `+`, `-`, `@`, a tab, CR or LF is stored as a text cell with Excel's quote prefix
(the `'` shown in the formula bar), so it displays as typed and stays text when edited.
The text itself is left intact: the importer's export must re-import unchanged. Numbers
and dates stay numbers and dates; only *text* is guarded (-3 is a number, "-3" text).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import Cell, WriteOnlyCell
from openpyxl.worksheet.worksheet import Worksheet

# What spreadsheet programs read as the start of a formula (OWASP CSV Injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def needs_guard(value: object) -> bool:
    """True for text a spreadsheet program could take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def guard(cell: Cell) -> Cell:
    """Make a cell holding risky text a quote-prefixed text cell; others are untouched."""
    if needs_guard(cell.value):
        cell.data_type = "s"  # openpyxl typed it "f" (a formula) when it began with "="
        cell.quotePrefix = True
    return cell


def set_value(cell: Cell, value: Any) -> Cell:
    """Write `value` into an existing cell, guarded."""
    cell.value = value
    if cell.quotePrefix and not needs_guard(value):
        cell.quotePrefix = False  # the cell held guarded text before
    return guard(cell)


def row(sheet: Worksheet, values: Iterable[Any]) -> list[Cell]:
    """Guarded cells of `sheet` for one `sheet.append`."""
    return [guard(WriteOnlyCell(sheet, value)) for value in values]


def append(sheet: Worksheet, values: Iterable[Any]) -> None:
    """`sheet.append(values)` with every value guarded."""
    sheet.append(row(sheet, values))
