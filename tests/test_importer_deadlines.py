"""Deadlines an import starts: a table imported on a day leaves nobody overdue that day
(periods that began before the unit was responsible are never judged), an earlier
responsible-since day brings the older periods back, parsed rules are 待确认 until the
office confirms them, and one-off tasks already past are said, not silently late."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.deadlines.evaluate import OVERDUE, evaluate
from workflow.enums import Role
from workflow.importer import apply_import, plan_import
from workflow.models import AdminEvent, Column, ColumnAssignment
from workflow.timezones import local_day

from .factories import World
from .test_importer_seeds import ROOTS, seed_file

# Rules of every calendar shape, as offices write them.
PHRASES = {
    "年度信息": "每年至少更新一次",
    "年报": "每年3月31日前",
    "半年信息": "每半年更新一次",
    "季度信息": "每季度集中报送一次",
    "季末报送": "每季度末月25日前报送",
    "月度信息": "于每月10日前",
    "月报": "按月报送的请于每月 25 日前报送",
    "周更新": "每周至少更新1条",
    "双周更新": "每两周内更新",
    "滚动更新": "每50天至少更新一次",
}


def own_table() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["栏目", "责任单位", "时限要求"])
    for name, phrase in PHRASES.items():
        sheet.append([name, "区统计局、区财政局", phrase])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def at(day: date) -> datetime:
    """10:00 Beijing time on `day`."""
    return datetime(day.year, day.month, day.day, 2, tzinfo=UTC)


IMPORT_DAYS = [
    date(2026, 1, 1),
    date(2026, 3, 31),
    date(2026, 4, 1),
    date(2026, 6, 26),
    date(2026, 7, 15),
    date(2026, 10, 8),  # after the National Day week
    date(2026, 12, 31),
    date(2027, 2, 28),  # a Sunday
]


def overdue(session: Session, now: datetime) -> list[tuple[str, list[str]]]:
    return [
        (s.column_path, [str(r.rule.get("source") or r.rule["kind"]) for r in s.rules])
        for s in evaluate(session, now)
        if s.status == OVERDUE
    ]


@pytest.mark.parametrize("day", IMPORT_DAYS, ids=str)
@pytest.mark.parametrize("source", ["000", "002", "003", "own"])
def test_nothing_is_overdue_on_the_import_day(session: Session, day: date, source: str) -> None:
    now = at(day)
    if source == "own":
        name, data, root = "表.xlsx", own_table(), None
    else:
        (name, data), root = seed_file(source, "docx"), ROOTS.get(source)
    apply_import(session, name, data, now=now, root=root, confirm_rules=True)
    assert evaluate(session, now), "the import assigned nobody"
    assert overdue(session, now) == []


def test_an_earlier_responsible_since_brings_older_periods_back(session: Session) -> None:
    now = at(date(2026, 7, 15))
    report = apply_import(
        session, "表.xlsx", own_table(), now=now, responsible_since=date(2026, 1, 1)
    )
    assert report.applied
    since = set(session.execute(select(ColumnAssignment.responsible_since)).scalars())
    assert since == {date(2026, 1, 1)}
    late = {path for path, _ in overdue(session, now)}
    # Nothing was published in the first half of 2026: June's, the second quarter's
    # and the first half-year's periods, the first fifty days… all passed unmet.
    assert late == {
        "半年信息",
        "季度信息",
        "季末报送",
        "月度信息",
        "月报",
        "周更新",
        "双周更新",
        "滚动更新",
    }
    # 年度信息's year still runs; 年报's year (to 31 March) began before 1 January.


def test_the_same_table_from_the_import_day_has_none_of_them(session: Session) -> None:
    now = at(date(2026, 7, 15))
    apply_import(session, "表.xlsx", own_table(), now=now)
    since = set(session.execute(select(ColumnAssignment.responsible_since)).scalars())
    assert since == {local_day(now)}
    assert overdue(session, now) == []


def test_rules_are_pending_until_the_office_confirms_them(
    session: Session, now: datetime, world: World
) -> None:
    admin = world.user(Role.ADMIN, "office")
    report = plan_import(session, "表.xlsx", own_table(), now=now)
    items = {r["path"]: r for r in report.to_dict()["rules"]["items"]}
    assert items["月度信息"]["described"] == ["每月10日前至少发布1条"]
    assert items["季度信息"]["described"] == ["每季度至少发布1条"]
    assert {r["status"] for r in items.values()} == {"待确认"}
    assert report.to_dict()["rules"]["pending"] == len(PHRASES)
    text = report.to_text()
    assert "待确认的时限规则（10 个栏目" in text and "  月度信息：每月10日前至少发布1条" in text

    apply_import(session, "表.xlsx", own_table(), now=now)
    imported = select(Column).where(Column.path.in_(list(PHRASES)))
    columns = list(session.execute(imported).scalars())
    assert len(columns) == len(PHRASES) and not any(c.rules_confirmed for c in columns)
    # Confirmed on a later apply of the same file (the office checked the preview).
    again = apply_import(session, "表.xlsx", own_table(), now=now, confirm_rules=True, actor=admin)
    assert {r["status"] for r in again.to_dict()["rules"]["items"]} == {"已确认"}
    session.expire_all()
    confirmed = list(session.execute(imported).scalars())
    assert all(c.rules_confirmed and c.rules_confirmed_by_id == admin.id for c in confirmed)
    logged = session.execute(
        select(AdminEvent).where(AdminEvent.action == "column.rules")
    ).scalars()
    assert {e.actor_id for e in logged} == {admin.id}
    # Re-importing the confirmed table: no change, and still confirmed.
    third = plan_import(session, "表.xlsx", own_table(), now=now)
    assert not third.has_changes
    assert {r["status"] for r in third.to_dict()["rules"]["items"]} == {"已确认"}


def test_one_off_tasks_already_past_are_said(session: Session) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["栏目", "责任单位", "时限要求"])
    sheet.append(["网站改版", "区政府办", "2026年6月底"])
    sheet.append(["数据开放", "区政府办", "2026年12月底"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    now = at(date(2026, 7, 15))
    report = plan_import(session, "表.xlsx", buffer.getvalue(), now=now)
    notes = {(a.row, a.reason) for a in report.needs_attention}
    assert (2, "完成时限已过（2026-06-30，早于导入当天 2026-07-15），请核对") in notes
    assert not any(row == 3 and "已过" in why for row, why in notes)
    # The table took effect later than the import: a task due before then is said too.
    later = plan_import(
        session, "表.xlsx", buffer.getvalue(), now=now, responsible_since=date(2027, 1, 1)
    )
    assert (3, "完成时限已过（2026-12-31，早于责任起始日期 2027-01-01），请核对") in {
        (a.row, a.reason) for a in later.needs_attention
    }


def test_confirming_skips_rules_off_the_contract(session: Session, now: datetime) -> None:
    apply_import(session, "表.xlsx", own_table(), now=now)
    typo = session.execute(select(Column).where(Column.path == "月度信息")).scalar_one()
    typo.rules = [{"kind": "periodic", "every": 0, "unit": "month"}]  # by hand, text kept
    session.flush()
    report = apply_import(session, "表.xlsx", own_table(), now=now, confirm_rules=True)
    status = {r["path"]: r["status"] for r in report.to_dict()["rules"]["items"]}
    assert status["月度信息"] == "待确认" and status["季度信息"] == "已确认"
    assert "规则有误（手工录入？），未确认，请在栏目页修改" in {
        a.reason for a in report.needs_attention
    }
    session.refresh(typo)
    assert not typo.rules_confirmed and typo.rules[0]["every"] == 0


def test_seed_003_column_is_judged_per_part(session: Session, world: World) -> None:
    """Seed 003's 板块、部门政府信息公开 cell gives each part its own limit: the import keeps
    the scopes as parts, and an item of 信息公开年报 does not satisfy 政策法规."""
    from workflow import services
    from workflow.enums import ItemKind, State

    name, data = seed_file("003", "docx")
    apply_import(
        session,
        name,
        data,
        now=at(date(2026, 1, 5)),
        root=ROOTS["003"],
        responsible_since=date(2026, 1, 1),
        confirm_rules=True,
    )
    column = session.execute(
        select(Column).where(Column.path.like("%板块、部门政府信息公开"))
    ).scalar_one()
    parts = {p.name: p for p in column.parts}
    assert {"信息公开年报", "政策法规", "业务工作"} <= set(parts)
    # 区政府组成部门 expanded to every department: the world's unit A (with a drafter) too.
    (mine,) = [a for a in column.assignments if a.unit_id == world.unit_a.id]
    assert mine.responsible_since == date(2026, 1, 1)
    annual_report = services.create_item(
        session,
        actor=world.drafter,
        column_id=column.id,
        kind=ItemKind.ARTICLE,
        title="2025年政府信息公开工作年度报告",
        now=at(date(2026, 1, 20)),
        part_id=parts["信息公开年报"].id,
    ).value
    assert annual_report.part_id == parts["信息公开年报"].id
    session.flush()
    # Published at once (no audit trail needed here): first published 01-20.
    annual_report.state = State.PUBLISHED
    annual_report.live_revision_no = 1
    annual_report.first_published_at = annual_report.published_at = at(date(2026, 1, 20))
    session.flush()
    (status,) = [s for s in evaluate(session, at(date(2026, 7, 1))) if s.assignment_id == mine.id]
    by_scope = {r.rule.get("scope"): r for r in status.rules}
    # 年报 is due by 01-31 each year: met for 2026 by the item of 01-20.
    assert by_scope["信息公开年报"].status != OVERDUE
    # 政策法规 every 5 months (rolling, from 01-01): nothing of that part → overdue.
    assert by_scope["政策法规"].status == OVERDUE
    assert by_scope["政策法规"].part_id == parts["政策法规"].id
