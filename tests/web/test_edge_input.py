"""Input refused at the edge (issue 15, findings 6, 9 and 12): ids, pages, years,
periods and dates outside their ranges answer 404/400/422 with a Chinese message, never
a 500; control characters and line breaks in one-line fields are refused naming the
field; a column page answers the same 404 whether the column is missing or not yours."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from flask import Flask

from notifications.channels.base import Contact
from notifications.channels.email import build_message
from workflow import runner, services
from workflow.errors import ValidationFailed
from workflow.models import Delivery, Item, User

from .support import Portal, csrf_token, login, page_token

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/items/2147483648"),
        ("GET", f"/items/{HUGE}"),
        ("GET", f"/columns/{HUGE}"),
        ("GET", f"/attachments/{HUGE}"),
        ("POST", f"/items/{HUGE}/submit"),
        ("POST", "/items/2147483648/approve"),
        ("GET", f"/office/columns/{HUGE}"),
    ],
)
def test_ids_beyond_integer_are_no_such_page(
    app: Flask, portal: Portal, method: str, path: str
) -> None:
    client = login(app, portal.logins["drafter"])
    token = csrf_token(client, "/messages/")
    response = client.open(path, method=method, data={"csrf_token": token, "version": "1"})
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)


def test_pages_years_and_periods_out_of_range(app: Flask, portal: Portal) -> None:
    editor = login(app, portal.logins["editor"])
    assert editor.get(f"/messages/?page={HUGE}").status_code == 200
    assert editor.get(f"/office/?page={HUGE}&upage={HUGE}").status_code == 200
    refused = editor.get("/office/cramming?year=10000")
    assert refused.status_code == 400
    assert "年份“10000”无效" in refused.get_data(as_text=True)
    period = editor.get("/office/scoreboard?period=9999-12")
    assert period.status_code == 422 and "无法识别的期间" in period.get_data(as_text=True)
    assert editor.get("/office/scoreboard/assessment.xlsx?period=9999-12").status_code == 404
    admin = login(app, portal.logins["admin"])
    assert admin.get(f"/admin/holidays?year={HUGE}").status_code == 400
    assert admin.get(f"/admin/users?unit={HUGE}").status_code == 200
    assert admin.get("/admin/log?from=9999-12-31&to=9999-12-31").status_code == 200


def test_an_event_date_in_9999_is_refused_with_a_message(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["drafter"])
    path = f"/columns/{portal.column.id}/new"
    _, token = page_token(client, path)
    data = {
        "csrf_token": token,
        "title": "申请答复",
        "kind": "article",
        "body": "正文",
        "event_date": "9999-12-31",
    }
    response = client.post(path, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "须在1900年至2100年之间" in html
    assert "申请答复" in html  # the typed text is still in the form
    # The library refuses it too, with its own error rather than OverflowError.
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            with pytest.raises(ValidationFailed, match="out of range"):
                runner.run(
                    session,
                    services.create_item,
                    actor=session.get(User, portal.ids["drafter"]),
                    now=datetime.now(UTC),
                    column_id=portal.column.id,
                    kind="article",
                    title="申请答复",
                    event_date=date(9999, 12, 31),
                )
        finally:
            session.close()


def test_a_nul_byte_is_refused_naming_the_field(app: Flask, portal: Portal) -> None:
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/login", data={"login": "admin\x00", "password": "x" * 9, "csrf_token": token}
    )
    assert response.status_code == 400
    assert "“用户名”含有不可见的控制字符" in response.get_data(as_text=True)
    drafter = login(app, portal.logins["drafter"])
    path = f"/columns/{portal.column.id}/new"
    _, token = page_token(drafter, path)
    refused = drafter.post(
        path, data={"csrf_token": token, "title": "标题", "kind": "article", "body": "a\x00b"}
    )
    assert refused.status_code == 400 and "“正文”含有不可见的控制字符" in refused.get_data(
        as_text=True
    )


def test_a_line_break_in_a_title_is_refused(app: Flask, portal: Portal) -> None:
    client = login(app, portal.logins["drafter"])
    path = f"/columns/{portal.column.id}/new"
    _, token = page_token(client, path)
    title = "招生公告\r\nBcc: everyone@example.com"
    response = client.post(
        path, data={"csrf_token": token, "title": title, "kind": "article", "body": "正文"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "“标题”须为一行文字" in html
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            with pytest.raises(ValidationFailed, match="line break"):
                runner.run(
                    session,
                    services.create_item,
                    actor=session.get(User, portal.ids["drafter"]),
                    now=datetime.now(UTC),
                    column_id=portal.column.id,
                    kind="article",
                    title=title,
                )
            stored = session.query(Item).filter(Item.title.contains("Bcc")).count()
        finally:
            session.close()
    assert stored == 0


def test_a_title_stored_with_a_line_break_still_mails() -> None:
    """Rows from before the check: the subject is folded to one line, not refused."""
    delivery = Delivery(id=1, title="招生公告\r\nBcc: x@example.com", body="正文", link="")
    msg = build_message(delivery, Contact("李建国", "li@example.com"), "三审 <s@example.com>")
    assert msg["Subject"] == "招生公告 Bcc: x@example.com"
    assert "\n" not in msg["Subject"]


def test_a_column_page_does_not_tell_which_ids_exist(app: Flask, portal: Portal) -> None:
    outsider = login(app, portal.logins["other_deputy"])  # another unit's deputy
    existing = outsider.get(f"/office/columns/{portal.column.id}")
    missing = outsider.get("/office/columns/2147483600")
    assert existing.status_code == missing.status_code == 404
    # The same page but for the address itself (in the language form's return link) and
    # the CSRF tokens, which carry the second they were made in.
    def page(response: Any, column_id: object) -> str:
        html = response.get_data(as_text=True).replace(f"/{column_id}?", "/ID?")
        return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', html)

    assert page(existing, portal.column.id) == page(missing, 2147483600)
