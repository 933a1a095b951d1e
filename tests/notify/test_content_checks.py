"""The content checks' jobs against real parts: a local HTTP server for dead, slow,
redirected-off-domain and good links, and a recheck of published items after a word
list changed that tells the drafter and the office (through the delivery ledger)."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import redis
from rq import Queue
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from notifications.content_checks import check_item_links, recheck_live
from notifications.links import fetch_all
from notifications.runtime import QUEUE
from workflow import services
from workflow.checks import LINK, OPEN, SERIOUS
from workflow.enums import Role
from workflow.models import Delivery, Finding, Item
from workflow.runner import run
from workflow.services import checks
from workflow.services.checks import EntryInput

from ..conftest import NOW, burst
from ..factories import World, new_item, tick
from .conftest import configure


class Site(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}  # noqa: RUF012 (the test reads it)

    def do_GET(self) -> None:
        Site.hits[self.path] = Site.hits.get(self.path, 0) + 1
        port = self.server.server_address[1]
        if self.path == "/ok":
            self._answer(200)
        elif self.path == "/gone":
            self._answer(404)
        elif self.path == "/slow":
            time.sleep(2.5)
            self._answer(200)
        elif self.path == "/away":  # another host: localhost is not 127.0.0.1
            self._answer(302, f"http://localhost:{port}/ok")
        elif self.path == "/inside":
            self._answer(301, "/ok")
        else:
            self._answer(500)

    def _answer(self, status: int, location: str | None = None) -> None:
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "2")
        self.end_headers()
        with contextlib.suppress(OSError):  # the checker closed a slow connection
            self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Site.hits = {}
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_links_dead_slow_redirected_and_good(site: str) -> None:
    urls = [f"{site}/ok", f"{site}/gone", f"{site}/slow", f"{site}/away", f"{site}/inside"]
    results = {r.url.rsplit("/", 1)[1]: r for r in fetch_all(urls, ("127.0.0.1",), 1.0, True)}
    assert (results["ok"].result, results["ok"].http_status) == ("ok", 200)
    assert (results["gone"].result, results["gone"].detail) == ("dead", "http:404")
    assert (results["slow"].result, results["slow"].detail) == ("dead", "timeout")
    assert (results["away"].result, results["away"].detail) == ("offsite", "localhost")
    assert (results["inside"].result, results["inside"].final_url) == ("ok", f"{site}/ok")
    dead = fetch_all(["http://127.0.0.1:9/"], (), 1.0, True)[0]  # nothing listens on 9
    assert (dead.result, dead.detail) == ("dead", "connection")


def test_addresses_inside_the_network_are_not_fetched(site: str) -> None:
    inside = fetch_all([f"{site}/ok", "http://10.1.2.3/a", "http://[::1]/"], (), 1.0)
    assert [(r.result, r.detail) for r in inside] == [("dead", "private")] * 3
    assert Site.hits == {}  # nothing was requested


def _findings(engine: Engine, item_id: int) -> list[Finding]:
    with Session(engine) as s:
        return list(
            s.scalars(select(Finding).where(Finding.item_id == item_id).order_by(Finding.id))
        )


def test_the_link_job_marks_dead_links_and_caches_results(
    committed: tuple[Session, World],
    engine: Engine,
    database_url: str,
    redis_client: redis.Redis,
    site: str,
) -> None:
    session, w = committed
    configure(
        engine,
        database_url,
        None,
        PORTAL_DOMAINS="127.0.0.1",
        LINK_CHECK_TIMEOUT="1",
        LINK_CHECK_PRIVATE="true",  # the test's site is on 127.0.0.1
    )
    item = new_item(session, w, NOW)
    body = "".join(
        f'<p><a href="{site}/{p}">链接{p}</a></p>' for p in ("ok", "gone", "slow", "away")
    )
    edited = run(
        session,
        services.update_draft,
        actor=w.drafter,
        now=NOW,
        item_id=item.id,
        expected_version=item.version,
        title="链接测试",
        body=body,
    )
    assert edited.events  # LinksToCheck: the request fetched nothing
    assert Site.hits == {}
    queue = Queue(QUEUE, connection=redis_client)
    for _ in range(2):  # twice: the second finds every result fresh and fetches nothing
        queue.enqueue(check_item_links, item.id, NOW.isoformat())
    burst(redis_client, queue.name)
    links = {f.term.rsplit("/", 1)[1]: f for f in _findings(engine, item.id) if f.category == LINK}
    assert sorted(links) == ["away", "gone", "slow"]
    assert (links["gone"].severity, links["gone"].suggestion) == (SERIOUS, "dead:http:404")
    assert links["slow"].suggestion == "dead:timeout"
    assert links["away"].suggestion == "offsite:localhost"
    assert Site.hits["/gone"] == 1 and Site.hits["/away"] == 1  # fetched once, then cached


def test_a_list_change_rechecks_published_items_and_tells_people(
    committed: tuple[Session, World], engine: Engine, database_url: str
) -> None:
    session, w = committed
    configure(engine, database_url, None)
    item = new_item(session, w, NOW)
    run(
        session,
        services.update_draft,
        actor=w.drafter,
        now=NOW,
        item_id=item.id,
        expected_version=item.version,
        title="关于按装路灯的通知",
        body="<p>今年按装路灯。</p>",
    )
    steps = [
        ("submit", w.drafter, {}),
        ("approve", w.user(Role.DEPUTY_HEAD), {"confidentiality_checked": True}),
        ("approve", w.user(Role.HEAD), {}),
        ("approve", w.office_editor, {}),
    ]
    for i, (action, actor, extra) in enumerate(steps, start=1):
        current = session.get(Item, item.id, populate_existing=True)
        assert current is not None
        run(
            session,
            services.ACTIONS[action],  # type: ignore[index]
            actor=actor,
            now=tick(NOW, i),
            item_id=item.id,
            expected_version=current.version,
            **extra,
        )
    assert _findings(engine, item.id) == []  # no list yet: nothing found
    made = run(session, checks.create_list, actor=None, now=NOW, name="易错词")
    changed = run(
        session,
        checks.save_entry,
        actor=None,
        now=NOW,
        list_id=made.value.id,
        entry=EntryInput("按装", "typo", "normal", "安装"),
    )
    assert changed.events  # WordListChanged: the web enqueues recheck_live for it

    totals = recheck_live(tick(NOW, 10).isoformat())
    assert totals["new"] == 2 and totals["announced"] >= 2
    found = _findings(engine, item.id)
    assert {(f.source, f.status, f.on_live) for f in found} == {
        ("title", OPEN, True),
        ("body", OPEN, True),
    }
    with Session(engine) as s:
        told = set(s.scalars(select(Delivery.user_id).where(Delivery.kind == "content_check")))
    assert w.office_editor is not None
    office = {w.office_editor.id, w.user(Role.OFFICE_EDITOR, "office").id}
    assert told == {w.drafter.id, *office}  # not the editors of other units
    # Again: nothing new, nobody told twice.
    again = recheck_live(tick(NOW, 20).isoformat())
    assert again["new"] == 0 and again["announced"] == 0
    with Session(engine) as s:
        count = s.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.kind == "content_check")
        )
    assert count == totals["announced"]
