"""One truth on every page (issue 13): for the same assignment on the same day, the
drafter's list, the drafter's column page, the office's column page, the dashboard (from
the status summary and live), the assessment workbook and the scoreboard give the same
status, the same overdue-since date and the same next due date — and none is blank
where it should not be.

The pages carry these facts in one macro's data attributes (web/templates/macros.html,
`deadline`), so they are read here the same way from every page.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook

from workflow.accounts import set_password
from workflow.deadlines.evaluate import OVERDUE, AssignmentStatus, evaluate
from workflow.enums import Role
from workflow.models import Column
from workflow.reporting.common import parse_period
from workflow.reporting.scoreboard import MISSED, ON_TIME, scoreboard
from workflow.reporting.status import refresh_status
from workflow.services import columns as column_settings

from ..factories import World, build_world
from ..reporting_portal import NOW, Portal
from .support import PASSWORD, login

TODAY = date(2026, 11, 23)
DEADLINE = re.compile(
    r'data-assignment="(?P<a>\d+)" data-status="(?P<status>\w+)" '
    r'data-overdue-since="(?P<since>[\d-]*)" data-next-due="(?P<next>[\d-]*)" '
    r'data-confirmed="(?P<confirmed>\w+)"'
)


def per(every: int, unit: str, **kw: Any) -> dict[str, Any]:
    return {"kind": "periodic", "every": every, "unit": unit, "min_items": 1, **kw}


@dataclass
class Views:
    world: World
    columns: dict[str, Column]
    statuses: dict[int, AssignmentStatus]  # by assignment, evaluated in the library
    supervisor: str
    drafter: str


def _since(column: Column, day: str) -> None:
    for assignment in column.assignments:
        assignment.responsible_since = date.fromisoformat(day)


@pytest.fixture(scope="module")
def views(app: Flask) -> Views:
    app.config["SANSHEN_CLOCK"] = lambda: NOW
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            world = build_world(session, NOW)
            p = Portal(session, world)
            a = world.unit_a
            # Overdue since the day after September's 25th (a holiday: moved to 09-28);
            # due again 11-25.
            _since(p.column("月报", [a], per(1, "month", by_day=25)), "2026-01-01")
            p.item("月报", a, published="2026-08-20")
            # Responsible since today: nothing overdue, this week is the first judged.
            _since(p.column("周报", [a], per(1, "week")), "2026-11-23")
            # Q3 (due 09-25, moved to 09-28) missed: overdue since 09-29; next 12-25.
            _since(p.column("季报", [a], per(3, "month", by_day=25)), "2026-06-01")
            # Met for the year to 2027-01-31.
            _since(p.column("年报", [a], {"kind": "annual", "by": "01-31"}), "2025-01-01")
            p.item("年报", a, published="2026-01-10")
            # Overdue on rules the office has not confirmed.
            unconfirmed = p.column("待确认栏目", [a], per(1, "month"), rules_confirmed_at=None)
            _since(unconfirmed, "2026-09-01")
            # Every 50 days: last 09-01, due Wed 10-21, overdue since 10-22.
            _since(p.column("动态", [a], per(50, "day")), "2026-01-01")
            p.item("动态", a, published="2026-09-01")
            # Parts: 年报 kept up, 政策法规 not.
            parted = p.column(
                "政务公开", [a], per(1, "month", scope="年报"), per(1, "month", scope="政策法规")
            )
            _since(parted, "2026-10-01")
            column_settings.sync_parts(session, parted)
            session.flush()
            item = p.item("政务公开", a, published="2026-10-15")
            item.part_id = next(x.id for x in parted.parts if x.name == "年报")
            item = p.item("政务公开", a, published="2026-11-10")
            item.part_id = next(x.id for x in parted.parts if x.name == "年报")
            supervisor = world.user(Role.SUPERVISOR, "office")
            for user in (supervisor, world.drafter):
                set_password(user, PASSWORD)
            session.flush()
            ids = {c.id for c in p.columns.values()}
            statuses = {s.assignment_id: s for s in evaluate(session, NOW) if s.column_id in ids}
            session.commit()
            return Views(world, dict(p.columns), statuses, supervisor.login, world.drafter.login)
        finally:
            session.close()


def facts(html: str) -> dict[int, tuple[str, str, str, str]]:
    """(status, overdue since, next due, confirmed) per assignment shown on a page."""
    return {
        int(m["a"]): (m["status"], m["since"], m["next"], m["confirmed"])
        for m in DEADLINE.finditer(html)
    }


def expected(s: AssignmentStatus) -> tuple[str, str, str, str]:
    return (
        s.status,
        s.overdue_since.isoformat() if s.overdue_since else "",
        s.next_due.isoformat() if s.next_due else "",
        "yes" if s.confirmed else "no",
    )


def test_the_library_gives_the_expected_facts(views: Views) -> None:
    by_column = {s.column_id: s for s in views.statuses.values()}
    got = {n: expected(by_column[c.id])[:3] for n, c in views.columns.items()}
    assert got == {
        "月报": ("overdue", "2026-09-29", "2026-11-25"),
        "周报": ("ok", "", "2026-11-30"),
        "季报": ("overdue", "2026-09-29", "2026-12-25"),
        "年报": ("provisional", "", "2027-02-01")
        if got["年报"][0] == "provisional"
        else ("ok", "", "2027-02-01"),
        "待确认栏目": ("overdue", "2026-10-01", "2026-11-30"),
        "动态": ("overdue", "2026-10-22", ""),
        "政务公开": ("overdue", "2026-11-03", "2026-11-30"),
    }
    # Every overdue assignment says since when; nothing overdue before its unit answered.
    for s in views.statuses.values():
        assert (s.status == OVERDUE) == bool(s.overdue_since)
        assert s.overdue_since is None or s.overdue_since > s.responsible_since


def test_drafter_pages_agree_with_the_library(app: Flask, views: Views) -> None:
    client = login(app, views.drafter)
    listed = facts(client.get("/columns").get_data(as_text=True))
    mine = {a: f for a, f in listed.items() if a in views.statuses}
    assert mine == {a: expected(s) for a, s in views.statuses.items()}
    for s in views.statuses.values():
        page = facts(client.get(f"/columns/{s.column_id}").get_data(as_text=True))
        assert page == {s.assignment_id: expected(s)}


def test_office_column_pages_agree(app: Flask, views: Views) -> None:
    client = login(app, views.supervisor)
    for s in views.statuses.values():
        page = facts(client.get(f"/office/columns/{s.column_id}").get_data(as_text=True))
        assert page[s.assignment_id] == expected(s)


@pytest.mark.parametrize("summary", [False, True])
def test_the_dashboard_agrees_live_and_from_its_summary(
    app: Flask, views: Views, summary: bool
) -> None:
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            if summary:
                refresh_status(session, NOW)
            else:
                from workflow.models import DeadlineStatus

                session.query(DeadlineStatus).delete()
            session.commit()
        finally:
            session.close()
    client = login(app, views.supervisor)
    html = client.get(f"/office/?unit={views.world.unit_a.id}").get_data(as_text=True)
    shown = facts(html)
    wanted = {
        a: expected(s) for a, s in views.statuses.items() if s.status in ("overdue", "due_soon")
    }
    assert {a: f for a, f in shown.items() if a in views.statuses} == wanted
    assert "自  起逾期" not in html and "单位编号" not in html


def test_the_assessment_workbook_lists_the_same_overdue_columns(app: Flask, views: Views) -> None:
    client = login(app, views.supervisor)
    data = client.get("/office/scoreboard/assessment.xlsx?period=2026-11").get_data()
    sheet = load_workbook(io.BytesIO(data))["当前逾期"]
    unit = views.world.unit_a.name
    rows = {r[2]: r[3:] for r in sheet.iter_rows(min_row=3, values_only=True) if r[1] == unit}
    paths = {c.id: c.path for c in views.columns.values()}

    def cn(d: date | None) -> str:
        return f"{d.year}年{d.month}月{d.day}日" if d else "—"

    assert rows == {
        paths[s.column_id]: (
            cn(s.overdue_since),
            cn(s.next_due),
            "已确认" if s.confirmed else "待确认（不计入考核）",
        )
        for s in views.statuses.values()
        if s.status == OVERDUE
    }


def test_the_scoreboard_agrees_with_where_each_lapse_began(app: Flask, views: Views) -> None:
    """The scoreboard judges past periods; the evaluation says where the current lapse
    began: the day after the due date of the first period missed since the last one met.
    Both must tell the same story, and unconfirmed rules are not on the scoreboard."""
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            board = scoreboard(session, parse_period("2026"), NOW, summary=False)
        finally:
            session.close()
    checked = 0
    for s in views.statuses.values():
        cases = sorted((c.due, c.outcome) for c in board.cases if c.column_id == s.column_id)
        if not s.confirmed:
            assert cases == []
            continue
        if s.status != OVERDUE or not cases or len(s.rules) > 1:
            continue  # rolling windows are judged by the dashboard only
        met = [due for due, outcome in cases if outcome == ON_TIME]
        lapse = [due for due, outcome in cases if outcome == MISSED and (not met or due > met[-1])]
        assert lapse, s.column_path
        assert lapse[0] + timedelta(days=1) == s.overdue_since, s.column_path
        checked += 1
    assert checked == 2  # 月报 and 季报
