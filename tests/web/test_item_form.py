"""The item form through Flask's test client (issue 16): the 办事指南 elements only where
the kind exists, with help that says what this column asks; one label per attachment
field; a returned item's edit form with the 退回意见 and the body for the editor; a
.docx as 正文 (good and bad) and pasted images as attachments, nothing typed lost."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import docx
from flask import Flask
from sqlalchemy import select

from workflow import services
from workflow.models import Attachment, Item, Revision, Unit

from ..factories import make_column
from ..services import act
from .support import Portal, login, page_token, user_of

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
    b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81"
    b"\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def _session(app: Flask) -> Any:
    return app.extensions["sanshen.sessions"]()


def _column(app: Flask, portal: Portal, name: str, prerequisites: dict[str, Any]) -> int:
    with app.app_context():
        session = _session(app)
        unit = session.get(Unit, user_of(session, portal, "drafter").unit_id)
        column = make_column(session, [unit], name=name, prerequisites=prerequisites)
        session.commit()
        column_id = int(column.id)
        session.close()
    return column_id


def _guide(html: str) -> str:
    match = re.search(r'<fieldset class="guide".*?</fieldset>', html, re.DOTALL)
    return match.group(0) if match else ""


def test_the_guide_elements_follow_the_column(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["drafter"])
    required = _column(app, portal, "办事指南A", {"service_guide_elements": True})
    optional = _column(app, portal, "办事指南B", {})
    none = _column(app, portal, "动态C", {"forbidden_kinds": ["service_guide"]})
    html = client.get(f"/columns/{required}/new").get_data(as_text=True)
    assert "本栏目要求八项要素齐全方可提交。" in _guide(html) and "事项名称" in _guide(html)
    assert "八项要素须齐全方可提交" not in html  # the old, untrue promise
    html = client.get(f"/columns/{optional}/new").get_data(as_text=True)
    assert "本栏目不强制要求八项要素齐全" in _guide(html)
    html = client.get(f"/columns/{none}/new").get_data(as_text=True)
    assert _guide(html) == "" and "办事指南要素" not in html


def test_each_attachment_field_has_one_label(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["drafter"])
    html = client.get(f"/columns/{portal.column.id}/new").get_data(as_text=True)
    assert "附件一" not in html and "<legend>附件1</legend>" not in html
    assert '<label for="file_1">附件1</label>' in html
    assert re.search(
        r'<label for="type_1"[^>]*><span class="visually-hidden">附件1</span>类型', html
    )


def _returned(app: Flask, portal: Portal, title: str) -> int:
    with app.app_context():
        session = _session(app)
        drafter = user_of(session, portal, "drafter")
        deputy = user_of(session, portal, "deputy")
        when = datetime(2026, 12, 2, 1, 30, tzinfo=UTC)
        item = services.create_item(
            session,
            actor=drafter,
            column_id=portal.column.id,
            kind="article",
            title=title,
            body="<p>第一段</p><p>第二段</p>",
            now=when,
        ).value
        act(session, "submit", item, by=drafter, now=when)
        session.flush()
        session.refresh(item)
        act(session, "reject", item, by=deputy, now=when + timedelta(hours=1), comment="标题太长")
        session.commit()
        item_id = int(item.id)
        session.close()
    return item_id


def test_a_returned_items_form_shows_the_return_comment(app: Flask, portal: Portal) -> None:
    item_id = _returned(app, portal, "被退回的稿件")
    client = login(app, portal.logins["drafter"])
    html = client.get(f"/items/{item_id}/edit").get_data(as_text=True)
    note = re.search(r'<div class="returned" role="note" id="return-comment">(.*?)</div>', html)
    assert note, html[:3000]
    assert "李建国" in note.group(1) and "初审" in note.group(1) and "标题太长" in note.group(1)
    assert "2026年12月2日" in note.group(1)
    # The body goes to the textarea the editor reads (escaped there, never shown as tags).
    assert "&lt;p&gt;第一段&lt;/p&gt;" in html
    assert 'src="/static/vendor/tiptap/tiptap.min.js"' in html
    assert 'src="/static/editor.js"' in html


def _docx(*paragraphs: str, table: bool = False, picture: bool = False) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=1, cols=2)
        grid.cell(0, 0).text, grid.cell(0, 1).text = "事项", "时间"
    if picture:
        document.add_picture(io.BytesIO(PNG))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _stored(app: Flask, title: str) -> tuple[str, list[tuple[str, str]]]:
    with app.app_context():
        session = _session(app)
        item = session.execute(select(Item).where(Item.title == title)).scalar_one()
        rev = session.execute(
            select(Revision).where(
                Revision.item_id == item.id, Revision.number == item.current_revision_no
            )
        ).scalar_one()
        files = session.execute(
            select(Attachment.filename, Attachment.type).where(Attachment.revision_id == rev.id)
        ).all()
        session.close()
    return rev.body, sorted((name, kind) for name, kind in files)


def test_a_docx_body_and_pasted_images_are_saved(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["drafter"])
    path = f"/columns/{portal.column.id}/new"
    _, token = page_token(client, path)
    data = {
        "csrf_token": token,
        "title": "从Word导入的通知",
        "kind": "article",
        "body": "<p>手写的开头</p>",
        "body_file": (io.BytesIO(_docx("导入的段落", table=True, picture=True)), "通知.docx"),
        "pasted_images": [(io.BytesIO(PNG), "粘贴图片-1.png"), (io.BytesIO(PNG), "粘贴图片-2.png")],
    }
    response = client.post(path, data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "其中的 1 张图片已作为附件上传" in html
    body, files = _stored(app, "从Word导入的通知")
    assert body.startswith("<p>手写的开头</p><p>导入的段落</p><table>"), body
    assert "<td><p>事项</p></td>" in body
    assert files == [
        ("粘贴图片-1.png", "other"),
        ("粘贴图片-2.png", "other"),
        ("通知-图1.png", "other"),
    ]


def test_a_bad_docx_is_refused_naming_it_and_keeping_the_form(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["drafter"])
    path = f"/columns/{portal.column.id}/new"
    for name, content, words in (
        ("坏文件.docx", b"PK\x03\x04broken", "文件已损坏"),
        ("旧格式.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "另存为 .docx"),
        ("空白.docx", _docx(), "没有正文内容"),
        ("很大.docx", b"PK\x03\x04" + b"\x00" * (70 * 1024), "的上限"),
    ):
        _, token = page_token(client, path)
        data = {
            "csrf_token": token,
            "title": "保留的标题",
            "kind": "article",
            "body": "保留的正文",
            "body_file": (io.BytesIO(content), name),
        }
        response = client.post(path, data=data)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, (name, html[:2000])
        assert f"文件「{name}」" in html and words in html, (name, words)
        assert 'value="保留的标题"' in html and "保留的正文" in html
    with app.app_context():
        session = _session(app)
        assert session.execute(select(Item).where(Item.title == "保留的标题")).first() is None
        session.close()


def test_a_pasted_file_that_is_not_an_image_of_its_kind_is_refused(
    app: Flask, portal: Portal
) -> None:
    client = login(app, portal.logins["drafter"])
    path = f"/columns/{portal.column.id}/new"
    _, token = page_token(client, path)
    data = {
        "csrf_token": token,
        "title": "伪装的图片",
        "kind": "article",
        "body": "正文",
        "pasted_images": [(io.BytesIO(b"MZ\x90\x00program"), "粘贴图片-1.png")],
    }
    response = client.post(path, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "粘贴图片-1.png" in html and "伪装的图片" in html


def test_the_editor_speaks_english_with_its_placeholders_intact(app: Flask, portal: Portal) -> None:
    from html.parser import HTMLParser

    client = login(app, portal.logins["drafter2"])
    _, token = page_token(client, "/columns")
    client.post("/language", data={"locale": "en", "csrf_token": token, "next": "/columns"})
    html = client.get(f"/columns/{portal.column.id}/new").get_data(as_text=True)
    assert "Insert table" in html and "Import from a Word file" in html

    found: dict[str, str | None] = {}

    class Box(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "div" and any(name == "data-editor" for name, _v in attrs):
                found.update(attrs)

    Box().feed(html)
    # The messages the script fills in keep their placeholder (a quote in a translation
    # would end the attribute early).
    for name in ("data-images-added", "data-images-missing", "data-images-refused"):
        assert "%(n)s" in (found.get(name) or ""), (name, found.get(name))
