"""Issue 14: a column's tags and publish prerequisites follow from its kind in one place
(`workflow.services.columns.defaults`), however the column was made. A 办事指南 column
made on the admin page or with `flask columns create` asks every service guide for the
eight elements, as an imported one does."""

from __future__ import annotations

import uuid

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.enums import State
from workflow.models import Column, ColumnAssignment, Item

from .support import Portal, login, page_token

SEVEN_OF_EIGHT = {  # no 联系电话 (phone)
    "field_item_name": "幼儿园入园报名",
    "field_legal_basis": "《学前教育法》",
    "field_conditions": "本区户籍适龄儿童",
    "field_materials": "户口簿、出生证明",
    "field_location": "区教育局一楼",
    "field_hours": "工作日9:00—17:00",
    "field_procedure": "网上报名—审核—公示",
}


def _db(app: Flask) -> Session:
    session: Session = app.extensions["sanshen.sessions"]()
    return session


def _column(app: Flask, **where: object) -> Column:
    with app.app_context():
        session = _db(app)
        column = session.execute(select(Column).filter_by(**where)).scalar_one()
        session.close()
    return column


def _guides_need_eight_elements(app: Flask, portal: Portal, column_id: int) -> None:
    """Assign the drafter's unit on the admin page, then draft a 办事指南 without its
    phone number: saved as a draft, the submission refused naming 联系电话."""
    with app.app_context():
        session = _db(app)
        unit_id = session.execute(
            select(ColumnAssignment.unit_id).where(ColumnAssignment.column_id == portal.column.id)
        ).scalar_one()
        session.close()
    admin = login(app, portal.logins["admin"])
    _, token = page_token(admin, f"/admin/columns/{column_id}")
    r = admin.post(
        f"/admin/columns/{column_id}/assignments",
        data={"csrf_token": token, "unit_id": unit_id, "role": "lead"},
    )
    assert r.status_code == 302
    drafter = login(app, portal.logins["drafter"])
    path = f"/columns/{column_id}/new"
    html, token = page_token(drafter, path)
    assert "办事指南要素" in html and 'name="field_phone"' in html
    r = drafter.post(
        path,
        data={
            "csrf_token": token,
            "title": "幼儿园入园报名办事指南",
            "kind": "service_guide",
            "save_submit": "1",
            **SEVEN_OF_EIGHT,
        },
    )
    assert r.status_code == 302 and r.location.endswith("/edit")
    item_id = int(r.location.split("/")[-2])
    page = drafter.get(r.location).get_data(as_text=True)
    assert "栏目发布要求未满足" in page and "联系电话" in page
    with app.app_context():
        session = _db(app)
        item = session.get(Item, item_id)
        assert item is not None and item.state == State.DRAFT
        session.close()


def test_an_admin_created_service_column_enforces_the_eight_elements(
    app: Flask, portal: Portal
) -> None:
    admin = login(app, portal.logins["admin"])
    _, token = page_token(admin, "/admin/columns")
    name = f"办事指南{uuid.uuid4().hex[:6]}"
    r = admin.post(
        "/admin/columns",
        data={
            "csrf_token": token,
            "name": name,
            "parent_id": 0,
            "content": "本单位办事指南",
            "time_requirement": "",
            "content_type": "service",
        },
    )
    assert r.status_code == 302
    column = _column(app, name=name, parent_id=None)
    assert column.prerequisites == {"service_guide_elements": True}
    assert r.location.endswith(f"/admin/columns/{column.id}")
    _guides_need_eight_elements(app, portal, column.id)


def test_a_column_created_from_the_command_line_enforces_them_too(
    app: Flask, portal: Portal
) -> None:
    name = f"办事指南{uuid.uuid4().hex[:6]}"
    result = app.test_cli_runner().invoke(
        args=["columns", "create", name, "--parent", portal.column.path, "--kind", "service"]
    )
    assert result.exit_code == 0, result.output
    column = _column(app, name=name, parent_id=portal.column.id)
    assert column.path == f"{portal.column.path}/{name}" and column.level == 2
    assert column.prerequisites == {"service_guide_elements": True}
    _guides_need_eight_elements(app, portal, column.id)
    # A name taken under the same parent is refused, saying so.
    again = app.test_cli_runner().invoke(
        args=["columns", "create", name, "--parent", portal.column.path]
    )
    assert again.exit_code == 1 and "is named" in again.output
