"""Issue 18 in real Chromium: an administrator issues an API key and subscribes a
webhook through the pages, then reads the API's documentation page; the CSP holds on
every page (no inline script or style). Screenshots go to SANSHEN_SCREENSHOTS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .browser import User, require_chromium
from .support import Portal

require_chromium()


def test_admin_issues_a_key_and_subscribes_a_webhook(
    browser: Any, server: str, portal: Portal, shots: Path
) -> None:
    admin = User(browser, server, portal.logins["admin"])
    try:
        page = admin.page
        admin.go("/admin/api-keys")
        page.get_by_label("名称（对接的系统）").fill("区门户网站CMS")
        page.get_by_label("权限范围").select_option("write")
        page.get_by_role("button", name="发放").click()
        page.wait_for_load_state()
        secret = page.locator("#new-secret").input_value()
        assert secret.startswith("ss_")
        page.screenshot(path=str(shots / "api-keys.png"), full_page=True)
        admin.go("/admin/api-keys")
        assert secret not in page.content() and secret[:10] in page.content()
        admin.go("/admin/webhooks")
        page.get_by_label("名称").fill("门户CMS接收")
        page.get_by_label("推送地址（http 或 https）").fill("https://cms.example.gov.cn/hooks")
        page.get_by_label("推送的事件").select_option(["item.published", "item.retracted"])
        page.get_by_role("button", name="添加").click()
        page.wait_for_load_state()
        assert page.locator("#new-secret").input_value().startswith("whsec_")
        page.screenshot(path=str(shots / "api-webhooks.png"), full_page=True)
        admin.go("/api/v1/docs")
        assert page.get_by_text("GET /api/v1/changes").count() == 1
        page.screenshot(path=str(shots / "api-docs.png"), full_page=True)
        assert admin.csp_violations() == []
    finally:
        admin.close()
