"""The 信息发布审核表 downloads (issue 16): from the item page for whoever may see the
item, the office's batch for a period and a unit (page, files, its limit) and
`flask report review-forms`."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import docx
import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy.orm import Session

from web.blueprints import review_forms
from workflow import services
from workflow.models import Item, Unit

from ..services import act
from .support import Portal, login, user_of

# Published in October 2026 (Beijing time), well before the tests' own clock.
OCTOBER = datetime(2026, 10, 12, 2, 0, tzinfo=UTC)


def _published(app: Flask, portal: Portal, title: str, when: datetime) -> int:
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        item = services.create_item(
            session,
            actor=user_of(session, portal, "drafter"),
            column_id=portal.column.id,
            kind="article",
            title=title,
            body="<p>正文</p>",
            now=when,
        ).value
        steps = [
            ("submit", "drafter", {}),
            ("approve", "deputy", {"confidentiality_checked": True, "comment": "同意报送"}),
            ("approve", "head", {}),
            ("approve", "editor", {"comment": "同意发布"}),
        ]
        for i, (action, who, extra) in enumerate(steps, 1):
            at = when + timedelta(minutes=10 * i)
            act(session, action, item, by=user_of(session, portal, who), now=at, **extra)
        session.commit()
        item_id = item.id
        session.close()
        return item_id


def _unit_id(app: Flask, portal: Portal) -> int:
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        unit_id = user_of(session, portal, "drafter").unit_id
        session.close()
        return unit_id


def test_item_page_links_download_the_form(app: Flask, portal: Portal) -> None:
    item_id = _published(app, portal, "关于寒假安全教育的通知", OCTOBER)
    drafter = login(app, portal.logins["drafter"])
    page = drafter.get(f"/items/{item_id}").get_data(as_text=True)
    assert "信息发布审核表" in page
    links = re.findall(r'href="([^"]*review-form\.(?:docx|pdf)[^"]*)"', page)
    assert [link.split("?")[0] for link in links] == [
        f"/items/{item_id}/review-form.docx",
        f"/items/{item_id}/review-form.pdf",
    ]
    word = drafter.get(links[0].replace("&amp;", "&"))
    assert word.status_code == 200
    assert word.mimetype.endswith("wordprocessingml.document")
    assert "attachment" in word.headers["Content-Disposition"]
    table = docx.Document(io.BytesIO(word.data)).tables[0]
    assert table.cell(0, 1).text == "关于寒假安全教育的通知"
    assert table.cell(6, 1).text.startswith("同意报送\n签名：李建国")
    assert table.cell(8, 1).text.startswith("同意发布\n签名：郑爽")
    pdf = drafter.get(links[1].replace("&amp;", "&"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "".join(PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split())
    assert "关于寒假安全教育的通知" in text and "李建国" in text and "张卫东" in text


def test_who_may_download_and_bad_addresses(app: Flask, portal: Portal) -> None:
    item_id = _published(app, portal, "只给本单位看的审核表", OCTOBER)
    outsider = login(app, portal.logins["other_deputy"])
    assert outsider.get(f"/items/{item_id}/review-form.docx").status_code == 404
    editor = login(app, portal.logins["editor"])
    assert editor.get(f"/items/{item_id}/review-form.pdf").status_code == 200
    for bad in ("review-form.xls", "review-form.docx?revision=9", "review-form.pdf?revision=x"):
        assert editor.get(f"/items/{item_id}/{bad}").status_code == 404, bad


def test_a_retracted_items_form_is_not_called_unpublished(app: Flask, portal: Portal) -> None:
    """After 撤稿 the item has no live revision: its form was offered as "未发布", though
    the revision had been published; it is the retracted one, and the form says so."""
    item_id = _published(app, portal, "已撤下的信息", OCTOBER)
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        item = session.get(Item, item_id)
        assert item is not None
        later = OCTOBER + timedelta(days=3)
        editor = user_of(session, portal, "editor")
        act(session, "retract", item, by=editor, now=later, comment="政策已废止")
        session.commit()
        session.close()
    drafter = login(app, portal.logins["drafter"])
    page = drafter.get(f"/items/{item_id}").get_data(as_text=True)
    section = page.split('id="review-form"', 1)[1].split("</section>", 1)[0]
    assert "第1版（已撤稿）" in section and "未发布" not in section
    pdf = drafter.get(f"/items/{item_id}/review-form.pdf?revision=1")
    text = "".join(PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split())
    assert "已于2026年10月15日10:00撤稿，原因：政策已废止" in text


def test_a_revision_in_review_offers_both_forms(app: Flask, portal: Portal) -> None:
    item_id = _published(app, portal, "修订中的信息", OCTOBER)
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        from workflow.models import Item

        item = session.get(Item, item_id)
        assert item is not None
        later = OCTOBER + timedelta(days=3)
        drafter = user_of(session, portal, "drafter")
        act(session, "revise", item, by=drafter, now=later)
        act(session, "submit", item, by=drafter, now=later + timedelta(minutes=5))
        session.commit()
        session.close()
    client = login(app, portal.logins["deputy"])
    page = client.get(f"/items/{item_id}").get_data(as_text=True)
    assert "第1版（在线）" in page and "第2版（未发布，未通过的环节留空）" in page
    new = client.get(f"/items/{item_id}/review-form.docx?revision=2")
    rows = docx.Document(io.BytesIO(new.data)).tables[0]
    assert rows.cell(6, 1).text.startswith("（尚未审核）")
    assert rows.cell(9, 1).text == "尚未发布"


def test_the_office_batch(app: Flask, portal: Portal, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _published(app, portal, "十月的第一条", OCTOBER + timedelta(days=1))
    second = _published(app, portal, "十月的第二条", OCTOBER + timedelta(days=2))
    unit = _unit_id(app, portal)
    editor = login(app, portal.logins["editor"])
    assert "审核表" in editor.get("/office/scoreboard?period=2026-10").get_data(as_text=True)
    page = editor.get(f"/office/review-forms?period=2026-10&unit={unit}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="form-count"' in html
    count = int(re.search(r"本期共发布 (\d+) 条信息", html).group(1))  # type: ignore[union-attr]
    assert count >= 2
    word = editor.get(f"/office/review-forms.docx?period=2026-10&unit={unit}")
    assert word.status_code == 200
    document = docx.Document(io.BytesIO(word.data))
    titles = [t.cell(0, 1).text for t in document.tables]
    assert len(titles) == count and "十月的第一条" in titles and "十月的第二条" in titles
    assert titles.index("十月的第一条") < titles.index("十月的第二条")  # in publication order
    assert first != second
    pdf = editor.get(f"/office/review-forms.pdf?period=2026-10&unit={unit}")
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) == count
    # Another month has none; a bad period is said, not a 500.
    empty = editor.get(f"/office/review-forms?period=2026-08&unit={unit}").get_data(as_text=True)
    assert "本期共发布 0 条信息" in empty and "review-forms.docx" not in empty
    bad = editor.get("/office/review-forms?period=2026年13月")
    assert bad.status_code == 422 and "无法识别的期间" in bad.get_data(as_text=True)
    assert "2026年第4季度" in bad.get_data(as_text=True)  # the spellings it reads
    # The same on a download's address typed by hand: the page and its message, no 404.
    for fmt in ("docx", "pdf"):
        typed = editor.get(f"/office/review-forms.{fmt}?period=2026年十三月")
        assert typed.status_code == 422 and typed.mimetype == "text/html", fmt
        assert "无法识别的期间“2026年十三月”" in typed.get_data(as_text=True)
    assert editor.get("/office/review-forms.docx?period=2026-10&unit=99999999").status_code == 404
    # A unit that is not an id is not "all units" either (it was: the whole batch).
    for bad_unit in ("abc", "-1", "99999999999999999999999", "99999999"):
        for path in ("/office/review-forms", "/office/review-forms.pdf"):
            answer = editor.get(f"{path}?period=2026-10&unit={bad_unit}")
            assert answer.status_code == 404, (path, bad_unit)
    assert editor.get("/office/review-forms?period=2026-10&unit=").status_code == 200
    # Over the web's limit: the page names the command instead of a huge file.
    monkeypatch.setattr(review_forms, "BATCH_LIMIT", 1)
    over = editor.get(f"/office/review-forms.pdf?period=2026-10&unit={unit}")
    assert over.status_code == 422
    assert "flask report review-forms" in over.get_data(as_text=True)


def test_only_the_office_sees_the_batch(app: Flask, portal: Portal) -> None:
    drafter = login(app, portal.logins["drafter"])
    assert drafter.get("/office/review-forms").status_code == 403
    assert drafter.get("/office/review-forms.docx?period=2026-10").status_code == 403


def test_the_command(app: Flask, portal: Portal, tmp_path: Path) -> None:
    item_id = _published(app, portal, "命令导出的审核表", OCTOBER + timedelta(days=5))
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        unit = session.get(Unit, _unit_id(app, portal))
        assert unit is not None
        unit_name = unit.name
        session.close()
    cli = app.test_cli_runner()
    out = tmp_path / "审核表.docx"
    args = ["report", "review-forms", "--month", "2026-10", "--unit", unit_name, "-o", str(out)]
    result = cli.invoke(args=args)
    assert result.exit_code == 0, result.output
    titles = [t.cell(0, 1).text for t in docx.Document(str(out)).tables]
    assert "命令导出的审核表" in titles
    one = tmp_path / "一份.pdf"
    result = cli.invoke(args=["report", "review-forms", "--item", str(item_id), "-o", str(one)])
    assert result.exit_code == 0 and "1 form(s)" in result.output
    assert "命令导出的审核表" in PdfReader(str(one)).pages[0].extract_text()
    for bad_args, message in (
        (["--month", "2026-10", "-o", str(tmp_path / "x.xlsx")], ".docx or .pdf"),
        (["--item", "99999999", "-o", str(tmp_path / "y.pdf")], "no item"),
        (["--item", str(item_id), "--revision", "7", "-o", str(tmp_path / "z.pdf")], "no revision"),
        (["--month", "2026-10", "--revision", "1", "-o", str(tmp_path / "w.pdf")], "--revision"),
    ):
        result = cli.invoke(args=["report", "review-forms", *bad_args])
        assert result.exit_code != 0 and message in result.output, (bad_args, result.output)
    assert not any(p.name in ("x.xlsx", "y.pdf", "z.pdf", "w.pdf") for p in tmp_path.iterdir())


def test_a_draft_has_no_form_yet(app: Flask, portal: Portal) -> None:
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        item = services.create_item(
            session,
            actor=user_of(session, portal, "drafter"),
            column_id=portal.column.id,
            kind="article",
            title="尚未提交的草稿",
            body="<p>草稿</p>",
            now=OCTOBER,
        ).value
        session.commit()
        item_id = item.id
        session.close()
    drafter = login(app, portal.logins["drafter"])
    assert "review-form" not in drafter.get(f"/items/{item_id}").get_data(as_text=True)
