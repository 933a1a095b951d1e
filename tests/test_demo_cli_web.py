"""The demo data set, the `flask` commands and the overview pages, on committed data."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from config import load_config
from web import create_app
from workflow import audit
from workflow.accounts import get_user, verify_password
from workflow.demo import DEMO_PASSWORD, DEMO_USERS, load_demo
from workflow.enums import Role, State
from workflow.models import Column, Item, Unit, User

from .conftest import bypass_triggers


@pytest.fixture(scope="module")
def demo(app: Flask, engine: Engine) -> Iterator[None]:
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "285 columns" in result.output
    yield


def test_demo_has_seed_columns_units_and_every_state(demo: None, engine: Engine) -> None:
    with Session(engine) as s:
        states = {st for (st,) in s.execute(select(Item.state).distinct())}
        assert states == {st.value for st in State}
        paths = set(s.execute(select(Column.path)).scalars())
        assert "区政府门户网站/政务公开/依申请公开" in paths  # seed 000
        assert "钟楼区门户网站/政民互动/区长信箱" in paths  # seed 003
        requirement = s.execute(
            select(Column.time_requirement).where(
                Column.path == "区政府门户网站/政务公开/依申请公开"
            )
        ).scalar_one()
        assert requirement == "在收到申请之日起15个工作日内予以答复"
        # Every role is held by demo users in at least two units (office roles by the office).
        for role in (Role.DRAFTER, Role.DEPUTY_HEAD, Role.HEAD):
            units = {u.unit_id for u in s.execute(select(User)).scalars() if u.has_role(role)}
            assert len(units) >= 2, role
        assert s.execute(select(func.count()).select_from(Unit)).scalar_one() >= 50
        # A published item with a new revision in review keeps its live revision.
        revising = (
            s.execute(
                select(Item).where(
                    Item.live_revision_no.is_not(None), Item.state == State.INITIAL_REVIEW
                )
            )
            .scalars()
            .all()
        )
        assert len(revising) == 1 and revising[0].current_revision_no == 2
        assert list(audit.verify_chains(s)) == []


def test_demo_logins_work(demo: None, engine: Engine) -> None:
    with Session(engine) as s:
        for login, *_ in DEMO_USERS:
            assert verify_password(get_user(s, login), DEMO_PASSWORD)
        assert not verify_password(get_user(s, "edu_head"), "wrong-password")


def test_loading_twice_changes_nothing(app: Flask, demo: None, engine: Engine) -> None:
    with Session(engine) as s:
        before = s.execute(select(func.count()).select_from(Column)).scalar_one()
        summary = load_demo(s, datetime.now().astimezone())
        assert summary.already_loaded
        s.rollback()
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert "already loaded" in result.output
    with Session(engine) as s:
        assert s.execute(select(func.count()).select_from(Column)).scalar_one() == before


def test_overview_page_and_health(app: Flask, demo: None) -> None:
    client = app.test_client()
    assert client.get("/overview").status_code == 302  # log in first
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page)
    assert token
    response = client.post(
        "/login",
        data={"login": "supervisor", "password": DEMO_PASSWORD, "csrf_token": token.group(1)},
    )
    assert response.status_code == 302
    page = client.get("/overview")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "待初审" in html and "2026年秋季学期义务教育学区划分公告（更正）" in html
    assert "已发布版本仍在线" in html
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json == {
        "database": "ok",
        "redis": "not configured",
    }


def test_user_commands(app: Flask, demo: None, engine: Engine) -> None:
    runner = app.test_cli_runner()
    r = runner.invoke(args=["units", "create", "区大数据局", "--alias", "大数据局"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["units", "create", "大数据局"])
    assert r.exit_code != 0 and "already exists" in r.output
    r = runner.invoke(
        args=[
            "users",
            "create",
            "sj_drafter",
            "--name",
            "大数据局报送员",
            "--unit",
            "大数据局",
            "--role",
            "drafter",
            "--password",
            "pass-1234",
        ]
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        args=["users", "create", "x", "--name", "x", "--unit", "不存在的单位", "--role", "drafter"]
    )
    assert r.exit_code != 0 and "no unit named" in r.output
    r = runner.invoke(
        args=["users", "set-password", "sj_drafter"], input="new-pass-5678\nnew-pass-5678\n"
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(
        args=["users", "set-roles", "sj_drafter", "--role", "drafter", "--role", "deputy_head"]
    )
    assert r.exit_code == 0 and "deputy_head, drafter" in r.output
    with Session(engine) as s:
        user = get_user(s, "sj_drafter")
        assert verify_password(user, "new-pass-5678") and user.unit.name == "区大数据局"
        assert user.roles == {Role.DRAFTER, Role.DEPUTY_HEAD}


def test_audit_verify_command_names_the_tampered_row(
    app: Flask, demo: None, engine: Engine
) -> None:
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "intact" in ok.output
    with engine.begin() as conn:
        row_id = conn.execute(
            text("SELECT MAX(id) FROM audit_events WHERE action = 'approve'")
        ).scalar_one()
        original = conn.execute(
            text("SELECT comment FROM audit_events WHERE id = :i"), {"i": row_id}
        ).scalar_one()
        bypass_triggers(conn)
        conn.execute(
            text("UPDATE audit_events SET comment = '同意（已改）' WHERE id = :i"), {"i": row_id}
        )
    bad = runner.invoke(args=["audit", "verify"])
    assert bad.exit_code == 1
    assert "first broken row: item" in bad.output and f"id={row_id}" in bad.output
    with engine.begin() as conn:  # put it back for the other tests
        bypass_triggers(conn)
        conn.execute(
            text("UPDATE audit_events SET comment = :c WHERE id = :i"), {"c": original, "i": row_id}
        )
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


def test_overview_is_not_served_in_production(database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    cfg = load_config(
        {
            "SANSHEN_ENV": "production",
            "SECRET_KEY": "x" * 32,
            "DATABASE_URL": database_url,
            "SANSHEN_INSTANCE_DIR": str(tmp_path),
        }
    )
    application = create_app(cfg)
    try:
        # Nothing but the login page without logging in.
        assert application.test_client().get("/overview").status_code == 302
        assert application.test_client().get("/healthz").status_code == 200
    finally:
        application.extensions["sanshen.engine"].dispose()


def test_deadline_commands_on_the_demo(app: Flask, demo: None) -> None:
    import json as _json

    runner = app.test_cli_runner()
    parsed = runner.invoke(args=["deadlines", "parse"])
    assert parsed.exit_code == 0 and "need rules entered by hand" in parsed.output
    result = runner.invoke(args=["deadlines", "status", "--unit", "教育局", "--all", "--json"])
    assert result.exit_code == 0, result.output
    rows = [_json.loads(line) for line in result.output.splitlines()]
    by_path = {r["column_path"]: r for r in rows}
    # The demo published a department document: its 政策解读 is owed by 区教育局.
    owed = by_path["区政府门户网站/政务公开/政策法规/政策解读"]
    assert owed["obligations_open"] == 1 and owed["next_due"] is not None
    assert {r["status"] for r in rows} <= {"ok", "due_soon", "overdue", "provisional"}
    unknown = runner.invoke(args=["deadlines", "status", "--unit", "不存在"])
    assert unknown.exit_code != 0 and "no unit named" in unknown.output
