"""The 信息发布审核表 (issue 16): its facts come from the audit trail; the .docx opens in
python-docx with the expected cells, the PDF's text (pypdf) carries the Chinese content,
and a month's batch has a form per published revision."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import docx
import pytest
from pypdf import PdfReader
from sqlalchemy import update
from sqlalchemy.orm import Session

from workflow import audit
from workflow.enums import Role, State
from workflow.models import Item, Revision
from workflow.reporting import review_form_docx, review_form_pdf
from workflow.reporting.review_form import (
    CONFIDENTIALITY_TEXT,
    ReviewForm,
    form_revision,
    published_in,
    review_form,
    review_forms,
)

from .factories import World, new_item
from .services import act

T0 = datetime(2026, 11, 3, 1, 0, tzinfo=UTC)  # 09:00 in Beijing


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def publish(session: Session, world: World, item: Item, start: datetime) -> None:
    """Through the three stages, an hour apart, with opinions."""
    assert world.office_editor is not None
    act(session, "submit", item, by=world.drafter, now=start)
    act(
        session,
        "approve",
        item,
        by=world.user(Role.DEPUTY_HEAD),
        now=start + timedelta(hours=1),
        confidentiality_checked=True,
        comment="保密审查通过，同意报送",
    )
    act(session, "approve", item, by=world.user(Role.HEAD), now=start + timedelta(hours=2))
    act(session, "approve", item, by=world.office_editor, now=start + timedelta(hours=3),
        comment="同意发布")


def cells(table: docx.table.Table) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in table.rows]


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def published(session: Session, world: World) -> Item:
    item = new_item(session, world, T0)
    publish(session, world, item, at(1))
    return item


def test_the_form_of_a_published_item(session: Session, world: World, published: Item) -> None:
    form = review_form(session, published.id, 1)
    assert form is not None
    assert (form.title, form.unit, form.column) == (
        "关于开展2026年秋季学期招生工作的通知",
        world.unit_a.name,
        world.column.path,
    )
    assert form.kind == "一般信息" and form.drafter == world.drafter.name
    assert form.submitted_at == at(1) and form.published_at == at(4)
    assert [(s.reviewer, s.opinion, s.at) for s in form.signoffs] == [
        (world.user(Role.DEPUTY_HEAD).name, "保密审查通过，同意报送", at(2)),
        (world.user(Role.HEAD).name, "", at(3)),
        ("区政府办编辑", "同意发布", at(4)),
    ]
    assert form.confidentiality_checked and form.live
    rev = session.get(Revision, published.revisions[0].id)
    assert rev is not None and form.content_digest == audit.revision_digest(rev)
    assert form.digest_matches


def test_docx_cells(session: Session, world: World, published: Item) -> None:
    form = review_form(session, published.id, 1)
    assert form is not None
    document = docx.Document(io.BytesIO(review_form_docx.render([form], at(30))))
    assert document.paragraphs[0].text == "政府网站信息发布审核表"
    assert document.paragraphs[1].text == f"编号：{published.id}-1（第1版）"
    (table,) = document.tables
    rows = cells(table)
    title = "关于开展2026年秋季学期招生工作的通知"
    assert rows[0] == ["信息标题", title, title, title]  # merged across the row
    assert rows[1] == ["报送单位", world.unit_a.name, "信息类别", "一般信息"]
    assert rows[2][:2] == ["发布栏目", world.column.path]
    assert rows[3] == ["报送人", world.drafter.name, "报送时间", "2026年11月3日 10:00"]
    assert rows[4][:2] == ["附件", "无"]
    assert rows[5][:2] == ["保密审查", f"■ {CONFIDENTIALITY_TEXT}"]
    deputy = world.user(Role.DEPUTY_HEAD).name
    assert rows[6][0] == "初审意见\n（部门分管负责人）"
    assert rows[6][1] == f"保密审查通过，同意报送\n签名：{deputy}　　日期：2026年11月3日 11:00"
    assert rows[7][1].startswith("同意。\n签名：" + world.user(Role.HEAD).name)
    assert rows[8][0] == "审发意见\n（区政府办）"
    assert rows[8][1] == "同意发布\n签名：区政府办编辑　　日期：2026年11月3日 13:00"
    assert rows[9] == ["发布时间", "2026年11月3日 13:00", "版本", "第1版"]
    assert rows[10][0] == "内容摘要\n（SHA-256）"
    assert rows[10][1] == (
        review_forms(session, [(published.id, 1)])[0].content_digest
    )
    # Bordered like the paper form.
    assert table.style is not None and table.style.name == "Table Grid"


def test_pdf_text(session: Session, world: World, published: Item) -> None:
    form = review_form(session, published.id, 1)
    assert form is not None
    data = review_form_pdf.render([form], at(30))
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    compact = "".join(text.split())
    for expected in (
        "政府网站信息发布审核表",
        "关于开展2026年秋季学期招生工作的通知",
        world.unit_a.name,
        "初审意见",
        "审核意见",
        "审发意见",
        "保密审查通过，同意报送",
        CONFIDENTIALITY_TEXT,
        "2026年11月3日13:00",
        form.content_digest[:16],
    ):
        assert "".join(expected.split()) in compact, expected
    assert PdfReader(io.BytesIO(data)).metadata.title.endswith(form.title)


def test_pdf_of_the_longest_opinions_runs_over_pages(
    session: Session, world: World, published: Item
) -> None:
    """A 2,000-character opinion (the form's limit), one of 300 short lines and many
    attachments: a table row cannot break across pages, so each long text is cut into
    rows (reportlab refused the form with LayoutError, a 500 on the item page)."""
    form = review_form(session, published.id, 1)
    assert form is not None
    long_opinion = "请按意见修改" * 333 + "末尾"  # 2,000 characters
    many_lines = "\n".join(f"第{i}条意见" for i in range(300))
    first, head, office = form.signoffs
    form = replace(
        form,
        title="标" * 500,
        attachments=tuple(f"附件：第{i}个附件的很长的文件名称.docx" for i in range(80)),
        signoffs=(replace(first, opinion=long_opinion), replace(head, opinion=many_lines), office),
    )
    data = review_form_pdf.render([form, form], at(30))
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) > 4
    compact = "".join(pdf_text(data).split())
    assert compact.count("请按意见修改") == 2 * 333
    assert compact.count("末尾") == 2
    assert "第0条意见第1条意见" in compact and "第299条意见" in compact
    assert "第79个附件" in compact
    assert compact.count("签名：" + "".join(head.reviewer.split())) == 2


def test_pieces_keep_every_character() -> None:
    text = "甲" * 95 + "\n\n" + "ab c" * 40 + "\n" + "乙"
    parts = review_form_pdf.pieces(text, 11, 100, max_lines=3)
    assert len(parts) > 3
    assert "".join(parts).replace("\n", "") == text.replace("\n", "")
    assert review_form_pdf.pieces("短", 11, 100) == ["短"]


def test_a_retracted_item_says_so(session: Session, world: World, published: Item) -> None:
    """A form filed after 撤稿 must not read as if the item were still on the portal."""
    assert world.office_editor is not None
    act(session, "retract", published, by=world.office_editor, now=at(30), comment="内容已过时")
    form = review_form(session, published.id, form_revision(published))
    assert form is not None and form.revision_no == 1
    assert form.retracted_at == at(30) and form.retraction_reason == "内容已过时"
    rows = cells(docx.Document(io.BytesIO(review_form_docx.render([form], at(31)))).tables[0])
    assert rows[-1][0] == "撤稿"
    assert rows[-1][1] == "已于2026年11月4日 15:00撤稿，原因：内容已过时"
    compact = "".join(pdf_text(review_form_pdf.render([form], at(31))).split())
    assert "已于2026年11月4日15:00撤稿，原因：内容已过时" in compact
    # A form of an item never retracted has no such row.
    other = new_item(session, world, T0)
    publish(session, world, other, at(1))
    kept = review_form(session, other.id, 1)
    assert kept is not None and kept.retracted_at is None
    last = cells(docx.Document(io.BytesIO(review_form_docx.render([kept], at(31)))).tables[0])[-1]
    assert last[0] == "内容摘要\n（SHA-256）"


def test_characters_xml_cannot_hold_do_not_break_the_docx(
    session: Session, world: World
) -> None:
    """An opinion typed with U+FFFF (valid UTF-8, accepted by the services) made lxml
    refuse the whole .docx: a 500. Such characters are left out of the document."""
    assert world.office_editor is not None
    item = new_item(session, world, T0)
    act(session, "submit", item, by=world.drafter, now=at(1))
    deputy = world.user(Role.DEPUTY_HEAD)
    act(session, "approve", item, by=deputy, now=at(2), confidentiality_checked=True,
        comment="同意\uffff报\x0b送\ufffe")
    form = review_form(session, item.id, 1)
    assert form is not None and form.signoffs[0].opinion == "同意\uffff报\x0b送\ufffe"
    table = docx.Document(io.BytesIO(review_form_docx.render([form], at(3)))).tables[0]
    assert table.cell(6, 1).text.startswith("同意报送\n签名：")
    assert "同意" in pdf_text(review_form_pdf.render([form], at(3)))


def test_a_revision_in_review_keeps_the_live_form(
    session: Session, world: World, published: Item
) -> None:
    act(session, "revise", published, by=world.drafter, now=at(10))
    act(session, "submit", published, by=world.drafter, now=at(11))
    item = session.get(Item, published.id)
    assert item is not None and form_revision(item) == 1  # the public's revision
    live = review_form(session, published.id, 1)
    new = review_form(session, published.id, 2)
    assert live is not None and new is not None
    assert live.live and live.published_at == at(4)
    assert not new.live and new.published_at is None and new.submitted_at == at(11)
    assert [s.signed for s in new.signoffs] == [False, False, False]
    assert not new.confidentiality_checked
    rows = cells(docx.Document(io.BytesIO(review_form_docx.render([new], at(30)))).tables[0])
    assert rows[5][1] == "□ 未确认"
    assert rows[6][1] == "（尚未审核）\n签名：　　　　　　　日期："
    assert rows[9][:2] == ["发布时间", "尚未发布"]


def test_a_return_voids_the_rounds_approvals(session: Session, world: World) -> None:
    """Approved at 初审, returned at 审核, resubmitted unchanged: 初审 has to sign again."""
    item = new_item(session, world, T0)
    act(session, "submit", item, by=world.drafter, now=at(1))
    act(session, "approve", item, by=world.user(Role.DEPUTY_HEAD), now=at(2),
        confidentiality_checked=True)
    act(session, "reject", item, by=world.user(Role.HEAD), now=at(3), comment="数据有误")
    act(session, "resubmit", item, by=world.drafter, now=at(4))
    form = review_form(session, item.id, item.current_revision_no)
    assert form is not None
    assert form.submitted_at == at(4)
    assert not any(s.signed for s in form.signoffs) and not form.confidentiality_checked


def test_a_returned_revisions_form_shows_the_return(session: Session, world: World) -> None:
    """Approved at 初审, returned at 审核 and not resubmitted (the drafter edits a new
    revision): revision 1's form is that round — 初审's approval and 审核's 退回 with its
    opinion — not "尚未审核" for stages that acted."""
    item = new_item(session, world, T0)
    deputy, head = world.user(Role.DEPUTY_HEAD), world.user(Role.HEAD)
    act(session, "submit", item, by=world.drafter, now=at(1))
    act(session, "approve", item, by=deputy, now=at(2), confidentiality_checked=True)
    act(session, "reject", item, by=head, now=at(3), comment="数据有误，请核实")
    form = review_form(session, item.id, 1)
    assert form is not None
    first, second, third = form.signoffs
    assert (first.reviewer, first.at, first.opinion) == (deputy.name, at(2), "")
    assert (second.reviewer, second.at) == (head.name, at(3))
    assert second.opinion == "退回修改：数据有误，请核实"
    assert not third.signed and form.confidentiality_checked and form.published_at is None
    rows = cells(docx.Document(io.BytesIO(review_form_docx.render([form], at(4)))).tables[0])
    assert rows[7][1].startswith(f"退回修改：数据有误，请核实\n签名：{head.name}")
    assert rows[8][1].startswith("（尚未审核）")


def test_content_changed_behind_the_trail_is_said(
    session: Session, world: World, published: Item
) -> None:
    session.execute(
        update(Revision).where(Revision.item_id == published.id).values(body="<p>改过</p>")
    )
    session.expire_all()
    form = review_form(session, published.id, 1)
    assert form is not None and not form.digest_matches
    rows = cells(docx.Document(io.BytesIO(review_form_docx.render([form], at(30)))).tables[0])
    assert rows[10][1].endswith("（注意：稿件内容与审核记录不一致）")


def test_a_months_batch(session: Session, world: World, published: Item) -> None:
    """November's publications of unit A, one page each; December's and unit B's apart."""
    second = new_item(session, world, T0)
    publish(session, world, second, at(24 * 7))
    later = new_item(session, world, T0)
    publish(session, world, later, datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    other = new_item(session, world, T0, drafter=world.user(Role.DRAFTER, "b"))
    keys = published_in(session, date(2026, 11, 1), date(2026, 11, 30))
    assert keys == [(published.id, 1), (second.id, 1)]  # `other` is not published
    assert published_in(
        session, date(2026, 11, 1), date(2026, 11, 30), unit_id=world.unit_b.id
    ) == []
    assert other.state == State.DRAFT
    forms = review_forms(session, keys)
    document = docx.Document(io.BytesIO(review_form_docx.render(forms, at(30))))
    assert len(document.tables) == 2
    titles = [p for p in document.paragraphs if p.text == "政府网站信息发布审核表"]
    assert [bool(p.paragraph_format.page_break_before) for p in titles] == [False, True]
    reader = PdfReader(io.BytesIO(review_form_pdf.render(forms, at(30))))
    assert len(reader.pages) == 2
    assert all("政府网站信息发布审核表" in page.extract_text() for page in reader.pages)


def test_an_empty_batch_says_so(session: Session, world: World) -> None:
    empty: list[ReviewForm] = []
    document = docx.Document(io.BytesIO(review_form_docx.render(empty, at(30))))
    assert document.paragraphs[0].text == "所选期间没有发布的信息。"
    assert "所选期间没有发布的信息" in pdf_text(review_form_pdf.render(empty, at(30)))


def test_a_batch_is_a_fixed_number_of_statements(session: Session, world: World) -> None:
    """Items, revisions, their attachments and the audit trail: four statements for two
    forms and for eight (never a query per form)."""
    from .test_reporting_queries import count_statements

    items = [new_item(session, world, T0) for _ in range(8)]
    for i, item in enumerate(items):
        publish(session, world, item, at(i))
    keys = [(item.id, 1) for item in items]
    session.expire_all()
    few = count_statements(session, lambda: review_forms(session, keys[:2]))
    session.expire_all()
    many = count_statements(session, lambda: review_forms(session, keys))
    assert few == many == 4
