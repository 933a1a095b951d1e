"""`flask report …` on the committed demo portal: files written whole and readable, bad
input refused with a message and nothing written."""

from __future__ import annotations

from pathlib import Path

import docx
import openpyxl
import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import Engine, func, select

from workflow.models import ColumnAssignment, DeadlineStatus, DeadlineStatusDirty


@pytest.fixture(scope="module")
def runner(app: Flask) -> FlaskCliRunner:
    cli = app.test_cli_runner()
    loaded = cli.invoke(args=["demo", "load"])
    assert loaded.exit_code == 0, loaded.output
    return cli


def test_assessment_bulletin_and_submissions(runner: FlaskCliRunner, tmp_path: Path) -> None:
    out = tmp_path / "考核.xlsx"
    r = runner.invoke(args=["report", "assessment", "--month", "2026-10", "-o", str(out)])
    assert r.exit_code == 0, r.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["考核排名", "逾期明细", "当前逾期"]
    assert wb["考核排名"]["A1"].value == "2026年10月政务公开栏目信息报送考核排名"
    assert wb["考核排名"].max_row > 3  # the demo's units are ranked
    doc = tmp_path / "通报.docx"
    r = runner.invoke(args=["report", "bulletin", "--period", "2026-Q4", "-o", str(doc)])
    assert r.exit_code == 0, r.output
    assert "2026年第4季度" in docx.Document(doc).paragraphs[0].text
    sub = tmp_path / "报送.xlsx"
    r = runner.invoke(
        args=[
            "report",
            "submissions",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--unit",
            "教育局",
            "-o",
            str(sub),
        ]
    )
    assert r.exit_code == 0, r.output
    detail = openpyxl.load_workbook(sub)["报送明细"]
    units = {row[1] for row in detail.iter_rows(min_row=3, values_only=True)}
    assert units == {"区教育局"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["assessment", "--month", "2026-13"], "月份应为1–12"),
        (["assessment", "--month", "2026-10", "--period", "2026"], "exactly one"),
        (["submissions", "--month", "2026-10", "--from", "2026-10-01"], "not both"),
        (["submissions", "--from", "2026-10-09", "--to", "2026-10-01"], "after --to"),
        (["submissions", "--month", "2026-10", "--unit", "不存在的局"], "no unit named"),
    ],
)
def test_bad_input_writes_nothing(
    runner: FlaskCliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    out = tmp_path / "x.xlsx"
    r = runner.invoke(args=["report", *args, "-o", str(out)])
    assert r.exit_code != 0 and message in r.output
    assert list(tmp_path.iterdir()) == []


def test_health_scoreboard_kinds_and_feeds(runner: FlaskCliRunner) -> None:
    r = runner.invoke(args=["report", "health"])
    assert r.exit_code == 0, r.output
    assert (
        "空白栏目" in r.output and "first failing date" in r.output
    ) or "does not fail" in r.output
    assert runner.invoke(args=["report", "health", "--json"]).output.startswith('{"today"')
    r = runner.invoke(args=["report", "scoreboard", "--month", "2026-10"])
    assert r.exit_code == 0 and "2026年10月" in r.output
    r = runner.invoke(args=["report", "guess-kinds"])
    assert r.exit_code == 0 and "0 column(s) got kinds" in r.output  # the demo guessed them
    r = runner.invoke(args=["report", "feed-issue", "--unit", "区教育局", "--by", "admin"])
    assert r.exit_code == 0, r.output
    token_id = r.output.split()[1].rstrip(":")
    r = runner.invoke(args=["report", "feed-issue", "--unit", "区教育局", "--by", "edu_drafter"])
    assert r.exit_code != 0 and "not an admin" in r.output
    r = runner.invoke(args=["report", "feed-revoke", token_id])
    assert r.exit_code == 0 and "revoked" in r.output
    assert runner.invoke(args=["report", "feed-revoke", "999999"]).exit_code != 0


def test_refresh_status_fills_the_summary(runner: FlaskCliRunner, engine: Engine) -> None:
    r = runner.invoke(args=["report", "refresh-status"])
    assert r.exit_code == 0, r.output
    with engine.connect() as conn:
        assignments = conn.execute(select(func.count()).select_from(ColumnAssignment)).scalar()
        kept = conn.execute(select(func.count()).select_from(DeadlineStatus)).scalar()
        marks = conn.execute(select(func.count()).select_from(DeadlineStatusDirty)).scalar()
    assert assignments and kept == assignments and marks == 0
    assert f"deadline status of {kept} assignment(s) refreshed" in r.output
