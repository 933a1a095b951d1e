"""The seeds' tables, rebuilt as .docx and .xlsx, import to the expected columns, units,
assignments, rules and tasks.

Seeds 000 and 003 are compared with workflow/demo_data/columns.json, converted from the
same seeds by hand in an earlier session (the importer must agree with it); seeds 002 and
004 with the summaries written out below from reading the seeds.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from importlib import resources
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.accounts import create_unit
from workflow.deadlines.parser import parse
from workflow.importer import apply_import, plan_import
from workflow.models import Column, Obligation, Unit
from workflow.timezones import local_day

from .importer_fixtures import SEED_TABLES, build_docx, build_xlsx

DEMO: dict[str, Any] = json.loads(
    resources.files("workflow").joinpath("demo_data/columns.json").read_text("utf-8")
)
ROOTS = {"000": "区政府门户网站", "003": "钟楼区门户网站"}


def seed_file(seed: str, fmt: str) -> tuple[str, bytes]:
    tables = SEED_TABLES[seed]()
    data = build_docx(tables) if fmt == "docx" else build_xlsx(tables)
    return f"seed{seed}.{fmt}", data


def office_units(session: Session) -> None:
    """The units an office sets up before importing (the demo's, with their aliases)."""
    for unit in DEMO["units"]:
        create_unit(session, unit["name"], unit["kind"], unit["aliases"])


def by_path(session: Session) -> dict[str, Column]:
    return {c.path: c for c in session.execute(select(Column)).scalars()}


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
@pytest.mark.parametrize("seed", ["000", "003"])
def test_seed_imports_as_the_hand_converted_demo(
    session: Session, now: datetime, seed: str, fmt: str
) -> None:
    office_units(session)
    name, data = seed_file(seed, fmt)
    report = apply_import(session, name, data, now=now, root=ROOTS[seed])
    expected = {
        tuple(c["path"]): c for c in DEMO["columns"] if c["source"].startswith(f"seed {seed}")
    }
    assert len(expected) == {"000": 217, "003": 68}[seed]
    entries = {c.path: c for c in report.columns}
    assert set(entries) == set(expected)
    assert report.added == ["/".join(p) for p in expected]  # the file's order
    assert report.units_added == []  # every unit the seeds name is an office unit or alias
    columns = by_path(session)
    for path, want in expected.items():
        entry, column = entries[path], columns["/".join(path)]
        leads = [a["unit"] for a in want["assignments"] if a["role"] == "lead"]
        coops = [a["unit"] for a in want["assignments"] if a["role"] == "cooperating"]
        assert (entry.lead, entry.cooperating) == (leads, coops), path
        assert sorted(entry.groups) == sorted(want["group_units"]), path
        assert column.content == want["content"], path
        assert column.time_requirement == want["time_requirement"], path
        assert column.rules == parse(want["time_requirement"]), path
        assert column.level == len(path)
        assert (column.content_type, column.tags) == (want["content_type"], want["kinds"]), path
        guide = want["content_type"] == "service" or "办事指南" in want["content"]
        assert column.prerequisites == ({"service_guide_elements": True} if guide else {}), path
        source = want["source"].split()
        if fmt == "docx" and "row" in source:  # Word rows counted from the header (row 0)
            assert (entry.table, entry.row) == (f"表{source[3]}", int(source[5])), path


def test_where_a_statement_stands_for_a_period(session: Session, now: datetime) -> None:
    office_units(session)
    for seed in ("000", "003"):
        name, data = seed_file(seed, "docx")
        apply_import(session, name, data, now=now, root=ROOTS[seed])
    allowed = {c.path for c in session.execute(select(Column)).scalars() if c.allows_statement}
    assert allowed == {
        "区政府门户网站/政务公开/重点领域公开/安全生产/重大突发事件",  # 如无…发布说明性信息
        "区政府门户网站/政务公开/其他信息公开/统计信息/统计报告",  # …发布说明
        "区政府门户网站/政务公开/其他信息公开/统计信息/统计分析",
        "区政府门户网站/政务公开/其他信息公开/统计信息/统计信用公示平台",
        "钟楼区门户网站/政民互动/区长信箱",  # X月X日—X月X日无信件、留言信息
        "钟楼区门户网站/政民互动/部门信箱",
        "钟楼区门户网站/政民互动/网上信访",
    }


def test_seed_000_group_words_expand_to_units_of_their_kind_and_are_flagged(
    session: Session, now: datetime
) -> None:
    office_units(session)
    name, data = seed_file("000", "docx")
    apply_import(session, name, data, now=now, root=ROOTS["000"])
    departments = set(session.execute(select(Unit.name).where(Unit.kind == "department")).scalars())
    streets = {"南大街街道", "荷花池街道"}
    column = by_path(session)["区政府门户网站/政务公开/政府会议/工作规划"]
    assert {a.unit.name for a in column.assignments} == departments | streets
    assert {a.role for a in column.assignments} == {"lead"}
    # 区发改委牵头、相关部门及时发布: the lead, and a note that 相关部门 names nobody.
    plan = plan_import(session, name, data, now=now, root=ROOTS["000"])
    notes = {(a.table, a.row, a.reason) for a in plan.needs_attention}
    assert ("表2", 23, "「相关部门」不是确定的单位，无法自动分配，请人工指定责任单位") in notes
    assert ("表2", 20, f"「各部门」已展开为该类全部 {len(departments)} 个单位，请核对") in notes
    assert ("表2", 20, "「街道办事处」已展开为该类全部 2 个单位，请核对") in notes


# Seed 002, read by hand: (lead, cooperating, group words, rule kinds) per column.
SEED_002 = {
    "政策文件": (["市政府办"], [], [], ["periodic", "prompt"]),  # 解读文件同步报送: no event
    # A plain list names units all responsible (lead).
    "信息公开内容保障 稳岗就业": (
        ["市人社局", "市教育局", "市退役军人事务局"],
        [],
        [],
        ["periodic"],
    ),
    "养老": (["市民政局", "市人社局"], [], [], ["periodic"]),
    "社会保障": (["市人社局", "市医疗保障局", "市民政局"], [], [], ["periodic"]),
    "乡村振兴": (["市乡村振兴局"], [], [], ["periodic"]),
    "药品监管": (["市市场监管局"], [], [], ["periodic"]),  # blank unit: same as above
    # 市发改局 is 市发改委 renamed (a proposal, taken), 自然资源局 the 市自然资源局 of
    # this city's table.
    "规划计划": (["市发改委", "市自然资源局"], [], ["各有规划编制的部门"], ["periodic"]),
    "政府公报": (["市政府政研室"], [], [], ["periodic"]),
    "证件办理": (["市公安局"], [], [], ["periodic"]),
    "住房保障": (["市公积金中心", "市住建局"], [], [], ["prompt"]),  # two rows merged
    "领导信息": (["市政府办"], [], [], ["on_change"]),
    "行政决策公开": (
        ["市政府办", "市司法局"],
        [],
        ["其他涉及规范性文件的相应部门"],
        ["after_event"],
    ),
    "统计信息": (["市统计局"], [], [], []),
    "信息公开工作年报": ([], [], ["各部门", "各乡镇(街道)"], ["annual", "annual"]),
}


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_seed_002_summary(session: Session, now: datetime, fmt: str) -> None:
    name, data = seed_file("002", fmt)
    report = apply_import(session, name, data, now=now)
    # 41 rows: two repeating an earlier 栏目, two without a 栏目 name of their own
    # (kept: named from their content, for the office to check).
    assert report.tables[0]["rows"] == 41
    assert len(report.columns) == 39
    entries = {c.display: c for c in report.columns}
    rules = {r["path"]: r["rules"] for r in report.rules}
    for path, (leads, coops, groups, kinds) in SEED_002.items():
        entry = entries[path]
        assert (entry.lead, entry.cooperating, entry.groups) == (leads, coops, groups), path
        assert [r["kind"] for r in rules[path]] == kinds, path
    assert rules["政府公报"][0]["every"] == 3
    proposals = [(p["name"], p["unit"], p["taken"]) for p in report.unit_proposals]
    assert proposals == [("市发改局", "市发改委", True), ("市医保局", "市医疗保障局", True)]
    added = {u["name"]: u for u in report.units_added}
    assert added["市政府办"]["is_office"] and added["市发改委"]["aliases"] == ["市发改局"]
    assert added["市自然资源局"]["aliases"] == ["自然资源局"]
    assert [r["by"] for r in rules["信息公开工作年报"]] == ["01-31", "02-20"]
    offset = 0 if fmt == "docx" else 2  # sheet rows: title, header, then the data
    notes = {(a.row - offset, a.reason) for a in report.needs_attention if a.row}
    assert (6, "栏目名称为空，已按保障内容暂定为“环境保护政策解读”，请核对") in notes
    assert (19, "栏目名称为空，已按保障内容暂定为“财政资金预决算情况”，请核对") in notes
    environment, funds = entries["环境保护政策解读"], entries["财政资金预决算情况"]
    assert (environment.lead, funds.lead) == (["市生态环境局"], ["市财政局"])
    assert [r["kind"] for r in rules["财政资金预决算情况"]] == ["periodic"]
    content = by_path(session)["环境保护政策解读"].content
    assert content.startswith("环境保护政策解读；环境质量信息公开；") and len(content) > 300
    assert (10, "无法识别的责任单位「建议各部门也需要发」，未分配，请人工核对") in notes
    assert any(r == 34 and "重大项目建设" in why and "重复" in why for r, why in notes)
    assert (35, "时限要求「按照各类数据统计周期报送」未能解析出规则，请人工录入") in notes
    without = set(report.to_dict()["rules"]["without_rules"])
    assert without == {
        "政府债务",
        "市场监管执法",
        "统计信息",
        "审计报告",
        "交通出行",
        # 财政资金直达基层's "…及时将有关分配情况向社会公开" is prompt (及时 + 公开)
    }


# Seed 004: rows with more than one responsible unit (the others have one).
SEED_004_UNITS = {
    9: ["区政府办", "区发改局"],
    11: ["区教育局", "区卫计局"],
    15: ["区财政局", "区发改局"],
    25: ["区食品药品监督管理局"],  # written over two lines in the cell
    28: ["区财政局", "区农林局", "园区管委会"],
}


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_seed_004_task_list_imports_as_one_off_obligations(
    session: Session, now: datetime, fmt: str
) -> None:
    name, data = seed_file("004", fmt)
    report = apply_import(session, name, data, now=now)
    assert report.added == ["西塞山区2016年政务公开工作任务清单"]
    column = by_path(session)["西塞山区2016年政务公开工作任务清单"]
    obligations = list(
        session.execute(select(Obligation).where(Obligation.column_id == column.id)).scalars()
    )
    # Rows 1-30 name units and 2016年12月底; five of them name several units.
    assert len(obligations) == 30 + 1 + 1 + 1 + 0 + 2
    assert {o.due_date for o in obligations} == {date(2016, 12, 31)}
    assert all(o.source_item_id is None and o.is_open for o in obligations)
    offset = 0 if fmt == "docx" else 2
    units_by_row: dict[int, list[str]] = {}
    for added in report.obligations_added:
        units_by_row.setdefault(added["row"] - offset, []).append(added["unit"])
    for row, units in SEED_004_UNITS.items():
        assert units_by_row[row] == units
    assert units_by_row[1] == ["区编办"]
    # 区政府办公室 (row 30) is the 区政府办 of row 9: the office, one unit.
    assert units_by_row[30] == ["区政府办"]
    office = session.execute(select(Unit).where(Unit.is_office.is_(True))).scalar_one()
    assert office.name == "区政府办"
    assert [a.alias for a in office.aliases] == ["区政府办公室"]
    first = next(o for o in obligations if o.description.startswith("推进权力清单"))
    assert first.description == "推进权力清单和责任清单公开、动态更新"
    notes = [(a.row - offset, a.reason) for a in report.needs_attention if a.row]
    for row in range(31, 37):  # no unit, no date: listed, nothing invented
        assert (row, "工作任务没有责任单位，未生成任务，请人工补充") in notes
        assert (row, "工作任务没有完成时限，未生成任务，请人工补充") in notes
    # Imported in 2026, the 2016 tasks are long past due: said, not silently late.
    late = f"完成时限已过（2016-12-31，早于导入当天 {local_day(now).isoformat()}），请核对"
    assert [(row, late) for row in range(1, 31)] == [n for n in notes if n[1] == late]
    assert len(notes) == 12 + 30


@pytest.mark.parametrize("seed", ["000", "002", "003", "004"])
def test_reimporting_a_seed_changes_nothing(session: Session, now: datetime, seed: str) -> None:
    name, data = seed_file(seed, "docx")
    apply_import(session, name, data, now=now)
    again = plan_import(session, name, data, now=now)
    assert not again.has_changes
    d = again.to_dict()
    assert (d["added"], d["changed"], d["retired"]) == ([], [], [])
    assert d["assignments"]["added"] == d["assignments"]["removed"] == []
    assert d["obligations"]["added"] == d["obligations"]["cancelled"] == []
    assert d["columns"]["unchanged"] == d["columns"]["total"] > 0
    # The Word and Excel versions of the same table agree as well.
    xlsx_name, xlsx = seed_file(seed, "xlsx")
    assert not plan_import(session, xlsx_name, xlsx, now=now).has_changes


def test_importing_the_seeds_into_the_demo_database_changes_nothing(
    session: Session, now: datetime
) -> None:
    """The demo tree was converted from the same seeds by hand (and expands its group
    words itself): the importer agrees with it row for row."""
    from workflow.demo import load_columns

    load_columns(session, now)
    for seed, root in ROOTS.items():
        for fmt in ("docx", "xlsx"):
            name, data = seed_file(seed, fmt)
            report = plan_import(session, name, data, now=now, root=root)
            assert not report.has_changes, (seed, fmt, report.to_text())
            assert report.to_dict()["columns"]["unchanged"] == {"000": 217, "003": 68}[seed]
