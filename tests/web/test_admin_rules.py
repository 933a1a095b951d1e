"""The office confirms and edits rules in words and forms, manages a column's parts and
each unit's responsible-since day; drafters pick the part (issue 13, points 2–4).
Nothing is shown as JSON; a refused form keeps what was typed and changes nothing."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.models import AdminEvent, Column, ColumnAssignment, ColumnPart

from .support import Portal, login, page_token

PARTED = "信息更新及时，动态信息类每周至少更新1条，其他类每月至少更新1条。"


def _session(app: Flask) -> Session:
    session: Session = app.extensions["sanshen.sessions"]()
    return session


def _column(app: Flask, column_id: int) -> Column:
    with app.app_context():
        session = _session(app)
        column = session.get(Column, column_id)
        assert column is not None
        session.expunge_all()
        session.close()
        return column


def _parts(app: Flask, column_id: int) -> dict[str, int]:
    with app.app_context():
        session = _session(app)
        rows = session.execute(
            select(ColumnPart.name, ColumnPart.id).where(ColumnPart.column_id == column_id)
        ).all()
        session.close()
        return dict(rows)


def _post(client: FlaskClient, page: str, path: str, data: dict[str, Any]) -> Any:
    _, token = page_token(client, page)
    return client.post(path, data={"csrf_token": token, **data})


def _events(app: Flask, action: str) -> list[AdminEvent]:
    with app.app_context():
        session = _session(app)
        rows = list(
            session.execute(select(AdminEvent).where(AdminEvent.action == action)).scalars()
        )
        session.close()
        return rows


def _new_column(client: FlaskClient, name: str, requirement: str) -> int:
    page = "/admin/columns"
    r = _post(
        client,
        page,
        page,
        {"name": name, "parent_id": 0, "time_requirement": requirement, "content_type": "other"},
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:300]
    return int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_rules_are_shown_in_words_and_confirmed_by_the_office(app: Flask, portal: Portal) -> None:
    admin = login(app, portal.logins["admin"])
    column_id = _new_column(admin, "政务公开规则确认", "每月25日前报送，每季度至少3条")
    page = f"/admin/columns/{column_id}"
    html = admin.get(page).get_data(as_text=True)
    assert '"kind"' not in html and "&#34;kind&#34;" not in html  # never JSON
    assert "每月25日前至少发布1条" in html
    assert "待确认" in html and not _column(app, column_id).rules_confirmed
    r = _post(admin, page, f"/admin/columns/{column_id}/rules/confirm", {})
    assert r.status_code == 302
    assert _column(app, column_id).rules_confirmed
    assert "已确认" in admin.get(page).get_data(as_text=True)
    assert any(e.target_id == str(column_id) for e in _events(app, "column.rules_confirm"))
    # New text is parsed again: its rules are 待确认 until confirmed.
    r = _post(
        admin,
        page,
        page,
        {
            "name": "政务公开规则确认",
            "parent_id": 0,
            "time_requirement": "每周至少更新1条",
            "content_type": "other",
        },
    )
    assert r.status_code == 302
    assert not _column(app, column_id).rules_confirmed


def test_the_rule_form_edits_rules_and_keeps_typed_values_on_refusal(
    app: Flask, portal: Portal
) -> None:
    admin = login(app, portal.logins["admin"])
    column_id = _new_column(admin, "规则表单", "每月25日前报送")
    page = f"/admin/columns/{column_id}/rules"
    html, token = page_token(admin, page)
    assert 'name="rules-0-kind"' in html
    # A periodic rule with no period is refused, naming what is missing; nothing changes.
    bad = {
        "csrf_token": token,
        "rules-0-kind": "periodic",
        "rules-0-unit": "month",
        "rules-0-min_items": "7",
        "rules-0-scope": "",
        "save": "1",
    }
    r = admin.post(page, data=bad)
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "请填写周期" in body and 'value="7"' in body
    assert _column(app, column_id).rules[0].get("by_day") == 25  # unchanged
    # Two rules: within 15 working days of receipt, and every quarter at least 3 items.
    good = {
        "csrf_token": token,
        "rules-0-kind": "after_event",
        "rules-0-within": "15",
        "rules-0-within_unit": "workday",
        "rules-0-event": "received",
        "rules-0-unit": "month",
        "rules-0-scope": "",
        "rules-1-kind": "periodic",
        "rules-1-every": "3",
        "rules-1-unit": "month",
        "rules-1-min_items": "3",
        "rules-1-within_unit": "workday",
        "rules-1-scope": "",
        "save": "1",
    }
    r = admin.post(page, data=good)
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    column = _column(app, column_id)
    assert column.rules == [
        {"kind": "after_event", "within": 15, "unit": "workday", "event": "received"},
        {"kind": "periodic", "every": 3, "unit": "month", "min_items": 3},
    ]
    assert column.rules_confirmed  # written by the office: confirmed
    html = admin.get(f"/admin/columns/{column_id}").get_data(as_text=True)
    assert "15个工作日" in html
    (event,) = [e for e in _events(app, "column.rules") if e.target_id == str(column_id)]
    assert all(isinstance(r, str) for r in event.changes["rules"][1])  # words in the log
    # Removing a rule, and adding a row.
    r = admin.post(page, data={**good, "rules-1-remove": "y"})
    assert r.status_code == 302
    assert len(_column(app, column_id).rules) == 1
    r = admin.post(page, data={**good, "add": "1", "save": ""})
    assert r.status_code == 200 and 'name="rules-2-kind"' in r.get_data(as_text=True)


def test_parts_are_made_from_scopes_renamed_and_retired(app: Flask, portal: Portal) -> None:
    admin = login(app, portal.logins["admin"])
    column_id = _new_column(admin, "板块、部门政府信息公开", PARTED)
    parts = _parts(app, column_id)
    assert set(parts) == {"动态信息类", "其他类"}
    page = f"/admin/columns/{column_id}"
    r = _post(admin, page, f"/admin/parts/{parts['其他类']}", {"name": "其他信息"})
    assert r.status_code == 302
    column = _column(app, column_id)
    assert "其他信息" in {r.get("scope") for r in column.rules}
    assert "其他类" not in {r.get("scope") for r in column.rules}
    r = _post(admin, page, f"/admin/columns/{column_id}/parts", {"name": "其他"})
    assert r.status_code == 302 and "其他" in _parts(app, column_id)
    r = _post(admin, page, f"/admin/columns/{column_id}/parts", {"name": "其他"})
    assert r.status_code == 302  # refused with a message, not a 500
    assert "已有名为“其他”的分类" in admin.get(page).get_data(as_text=True)
    r = _post(admin, page, f"/admin/parts/{_parts(app, column_id)['其他']}/retire", {"retire": "1"})
    assert r.status_code == 302 and "其他" not in _parts(app, column_id)  # unused: removed


def test_responsible_since_is_set_per_assignment(app: Flask, portal: Portal) -> None:
    admin = login(app, portal.logins["admin"])
    with app.app_context():
        session = _session(app)
        assignment = session.execute(
            select(ColumnAssignment).where(ColumnAssignment.column_id == portal.column.id)
        ).scalar_one()
        assignment_id, column_id = assignment.id, assignment.column_id
        session.close()
    page = f"/admin/columns/{column_id}"
    field = f"s{assignment_id}-responsible_since"
    html, _ = page_token(admin, page)
    token = re.search(rf'name="s{assignment_id}-csrf_token" [^>]*value="([^"]+)"', html)
    assert token, "no since form on the column page"
    r = admin.post(
        f"/admin/assignments/{assignment_id}/since",
        data={f"s{assignment_id}-csrf_token": token.group(1), field: "2026-01-01"},
    )
    assert r.status_code == 302
    with app.app_context():
        session = _session(app)
        got = session.get(ColumnAssignment, assignment_id)
        assert got is not None and got.responsible_since == date(2026, 1, 1)
        session.close()
    r = admin.post(
        f"/admin/assignments/{assignment_id}/since",
        data={f"s{assignment_id}-csrf_token": token.group(1), field: "不是日期"},
    )
    assert r.status_code == 302  # a message, no change
    assert "请选择有效的责任起始日期" in admin.get(page).get_data(as_text=True)


def test_a_drafter_chooses_the_part_of_a_column_with_several(app: Flask, portal: Portal) -> None:
    admin = login(app, portal.logins["admin"])
    column_id = _new_column(admin, "分类起草", PARTED)
    with app.app_context():
        session = _session(app)
        unit_id = session.get(Column, portal.column.id).assignments[0].unit_id  # type: ignore[union-attr]
        session.add(
            ColumnAssignment(
                column_id=column_id, unit_id=unit_id, role="lead", responsible_since=date.today()
            )
        )
        session.commit()
        session.close()
    parts = _parts(app, column_id)
    assert set(parts) == {"动态信息类", "其他类"}
    drafter = login(app, portal.logins["drafter"])
    new = f"/columns/{column_id}/new"
    html, token = page_token(drafter, new)
    assert 'name="part_id"' in html and "动态信息类（每周至少发布1条）" in html
    data = {
        "csrf_token": token,
        "title": "本周动态",
        "kind": "article",
        "body": "正文",
        "save": "1",
    }
    r = drafter.post(new, data={**data, "part_id": "0"})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "请选择信息所属的分类" in body and "本周动态" in body  # typed text kept
    _, token = page_token(drafter, new)
    r = drafter.post(new, data={**data, "csrf_token": token, "part_id": str(parts["动态信息类"])})
    assert r.status_code == 302


def test_a_bad_responsible_since_when_adding_a_unit_is_refused(app: Flask, portal: Portal) -> None:
    """A year-1 date would make every period unreachable (and the whole portal's
    evaluation fail): refused with a message, nothing added, never a 500."""
    admin = login(app, portal.logins["admin"])
    column_id = _new_column(admin, "起始日期校验", "每年1月31日前")
    with app.app_context():
        session = _session(app)
        unit_id = session.get(Column, portal.column.id).assignments[0].unit_id  # type: ignore[union-attr]
        session.close()
    page = f"/admin/columns/{column_id}"
    for bad in ("0001-01-01", "2999-01-01", "不是日期"):
        r = _post(
            admin,
            page,
            f"/admin/columns/{column_id}/assignments",
            {"unit_id": unit_id, "role": "lead", "responsible_since": bad},
        )
        assert r.status_code == 302
        with app.app_context():
            session = _session(app)
            count = session.query(ColumnAssignment).filter_by(column_id=column_id).count()
            session.close()
        assert count == 0
    html = admin.get(page).get_data(as_text=True)
    assert "责任起始日期" in html
    assert admin.get(f"/office/columns/{column_id}").status_code in (200, 404)
