"""The importer's parts on their own: unit cells, header words, column names, titles,
and a few table shapes the seeds do not show."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.accounts import create_unit
from workflow.importer import apply_import, plan_import
from workflow.importer.tables import (
    classify_header,
    name_from_content,
    section_name,
    split_names,
)
from workflow.importer.units import parse_unit_cell
from workflow.models import Column

UNIT_CELLS = [
    # A plain list: every unit it names is responsible (lead).
    ("区宣传部、区文明办", ["区宣传部", "区文明办"], [], []),
    ("科技局、文体局", ["科技局", "文体局"], [], []),
    ("区委办、政府办、\n区委宣传部", ["区委办", "政府办", "区委宣传部"], [], []),
    ("区政府办\n\n区发改局", ["区政府办", "区发改局"], [], []),
    ("市民政局 市人社局", ["市民政局", "市人社局"], [], []),
    ("经开区、\n高新园（邹区镇）、各街道", ["经开区", "高新园（邹区镇）"], [], ["各街道"]),
    ("区国税局、区地税局、", ["区国税局", "区地税局"], [], []),
    ("区卫健委、区医保局按职责分工负责", ["区卫健委", "区医保局"], [], []),
    ("区卫健委、区医保局按职责分工", ["区卫健委", "区医保局"], [], []),
    # Only a unit said to help cooperates.
    ("区发改委牵头、相关部门及时发布", ["区发改委"], [], ["相关部门"]),
    ("由法制办和编办牵头，各相关单位配合发布信息", ["法制办", "编办"], [], ["各相关单位"]),
    ("区发改局牵头、区财政局配合", ["区发改局"], ["区财政局"], []),
    ("由区发改局和区财政局牵头，区审计局等配合", ["区发改局", "区财政局"], ["区审计局"], []),
    ("区发改局牵头，区财政局协办", ["区发改局"], ["区财政局"], []),
    ("区发改局牵头，区财政局、区审计局协助", ["区发改局"], ["区财政局", "区审计局"], []),
    ("区财政局、区发改局（牵头）", ["区发改局"], ["区财政局"], []),
    ("区发改局（牵头）、区财政局(配合)", ["区发改局"], ["区财政局"], []),
    ("区财政局（配合）、区发改局、区审计局", ["区发改局", "区审计局"], ["区财政局"], []),
    ("区财政局（协办）、区发改局", ["区发改局"], ["区财政局"], []),
    ("区卫健委、区医保局配合", ["区卫健委"], ["区医保局"], []),
    ("区政协办、区财政局协办", ["区政协办"], ["区财政局"], []),
    ("政协办", ["政协办"], [], []),  # 协办 here is part of the name
    # One unit, however written.
    ("区食品药品\n监督管理局", ["区食品药品监督管理局"], [], []),
    ("各部门、各乡镇（街道）", [], [], ["各部门", "各乡镇(街道)"]),
    ("自然资源和规划分局", ["自然资源和规划分局"], [], []),
    ("\u3000\n区环保局\n\u3000", ["区环保局"], [], []),
    ("由区政府办负责落实", ["区政府办"], [], []),
]


@pytest.mark.parametrize(("text", "leads", "coops", "groups"), UNIT_CELLS)
def test_unit_cells(text: str, leads: list[str], coops: list[str], groups: list[str]) -> None:
    cell = parse_unit_cell(text)
    assert (cell.leads, cell.cooperating, [w for w, _ in cell.groups]) == (leads, coops, groups)
    assert cell.unknown == []


def test_words_that_are_not_units_are_listed_not_guessed() -> None:
    cell = parse_unit_cell("市乡村振兴局/建议各部门也需要发")
    assert cell.leads == ["市乡村振兴局"]
    assert cell.unknown == ["建议各部门也需要发"]
    assert parse_unit_cell("区大数据", frozenset({"区大数据"})).leads == ["区大数据"]


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("序号", "seq"),
        ("一级栏目", "level"),
        ("三级\n栏目", "level"),
        ("栏目名称", "level"),
        ("类别", "level"),
        ("保障内容", "content"),
        ("内容", "content"),
        ("工作要点", "task"),
        ("保障单位", "units"),
        ("责任单位", "units"),
        ("责任部门", "units"),
        ("配合单位", "cooperating"),
        ("时限要求", "requirement"),
        ("报送要求", "requirement"),
        ("工作要求", "requirement"),
        ("完成时限", "requirement"),
        ("更新要求", "requirement"),
        ("规则（JSON）", "rules"),
        ("公开内容及要求", "content"),
        ("内容要求", "content"),
        ("协办单位", "cooperating"),
        ("配合部门", "cooperating"),
        ("更新周期", "requirement"),
        ("报送时间", "requirement"),
        ("完成时间", "requirement"),
        ("公开时限", "requirement"),
        ("备注", None),
        ("按照访谈计划，由区信息办组织，每月访谈一个单位。", None),
    ],
)
def test_headers_by_meaning(header: str, kind: str | None) -> None:
    assert classify_header(header) == kind


@pytest.mark.parametrize(
    ("cell", "names"),
    [
        ("区长信箱\n部门信箱\n网上信访", ["区长信箱", "部门信箱", "网上信访"]),
        ("十四五规划\n历史规划", ["十四五规划", "历史规划"]),
        ("专项规划\n和区域规划", ["专项规划和区域规划"]),
        ("涉农补贴\n/扶贫攻坚", ["涉农补贴/扶贫攻坚"]),
        ("板块、部门\n政府信息公开", ["板块、部门政府信息公开"]),
        ("出\n入\n境", ["出入境"]),
        ("讲文明  树新风   公益广告联播", ["讲文明 树新风 公益广告联播"]),
    ],
)
def test_column_names_split_or_joined(cell: str, names: list[str]) -> None:
    assert split_names(cell) == names


@pytest.mark.parametrize(
    ("title", "name"),
    [
        ("（一）文明创建专栏保障表", "文明创建专栏"),
        ("（二）政务公开各栏目保障表", "政务公开"),
        ("（四）互动交流各栏目保障表", "互动交流"),
        ("一、办事服务栏目责任分解表", "办事服务"),
        ("西塞山区2016年政务公开工作任务清单", "西塞山区2016年政务公开工作任务清单"),
    ],
)
def test_table_titles_become_section_names(title: str, name: str) -> None:
    assert section_name(title) == name


def sheet(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    ws = workbook.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_repeated_headers_dashes_and_a_cooperating_column(session: Session, now: datetime) -> None:
    data = sheet(
        [
            ["栏目", "牵头单位", "配合单位", "时限要求"],
            ["信息公开指南", "区政府办", "区司法局", "及时更新"],
            ["栏目", "牵头单位", "配合单位", "时限要求"],  # repeated after a page break
            ["政府信息公开年报", None, "—", "每年1月31日前"],  # same lead, no cooperating
            ["依申请公开", "区政府办", None, "—"],  # no requirement: not the one above
        ]
    )
    report = apply_import(session, "表.xlsx", data, now=now)
    assert report.added == ["信息公开指南", "政府信息公开年报", "依申请公开"]
    by_name = {c.display: c for c in report.columns}
    assert (by_name["信息公开指南"].lead, by_name["信息公开指南"].cooperating) == (
        ["区政府办"],
        ["区司法局"],
    )
    assert (by_name["政府信息公开年报"].lead, by_name["政府信息公开年报"].cooperating) == (
        ["区政府办"],
        [],
    )
    apply_column = session.execute(select(Column).where(Column.path == "依申请公开")).scalar_one()
    assert apply_column.time_requirement == "" and apply_column.rules == []
    assert ("工作表「Sheet」", 5, "没有时限要求，请人工录入规则") in {
        (a.table, a.row, a.reason) for a in report.needs_attention
    }


def test_an_inactive_unit_is_flagged(session: Session, now: datetime) -> None:
    unit = create_unit(session, "区档案局")
    unit.active = False
    session.flush()
    data = sheet([["栏目", "责任单位", "时限要求"], ["区情简介", "档案局", "每年更新"]])
    report = plan_import(session, "表.xlsx", data, now=now)
    assert report.units_added == []
    assert ("工作表「Sheet」", 2, "单位「区档案局」已停用，仍按表格分配，请核对") in {
        (a.table, a.row, a.reason) for a in report.needs_attention
    }


def test_a_group_word_with_no_units_of_its_kind_says_so(session: Session, now: datetime) -> None:
    data = sheet([["栏目", "责任单位", "时限要求"], ["街道动态", "各街道", "及时发布"]])
    report = plan_import(session, "表.xlsx", data, now=now)
    entry = report.columns[0]
    assert (entry.lead, entry.groups, entry.expanded) == ([], ["各街道"], [])
    assert (
        "工作表「Sheet」",
        2,
        "「各街道」指该类全部单位，但系统中还没有这类单位，请先建立单位或人工指定",
    ) in {(a.table, a.row, a.reason) for a in report.needs_attention}


def test_a_path_too_long_to_store_is_listed(session: Session, now: datetime) -> None:
    header = [f"{n}级栏目" for n in range(1, 12)] + ["责任单位"]
    names = [f"第{n}层" + "栏" * 90 for n in range(1, 12)]
    data = sheet([header, [*names, "区政府办"], ["短栏目", *[None] * 10, "区政府办"]])
    report = plan_import(session, "表.xlsx", data, now=now)
    assert report.added == ["短栏目"]
    assert ("工作表「Sheet」", 2, "栏目路径超过 1000 字，该行未导入") in {
        (a.table, a.row, a.reason) for a in report.needs_attention
    }


@pytest.mark.parametrize(
    ("content", "name"),
    [
        ("环境保护政策解读；环境质量信息公开；饮用水水源地水质监测信息公开", "环境保护政策解读"),
        ("财政资金预决算情况", "财政资金预决算情况"),
        ("公开征求意见，同步公开决策草案说明", "公开征求意见"),
        ("1.及时公开本单位年度预算、决算，发布时间参照财政局发布的时间", "及时公开本单位年度预算"),
        ("“三公”经费预算等", "“三公”经费预算"),
        (
            "国民经济和社会发展统计信息包含地区生产总值居民消费价格指数",
            "国民经济和社会发展统计信息包含地区生产总",
        ),
        ("—", ""),
    ],
)
def test_a_name_from_content(content: str, name: str) -> None:
    assert name_from_content(content) == name


def test_rows_without_a_name_are_kept_under_a_name_from_their_content(
    session: Session, now: datetime
) -> None:
    data = sheet(
        [
            ["一级栏目", "二级栏目", "保障内容", "责任单位", "时限要求"],
            ["重点领域", "财政预决算", "预算、决算", "区财政局", "每年集中报送一次"],
            [None, None, "政府采购目录；采购公告", "区财政局", "每月至少更新1条"],
            [None, None, "政府采购目录", "区发改局", "每月至少更新1条"],  # the same name
            [None, None, None, "区审计局", "每月至少更新1条"],  # nothing to name it from
        ]
    )
    report = apply_import(session, "表.xlsx", data, now=now)
    assert report.added == [
        "重点领域",
        "重点领域/财政预决算",
        "重点领域/政府采购目录",
        "重点领域/政府采购目录（第4行）",
    ]
    notes = {(a.row, a.reason) for a in report.needs_attention}
    assert (3, "栏目名称为空，已按保障内容暂定为“政府采购目录”，请核对") in notes
    assert (4, "栏目名称为空，已按保障内容暂定为“政府采购目录（第4行）”，请核对") in notes
    assert (5, "没有栏目名称，该行未导入") in notes
    purchase = session.execute(
        select(Column).where(Column.path == "重点领域/政府采购目录")
    ).scalar_one()
    assert purchase.content == "政府采购目录；采购公告"
    assert not plan_import(session, "表.xlsx", data, now=now).has_changes
