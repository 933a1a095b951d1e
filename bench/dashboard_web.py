"""The office's pages as a browser gets them: the real app served by werkzeug in a
second process, a supervisor logged in through the real form, GET /office/ and GET
/office/scoreboard?period=2026-10 timed over HTTP, and that process's peak resident
memory (VmHWM) read before it stops. Used by bench.dashboard in the same run as its
baseline; `python -m bench.dashboard_web serve URL` is the server side."""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from workflow.accounts import create_unit, create_user
from workflow.db import make_engine
from workflow.enums import Role, UnitKind
from workflow.models import User

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # bench.dashboard's clock
LOGIN = "bench_supervisor"
PASSWORD = "bench-supervisor-password"
PAGES = {"dashboard_page": "/office/", "scoreboard_page": "/office/scoreboard?period=2026-10"}
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def add_supervisor(url: str) -> None:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            # The bulk fill wrote ids itself: move the sequences past them.
            for table in ("units", "users"):
                session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                    )
                )
            # A database reused from an earlier run (--reuse) has them already.
            if session.execute(select(User.id).where(User.login == LOGIN)).first():
                return
            unit = create_unit(session, "督查室（压测）", UnitKind.ZONE)
            create_user(
                session,
                login=LOGIN,
                name="压测督查员",
                unit=unit,
                roles=[Role.SUPERVISOR],
                now=NOW,
                password=PASSWORD,
            )
            session.commit()
    finally:
        engine.dispose()


def serve(url: str) -> None:
    """The child: the app on an ephemeral port (printed on stdout), clock fixed."""
    import logging

    from werkzeug.serving import make_server

    from config import load_config
    from web import create_app

    cfg = load_config(
        {
            "SANSHEN_ENV": "development",
            "DATABASE_URL": url,
            "SANSHEN_INSTANCE_DIR": tempfile.mkdtemp(prefix="bench-web-"),
            "SANSHEN_SECRET_KEY": os.urandom(16).hex(),
        }
    )
    app = create_app(cfg, SANSHEN_CLOCK=lambda: NOW)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    print(httpd.server_port, flush=True)
    httpd.serve_forever()


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


class WebBench:
    """Start the server process, log in; `tasks()` gives one timed GET per page."""

    def __init__(self, url: str) -> None:
        add_supervisor(url)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.dashboard_web", "serve", url],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        port = self.proc.stdout.readline().strip()
        if not port.isdigit():
            self.close()
            raise RuntimeError("the web process did not start")
        self.base = f"http://127.0.0.1:{port}"
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self._login()

    def _get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=600) as response:
            if response.status != 200:
                raise RuntimeError(f"GET {path}: {response.status}")
            body: bytes = response.read()
        return body.decode()

    def _login(self) -> None:
        match = CSRF.search(self._get("/login"))
        assert match, "no CSRF token on /login"
        data = urllib.parse.urlencode(
            {"login": LOGIN, "password": PASSWORD, "csrf_token": match.group(1)}
        ).encode()
        with self.opener.open(self.base + "/login", data=data, timeout=60) as response:
            if response.url.endswith("/login"):
                raise RuntimeError("bench supervisor could not log in")

    def tasks(self, facts: dict[str, Any]) -> dict[str, Callable[[], None]]:
        def page(name: str, path: str) -> Callable[[], None]:
            def do() -> None:
                html = self._get(path)
                facts[f"{name}_bytes"] = len(html)

            return do

        return {name: page(name, path) for name, path in PAGES.items()}

    def peak_rss_mb(self) -> float:
        return _peak_rss_mb(self.proc.pid)

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        serve(sys.argv[2])
    else:
        print("usage: python -m bench.dashboard_web serve DATABASE_URL", file=sys.stderr)
        sys.exit(2)
