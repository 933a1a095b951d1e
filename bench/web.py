"""How quickly the pages reviewers and drafters open every day answer, next to the bare
query underneath them.

    python -m bench.web [--waiting 300] [--requests 30]

A temporary SQLite database gets one unit with `--waiting` items in 初审 (inserted in
bulk, then submitted through workflow.services, spread over the last 60 days so waiting
times need real working-day counts) and a deputy head. Through Flask's test client (the
whole request: session, login check, queries, working days, template, CSRF token) it
times GET /inbox, GET /items/<id> (with history and diff) and GET /columns (with the
deadline evaluation of the unit's columns). The baseline is the inbox's own SELECT run
alone on the same database: the floor the page stands on. Medians of `--requests`
requests each; one JSON line on stdout.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bench.generate import insert_drafts
from config import load_config
from workflow import migrate, services
from workflow.accounts import create_unit, create_user
from workflow.db import make_engine, make_session_factory
from workflow.enums import AssignmentRole, Role, State, UnitKind
from workflow.models import Column, ColumnAssignment, Item

PASSWORD = "bench-password"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _median_ms(fn: Callable[[], object], n: int) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.web")
    parser.add_argument("--waiting", type=int, default=300)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="sanshen-bench-web-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    with make_session_factory(engine)() as session:
        unit = create_unit(session, "区教育局", UnitKind.DEPARTMENT)
        column = Column(name="教育招生", path="教育招生", level=1, rules=[], tags=[])
        column.assignments.append(
            ColumnAssignment(unit=unit, role=AssignmentRole.LEAD, responsible_since=now.date())
        )
        session.add(column)
        drafter = create_user(
            session, login="d", name="报送员", unit=unit, roles=[Role.DRAFTER], now=now,
            password=PASSWORD,
        )  # fmt: skip
        create_user(
            session, login="r", name="分管领导", unit=unit, roles=[Role.DEPUTY_HEAD], now=now,
            password=PASSWORD,
        )  # fmt: skip
        session.commit()
        log(f"inserting {args.waiting} items")
        refs = insert_drafts(
            session.connection(),
            n=args.waiting,
            column_id=column.id,
            unit_id=unit.id,
            drafter_id=drafter.id,
            now=now - timedelta(days=60),
        )
        session.commit()
        for i, ref in enumerate(refs):
            services.submit(
                session,
                actor=drafter,
                item_id=ref.item_id,
                expected_version=ref.version,
                now=now - timedelta(days=60) + timedelta(hours=4 * i % (60 * 24)),
            )
        session.commit()
        item_id = refs[-1].item_id
    from web import create_app

    cfg = load_config(
        {"SANSHEN_ENV": "testing", "DATABASE_URL": url, "SANSHEN_INSTANCE_DIR": str(tmp)}
    )
    app = create_app(cfg)

    def client_for(login: str) -> object:
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert token
        r = client.post(
            "/login", data={"login": login, "password": PASSWORD, "csrf_token": token.group(1)}
        )
        assert r.status_code == 302
        return client

    reviewer, writer = client_for("r"), client_for("d")

    def get(client: object, path: str) -> None:
        response = client.get(path)  # type: ignore[attr-defined]
        assert response.status_code == 200, path

    def baseline() -> None:
        with make_session_factory(engine)() as s:
            s.execute(
                select(Item)
                .where(Item.state == State.INITIAL_REVIEW, Item.unit_id == unit.id)
                .order_by(Item.state_since, Item.id)
            ).all()

    get(reviewer, "/inbox")  # warm caches (templates, calendar package) once
    result = {
        "bench": "web",
        "waiting_items": args.waiting,
        "requests": args.requests,
        "inbox_ms": _median_ms(lambda: get(reviewer, "/inbox"), args.requests),
        "baseline_inbox_query_ms": _median_ms(baseline, args.requests),
        "item_page_ms": _median_ms(lambda: get(reviewer, f"/items/{item_id}"), args.requests),
        "my_columns_ms": _median_ms(lambda: get(writer, "/columns"), args.requests),
    }
    result["inbox_over_baseline"] = round(
        result["inbox_ms"] / max(result["baseline_inbox_query_ms"], 0.01), 1
    )
    print(json.dumps(result, ensure_ascii=False), flush=True)
    app.extensions["sanshen.engine"].dispose()
    engine.dispose()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
