"""Administration pages: only admins; units, users and roles, the column tree with
parsed rules, assignments and designated drafters (which the drafting pages obey),
holiday overrides by hand and by CSV (all or nothing)."""

from __future__ import annotations

import io
import re
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.models import Column, ColumnAssignment, HolidayOverride, Unit, User

from .support import STRONG, Portal, login, page_token


def _db(app: Flask) -> Session:
    session: Session = app.extensions["sanshen.sessions"]()
    return session


def _post(client: FlaskClient, path: str, data: dict[str, object], **kw: object) -> object:
    _, token = page_token(client, path if "/remove" not in path else "/admin/")
    return client.post(path, data={"csrf_token": token, **data}, **kw)


def test_only_admins(app: Flask, portal: Portal) -> None:
    assert login(app, portal.logins["editor"]).get("/admin/units").status_code == 403
    assert login(app, portal.logins["admin"]).get("/admin/").status_code == 200


def test_units_and_users(app: Flask, portal: Portal) -> None:
    admin = login(app, portal.logins["admin"])
    r = _post(
        admin, "/admin/units", {"name": "区大数据局", "kind": "department", "aliases": "大数据局"}
    )
    assert r.status_code == 302  # type: ignore[attr-defined]
    r = _post(admin, "/admin/units", {"name": "大数据局", "kind": "department"})
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert "单位名称或别名已被使用" in r.get_data(as_text=True)  # type: ignore[attr-defined]
    with app.app_context():
        s = _db(app)
        unit = s.execute(select(Unit).where(Unit.name == "区大数据局")).scalar_one()
        unit_id = unit.id
        s.close()
    r = _post(
        admin,
        "/admin/users",
        {
            "login": "bd_drafter",
            "name": "周报送",
            "unit_id": unit_id,
            "roles": ["drafter", "deputy_head"],
            "password": STRONG,
        },
    )
    assert r.status_code == 302  # type: ignore[attr-defined]
    r = _post(admin, "/admin/users", {"login": "bd_drafter", "name": "重名", "unit_id": unit_id})
    assert r.status_code == 422  # type: ignore[attr-defined]
    assert "用户名已被使用" in r.get_data(as_text=True)  # type: ignore[attr-defined]
    login(app, "bd_drafter", STRONG)  # the new user can log in
    with app.app_context():
        s = _db(app)
        user = s.execute(select(User).where(User.login == "bd_drafter")).scalar_one()
        assert sorted(user.roles) == ["deputy_head", "drafter"]
        user_id = user.id
        s.close()
    r = _post(admin, f"/admin/users/{user_id}", {"roles": ["drafter"], "active": ""})
    assert r.status_code == 302  # type: ignore[attr-defined]
    with app.app_context():
        s = _db(app)
        user = s.get(User, user_id)
        assert user is not None and sorted(user.roles) == ["drafter"] and not user.active
        s.close()


def test_columns_assignments_and_designated_drafters(app: Flask, portal: Portal) -> None:
    admin = login(app, portal.logins["admin"])
    r = _post(
        admin,
        "/admin/columns",
        {
            "parent_id": portal.column.id,
            "name": "招生政策",
            "time_requirement": "每季度至少更新1条",
            "content_type": "policy",
        },
    )
    assert r.status_code == 302  # type: ignore[attr-defined]
    with app.app_context():
        s = _db(app)
        col = s.execute(select(Column).where(Column.name == "招生政策")).scalar_one()
        assert col.path == f"{portal.column.path}/招生政策" and col.level == 2
        assert col.rules and col.rules[0]["kind"] == "periodic"
        column_id = col.id
        drafter = s.get(User, portal.ids["drafter"])
        assert drafter is not None
        unit_id = drafter.unit_id
        s.close()
    r = _post(
        admin, f"/admin/columns/{column_id}/assignments", {"unit_id": unit_id, "role": "lead"}
    )
    assert r.status_code == 302  # type: ignore[attr-defined]
    drafter2 = login(app, portal.logins["drafter2"])
    assert "招生政策" in drafter2.get("/columns").get_data(as_text=True)
    with app.app_context():
        s = _db(app)
        assignment = s.execute(
            select(ColumnAssignment).where(ColumnAssignment.column_id == column_id)
        ).scalar_one()
        assignment_id = assignment.id
        s.close()
    page = admin.get(f"/admin/columns/{column_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page)
    assert token
    r = admin.post(
        f"/admin/assignments/{assignment_id}/drafters",
        data={"csrf_token": token.group(1), f"a{assignment_id}-user_ids": [portal.ids["drafter"]]},
    )
    assert r.status_code == 302
    # Only the designated drafter may now create items there.
    html = drafter2.get(f"/columns/{column_id}").get_data(as_text=True)
    assert "新建信息" not in html and "王晓燕" in html
    r = drafter2.get(f"/columns/{column_id}/new")
    assert r.status_code == 403 and "指定" in r.get_data(as_text=True)
    assert "招生政策" in login(app, portal.logins["drafter"]).get(f"/columns/{column_id}").get_data(
        as_text=True
    )


def test_holidays_by_hand_and_by_csv(app: Flask, portal: Portal) -> None:
    admin = login(app, portal.logins["admin"])
    r = _post(
        admin, "/admin/holidays", {"day": "2027-10-09", "is_workday": "1", "note": "国庆调休"}
    )
    assert r.status_code == 302  # type: ignore[attr-defined]
    page = admin.get("/admin/holidays?year=2027").get_data(as_text=True)
    assert "国庆调休" in page and "2027年10月9日星期六" in page
    y = date.today().year + 1  # an upload holds last year to two years ahead
    bad = f"日期,是否上班,备注\n{y}-10-01,否,国庆\n{y}-13-01,否,错误的日期\n".encode()
    _, token = page_token(admin, "/admin/holidays")
    r = admin.post(
        "/admin/holidays/upload",
        data={"csrf_token": token, "file": (io.BytesIO(bad), "2027.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    html = r.get_data(as_text=True)
    assert "2027.csv" in html and "第3行" in html
    with app.app_context():
        s = _db(app)
        assert s.get(HolidayOverride, date(y, 10, 1)) is None  # nothing half-imported
        s.close()
    good = f"日期,是否上班,备注\n{y}-10-01,否,国庆\n{y}-10-02,否,国庆\n".encode()
    r = admin.post(
        "/admin/holidays/upload",
        data={"csrf_token": token, "file": (io.BytesIO(good), "2027.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "已导入 2 天" in r.get_data(as_text=True)
    _, token = page_token(admin, "/admin/holidays?year=2027")
    r = admin.post("/admin/holidays/2027-10-09/remove", data={"csrf_token": token})
    assert r.status_code == 302
    with app.app_context():
        s = _db(app)
        assert s.get(HolidayOverride, date(2027, 10, 9)) is None
        assert s.get(HolidayOverride, date(y, 10, 1)) is not None
        s.close()
