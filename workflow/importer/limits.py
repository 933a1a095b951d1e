"""How much an imported file may make the server do: bytes unpacked, rows, cells,
characters and seconds.

A .docx or .xlsx is a zip of XML, and the sizes a zip's directory declares are whatever
its writer put there: a 150 KB file can inflate to 100 MB of XML, and an XML parser holds
ten times that in memory. So every part is inflated once through a counting reader that
stops at the cap, before any parser sees it; the readers then count rows, cells and
characters as they go and check a wall-clock budget, so a file that is merely huge (no
bad intent: tables come from other offices) is refused with a message instead of taking
the server's memory or its database lock for minutes.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from workflow.importer.errors import ImportFileError

MB = 1024 * 1024


@dataclass(frozen=True)
class ImportLimits:
    """Caps per imported file (the responsibility tables are a few hundred rows)."""

    max_part_bytes: int = 20 * MB  # one XML part, inflated
    max_unpacked_bytes: int = 50 * MB  # all parts together, inflated
    max_members: int = 2000  # parts in the zip (a workbook of many sheets has ~100)
    max_rows: int = 20_000  # per table
    max_columns: int = 200  # per row
    max_cells: int = 1_000_000  # per file, blank cells included
    max_chars: int = 10_000_000  # per file
    seconds: float = 20.0  # wall clock, reading only


DEFAULT_LIMITS = ImportLimits()
_CHUNK = 256 * 1024


def _mb(size: int) -> str:
    return f"{size / MB:.0f} MB" if size >= MB else f"{size / 1024:.0f} KB"


class Budget:
    """What one read of one file has used so far; raises ImportFileError past a cap."""

    def __init__(
        self,
        filename: str,
        limits: ImportLimits = DEFAULT_LIMITS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.filename = filename
        self.limits = limits
        self._clock = clock
        self._deadline = clock() + limits.seconds
        self.cells = 0
        self.chars = 0

    def refuse(
        self, message: str, table: str | None = None, row: int | None = None
    ) -> ImportFileError:
        return ImportFileError(self.filename, message, table=table, row=row)

    def tick(self) -> None:
        """Called between chunks and rows: a read may take so long, no longer."""
        if self._clock() > self._deadline:
            raise self.refuse(
                f"读取超过 {self.limits.seconds:g} 秒仍未完成（表格过大或过于复杂），未导入；"
                "请删去多余的行、列或工作表后再试"
            )

    def row(self, table: str, rows: int, width: int, chars: int) -> None:
        """Count a row of `width` cells holding `chars` characters; `rows`: the table's
        rows so far, this one included."""
        limits = self.limits
        if rows > limits.max_rows:
            raise self.refuse(
                f"超过 {limits.max_rows} 行的上限，未导入（栏目保障责任表通常只有几百行）", table
            )
        if width > limits.max_columns:
            raise self.refuse(f"第{rows}行超过 {limits.max_columns} 列的上限，未导入", table)
        self.cells += width
        self.chars += chars
        if self.cells > limits.max_cells:
            raise self.refuse(f"单元格超过 {limits.max_cells} 个的上限，未导入", table)
        if self.chars > limits.max_chars:
            raise self.refuse(f"文字超过 {limits.max_chars} 字的上限，未导入", table)
        if rows % 256 == 0:
            self.tick()


def deadline(
    filename: str, seconds: float, clock: Callable[[], float] = time.monotonic
) -> Callable[[int, int], None]:
    """A progress callback for plan_import that refuses the file once the whole dry run
    (reading, then comparing with the database) has taken `seconds`: the reader's own
    budget covers only the reading."""
    end = clock() + seconds

    def check(done: int, total: int) -> None:
        if clock() > end:
            raise ImportFileError(
                filename,
                f"处理超过 {seconds:g} 秒仍未完成（表格过大），未导入；请拆分为几个文件后再试",
            )

    return check


def check_entries(data: bytes, budget: Budget) -> None:
    """Refuse a zip of more parts than the cap before zipfile reads its directory (a
    50 MB zip can list 600,000 empty parts: hundreds of MB of ZipInfo objects). The
    count is the end-of-directory record's; 0xFFFF means more, in a ZIP64 record."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or len(data) < end + 12:
        return  # not a zip: zipfile says so
    entries = int.from_bytes(data[end + 10 : end + 12], "little")
    if entries > budget.limits.max_members:
        shown = "超过 65535" if entries == 0xFFFF else str(entries)
        raise budget.refuse(
            f"压缩包内有 {shown} 个部件，超过 {budget.limits.max_members} 的上限，未导入"
        )


def check_unpacked(archive: zipfile.ZipFile, budget: Budget) -> None:
    """Inflate every part once, counting the bytes that come out (never the sizes the
    zip declares), and refuse the file at the first part or total over its cap."""
    limits = budget.limits
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise budget.refuse(
            f"压缩包内有 {len(members)} 个部件，超过 {limits.max_members} 的上限，未导入"
        )
    total = 0
    for member in members:
        part = 0
        with archive.open(member) as stream:
            while chunk := stream.read(_CHUNK):
                part += len(chunk)
                total += len(chunk)
                if part > limits.max_part_bytes:
                    raise budget.refuse(
                        f"其中的「{member.filename}」解压后超过 {_mb(limits.max_part_bytes)} "
                        "的上限（表格过大，或文件异常），未导入"
                    )
                if total > limits.max_unpacked_bytes:
                    raise budget.refuse(
                        f"文件解压后超过 {_mb(limits.max_unpacked_bytes)} 的上限，未导入"
                    )
                budget.tick()
