"""`flask columns import|export` and `flask units alias` on committed data."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from workflow.importer import MAX_BYTES
from workflow.models import Column, Obligation, Unit, UnitAlias

from .conftest import wipe
from .importer_fixtures import SEED_TABLES, build_docx
from .test_importer_seeds import seed_file


@pytest.fixture
def clean(engine: Engine) -> Iterator[Engine]:
    wipe(engine)
    yield engine
    wipe(engine)


def count(engine: Engine, model: type) -> int:
    with Session(engine) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def write(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_dry_run_then_apply_then_nothing_to_do(app: Flask, clean: Engine, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    path = write(tmp_path, *seed_file("003", "docx"))
    dry = runner.invoke(args=["columns", "import", path, "--root", "钟楼区门户网站"])
    assert dry.exit_code == 0, dry.output
    assert "试运行，未写入" in dry.stdout
    assert "栏目：共 68 个，新增 68" in dry.stdout
    assert (
        "表1第42行：一格中有多个栏目名称，已拆分为：区长信箱、部门信箱、网上信访，请核对"
        in dry.stdout
    )
    assert count(clean, Column) == count(clean, Unit) == 0

    applied = runner.invoke(args=["columns", "import", path, "--root", "钟楼区门户网站", "--apply"])
    assert applied.exit_code == 0, applied.output
    assert "已导入" in applied.stdout
    assert count(clean, Column) == 68

    again = runner.invoke(
        args=["columns", "import", path, "--root", "钟楼区门户网站", "--apply", "--json"]
    )
    assert again.exit_code == 0, again.output
    summary = json.loads(again.stdout)
    assert (summary["added"], summary["changed"], summary["retired"]) == ([], [], [])
    assert summary["columns"]["unchanged"] == 68
    assert {
        "table": "表1",
        "row": 9,
        "reason": "「各相关单位」不是确定的单位，无法自动分配，请人工指定责任单位",
    } in summary["needs_attention"]


def test_task_list_and_export_round_trip(app: Flask, clean: Engine, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    for seed in ("000", "004"):
        path = write(tmp_path, *seed_file(seed, "xlsx"))
        result = runner.invoke(args=["columns", "import", path, "--apply"])
        assert result.exit_code == 0, result.output
    assert count(clean, Obligation) == 35
    target = tmp_path / "导出.xlsx"
    exported = runner.invoke(args=["columns", "export", str(target)])
    assert exported.exit_code == 0, exported.output
    back = runner.invoke(args=["columns", "import", str(target), "--json"])
    assert back.exit_code == 0, back.output
    summary = json.loads(back.stdout)
    assert summary["added"] == summary["changed"] == summary["retired"] == []
    assert summary["assignments"]["added"] == summary["assignments"]["removed"] == []
    assert summary["obligations"]["cancelled"] == []  # the task list is left alone
    assert count(clean, Obligation) == 35


def test_bad_files_exit_non_zero_with_the_message(
    app: Flask, clean: Engine, tmp_path: Path
) -> None:
    runner = app.test_cli_runner()
    encrypted = write(tmp_path, "加密.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096)
    result = runner.invoke(args=["columns", "import", encrypted, "--apply"])
    assert result.exit_code == 1
    assert "文件「加密.xlsx」：文件受密码保护" in result.output
    huge = tmp_path / "大表.xlsx"
    with huge.open("wb") as f:  # sparse: refused by its size before it is read
        f.truncate(MAX_BYTES + 1)
    result = runner.invoke(args=["columns", "import", str(huge), "--apply", "--json"])
    assert result.exit_code == 1
    assert "超过 50 MB" in result.output
    assert result.stdout == ""
    assert count(clean, Column) == count(clean, Unit) == 0


def test_progress_bar_goes_to_stderr_and_json_stays_clean(
    app: Flask, clean: Engine, tmp_path: Path
) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["一级栏目", "二级栏目", "责任单位", "时限要求"])
    for n in range(1200):
        writer.writerow([f"专题{n // 100}", f"栏目{n}", "区政府办", "每月至少更新1条"])
    path = write(tmp_path, "大表.csv", out.getvalue().encode("gb18030"))
    result = app.test_cli_runner().invoke(args=["columns", "import", path, "--json"])
    assert result.exit_code == 0, result.output
    assert "读取表格" in result.stderr
    assert json.loads(result.stdout)["columns"]["added"] == 1212


def test_units_alias_command(app: Flask, clean: Engine, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["units", "create", "区政府办", "--kind", "zone"]).exit_code == 0
    added = runner.invoke(args=["units", "alias", "区人民政府办公室", "区政府办"])
    assert added.exit_code == 0, added.output
    clash = runner.invoke(args=["units", "alias", "区人民政府办公室", "不存在的单位"])
    assert clash.exit_code == 1
    assert runner.invoke(args=["units", "create", "区住建局"]).exit_code == 0
    (table,) = SEED_TABLES["004"]()
    table.rows = table.rows[4:5]  # 区住征局: not an alias yet (nor a near name of 区住建局)
    path = write(tmp_path, "任务.docx", build_docx([table]))
    dry = runner.invoke(args=["columns", "import", path, "--json"])
    assert [u["name"] for u in json.loads(dry.stdout)["units"]["added"]] == ["区住征局"]
    assert runner.invoke(args=["units", "alias", "区住征局", "区住建局"]).exit_code == 0
    dry = runner.invoke(args=["columns", "import", path, "--json"])
    assert json.loads(dry.stdout)["units"]["added"] == []
    removed = runner.invoke(args=["units", "alias", "区住征局", "区住建局", "--remove"])
    assert removed.exit_code == 0
    with Session(clean) as session:
        assert set(session.execute(select(UnitAlias.alias)).scalars()) == {"区人民政府办公室"}


def test_retire_missing_and_a_root_path(app: Flask, clean: Engine, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    root = "区政府门户网站/政务公开"
    rows = "栏目,责任单位,时限要求\n领导信息,区政府办,—\n机构设置,区编办,—\n"
    full = write(tmp_path, "全.csv", rows.encode())
    done = runner.invoke(args=["columns", "import", full, "--root", root, "--apply"])
    assert done.exit_code == 0, done.output
    part = write(tmp_path, "部分.csv", rows.rsplit("机构设置", 1)[0].encode())
    kept = runner.invoke(args=["columns", "import", part, "--root", root, "--apply", "--json"])
    assert kept.exit_code == 0, kept.output
    summary = json.loads(kept.stdout)
    assert (summary["retired"], summary["columns"]["missing"]) == ([], 1)
    gone = runner.invoke(
        args=["columns", "import", part, "--root", root, "--apply", "--retire-missing"]
    )
    assert gone.exit_code == 0, gone.output
    assert "停用栏目（保留历史，不删除）：\n  - 区政府门户网站/政务公开/机构设置" in gone.stdout


def test_since_confirm_keep_separate_and_accept_links(
    app: Flask, clean: Engine, tmp_path: Path
) -> None:
    from datetime import date

    from workflow.models import ColumnAssignment, ColumnLink

    runner = app.test_cli_runner()
    path = write(
        tmp_path,
        "政策.csv",
        "一级栏目,二级栏目,保障单位,时限要求\n"
        "政策法规,部门文件,市发改委,即时发布\n"
        "政策法规,政策解读,市发改局,应于文件公开后3个工作日内公布\n".encode(),
    )
    bad = runner.invoke(args=["columns", "import", path, "--since", "2026-02-30"])
    assert bad.exit_code == 2 and "不是有效的责任起始日期" in bad.output
    dry = runner.invoke(args=["columns", "import", path])
    assert dry.exit_code == 0, dry.output
    assert "  市发改局 → 市发改委（委、局更名；合并）" in dry.stdout
    assert "建议的关联（未建立；确认后请加 --accept-links 导入）：" in dry.stdout
    assert "待确认的时限规则（2 个栏目" in dry.stdout
    assert "  政策法规/政策解读：文件公开后3个工作日内发布" in dry.stdout
    args = ["columns", "import", path, "--apply", "--since", "2026-01-01", "--confirm-rules"]
    done = runner.invoke(args=[*args, "--keep-separate", "市发改局", "--accept-links"])
    assert done.exit_code == 0, done.output
    with Session(clean) as session:
        assert set(session.execute(select(Unit.name)).scalars()) == {"市发改委", "市发改局"}
        since = set(session.execute(select(ColumnAssignment.responsible_since)).scalars())
        assert since == {date(2026, 1, 1)}
        assert all(c.rules_confirmed for c in session.execute(select(Column)).scalars() if c.rules)
        assert session.execute(select(func.count()).select_from(ColumnLink)).scalar_one() == 1
    again = runner.invoke(args=["columns", "import", path, "--keep-separate", "市发改局"])
    assert "与数据库相比没有变化。" in again.stdout and "0 个待确认" in again.stdout


def test_map_unit_takes_a_new_name_as_an_existing_unit(
    app: Flask, clean: Engine, tmp_path: Path
) -> None:
    """Issue 16: a typo in the table need not create a unit; a mapping to a unit that
    does not exist is said, and the name imported as a new unit."""
    runner = app.test_cli_runner()
    first = write(tmp_path, "一.csv", "栏目,责任单位\n双随机抽查,区市场监督管理局\n".encode())
    assert runner.invoke(args=["columns", "import", first, "--apply"]).exit_code == 0
    rows = "栏目,责任单位\n行政处罚,区市场监督管里局\n许可公示,区行政审批局\n"
    path = write(tmp_path, "二.csv", rows.encode())
    bad = runner.invoke(args=["columns", "import", path, "--map-unit", "区市场监督管里局"])
    assert bad.exit_code != 0 and "应写作 表中的新名称=已有单位" in bad.output
    dry = runner.invoke(
        args=[
            "columns", "import", path, "--json",
            "--map-unit", "区市场监督管里局=区市场监督管理局",
            "--map-unit", "区行政审批局=区审批局",
        ]
    )  # fmt: skip
    assert dry.exit_code == 0, dry.output
    summary = json.loads(dry.stdout)
    assert [u["name"] for u in summary["units"]["added"]] == ["区行政审批局"]
    assert {"alias": "区市场监督管里局", "unit": "区市场监督管理局"} in summary["units"][
        "aliases_added"
    ]
    assert any("没有这个单位" in a["reason"] for a in summary["needs_attention"])
    applied = runner.invoke(
        args=[
            "columns", "import", path, "--apply",
            "--map-unit", "区市场监督管里局=区市场监督管理局",
        ]
    )  # fmt: skip
    assert applied.exit_code == 0, applied.output
    with Session(clean) as session:
        names = set(session.execute(select(Unit.name)).scalars())
        assert names == {"区市场监督管理局", "区行政审批局"}
        assert set(session.execute(select(UnitAlias.alias)).scalars()) == {"区市场监督管里局"}
