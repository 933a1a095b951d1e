"""The leaders table (`flask leaders import`) within bounds: a file, a part or a sheet
too big to be one is refused by name before openpyxl holds it."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from notifications import leaders
from notifications.leaders import LeaderFileError, read_rows
from workflow.importer.limits import ImportLimits


def _xlsx(rows: int) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["单位", "分管领导"])
    for i in range(rows):
        sheet.append([f"单位{i}", "张三"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_sheet_past_the_row_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(read_rows(_xlsx(5), "领导.xlsx")) == 5
    monkeypatch.setattr(leaders, "MAX_ROWS", 4)
    with pytest.raises(LeaderFileError, match=r"领导\.xlsx：超过 4 行的上限"):
        read_rows(_xlsx(5), "领导.xlsx")


def test_a_part_that_inflates_past_its_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as target:
        with zipfile.ZipFile(io.BytesIO(_xlsx(1))) as source:
            for member in source.infolist():
                target.writestr(member, source.read(member))
        target.writestr("docProps/padding.xml", b" " * (2 * 1024 * 1024))
    monkeypatch.setattr(leaders, "_LIMITS", ImportLimits(max_part_bytes=1024 * 1024))
    with pytest.raises(LeaderFileError, match=r"「docProps/padding\.xml」解压后超过 1 MB"):
        read_rows(data.getvalue(), "领导.xlsx")


def test_a_file_past_the_size_cap_is_refused() -> None:
    with pytest.raises(LeaderFileError, match=r"领导\.csv：文件超过 5 MB 的上限"):
        read_rows(b"x" * (leaders.MAX_BYTES + 1), "领导.csv")
