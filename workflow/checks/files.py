"""What an attached file opens to: whether it opens at all (a .docx/.xlsx that unzips and
parses, a .pdf pypdf reads), whether it is empty, its text (.docx and .xlsx, for the
word lists) and the links it holds (.docx hyperlinks).

Read once per content (`BlobCheck`, keyed by the blob's SHA-256) and bounded like the
importer (`workflow.importer.limits`): a zip bomb or a huge sheet is reported as too
large, never read whole.
"""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass, field
from typing import Final

from workflow.attachments import ALLOWED_EXTENSIONS, extension
from workflow.importer.errors import ImportFileError
from workflow.importer.limits import MB, Budget, ImportLimits, check_entries, check_unpacked

log = logging.getLogger(__name__)

# Problems (labels in web/labels.py).
EMPTY: Final = "empty"
CORRUPT: Final = "corrupt"
BAD_TYPE: Final = "bad_type"
TOO_LARGE: Final = "too_large"
PROBLEMS: Final = (EMPTY, CORRUPT, BAD_TYPE, TOO_LARGE)

MAX_TEXT: Final = 200_000  # characters of a file's text kept for the word lists
MAX_LINKS: Final = 200
LIMITS: Final = ImportLimits(
    max_part_bytes=50 * MB, max_unpacked_bytes=100 * MB, max_rows=50_000, seconds=20.0
)
MAX_PDF_PAGES: Final = 2000


@dataclass(frozen=True)
class FileFacts:
    problem: str | None = None
    text: str = ""
    # (url, visible text) of each hyperlink
    links: list[tuple[str, str]] = field(default_factory=list)


def _zip_ok(data: bytes, filename: str) -> None:
    budget = Budget(filename, LIMITS)
    check_entries(data, budget)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        check_unpacked(archive, budget)


def _docx(data: bytes) -> FileFacts:
    import docx

    document = docx.Document(io.BytesIO(data))
    parts: list[str] = []
    links: list[tuple[str, str]] = []
    size = 0
    for paragraph in document.paragraphs:
        parts.append(paragraph.text)
        size += len(paragraph.text)
        for hyperlink in paragraph.hyperlinks:
            if hyperlink.address and len(links) < MAX_LINKS:
                links.append((hyperlink.address, hyperlink.text))
        if size > MAX_TEXT:
            break
    for table in document.tables:
        if size > MAX_TEXT:
            break
        for row in table.rows:
            for cell in row.cells:
                parts.append(cell.text)
                size += len(cell.text)
    text = "\n".join(p for p in parts if p)[:MAX_TEXT]
    if not text.strip() and not links:
        return FileFacts(EMPTY)
    return FileFacts(None, text, links)


def _xlsx(data: bytes) -> FileFacts:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    parts: list[str] = []
    size = 0
    try:
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows(values_only=True, max_row=LIMITS.max_rows):
                cells = [str(v) for v in row if v is not None and str(v).strip()]
                if cells:
                    line = "\t".join(cells)
                    parts.append(line)
                    size += len(line)
                if size > MAX_TEXT:
                    break
    finally:
        workbook.close()
    text = "\n".join(parts)[:MAX_TEXT]
    return FileFacts(None if text.strip() else EMPTY, text)


def _pdf(data: bytes) -> FileFacts:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    pages = len(reader.pages)
    if pages == 0:
        return FileFacts(EMPTY)
    if pages > MAX_PDF_PAGES:
        return FileFacts(TOO_LARGE)
    reader.pages[0]  # parse the first page: a broken page tree fails here
    return FileFacts(None)


def read(filename: str, data: bytes) -> FileFacts:
    """The facts of one file; never raises for a bad file (that is what it reports)."""
    ext = extension(filename)
    if ext not in ALLOWED_EXTENSIONS:
        return FileFacts(BAD_TYPE)
    if not data:
        return FileFacts(EMPTY)
    try:
        if ext in ("docx", "xlsx"):
            _zip_ok(data, filename)
            return _docx(data) if ext == "docx" else _xlsx(data)
        if ext == "pdf":
            return _pdf(data)
    except ImportFileError:
        return FileFacts(TOO_LARGE)
    except Exception as exc:  # any parser failure means "does not open"
        log.info("attachment %s does not open: %s", filename, exc)
        return FileFacts(CORRUPT)
    return FileFacts(None)
