"""The dashboard's provisional due dates: the earliest 50 until filtered to a unit (at
the turn of the year every open due date in the next one is provisional), then all of
that unit's."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import update

from web.blueprints import office_view
from workflow.accounts import set_password
from workflow.enums import Role, State
from workflow.models import Item

from ..factories import build_world
from ..reporting_portal import NOW, Portal
from .support import PASSWORD, login


def test_provisional_dates_are_cut_until_filtered_to_a_unit(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["SANSHEN_CLOCK"] = lambda: NOW
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            world = build_world(session, NOW)
            p = Portal(session, world)
            a, b = world.unit_a, world.unit_b
            p.column("依申请公开", [a, b], {"kind": "after_event", "within": 15, "unit": "workday"})
            # Requests due in January, counted before next year's holidays were known.
            owed = [(a, "2027-01-0" + str(d)) for d in (4, 5, 6)] + [(b, "2027-01-07")]
            ids = [
                p.item("依申请公开", unit, state=State.INITIAL_REVIEW, due=due).id
                for unit, due in owed
            ]
            session.execute(update(Item).where(Item.id.in_(ids)).values(due_provisional=True))
            supervisor = world.user(Role.SUPERVISOR, "office")
            set_password(supervisor, PASSWORD)
            session.commit()
            login_name, unit_a = supervisor.login, a.id
        finally:
            session.close()
    client = login(app, login_name)

    def listed(html: str) -> list[str]:
        body = html.split('id="provisional-table"', 1)[1].split("</table>", 1)[0]
        return re.findall(r'data-provisional="item-(\d+)"', body)

    everything = client.get("/office/").get_data(as_text=True)
    assert listed(everything) == [str(i) for i in ids]  # earliest first
    assert "暂定截止日期（4）" in everything and 'id="provisional-more"' not in everything
    monkeypatch.setattr(office_view, "PROVISIONAL_SHOWN", 2)
    cut = client.get("/office/").get_data(as_text=True)
    assert listed(cut) == [str(i) for i in ids[:2]]
    assert "暂定截止日期（4）" in cut and "另有 2 项未列出" in cut
    one_unit = client.get(f"/office/?unit={unit_a}").get_data(as_text=True)
    assert listed(one_unit) == [str(i) for i in ids[:3]]
    assert 'id="provisional-more"' not in one_unit
