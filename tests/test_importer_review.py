"""Defects a review of the importer found, each reproduced with a table built here: the
report and apply must agree, and a file never silently overwrites or retires what it
does not mention."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import docx
import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.accounts import create_unit
from workflow.deadlines.parser import parse
from workflow.importer import ImportFileError, apply_import, export_columns, plan_import
from workflow.models import Column, ColumnAssignment, Obligation

from .importer_fixtures import SeedCell, SeedTable, build_docx

TASK_HEADER = ["序号", "工作要点", "责任单位", "完成时限"]
# Dates the deadline parser reads, and text no parser reads as a date.
DUE = ("2026年6月30日前", "2026年9月30日前", "2026年12月31日前")
UNREADABLE = "视工作进展而定"


def table(title: str, header: list[str], rows: list[list[str]], merge: bool = False) -> SeedTable:
    return SeedTable(
        title,
        [SeedCell(h) for h in header],
        [[SeedCell(c) for c in r] for r in rows],
        merge_blanks=merge,
    )


def tasks_docx(rows: list[list[str]], title: str = "2026年重点工作任务清单") -> bytes:
    return build_docx([table(title, TASK_HEADER, rows)])


def obligations(session: Session) -> dict[str, bool]:
    """description → still open."""
    return {o.description: o.is_open for o in session.execute(select(Obligation)).scalars().all()}


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def column(session: Session, path: str) -> Column:
    return session.execute(select(Column).where(Column.path == path)).scalar_one()


# --- 1: the report's cancelled tasks are the ones apply cancels ------------------------


def test_task_rows_whose_dates_became_unreadable_keep_their_tasks_and_units(
    session: Session, now: datetime
) -> None:
    first = [
        ["1", "完成网站改版", "区政府办", DUE[0]],
        ["2", "开展第三方测评", "区政府办、区大数据中心", DUE[1]],
    ]
    apply_import(session, "任务.docx", tasks_docx(first), now=now)
    assert obligations(session) == {"完成网站改版": True, "开展第三方测评": True}

    later = now + timedelta(days=1)
    unreadable = [[n, task, units, UNREADABLE] for n, task, units, _ in first]
    data = tasks_docx(unreadable)
    report = plan_import(session, "任务.docx", data, now=later)
    assert report.obligations_cancelled == []
    assert report.assignments_removed == []
    assert "取消" not in report.to_text() or "取消 0" in report.to_text()
    apply_import(session, "任务.docx", data, now=later)
    session.expire_all()
    assert obligations(session) == {"完成网站改版": True, "开展第三方测评": True}
    tasks = column(session, "2026年重点工作任务清单")
    assert sorted(a.unit.name for a in tasks.assignments) == ["区大数据中心", "区政府办"]


def test_cancelled_tasks_in_the_report_are_exactly_those_apply_cancels(
    session: Session, now: datetime
) -> None:
    first = [
        ["1", "完成网站改版", "区政府办", DUE[0]],
        ["2", "开展第三方测评", "区政府办", DUE[1]],
        ["3", "清理失效文件", "区政府办", DUE[2]],
    ]
    apply_import(session, "任务.docx", tasks_docx(first), now=now)
    # Row 3 dropped; row 2's date no longer readable (still in the file: kept).
    second = [first[0], ["2", "开展第三方测评", "区政府办", UNREADABLE]]
    data = tasks_docx(second)
    later = now + timedelta(days=1)
    report = plan_import(session, "任务.docx", data, now=later)
    assert [c["description"] for c in report.obligations_cancelled] == ["清理失效文件"]
    apply_import(session, "任务.docx", data, now=later)
    session.expire_all()
    assert obligations(session) == {
        "完成网站改版": True,
        "开展第三方测评": True,
        "清理失效文件": False,
    }
    assert not plan_import(session, "任务.docx", data, now=later).obligations_cancelled


# --- 3: a field the file has no column for is left as it is ----------------------------


def test_a_file_without_content_or_requirement_columns_keeps_them(
    session: Session, now: datetime
) -> None:
    full = [
        ["一级栏目", "二级栏目", "保障内容", "责任单位", "时限要求"],
        [
            "政务公开",
            "依申请公开",
            "依申请公开的答复",
            "区政府办",
            "在收到申请之日起15个工作日内予以答复",
        ],
    ]
    apply_import(session, "全.csv", csv_bytes(full), now=now)
    before = column(session, "政务公开/依申请公开")
    rules, requirement = list(before.rules), before.time_requirement
    assert rules  # the parser read it; whatever it read must stay
    hand = [{"kind": "periodic", "every": 1, "unit": "year", "min_items": 1}]
    before.rules = hand  # the office corrected it by hand
    session.flush()

    only_units = [["一级栏目", "二级栏目", "责任单位"], ["政务公开", "依申请公开", "区司法局"]]
    report = plan_import(session, "少列.csv", csv_bytes(only_units), now=now)
    (entry,) = [c for c in report.columns if c.display == "政务公开/依申请公开"]
    assert entry.changes == ["责任单位"]
    notes = {(a.table, a.row, a.reason) for a in report.needs_attention}
    assert (
        "表1",
        None,
        "表中没有「保障内容」列：已有栏目的保障内容保持不变，新栏目请人工录入",
    ) in notes
    assert (
        "表1",
        None,
        "表中没有「时限要求」列：已有栏目的时限要求保持不变，新栏目请人工录入",
    ) in notes
    assert not any(a.row == 2 and "时限要求" in a.reason for a in report.needs_attention)
    apply_import(session, "少列.csv", csv_bytes(only_units), now=now)
    session.expire_all()
    after = column(session, "政务公开/依申请公开")
    assert (after.content, after.time_requirement, after.rules) == (
        "依申请公开的答复",
        requirement,
        hand,
    )
    assert sorted(a.unit.name for a in after.assignments) == ["区司法局", "区政府办"]

    # No unit column either: the assignments stay too.
    no_units = [["一级栏目", "二级栏目", "时限要求"], ["政务公开", "依申请公开", requirement]]
    report = plan_import(session, "无单位.csv", csv_bytes(no_units), now=now)
    assert not report.has_changes
    apply_import(session, "无单位.csv", csv_bytes(no_units), now=now)
    session.expire_all()
    assigned = column(session, "政务公开/依申请公开").assignments
    assert sorted(a.unit.name for a in assigned) == ["区司法局", "区政府办"]


# --- 8: what the file does not mention is kept unless asked ----------------------------

PORTAL = "区政府门户网站"
PORTAL_ROWS = [
    ["一级栏目", "二级栏目", "保障单位", "时限要求"],
    ["政务公开", "信息公开年报", "区政府办", "每年1月31日前"],
    ["政务公开", "依申请公开", "区政府办", "—"],
    ["办事服务", "办事指南", "区行政审批局", "—"],
]


def test_reimporting_keeps_hand_made_columns_and_assignments(
    session: Session, now: datetime
) -> None:
    data = csv_bytes(PORTAL_ROWS)
    apply_import(session, "表.csv", data, now=now, root=PORTAL)
    # Made since, not in the office's table: a column and an assignment.
    extra = [PORTAL_ROWS[0], ["办事服务", "新专题", "区政府办", "—"]]
    apply_import(session, "另.csv", csv_bytes(extra), now=now, root=PORTAL)
    guide = column(session, f"{PORTAL}/办事服务/办事指南")
    guide.assignments.append(
        ColumnAssignment(
            unit=create_unit(session, "区司法局"),
            role="cooperating",
            responsible_since=now.date(),
        )
    )
    session.flush()

    report = plan_import(session, "表.csv", data, now=now, root=PORTAL)
    assert not report.has_changes
    assert (report.retired, report.missing) == ([], [f"{PORTAL}/办事服务/新专题"])
    assert report.assignments_removed == []
    assert report.assignments_kept == [
        {"path": f"{PORTAL}/办事服务/办事指南", "unit": "区司法局", "role": "cooperating"}
    ]
    assert "文件中没有、保持不变的栏目 1 个" in report.to_text()
    apply_import(session, "表.csv", data, now=now, root=PORTAL)
    session.expire_all()
    assert column(session, f"{PORTAL}/办事服务/新专题").retired_at is None
    guide = column(session, f"{PORTAL}/办事服务/办事指南")
    assert sorted(a.unit.name for a in guide.assignments) == ["区司法局", "区行政审批局"]

    # Asked to: the file's subtrees follow it exactly.
    report = apply_import(session, "表.csv", data, now=now, root=PORTAL, retire_missing=True)
    assert report.retired == [f"{PORTAL}/办事服务/新专题"]
    session.expire_all()
    assert column(session, f"{PORTAL}/办事服务/新专题").retired_at is not None
    assert [a.unit.name for a in column(session, guide.path).assignments] == ["区行政审批局"]


def test_a_partial_file_retires_nothing_and_never_beyond_its_subtrees(
    session: Session, now: datetime
) -> None:
    apply_import(session, "表.csv", csv_bytes(PORTAL_ROWS), now=now, root=PORTAL)
    partial = csv_bytes(PORTAL_ROWS[:2], "gbk")  # one row, as an office's GBK CSV
    report = plan_import(session, "部分.csv", partial, now=now, root=PORTAL)
    assert report.retired == []
    assert report.missing == [f"{PORTAL}/政务公开/依申请公开"]  # 办事服务: not its subtree
    apply_import(session, "部分.csv", partial, now=now, root=PORTAL)
    session.expire_all()
    retired = session.execute(select(Column).where(Column.retired_at.is_not(None))).scalars()
    assert list(retired) == []

    report = plan_import(session, "部分.csv", partial, now=now, root=PORTAL, retire_missing=True)
    assert report.retired == [f"{PORTAL}/政务公开/依申请公开"]


# --- 2: a table's place in the tree does not depend on the other tables -----------------


def workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if rows and len(rows[0]) == 1:  # a document title over the table
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=4)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


MAIN_SHEET = [
    ["某区政府网站栏目保障责任分解表"],
    ["一级栏目", "二级栏目", "责任单位", "时限要求"],
    ["政务公开", "财政预决算", "区财政局", "—"],
    ["政务公开", "人事信息", "区人社局", "—"],
]
SERVICE_SHEET = [["栏目名称", "责任部门", "更新要求"], ["办事指南", "区政府办", "—"]]


def test_adding_or_removing_a_sheet_does_not_move_the_tree(session: Session, now: datetime) -> None:
    two = workbook({"栏目保障": MAIN_SHEET, "办事服务": SERVICE_SHEET})
    report = apply_import(session, "表.xlsx", two, now=now)
    assert report.added == [
        "政务公开",
        "政务公开/财政预决算",
        "政务公开/人事信息",
        "办事服务",
        "办事服务/办事指南",
    ]
    one = workbook({"栏目保障": MAIN_SHEET})
    again = plan_import(session, "表.xlsx", one, now=now)
    assert (again.added, again.changed, again.retired) == ([], [], [])
    assert again.missing == []  # 办事服务 is not this file's subtree
    assert not again.has_changes


def test_generic_sheet_names_are_not_columns_and_a_section_is_not_repeated(
    session: Session, now: datetime
) -> None:
    generic = workbook(
        {
            "Sheet1": [["栏目名称", "责任单位", "更新要求"], ["领导信息", "区政府办", "—"]],
            "Sheet2": [["栏目名称", "责任单位", "更新要求"], ["便民问答", "区政府办", "—"]],
        }
    )
    assert plan_import(session, "表.xlsx", generic, now=now).added == ["领导信息", "便民问答"]
    named = workbook(
        {
            "政务公开": [
                ["一级栏目", "二级栏目", "责任单位"],
                ["政务公开", "领导信息", "区政府办"],
            ],
            "办事服务": [
                ["一级栏目", "二级栏目", "责任单位"],
                ["办事服务", "办事指南", "区政府办"],
            ],
        }
    )
    assert plan_import(session, "表.xlsx", named, now=now).added == [
        "政务公开",
        "政务公开/领导信息",
        "办事服务",
        "办事服务/办事指南",
    ]


# --- 5: blanks repeat the row above only when merged, or under the same parent ----------


def docx_table(rows: list[list[str]], merges: list[tuple[int, int, int]]) -> bytes:
    """One Word table; `merges`: (column, first row, last row) merged vertically."""
    document = docx.Document()
    document.add_paragraph("附件1")
    grid = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            grid.cell(r, c).text = text
    for c, top, bottom in merges:
        text = rows[top][c]
        grid.cell(top, c).merge(grid.cell(bottom, c)).text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_merged_cells_fill_plain_blanks_do_not_cross_a_parent(
    session: Session, now: datetime
) -> None:
    rows = [
        ["一级栏目", "二级栏目", "保障单位", "时限要求"],
        ["机构职能", "领导信息", "区政府办", "及时更新"],
        ["", "机构设置", "区编办", "每年1月31日前"],  # 时限要求 merged down one row
        ["", "部门职责", "", ""],  # 部门职责: unit a plain blank (same parent)
        ["规划计划", "发展规划", "区发改局", ""],  # a new 一级栏目: a plain blank
    ]
    data = docx_table(rows, [(0, 1, 3), (3, 2, 3)])
    report = plan_import(session, "表.docx", data, now=now)
    by_path = {r["path"]: r["text"] for r in report.rules}
    assert by_path["机构职能/部门职责"] == "每年1月31日前"  # merged: filled silently
    assert "规划计划/发展规划" not in by_path  # not the 每年1月31日前 of another 一级栏目
    entries = {c.display: c for c in report.columns}
    assert entries["机构职能/部门职责"].lead == ["区编办"]  # a guess, said so
    notes = {(a.row, a.reason) for a in report.needs_attention}
    assert (3, "责任单位为空（不是合并单元格），已按上一行填写，请核对") in notes
    assert (4, "没有时限要求，请人工录入规则") in notes
    assert not any(a.row == 3 and "时限要求为空" in a.reason for a in report.needs_attention)


def test_csv_blanks_fill_only_under_the_same_parent_and_are_noted(
    session: Session, now: datetime
) -> None:
    rows = [
        ["一级栏目", "二级栏目", "保障单位", "时限要求"],
        ["政务公开", "财政预决算", "区财政局", "每年1月31日前"],
        ["政务公开", "人事信息", "区人社局", ""],
        ["办事服务", "办事指南", "", ""],
    ]
    report = plan_import(session, "表.csv", csv_bytes(rows), now=now)
    by_path = {r["path"]: r["text"] for r in report.rules}
    assert by_path["政务公开/人事信息"] == "每年1月31日前"
    assert "办事服务/办事指南" not in by_path
    entries = {c.display: c for c in report.columns}
    assert entries["办事服务/办事指南"].lead == []
    notes = {(a.row, a.reason) for a in report.needs_attention}
    assert (3, "时限要求为空（不是合并单元格），已按上一行填写，请核对") in notes
    assert (4, "没有责任单位，请人工指定") in notes


# --- 7: headers by meaning; every header cell not read is said --------------------------


def test_content_with_requirements_cooperating_and_more_deadline_words(
    session: Session, now: datetime
) -> None:
    rows = [
        ["栏目", "公开内容及要求", "牵头单位", "协办单位", "公开时限", "备注", "更新周期"],
        ["财政预决算", "公开部门预算、决算及说明", "区财政局", "区审计局", "每年1月31日前", "", ""],
    ]
    report = plan_import(session, "表.csv", csv_bytes(rows), now=now)
    (entry,) = report.columns
    assert (entry.lead, entry.cooperating) == (["区财政局"], ["区审计局"])
    assert report.rules[0]["text"] == "每年1月31日前"
    notes = {(a.table, a.row, a.reason) for a in report.needs_attention}
    assert ("表1", 1, "表头「备注」未能识别，该列未导入") in notes
    assert ("表1", 1, "表头「更新周期」与「公开时限」含义相同，只导入了「公开时限」列") in notes
    apply_import(session, "表.csv", csv_bytes(rows), now=now)
    assert column(session, "财政预决算").content == "公开部门预算、决算及说明"

    tasks = [["序号", "工作要点", "责任单位", "完成时间"], ["1", "网站改版", "区政府办", DUE[0]]]
    report = plan_import(session, "任务.csv", csv_bytes(tasks), now=now)
    assert [t["description"] for t in report.obligations_added] == ["网站改版"]


# --- 6: a unit or date merged over several tasks belongs to each -----------------------


def test_merged_units_and_dates_in_a_task_list_give_every_task(
    session: Session, now: datetime
) -> None:
    rows = [
        TASK_HEADER,
        ["1", "更新政策文件库", "区司法局", DUE[0]],
        ["2", "清理失效文件", "", DUE[1]],  # 责任单位 merged with the row above
        ["3", "发布解读", "区发改局", DUE[2]],
        ["4", "开展培训", "", ""],  # 完成时限 merged with the row above; unit blank
    ]
    data = docx_table(rows, [(2, 1, 2), (3, 3, 4)])
    report = plan_import(session, "任务.docx", data, now=now)
    added = [(t["description"], t["unit"], t["due"]) for t in report.obligations_added]
    assert added == [
        ("更新政策文件库", "区司法局", "2026-06-30"),
        ("清理失效文件", "区司法局", "2026-09-30"),
        ("发布解读", "区发改局", "2026-12-31"),
    ]
    notes = {(a.row, a.reason) for a in report.needs_attention}
    assert (4, "工作任务没有责任单位，未生成任务，请人工补充") in notes  # a plain blank
    assert not any(a.row == 4 and "完成时限" in a.reason for a in report.needs_attention)


# --- 4: an edited 时限要求 in an exported sheet is parsed again -------------------------


def test_an_edited_requirement_next_to_an_old_rules_cell_is_parsed_again(
    session: Session, now: datetime
) -> None:
    rows = [
        ["一级栏目", "二级栏目", "保障单位", "时限要求"],
        ["政务公开", "年报", "区政府办", "每年1月31日前"],
    ]
    apply_import(session, "表.csv", csv_bytes(rows), now=now)
    old_rules = column(session, "政务公开/年报").rules
    assert old_rules
    book = openpyxl.load_workbook(io.BytesIO(export_columns(session)))
    sheet = book.active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    (row,) = [r for r in sheet.iter_rows(min_row=2) if r[1].value == "年报"]
    row[header.index("时限要求")].value = "每年3月31日前"
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()

    report = plan_import(session, "导出.xlsx", data, now=now)
    (entry,) = [c for c in report.columns if c.display == "政务公开/年报"]
    assert entry.changes == ["时限要求"]
    (rule,) = [r for r in report.rules if r["path"] == "政务公开/年报"]
    assert rule["rules"] != old_rules
    assert rule["rules"] == parse("每年3月31日前")
    assert any(
        a.reason == "规则列与时限要求不符（时限要求改过？），已按时限要求重新解析，请核对"
        for a in report.needs_attention
    )
    # Unedited, the rules cell is used as it is (hand-entered rules survive a round trip).
    assert not plan_import(session, "导出.xlsx", export_columns(session), now=now).has_changes


# --- 11: a root with slashes is a path of columns --------------------------------------


def test_a_root_with_slashes_is_a_path(session: Session, now: datetime) -> None:
    rows = [["栏目", "责任单位", "时限要求"], ["领导信息", "区政府办", "—"]]
    report = apply_import(
        session, "表.csv", csv_bytes(rows), now=now, root=" 区政府门户网站/政务公开 "
    )
    assert report.added == [
        "区政府门户网站",
        "区政府门户网站/政务公开",
        "区政府门户网站/政务公开/领导信息",
    ]
    leaf = column(session, "区政府门户网站/政务公开/领导信息")
    assert [leaf.parent.parent.name, leaf.parent.name, leaf.name] == [  # type: ignore[union-attr]
        "区政府门户网站",
        "政务公开",
        "领导信息",
    ]


# --- 9: the summary names what it removes and cancels; near-duplicate units -----------


def test_the_summary_names_removed_assignments_cancelled_tasks_and_similar_units(
    session: Session, now: datetime
) -> None:
    create_unit(session, "区发展和改革局")
    rows = [["栏目", "责任单位", "时限要求"], ["年报", "区政府办", "—"]]
    apply_import(session, "表.csv", csv_bytes(rows), now=now)
    first = [["1", "完成网站改版", "区政府办", DUE[0]], ["2", "清理失效文件", "区政府办", DUE[1]]]
    apply_import(session, "任务.docx", tasks_docx(first), now=now)

    moved = [["栏目", "责任单位", "时限要求"], ["年报", "区发改局", "—"]]
    text = plan_import(session, "表.csv", csv_bytes(moved), now=now, retire_missing=True).to_text()
    assert "删除的责任分工：\n  - 年报：区政府办（牵头）" in text
    assert "  区发改局 → 区发展和改革局（简称与全称；合并）" in text
    assert "登记别名：区发改局 → 区发展和改革局" in text
    text = plan_import(session, "任务.docx", tasks_docx(first[:1]), now=now).to_text()
    assert (
        "取消的一次性任务：\n"
        "  - 2026年重点工作任务清单：区政府办「清理失效文件」（原定 2026-09-30）"
    ) in text


def test_retiring_more_than_the_file_names_is_refused(session: Session, now: datetime) -> None:
    rows = [["一级栏目", "二级栏目", "保障单位"]]
    rows += [["政务公开", f"栏目{n}", "区政府办"] for n in range(12)]
    apply_import(session, "表.csv", csv_bytes(rows), now=now, root=PORTAL)
    partial = csv_bytes(rows[:2])
    report = plan_import(session, "部分.csv", partial, now=now, root=PORTAL, retire_missing=True)
    assert len(report.retired) == 11
    refusal = (
        "将停用 11 个栏目，多于文件中的 1 个栏目：文件可能不完整或 --root 有误，未导入；"
        "请核对，或不加 --retire-missing 导入"
    )
    assert ("表1", None, refusal) in {(a.table, a.row, a.reason) for a in report.needs_attention}
    with pytest.raises(ImportFileError, match="将停用 11 个栏目"):
        apply_import(session, "部分.csv", partial, now=now, root=PORTAL, retire_missing=True)
    session.expire_all()
    assert not session.execute(select(Column).where(Column.retired_at.is_not(None))).first()
