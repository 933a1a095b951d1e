"""The office's view in real Chromium: a supervisor opens the dashboard, filters it to
one unit, opens the scoreboard and downloads the monthly assessment, which opens in
openpyxl with the unit's row; then the dashboard at a phone's width. Screenshots go to
SANSHEN_SCREENSHOTS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook

from web.blueprints import office_view
from workflow.accounts import set_password
from workflow.enums import Role

from ..factories import World, build_world
from ..reporting_portal import NOW, Portal, october_portal
from .browser import User, require_chromium
from .support import PASSWORD, live_server

require_chromium()


@pytest.fixture(scope="module")
def office(app: Flask) -> tuple[World, Portal, str]:
    app.config["SANSHEN_CLOCK"] = lambda: NOW
    with app.app_context():
        session = app.extensions["sanshen.sessions"]()
        try:
            world = build_world(session, NOW)
            portal = october_portal(session, world)
            supervisor = world.user(Role.SUPERVISOR, "office")
            set_password(supervisor, PASSWORD)
            session.commit()
            return world, portal, supervisor.login
        finally:
            session.close()


@pytest.fixture(scope="module")
def server(app: Flask, office: Any) -> Iterator[str]:
    with live_server(app) as url:
        yield url


def test_supervisor_filters_the_dashboard_and_downloads_the_assessment(
    office: tuple[World, Portal, str], server: str, browser: Any, shots: Path, tmp_path: Path
) -> None:
    world, _portal, login_name = office
    supervisor = User(browser, server, login_name, viewport={"width": 1280, "height": 900})
    page = supervisor.page
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="工作看板").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="工作看板", exact=True).is_visible()
    assert page.locator("#stuck-table tbody tr[data-item]").count() == 2
    page.get_by_label("单位", exact=True).select_option(label=world.unit_b.name)
    page.get_by_role("button", name="筛选", exact=True).click()
    page.wait_for_load_state()
    assert f"unit={world.unit_b.id}" in page.url
    rows = page.locator("#stuck-table tbody tr[data-item]")
    assert rows.count() == 1
    assert "31" in rows.first.inner_text() and world.unit_b.name in rows.first.inner_text()
    assert page.locator("#late-table tbody tr[data-unit]").count() == 1
    page.screenshot(path=str(shots / "office-dashboard.png"), full_page=True)

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="单位考核").click()
    page.get_by_label("考核期间").fill("2026-10")
    page.get_by_role("button", name="查看").click()
    page.wait_for_load_state()
    assert page.locator("#ranking tbody tr[data-unit]").first.get_attribute("data-unit") == str(
        world.unit_a.id
    )
    page.screenshot(path=str(shots / "office-scoreboard.png"), full_page=True)
    with page.expect_download() as info:
        page.get_by_role("link", name="下载考核表（Excel）").click()
    download = info.value
    assert download.suggested_filename == "2026年10月政务公开考核.xlsx"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    sheet = load_workbook(target).worksheets[0]
    rows_by_unit = {r[1]: r for r in sheet.iter_rows(values_only=True) if r and r[1]}
    # A: rank 1, on time 3, late 1, missed 0 (tests/test_reporting_scoreboard.py).
    assert rows_by_unit[world.unit_a.name][0] == 1
    assert tuple(rows_by_unit[world.unit_a.name][2:5]) == (3, 1, 0)
    # At a phone's width the page does not scroll sideways: tables turn into cards.
    page.set_viewport_size({"width": 390, "height": 844})
    supervisor.go(f"/office/?unit={world.unit_b.id}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(shots / "office-dashboard-phone.png"), full_page=True)
    supervisor.close()


def test_late_units_page_on_a_phone(
    office: tuple[World, Portal, str],
    server: str,
    browser: Any,
    shots: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One unit a page (a large portal has hundreds): "more units" leads to the next
    one, back at the table, and the page does not scroll sideways at 390 px."""
    _world, _portal, login_name = office
    monkeypatch.setattr(office_view, "UNITS_PAGE", 1)  # the live server runs in-process
    supervisor = User(browser, server, login_name, viewport={"width": 390, "height": 844})
    page = supervisor.page
    supervisor.go("/office/")
    first = page.locator("#late-table tbody tr[data-unit]")
    assert first.count() == 1
    first_unit = first.first.get_attribute("data-unit")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    pager = page.get_by_role("navigation", name="单位分页")
    assert pager.is_visible()
    pager.get_by_role("link", name="更多单位").click()
    page.wait_for_load_state()
    assert "upage=2" in page.url and page.url.endswith("#late")
    second = page.locator("#late-table tbody tr[data-unit]")
    assert second.count() == 1 and second.first.get_attribute("data-unit") != first_unit
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.screenshot(path=str(shots / "office-dashboard-units-phone.png"), full_page=True)
    # Printed: the pager is left out.
    page.emulate_media(media="print")
    assert not pager.is_visible()
    supervisor.close()
