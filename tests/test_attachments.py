"""Attachments (issue 15, finding 12): content must be what the extension says, and the
file name is at most MAX_NAME_CHARS characters."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import docx
import openpyxl
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow import services
from workflow.attachments import (
    ALLOWED_EXTENSIONS,
    MAX_NAME_CHARS,
    AttachmentRefused,
    check_attachment,
)
from workflow.errors import ValidationFailed
from workflow.models import Attachment, Blob, Item
from workflow.storage import BlobStore

from .factories import World, new_item

# A small, complete PDF (one empty page), as a PDF writer leaves it.
SMALL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


def small_docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("起草说明")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def small_xlsx() -> bytes:
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("正文.pdf", SMALL_PDF),
        ("起草说明.docx", small_docx()),
        ("统计表.XLSX", small_xlsx()),  # the extension in capitals
        ("旧版.doc", OLE),
        ("旧版.xls", OLE),
        ("旧版.ppt", OLE),
        ("文字.wps", OLE),
        ("文字.wps", small_docx()),
        ("表格.et", OLE),
        ("版式.ofd", b"PK\x03\x04" + b"\x00" * 26),
        ("照片.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF"),
        ("照片.jpeg", b"\xff\xd8\xff\xe1"),
        ("截图.png", PNG),
        ("动图.gif", b"GIF89a\x01\x00"),
        ("材料.zip", b"PK\x03\x04" + b"\x00" * 26),
        ("空包.zip", b"PK\x05\x06" + b"\x00" * 18),
        ("材料.rar", b"Rar!\x1a\x07\x01\x00"),
        ("材料.7z", b"7z\xbc\xaf\x27\x1c\x00\x04"),
        ("说明.txt", "一、招生范围\n二、报名时间".encode()),
        ("说明.txt", "\ufeff带 BOM 的文本".encode()),
        ("名单.csv", "单位,姓名\n区教育局,张三\n".encode("gb18030")),
        ("名" * (MAX_NAME_CHARS - 4) + ".pdf", SMALL_PDF),  # exactly the longest name
    ],
)
def test_files_of_each_allowed_type_are_accepted(name: str, data: bytes) -> None:
    check_attachment(name, data)


def test_every_allowed_type_has_a_check() -> None:
    assert {
        "pdf", "doc", "docx", "wps", "xls", "xlsx", "et", "ppt", "pptx", "ofd", "txt",
        "csv", "jpg", "jpeg", "png", "gif", "zip", "rar", "7z",
    } == ALLOWED_EXTENSIONS  # fmt: skip


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("年度报告.pdf", PROGRAM, "文件“年度报告.pdf”的内容不是PDF文件，与扩展名 .pdf 不符"),
        ("起草说明.docx", PROGRAM, "文件“起草说明.docx”的内容不是Word文件"),
        ("起草说明.docx", SMALL_PDF, "文件“起草说明.docx”的内容不是Word文件"),
        ("旧版.doc", small_docx(), "文件“旧版.doc”的内容不是Word文件"),
        ("照片.jpg", PNG, "文件“照片.jpg”的内容不是JPEG 图片文件"),
        ("setup.zip", PROGRAM, "文件“setup.zip”的内容不是ZIP 压缩包文件"),
        ("说明.txt", PROGRAM, "文件“说明.txt”不是 UTF-8 或 GB18030 编码的纯文本"),
        ("说明.txt", "UTF-16 文本".encode("utf-16"), "文件“说明.txt”不是 UTF-8 或 GB18030"),
        ("名单.csv", b"\xff\xfe\xfd", "文件“名单.csv”不是 UTF-8 或 GB18030"),
        ("setup.exe", PROGRAM, "不允许上传此类文件：setup.exe。允许的类型："),
        ("没有扩展名", SMALL_PDF, "不允许上传此类文件：没有扩展名。"),
        ("空.pdf", b"", "文件是空的：空.pdf"),
    ],
)
def test_content_that_is_not_what_the_name_says_is_refused(
    name: str, data: bytes, says: str
) -> None:
    with pytest.raises(AttachmentRefused) as refused:
        check_attachment(name, data)
    assert says in str(refused.value)
    assert refused.value.filename == name
    assert isinstance(refused.value, ValidationFailed)  # a 422 wherever it surfaces


def test_a_300_character_name_is_refused_naming_the_file() -> None:
    name = "关于印发" + "某" * 292 + "的通知.pdf"
    assert len(name) == 303
    with pytest.raises(AttachmentRefused) as refused:
        check_attachment(name, SMALL_PDF)
    message = str(refused.value)
    assert message.startswith("文件名过长：“关于印发某某某")
    assert "….pdf”共303个字符，最多100个" in message
    assert "请改短文件名" in message


# --------------------------------------------------------------------------- the service


def _attach(
    session: Session,
    world: World,
    item: Item,
    store: BlobStore,
    name: str,
    data: bytes,
    now: datetime,
) -> Attachment:
    return services.add_attachment(
        session,
        actor=world.drafter,
        item_id=item.id,
        expected_version=item.version,
        store=store,
        data=data,
        filename=name,
        attachment_type="main",
        now=now,
    ).value


def test_the_service_refuses_a_program_named_pdf_and_writes_nothing(
    session: Session, world: World, now: datetime, blob_root: Path
) -> None:
    item = new_item(session, world, now)
    version = item.version
    store = BlobStore(blob_root)
    with pytest.raises(AttachmentRefused, match=r"文件“年度报告\.pdf”的内容不是PDF文件"):
        _attach(session, world, item, store, "年度报告.pdf", PROGRAM, now)
    assert session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert session.scalar(select(func.count()).select_from(Blob)) == 0
    assert not blob_root.exists() or not any(blob_root.rglob("*"))  # nothing stored
    session.refresh(item)
    assert item.version == version
    with pytest.raises(AttachmentRefused, match="文件名过长"):
        _attach(session, world, item, store, "长" * 300 + ".pdf", SMALL_PDF, now)


def test_the_service_accepts_a_real_pdf_and_docx(
    session: Session, world: World, now: datetime, blob_root: Path
) -> None:
    item = new_item(session, world, now)
    store = BlobStore(blob_root)
    pdf = _attach(session, world, item, store, "正文.pdf", SMALL_PDF, now)
    session.refresh(item)
    note = _attach(session, world, item, store, "起草说明.docx", small_docx(), now)
    assert (pdf.filename, note.filename) == ("正文.pdf", "起草说明.docx")
    assert store.get(pdf.blob_sha256) == SMALL_PDF
