"""How long evaluating every assignment takes, next to a hand-written aggregate.

    python -m bench.deadlines [--url URL] [--assignments 20000] [--items 1000000] [--runs 5]

Fills a fresh PostgreSQL database (see bench.transitions.database) with units, columns
carrying a realistic mix of rules, two units per column, and `--items` published items
spread over three years, inserted server-side (INSERT … SELECT generate_series). Then,
alternately and `--runs` times each:

- *evaluation*: `workflow.deadlines.evaluate.evaluate(session, now)` — all statuses;
- *baseline*: one hand-written SQL aggregate, "last publication per assignment"
  (`column_assignments LEFT JOIN items … GROUP BY assignment`), rows fetched.

Prints one JSON line: medians in seconds, their ratio (goal ≤ 2) and the peak RSS of
the process (goal < 300 MB).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from bench.transitions import database, log
from workflow import migrate
from workflow.db import make_engine
from workflow.deadlines.evaluate import evaluate

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
RULE_MIX: list[list[dict[str, Any]]] = [
    [{"kind": "periodic", "every": 1, "unit": "month", "min_items": 1}],
    [{"kind": "periodic", "every": 1, "unit": "week", "min_items": 1}],
    [{"kind": "prompt"}, {"kind": "periodic", "every": 2, "unit": "week", "min_items": 1}],
    [{"kind": "periodic", "every": 3, "unit": "month", "min_items": 1}],
    [{"kind": "annual", "by": "01-31"}],
    [{"kind": "periodic", "every": 1, "unit": "month", "min_items": 1, "by_day": 25}],
    [{"kind": "on_change"}, {"kind": "periodic", "every": 1, "unit": "year", "min_items": 1}],
    [{"kind": "periodic", "every": 50, "unit": "day", "min_items": 1}],
    [{"kind": "after_event", "within": 15, "unit": "workday", "event": "received"}],
    [{"kind": "periodic", "every": 1, "unit": "month", "min_items": 3}],
]
BASELINE = text(
    "SELECT a.id, max(i.published_at) FROM column_assignments a "
    "LEFT JOIN items i ON i.column_id = a.column_id AND i.unit_id = a.unit_id "
    "AND i.live_revision_no IS NOT NULL GROUP BY a.id"
)


def fill(conn: Any, assignments: int, items: int) -> None:
    """Units, columns (two units each), users, and published items, all server-side."""
    columns = assignments // 2
    units = max(2, min(400, assignments // 50))
    rules = json.dumps(RULE_MIX, ensure_ascii=False)
    conn.execute(
        text(
            "INSERT INTO units (id, name, kind, active, is_office) "
            "SELECT g, '单位' || g, 'department', true, g = 1 FROM generate_series(1, :n) g"
        ),
        {"n": units},
    )
    conn.execute(
        text(
            "INSERT INTO users (id, login, name, unit_id, active, created_at) "
            "SELECT g, 'u' || g, '报送员' || g, g, true, :now FROM generate_series(1, :n) g"
        ),
        {"n": units, "now": NOW},
    )
    conn.execute(
        text(
            "INSERT INTO columns (id, name, path, level, position, content, time_requirement, "
            "rules, content_type, tags, prerequisites, allows_statement, rules_confirmed_at) "
            "SELECT g, '栏目' || g, '门户/栏目' || g, 2, g, '', '', "
            "(CAST(:rules AS json) -> (g % 10)), 'other', '[]', '{}', false, :now "
            "FROM generate_series(1, :n) g"
        ),
        {"n": columns, "rules": rules, "now": NOW},
    )
    conn.execute(
        text(
            "INSERT INTO column_assignments (column_id, unit_id, role, responsible_since) "
            "SELECT c, 1 + (c % :u), 'lead', DATE '2023-01-01' FROM generate_series(1, :n) c "
            "UNION ALL SELECT c, 1 + ((c + 1) % :u), 'cooperating', DATE '2023-01-01' "
            "FROM generate_series(1, :n) c"
        ),
        {"n": columns, "u": units},
    )
    # Items of assignment (c, unit) spread over three years before NOW.
    conn.execute(
        text(
            "INSERT INTO items (column_id, unit_id, drafter_id, kind, title, state, version, "
            "current_revision_no, live_revision_no, audit_seq, content_digest, review_facts, "
            "created_at, updated_at, state_since, published_at, first_published_at, "
            "due_provisional) "
            "SELECT c, 1 + ((c + s) % :u), 1 + ((c + s) % :u), 'article', '信息', 'published', "
            "5, 1, 1, 5, '', '{}', t, t, t, t, t, false FROM ("
            "  SELECT 1 + (g % :n) AS c, (g / :n) % 2 AS s, "
            "         CAST(:now AS timestamptz) - (g % 1096) * interval '1 day' "
            "         - (g % 7) * interval '1 hour' AS t"
            "  FROM generate_series(1, :items) g) x"
        ),
        {"n": columns, "u": units, "items": items, "now": NOW},
    )
    conn.execute(text("ANALYZE"))


def timed(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(url: str, assignments: int, items: int, runs: int) -> dict[str, Any]:
    log("migrating…")
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            log(f"filling {assignments} assignments, {items} items…")
            started = time.perf_counter()
            fill(conn, assignments, items)
            log(f"filled in {time.perf_counter() - started:.1f} s")
        evaluation: list[float] = []
        baseline: list[float] = []
        statuses: dict[str, int] = {}

        def do_evaluate() -> None:
            with Session(engine) as session:
                results = evaluate(session, NOW)
            statuses.clear()
            for r in results:
                statuses[r.status] = statuses.get(r.status, 0) + 1
            assert len(results) == assignments

        def do_baseline() -> None:
            with engine.connect() as conn:
                rows = conn.execute(BASELINE).all()
            assert len(rows) == assignments

        do_evaluate(), do_baseline()  # warm the caches for both
        for r in range(runs):
            order = (do_baseline, do_evaluate) if r % 2 == 0 else (do_evaluate, do_baseline)
            for fn in order:
                (evaluation if fn is do_evaluate else baseline).append(timed(fn))
            log(
                f"run {r + 1}/{runs}: evaluation {evaluation[-1]:.3f} s, "
                f"baseline {baseline[-1]:.3f} s"
            )
    finally:
        engine.dispose()
    ev, base = statistics.median(evaluation), statistics.median(baseline)
    return {
        "benchmark": "deadlines",
        "assignments": assignments,
        "items": items,
        "evaluation_s": round(ev, 3),
        "baseline_s": round(base, 3),
        "ratio": round(ev / base, 2),
        "evaluation_runs": [round(x, 3) for x in evaluation],
        "baseline_runs": [round(x, 3) for x in baseline],
        "statuses": statuses,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "goal_ratio": 2.0,
        "goal_rss_mb": 300,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.deadlines",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", help="an empty PostgreSQL database (default: a new one)")
    parser.add_argument("--assignments", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with database(args.url) as target:
        if target.backend != "postgresql":
            print("bench.deadlines needs PostgreSQL (server-side generate_series)", file=sys.stderr)
            return 2
        result = run(target.url, args.assignments, args.items, args.runs)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
