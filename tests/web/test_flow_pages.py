"""The pages of recall (撤回), nudges (催办), delegation (委托) and who holds an item,
through the test client: what each person sees, and every refusal as a clear message."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import services
from workflow.enums import State
from workflow.models import AuditEvent, Delegation, Item, User

from .support import Portal, login, page_token, version_on


def today() -> date:
    """The app's local day (its clock is the real one in these tests)."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def _session(app: Flask) -> Session:
    session: Session = app.extensions["sanshen.sessions"]()
    return session


def _submitted(app: Flask, portal: Portal, title: str) -> int:
    client = login(app, portal.logins["drafter"])
    path = f"/columns/{portal.column.id}/new"
    _, token = page_token(client, path)
    response = client.post(
        path,
        data={
            "csrf_token": token,
            "title": title,
            "kind": "article",
            "body": "正文",
            "save_submit": "1",
        },
    )
    assert response.status_code == 302
    return int(response.location.rstrip("/").rsplit("/", 1)[1])


def _state(app: Flask, item_id: int) -> str:
    with _session(app) as s:
        item = s.get(Item, item_id)
        assert item is not None
        return item.state


def test_after_submitting_the_page_says_who_holds_it(app: Flask, portal: Portal) -> None:
    item_id = _submitted(app, portal, "提交后看得到谁在审")
    drafter = login(app, portal.logins["drafter"])
    html = drafter.get(f"/items/{item_id}").get_data(as_text=True)
    assert "当前处理" in html and "李建国" in html and "孙副局长" in html
    assert "您目前对此稿件没有可执行的操作" not in html
    assert 'id="recall"' in html and 'id="nudge"' in html
    # The lists name them too: the drafter's columns, the column page, the overview.
    columns = drafter.get("/columns").get_data(as_text=True)
    assert "初审：李建国、孙副局长" in columns
    column = drafter.get(f"/columns/{portal.column.id}").get_data(as_text=True)
    assert "初审：李建国、孙副局长" in column
    editor = login(app, portal.logins["editor"])
    assert "初审：李建国、孙副局长" in editor.get("/overview").get_data(as_text=True)
    # In English too, nothing of it left in Chinese but the names.
    _, token = page_token(drafter, f"/items/{item_id}")
    drafter.post("/language", data={"csrf_token": token, "locale": "en"})
    english = drafter.get(f"/items/{item_id}").get_data(as_text=True)
    assert "Who holds it now" in english and "Nudge" in english and "Confirm recall" in english
    assert not any(word in english for word in ("当前处理", "可处理人", "催办", "撤回"))
    _, token = page_token(drafter, f"/items/{item_id}")
    drafter.post("/language", data={"csrf_token": token, "locale": "zh_CN"})  # kept per user
    # The head sees it with no button.
    head = login(app, portal.logins["head"])
    html = head.get(f"/items/{item_id}").get_data(as_text=True)
    assert 'id="recall"' not in html and 'id="nudge"' not in html


def test_recall_and_its_refusals(app: Flask, portal: Portal) -> None:
    item_id = _submitted(app, portal, "撤回再改")
    drafter = login(app, portal.logins["drafter"])
    html, token = page_token(drafter, f"/items/{item_id}")
    version = version_on(html)
    done = drafter.post(
        f"/items/{item_id}/recall",
        data={"csrf_token": token, "version": version, "comment": "发现错字"},
        follow_redirects=True,
    )
    assert "已撤回" in done.get_data(as_text=True)
    assert _state(app, item_id) == State.DRAFT
    # The same form again (an old tab): the item changed, nothing happens.
    again = drafter.post(f"/items/{item_id}/recall", data={"csrf_token": token, "version": version})
    assert again.status_code == 409 and _state(app, item_id) == State.DRAFT
    # A comment over the limit: the item page with the message, nothing lost.
    html, token = page_token(drafter, f"/items/{item_id}")
    long = drafter.post(
        f"/items/{item_id}/recall",
        data={"csrf_token": token, "version": version_on(html), "comment": "长" * 2001},
    )
    assert long.status_code == 422 and "意见不能超过2000字" in long.get_data(as_text=True)


def test_nudge_once_a_working_day_with_a_clear_refusal(app: Flask, portal: Portal) -> None:
    item_id = _submitted(app, portal, "等了很久的稿件")
    drafter = login(app, portal.logins["drafter"])
    _, token = page_token(drafter, f"/items/{item_id}")
    first = drafter.post(
        f"/items/{item_id}/nudge", data={"csrf_token": token}, follow_redirects=True
    )
    text = first.get_data(as_text=True)
    assert "已催办，已向2位审核人各发送一条提醒" in text
    assert "最近一次：王晓燕于" in text and "今天已催办过" in text
    other = login(app, portal.logins["drafter2"])
    _, token = page_token(other, f"/items/{item_id}")
    second = other.post(
        f"/items/{item_id}/nudge", data={"csrf_token": token}, follow_redirects=True
    )
    assert "今天已由王晓燕于" in second.get_data(as_text=True)
    assert "每个工作日只能催办一次" in second.get_data(as_text=True)
    # A reviewer may not nudge; nor can a draft be nudged.
    head = login(app, portal.logins["head"])
    _, token = page_token(head, f"/items/{item_id}")
    assert head.post(f"/items/{item_id}/nudge", data={"csrf_token": token}).status_code == 403


def test_delegation_page_refusals_and_the_office_view(app: Flask, portal: Portal) -> None:
    head = login(app, portal.logins["head"])
    html, token = page_token(head, "/delegations")
    assert "设定委托" in html
    start = today().isoformat()
    base = {
        "csrf_token": token,
        "delegator_id": portal.ids["head"],
        "delegate_id": portal.ids["deputy2"],
        "stages": ["head_review"],
        "starts_on": start,
        "ends_on": start,
        "reason": "出差",
    }
    cases = [
        ({"delegate_id": portal.ids["head"]}, "不能委托给本人"),
        ({"stages": ["initial_review"]}, "请选择委托人本人负责的审核环节"),
        ({"ends_on": (today() - timedelta(days=1)).isoformat()}, "结束日期不能早于开始日期"),
        ({"starts_on": "2026-13-01"}, "开始日期"),
        ({"stages": []}, "请至少选择一个环节"),
        ({"delegate_id": portal.ids["other_deputy"]}, "受托人"),
    ]
    for change, message in cases:
        refused = head.post("/delegations", data={**base, **change})
        assert refused.status_code in (409, 422), change
        body = refused.get_data(as_text=True)
        assert message in body, (change, body[:3000])
        assert "出差" in body  # what was typed is kept
    made = head.post("/delegations", data=base, follow_redirects=True)
    assert "委托已设定" in made.get_data(as_text=True)
    # A drafter has no delegations page.
    drafter = login(app, portal.logins["drafter"])
    assert drafter.get("/delegations").status_code == 403
    # The office sees it (and who made it for whom).
    editor = login(app, portal.logins["editor"])
    page = editor.get("/delegations").get_data(as_text=True)
    assert "张卫东" in page and "孙副局长" in page and "生效中" in page
    # The head ends it early.
    with _session(app) as s:
        row = s.scalars(
            select(Delegation).where(Delegation.delegator_id == portal.ids["head"])
        ).one()
    _, token = page_token(head, "/delegations")
    ended = head.post(
        f"/delegations/{row.id}/end", data={"csrf_token": token}, follow_redirects=True
    )
    assert "委托已结束" in ended.get_data(as_text=True)
    assert (
        "张卫东"
        not in editor.get("/delegations")
        .get_data(as_text=True)
        .split("设定委托")[0]
        .split("<tbody>")[1]
    )


def test_the_delegate_inbox_and_history(app: Flask, portal: Portal) -> None:
    item_id = _submitted(app, portal, "委托期间的稿件")
    with _session(app) as s:
        deputy = s.get(User, portal.ids["deputy"])
        head = s.get(User, portal.ids["head"])
        assert deputy is not None and head is not None
        moment = datetime.now(UTC)
        item = s.get(Item, item_id)
        assert item is not None
        services.approve(
            s,
            actor=deputy,
            item_id=item_id,
            expected_version=item.version,
            now=moment,
            confidentiality_checked=True,
        )
        services.create_delegation(
            s,
            actor=head,
            now=moment,
            delegator_id=head.id,
            delegate_id=portal.ids["deputy2"],
            stages=["head_review"],
            starts_on=today(),
            ends_on=today() + timedelta(days=1),
        )
        s.commit()
    stand_in = login(app, portal.logins["deputy2"])
    inbox = stand_in.get("/inbox").get_data(as_text=True)
    assert "委托期间的稿件" in inbox and "代 张卫东" in inbox
    html, token = page_token(stand_in, f"/items/{item_id}")
    assert "孙副局长（代 张卫东）" in html  # who holds it
    stand_in.post(
        f"/items/{item_id}/approve",
        data={"csrf_token": token, "version": version_on(html), "comment": "同意"},
    )
    assert _state(app, item_id) == State.OFFICE_REVIEW
    html = stand_in.get(f"/items/{item_id}").get_data(as_text=True)
    assert "孙副局长（代 张卫东）" in html.split("处理记录")[1]
    with _session(app) as s:
        row = s.scalars(
            select(AuditEvent).where(AuditEvent.item_id == item_id).order_by(AuditEvent.seq.desc())
        ).first()
        assert row is not None
        assert (row.actor_id, row.on_behalf_of_id) == (portal.ids["deputy2"], portal.ids["head"])


def test_an_administrator_delegates_for_a_reviewer(app: Flask, portal: Portal) -> None:
    admin = login(app, portal.logins["admin"])
    html, token = page_token(admin, "/delegations")
    assert 'name="delegator_id"' in html and "<select" in html  # choose whom it is for
    start = (today() + timedelta(days=3)).isoformat()
    made = admin.post(
        "/delegations",
        data={
            "csrf_token": token,
            "delegator_id": portal.ids["deputy"],
            "delegate_id": portal.ids["head"],
            "stages": ["initial_review"],
            "starts_on": start,
            "ends_on": start,
            "reason": "休假",
        },
        follow_redirects=True,
    )
    page = made.get_data(as_text=True)
    assert "委托已设定" in page and "未开始" in page and "李建国" in page
    # The deputy sees it as theirs (upcoming) and may cancel it; the English page too.
    deputy = login(app, portal.logins["deputy"])
    mine = deputy.get("/delegations").get_data(as_text=True)
    assert "张卫东" in mine and "取消" in mine
    _, token = page_token(deputy, "/delegations")
    deputy.post("/language", data={"csrf_token": token, "locale": "en"})
    english = deputy.get("/delegations").get_data(as_text=True)
    assert "Delegations" in english and "Not started" in english and "Cancel" in english
    assert not any(word in english for word in ("委托", "受托", "环节", "开始日期"))
    _, token = page_token(deputy, "/delegations")
    deputy.post("/language", data={"csrf_token": token, "locale": "zh_CN"})
