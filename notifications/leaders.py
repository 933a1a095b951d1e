"""The unit → supervising leader table (seed 001: 区领导分管部门), imported from CSV or
xlsx with the header 单位,分管领导[,职务][,邮箱][,手机][,登录名].

All or nothing: every row is checked first; a bad file changes nothing and the error
names the file, the row and the field (in Chinese, for the office).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.accounts import find_unit
from workflow.importer.errors import ImportFileError
from workflow.importer.limits import MB, Budget, ImportLimits, check_unpacked
from workflow.models import Leader, UnitLeader, User

HEADERS = {
    "单位": "unit",
    "分管领导": "leader",
    "职务": "title",
    "邮箱": "email",
    "手机": "mobile",
    "登录名": "login",
}
# A leaders table is a few hundred rows: anything much bigger is not one.
MAX_BYTES = 5 * MB
MAX_ROWS = 5000
MAX_COLUMNS = 50
_LIMITS = ImportLimits(max_part_bytes=MAX_BYTES, max_unpacked_bytes=2 * MAX_BYTES)
_MOBILE = re.compile(r"^\+?\d{6,15}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class LeaderFileError(ValueError):
    pass


@dataclass(frozen=True)
class LeaderRow:
    line: int
    unit: str
    leader: str
    title: str = ""
    email: str = ""
    mobile: str = ""
    login: str = ""


def read_rows(data: bytes, filename: str) -> list[LeaderRow]:
    if len(data) > MAX_BYTES:
        raise LeaderFileError(f"{filename}：文件超过 {MAX_BYTES // MB} MB 的上限，未导入")
    if filename.lower().endswith(".xlsx"):
        table = _xlsx(data, filename)
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("gb18030")  # Excel on Chinese Windows saves CSV as GBK
            except UnicodeDecodeError as exc:
                raise LeaderFileError(f"{filename}：无法识别文件编码（请存为 UTF-8 CSV）") from exc
        table = [list(r) for r in csv.reader(io.StringIO(text))]
    table = [r for r in table if any((c or "").strip() for c in r)]
    if not table:
        raise LeaderFileError(f"{filename}：文件为空")
    header = [(c or "").strip() for c in table[0]]
    unknown = [h for h in header if h and h not in HEADERS]
    if unknown:
        raise LeaderFileError(
            f"{filename} 第1行：不认识的列 {'、'.join(unknown)}（可用：{'、'.join(HEADERS)}）"
        )
    for needed in ("单位", "分管领导"):
        if needed not in header:
            raise LeaderFileError(f"{filename} 第1行：缺少“{needed}”列")
    rows = []
    for line, cells in enumerate(table[1:], start=2):
        values = {
            HEADERS[h]: (cells[i] if i < len(cells) else "").strip()
            for i, h in enumerate(header)
            if h
        }
        for field, label in (("unit", "单位"), ("leader", "分管领导")):
            if not values.get(field):
                raise LeaderFileError(f"{filename} 第{line}行：“{label}”为空")
        if values.get("email") and not _EMAIL.match(values["email"]):
            raise LeaderFileError(f"{filename} 第{line}行：“邮箱”格式不对：{values['email']}")
        mobile = re.sub(r"[\s-]", "", values.get("mobile", ""))
        if mobile and not _MOBILE.match(mobile):
            raise LeaderFileError(f"{filename} 第{line}行：“手机”格式不对：{values['mobile']}")
        values["mobile"] = mobile
        rows.append(LeaderRow(line=line, **values))
    return rows


def _xlsx(data: bytes, filename: str) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        # What the parts really inflate to, before openpyxl holds them (a zip bomb).
        check_unpacked(zipfile.ZipFile(io.BytesIO(data)), Budget(filename, _LIMITS))
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ImportFileError as exc:
        raise LeaderFileError(f"{filename}：{exc.message}") from exc
    except Exception as exc:  # openpyxl raises several kinds for a damaged file
        raise LeaderFileError(f"{filename}：不是有效的 xlsx 文件") from exc
    sheet = book.worksheets[0]
    # Bounded whatever the sheet's declared dimension says (read-only mode fills up to it).
    rows = sheet.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS, values_only=True)
    out = [["" if c is None else str(c) for c in row] for row in rows]
    book.close()
    if len(out) > MAX_ROWS:
        raise LeaderFileError(f"{filename}：超过 {MAX_ROWS} 行的上限，未导入")
    return out


def store(session: Session, rows: list[LeaderRow], filename: str) -> tuple[int, int]:
    """Replace the units' leaders by the file's; returns (leaders, units). Checks every
    row before writing anything."""
    resolved = []
    for row in rows:
        unit = find_unit(session, row.unit)
        if unit is None:
            raise LeaderFileError(f"{filename} 第{row.line}行：找不到单位“{row.unit}”")
        user_id = None
        if row.login:
            user_id = session.execute(select(User.id).where(User.login == row.login)).scalar()
            if user_id is None:
                raise LeaderFileError(f"{filename} 第{row.line}行：找不到登录名“{row.login}”")
        resolved.append((row, unit.id, user_id))
    seen: dict[int, str] = {}
    for row, unit_id, _ in resolved:
        if unit_id in seen and seen[unit_id] != row.leader:
            raise LeaderFileError(
                f"{filename} 第{row.line}行：单位“{row.unit}”已由“{seen[unit_id]}”分管，"
                f"不能再指定“{row.leader}”"
            )
        seen[unit_id] = row.leader
    leaders: dict[str, Leader] = {
        leader.name: leader for leader in session.execute(select(Leader)).scalars()
    }
    for row, unit_id, user_id in resolved:
        leader = leaders.get(row.leader)
        if leader is None:
            leader = Leader(name=row.leader, title=row.title)
            session.add(leader)
            leaders[row.leader] = leader
        leader.title = row.title or leader.title
        leader.email = row.email or leader.email
        leader.mobile = row.mobile or leader.mobile
        leader.user_id = user_id or leader.user_id
        session.flush()
        link = session.get(UnitLeader, unit_id)
        if link is None:
            session.add(UnitLeader(unit_id=unit_id, leader_id=leader.id))
        else:
            link.leader_id = leader.id
    session.flush()
    return len({r.leader for r, _, _ in resolved}), len(seen)


def import_file(session: Session, path: Path) -> tuple[int, int]:
    with path.open("rb") as file:
        data = file.read(MAX_BYTES + 1)  # read_rows refuses a bigger one by name
    return store(session, read_rows(data, path.name), path.name)
