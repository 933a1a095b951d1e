"""Word lists as .xlsx: export a list, read one back (all or nothing: every row is checked
first and each refusal names its row in Chinese, the sheet's row number).

The columns: 词语, 类别, 严重程度, 建议改为, 说明 (the last two may be empty); categories
and severities are written and read by their Chinese names.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from typing import Final

from openpyxl import Workbook, load_workbook

from workflow import spreadsheet
from workflow.checks import LIST_CATEGORIES, SEVERITIES
from workflow.importer.errors import ImportFileError
from workflow.importer.limits import MB, Budget, ImportLimits, check_entries, check_unpacked
from workflow.models import WordEntry

HEADERS: Final = ("词语", "类别", "严重程度", "建议改为", "说明")
CATEGORY_NAMES: Final = {
    "serious_error": "严重错误",
    "sensitive": "敏感词",
    "banned": "禁用词",
    "nonstandard": "不规范用语",
    "typo": "易错词",
    "name": "名称职务",
}
SEVERITY_NAMES: Final = {"serious": "严重", "normal": "一般", "hint": "提示"}
MAX_BYTES: Final = 10 * MB
MAX_ROWS: Final = 50_000
_LIMITS: Final = ImportLimits(max_part_bytes=4 * MAX_BYTES, max_unpacked_bytes=8 * MAX_BYTES)
_CATEGORIES: Final = {v: k for k, v in CATEGORY_NAMES.items()}
_SEVERITIES: Final = {v: k for k, v in SEVERITY_NAMES.items()}
assert set(CATEGORY_NAMES) == set(LIST_CATEGORIES) and set(SEVERITY_NAMES) == set(SEVERITIES)


class ListFileError(ValueError):
    """The file cannot be imported; the message says why, in Chinese, naming rows."""


def export(entries: Sequence[WordEntry]) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("词库")
    spreadsheet.append(sheet, HEADERS)
    for e in entries:
        spreadsheet.append(
            sheet,
            (
                e.term,
                CATEGORY_NAMES.get(e.category, e.category),
                SEVERITY_NAMES.get(e.severity, e.severity),
                e.suggestion,
                e.note,
            ),
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: object) -> str:
    return "" if value is None else " ".join(str(value).split())


def _problems(cells: list[str], seen: dict[str, int]) -> list[str]:
    term, category, severity, suggestion, note = cells
    problems = []
    if not term:
        problems.append("“词语”为空")
    elif len(term) > 100:
        problems.append("“词语”超过100字")
    elif term in seen:
        problems.append(f"“{term}”与第{seen[term]}行重复")
    if category not in _CATEGORIES:
        problems.append(f"“类别”应为{'、'.join(CATEGORY_NAMES.values())}之一")
    if severity not in _SEVERITIES:
        problems.append(f"“严重程度”应为{'、'.join(SEVERITY_NAMES.values())}之一")
    if len(suggestion) > 200 or len(note) > 300:
        problems.append("“建议改为”或“说明”过长")
    return problems


def _rows(
    rows: Sequence[tuple[object, ...]],
) -> tuple[list[tuple[str, str, str, str, str]], list[str]]:
    out: list[tuple[str, str, str, str, str]] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        cells = [_cell(v) for v in (*row, None, None, None, None, None)[:5]]
        if not any(cells):
            continue
        problems = _problems(cells, seen)
        if problems:
            errors.append(f"第{number}行：{'；'.join(problems)}")
            continue
        term, category, severity, suggestion, note = cells
        seen[term] = number
        out.append((term, _CATEGORIES[category], _SEVERITIES[severity], suggestion, note))
    return out, errors


def read(data: bytes, filename: str) -> list[tuple[str, str, str, str, str]]:
    """(term, category code, severity code, suggestion, note) per row; ListFileError
    listing every bad row (up to 20) when any is bad."""
    if not filename.lower().endswith(".xlsx"):
        raise ListFileError(f"{filename}：请上传 .xlsx 格式的词库文件")
    if len(data) > MAX_BYTES:
        raise ListFileError(f"{filename}：文件超过 {MAX_BYTES // MB} MB 的上限，未导入")
    budget = Budget(filename, _LIMITS)
    try:
        check_entries(data, budget)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_unpacked(archive, budget)
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ImportFileError as exc:
        raise ListFileError(str(exc)) from exc
    except Exception as exc:  # any reader failure: not a workbook we can read
        raise ListFileError(f"{filename}：无法打开，请确认是 Excel（.xlsx）文件") from exc
    try:
        rows = list(book.worksheets[0].iter_rows(values_only=True, max_row=MAX_ROWS + 2))
    finally:
        book.close()
    if not rows or tuple(_cell(v) for v in rows[0][:2]) != HEADERS[:2]:
        raise ListFileError(f"{filename}：第1行应为表头：{'、'.join(HEADERS)}")
    if len(rows) > MAX_ROWS + 1:
        raise ListFileError(f"{filename}：超过 {MAX_ROWS} 行的上限，未导入")
    out, errors = _rows(rows[1:])
    if errors:
        more = f"（另有 {len(errors) - 20} 行有误）" if len(errors) > 20 else ""
        raise ListFileError(f"{filename}：未导入。" + "；".join(errors[:20]) + more)
    return out
