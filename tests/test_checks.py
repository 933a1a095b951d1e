"""Content checks (workflow.checks, workflow.services.checks): the matcher with
overlapping entries, the body's text and links, official names, real .docx/.xlsx/.pdf
attachments, findings carried over between revisions, the 严重 block and the override,
and the word-list file."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import docx
import openpyxl
import pytest
from pypdf import PdfWriter
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import services
from workflow.checks import (
    ATTACHMENT,
    FIXED,
    LINK,
    NAME,
    OPEN,
    OVERRIDDEN,
    SERIOUS,
    VERIFIED,
    listfile,
)
from workflow.checks import files as file_facts
from workflow.checks.htmltext import links, segments, text_of
from workflow.checks.matcher import Matcher, Pattern
from workflow.enums import AttachmentType, ItemKind, Role
from workflow.errors import NotAllowed, RoleRequired, SeriousFindings, ValidationFailed
from workflow.events import LinksToCheck, WordListChanged
from workflow.models import Finding, Leader, WordList
from workflow.services import checks
from workflow.services.checks import EntryInput
from workflow.storage import BlobStore

from .factories import World, new_item, tick
from .services import act


def docx_bytes(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx_bytes(*cells: str) -> bytes:
    book = openpyxl.Workbook()
    for i, value in enumerate(cells, start=1):
        book.active.cell(row=i, column=1, value=value)  # type: ignore[union-attr]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pdf_bytes(pages: int) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def word_list(session: Session, now: datetime, *entries: tuple[str, str, str, str]) -> WordList:
    made = checks.create_list(session, actor=None, now=now, name=f"测试词库{len(entries)}")
    for term, category, severity, suggestion in entries:
        checks.save_entry(
            session,
            actor=None,
            now=now,
            list_id=made.value.id,
            entry=EntryInput(term, category, severity, suggestion),
        )
    return made.value


def findings(session: Session, item_id: int, revision_no: int | None = None) -> list[Finding]:
    stmt = select(Finding).where(Finding.item_id == item_id).order_by(Finding.id)
    if revision_no is not None:
        stmt = stmt.where(Finding.revision_no == revision_no)
    return list(session.scalars(stmt))


# ---- the matcher and the text ------------------------------------------------------


def test_overlapping_entries_report_the_longest_and_partial_overlaps_both() -> None:
    m = Matcher(
        [
            Pattern("共合国", "typo", "normal"),
            Pattern("中华人民共合国", "serious_error", "serious", "中华人民共和国"),
            Pattern("合国家", "typo", "normal"),
            Pattern("中华", "typo", "hint"),
        ]
    )
    found = [(x.start, x.end, x.pattern.term) for x in m.find("在中华人民共合国家里，中华")]
    # 共合国 and 中华 inside the longer term are not reported again; 合国家 overlaps
    # it only partly and is; the second 中华 stands alone.
    assert found == [(1, 8, "中华人民共合国"), (6, 9, "合国家"), (11, 13, "中华")]


def test_the_first_list_naming_a_term_wins() -> None:
    m = Matcher([Pattern("按装", "typo", "normal", "安装"), Pattern("按装", "banned", "serious")])
    assert m.size == 1
    assert m.find("按装")[0].pattern.category == "typo"


def test_body_text_offsets_map_back_to_the_html() -> None:
    html = "<p>甲&amp;乙 按装</p><p>第二段<strong>按装</strong></p>"
    text = text_of(html)
    assert text[text.index("按装")] == "按"
    assert "\n" in text  # paragraphs are kept apart: no match spans two
    shown = "".join(s.raw for s in segments(html))
    assert shown == html  # nothing lost when the page cuts the same HTML


def test_hidden_links_are_found() -> None:
    html = (
        '<p><a href="https://ok.example/">办事指南</a>'
        '<a href="https://x.example/a"> \u200b </a>'
        '<a href="https://x.example/b"><img src="p.gif" width="1" height="1"></a>'
        '<a href="https://x.example/c" style="display: none">暗</a></p>'
    )
    found = {link.url: link.hidden for link in links(html)}
    assert found == {
        "https://ok.example/": "",
        "https://x.example/a": "no_text",
        "https://x.example/b": "blank_image",
        "https://x.example/c": "invisible",
    }


# ---- files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("good.docx", docx_bytes("申请表"), None),
        ("empty.docx", docx_bytes(), file_facts.EMPTY),
        ("corrupt.docx", b"PK\x03\x04 not really a zip", file_facts.CORRUPT),
        ("good.xlsx", xlsx_bytes("姓名", "电话"), None),
        ("empty.xlsx", xlsx_bytes(), file_facts.EMPTY),
        ("corrupt.xlsx", b"PK\x03\x04\x00\x00", file_facts.CORRUPT),
        ("good.pdf", pdf_bytes(2), None),
        ("empty.pdf", pdf_bytes(0), file_facts.EMPTY),
        ("corrupt.pdf", b"%PDF-1.7\n garbage", file_facts.CORRUPT),
        ("zero.pdf", b"", file_facts.EMPTY),
        ("run.exe", b"MZ", file_facts.BAD_TYPE),
    ],
)
def test_files_open_or_say_why_not(name: str, data: bytes, problem: str | None) -> None:
    assert file_facts.read(name, data).problem == problem


def test_docx_text_and_links_are_read() -> None:
    facts = file_facts.read("a.docx", docx_bytes("第一段按装", "第二段"))
    assert "按装" in facts.text and "第二段" in facts.text


# ---- checks on items ---------------------------------------------------------------


def test_a_saved_revision_carries_its_findings(session: Session, w: World, now: datetime) -> None:
    word_list(session, now, ("按装", "typo", "normal", "安装"))
    item = new_item(session, w, now)
    act(
        session,
        "edit",
        item,
        by=w.drafter,
        now=tick(now),
        title="关于按装路灯的通知",
        body="<p>今年按装路灯100盏。</p>",
    )
    rows = findings(session, item.id, 1)
    assert [(f.source, f.term, f.suggestion, f.status) for f in rows] == [
        ("title", "按装", "安装", OPEN),
        ("body", "按装", "安装", OPEN),
    ]
    body = next(f for f in rows if f.source == "body")
    assert text_of("<p>今年按装路灯100盏。</p>")[body.start : body.end] == "按装"
    assert "今年按装路灯" in body.excerpt
    # Fixed in the text: the finding is marked fixed, not forgotten.
    act(session, "edit", item, by=w.drafter, now=tick(now, 2), title="关于安装路灯的通知")
    assert {f.status for f in findings(session, item.id, 1)} == {FIXED}


def test_a_verified_finding_carries_over_to_the_next_revision(
    session: Session, w: World, now: datetime
) -> None:
    word_list(session, now, ("按装", "typo", "normal", "安装"))
    item = new_item(session, w, now)
    act(session, "edit", item, by=w.drafter, now=now, title="题目", body="<p>按装</p>")
    finding = findings(session, item.id, 1)[0]
    with pytest.raises(ValidationFailed):
        checks.verify_finding(session, actor=w.drafter, now=now, finding_id=finding.id, reason=" ")
    with pytest.raises(NotAllowed):  # another unit's drafter
        checks.verify_finding(
            session, actor=w.user("drafter", "b"), now=now, finding_id=finding.id, reason="引文"
        )
    outcome = checks.verify_finding(
        session, actor=w.drafter, now=now, finding_id=finding.id, reason="引用原文，不改"
    )
    assert outcome.value.status == VERIFIED
    assert outcome.log[0].action == "finding.verified"
    act(session, "submit", item, by=w.drafter, now=tick(now))
    act(session, "reject", item, by=w.user(Role.DEPUTY_HEAD), now=tick(now, 2), comment="改")
    act(session, "edit", item, by=w.drafter, now=tick(now, 3), title="题目2", body="<p>按装</p>")
    carried = findings(session, item.id, 2)
    assert [(f.status, f.reason) for f in carried] == [(VERIFIED, "引用原文，不改")]


def test_a_serious_finding_blocks_submit_and_approval_until_overridden(
    session: Session, w: World, now: datetime
) -> None:
    entries = word_list(
        session, now, ("中华人民共合国", "serious_error", SERIOUS, "中华人民共和国")
    )
    item = new_item(session, w, now)
    act(session, "edit", item, by=w.drafter, now=now, title="题", body="<p>中华人民共合国</p>")
    with pytest.raises(SeriousFindings) as refused:
        act(session, "submit", item, by=w.drafter, now=tick(now))
    assert refused.value.missing == ("finding:中华人民共合国",)
    serious = findings(session, item.id, 1)[0]
    with pytest.raises(NotAllowed):  # the drafter cannot let a serious one through
        checks.verify_finding(session, actor=w.drafter, now=now, finding_id=serious.id, reason="x")
    with pytest.raises(RoleRequired):  # nor can the unit's head
        checks.override_finding(
            session, actor=w.user(Role.HEAD), now=now, finding_id=serious.id, reason="x"
        )
    assert w.office_editor is not None
    outcome = checks.override_finding(
        session, actor=w.office_editor, now=now, finding_id=serious.id, reason="历史文献原文"
    )
    assert outcome.value.status == OVERRIDDEN and outcome.log[0].action == "finding.overridden"
    act(session, "submit", item, by=w.drafter, now=tick(now, 2))
    # A serious entry added while the item is in review blocks its approval.
    checks.save_entry(
        session,
        actor=None,
        now=now,
        list_id=entries.id,
        entry=EntryInput("题", "sensitive", SERIOUS),
    )
    from workflow.checks.revisions import Target, check_revisions

    check_revisions(session, [Target(item.id, 1)], tick(now, 3))
    with pytest.raises(SeriousFindings):
        act(
            session,
            "approve",
            item,
            by=w.user(Role.DEPUTY_HEAD),
            now=tick(now, 4),
            confidentiality_checked=True,
        )


def test_a_leader_with_a_former_title_and_a_retired_unit(
    session: Session, w: World, now: datetime
) -> None:
    session.add(Leader(name="王建国", title="区委常委、常务副区长"))
    w.unit_b.active = False
    session.flush()
    item = new_item(session, w, now)
    body = f"<p>区长王建国出席。副区长王建国讲话。王建国常务副区长强调。{w.unit_b.name}参加。</p>"
    act(session, "edit", item, by=w.drafter, now=now, title="会议", body=body)
    names = [(f.term, f.suggestion) for f in findings(session, item.id) if f.category == NAME]
    assert names == [
        ("区长王建国", "王建国现任区委常委、常务副区长"),
        (w.unit_b.name, "retired_unit"),
    ]


def test_attachments_are_checked_when_attached(
    session: Session, w: World, now: datetime, blob_root: Path
) -> None:
    word_list(session, now, ("按装", "typo", "normal", "安装"))
    store = BlobStore(blob_root)
    item = new_item(session, w, now, kind=ItemKind.SERVICE_GUIDE)
    act(
        session, "edit", item, by=w.drafter, now=now, title="办事指南", body="<p>请填写申请表。</p>"
    )
    guide = [f for f in findings(session, item.id) if f.category == ATTACHMENT]
    assert [(f.term, f.suggestion, f.status) for f in guide] == [("申请表", "no_form", OPEN)]
    for name, data in (
        ("说明.docx", docx_bytes("请按装软件")),
        ("空表.xlsx", xlsx_bytes()),
        ("坏.pdf", b"%PDF-1.4\nbroken"),
    ):
        act(
            session,
            services.add_attachment,
            item,
            by=w.drafter,
            now=tick(now),
            store=store,
            data=data,
            filename=name,
            attachment_type=AttachmentType.OTHER,
        )
    rows = [f for f in findings(session, item.id) if f.status == OPEN]
    assert sorted((f.source, f.term, f.suggestion) for f in rows) == [
        ("attachment:坏.pdf", "坏.pdf", "corrupt"),
        ("attachment:空表.xlsx", "空表.xlsx", "empty"),
        ("attachment:说明.docx", "按装", "安装"),
    ]  # the guide has a form now: its finding is fixed


def test_links_without_a_result_are_asked_for_and_hidden_ones_found(
    session: Session, w: World, now: datetime
) -> None:
    item = new_item(session, w, now)
    body = '<p><a href="https://gov.example/a">通知</a><a href="https://x.example/"> </a></p>'
    outcome = act(session, "edit", item, by=w.drafter, now=now, title="题", body=body)
    asked = [e for e in outcome.events if isinstance(e, LinksToCheck)]
    assert asked == [LinksToCheck(item.id, ("https://gov.example/a",))]
    hidden = [f for f in findings(session, item.id) if f.category == LINK]
    assert [(f.term, f.severity, f.suggestion) for f in hidden] == [
        ("https://x.example/", SERIOUS, "hidden:no_text")
    ]


# ---- lists -------------------------------------------------------------------------


def test_list_changes_are_logged_and_announced(session: Session, w: World, now: datetime) -> None:
    made = checks.create_list(session, actor=None, now=now, name="词库甲")
    with pytest.raises(RoleRequired):
        checks.save_entry(
            session,
            actor=w.drafter,
            now=now,
            list_id=made.value.id,
            entry=EntryInput("错", "typo", "normal"),
        )
    added = checks.save_entry(
        session,
        actor=None,
        now=now,
        list_id=made.value.id,
        entry=EntryInput("按装", "typo", "normal", "安装"),
    )
    assert list(added.events) == [WordListChanged(made.value.id)]
    assert added.log[0].changes["term"] == [None, "按装"]
    assert made.value.version == 2
    with pytest.raises(ValidationFailed):  # a term twice
        checks.save_entry(
            session,
            actor=None,
            now=now,
            list_id=made.value.id,
            entry=EntryInput("按装", "typo", "hint"),
        )
    gone = checks.delete_entry(
        session, actor=None, now=now, list_id=made.value.id, entry_id=added.value.id
    )
    assert gone.log[0].action == "wordlist.delete" and made.value.version == 3


def test_list_file_round_trip_and_row_numbered_errors() -> None:
    from workflow.models import WordEntry

    entries = [
        WordEntry(term="=按装", category="typo", severity="normal", suggestion="安装", note="")
    ]
    data = listfile.export(entries)
    assert listfile.read(data, "词库.xlsx") == [("=按装", "typo", "normal", "安装", "")]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (
        listfile.HEADERS,
        ("按装", "易错词", "一般", "安装", ""),
        ("", "易错词", "一般", "", ""),
        ("按装", "错字", "很严重", "", ""),
    ):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(listfile.ListFileError) as refused:
        listfile.read(out.getvalue(), "词库.xlsx")
    message = str(refused.value)
    assert "第3行：“词语”为空" in message
    assert "第4行：“按装”与第2行重复" in message and "“类别”应为" in message
    with pytest.raises(listfile.ListFileError, match="无法打开"):
        listfile.read(b"PK\x03\x04broken", "词库.xlsx")


def test_the_starter_lists_load_once(session: Session, now: datetime) -> None:
    first = checks.load_starter(session, actor=None, now=now)
    assert sum(s.added for s in first.value) > 100
    again = checks.load_starter(session, actor=None, now=now)
    assert sum(s.added for s in again.value) == 0 and not again.events
