"""The portal-health panel against the health fixture's hand-computed values: the
portal first fails on 11-27, when the fifth 动态/要闻 column goes two weeks without an
update (see tests/test_reporting_health.py::test_first_failing_date_and_the_units_causing_it)."""

from __future__ import annotations

import re

from flask import Flask

from workflow.accounts import set_password
from workflow.enums import Role
from workflow.reporting.health import CONSULT, HOME, OUTDATED

from ..factories import build_world
from ..reporting_portal import NOW
from ..test_reporting_health import Site
from .support import PASSWORD, login


def _row(html: str, code: str) -> dict[str, str]:
    row = html.split(f'data-test="{code}"', 1)[1].split("</tr>", 1)[0]
    return {
        k: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", v)).strip()
        for k, v in re.findall(r'class="([\w-]+)">(.*?)</td>', row, re.S)
    }


def test_health_panel_counts_limits_and_first_failing_date(app: Flask) -> None:
    app.config["SANSHEN_CLOCK"] = lambda: NOW
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            world = build_world(session, NOW)
            site = Site(session, world)
            world.column.tags = ["home"]
            site.columns[world.column.name] = world.column
            site.item(world.column.name, world.unit_a, published="2026-11-20")
            for _ in range(3):
                site.col(["news"], "2026-11-01", unit=world.unit_b)
            site.col(["news"], "2026-11-12")
            site.col(["news"], "2026-11-13", unit=site.unit_c)
            consult = site.col(["consult"], "2026-11-20")
            site.message(consult, "2026-08-29")
            supervisor = world.user(Role.SUPERVISOR, "office")
            set_password(supervisor, PASSWORD)
            session.commit()
            names = (world.unit_a.name, world.unit_b.name, site.unit_c.name)
            login_name = supervisor.login
            drafter = world.drafter
            set_password(drafter, PASSWORD)
            session.commit()
            drafter_login = drafter.login
        finally:
            session.close()
    html = login(app, login_name).get("/office/health").get_data(as_text=True)
    # B's three news columns are stale today; A's turns on 11-26, C's on 11-27: the fifth.
    outdated = _row(html, OUTDATED)
    assert (outdated["count"], outdated["limit"]) == ("3", "5")
    assert outdated["fail-date"].startswith("2026年11月27日")
    home = _row(html, HOME)  # last update 11-20: fails from 12-04
    assert home["count"] == "0" and home["fail-date"].startswith("2026年12月4日")
    consult_row = _row(html, CONSULT)  # the message of 08-29 is over 3 months from 11-30
    assert consult_row["count"] == "0"
    assert consult_row["fail-date"].startswith("2026年11月30日")
    first = html.split('id="first-fail"', 1)[1].split("</section>", 1)[0]
    assert "2026年11月27日" in first
    assert all(name in first for name in names)
    assert login(app, drafter_login).get("/office/health").status_code == 403
