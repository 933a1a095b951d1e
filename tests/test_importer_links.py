"""Linked columns (政策文件 → 政策解读 within 3 working days, seed 000): proposed by the
import for the obvious shape and written only when the office accepts, read from a
关联栏目 column, written back by the export, and set through one service that logs."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from workflow.errors import ValidationFailed
from workflow.importer import apply_import, export_columns, plan_import
from workflow.models import AdminEvent, Base, Column, ColumnLink
from workflow.runner import run
from workflow.services import columns as column_settings

from .test_importer_seeds import ROOTS, office_units, seed_file

POLICY = "区政府门户网站/政务公开/政策法规"
DOCUMENTS = ["政府文件", "政府办文件", "部门文件", "规范性文件"]


def links(session: Session) -> set[tuple[str, str]]:
    paths = {cid: path for cid, path in session.execute(select(Column.id, Column.path))}
    return {
        (paths[s], paths[t])
        for s, t in session.execute(select(ColumnLink.source_id, ColumnLink.target_id))
    }


def column(session: Session, path: str) -> Column:
    return session.execute(select(Column).where(Column.path == path)).scalar_one()


def sheet(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    ws = workbook.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_seed_000_proposes_document_to_interpretation_links(
    session: Session, now: datetime
) -> None:
    office_units(session)
    name, data = seed_file("000", "docx")
    report = plan_import(session, name, data, now=now, root=ROOTS["000"])
    proposed = [
        ("/".join(p["source"]), "/".join(p["target"]), p["taken"]) for p in report.link_proposals
    ]
    assert proposed == [(f"{POLICY}/{d}", f"{POLICY}/政策解读", False) for d in DOCUMENTS]
    assert report.links_added == []
    assert "建议的关联（未建立；确认后请加 --accept-links 导入）：" in report.to_text()
    # Not accepted: nothing linked.
    apply_import(session, name, data, now=now, root=ROOTS["000"])
    assert links(session) == set()
    # Accepted (one of them): written, logged, and not proposed again.
    one = ((*POLICY.split("/"), "部门文件"), (*POLICY.split("/"), "政策解读"))
    report = apply_import(session, name, data, now=now, root=ROOTS["000"], accept_links=[one])
    assert [p["taken"] for p in report.link_proposals] == [False, False, True, False]
    assert links(session) == {(f"{POLICY}/部门文件", f"{POLICY}/政策解读")}
    again = apply_import(session, name, data, now=now, root=ROOTS["000"], accept_links=True)
    assert len(again.links_added) == 3
    assert links(session) == {(f"{POLICY}/{d}", f"{POLICY}/政策解读") for d in DOCUMENTS}
    logged = session.execute(
        select(AdminEvent).where(AdminEvent.action == "column.link_add")
    ).scalars()
    assert sorted(e.target_label for e in logged) == sorted(f"{POLICY}/{d}" for d in DOCUMENTS)
    final = plan_import(session, name, data, now=now, root=ROOTS["000"])
    assert final.link_proposals == [] and not final.has_changes


def test_the_demo_database_has_the_links_already(session: Session, now: datetime) -> None:
    from workflow.demo import link_columns, load_columns

    load_columns(session, now)
    link_columns(session, now)
    name, data = seed_file("000", "docx")
    report = plan_import(session, name, data, now=now, root=ROOTS["000"])
    assert report.link_proposals == [] and not report.has_changes


def test_a_links_column_names_siblings_paths_and_says_what_it_cannot_read(
    session: Session, now: datetime
) -> None:
    header = ["一级栏目", "二级栏目", "保障单位", "时限要求", "关联栏目"]
    rows: list[list[object]] = [
        header,
        ["政策", "政策文件", "区政府办", "即时发布", "政策解读\n图解"],
        ["政策", "政策解读", "区政府办", "应于文件公开后3个工作日内公布", None],
        ["政策", "图解", "区政府办", "即时发布", "—"],
        ["政策", "部门文件", "区司法局", "即时发布", "政策/政策解读；新闻"],
        ["新闻", "要闻", "区政府办", "每周至少更新1条", "不存在的栏目"],
        ["政策", "规范性文件", "区司法局", "即时发布", "规范性文件"],  # itself
    ]
    report = apply_import(session, "表.xlsx", sheet(rows), now=now)
    assert links(session) == {
        ("政策/政策文件", "政策/政策解读"),
        ("政策/政策文件", "政策/图解"),
        ("政策/部门文件", "政策/政策解读"),
        ("政策/部门文件", "新闻"),
    }
    notes = {(a.row, a.reason) for a in report.needs_attention}
    warn = "没有“发布后…内”的时限规则，关联信息将按及时发布计算期限，请核对"
    assert (2, f"关联栏目「政策/图解」{warn}") in notes
    assert (5, f"关联栏目「新闻」{warn}") in notes
    assert (6, "关联栏目「不存在的栏目」未找到，未建立关联") in notes
    assert (7, "关联栏目「政策/规范性文件」会形成循环关联，未建立") in notes
    # The file names its links: no proposal beside them, and the same file is no change.
    assert report.link_proposals == []
    again = plan_import(session, "表.xlsx", sheet(rows), now=now)
    assert not again.has_changes and again.links_kept == []
    # A version without one of them keeps it (listed) unless told to remove it.
    rows[1][4] = "政策解读"
    kept = plan_import(session, "表.xlsx", sheet(rows), now=now)
    assert kept.links_kept == [{"source": ["政策", "政策文件"], "target": ["政策", "图解"]}]
    assert not kept.has_changes
    apply_import(session, "表.xlsx", sheet(rows), now=now, retire_missing=True)
    assert ("政策/政策文件", "政策/图解") not in links(session)


def test_a_circle_of_links_is_refused(session: Session, now: datetime) -> None:
    rows: list[list[object]] = [
        ["栏目", "保障单位", "时限要求", "关联栏目"],
        ["甲", "区政府办", "即时发布", "乙"],
        ["乙", "区政府办", "文件发布后，同步报送", "丙"],
        ["丙", "区政府办", "文件发布后，同步报送", "甲"],
    ]
    report = apply_import(session, "表.xlsx", sheet(rows), now=now)
    assert links(session) == {("甲", "乙"), ("乙", "丙")}
    assert (4, "关联栏目「甲」会形成循环关联，未建立") in {
        (a.row, a.reason) for a in report.needs_attention
    }
    a, c = column(session, "甲"), column(session, "丙")
    with pytest.raises(ValidationFailed):
        column_settings.add_link(session, actor=None, now=now, source=c, target=a)
    with pytest.raises(ValidationFailed):
        column_settings.add_link(session, actor=None, now=now, source=a, target=a)


def test_the_service_adds_and_removes_once_and_logs(session: Session, now: datetime) -> None:
    apply_import(
        session,
        "表.xlsx",
        sheet([["栏目", "保障单位"], ["文件", "区政府办"], ["解读", "区政府办"]]),
        now=now,
    )
    source, target = column(session, "文件"), column(session, "解读")
    link = {"source": source, "target": target}
    # Through the runner: it writes the services' log entries and commits.
    assert run(session, column_settings.add_link, actor=None, now=now, **link).value
    assert not run(session, column_settings.add_link, actor=None, now=now, **link).value
    later = now + timedelta(minutes=1)
    assert run(session, column_settings.remove_link, actor=None, now=later, **link).value
    assert not run(session, column_settings.remove_link, actor=None, now=later, **link).value
    events = session.execute(
        select(AdminEvent.action, AdminEvent.target_label, AdminEvent.changes).order_by(
            AdminEvent.id
        )
    ).all()
    assert [tuple(e) for e in events] == [
        ("column.link_add", "文件", {"link": [None, "解读"]}),
        ("column.link_remove", "文件", {"link": ["解读", None]}),
    ]
    assert column_settings.publication_rule([{"kind": "prompt"}]) is None
    rule = {"kind": "after_event", "within": 3, "unit": "workday", "event": "published"}
    assert column_settings.publication_rule([{"kind": "prompt"}, rule]) == rule


def test_export_writes_the_links_back(session: Session, now: datetime) -> None:
    office_units(session)
    name, data = seed_file("000", "docx")
    apply_import(session, name, data, now=now, root=ROOTS["000"], accept_links=True)
    rows = [["栏目", "保障单位", "时限要求"], ["通知公告", "区政府办", "即时发布"]]
    apply_import(session, "表.xlsx", sheet(rows), now=now)
    news = column(session, "通知公告")
    policy = column(session, f"{POLICY}/政策解读")
    column_settings.add_link(session, actor=None, now=now, source=news, target=policy)
    exported = export_columns(session)
    ws = openpyxl.load_workbook(io.BytesIO(exported)).active
    assert ws is not None
    header = [c.value for c in ws[1]]
    assert header[-1] == "关联栏目"
    cells = {
        tuple(v for v in r[:-6] if v): r[-1] for r in ws.iter_rows(min_row=2, values_only=True)
    }
    assert cells[(*POLICY.split("/"), "部门文件")] == "政策解读"  # a sibling: by name
    assert cells[("通知公告",)] == f"{POLICY}/政策解读"  # elsewhere: its full path
    assert cells[(*POLICY.split("/"), "政策解读")] == "—"
    before = links(session)
    again = plan_import(session, "导出.xlsx", exported, now=now)
    assert not again.has_changes and again.link_proposals == []
    other = create_engine("sqlite://")
    Base.metadata.create_all(other)
    with Session(other) as fresh:
        apply_import(fresh, "导出.xlsx", exported, now=now)
        assert links(fresh) == before
    other.dispose()
