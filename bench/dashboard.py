"""How long the office's dashboard and scoreboard take on a large portal, next to a
plain count-by-state query in the same run.

    python -m bench.dashboard [--url URL [--reuse]] [--assignments 20000] [--items 1000000]
                              [--runs 10]

Fills a fresh PostgreSQL database with bench.deadlines.fill (units, columns with the seed
rule mix, two units per column, `--items` published items over three years, inserted
server-side), then, also server-side: about 2% of the last 30 days' items put back into a
review stage (stuck items to find), four audit rows per item of the last 120 days
(submitted, 初审 and 审核 approved — one in ten returned instead — and published, hours
apart: review-stage medians and returns), an obligation per 200 items and inspection
kinds on a tenth of the columns. Then alternately, `--runs` times each:

- *baseline*: `SELECT state, count(*) FROM items GROUP BY state`, rows fetched;
- *dashboard*: `workflow.reporting.dashboard.dashboard(session, now)` — counts by state,
  the first page of stuck items, every unit's overdue / due-soon columns (the full
  deadline evaluation), provisional due dates;
- *scoreboard*: `workflow.reporting.scoreboard.scoreboard(session, 2026-10, now)`, read
  from the scoreboard summary; *scoreboard_changed*: the same with 50 columns marked as
  changed since the refresh (judged live); *scoreboard_live*: `summary=False`, all
  computed live (what every request did before the summary);
- *health*: `workflow.reporting.health.portal_health(session, now)`.

Before the runs, the periodic refresh (`refresh_status`, which also writes the
scoreboard summary) is timed twice: as the day's first (everything rebuilt,
`refresh_status_s`) and as a later one with 50 columns marked (`refresh_again_s`).

- *dashboard_page*, *scoreboard_page*: the same through the web — the real app served
  by werkzeug in a second process (bench.dashboard_web), a supervisor logged in, GET
  /office/ and GET /office/scoreboard?period=2026-10 over HTTP (login check, queries,
  template, the two SVG charts).

Prints one JSON line: p50 and p95 of each in seconds, the ratio of each p50 to the
baseline's, this process's peak RSS and the web process's (goals: p95 < 0.3 s,
RSS < 300 MB). PostgreSQL only.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, text
from sqlalchemy.orm import Session

from bench.dashboard_web import WebBench
from bench.deadlines import fill
from bench.transitions import database, log
from workflow import migrate
from workflow.db import make_engine
from workflow.models import DeadlineStatusDirty, ScoreMonth
from workflow.reporting.common import parse_period
from workflow.reporting.dashboard import dashboard
from workflow.reporting.health import portal_health
from workflow.reporting.scoreboard import scoreboard
from workflow.reporting.status import refresh_status

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
CHANGED_COLUMNS = 50
BASELINE = text("SELECT state, count(*) FROM items GROUP BY state")


def fill_reporting(conn: Any) -> None:
    """Review states, audit rows, obligations and kinds on top of bench.deadlines.fill."""
    conn.execute(
        text(
            "UPDATE items SET state = (ARRAY['initial_review','head_review','office_review'])"
            "[1 + id % 3], live_revision_no = NULL, published_at = NULL, "
            "first_published_at = NULL WHERE id % 50 = 0 AND state_since > "
            "CAST(:now AS timestamptz) - interval '30 days'"
        ),
        {"now": NOW},
    )
    steps = [
        # (seq, action, from, to, hours before the item's time)
        (1, "'submit'", "'draft'", "'initial_review'", 72),
        (
            2,
            "CASE WHEN i.id % 10 = 0 THEN 'reject' ELSE 'approve' END",
            "'initial_review'",
            "CASE WHEN i.id % 10 = 0 THEN 'returned' ELSE 'head_review' END",
            50,
        ),
        (3, "'approve'", "'head_review'", "'office_review'", 26),
        (4, "'approve'", "'office_review'", "'published'", 0),
    ]
    # The state each row leaves was entered at the previous row (the draft a day before
    # the submission), as the services copy it onto the row (state_entered_at).
    entered = [96] + [hours for *_, hours in steps[:-1]]
    for (seq, action, before, after, hours), since in zip(steps, entered, strict=True):
        conn.execute(
            text(
                "INSERT INTO audit_events (item_id, seq, revision_no, from_state, to_state, "
                "action, actor_id, confidentiality_checked, content_digest, at, hash, "
                "unit_id, state_entered_at) "
                f"SELECT i.id, {seq}, 1, {before}, {after}, {action}, i.drafter_id, false, '', "
                f"i.created_at - interval '{hours} hours', md5(i.id::text || '-{seq}'), "
                f"i.unit_id, i.created_at - interval '{since} hours' "
                "FROM items i WHERE i.created_at > CAST(:now AS timestamptz) - interval "
                "'120 days' AND i.state = 'published'"
            ),
            {"now": NOW},
        )
    conn.execute(
        text(
            "INSERT INTO obligations (column_id, unit_id, source_item_id, description, "
            "due_date, due_provisional, created_at) SELECT column_id, unit_id, id, '解读', "
            "CAST(created_at AS date) + 5, false, created_at FROM items WHERE id % 200 = 0"
        )
    )
    conn.execute(
        text(
            'UPDATE columns SET tags = CAST((ARRAY[\'["news"]\',\'["notice", "top"]\','
            '\'["policy", "top"]\',\'["consult"]\',\'["home"]\'])[1 + (id / 10) % 5] AS json) '
            "WHERE id % 10 = 0"
        )
    )


def vacuum(engine: Any) -> None:
    """What autovacuum would have done on a live database (it may be off on a bench
    machine): statistics, the visibility map (index-only scans), dead rows gone."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _seconds(value: float) -> float | None:
    return None if value != value else round(value, 2)  # NaN: not run


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile by linear interpolation between the closest ranks."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = (len(ordered) - 1) * q
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


TASKS = (
    "dashboard",
    "dashboard_changed",
    "scoreboard",
    "scoreboard_changed",
    "scoreboard_live",
    "health",
    "dashboard_page",
    "scoreboard_page",
    "health_page",
)


def run(
    url: str,
    assignments: int,
    items: int,
    runs: int,
    reuse: bool = False,
    only: Sequence[str] | None = None,
) -> dict[str, Any]:
    """`only`: the tasks to time (the baseline always runs), e.g. while working on one."""
    wanted = set(only or TASKS)
    log("migrating…")
    migrate.upgrade(url)
    engine = make_engine(url)
    web: WebBench | None = None
    try:
        assignments, items, audit_rows = _filled(engine, assignments, items, reuse)
        vacuum(engine)
        facts: dict[str, Any] = {}
        refresh_s = refresh_again_s = float("nan")
        changed = _changed_columns(engine)
        if wanted - {"health", "health_page", "scoreboard_live"}:
            refresh_s, refresh_again_s = _refreshed(engine, changed, facts)
        library = _library(engine, changed, facts)
        pages: dict[str, Callable[[], None]] = {}
        if wanted & {"dashboard_page", "scoreboard_page", "health_page"}:
            log("starting the web process…")
            web = WebBench(url)
            pages = web.tasks(facts)
        tasks = {
            name: fn
            for name, fn in {**library, **pages}.items()
            if name == "baseline" or name in wanted
        }
        times = _timed_runs(tasks, runs)
        web_rss = web.peak_rss_mb() if web is not None else None
    finally:
        if web is not None:
            web.close()
        engine.dispose()
    base = statistics.median(times["baseline"])
    result: dict[str, Any] = {
        "benchmark": "dashboard",
        "assignments": assignments,
        "items": items,
        "audit_rows": audit_rows,
        "runs": runs,
        "refresh_status_s": _seconds(refresh_s),
        "refresh_again_s": _seconds(refresh_again_s),
        "changed_columns": CHANGED_COLUMNS,
    }
    for name, values in times.items():
        result[f"{name}_p50_s"] = round(statistics.median(values), 4)
        result[f"{name}_p95_s"] = round(percentile(values, 0.95), 4)
        if name != "baseline":
            result[f"{name}_ratio"] = round(statistics.median(values) / base, 1)
    result.update(
        {
            "facts": facts,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "web_peak_rss_mb": web_rss,
            "goal_p95_s": 0.3,
            "goal_rss_mb": 300,
        }
    )
    return result


def _filled(engine: Any, assignments: int, items: int, reuse: bool) -> tuple[int, int, int]:
    """Fill the database (or, `reuse`, take what it holds): the assignments, items and
    audit rows there are."""
    with engine.begin() as conn:
        present = conn.execute(text("SELECT count(*) FROM items")).scalar_one()
        if reuse and present:
            log(f"reusing the {present} items already there")
            items = present
            assignments = conn.execute(text("SELECT count(*) FROM column_assignments")).scalar_one()
        else:
            log(f"filling {assignments} assignments, {items} items…")
            started = time.perf_counter()
            fill(conn, assignments, items)
            fill_reporting(conn)
            log(f"filled in {time.perf_counter() - started:.1f} s")
        counts = dict(conn.execute(BASELINE).all())
        audit_rows = conn.execute(text("SELECT count(*) FROM audit_events")).scalar_one()
        log(f"{counts}, {audit_rows} audit rows")
    return assignments, items, audit_rows


def _changed_columns(engine: Any) -> list[int]:
    """The CHANGED_COLUMNS columns the "changed" tasks mark as touched."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT column_id FROM column_assignments GROUP BY column_id "
                    "ORDER BY column_id LIMIT :n"
                ),
                {"n": CHANGED_COLUMNS},
            ).scalars()
        )


def _refreshed(engine: Any, changed: list[int], facts: dict[str, Any]) -> tuple[float, float]:
    """The periodic scan's job: the summaries the dashboard and scoreboard read — the
    day's first run (everything), then a run five minutes later with CHANGED_COLUMNS
    columns changed meanwhile (marked) and the audit rows since the first run to fold.
    Returns the seconds each took."""
    with Session(engine) as session:
        # As on a new day (a --reuse database holds a summary already).
        session.execute(delete(ScoreMonth))
        started = time.perf_counter()
        facts["status_rows"] = refresh_status(session, NOW)
        session.commit()
        refresh_s = time.perf_counter() - started
    with Session(engine) as session:
        session.execute(insert(DeadlineStatusDirty), [{"column_id": c} for c in changed])
        started = time.perf_counter()
        refresh_status(session, NOW + timedelta(minutes=5))
        refresh_again_s = time.perf_counter() - started
        session.rollback()
    log(f"refresh_status: {refresh_s:.1f} s, then {refresh_again_s:.1f} s")
    vacuum(engine)  # the marks and summary rows the refreshes replaced
    return refresh_s, refresh_again_s


def _library(
    engine: Any, changed: list[int], facts: dict[str, Any]
) -> dict[str, Callable[[], None]]:
    """The baseline and the tasks timed in this process (the pages: bench.dashboard_web),
    each noting what it saw in `facts`."""
    october = parse_period("2026-10")

    def do_baseline() -> None:
        with engine.connect() as conn:
            conn.execute(BASELINE).all()

    def do_dashboard() -> None:
        with Session(engine) as session:
            board = dashboard(session, NOW)
        facts["stuck"] = board.stuck.total
        facts["summary_used"] = not board.freshness.live
        facts["units_with_overdue"] = sum(1 for u in board.units if u.overdue)

    def do_dashboard_changed() -> None:
        # As between two refreshes: CHANGED_COLUMNS columns were touched since (the
        # marks the triggers write), so those are evaluated live.
        with Session(engine) as session:
            session.execute(insert(DeadlineStatusDirty), [{"column_id": c} for c in changed])
            board = dashboard(session, NOW)
            session.rollback()
        facts["changed_live_columns"] = board.freshness.live_columns

    def do_scoreboard() -> None:
        with Session(engine) as session:
            board = scoreboard(session, october, NOW)
        facts["judged"] = sum(s.judged for s in board.units)

    def do_scoreboard_changed() -> None:
        # As between two refreshes: CHANGED_COLUMNS columns touched since (judged live).
        with Session(engine) as session:
            session.execute(insert(DeadlineStatusDirty), [{"column_id": c} for c in changed])
            board = scoreboard(session, october, NOW)
            session.rollback()
        facts["scoreboard_changed_judged"] = sum(s.judged for s in board.units)

    def do_scoreboard_live() -> None:
        with Session(engine) as session:
            board = scoreboard(session, october, NOW, summary=False)
        facts["scoreboard_live_judged"] = sum(s.judged for s in board.units)

    def do_health() -> None:
        with Session(engine) as session:
            facts["health_failing"] = portal_health(session, NOW).failing

    return {
        "baseline": do_baseline,
        "dashboard": do_dashboard,
        "dashboard_changed": do_dashboard_changed,
        "scoreboard": do_scoreboard,
        "scoreboard_changed": do_scoreboard_changed,
        "scoreboard_live": do_scoreboard_live,
        "health": do_health,
    }


def _timed_runs(tasks: dict[str, Callable[[], None]], runs: int) -> dict[str, list[float]]:
    """Each task's times over `runs` rounds, after one to warm its caches; the order
    alternates between rounds."""
    times: dict[str, list[float]] = {name: [] for name in tasks}
    for fn in tasks.values():  # warm the caches for each
        fn()
    names = list(tasks)
    for r in range(runs):
        order = names if r % 2 == 0 else names[::-1]
        for name in order:
            times[name].append(timed(tasks[name]))
        log(f"run {r + 1}/{runs}: " + ", ".join(f"{n} {times[n][-1]:.3f} s" for n in names))
    return times


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.dashboard",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", help="an empty PostgreSQL database (default: a new one)")
    parser.add_argument("--assignments", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="200 assignments, 10,000 items")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --url: keep the data already in that database (filled by an earlier run)",
    )
    parser.add_argument(
        "--only",
        help=f"comma-separated tasks to time besides the baseline (of: {', '.join(TASKS)})",
    )
    args = parser.parse_args(argv)
    only = [t.strip() for t in args.only.split(",") if t.strip()] if args.only else None
    if only and not set(only) <= set(TASKS):
        parser.error(f"--only: unknown task(s) {sorted(set(only) - set(TASKS))}")
    if args.quick:
        args.assignments, args.items, args.runs = 200, 10_000, 3
    with database(args.url) as target:
        if target.backend != "postgresql":
            print("bench.dashboard needs PostgreSQL (server-side generate_series)", file=sys.stderr)
            return 2
        result = run(target.url, args.assignments, args.items, args.runs, args.reuse, only)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
