"""The one exception of the importer: a file it refuses as a whole."""

from __future__ import annotations


class ImportFileError(Exception):
    """The file cannot be imported; nothing was written. str() is a Chinese message
    naming the file and, where known, the table (or sheet) and the row."""

    def __init__(
        self, filename: str, message: str, *, table: str | None = None, row: int | None = None
    ) -> None:
        self.filename = filename
        self.message = message
        self.table = table
        self.row = row
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"文件「{self.filename}」"
        if self.table is not None:
            where += f"{self.table}"
        if self.row is not None:
            where += f"第{self.row}行"
        return f"{where}：{self.message}"
