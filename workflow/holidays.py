"""The office's holiday overrides: read a CSV of the State Council notice and store it.

CSV columns: 日期 (YYYY-MM-DD), 是否上班 (上班/班/1/是/true or 放假/休/0/否/false), 备注.
A header row is optional. UTF-8 (with or without BOM) and GB18030 are accepted, since
offices save CSV from WPS/Excel in either. All rows are checked before anything is
written; the first bad row is named. A file is bounded: at most MAX_ROWS dates (a year's
notice is a few dozen; a whole year is 366), each within YEARS_BACK before to YEARS_AHEAD
after the current year, so a mistaken file cannot fill the calendar for decades.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from workflow.models import CalendarYear, HolidayOverride

_WORK = {"上班", "班", "工作日", "1", "是", "true", "yes", "y", "workday"}
_OFF = {"放假", "休", "休息", "节假日", "0", "否", "false", "no", "n", "holiday"}
MAX_ROWS = 400
# The notice for next year comes out in the autumn; last year may still need a fix.
YEARS_BACK = 1
YEARS_AHEAD = 2


# A year's notice is a few dozen rows (a few KB): a bigger file is not one.
MAX_BYTES = 1024 * 1024


class HolidayFileError(ValueError):
    """A message for the office, naming the file and the row."""


@dataclass(frozen=True)
class HolidayRow:
    day: date
    is_workday: bool
    note: str


def _decode(data: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise HolidayFileError(f"{name}：无法识别文件编码，请另存为 UTF-8 或 GB18030 的 CSV 文件")


def _date(text: str) -> date:
    """2027-01-01, 2027/1/1 (Excel's default), 2027-1-1."""
    parts = text.replace("/", "-").replace(".", "-").split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(text)
    return date(int(parts[0]), int(parts[1]), int(parts[2]))


def read_csv(data: bytes, name: str = "文件", *, today: date) -> list[HolidayRow]:
    """The file's rows; `today` (the office's local date) bounds the years accepted.
    `data` may be read with MAX_BYTES + 1 as its limit."""
    if len(data) > MAX_BYTES:
        raise HolidayFileError(
            f"{name}：文件超过 {MAX_BYTES // 1024} KB 的上限，不像节假日安排表，未导入"
        )
    text = _decode(data, name)
    first_year, last_year = today.year - YEARS_BACK, today.year + YEARS_AHEAD
    rows: list[HolidayRow] = []
    seen: dict[date, int] = {}
    for number, record in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in record]
        if not any(cells):
            continue
        if number == 1 and cells[0] in ("日期", "date", "Date"):
            continue
        if len(cells) < 2:
            raise HolidayFileError(f"{name} 第{number}行：需要“日期,是否上班[,备注]”两列以上")
        try:
            day = _date(cells[0])
        except ValueError:
            raise HolidayFileError(
                f"{name} 第{number}行：日期“{cells[0]}”格式不对，应为 2027-01-01"
            ) from None
        flag = cells[1].lower()
        if flag not in _WORK | _OFF:
            raise HolidayFileError(
                f"{name} 第{number}行：是否上班“{cells[1]}”无法识别，请填“上班”或“放假”"
            )
        if not first_year <= day.year <= last_year:
            raise HolidayFileError(
                f"{name} 第{number}行：日期 {day} 超出可导入的年份（{first_year}–{last_year}年）"
            )
        if len(rows) == MAX_ROWS:
            raise HolidayFileError(
                f"{name} 第{number}行：一次最多导入{MAX_ROWS}个日期，请按年份分成几个文件导入"
            )
        if day in seen:
            raise HolidayFileError(f"{name} 第{number}行：日期 {day} 与第{seen[day]}行重复")
        seen[day] = number
        rows.append(HolidayRow(day, flag in _WORK, cells[2] if len(cells) > 2 else ""))
    if not rows:
        raise HolidayFileError(f"{name}：没有可导入的日期")
    return rows


def store(
    session: Session,
    rows: Iterable[HolidayRow],
    now: datetime | None = None,
    complete: bool = True,
) -> int:
    """Insert or replace the overrides for these days; returns how many were written.
    `complete`: the file is a whole year's notice, so its years stop being provisional."""
    rows = list(rows)
    count = 0
    for row in rows:
        existing = session.get(HolidayOverride, row.day)
        if existing is None:
            session.add(HolidayOverride(day=row.day, is_workday=row.is_workday, note=row.note))
        else:
            existing.is_workday, existing.note = row.is_workday, row.note
        count += 1
    if complete:
        for year in sorted({r.day.year for r in rows}):
            if session.get(CalendarYear, year) is None:
                session.add(
                    CalendarYear(year=year, entered_at=now or datetime.now(UTC), note="导入")
                )
    session.flush()
    return count
