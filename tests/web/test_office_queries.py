"""The office's pages issue as many SQL statements on a bigger portal as on a small
one: the views and templates add no per-row queries to the library's fixed count
(tests/test_reporting_queries.py counts the library's own at 100 and 10,000 items)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from web.blueprints import office_view
from workflow.accounts import create_unit, set_password
from workflow.enums import Role, State

from ..factories import build_world
from ..reporting_portal import NOW, october_portal
from .support import PASSWORD, login

PAGES = ("/office/", "/office/scoreboard?period=2026-10", "/office/health", "/office/cramming")


@contextmanager
def counting(app: Flask) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = app.extensions["sanshen.engine"]

    def note(*args: Any) -> None:
        if "set_config('work_mem'" not in args[2]:  # a setting on PostgreSQL, not a query
            statements.append(args[2])

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_pages_issue_a_fixed_number_of_statements(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["SANSHEN_CLOCK"] = lambda: NOW
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            world = build_world(session, NOW)
            portal = october_portal(session, world)
            supervisor = world.user(Role.SUPERVISOR, "office")
            set_password(supervisor, PASSWORD)
            session.commit()
            login_name = supervisor.login
        finally:
            session.close()
    client = login(app, login_name)

    def counts() -> dict[str, int]:
        out = {}
        for path in PAGES:
            client.get(path)  # warm: the first request may load what later ones reuse
            with counting(app) as statements:
                assert client.get(path).status_code == 200
            out[path] = len(statements)
        return out

    small = counts()
    assert "超时滞留的稿件（2）" in client.get("/office/").get_data(as_text=True)
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            portal.session = session
            monthly = {"kind": "periodic", "every": 1, "unit": "month", "min_items": 1}
            units = [create_unit(session, f"区局{n}{id(portal)}") for n in range(6)]
            stages = (State.INITIAL_REVIEW, State.HEAD_REVIEW, State.OFFICE_REVIEW)
            # Six more units with a column each, 12 items stuck at each stage in turn
            # and 12 published over three months: more rows everywhere on every page.
            for n, unit in enumerate(units):
                portal.column(f"栏目{n}", [unit], monthly)
                for k in range(12):
                    since = f"2026-10-0{1 + k % 9}"
                    portal.item(f"栏目{n}", unit, state=stages[k % 3], since=since)
                    portal.item(f"栏目{n}", unit, published=f"2026-{9 + k % 3:02d}-1{k % 9}")
            for n in range(6):  # the first unit also keeps six columns it never updated
                portal.column(f"空栏目{n}", [units[0]], monthly)
            first_unit, first_name = units[0].id, units[0].name
            session.commit()
        finally:
            session.close()
    big = counts()
    # 2 + 72 stuck (a page of 50 shown), six more units late: more rows, same statements.
    assert "超时滞留的稿件（74）" in client.get("/office/").get_data(as_text=True)
    assert all(n > 3 for n in small.values()), small
    assert big == small
    # Paged by 50: the second page holds the other 24.
    first = client.get("/office/").get_data(as_text=True)
    assert "第 1 / 2 页" in first and first.count("<tr data-item=") == 50
    second = client.get("/office/?page=2").get_data(as_text=True)
    assert second.count("<tr data-item=") == 24

    # Until filtered to one unit, the late table shows five columns a unit and a link.
    row = first.split(f'<tr data-unit="{first_unit}">', 1)[1].split("</tr>", 1)[0]
    assert row.count('class="overdue-col"') == 5, row
    assert "另有 1 个栏目" in row  # the six never updated; 栏目0 is kept up
    only = client.get(f"/office/?unit={first_unit}").get_data(as_text=True)
    row = only.split(f'<tr data-unit="{first_unit}">', 1)[1].split("</tr>", 1)[0]
    assert row.count('class="overdue-col"') == 6 and "另有" not in row
    # The scoreboard's late and missed columns likewise: five a unit, then a link to a
    # page listing them all, which links the workbook (September: a plain monthly rule's
    # October due date moves to Monday 11-02).
    board = client.get("/office/scoreboard?period=2026-09").get_data(as_text=True)
    late_table = board.split("逾期和未完成的栏目", 1)[1]
    row = late_table.split(f"<strong>{first_name}</strong>", 1)[1].split("</details>", 1)[0]
    assert row.count("空栏目") == 5, row
    assert "另有 1 个栏目" in row and "assessment.xlsx" not in row
    listing = re.search(r'href="(/office/scoreboard/columns\?[^"]+)"', row)
    assert listing is not None
    every = client.get(listing.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert every.count("空栏目") == 6 and first_name in every
    assert "scoreboard/assessment.xlsx?period=2026-09" in every
    # A portal with more columns than one list holds: the column filter asks for a unit.
    monkeypatch.setattr(office_view, "COLUMN_CHOICES", 7)  # the unit keeps 7 of 16
    assert "请先选择单位" in client.get("/office/").get_data(as_text=True)
    narrowed = client.get(f"/office/?unit={first_unit}").get_data(as_text=True)
    assert "请先选择单位" not in narrowed and "空栏目5" in narrowed
