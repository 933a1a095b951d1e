"""The office's findings page and its .xlsx export (content checks, workflow.checks):
findings filtered by unit, category, month (by when they were found) and status, with
their item's title and unit — one query, newest first, bounded."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import spreadsheet
from workflow.checks.listfile import CATEGORY_NAMES, SEVERITY_NAMES
from workflow.models import Finding, Item, Unit, User

CATEGORY_LABELS: Final = {**CATEGORY_NAMES, "link": "链接", "attachment": "附件"}
STATUS_LABELS: Final = {
    "open": "待处理",
    "fixed": "已修改",
    "verified": "已核实",
    "overridden": "已核准放行",
}
LIMIT: Final = 2000
NOTES: Final = {
    "hidden:no_text": "暗链：链接没有可见文字",
    "hidden:blank_image": "暗链：链接在空白或1像素图片上",
    "hidden:invisible": "暗链：链接被设为不可见",
    "dead:timeout": "死链：访问超时",
    "dead:connection": "死链：无法连接",
    "dead:redirects": "死链：跳转次数过多",
    "dead:error": "死链：访问出错",
    "dead:private": "错链：指向内网地址，公众无法访问",
    "empty": "附件为空",
    "corrupt": "附件无法打开（文件损坏或格式不符）",
    "bad_type": "附件类型不允许",
    "too_large": "附件过大，未能检查",
    "no_form": "办事指南提到申请表，但未上传表格",
    "retired_unit": "该单位已停用（更名或撤销），请使用现名称",
}


def note(category: str, code: str) -> str:
    """A finding's suggestion in Chinese words (the export's; the page translates)."""
    if category not in ("link", "attachment", "name") or not code:
        return f"建议改为：{code}" if code else ""
    if code in NOTES:
        return NOTES[code]
    kind, _sep, rest = code.partition(":")
    if kind == "dead" and rest.startswith("http:"):
        return f"死链：返回状态 {rest[5:]}"
    if kind == "offsite":
        return f"跳转到站外网站：{rest}"
    return code


def where(source: str) -> str:
    kind, _sep, rest = source.partition(":")
    if kind == "attachment":
        return f"附件：{rest}" if rest else "附件"
    if kind == "field":
        from workflow.prerequisites import SERVICE_GUIDE_ELEMENTS

        return SERVICE_GUIDE_ELEMENTS.get(rest, rest)
    return {"title": "标题", "body": "正文"}.get(kind, source)


@dataclass(frozen=True)
class FindingFilter:
    unit_id: int | None = None
    category: str | None = None
    status: str | None = None
    start: datetime | None = None  # found at or after
    end: datetime | None = None  # found before


@dataclass(frozen=True)
class FindingRow:
    finding: Finding
    title: str
    unit: str
    decided_by: str | None


def findings(session: Session, f: FindingFilter, limit: int = LIMIT) -> list[FindingRow]:
    stmt = (
        select(Finding, Item.title, Unit.name, User.name)
        .join(Item, Item.id == Finding.item_id)
        .join(Unit, Unit.id == Finding.unit_id)
        .outerjoin(User, User.id == Finding.decided_by_id)
        .order_by(Finding.created_at.desc(), Finding.id.desc())
        .limit(limit)
    )
    if f.unit_id is not None:
        stmt = stmt.where(Finding.unit_id == f.unit_id)
    if f.category:
        stmt = stmt.where(Finding.category == f.category)
    if f.status:
        stmt = stmt.where(Finding.status == f.status)
    if f.start is not None:
        stmt = stmt.where(Finding.created_at >= f.start)
    if f.end is not None:
        stmt = stmt.where(Finding.created_at < f.end)
    return [FindingRow(*row) for row in session.execute(stmt).all()]


HEADERS: Final = (
    "发现时间",
    "单位",
    "稿件",
    "版本",
    "位置",
    "类别",
    "严重程度",
    "问题",
    "建议/说明",
    "上下文",
    "状态",
    "理由",
    "处理人",
)


def findings_xlsx(rows: Sequence[FindingRow], tz_name: str) -> bytes:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(tz_name)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("内容检查问题")
    spreadsheet.append(sheet, HEADERS)
    for r in rows:
        f = r.finding
        spreadsheet.append(
            sheet,
            (
                f.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                r.unit,
                r.title,
                f.revision_no,
                where(f.source),
                CATEGORY_LABELS.get(f.category, f.category),
                SEVERITY_NAMES.get(f.severity, f.severity),
                f.term,
                note(f.category, f.suggestion),
                f.excerpt,
                STATUS_LABELS.get(f.status, f.status),
                f.reason or "",
                r.decided_by or "",
            ),
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
