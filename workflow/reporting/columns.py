"""The column page: its rules in plain Chinese, who is responsible and where each unit
stands (next due date), and its publication history."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow.calendar import add_months
from workflow.deadlines.due import DEFAULT_PROMPT_WINDOW, load_calendar
from workflow.deadlines.evaluate import Settings, evaluate
from workflow.enums import AssignmentRole
from workflow.models import Column, ColumnAssignment, Item, Unit
from workflow.reporting.common import DEFAULTS, ReportSettings, local_date, local_midnight
from workflow.reporting.kinds import KIND_NAMES, kinds_of
from workflow.reporting.sql import local_month

_EVENTS = {
    "received": "收到申请之日起",
    "accepted": "受理之日起",
    "published": "文件公开后",
    "decided": "作出决定之日起",
    "occurred": "事项发生后",
    None: "事项发生后",
}
_UNITS = {"workday": "个工作日", "day": "日", "week": "周", "month": "个月"}


def _every(every: int, unit: str) -> str:
    if unit == "month":
        named = {1: "每月", 3: "每季度", 6: "每半年", 12: "每年"}
        return named.get(every, f"每{every}个月")
    if unit == "year":
        return "每年" if every == 1 else f"每{every}年"
    if unit == "week":
        return "每周" if every == 1 else f"每{every}周"
    return "每天" if every == 1 else f"每{every}天"


def describe_rule(rule: Mapping[str, Any], prompt_window: int = DEFAULT_PROMPT_WINDOW) -> str:
    """One rule in the office's words: "每月25日前至少发布1条"."""
    kind = rule.get("kind")
    scope = f"{rule['scope']}：" if rule.get("scope") else ""
    if kind == "periodic":
        every, unit = int(rule["every"]), str(rule["unit"])
        count = f"至少发布{int(rule.get('min_items', 1))}条"
        by_day = rule.get("by_day")
        if by_day and unit == "month" and every == 1:
            text = f"每月{by_day}日前{count}"
        elif by_day:
            text = f"{_every(every, unit)}（最后一个月{by_day}日前）{count}"
        else:
            text = f"{_every(every, unit)}{count}"
    elif kind == "annual":
        month, day = (int(p) for p in str(rule["by"]).split("-"))
        text = f"每年{month}月{day}日前发布"
    elif kind == "once":
        d = date.fromisoformat(str(rule["by"]))
        text = f"{d.year}年{d.month}月{d.day}日前完成"
    elif kind == "after_event":
        within = int(rule["within"])
        start = _EVENTS.get(rule.get("event"), "事项发生后")
        text = (
            f"{start.removesuffix('之日起')}同步发布"
            if within == 0
            else f"{start}{within}{_UNITS[str(rule['unit'])]}内发布"
        )
    elif kind == "prompt":
        text = f"及时发布（{prompt_window}个工作日内）"
    elif kind == "on_change":
        text = "如有变化及时更新"
    else:
        text = "（无法识别的规则）"
    return scope + text


@dataclass(frozen=True)
class UnitStanding:
    assignment_id: int
    unit_id: int
    unit_name: str
    role: str  # lead (牵头) or cooperating (配合)
    status: str  # ok, due_soon, provisional, overdue
    next_due: date | None
    overdue_since: date | None
    last_published_at: datetime | None
    confirmed: bool = True  # False: the column's rules are 待确认
    responsible_since: date | None = None


@dataclass(frozen=True)
class PublishedItem:
    item_id: int
    title: str
    unit_name: str
    first_published_at: datetime


@dataclass(frozen=True)
class ColumnPage:
    column_id: int
    path: str
    time_requirement: str  # as the responsibility table wrote it
    rules: list[str]  # in plain Chinese
    kinds: list[str]  # inspection kinds, in Chinese
    units: list[UnitStanding]
    next_due: date | None
    months: list[tuple[str, int]]  # ("2026-10", items first published), oldest first
    recent: list[PublishedItem]


def column_page(
    session: Session,
    column_id: int,
    now: datetime,
    settings: ReportSettings = DEFAULTS,
    *,
    months: int = 12,
    recent: int = 20,
    prompt_window: int = DEFAULT_PROMPT_WINDOW,
) -> ColumnPage | None:
    """Everything the column page shows; None when there is no such column."""
    column = session.get(Column, column_id)
    if column is None:
        return None
    tz = settings.tz
    today = local_date(now, tz)
    calendar = load_calendar(session)
    statuses = evaluate(
        session,
        now,
        Settings(settings.due_soon_workdays, settings.stale_after_months, settings.timezone),
        calendar=calendar,
        column_id=column_id,
    )
    roles = {
        unit: (name, role)
        for unit, name, role in session.execute(
            select(ColumnAssignment.unit_id, Unit.name, ColumnAssignment.role)
            .join(Unit, Unit.id == ColumnAssignment.unit_id)
            .where(ColumnAssignment.column_id == column_id)
        )
    }
    units = [
        UnitStanding(
            s.assignment_id,
            s.unit_id,
            roles.get(s.unit_id, ("", ""))[0],
            roles.get(s.unit_id, ("", AssignmentRole.LEAD))[1],
            s.status,
            s.next_due,
            s.overdue_since,
            s.last_published_at,
            s.confirmed,
            s.responsible_since,
        )
        for s in statuses
    ]
    units.sort(key=lambda u: (u.role != AssignmentRole.LEAD, u.unit_name))
    first_month = add_months(today.replace(day=1), -(months - 1))
    month = local_month(session, Item.first_published_at, tz, now)
    counts: dict[str, int] = {
        str(m): int(n)
        for m, n in session.execute(
            select(month, func.count())
            .where(
                Item.column_id == column_id,
                Item.live_revision_no.is_not(None),
                Item.first_published_at >= local_midnight(first_month, tz),
            )
            .group_by(month)
        )
    }
    history = []
    for i in range(months):
        key = add_months(first_month, i).strftime("%Y-%m")
        history.append((key, int(counts.get(key, 0))))
    latest = session.execute(
        select(Item.id, Item.title, Unit.name, Item.first_published_at)
        .join(Unit, Unit.id == Item.unit_id)
        .where(Item.column_id == column_id, Item.live_revision_no.is_not(None))
        .order_by(Item.first_published_at.desc(), Item.id.desc())
        .limit(recent)
    ).all()
    dues = [u.next_due for u in units if u.next_due]
    return ColumnPage(
        column_id=column.id,
        path=column.path,
        time_requirement=column.time_requirement,
        rules=[describe_rule(r, prompt_window) for r in column.rules or []],
        kinds=[KIND_NAMES[k] for k in sorted(kinds_of(column.tags))],
        units=units,
        next_due=min(dues) if dues else None,
        months=history,
        recent=[PublishedItem(i, t, u, p) for i, t, u, p in latest if p is not None],
    )
