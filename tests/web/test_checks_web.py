"""The content checks on the web: findings marked in place on the item page (safely),
已核实 with a reason, the 严重 block on submit and the office's override, the office's
findings page and export, and the word-list editor with its import errors."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import openpyxl
import pytest
from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workflow import runner, services
from workflow.checks import listfile
from workflow.models import Finding, Item, WordEntry, WordList
from workflow.services import checks
from workflow.services.checks import EntryInput

from .support import Portal, login, page_token, user_of, version_on


def _session(app: Flask) -> Session:
    session: Session = app.extensions["sanshen.sessions"]()
    return session


@pytest.fixture
def word_list(app: Flask) -> Iterator[int]:
    """A list with a serious, a normal and a hint entry (committed; removed after)."""
    with app.app_context():
        session = _session(app)
        now = datetime.now(UTC)
        made = runner.run(session, checks.create_list, actor=None, now=now, name="网页测试词库")
        list_id = made.value.id
        for entry in (
            EntryInput("中华人民共合国", "serious_error", "serious", "中华人民共和国"),
            EntryInput("按装", "typo", "normal", "安装"),
            EntryInput("截止目前", "nonstandard", "hint", "截至目前"),
        ):
            runner.run(
                session, checks.save_entry, actor=None, now=now, list_id=list_id, entry=entry
            )
        session.close()
    yield list_id
    with app.app_context():
        session = _session(app)
        session.execute(delete(WordList).where(WordList.id == list_id))
        session.commit()
        session.close()


def new_item(app: Flask, portal: Portal, title: str, body: str) -> int:
    with app.app_context():
        session = _session(app)
        item = runner.run(
            session,
            services.create_item,
            actor=user_of(session, portal, "drafter"),
            now=datetime.now(UTC),
            column_id=portal.column.id,
            kind="article",
            title=title,
            body=body,
        ).value
        item_id = item.id
        session.close()
        return item_id


def findings_of(app: Flask, item_id: int) -> list[Finding]:
    with app.app_context():
        session = _session(app)
        rows = list(session.scalars(select(Finding).where(Finding.item_id == item_id)))
        session.close()
        return rows


def test_findings_are_marked_in_place_and_escaped(
    app: Flask, portal: Portal, word_list: int
) -> None:
    body = (
        "<p>第一段：今年按装路灯，a&lt;b&amp;c 按装</p>"
        "<p>&lt;img src=x onerror=alert(1)&gt;按装</p>"
    )
    item_id = new_item(app, portal, "关于按装路灯的通知", body)
    client = login(app, portal.logins["drafter"])
    html = client.get(f"/items/{item_id}").get_data(as_text=True)
    marks = re.findall(
        r'<mark class="finding cat-typo sev-normal st-open"[^>]*>([^<]*)</mark>', html
    )
    assert marks == ["按装"] * 4  # the title and three in the body
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "a&lt;b&amp;c" in html
    assert "建议：安装" in html


def test_verify_with_a_reason(app: Flask, portal: Portal, word_list: int) -> None:
    item_id = new_item(app, portal, "标题", "<p>截止目前，已完成。</p>")
    (finding,) = findings_of(app, item_id)
    client = login(app, portal.logins["drafter"])
    _html, token = page_token(client, f"/items/{item_id}")
    empty = client.post(f"/findings/{finding.id}/verify", data={"csrf_token": token, "reason": " "})
    assert empty.status_code == 422 and "请填写理由" in empty.get_data(as_text=True)
    done = client.post(
        f"/findings/{finding.id}/verify", data={"csrf_token": token, "reason": "引用文件原文"}
    )
    assert done.status_code == 302
    (after,) = findings_of(app, item_id)
    assert (after.status, after.reason) == ("verified", "引用文件原文")
    other = login(app, portal.logins["other_deputy"])  # another unit: not even visible
    assert other.post(f"/findings/{finding.id}/verify", data={"reason": "x"}).status_code in (
        400,
        404,
    )


def test_a_serious_finding_blocks_submit_until_the_office_overrides(
    app: Flask, portal: Portal, word_list: int
) -> None:
    item_id = new_item(app, portal, "通知", "<p>中华人民共合国成立</p>")
    drafter = login(app, portal.logins["drafter"])
    html, token = page_token(drafter, f"/items/{item_id}")
    assert "有 1 处严重问题尚未处理" in html
    refused = drafter.post(
        f"/items/{item_id}/submit", data={"csrf_token": token, "version": version_on(html)}
    )
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "内容检查发现严重问题尚未处理：“中华人民共合国”" in text
    assert "标记为已核实" not in text  # not the drafter's to let through
    (finding,) = findings_of(app, item_id)
    editor = login(app, portal.logins["editor"])
    page, etoken = page_token(editor, f"/items/{item_id}")
    assert "核准放行" in page
    ok = editor.post(
        f"/findings/{finding.id}/override", data={"csrf_token": etoken, "reason": "历史文献"}
    )
    assert ok.status_code == 302
    html, token = page_token(drafter, f"/items/{item_id}")
    sent = drafter.post(
        f"/items/{item_id}/submit", data={"csrf_token": token, "version": version_on(html)}
    )
    assert sent.status_code == 302
    with app.app_context():
        session = _session(app)
        item = session.get(Item, item_id)
        assert item is not None and item.state == "initial_review"
        session.close()


def test_the_office_findings_page_and_export(app: Flask, portal: Portal, word_list: int) -> None:
    item_id = new_item(app, portal, "=HYPERLINK(按装)", "<p>按装</p>")
    editor = login(app, portal.logins["editor"])
    page = editor.get("/office/findings?category=typo&status=open").get_data(as_text=True)
    assert f"/items/{item_id}#finding-" in page
    month = datetime.now(UTC).strftime("%Y-%m")
    none = editor.get("/office/findings?category=link").get_data(as_text=True)
    assert f"/items/{item_id}#" not in none
    data = editor.get(f"/office/findings.xlsx?category=typo&month={month}").get_data()
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("发现时间", "单位", "稿件")
    mine = [r for r in rows if r[2] == "=HYPERLINK(按装)"]
    assert {r[4] for r in mine} == {"标题", "正文"} and {r[8] for r in mine} == {"建议改为：安装"}
    cell = next(c for c in sheet["C"] if c.value == "=HYPERLINK(按装)")
    assert cell.data_type == "s"  # stays text: never a formula
    drafter = login(app, portal.logins["drafter"])
    assert drafter.get("/office/findings").status_code == 403


def _xlsx(rows: list[tuple[Any, ...]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_word_list_editor(app: Flask, portal: Portal, word_list: int) -> None:
    assert login(app, portal.logins["drafter"]).get("/wordlists/").status_code == 403
    editor = login(app, portal.logins["editor"])
    html, token = page_token(editor, f"/wordlists/{word_list}")
    assert "按装" in html
    added = editor.post(
        f"/wordlists/{word_list}/entries",
        data={"csrf_token": token, "term": "重迭", "category": "typo", "severity": "normal",
              "suggestion": "重叠", "note": ""},
    )  # fmt: skip
    assert added.status_code == 302
    twice = editor.post(
        f"/wordlists/{word_list}/entries",
        data={"csrf_token": token, "term": "重迭", "category": "typo", "severity": "normal"},
    )
    assert twice.status_code == 422 and "词库中已有“重迭”" in twice.get_data(as_text=True)
    bad = _xlsx([listfile.HEADERS, ("松驰", "易错词", "一般", "松弛", ""), ("", "别的", "严重")])
    refused = editor.post(
        f"/wordlists/{word_list}/import",
        data={"csrf_token": token, "file": (io.BytesIO(bad), "词库.xlsx")},
        content_type="multipart/form-data",
    )
    message = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "第3行：“词语”为空" in message
    good = _xlsx([listfile.HEADERS, ("松驰", "易错词", "一般", "松弛", "")])
    imported = editor.post(
        f"/wordlists/{word_list}/import",
        data={"csrf_token": token, "file": (io.BytesIO(good), "词库.xlsx")},
        content_type="multipart/form-data",
    )
    assert imported.status_code == 302
    exported = editor.get(f"/wordlists/{word_list}/export.xlsx").get_data()
    terms = {row[0] for row in listfile.read(exported, "x.xlsx")}
    assert {"按装", "重迭", "松驰"} <= terms
    with app.app_context():
        session = _session(app)
        entry_id = session.scalar(
            select(WordEntry.id).where(WordEntry.list_id == word_list, WordEntry.term == "重迭")
        )
        session.close()
    changed = editor.post(
        f"/wordlists/{word_list}/entries/{entry_id}",
        data={"csrf_token": token, "term": "重迭", "category": "typo", "severity": "serious",
              "suggestion": "重叠", "note": "改为严重"},
    )  # fmt: skip
    assert changed.status_code == 302
    with app.app_context():
        session = _session(app)
        entry = session.get(WordEntry, entry_id)
        assert entry is not None and (entry.severity, entry.note) == ("serious", "改为严重")
        session.close()
    gone = editor.post(
        f"/wordlists/{word_list}/entries/{entry_id}/delete", data={"csrf_token": token}
    )
    assert gone.status_code == 302
    page = editor.get(f"/wordlists/{word_list}").get_data(as_text=True)
    assert "删除词条" in page and "导入词库" in page and "修改词条" in page  # the change log


def test_the_commands_load_the_starter_lists_and_recheck(app: Flask, portal: Portal) -> None:
    cli = app.test_cli_runner()
    try:
        loaded = cli.invoke(args=["checks", "starter"])
        assert loaded.exit_code == 0 and "added 126 entries" in loaded.output
        again = cli.invoke(args=["checks", "starter"])
        assert "added 0 entries" in again.output
        checked = cli.invoke(args=["checks", "recheck"])
        assert checked.exit_code == 0 and checked.output.startswith("checked ")
    finally:
        with app.app_context():
            session = _session(app)
            session.execute(delete(WordList).where(WordList.name.like("%（起始）")))
            session.commit()
            session.close()


def test_a_dead_link_is_marked_on_its_text(app: Flask, portal: Portal) -> None:
    url = "https://dead.example/notice"
    with app.app_context():
        session = _session(app)
        runner.run(
            session,
            checks.record_links,
            actor=None,
            now=datetime.now(UTC),
            results=[checks.LinkResult(url, "dead", 404, url, "http:404")],
        )
        session.close()
    item_id = new_item(app, portal, "通知", f'<p>详见<a href="{url}">原文链接</a>。</p>')
    html = login(app, portal.logins["drafter"]).get(f"/items/{item_id}").get_data(as_text=True)
    assert re.search(r'<a href="https://dead.example/notice"[^>]*><mark class="finding cat-link '
                     r'sev-serious st-open"[^>]*>原文链接</mark></a>', html)  # fmt: skip
    assert "死链：返回状态 404" in html
