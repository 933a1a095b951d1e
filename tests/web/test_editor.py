"""The item body editor in real Chromium: a paste from Word (its HTML with mso- styles,
classes and <o:p>) is stored clean with its table, list, heading, bold and link; pasted
images become attachments; a .docx chosen as 正文 fills the body with its table; a
returned item opens in the editor as text (no tag in sight) under the reviewer's
comment; no page of these breaks the CSP. Screenshots at desktop and phone width."""

from __future__ import annotations

import base64
import io
import struct
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from workflow import services
from workflow.models import Attachment, Item, Revision

from ..services import act
from .browser import User, require_chromium
from .support import Portal, user_of

require_chromium()

# What Word (Windows, Office 2016+) puts on the clipboard as text/html, cut down: mso-
# styles and classes, <o:p>, list paragraphs with their bullets, a table, a link, bold
# and italic as span styles, and a picture as a file:/// link no browser can read.
WORD_HTML = (Path(__file__).resolve().parents[1] / "fixtures" / "word-paste.html").read_text(
    encoding="utf-8"
)


def _png() -> bytes:
    """A real 2×2 PNG."""
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PASTE = """([html, png]) => {
  const target = document.querySelector('.editor-content');
  target.focus();
  const data = new DataTransfer();
  if (html) data.setData('text/html', html);
  if (png) {
    const bytes = Uint8Array.from(atob(png), c => c.charCodeAt(0));
    data.items.add(new File([bytes], 'image.png', {type: 'image/png'}));
  }
  const event = new ClipboardEvent('paste', {clipboardData: data, bubbles: true, cancelable: true});
  target.dispatchEvent(event);
}"""


def _query(app: Flask, fn: Any) -> Any:
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            return fn(session)
        finally:
            session.close()


def _item_by_title(app: Flask, title: str) -> tuple[str, list[tuple[str, str]]]:
    """The current body and the (file name, type) of the current revision's attachments."""

    def read(session: Any) -> tuple[str, list[tuple[str, str]]]:
        item = session.execute(select(Item).where(Item.title == title)).scalar_one()
        rev = session.execute(
            select(Revision).where(
                Revision.item_id == item.id, Revision.number == item.current_revision_no
            )
        ).scalar_one()
        files = session.execute(
            select(Attachment.filename, Attachment.type).where(Attachment.revision_id == rev.id)
        ).all()
        return rev.body, [(name, kind) for name, kind in files]

    return _query(app, read)


def test_a_word_paste_is_stored_clean_with_its_table(
    app: Flask, portal: Portal, server: str, browser: Any, shots: Path
) -> None:
    drafter = User(browser, server, portal.logins["drafter"])
    page = drafter.page
    drafter.go(f"/columns/{portal.column.id}/new")
    editor = page.locator(".editor-content")
    assert editor.is_visible()
    assert not page.locator("textarea#body").is_visible()  # enhanced: the editor replaces it
    # The editor carries the field's label, so the form reads the same to a screen reader.
    assert page.get_by_label("正文").evaluate("e => e.classList.contains('editor-content')")
    page.get_by_label("标题").fill("关于做好寒假安全工作的通知")
    page.evaluate(PASTE, [WORD_HTML, None])
    # The table, list and heading are in the editor as structure, not as text.
    assert editor.locator("table td", has_text="小学").count() == 1
    assert editor.locator("ul li", has_text="严防溺水和交通事故").count() == 1
    assert editor.locator("h2", has_text="关于做好寒假安全工作的通知").count() == 1
    assert "·" not in editor.inner_text()  # Word's bullet character went with the list
    # Word's file:/// picture cannot be read by a browser: said, not silently dropped.
    notice = page.locator(".editor-notice")
    assert notice.is_visible() and "1 张图片" in notice.inner_text()
    # Nothing the CSP would refuse: no <style> element (injectCSS is off). The table's
    # view sets column widths through the CSSOM (element.style), which the CSP allows.
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    editor.click()  # the table tools show while the cursor is in a table
    editor.locator("table td", has_text="小学").click()
    assert page.get_by_role("button", name="加一行").is_visible()
    page.screenshot(path=str(shots / "editor-word-paste.png"), full_page=True)
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state()
    assert page.get_by_text("草稿已保存。").is_visible()

    body, _files = _item_by_title(app, "关于做好寒假安全工作的通知")
    for kept in (
        "<table>",
        "<td><p><strong>学段</strong></p></td>",
        "<p>1月20日</p>",
        "<ul><li><p>注意用火用电安全</p><ul><li><p>不使用电热毯取暖</p></li></ul></li>",
        "<li><p>严防溺水和交通事故</p></li></ul>",
        "<h2>关于做好寒假安全工作的通知</h2>",
        "<strong>各中小学、幼儿园：</strong>",
        'href="https://jyj.example.gov.cn/notice"',
        "<em>（特此通知）</em>",
    ):
        assert kept in body, (kept, body)
    assert "<p>详见<a" in body  # mso-bidi-font-weight is not bold
    for gone in ("style", "class", "mso", "o:p", "<img", "<span", "·", "width", "colgroup"):
        assert gone not in body, (gone, body)
    # The item page shows the table as a table.
    assert page.locator(".body table td", has_text="小学").count() == 1
    page.screenshot(path=str(shots / "item-page-word-table.png"), full_page=True)
    assert drafter.csp_violations() == []
    drafter.close()


def test_a_wps_paste_keeps_its_numbered_list_and_table(
    app: Flask, portal: Portal, server: str, browser: Any, shots: Path
) -> None:
    wps = (Path(__file__).resolve().parents[1] / "fixtures" / "wps-paste.html").read_text(
        encoding="utf-8"
    )
    # On a phone this time: the editor, its toolbar and the pasted table fit the screen.
    phone = {"width": 390, "height": 844}
    drafter = User(browser, server, portal.logins["drafter"], viewport=phone)
    page = drafter.page
    drafter.go(f"/columns/{portal.column.id}/new")
    page.get_by_label("标题").fill("区民政局关于发放冬季救助金的公告")
    page.evaluate(PASTE, [wps, None])
    assert page.locator(".editor-content ol li").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(shots / "editor-wps-paste-phone.png"), full_page=True)
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state()
    body, _files = _item_by_title(app, "区民政局关于发放冬季救助金的公告")
    for kept in (
        "<p><strong>区民政局关于发放冬季救助金的公告</strong></p>",
        "<ol><li><p>救助对象：低保户</p></li><li><p>发放时间：12月15日</p></li></ol>",
        "<td><p><strong>街道</strong></p></td>",
        "<td><p>128</p></td>",
        "<p>咨询电话：0714-3188000</p>",
    ):
        assert kept in body, (kept, body)
    for gone in ("style", "class", "mso", "font", "1.", "&nbsp;"):
        assert gone not in body, (gone, body)
    assert drafter.csp_violations() == []
    drafter.close()


def test_pasted_images_become_attachments(
    app: Flask, portal: Portal, server: str, browser: Any
) -> None:
    drafter = User(browser, server, portal.logins["drafter"])
    page = drafter.page
    drafter.go(f"/columns/{portal.column.id}/new")
    page.get_by_label("标题").fill("带截图的办事提示")
    page.evaluate(PASTE, ["<p>办理流程见截图：</p>", None])
    page.evaluate(PASTE, [None, base64.b64encode(_png()).decode()])
    listed = page.locator(".pasted-images li")
    assert listed.count() == 1 and "粘贴图片-1.png" in listed.inner_text()
    # One over the attachment limit (64 KB in these tests) is not added, and said so.
    big = _png() + bytes(70 * 1024)
    page.evaluate(PASTE, [None, base64.b64encode(big).decode()])
    assert listed.count() == 1
    assert "1 张粘贴的图片过大" in page.locator(".editor-notice").inner_text()
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state()
    assert page.get_by_text("草稿已保存。").is_visible()
    body, files = _item_by_title(app, "带截图的办事提示")
    assert "办理流程见截图" in body and "<img" not in body
    assert files == [("粘贴图片-1.png", "other")]
    assert drafter.csp_violations() == []
    drafter.close()


def _docx(tmp_path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_heading("2026年寒假放假安排", level=1)
    para = document.add_paragraph("根据市教育局校历，")
    para.add_run("现将寒假安排通知如下").bold = True
    document.add_paragraph("小学生注意安全", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    cells = {(0, 0): "学段", (0, 1): "放假时间", (1, 0): "初中", (1, 1): "1月22日"}
    for (r, c), text in cells.items():
        table.cell(r, c).text = text
    picture = tmp_path / "校历.png"
    picture.write_bytes(_png())
    document.add_picture(str(picture))
    path = tmp_path / "寒假放假安排.docx"
    buffer = io.BytesIO()
    document.save(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def test_a_docx_fills_the_body_keeping_what_was_typed(
    app: Flask, portal: Portal, server: str, browser: Any, tmp_path: Path
) -> None:
    drafter = User(browser, server, portal.logins["drafter"])
    page = drafter.page
    drafter.go(f"/columns/{portal.column.id}/new")
    page.get_by_label("标题").fill("2026年寒假放假安排的通知")
    page.get_by_label("正文").fill("各学校：")
    page.get_by_label("从 Word 文件导入").set_input_files(str(_docx(tmp_path)))
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state()
    assert page.get_by_text("其中的 1 张图片已作为附件上传").is_visible()
    body, files = _item_by_title(app, "2026年寒假放假安排的通知")
    assert body.startswith("<p>各学校：</p>"), body  # the typed text first, kept
    for kept in ("<h2>2026年寒假放假安排</h2>", "<strong>现将寒假安排通知如下</strong>",
                 "<li>小学生注意安全</li>", "<table>", "<td><p>1月22日</p></td>"):  # fmt: skip
        assert kept in body, (kept, body)
    assert files == [("寒假放假安排-图1.png", "other")]
    # A damaged file: a message naming it, the typed title and body still in the form.
    drafter.go(f"/columns/{portal.column.id}/new")
    page.get_by_label("标题").fill("损坏文件的稿件")
    page.get_by_label("正文").fill("先写好的一段话")
    broken = tmp_path / "损坏的通知.docx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    page.get_by_label("从 Word 文件导入").set_input_files(str(broken))
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state()
    alert = page.locator(".error-box")
    assert "损坏的通知.docx" in alert.inner_text() and "已损坏" in alert.inner_text()
    assert page.get_by_label("标题").input_value() == "损坏文件的稿件"
    assert "先写好的一段话" in page.locator(".editor-content").inner_text()
    assert drafter.csp_violations() == []
    drafter.close()


def _returned_item(app: Flask, portal: Portal) -> int:
    def build(session: Any) -> int:
        drafter = user_of(session, portal, "drafter")
        deputy = user_of(session, portal, "deputy")
        when = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
        item = services.create_item(
            session,
            actor=drafter,
            column_id=portal.column.id,
            kind="article",
            title="关于寒假安全教育的通知（退回后修改）",
            body="<p>各中小学、幼儿园：</p><p>为切实做好寒假安全工作，现通知如下。</p>"
            "<table><tbody><tr><td><p>学段</p></td><td><p>放假时间</p></td></tr></tbody></table>",
            now=when,
        ).value
        act(session, "submit", item, by=drafter, now=when)
        session.flush()
        session.refresh(item)
        act(session, "reject", item, by=deputy, now=when + timedelta(hours=2),
            comment="请补充咨询电话")  # fmt: skip
        session.commit()
        return int(item.id)

    return int(_query(app, build))


def test_a_returned_item_is_edited_as_text_under_the_return_comment(
    app: Flask, portal: Portal, server: str, browser: Any, shots: Path
) -> None:
    item_id = _returned_item(app, portal)
    for width, name in ((1280, "desktop"), (390, "phone")):
        drafter = User(
            browser, server, portal.logins["drafter"], viewport={"width": width, "height": 900}
        )
        page = drafter.page
        drafter.go(f"/items/{item_id}")
        page.get_by_role("link", name="修改稿件").click()
        page.wait_for_load_state()
        note = page.locator("#return-comment")
        assert "请补充咨询电话" in note.inner_text()
        assert "李建国" in note.inner_text() and "初审" in note.inner_text()
        editor = page.locator(".editor-content")
        shown = editor.inner_text()
        assert "各中小学、幼儿园：" in shown and "为切实做好寒假安全工作" in shown
        assert "<p>" not in shown and "<" not in page.locator("main").inner_text()
        assert editor.locator("table td", has_text="学段").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=str(shots / f"editor-returned-{name}.png"), full_page=True)
        assert drafter.csp_violations() == []
        drafter.close()
    # Typing adds to the body; the resubmission keeps the table.
    drafter = User(browser, server, portal.logins["drafter"])
    page = drafter.page
    drafter.go(f"/items/{item_id}/edit")
    page.locator(".editor-content p", has_text="为切实做好寒假安全工作").click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type("咨询电话：0714-3188076。")
    page.get_by_role("button", name="保存并提交初审").click()
    page.wait_for_load_state()
    assert page.get_by_text("已提交初审。").is_visible()
    body, _files = _item_by_title(app, "关于寒假安全教育的通知（退回后修改）")
    assert "<p>咨询电话：0714-3188076。</p>" in body and "<td><p>学段</p></td>" in body
    assert drafter.csp_violations() == []
    drafter.close()


def test_the_guide_fields_follow_the_kind_and_attachment_rows_have_one_label(
    portal: Portal, server: str, browser: Any
) -> None:
    drafter = User(browser, server, portal.logins["drafter"])
    page = drafter.page
    drafter.go(f"/columns/{portal.column.id}/new")
    guide = page.locator("fieldset.guide")
    assert not guide.is_visible()  # an article: no 办事指南 elements
    page.get_by_label("信息类别").select_option("service_guide")
    assert guide.is_visible() and page.get_by_label("事项名称").is_visible()
    # The help says what this column asks (it does not require all eight).
    assert "本栏目不强制要求八项要素齐全" in guide.inner_text()
    page.get_by_label("信息类别").select_option("article")
    assert not guide.is_visible()
    # One label per field: "附件1" for the file, "类型" (read out as "附件1类型") for its type.
    row = page.locator(".attachment-row").first
    assert row.locator("label").all_text_contents() == ["附件1", "附件1类型"]
    assert row.locator("label.type-label .visually-hidden").inner_text() == "附件1"
    assert page.get_by_label("附件1", exact=True).get_attribute("type") == "file"
    assert page.get_by_label("附件1类型").evaluate("e => e.tagName") == "SELECT"
    assert "附件一" not in page.locator("main").inner_text()
    assert drafter.csp_violations() == []
    drafter.close()
