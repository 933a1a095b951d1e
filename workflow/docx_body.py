"""An item's body from a Word file (.docx): its paragraphs, headings, bold and italic,
lists, tables and links as HTML (mammoth), and its pictures as files for attachments.

The file is read within the importer's limits (workflow/importer/limits.py): the zip's
parts are counted and inflated once through the bounded reader before mammoth parses
anything, so a zip bomb or a huge document is refused with a message instead of taking
the server's memory. Every refusal is an ImportFileError whose text is a Chinese sentence
naming the file. The HTML is not yet cleaned: the caller cleans it like any body
(web/sanitize.py). Pictures are checked like attachments (workflow/attachments.py); one
of a type attachments do not take (EMF/WMF drawings, say) is counted as dropped, so the
caller can say so.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import mammoth

from workflow.attachments import AttachmentRefused, check_attachment
from workflow.importer.errors import ImportFileError
from workflow.importer.limits import (
    DEFAULT_LIMITS,
    Budget,
    ImportLimits,
    check_entries,
    check_unpacked,
)

MB = 1024 * 1024
MAX_BYTES = 20 * MB  # the .docx itself (the attachment limit of the form applies too)
MAX_IMAGES = 30  # pictures taken as attachments; more are dropped with a notice
MAX_BODY_CHARS = 1_000_000  # the body form field's own limit
# The importer's caps (workflow/importer/limits.py) bound the bytes; mammoth parses the
# whole XML into memory and works through it slowly (about 0.1–0.25 ms per element on
# the bench machine), so the Word parts may hold at most MAX_ELEMENTS elements in all: a
# 300-paragraph notice with a 200-row table has about 9,000 (bench/docx_body.py).
BODY_LIMITS = DEFAULT_LIMITS
MAX_ELEMENTS = 100_000
# The parts mammoth parses (an empty document's styles.xml alone has about 9,000).
PARSED = frozenset(
    f"word/{name}.xml"
    for name in ("document", "styles", "numbering", "footnotes", "endnotes", "comments")
)

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    ValueError,
    KeyError,  # a part the document names is missing
    RuntimeError,  # an encrypted part
    NotImplementedError,
    OSError,
)
# Word's headings 1–3 are the body's h2–h4 (the page's own h1 is the item's title).
_HEADING = re.compile(r"<(/?)h([1-6])>")
_MEDIA_EXT = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif"}


@dataclass(frozen=True)
class BodyImage:
    filename: str
    data: bytes
    media_type: str


@dataclass
class DocxBody:
    html: str
    images: list[BodyImage] = field(default_factory=list)
    dropped_images: int = 0


def _size(size: int) -> str:
    if size < MB:
        return f"{size / 1024:.0f} KB"
    return f"{size / MB:.1f}".rstrip("0").rstrip(".") + " MB"


def _refuse(filename: str, message: str) -> ImportFileError:
    return ImportFileError(filename, message)


def _check_container(
    filename: str, data: bytes, max_bytes: int, max_elements: int, limits: ImportLimits
) -> None:
    suffix = PurePath(filename).suffix.lower()
    if suffix in (".doc", ".wps"):
        raise _refuse(
            filename, f"不支持旧版 {suffix} 格式：请在 Word 或 WPS 中另存为 .docx 后再导入正文"
        )
    if suffix != ".docx":
        raise _refuse(filename, "只能从 Word 文档（.docx）导入正文")
    if not data:
        raise _refuse(filename, "文件是空的")
    if len(data) > max_bytes:
        raise _refuse(
            filename,
            f"文件超过 {_size(max_bytes)} 的上限，未导入；请把图片等大块内容作为附件另行上传",
        )
    if data.startswith(_OLE_MAGIC):
        raise _refuse(
            filename,
            "文件受密码保护（已加密），或是旧版 .doc 格式：请去掉密码或另存为 .docx 后再导入",
        )
    if not data.startswith(_ZIP_MAGIC):
        raise _refuse(filename, "文件内容不是 Word 文档（与扩展名 .docx 不符），可能已损坏")
    budget = Budget(filename, limits)
    try:
        check_entries(data, budget)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = {m.filename for m in archive.infolist()}
            check_unpacked(archive, budget)  # before any parser: a zip bomb
            if "word/document.xml" not in names:
                raise _refuse(filename, "文件内容不是 Word 文档（缺少正文部分），可能已损坏")
            elements = sum(archive.read(name).count(b"<w:") for name in names & PARSED)
    except ImportFileError:
        raise
    except _DAMAGED as exc:
        raise _refuse(filename, "文件已损坏，无法打开") from exc
    if elements > max_elements:
        raise _refuse(
            filename,
            f"文件内容过于繁杂（超过 {max_elements} 个 Word 排版元素），未导入；"
            "请把长篇材料作为附件上传，或分几次导入",
        )


class _Pictures:
    """mammoth's image converter: keeps acceptable pictures as files, writes no <img>."""

    def __init__(self, filename: str, max_bytes: int) -> None:
        self.stem = PurePath(filename).stem[:40] or "正文"
        self.max_bytes = max_bytes
        self.images: list[BodyImage] = []
        self.dropped = 0

    def __call__(self, image: Any) -> list[Any]:
        media = str(image.content_type or "").lower()
        ext = _MEDIA_EXT.get(media)
        if ext is None or len(self.images) >= MAX_IMAGES:
            self.dropped += 1
            return []
        with image.open() as stream:
            data = stream.read(self.max_bytes + 1)
        name = f"{self.stem}-图{len(self.images) + 1}.{ext}"
        try:
            if len(data) > self.max_bytes:
                raise AttachmentRefused("too large", name)
            check_attachment(name, data)
        except AttachmentRefused:
            self.dropped += 1
            return []
        self.images.append(BodyImage(name, data, media))
        return []


def docx_body(
    filename: str,
    data: bytes,
    *,
    max_bytes: int = MAX_BYTES,
    max_image_bytes: int = 20 * MB,
    max_elements: int = MAX_ELEMENTS,
    limits: ImportLimits = BODY_LIMITS,
) -> DocxBody:
    """The body of a .docx as HTML (not yet cleaned) with its pictures; ImportFileError
    naming the file when it is not a readable Word document, is empty, or goes past a
    limit."""
    _check_container(filename, data, max_bytes, max_elements, limits)
    pictures = _Pictures(filename, max_image_bytes)
    try:
        result = mammoth.convert_to_html(io.BytesIO(data), convert_image=pictures)
    except _DAMAGED as exc:
        raise _refuse(filename, "文件已损坏，无法读取其中的正文") from exc
    except Exception as exc:  # mammoth's own parse errors (malformed XML) have no base
        raise _refuse(filename, "文件内容有误，无法读取其中的正文") from exc
    html = _HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 1, 4)}>", result.value)
    if len(html) > MAX_BODY_CHARS:
        raise _refuse(
            filename,
            f"正文过长（超过 {MAX_BODY_CHARS} 字符），未导入；请删减，或把长篇材料作为附件上传",
        )
    if not re.sub(r"<[^>]*>|&nbsp;|\s", "", html):
        if pictures.images or pictures.dropped:
            raise _refuse(filename, "文件中只有图片，没有文字，未导入正文；请把图片作为附件上传")
        raise _refuse(filename, "文件中没有正文内容")
    return DocxBody(html=html, images=pictures.images, dropped_images=pictures.dropped)
