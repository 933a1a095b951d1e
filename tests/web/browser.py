"""Shared parts of the browser tests: Debian's Chromium driven by Playwright, one
logged-in person per browser context, and a collector of the console's CSP violations.
Test modules import the fixtures they use from here (`from .browser import browser, ...`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from .support import PASSWORD, Portal, live_server

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> Any:
    """Skip the calling module without a browser (never in CI), else return
    `playwright.sync_api`."""
    if not CHROMIUM.exists() and not os.environ.get("CI"):
        pytest.skip("no Chromium at /usr/bin/chromium (CI installs it)", allow_module_level=True)
    return pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def shots() -> Path:
    folder = Path(os.environ.get("SANSHEN_SCREENSHOTS") or "/tmp/sanshen-screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def server(app: Flask, portal: Portal) -> Iterator[str]:
    with live_server(app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = require_chromium()
    with sync_api.sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield instance
        finally:
            instance.close()


class User:
    """One person at their own browser. `console` collects every console message of
    type error (CSP violations among them) seen by this person's pages."""

    def __init__(
        self, browser: Any, base: str, login: str, password: str = PASSWORD, **context: Any
    ) -> None:
        self.context = browser.new_context(locale="zh-CN", **context)
        self.console: list[str] = []
        self.page = self.context.new_page()
        self.page.on(
            "console", lambda msg: self.console.append(msg.text) if msg.type == "error" else None
        )
        self.base = base
        page = self.page
        page.goto(f"{base}/login")
        page.get_by_label("用户名").fill(login)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_load_state()
        assert "/login" not in page.url, page.content()[:500]

    def go(self, path: str) -> Any:
        return self.page.goto(f"{self.base}{path}")

    def csp_violations(self) -> list[str]:
        return [text for text in self.console if "Content Security Policy" in text]

    def close(self) -> None:
        self.context.close()
