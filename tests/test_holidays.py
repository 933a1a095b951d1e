"""Holiday overrides: CSV import (encodings, bad rows named) and their effect on counting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from config import load_config
from web import create_app
from workflow.holidays import HolidayFileError, read_csv
from workflow.models import HolidayOverride

from .conftest import NOW, wipe

NOTICE_2027 = "日期,是否上班,备注\n2027-01-01,放假,元旦\n2027-02-20,上班,春节调休\n"
TODAY = NOW.date()  # 2026-11-23: files may hold 2025 to 2028


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_reads_the_encodings_offices_save(encoding: str) -> None:
    rows = read_csv(NOTICE_2027.encode(encoding), today=TODAY)
    assert [(r.day, r.is_workday, r.note) for r in rows] == [
        (date(2027, 1, 1), False, "元旦"),
        (date(2027, 2, 20), True, "春节调休"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-13-01,放假\n", "第1行：日期“2027-13-01”格式不对"),
        ("2027-01-01,放假\n2027-01-02,也许\n", "第2行：是否上班“也许”无法识别"),
        ("2027-01-01,放假\n2027-01-01,上班\n", "第2行：日期 2027-01-01 与第1行重复"),
        ("2027-01-01\n", "第1行：需要"),
        ("日期,是否上班\n", "没有可导入的日期"),
    ],
)
def test_bad_rows_are_named(text: str, message: str) -> None:
    with pytest.raises(HolidayFileError, match=message):
        read_csv(text.encode(), "2027.csv", today=TODAY)


def _days(first: date, count: int) -> bytes:
    lines = [f"{first + timedelta(days=i)},放假" for i in range(count)]
    return ("日期,是否上班\n" + "\n".join(lines) + "\n").encode()


def test_a_file_is_bounded_in_rows_and_years() -> None:
    # Finding 12: 20,000 days (2040–2094) were accepted and stored.
    with pytest.raises(HolidayFileError, match=r"huge\.csv 第2行：日期 2040-01-01 超出"):
        read_csv(_days(date(2040, 1, 1), 20_000), "huge.csv", today=TODAY)
    with pytest.raises(HolidayFileError, match=r"2027\.csv 第402行：一次最多导入400个日期"):
        read_csv(_days(date(2027, 1, 1), 401), "2027.csv", today=TODAY)
    assert len(read_csv(_days(date(2027, 1, 1), 365), today=TODAY)) == 365
    # From last year to two years ahead (the office's local year).
    assert [r.day.year for r in read_csv(b"2025-12-31,0\n2028-12-31,0\n", today=TODAY)] == [
        2025,
        2028,
    ]
    for outside in ("2024-12-31", "2029-01-01"):
        with pytest.raises(HolidayFileError, match=f"第1行：日期 {outside} 超出.*（2025–2028年）"):
            read_csv(f"{outside},放假\n".encode(), "x.csv", today=TODAY)


@pytest.fixture
def app(engine: Engine, database_url: str, tmp_path: Path) -> Flask:
    cfg = load_config(
        {
            "SANSHEN_ENV": "testing",
            "DATABASE_URL": database_url,
            "SANSHEN_INSTANCE_DIR": str(tmp_path),
        }
    )
    application = create_app(cfg)
    application.config["SANSHEN_CLOCK"] = lambda: NOW  # the years a file may hold
    yield application  # type: ignore[misc]
    application.extensions["sanshen.engine"].dispose()
    wipe(engine)


def test_import_command_and_database_calendar(
    app: Flask, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("2027-01-01,放假\n2027-01-02,也许\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["holidays", "import", str(bad)])
    assert result.exit_code != 0 and "bad.csv 第2行" in result.output
    with Session(engine) as s:  # nothing half-written
        assert s.execute(select(HolidayOverride)).first() is None
    far = tmp_path / "far.csv"
    far.write_bytes(_days(date(2040, 1, 1), 20_000))
    result = app.test_cli_runner().invoke(args=["holidays", "import", str(far)])
    assert result.exit_code != 0 and "far.csv 第2行：日期 2040-01-01 超出" in result.output
    with Session(engine) as s:
        assert s.execute(select(HolidayOverride)).first() is None
    good = tmp_path / "2027.csv"
    good.write_bytes(NOTICE_2027.encode("gb18030"))
    result = app.test_cli_runner().invoke(args=["holidays", "import", str(good)])
    assert result.exit_code == 0 and "imported 2 day(s) for 2027" in result.output
    # The calendar command reads the overrides from DATABASE_URL: 2027 is now known.
    env = {**os.environ, "DATABASE_URL": database_url}
    out = subprocess.run(
        [sys.executable, "-m", "workflow.calendar", "add", "2026-12-21", "15", "workday"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    assert json.loads(out.stdout) == {
        "start": "2026-12-21",
        "n": 15,
        "unit": "workday",
        "due": "2027-01-12",
        "provisional": False,
    }


def test_excel_style_dates_are_read() -> None:
    rows = read_csv("2027/1/1,放假\n2027/2/20,上班\n".encode(), today=TODAY)
    assert [r.day for r in rows] == [date(2027, 1, 1), date(2027, 2, 20)]


def test_a_partial_import_leaves_the_year_provisional(
    app: Flask, engine: Engine, tmp_path: Path
) -> None:
    from workflow.models import CalendarYear

    typhoon = tmp_path / "typhoon.csv"
    typhoon.write_text("2027-07-20,放假,台风停工\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["holidays", "import", "--partial", str(typhoon)])
    assert result.exit_code == 0, result.output
    with Session(engine) as s:
        assert s.execute(select(CalendarYear)).first() is None
        assert s.get(HolidayOverride, date(2027, 7, 20)) is not None


def test_a_file_too_big_to_be_a_notice_is_refused_by_name() -> None:
    from workflow.holidays import MAX_BYTES

    row = "2027-01-01,放假,元旦\n".encode()
    with pytest.raises(HolidayFileError, match=r"大文件\.csv：文件超过 1024 KB 的上限"):
        read_csv(row * (MAX_BYTES // len(row) + 1), "大文件.csv", today=TODAY)
    assert len(read_csv(row, "小文件.csv", today=TODAY)) == 1
