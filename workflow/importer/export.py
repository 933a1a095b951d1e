"""The current columns as an .xlsx responsibility table that imports back to no change:
full paths on every row, "—" where a value is empty (a blank would mean "same as
above"), the units as 牵头/配合, the rules as JSON next to the text, and the linked
columns (关联栏目: a sibling by its name, any other by its full path, one a line)."""

from __future__ import annotations

import io
import json
from collections import defaultdict

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from workflow import spreadsheet
from workflow.enums import AssignmentRole
from workflow.models import Column, ColumnAssignment, ColumnLink

LEVEL_HEADERS = ("一级栏目", "二级栏目", "三级栏目", "四级栏目", "五级栏目", "六级栏目")
EMPTY = "—"


def export_columns(session: Session) -> bytes:
    columns = list(
        session.execute(
            select(Column)
            .where(Column.retired_at.is_(None))
            .options(selectinload(Column.assignments).selectinload(ColumnAssignment.unit))
        ).scalars()
    )
    children: dict[int | None, list[Column]] = defaultdict(list)
    for column in columns:
        children[column.parent_id].append(column)
    by_id = {c.id: c for c in columns}
    links: dict[int, list[Column]] = defaultdict(list)
    for source_id, target_id in session.execute(select(ColumnLink.source_id, ColumnLink.target_id)):
        if source_id in by_id and target_id in by_id:
            links[source_id].append(by_id[target_id])
    ordered: list[tuple[tuple[str, ...], Column]] = []

    def walk(parent_id: int | None, prefix: tuple[str, ...]) -> None:
        for column in sorted(children.get(parent_id, []), key=lambda c: (c.position, c.id)):
            path = (*prefix, column.name)
            ordered.append((path, column))
            walk(column.id, path)

    walk(None, ())
    depth = max((len(p) for p, _ in ordered), default=1)
    if depth > len(LEVEL_HEADERS):
        raise ValueError(f"columns nested {depth} deep; the export supports {len(LEVEL_HEADERS)}")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "栏目保障责任分解表"
    headers = [
        *LEVEL_HEADERS[:depth],
        "保障内容",
        "保障单位",
        "配合单位",
        "时限要求",
        "规则",
        "关联栏目",
    ]
    spreadsheet.append(sheet, headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for path, column in ordered:
        has_children = bool(children.get(column.id))
        leads = [a.unit.name for a in column.assignments if a.role == AssignmentRole.LEAD]
        coops = [a.unit.name for a in column.assignments if a.role != AssignmentRole.LEAD]
        targets = sorted(links.get(column.id, []), key=lambda t: t.path)
        if has_children and not (
            column.content or column.time_requirement or leads or coops or targets
        ):
            continue  # a plain container: implied by its children's paths
        lead_text = "、".join(leads)
        if len(leads) > 1:
            lead_text += "牵头"
        spreadsheet.append(
            sheet,
            [
                *path,
                *[""] * (depth - len(path)),
                column.content or EMPTY,
                lead_text or EMPTY,
                "、".join(coops) or EMPTY,
                column.time_requirement or EMPTY,
                json.dumps(column.rules or [], ensure_ascii=False),
                "\n".join(t.name if t.parent_id == column.parent_id else t.path for t in targets)
                or EMPTY,
            ],
        )
    widths = [18] * depth + [50, 24, 24, 40, 30, 30]
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
