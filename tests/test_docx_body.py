"""An item body from a .docx (workflow/docx_body.py): real Word files made with
python-docx; damaged, empty, old-format and oversize ones refused with a message that
names the file; the importer's bounded reading stops a zip bomb."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import docx
import pytest

from web.sanitize import clean_body
from workflow.docx_body import DocxBody, docx_body
from workflow.importer.errors import ImportFileError
from workflow.importer.limits import ImportLimits


def _png() -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"\x00\xff\xff\xff"
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _save(document: object) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)  # type: ignore[attr-defined]
    return buffer.getvalue()


def _notice(picture: bool = False) -> bytes:
    document = docx.Document()
    document.add_heading("关于开展冬季消防检查的通知", level=1)
    document.add_heading("一、检查范围", level=2)
    para = document.add_paragraph("各街道办事处：")
    para.add_run("请于12月20日前").bold = True
    para.add_run("完成自查。").italic = True
    document.add_paragraph("人员密集场所", style="List Bullet")
    document.add_paragraph("老旧小区", style="List Bullet")
    document.add_paragraph("第一步：自查", style="List Number")
    if picture:
        stream = io.BytesIO(_png())
        document.add_picture(stream)
    return _save(document)


def test_a_notice_keeps_its_headings_marks_and_lists() -> None:
    body = docx_body("消防检查.docx", _notice())
    assert isinstance(body, DocxBody)
    html = body.html
    assert "<h2>关于开展冬季消防检查的通知</h2>" in html  # Word's heading 1: the body's top
    assert "<h3>一、检查范围</h3>" in html
    assert "<strong>请于12月20日前</strong>" in html and "<em>完成自查。</em>" in html
    assert "<ul><li>人员密集场所</li><li>老旧小区</li></ul>" in html
    assert "<ol><li>第一步：自查</li></ol>" in html
    assert body.images == [] and body.dropped_images == 0
    # It passes the body's own cleaning unchanged in substance (nothing lost).
    assert "人员密集场所" in clean_body(html, strict=True)


def test_a_table_is_kept_as_a_table() -> None:
    document = docx.Document()
    document.add_paragraph("检查安排如下：")
    table = document.add_table(rows=3, cols=3)
    cells = [
        ["街道", "时间", "负责人"],
        ["城关街道", "12月10日", "王强"],
        ["东城街道", "12月12日", "李红"],
    ]
    for r, row in enumerate(cells):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    a, b = table.cell(2, 1), table.cell(2, 2)
    a.merge(b)  # a merged cell: colspan
    html = clean_body(docx_body("安排表.docx", _save(document)).html, strict=True)
    assert html.count("<tr>") == 3
    assert "<td><p>城关街道</p></td>" in html
    assert 'colspan="2"' in html
    assert "style" not in html and "class" not in html


def test_pictures_become_files_and_the_rest_are_counted() -> None:
    body = docx_body("消防检查.docx", _notice(picture=True))
    assert [(i.filename, i.media_type) for i in body.images] == [("消防检查-图1.png", "image/png")]
    assert body.images[0].data.startswith(b"\x89PNG")
    assert "<img" not in body.html
    # A picture over the attachment limit is dropped and counted, not taken.
    small = docx_body("消防检查.docx", _notice(picture=True), max_image_bytes=10)
    assert small.images == [] and small.dropped_images == 1


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("损坏.docx", b"PK\x03\x04" + b"\x00" * 300, "已损坏"),
        ("假的.docx", b"%PDF-1.4 not a word file", "不是 Word 文档"),
        ("旧版.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "另存为 .docx"),
        ("加密.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "密码保护"),
        ("空.docx", b"", "文件是空的"),
        ("表格.xlsx", b"PK\x03\x04", "只能从 Word 文档"),
    ],
)
def test_bad_files_are_refused_naming_the_file(name: str, data: bytes, words: str) -> None:
    with pytest.raises(ImportFileError) as refused:
        docx_body(name, data)
    assert f"文件「{name}」" in str(refused.value) and words in str(refused.value)


def test_a_zip_that_is_not_a_word_document() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(ImportFileError, match="缺少正文部分"):
        docx_body("伪装.docx", buffer.getvalue())


def test_a_document_without_text_is_refused() -> None:
    with pytest.raises(ImportFileError, match="没有正文内容"):
        docx_body("空白.docx", _save(docx.Document()))
    document = docx.Document()
    document.add_picture(io.BytesIO(_png()))
    with pytest.raises(ImportFileError, match="只有图片"):
        docx_body("只有图.docx", _save(document))


def test_oversize_files_and_zip_bombs_are_refused() -> None:
    data = _notice()
    with pytest.raises(ImportFileError, match="超过 10 KB 的上限"):
        docx_body("大文件.docx", data, max_bytes=10 * 1024)
    # The bounded reader inflates each part before mammoth sees it: a part past the cap
    # (here a tiny one; the real cap is 20 MB) stops the read.
    with pytest.raises(ImportFileError, match="解压后超过"):
        docx_body("大文件.docx", data, limits=ImportLimits(max_part_bytes=1024))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:document>" + b" " * (30 * 1024 * 1024))
    assert len(bomb.getvalue()) < 100 * 1024
    with pytest.raises(ImportFileError, match="解压后超过"):
        docx_body("炸弹.docx", bomb.getvalue())


def test_a_document_of_too_many_elements_is_refused_before_mammoth() -> None:
    # mammoth parses slowly (bench/docx_body.py): the Word parts' elements are counted first.
    with pytest.raises(ImportFileError, match="过于繁杂（超过 50 个 Word 排版元素）"):
        docx_body("繁杂.docx", _notice(), max_elements=50)


def test_a_document_part_that_is_not_xml_is_refused() -> None:
    source = zipfile.ZipFile(io.BytesIO(_notice()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            content = source.read(member)
            if member.filename == "word/document.xml":
                content = content[: len(content) // 2]  # cut off mid-element
            target.writestr(member, content)
    with pytest.raises(ImportFileError) as refused:
        docx_body("截断.docx", out.getvalue())
    assert "文件「截断.docx」" in str(refused.value)
