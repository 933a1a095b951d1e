"""The item form refuses an attachment whose content is not what its extension says, or
whose name is too long, before anything is written, saying so in Chinese (issue 15,
finding 12)."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from sqlalchemy import select

from web.errors import workflow_message
from workflow.attachments import AttachmentRefused
from workflow.models import Item

from .support import Portal, login, page_token

PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48


@pytest.mark.parametrize(
    ("title", "filename", "data", "says"),
    [
        (
            "带伪装附件的稿件",
            "年度报告.pdf",
            PROGRAM,
            "文件“年度报告.pdf”的内容不是PDF文件，与扩展名 .pdf 不符，未上传。",
        ),
        ("带长文件名附件的稿件", "长" * 296 + ".pdf", b"%PDF-1.4 x", "文件名过长：“长长长"),
    ],
    ids=["program-named-pdf", "300-character-name"],
)
def test_the_form_refuses_the_file_and_keeps_the_text(
    app: Flask, portal: Portal, title: str, filename: str, data: bytes, says: str
) -> None:
    client = login(app, portal.logins["drafter"])
    path = f"/columns/{portal.column.id}/new"
    _, token = page_token(client, path)
    r = client.post(
        path,
        data={
            "csrf_token": token,
            "title": title,
            "kind": "article",
            "body": "正文保留",
            "file_1": (io.BytesIO(data), filename),
            "type_1": "main",
        },
        content_type="multipart/form-data",
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 422
    assert says in html and title in html and "正文保留" in html
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            assert session.execute(select(Item).where(Item.title == title)).first() is None
        finally:
            session.close()


def test_a_refusal_from_the_service_is_shown_as_it_is(app: Flask) -> None:
    with app.test_request_context():
        refused = AttachmentRefused("文件“a.pdf”的内容不是PDF文件", "a.pdf")
        assert workflow_message(refused) == "文件“a.pdf”的内容不是PDF文件"
