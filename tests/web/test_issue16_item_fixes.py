"""Numbers that leaked (issue 16): /overview's 版本 is the item page's revision number;
the 在线信息 list shows a live item whose new revision is in review as online, with
the live title and a note; the diff names files as people read them, no hash."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session

from workflow import services
from workflow.models import Item
from workflow.storage import BlobStore

from ..services import act
from .support import Portal, login, user_of

DOCX_V1 = b"PK\x03\x04" + b"first version of the notice " * 40
DOCX_V2 = b"PK\x03\x04" + b"second version, dates corrected " * 60
PDF = b"%PDF-1.4 " + b"x" * 3000


def _revised(app: Flask, portal: Portal, title: str) -> int:
    """Published with one file as revision 1; revision 2 (new title, the file replaced
    under the same name, one more file) submitted and waiting at 初审."""
    store = BlobStore(Path(app.config["SANSHEN"].ATTACHMENT_DIR))
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        drafter = user_of(session, portal, "drafter")
        when = datetime.now(UTC) - timedelta(days=2)
        item = services.create_item(
            session,
            actor=drafter,
            column_id=portal.column.id,
            kind="article",
            title=title,
            body="<p>第一版</p>",
            now=when,
        ).value

        def attach(data: bytes, name: str, kind: str, at: datetime) -> int:
            att = act(
                session,
                services.add_attachment,
                item,
                by=drafter,
                now=at,
                store=store,
                data=data,
                filename=name,
                attachment_type=kind,
            ).value
            return int(att.id)

        first = attach(DOCX_V1, "寒假安全通知.docx", "main", when)
        for i, (action, who, extra) in enumerate(
            [
                ("submit", "drafter", {}),
                ("approve", "deputy", {"confidentiality_checked": True}),
                ("approve", "head", {}),
                ("approve", "editor", {}),
                ("revise", "drafter", {}),
            ],
            1,
        ):
            at = when + timedelta(minutes=i)
            act(session, action, item, by=user_of(session, portal, who), now=at, **extra)
        later = when + timedelta(hours=1)
        rev2 = next(r for r in item.revisions if r.number == 2)
        copied = next(a for a in rev2.attachments if a.filename == "寒假安全通知.docx")
        assert copied.id != first
        act(session, services.remove_attachment, item, by=drafter, now=later,
            attachment_id=copied.id)
        attach(DOCX_V2, "寒假安全通知.docx", "main", later)
        attach(PDF, "附件1-安全责任书.pdf", "other", later)
        act(session, "edit", item, by=drafter, now=later, title=f"{title}（更正）",
            body="<p>第二版</p>")
        act(session, "submit", item, by=drafter, now=later + timedelta(minutes=1))
        session.commit()
        item_id = item.id
        session.close()
        return item_id


def test_overview_shows_the_revision_number(app: Flask, portal: Portal) -> None:
    item_id = _revised(app, portal, "版本号一致的信息")
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        item = session.get(Item, item_id)
        assert item is not None and item.version > 2 and item.current_revision_no == 2
        version = item.version
        session.close()
    editor = login(app, portal.logins["editor"])
    html = editor.get("/overview").get_data(as_text=True)
    row = re.search(rf'href="/items/{item_id}".*?</tr>', html, re.S)
    assert row is not None
    assert ">第2版</td>" in row.group(0) and f">{version}</td>" not in row.group(0)
    assert "第2版" in editor.get(f"/items/{item_id}").get_data(as_text=True)


def test_the_live_list_shows_a_revised_item_as_online(app: Flask, portal: Portal) -> None:
    item_id = _revised(app, portal, "在线列表中的信息")
    editor = login(app, portal.logins["editor"])
    html = editor.get("/published").get_data(as_text=True)
    row = re.search(rf'href="/items/{item_id}".*?</tr>', html, re.S)
    assert row is not None
    cells = row.group(0)
    assert ">在线列表中的信息</a>" in cells  # the title the public sees
    assert "（更正）" not in cells
    assert "在线</span>" in cells and "新版本（第2版）初审中" in cells
    assert "待初审" not in cells


def test_the_diff_names_files_without_hashes(app: Flask, portal: Portal) -> None:
    item_id = _revised(app, portal, "附件差异")
    deputy = login(app, portal.logins["deputy"])
    html = deputy.get(f"/items/{item_id}").get_data(as_text=True)
    diff = html[html.index('<ul class="diff">') :]
    diff = diff[: diff.index("</ul>")]
    removed = re.findall(r'<li class="removed">([^<]*)</li>', diff)
    added = re.findall(r'<li class="added">([^<]*)</li>', diff)
    assert "正文：寒假安全通知.docx（Word，1.1 KB）" in removed
    assert "正文：寒假安全通知.docx（Word，1.9 KB）（文件内容已更换）" in added
    assert "附件：附件1-安全责任书.pdf（PDF，2.9 KB）" in added
    assert not re.search(r"（[0-9a-f]{8}）", diff)
