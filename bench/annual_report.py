"""The annual report's table 三 built from the 依申请公开 register, next to one hand-written
aggregate over the same rows, in the same run.

    python -m bench.annual_report [--url URL] [--requests 20000] [--runs 5]

Fills the register with `--requests` requests over three years (bulk insert, not timed:
applicant types and outcomes spread over the template's rows, a tenth still open), then
alternately and `--runs` times each:

- *library*: `workflow.reporting.annual_report.build(session, 2026)` — the whole report
  (the register's counts, the normative items, the hand figures, the totals, the checks);
- *baseline*: one `GROUP BY applicant_type, outcome` over the requests touching 2026 with
  the year's new / carried-in / answered / carried-out flags computed in SQL, rows fetched.

Prints one JSON line: the medians in milliseconds and their ratio (library / baseline).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import case, func, insert, select
from sqlalchemy.orm import Session

from bench.transitions import database, log
from workflow import migrate
from workflow.accounts import create_unit, create_user
from workflow.db import make_engine, make_session_factory
from workflow.disclosure.outcomes import OUTCOMES, ApplicantType
from workflow.enums import Role, UnitKind
from workflow.models import DisclosureRequest
from workflow.reporting import annual_report

NOW = datetime(2027, 1, 10, 2, tzinfo=UTC)
TYPES = [t.value for t in ApplicantType]


def fill(session: Session, n: int) -> None:
    unit = create_unit(session, "区政府办", UnitKind.ZONE, is_office=True)
    user = create_user(
        session, login="bench", name="bench", unit=unit, roles=[Role.OFFICE_EDITOR], now=NOW
    )
    session.flush()
    rows = []
    start = date(2024, 1, 1)
    for i in range(n):
        received = start + timedelta(days=(i * 7) % 1090)
        open_ = i % 10 == 0
        answered = None if open_ else received + timedelta(days=20 + i % 15)
        rows.append(
            {
                "reference": f"B-{i}",
                "received_on": received,
                "channel": "online",
                "applicant_type": TYPES[i % len(TYPES)],
                "applicant_name": "申请人",
                "content": "内容",
                "info_requested": "信息",
                "unit_id": unit.id,
                "state": "handling" if open_ else "answered",
                "outcome": None if open_ else OUTCOMES[i % len(OUTCOMES)],
                "clock_start": received,
                "paused_workdays": 0,
                "extension_workdays": 0,
                "due_on": received + timedelta(days=28),
                "due_provisional": False,
                "answered_on": answered,
                "registered_by_id": user.id,
                "created_at": NOW,
                "updated_at": NOW,
                "version": 1,
                "history_seq": 0,
            }
        )
    for chunk in range(0, n, 5000):
        session.execute(insert(DisclosureRequest), rows[chunk : chunk + 5000])
    session.commit()


def baseline(session: Session, year: int) -> int:
    first, last = date(year, 1, 1), date(year, 12, 31)
    r = DisclosureRequest
    answered_in = (r.answered_on >= first) & (r.answered_on <= last)
    stmt = (
        select(
            r.applicant_type,
            r.outcome,
            func.sum(case((r.received_on >= first, 1), else_=0)),
            func.sum(case((r.received_on < first, 1), else_=0)),
            func.sum(case((answered_in, 1), else_=0)),
            func.sum(case((answered_in, 0), else_=1)),
        )
        .where(r.received_on <= last, r.answered_on.is_(None) | (r.answered_on >= first))
        .group_by(r.applicant_type, r.outcome)
    )
    return len(session.execute(stmt).all())


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.annual_report")
    parser.add_argument("--url")
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with database(args.url) as target:
        migrate.upgrade(target.url)
        engine = make_engine(target.url)
        sessions = make_session_factory(engine)
        with sessions() as session:
            log(f"filling {args.requests} requests")
            fill(session, args.requests)
            lib: list[float] = []
            base: list[float] = []
            for run in range(args.runs):
                pair = [
                    ("library", lambda: annual_report.build(session, 2026)),
                    ("baseline", lambda: baseline(session, 2026)),
                ]
                for name, fn in pair if run % 2 else reversed(pair):
                    (lib if name == "library" else base).append(timed(fn))
                    session.rollback()
            report = annual_report.build(session, 2026)
            assert report.reconciles, report.problems
        engine.dispose()
    line = {
        "bench": "annual_report",
        "backend": target.backend,
        "requests": args.requests,
        "library_ms": round(statistics.median(lib), 1),
        "baseline_ms": round(statistics.median(base), 1),
        "ratio": round(statistics.median(lib) / statistics.median(base), 2),
        "note": target.note,
    }
    print(json.dumps(line, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
