"""The API's changes feed over a million published items, next to a plain query, in the
same run.

    python -m bench.api_changes [--url URL] [--items 1000000] [--requests 50]

Fills a portal server-side (`bench.deadlines.fill`: a million published items over
three years) and seeds the feed as migration 0020 does (one `published` change per live
item). Then, alternately and `--requests` times each, for the first page (cursor 0) and
a page deep in the feed (the last thousand changes):

- *api*: `GET /api/v1/changes?cursor=…&limit=100` through the whole Flask app (key check,
  rate limit, marshmallow, JSON, the call written to the log) with the test client;
- *plain*: the same page as one `SELECT … FROM item_changes WHERE id > %s ORDER BY id
  LIMIT 100` on a held psycopg connection, rows fetched;
- *offset* (once per request, for contrast): the deep page as `… OFFSET n` would fetch it.

Prints one JSON line: median milliseconds per page for each, and the api/plain ratios.
The point is that a deep page costs what the first does (keyset, not OFFSET), and what
the HTTP layer adds on top of the query. PostgreSQL only (the fill uses generate_series).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from bench.deadlines import fill
from bench.transitions import database, log
from config import load_config
from workflow import migrate, runner
from workflow.db import make_engine, make_session_factory
from workflow.services import api as api_services

LIMIT = 100
PLAIN = (
    "SELECT id, item_id, kind, revision_no, column_id, unit_id, at FROM item_changes "
    "WHERE id > %s ORDER BY id LIMIT %s"
)
OFFSET = (
    "SELECT id, item_id, kind, revision_no, column_id, unit_id, at FROM item_changes "
    "ORDER BY id LIMIT %s OFFSET %s"
)


def seed(conn: Any) -> int:
    conn.execute(
        text(
            "INSERT INTO item_changes (item_id, kind, revision_no, column_id, unit_id, at) "
            "SELECT id, 'published', live_revision_no, column_id, unit_id, published_at "
            "FROM items WHERE live_revision_no IS NOT NULL ORDER BY published_at, id"
        )
    )
    conn.execute(text("ANALYZE item_changes"))
    return int(conn.execute(text("SELECT max(id) FROM item_changes")).scalar_one())


def timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def run(url: str, items: int, requests: int) -> dict[str, Any]:
    import psycopg

    from web import create_app

    migrate.upgrade(url)
    engine = make_engine(url)
    with engine.begin() as conn:
        log(f"filling {items} published items…")
        started = time.perf_counter()
        fill(conn, 2000, items)
        last = seed(conn)
        log(f"filled and seeded the feed in {time.perf_counter() - started:.1f} s")
    with make_session_factory(engine)() as session:
        secret = runner.run(
            session,
            api_services.create_key,
            actor=None,
            now=datetime.now(UTC),
            name="bench",
            scope="read",
        ).value[1]
    config = load_config(
        {"SANSHEN_ENV": "testing", "DATABASE_URL": url, "API_RATE_LIMIT": "1000000/minute"}
    )
    app = create_app(config)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    deep = last - 1000
    pg = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))

    def api(cursor: int) -> None:
        response = client.get(f"/api/v1/changes?cursor={cursor}&limit={LIMIT}", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        assert len(response.get_json()["changes"]) == LIMIT

    def plain(cursor: int) -> None:
        rows = pg.execute(PLAIN, (cursor, LIMIT)).fetchall()
        assert len(rows) == LIMIT

    def offset() -> None:
        rows = pg.execute(OFFSET, (LIMIT, deep)).fetchall()
        assert len(rows) == LIMIT

    times: dict[str, list[float]] = {
        k: [] for k in ("api_first", "api_deep", "plain_first", "plain_deep", "offset_deep")
    }
    api(0), api(deep), plain(0), plain(deep), offset()  # warm caches for all
    for r in range(requests):
        steps = [
            ("plain_first", lambda: plain(0)),
            ("api_first", lambda: api(0)),
            ("plain_deep", lambda: plain(deep)),
            ("api_deep", lambda: api(deep)),
            ("offset_deep", offset),
        ]
        for name, fn in steps if r % 2 == 0 else list(reversed(steps)):
            times[name].append(timed(fn))
    pg.close()
    app.extensions["sanshen.engine"].dispose()
    engine.dispose()
    med = {k: statistics.median(v) for k, v in times.items()}
    return {
        "benchmark": "api_changes",
        "items": items,
        "feed_rows": last,
        "page": LIMIT,
        "requests": requests,
        **{f"{k}_ms": round(v, 3) for k, v in med.items()},
        "ratio_first": round(med["api_first"] / med["plain_first"], 1),
        "ratio_deep": round(med["api_deep"] / med["plain_deep"], 1),
        "deep_over_first_api": round(med["api_deep"] / med["api_first"], 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="PostgreSQL URL (default: a fresh database)")
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args(argv)
    with database(args.url) as target:
        if target.backend != "postgresql":
            raise SystemExit("bench.api_changes needs PostgreSQL (the fill uses generate_series)")
        result = run(target.url, args.items, args.requests)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
