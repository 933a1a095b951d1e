"""The importer's behaviour: new versions (added/changed/retired), hand-entered rules kept,
export → import round trips, CSV encodings, and every kind of bad file refused whole."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import datetime, timedelta
from typing import Any

import docx
import openpyxl
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session, selectinload

from workflow.accounts import create_unit
from workflow.importer import (
    MAX_BYTES,
    ImportFileError,
    apply_import,
    export_columns,
    plan_import,
)
from workflow.importer import apply as apply_module
from workflow.models import Base, Column, ColumnAssignment, Item, Obligation, Unit

from .factories import LONG_AGO, World, new_item
from .importer_fixtures import SEED_TABLES, SeedCell, SeedTable, build_docx
from .test_importer_seeds import office_units, seed_file

ROOT = "钟楼区门户网站"


def count(session: Session, model: type) -> int:
    return session.execute(select(func.count()).select_from(model)).scalar_one()


def column(session: Session, path: str) -> Column:
    return session.execute(select(Column).where(Column.path == path)).scalar_one()


def seed_003_changed() -> list[SeedTable]:
    """A new version of seed 003: 钟楼印象 dropped, 钟楼年鉴 moved to 统计局, 钟楼简介's
    requirement reworded, a row 钟楼旅游 added."""
    (table,) = SEED_TABLES["003"]()
    rows = [r for r in table.rows if r[2].text != "钟楼印象"]
    original = rows[0][4].text
    rows[0][4] = SeedCell("每季度至少更新一次")  # 钟楼简介
    rows[1][4] = SeedCell(original)  # 钟楼实力 and the rows below it: as before
    for row in rows:
        if row[2].text == "钟楼年鉴":
            row[3] = SeedCell("统计局")
    new = [SeedCell(""), SeedCell(""), SeedCell("钟楼旅游", 3), SeedCell("文体旅局")]
    rows.insert(6, [*new, SeedCell("每月至少更新1条")])
    return [SeedTable(table.title, table.header, rows)]


def test_a_new_version_reports_added_changed_and_retired_and_never_deletes(
    session: Session, now: datetime, world: World
) -> None:
    office_units(session)
    name, data = seed_file("003", "docx")
    apply_import(session, name, data, now=now, root=ROOT)
    impression = column(session, f"{ROOT}/走进钟楼/钟楼印象")
    impression.assignments.append(
        ColumnAssignment(unit=world.unit_a, role="lead", responsible_since=LONG_AGO)
    )
    session.flush()
    item = new_item(session, world, now, column=impression)
    # The office entered a rule by hand for text the parser could not read.
    fees = column(session, f"{ROOT}/政务公开/法定主动公开/规划信息/十四五规划")
    fees.rules = [{"kind": "periodic", "every": 1, "unit": "year", "min_items": 1}]
    session.flush()

    later = now + timedelta(days=30)
    new_data = build_docx(seed_003_changed())
    # By default a column the file lacks is kept and listed (it may have been made by hand).
    kept = plan_import(session, "seed003-v2.docx", new_data, now=later, root=ROOT)
    assert (kept.retired, kept.missing) == ([], [f"{ROOT}/走进钟楼/钟楼印象"])
    assert {"path": f"{ROOT}/走进钟楼/钟楼年鉴", "unit": "档案局", "role": "lead"} in (
        kept.assignments_kept
    )
    report = plan_import(
        session, "seed003-v2.docx", new_data, now=later, root=ROOT, retire_missing=True
    )
    assert report.added == [f"{ROOT}/走进钟楼/钟楼旅游"]
    changes = {c.display: c.changes for c in report.columns if c.status == "changed"}
    assert changes == {
        f"{ROOT}/走进钟楼/钟楼简介": ["时限要求"],
        f"{ROOT}/走进钟楼/钟楼年鉴": ["责任单位"],
    }
    assert report.retired == [f"{ROOT}/走进钟楼/钟楼印象"]
    assert {"path": f"{ROOT}/走进钟楼/钟楼年鉴", "unit": "档案局", "role": "lead"} in (
        report.assignments_removed
    )
    # The world's own column lies outside the file's tree: untouched.
    assert all(not c.display.startswith(world.column.name) for c in report.columns)
    assert count(session, Column) == 68 + 1  # the dry run wrote nothing

    apply_import(session, "seed003-v2.docx", new_data, now=later, root=ROOT, retire_missing=True)
    session.expire_all()
    retired = column(session, f"{ROOT}/走进钟楼/钟楼印象")
    assert retired.retired_at is not None
    assert session.get(Item, item.id).column_id == retired.id  # type: ignore[union-attr]
    intro = column(session, f"{ROOT}/走进钟楼/钟楼简介")
    assert intro.time_requirement == "每季度至少更新一次"
    assert [(r["kind"], r["every"], r["unit"]) for r in intro.rules] == [("periodic", 3, "month")]
    assert column(session, fees.path).rules == fees.rules  # unchanged text: kept
    yearbook = column(session, f"{ROOT}/走进钟楼/钟楼年鉴")
    assert [(a.unit.name, a.role) for a in yearbook.assignments] == [("区统计局", "lead")]
    assert world.column.retired_at is None

    # The old version again: the retired column comes back, the new one is retired.
    back = plan_import(session, name, data, now=later, root=ROOT, retire_missing=True)
    assert [c.display for c in back.columns if c.status == "reinstated"] == [retired.path]
    assert back.retired == [f"{ROOT}/走进钟楼/钟楼旅游"]


def test_a_failure_while_writing_leaves_nothing(
    session: Session, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(apply_module, "_write_tasks", broken)
    name, data = seed_file("003", "docx")
    with pytest.raises(RuntimeError):
        apply_import(session, name, data, now=now)
    assert count(session, Column) == count(session, Unit) == 0


def snapshot(session: Session) -> set[tuple[object, ...]]:
    columns = session.execute(
        select(Column)
        .where(Column.retired_at.is_(None))
        .options(selectinload(Column.assignments).selectinload(ColumnAssignment.unit))
    ).scalars()
    return {
        (
            c.path,
            c.content,
            c.time_requirement,
            json.dumps(c.rules, ensure_ascii=False, sort_keys=True),
            tuple(sorted((a.unit.name, a.role) for a in c.assignments)),
        )
        for c in columns
    }


def test_export_reimports_to_no_change_here_and_the_same_tree_elsewhere(
    session: Session, now: datetime
) -> None:
    office_units(session)
    for seed, root in (("000", "区政府门户网站"), ("003", ROOT), ("002", None)):
        name, data = seed_file(seed, "docx")
        apply_import(session, name, data, now=now, root=root)
    edited = column(session, "区政府门户网站/政务公开/信息公开年报")
    edited.rules = [{"kind": "annual", "by": "01-31"}]  # by hand, text unchanged
    # Text that looks like a formula is exported as text, not as a formula.
    column(session, "领导信息").content = "=市领导照片、简历、分工、职务"
    session.flush()
    exported = export_columns(session)
    sheet = openpyxl.load_workbook(io.BytesIO(exported)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]][:3] == ["一级栏目", "二级栏目", "三级栏目"]

    again = plan_import(session, "导出.xlsx", exported, now=now)
    assert not again.has_changes, again.to_text()
    assert again.needs_attention  # the rows without rules are still listed

    other = create_engine("sqlite://")
    Base.metadata.create_all(other)
    with Session(other) as fresh:
        # Units the office keeps apart (区文体局 and 文体旅局…) look alike to a database
        # that has none: the office refuses those proposals.
        dry = plan_import(fresh, "导出.xlsx", exported, now=now)
        apart = [p["name"] for p in dry.unit_proposals]
        assert "文体旅局" in apart
        report = apply_import(fresh, "导出.xlsx", exported, now=now, keep_separate=apart)
        assert report.unit_proposals and not any(p["taken"] for p in report.unit_proposals)
        assert report.added
        assert snapshot(fresh) == snapshot(session)
        assert column(fresh, edited.path).rules == [{"kind": "annual", "by": "01-31"}]
    other.dispose()


def csv_bytes(encoding: str) -> bytes:
    (table,) = SEED_TABLES["002"]()
    out = io.StringIO()
    import csv

    writer = csv.writer(out)
    writer.writerow([c.text for c in table.header])
    for row in table.rows:
        writer.writerow([c.text for c in row])
    return out.getvalue().encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_csv_in_every_encoding_offices_produce(
    session: Session, now: datetime, encoding: str
) -> None:
    name, docx_data = seed_file("002", "docx")
    expected = plan_import(session, name, docx_data, now=now).to_dict()
    got = plan_import(session, "表.csv", csv_bytes(encoding), now=now).to_dict()
    assert [c["path"] for c in got["columns"]["items"]] == [
        c["path"] for c in expected["columns"]["items"]
    ]
    assert got["assignments"] == expected["assignments"]
    assert got["rules"] == expected["rules"]

    def rows(d: dict[str, Any], shift: int) -> list[tuple[int, str]]:
        return [(a["row"] + shift, re.sub(r"\d+", "N", a["reason"])) for a in d["needs_attention"]]

    assert rows(got, 0) == rows(expected, 1)  # a CSV's header is its row 1


def test_report_dict_and_text(session: Session, now: datetime) -> None:
    name, data = seed_file("003", "xlsx")
    calls: list[tuple[int, int]] = []
    report = plan_import(session, name, data, now=now, progress=lambda d, t: calls.append((d, t)))
    d = report.to_dict()
    for key in ("columns", "units", "assignments", "rules", "needs_attention"):
        assert key in d
    for key in ("added", "changed", "retired"):
        assert isinstance(d[key], list)
    assert all(set(a) == {"table", "row", "reason"} for a in d["needs_attention"])
    assert json.loads(json.dumps(d, ensure_ascii=False)) == d
    text = report.to_text()
    assert "栏目：共 67 个，新增 67" in text
    assert (
        "工作表「表1」第16行：一格中有多个栏目名称，已拆分为：十四五规划、历史规划，请核对" in text
    )
    done = [d for d, _ in calls]
    assert len(calls) > 2 and done == sorted(done)
    assert calls[-1] == (2 * 55, 2 * 55)  # 53 rows, the title and the header


# --- bad input --------------------------------------------------------------------------


def docx_with(text: str) -> bytes:
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = text, "说明"
    table.cell(1, 0).text, table.cell(1, 1).text = "甲", "乙"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_with(**sheets: list[list[object]]) -> openpyxl.Workbook:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    return workbook


def saved(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def corrupt_part(data: bytes, part: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            body = b"<w:document><unclosed" if info.filename == part else source.read(info)
            target.writestr(info, body)
    return buffer.getvalue()


GOOD_ROWS = [["栏目", "责任单位", "时限要求"], ["政府信息公开", "区政府办", "及时更新"]]


def bad_files() -> list[tuple[str, str, bytes, list[str]]]:
    """(case, file name, bytes, phrases the message must contain)."""
    docx_data = seed_file("003", "docx")[1]
    xlsx_data = seed_file("003", "xlsx")[1]
    formula = xlsx_with(政务公开=[*GOOD_ROWS, ["统计信息", "区统计局", '=B2&""']])
    hidden = xlsx_with(栏目=GOOD_ROWS, 备用=GOOD_ROWS)
    hidden["备用"].sheet_state = "hidden"
    error_value = xlsx_with(栏目=[*GOOD_ROWS, ["统计信息", "#REF!", "每月"]])
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 8
    return [
        ("xlsx named docx", "表.docx", xlsx_data, ["表.docx", "不是 Word 文档", "Excel"]),
        ("docx named xlsx", "表.xlsx", docx_data, ["表.xlsx", "不是 Excel 工作簿", "Word"]),
        ("text named docx", "表.docx", "栏目,责任单位\n".encode(), ["不是 Word 文档"]),
        ("docx named csv", "表.csv", docx_data, ["表.csv", "不是 CSV"]),
        ("truncated docx", "表.docx", docx_data[: len(docx_data) // 2], ["已损坏"]),
        ("broken xml", "表.docx", corrupt_part(docx_data, "word/document.xml"), ["已损坏"]),
        ("encrypted docx", "表.docx", ole, ["受密码保护"]),
        ("encrypted xlsx", "表.xlsx", ole, ["受密码保护"]),
        ("no header docx", "表.docx", docx_with("名称"), ["表1", "没有找到可识别的表头"]),
        ("no header csv", "表.csv", "甲,乙\n1,2\n".encode(), ["表1", "没有找到可识别的表头"]),
        ("empty docx", "表.docx", b"", ["文件是空的"]),
        ("empty xlsx", "表.xlsx", b"", ["文件是空的"]),
        ("empty csv", "表.csv", b"\xef\xbb\xbf\r\n", ["文件是空的"]),
        ("doc", "表.doc", docx_data, ["不支持旧版 .doc 格式", "另存为 .docx"]),
        ("pdf", "表.pdf", b"%PDF-1.7", ["不支持的文件类型"]),
        (
            "formula",
            "表.xlsx",
            saved(formula),
            ["工作表「政务公开」第3行", "单元格 C3 是公式"],
        ),
        ("hidden sheet", "表.xlsx", saved(hidden), ["工作表「备用」", "隐藏"]),
        (
            "error value",
            "表.xlsx",
            saved(error_value),
            ["工作表「栏目」第3行", "B3 是错误值 #REF!"],
        ),
        ("bad encoding", "表.csv", b"\xff\xfe\xfa" * 10, ["无法识别文件编码"]),
        ("too big", "表.xlsx", b"PK\x03\x04" + bytes(MAX_BYTES), ["超过 50 MB"]),
    ]


@pytest.mark.parametrize("case", bad_files(), ids=lambda c: c[0])
def test_bad_files_are_refused_whole_with_a_message_naming_them(
    session: Session, now: datetime, case: tuple[str, str, bytes, list[str]]
) -> None:
    _, name, data, phrases = case
    for action in (plan_import, apply_import):
        with pytest.raises(ImportFileError) as raised:
            action(session, name, data, now=now)
        message = str(raised.value)
        assert message.startswith(f"文件「{name}」")
        for phrase in phrases:
            assert phrase in message
    assert count(session, Column) == count(session, Unit) == count(session, Obligation) == 0


def test_a_table_without_header_among_good_ones_is_listed_not_fatal(
    session: Session, now: datetime
) -> None:
    workbook = xlsx_with(栏目=GOOD_ROWS, 备注=[["说明"], ["本表由区政府办制作"]])
    report = apply_import(session, "表.xlsx", saved(workbook), now=now)
    assert report.added == ["政府信息公开"]
    assert ("工作表「备注」", None, "没有可识别的表头，整张表未导入") in {
        (a.table, a.row, a.reason) for a in report.needs_attention
    }


def test_aliases_the_office_adds_are_used(session: Session, now: datetime) -> None:
    from workflow.accounts import add_alias

    office = create_unit(session, "区政府办", "zone")
    add_alias(session, "区人民政府办公室", "区政府办")
    rows = [["栏目", "责任单位", "时限要求"], ["领导信息", "区人民政府办公室", "及时更新"]]
    report = apply_import(session, "表.xlsx", saved(xlsx_with(栏目=rows)), now=now)
    assert report.units_added == []
    assert [a.unit_id for a in column(session, "领导信息").assignments] == [office.id]


def test_hidden_rows_and_columns_with_text_are_imported_and_said(
    session: Session, now: datetime
) -> None:
    workbook = xlsx_with(
        栏目=[["栏目", "责任单位", "时限要求", "备注"], *[GOOD_ROWS[1] + ["内部"]]]
    )
    workbook["栏目"].append(["领导信息", "区政府办", "如有变动及时更新"])
    workbook["栏目"].row_dimensions[3].hidden = True
    workbook["栏目"].column_dimensions["D"].hidden = True
    report = plan_import(session, "表.xlsx", saved(workbook), now=now)
    assert report.added == ["政府信息公开", "领导信息"]
    assert ("工作表「栏目」", None, "隐藏的第3行、D列有内容，已一并导入，请核对") in {
        (a.table, a.row, a.reason) for a in report.needs_attention
    }


def test_content_written_in_the_name_column_is_not_a_column(
    session: Session, now: datetime
) -> None:
    long = "公开本地区制定的政策文件、实施细则等情况" * 6
    rows = [*GOOD_ROWS, [long, "区政府办", "及时更新"]]
    report = plan_import(session, "表.xlsx", saved(xlsx_with(栏目=rows)), now=now)
    assert report.added == ["政府信息公开"]
    assert any(a.row == 3 and "栏目名称超过 100 字" in a.reason for a in report.needs_attention)


def test_a_zip_that_unpacks_to_too_much_is_refused_before_parsing(
    session: Session, now: datetime
) -> None:
    from workflow.importer import ImportLimits

    name, data = seed_file("000", "xlsx")
    unpacked = sum(m.file_size for m in zipfile.ZipFile(io.BytesIO(data)).infolist())
    for action in (plan_import, apply_import):
        with pytest.raises(ImportFileError, match=r"解压后超过 .* 的上限"):
            action(
                session, name, data, now=now, limits=ImportLimits(max_unpacked_bytes=unpacked - 1)
            )
    limits = ImportLimits(max_unpacked_bytes=unpacked)
    assert plan_import(session, name, data, now=now, limits=limits).added
