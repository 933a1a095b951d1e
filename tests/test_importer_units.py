"""Who a table names: THE government office under any of its names, near-duplicate unit
names offered as one unit (the office may refuse), never a false merge."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.accounts import add_alias, create_unit
from workflow.importer import apply_import, plan_import
from workflow.importer.units import home_level, is_office_name, near_duplicate, split_level
from workflow.models import Column, Unit


def sheet(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    ws = workbook.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table(*units: str) -> bytes:
    """One column per unit cell, each with a rule."""
    rows: list[list[object]] = [["栏目", "责任单位", "时限要求"]]
    rows += [[f"栏目{n}", cell, "每月至少更新1条"] for n, cell in enumerate(units, start=1)]
    return sheet(rows)


def units(session: Session) -> dict[str, Unit]:
    return {u.name: u for u in session.execute(select(Unit)).scalars()}


def leads(session: Session) -> dict[str, list[str]]:
    return {
        c.path: [a.unit.name for a in c.assignments]
        for c in session.execute(select(Column)).scalars()
    }


@pytest.mark.parametrize(
    "name",
    [
        "区政府办",
        "区人民政府办公室",
        "政府办",
        "区府办",
        "县政府办",
        "市政府办",
        "市人民政府办公室",
        "政府办公室",
        "区政府办公室",
        "钟楼区人民政府办公室",
    ],
)
def test_names_of_the_government_office(name: str) -> None:
    assert is_office_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "区委办",
        "区委办公室",
        "区委区政府督查室",
        "市政府政研室",
        "区政府总值班室",
        "区政府办综合科",
    ],
)
def test_names_that_are_not_the_government_office(name: str) -> None:
    assert not is_office_name(name)


@pytest.mark.parametrize(
    ("a", "b", "why"),
    [
        ("食药监局", "食品药品监督管理局", "简称"),
        ("发改局", "发展和改革局", "简称"),
        ("人社局", "人力资源和社会保障局", "简称"),
        ("医保局", "医疗保障局", "简称"),
        ("发改委", "发改局", "更名"),
        ("卫计委", "卫计局", "更名"),
        ("委办", "委办公室", "写法不同"),
        # never the same unit
        ("发改局", "财政局", None),
        ("教育局", "体育局", None),
        ("国税局", "地税局", None),
        ("卫计委", "计生委", None),
        ("卫计委", "卫健局", None),  # a new body, not a rename of the same stem
        ("人社局", "人力资源局", None),
        ("民政局", "民族宗教事务局", None),
        ("税务局", "地方税务局", None),  # 税务 is not how 地方税务 starts
        ("发改委", "发展和改革局", None),  # a short form and a rename at once: too far
        ("单位1局", "单位10局", None),
        ("政协办", "政府办", None),
        ("财政局", "财政局国库支付中心", None),
    ],
)
def test_near_duplicate_names(a: str, b: str, why: str | None) -> None:
    assert near_duplicate(a, b) == why
    assert near_duplicate(b, a) == why


def test_level_prefixes() -> None:
    assert split_level("区财政局") == ("区", "财政局")
    assert split_level("市场监管局") == ("", "市场监管局")  # 市场, not 市
    assert split_level("市市场监管局") == ("市", "市场监管局")
    assert split_level("市政府办") == ("市", "政府办")
    assert home_level(["市发改局", "自然资源局", "市财政局"]) == "市"
    assert home_level(["财政局", "教育局"]) == "区"


def test_the_office_unit_answers_to_all_its_names(session: Session, now: datetime) -> None:
    office = create_unit(session, "区政府办", "zone", is_office=True)
    data = table("区人民政府办公室", "政府办公室、区委办", "区府办")
    report = plan_import(session, "表.xlsx", data, now=now)
    assert [u["name"] for u in report.units_added] == ["区委办"]  # the Party's office
    assert report.aliases_added == [
        {"alias": "区人民政府办公室", "unit": "区政府办"},
        {"alias": "政府办公室", "unit": "区政府办"},
        {"alias": "区府办", "unit": "区政府办"},
    ]
    apply_import(session, "表.xlsx", data, now=now)
    assert leads(session) == {
        "栏目1": ["区政府办"],
        "栏目2": ["区政府办", "区委办"],
        "栏目3": ["区政府办"],
    }
    assert {a.alias for a in office.aliases} == {"区人民政府办公室", "政府办公室", "区府办"}
    assert not units(session)["区委办"].is_office
    assert not plan_import(session, "表.xlsx", data, now=now).has_changes


def test_without_an_office_unit_the_first_name_creates_it(session: Session, now: datetime) -> None:
    data = table("县政府办", "县人民政府办公室、县财政局")
    report = apply_import(session, "表.xlsx", data, now=now)
    (office,) = [u for u in units(session).values() if u.is_office]
    assert office.name == "县政府办"
    assert [a.alias for a in office.aliases] == ["县人民政府办公室"]
    assert [u["name"] for u in report.units_added] == ["县政府办", "县财政局"]
    assert leads(session)["栏目2"] == ["县政府办", "县财政局"]


def test_an_office_named_unit_not_marked_as_the_office_is_used_and_listed(
    session: Session, now: datetime
) -> None:
    create_unit(session, "区政府办", "zone")
    report = apply_import(session, "表.xlsx", table("区人民政府办公室"), now=now)
    assert report.units_added == []
    assert leads(session)["栏目1"] == ["区政府办"]
    assert any("未标记为审发单位" in a.reason for a in report.needs_attention)


def test_near_duplicates_in_one_file_become_one_unit_unless_refused(
    session: Session, now: datetime
) -> None:
    data = table("区食药监局", "区食品药品监督管理局", "市发改委", "市发改局", "区发改局、区财政局")
    report = plan_import(session, "表.xlsx", data, now=now)
    assert [(p["name"], p["unit"], p["reason"], p["taken"]) for p in report.unit_proposals] == [
        ("区食品药品监督管理局", "区食药监局", "简称与全称", True),
        ("市发改局", "市发改委", "委、局更名", True),
    ]
    apply_import(session, "表.xlsx", data, now=now)
    found = units(session)
    assert set(found) == {"区食药监局", "市发改委", "区发改局", "区财政局"}
    assert [a.alias for a in found["区食药监局"].aliases] == ["区食品药品监督管理局"]
    assert leads(session)["栏目2"] == ["区食药监局"]
    assert not plan_import(session, "表.xlsx", data, now=now).has_changes


def test_a_refused_proposal_keeps_two_units(session: Session, now: datetime) -> None:
    data = table("市发改委", "市发改局")
    report = apply_import(session, "表.xlsx", data, now=now, keep_separate=["市发改局"])
    assert [(p["name"], p["taken"]) for p in report.unit_proposals] == [("市发改局", False)]
    assert set(units(session)) == {"市发改委", "市发改局"}
    assert leads(session)["栏目2"] == ["市发改局"]
    # Now both exist: nothing is proposed again.
    again = plan_import(session, "表.xlsx", data, now=now)
    assert again.unit_proposals == [] and not again.has_changes


def test_a_new_name_near_an_existing_unit_becomes_its_alias(
    session: Session, now: datetime
) -> None:
    hr = create_unit(session, "区人力资源和社会保障局")
    create_unit(session, "区医疗保障局")
    add_alias(session, "医保局", "区医疗保障局")
    data = table("人社局", "区医保中心", "区人社局")
    report = plan_import(session, "表.xlsx", data, now=now)
    # 人社局 and 区人社局 are one name (a district's table): one proposal, both spellings.
    assert [(p["name"], p["spellings"], p["unit"]) for p in report.unit_proposals] == [
        ("区人社局", ["人社局", "区人社局"], "区人力资源和社会保障局")
    ]
    assert [u["name"] for u in report.units_added] == ["区医保中心"]  # 中心 is not 局
    apply_import(session, "表.xlsx", data, now=now)
    assert {a.alias for a in hr.aliases} == {"人社局", "区人社局"}
    assert not plan_import(session, "表.xlsx", data, now=now).has_changes


def test_look_alike_names_that_are_different_units_are_never_merged(
    session: Session, now: datetime
) -> None:
    create_unit(session, "区教育局")
    data = table("区发改局", "区财政局", "区体育局", "区国税局、区地税局", "市财政局", "财政局")
    report = apply_import(session, "表.xlsx", data, now=now)
    assert report.unit_proposals == []
    assert set(units(session)) == {
        "区教育局",
        "区发改局",
        "区财政局",
        "区体育局",
        "区国税局",
        "区地税局",
        "市财政局",  # the city's, not the district's
    }
    assert leads(session)["栏目6"] == ["区财政局"]  # bare: this district table's level


def test_a_name_near_two_units_is_not_guessed(session: Session, now: datetime) -> None:
    create_unit(session, "区食品药品监督管理局")
    create_unit(session, "区食品药品检验所监督局")
    report = plan_import(session, "表.xlsx", table("区食药监局"), now=now)
    assert report.unit_proposals == []
    assert [u["name"] for u in report.units_added] == ["区食药监局"]
    assert any("都相近，未合并" in a.reason for a in report.needs_attention)
