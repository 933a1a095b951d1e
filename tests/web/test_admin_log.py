"""The administrators' log: every admin page change and configuration command writes
exactly one AdminEvent with the old and new values, a refused change writes none,
passwords never appear, and /admin/log lists, filters and pages them (admins and
supervisors only)."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow import admin_log
from workflow.accounts import create_user
from workflow.enums import Role
from workflow.models import AdminEvent, Column, ColumnAssignment, Unit, User

from ..importer_fixtures import build_xlsx, seed_002
from .support import PASSWORD, STRONG, Portal, login, page_token


@contextmanager
def _db(app: Flask) -> Iterator[Session]:
    with app.app_context():
        session: Session = app.extensions["sanshen.sessions"]()
        try:
            yield session
        finally:
            session.close()


def _last(app: Flask) -> int:
    with _db(app) as s:
        return int(s.scalar(select(func.max(AdminEvent.id))) or 0)


def _since(app: Flask, last: int) -> list[AdminEvent]:
    with _db(app) as s:
        return list(
            s.execute(select(AdminEvent).where(AdminEvent.id > last).order_by(AdminEvent.id))
            .scalars()
            .all()
        )


@contextmanager
def _one(app: Flask, action: str) -> Iterator[list[AdminEvent]]:
    """Exactly one event of this action is written by the block; yields it (in a list)."""
    last = _last(app)
    found: list[AdminEvent] = []
    yield found
    events = _since(app, last)
    assert [e.action for e in events] == [action]
    found.append(events[0])


@contextmanager
def _none(app: Flask) -> Iterator[None]:
    last = _last(app)
    yield
    assert _since(app, last) == []


def _post(client: FlaskClient, path: str, data: dict[str, Any], page: str = "/admin/") -> Any:
    _, token = page_token(client, page)
    return client.post(path, data={"csrf_token": token, **data})


def _no_secrets(event: AdminEvent) -> None:
    text = json.dumps(event.changes, ensure_ascii=False)
    assert PASSWORD not in text and "argon2" not in text and "password_hash" not in text


def test_units_and_users_log_who_changed_what(app: Flask, portal: Portal) -> None:
    admin = login(app, portal.logins["admin"])
    with _one(app, "unit.create") as ev:
        r = _post(
            admin,
            "/admin/units",
            {"name": "区审计局", "kind": "department", "aliases": "审计局"},
        )
        assert r.status_code == 302
    event = ev[0]
    assert event.actor_id == portal.ids["admin"] and event.target_type == "unit"
    assert event.target_label == "区审计局"
    assert event.changes["name"] == [None, "区审计局"]
    assert event.changes["aliases"] == [None, "审计局"]
    unit_id = int(event.target_id or 0)

    with _none(app):  # refused: the alias is taken
        assert _post(admin, "/admin/units", {"name": "审计局", "kind": "department"}).status_code
    with _one(app, "unit.deactivate") as ev:
        assert _post(admin, f"/admin/units/{unit_id}/toggle", {}).status_code == 302
    assert ev[0].changes == {"active": [True, False]}
    with _one(app, "unit.activate"):
        _post(admin, f"/admin/units/{unit_id}/toggle", {})

    with _one(app, "user.create") as ev:
        r = _post(
            admin,
            "/admin/users",
            {
                "login": "sj_drafter",
                "name": "审计报送员",
                "unit_id": unit_id,
                "roles": ["drafter", "deputy_head"],
                "password": STRONG,
            },
        )
        assert r.status_code == 302
    event = ev[0]
    _no_secrets(event)
    assert event.target_label == "审计报送员（sj_drafter）"
    assert event.changes["roles"] == [None, ["deputy_head", "drafter"]]
    assert event.changes["unit"] == [None, "区审计局"]
    assert "password" not in event.changes
    user_id = int(event.target_id or 0)
    with _none(app):  # refused: the login is taken
        r = _post(admin, "/admin/users", {"login": "sj_drafter", "name": "x", "unit_id": unit_id})
        assert r.status_code == 422

    edit = f"/admin/users/{user_id}"
    with _one(app, "user.roles") as ev:
        r = _post(admin, edit, {"roles": ["drafter"], "active": "y"}, page=edit)
        assert r.status_code == 302
    assert ev[0].changes == {"roles": [["deputy_head", "drafter"], ["drafter"]]}
    with _one(app, "user.password_reset") as ev:
        new_password = "Another-horse-battery1"
        r = _post(
            admin, edit, {"roles": ["drafter"], "active": "y", "password": new_password}, page=edit
        )
        assert r.status_code == 302
    assert ev[0].changes == {"password": [None, "reset"]}
    assert new_password not in json.dumps(ev[0].changes)
    with _one(app, "user.update") as ev:
        r = _post(admin, edit, {"roles": ["drafter", "head"], "active": ""}, page=edit)
        assert r.status_code == 302
    assert ev[0].changes == {
        "roles": [["drafter"], ["drafter", "head"]],
        "active": [True, False],
    }
    with _none(app):  # saved unchanged
        _post(admin, edit, {"roles": ["drafter", "head"], "active": ""}, page=edit)
    with _none(app):  # refused: a password too short
        r = _post(admin, edit, {"roles": ["drafter"], "password": "short"}, page=edit)
        assert r.status_code == 422
    own = f"/admin/users/{portal.ids['admin']}"
    with _none(app):  # refused: an admin may not remove their own admin role
        r = _post(admin, own, {"roles": ["drafter"], "active": "y"}, page=own)
        assert r.status_code == 422
    with _db(app) as s:  # the refusals changed nothing either
        user = s.get(User, user_id)
        assert user is not None and sorted(user.roles) == ["drafter", "head"]


def test_columns_and_assignments_log_on_the_column(app: Flask, portal: Portal) -> None:
    admin = login(app, portal.logins["admin"])
    with _one(app, "column.create") as ev:
        r = _post(
            admin,
            "/admin/columns",
            {
                "parent_id": portal.column.id,
                "name": "审计公告",
                "time_requirement": "每季度至少更新1条",
                "content_type": "policy",
            },
        )
        assert r.status_code == 302
    event = ev[0]
    column_id = int(event.target_id or 0)
    path = f"{portal.column.path}/审计公告"
    assert event.target_label == path
    assert event.changes["time_requirement"] == [None, "每季度至少更新1条"]
    assert event.changes["content_type"] == [None, "policy"]
    with _none(app):  # refused: a sibling of that name exists
        r = _post(admin, "/admin/columns", {"parent_id": portal.column.id, "name": "审计公告"})
        assert r.status_code == 422

    page = f"/admin/columns/{column_id}"
    form = {"parent_id": portal.column.id, "name": "审计结果公告", "content_type": "policy"}
    with _one(app, "column.update") as ev:
        r = _post(admin, page, {**form, "time_requirement": "每月至少更新1条"}, page=page)
        assert r.status_code == 302
    assert ev[0].changes == {
        "name": ["审计公告", "审计结果公告"],
        "path": [path, f"{portal.column.path}/审计结果公告"],
        "time_requirement": ["每季度至少更新1条", "每月至少更新1条"],
    }
    assert ev[0].target_label == f"{portal.column.path}/审计结果公告"
    form["time_requirement"] = "每月至少更新1条"
    with _none(app):
        _post(admin, page, form, page=page)
    with _one(app, "column.retire") as ev:
        _post(admin, page, {**form, "retired": "y"}, page=page)
    old, new = ev[0].changes["retired_at"]
    assert old is None and datetime.fromisoformat(new)

    with _db(app) as s:
        drafter = s.get(User, portal.ids["drafter"])
        assert drafter is not None
        unit_id, unit_name = drafter.unit_id, drafter.unit.name
    with _one(app, "assignment.add") as ev:
        r = _post(admin, f"{page}/assignments", {"unit_id": unit_id, "role": "lead"}, page=page)
        assert r.status_code == 302
    event = ev[0]
    assert (event.target_type, event.target_id) == ("column", str(column_id))
    assert unit_name in event.target_label
    since = event.changes.pop("responsible_since")  # the day of the assignment
    assert since[0] is None and date.fromisoformat(since[1])
    assert event.changes == {"unit": [None, unit_name], "role": [None, "lead"]}
    with _none(app):  # refused: already responsible
        _post(admin, f"{page}/assignments", {"unit_id": unit_id, "role": "lead"}, page=page)

    with _db(app) as s:
        assignment_id = s.execute(
            select(ColumnAssignment.id).where(ColumnAssignment.column_id == column_id)
        ).scalar_one()
    drafter_label = f"王晓燕（{portal.logins['drafter']}）"
    with _one(app, "assignment.drafters") as ev:
        r = _post(
            admin,
            f"/admin/assignments/{assignment_id}/drafters",
            {f"a{assignment_id}-user_ids": [portal.ids["drafter"]]},
            page=page,
        )
        assert r.status_code == 302
    assert ev[0].changes == {"drafters": [[], [drafter_label]]}
    with _one(app, "assignment.remove") as ev:
        r = _post(admin, f"/admin/assignments/{assignment_id}/remove", {}, page=page)
        assert r.status_code == 302
    assert ev[0].changes == {
        "unit": [unit_name, None],
        "role": ["lead", None],
        "drafters": [[drafter_label], None],
    }

    # The column's page links to its own history, which shows these and nothing else.
    html = admin.get(page).get_data(as_text=True)
    assert f"/admin/log?target_type=column&amp;target_id={column_id}" in html
    history = admin.get(f"/admin/log?target_type=column&target_id={column_id}")
    text = history.get_data(as_text=True)
    assert text.count("<time datetime=") == 6
    assert "名称：审计公告 → 审计结果公告" in text and "移除责任单位" in text
    assert f"单位：{unit_name} → （无）" in text


def test_holidays_and_imports(app: Flask, portal: Portal, tmp_path: Path) -> None:
    admin = login(app, portal.logins["admin"])
    with _one(app, "holiday.set") as ev:
        r = _post(
            admin, "/admin/holidays", {"day": "2031-10-11", "is_workday": "1", "note": "调休"}
        )
        assert r.status_code == 302
    assert ev[0].changes == {"is_workday": [None, True], "note": [None, "调休"]}
    assert (ev[0].target_type, ev[0].target_id) == ("holiday", "2031-10-11")
    with _none(app):  # the same again: no change
        _post(admin, "/admin/holidays", {"day": "2031-10-11", "is_workday": "1", "note": "调休"})
    with _one(app, "holiday.set") as ev:
        _post(admin, "/admin/holidays", {"day": "2031-10-11", "is_workday": "1", "note": "补班"})
    assert ev[0].changes == {"note": ["调休", "补班"]}
    with _none(app):  # refused: no day
        r = _post(admin, "/admin/holidays", {"day": "", "is_workday": "1"})
        assert r.status_code == 422

    y = date.today().year + 1  # an upload holds last year to two years ahead

    def upload(data: bytes) -> None:
        _, token = page_token(admin, "/admin/holidays")
        admin.post(
            "/admin/holidays/upload",
            data={"csrf_token": token, "file": (io.BytesIO(data), f"{y}.csv")},
            content_type="multipart/form-data",
        )

    with _none(app):  # refused: a bad date; nothing imported, nothing logged
        upload(f"日期,是否上班,备注\n{y}-10-01,否,国庆\n{y}-13-01,否,错\n".encode())
    good = f"日期,是否上班,备注\n{y}-10-01,否,国庆\n{y}-10-02,否,国庆\n".encode()
    with _one(app, "holiday.upload") as ev:
        upload(good)
    assert ev[0].changes == {
        "file": [None, f"{y}.csv"],
        "sha256": [None, hashlib.sha256(good).hexdigest()],
        "days": [None, 2],
        "years": [None, str(y)],
    }
    with _one(app, "holiday.remove") as ev:
        r = _post(admin, "/admin/holidays/2031-10-11/remove", {})
        assert r.status_code == 302
    assert ev[0].changes == {"is_workday": [True, None], "note": ["补班", None]}

    data = build_xlsx(seed_002())
    _, token = page_token(admin, "/admin/import/")
    html = admin.post(
        "/admin/import/",
        data={"csrf_token": token, "file": (io.BytesIO(data), "报送表.xlsx"), "root": ""},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    sha = re.search(r'name="sha" value="([0-9a-f]{64})"', html)
    assert sha, html[:500]
    with _one(app, "import.apply") as ev:
        _, token = page_token(admin, "/admin/import/")
        r = admin.post("/admin/import/apply", data={"csrf_token": token, "sha": sha.group(1)})
        assert r.status_code == 302
    event = ev[0]
    assert event.target_label == "报送表.xlsx" and event.target_id == sha.group(1)
    assert event.changes["file"] == [None, "报送表.xlsx"]
    assert event.changes["sha256"] == [None, hashlib.sha256(data).hexdigest()]
    with _db(app) as s:
        columns = s.scalar(select(func.count(Column.id)))
    assert 0 < event.changes["columns_added"][1] < (columns or 0)


def test_commands_log_with_no_actor(app: Flask, portal: Portal, tmp_path: Path) -> None:
    runner = app.test_cli_runner()

    def run(action: str | None, *args: str) -> AdminEvent | None:
        last = _last(app)
        result = runner.invoke(args=list(args))
        assert result.exit_code == 0, result.output
        events = _since(app, last)
        assert [e.action for e in events] == ([action] if action else [])
        if not events:
            return None
        assert events[0].actor_id is None
        _no_secrets(events[0])
        return events[0]

    event = run("unit.create", "units", "create", "区统计局", "--alias", "统计局")
    assert event is not None and event.changes["aliases"] == [None, "统计局"]
    event = run("unit.alias", "units", "alias", "区统计局（局）", "区统计局")
    assert event is not None and event.changes == {"alias": [None, "区统计局（局）"]}
    run(None, "units", "alias", "区统计局（局）", "区统计局")  # already so: no change
    event = run("unit.alias", "units", "alias", "区统计局（局）", "区统计局", "--remove")
    assert event is not None and event.changes == {"alias": ["区统计局（局）", None]}
    args = ["users", "create", "tj_admin", "--name", "统计", "--unit", "统计局"]
    event = run("user.create", *args, "--role", "drafter", "--password", STRONG)
    assert event is not None and event.changes["roles"] == [None, ["drafter"]]
    event = run("user.password_reset", "users", "set-password", "tj_admin", "--password", "Xx1" * 3)
    assert event is not None and event.changes == {"password": [None, "reset"]}
    event = run("user.roles", "users", "set-roles", "tj_admin", "--role", "head")
    assert event is not None and event.changes == {"roles": [["drafter"], ["head"]]}
    event = run("user.deactivate", "users", "deactivate", "tj_admin")
    assert event is not None and event.changes == {"active": [True, False]}

    y = date.today().year + 1  # an upload holds last year to two years ahead
    csv_file = tmp_path / f"{y}.csv"
    csv_file.write_text(f"日期,是否上班,备注\n{y}-01-01,否,元旦\n", encoding="utf-8")
    event = run("holiday.upload", "holidays", "import", str(csv_file))
    assert event is not None and event.changes["days"] == [None, 1]

    table = tmp_path / "表.csv"
    table.write_text("栏目,内容,时限要求,责任单位\n统计数据,统计公报,每年更新,统计局\n")
    run(None, "columns", "import", str(table))  # a dry run changes nothing
    event = run("import.apply", "columns", "import", str(table), "--apply")
    assert event is not None
    assert event.changes["sha256"] == [None, hashlib.sha256(table.read_bytes()).hexdigest()]
    assert event.changes["columns_added"] == [None, 1]

    leaders = tmp_path / "leaders.csv"
    leaders.write_text("单位,分管领导,职务\n区统计局,张勇强,副区长\n", encoding="utf-8")
    event = run("leaders.import", "leaders", "import", str(leaders))
    assert event is not None and event.changes["leaders"] == [None, 1]

    html = login(app, portal.logins["admin"]).get("/admin/log?actor=cli").get_data(as_text=True)
    assert "命令行" in html and "区统计局" in html and "密码：已重置" in html


def test_the_page_filters_and_pages(app: Flask, portal: Portal) -> None:
    with _db(app) as s:  # 61 events on two days of 2030, by a command
        for i in range(61):
            day = 1 if i < 55 else 2
            admin_log.record(
                s,
                actor=None,
                action="holiday.set",
                target_type="holiday",
                target_id=f"2030-05-{i % 28 + 1:02d}",
                target_label=f"2030-05-{i % 28 + 1:02d}",
                changes={"note": [None, f"第{i}条" if i else "<b>第0条</b>"]},
                # 01:00 UTC on 1 and 2 June: 09:00 in Beijing, the same days
                now=datetime(2030, 6, day, 1, 0, tzinfo=UTC) + timedelta(seconds=i),
            )
        s.commit()
    admin = login(app, portal.logins["admin"])
    rows = re.compile(r"<time datetime=")

    first = admin.get("/admin/log?action=holiday.set&from=2030-06-01&to=2030-06-02")
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and len(rows.findall(html)) == 50
    assert "第60条" in html and "第10条" not in html  # newest first
    assert "2030-06-02 09:01:00" in html  # Beijing time
    assert "设置节假日或调休" in html and "备注：第60条" in html
    assert "page=2" in html and "action=holiday.set" in html
    second = admin.get("/admin/log?action=holiday.set&from=2030-06-01&to=2030-06-02&page=2")
    html = second.get_data(as_text=True)
    assert len(rows.findall(html)) == 11 and "下一页" not in html
    assert "&lt;b&gt;第0条&lt;/b&gt;" in html  # what admins typed is shown, not run

    one_day = admin.get("/admin/log?from=2030-06-02&to=2030-06-02").get_data(as_text=True)
    assert len(rows.findall(one_day)) == 6
    target = admin.get("/admin/log?target_type=holiday&target_id=2030-05-01")
    assert len(rows.findall(target.get_data(as_text=True))) == 3  # events 0, 28, 56
    mine = admin.get(f"/admin/log?actor={portal.ids['admin']}&from=2030-06-01")
    assert "没有符合条件的记录" in mine.get_data(as_text=True)

    # The admin index and a user's page link to the log.
    assert "/admin/log" in admin.get("/admin/").get_data(as_text=True)
    user_page = admin.get(f"/admin/users/{portal.ids['drafter']}").get_data(as_text=True)
    assert f"/admin/log?target_type=user&amp;target_id={portal.ids['drafter']}" in user_page
    with admin.session_transaction() as http_session:
        http_session["locale"] = "en"
    english = admin.get("/admin/log?action=holiday.set")
    text = english.get_data(as_text=True)
    assert "Change log" in text and "Set holiday or working day" in text
    assert "Note: 第60条" in text


def test_only_admins_and_supervisors(app: Flask, portal: Portal) -> None:
    assert login(app, portal.logins["editor"]).get("/admin/log").status_code == 403
    assert login(app, portal.logins["drafter"]).get("/admin/log").status_code == 403
    assert app.test_client().get("/admin/log").status_code == 302  # to the log-in page
    with _db(app) as s:
        unit = s.get(Unit, s.get(User, portal.ids["editor"]).unit_id)  # type: ignore[union-attr]
        assert unit is not None
        create_user(
            s,
            login=f"sup_{portal.logins['admin']}",
            name="督查",
            unit=unit,
            roles=[Role.SUPERVISOR],
            now=datetime.now(UTC),
            password=PASSWORD,
        )
        s.commit()
    supervisor = login(app, f"sup_{portal.logins['admin']}")
    page = supervisor.get("/admin/log")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'href="/admin/users' not in html and 'href="/admin/columns' not in html
    assert supervisor.get("/admin/users").status_code == 403  # reading the log only
    assert 'href="/admin/log"' in supervisor.get("/messages/").get_data(as_text=True)  # nav
