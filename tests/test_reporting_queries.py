"""The dashboard and the scoreboard are set-based: the same number of SQL statements at
100 items and at 10,000 (architecture.md: never a query per row)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, event, insert, update
from sqlalchemy.orm import Session

from workflow.enums import Action, State
from workflow.models import AuditEvent, DeadlineStatus, Item, Obligation, ScoreMonth
from workflow.reporting.common import parse_period
from workflow.reporting.cramming import cramming
from workflow.reporting.dashboard import dashboard
from workflow.reporting.health import portal_health
from workflow.reporting.scoreboard import scoreboard
from workflow.reporting.status import refresh_status

from .factories import World
from .reporting_portal import NOW, Portal, at

STATES = [
    State.PUBLISHED,
    State.INITIAL_REVIEW,
    State.HEAD_REVIEW,
    State.OFFICE_REVIEW,
    State.DRAFT,
    State.RETURNED,
    State.WITHDRAWN,
]


def add_items(session: Session, world: World, portal: Portal, start: int, n: int) -> None:
    """`n` items over the columns, units, states and the last 120 days, each with a
    submit and an approve audit row, and one obligation per ten items."""
    columns = list(portal.columns.values())
    units = [world.unit_a, world.unit_b, portal.unit_c]
    rows, audit, owed = [], [], []
    for i in range(start, start + n):
        when = at("2026-11-20") - timedelta(hours=29 * (i % 100) + i % 7)
        state = STATES[i % len(STATES)]
        published = state == State.PUBLISHED
        rows.append(
            {
                "id": 100_000 + i,
                "column_id": columns[i % len(columns)].id,
                "unit_id": units[i % 3].id,
                "drafter_id": world.drafter.id,
                "kind": "article",
                "title": f"信息{i}",
                "state": state.value,
                "version": 3,
                "current_revision_no": 1,
                "live_revision_no": 1 if published else None,
                "first_published_at": when if published else None,
                "published_at": when if published else None,
                "due_date": (when + timedelta(days=20)).date() if i % 5 == 0 else None,
                "due_provisional": False,
                "audit_seq": 2,
                "content_digest": "",
                "review_facts": {},
                "created_at": when,
                "updated_at": when,
                "state_since": when,
            }
        )
        for seq, (action, to_state, hours) in enumerate(
            [(Action.SUBMIT, State.INITIAL_REVIEW, 0), (Action.APPROVE, State.HEAD_REVIEW, 30)], 1
        ):
            audit.append(
                {
                    "item_id": 100_000 + i,
                    "seq": seq,
                    "revision_no": 1,
                    "from_state": None,
                    "to_state": to_state.value,
                    "action": action.value,
                    "actor_id": world.drafter.id,
                    "content_digest": "",
                    "at": when + timedelta(hours=hours),
                    "hash": f"{i}-{seq}",
                }
            )
        if i % 10 == 0:
            owed.append(
                {
                    "column_id": columns[i % len(columns)].id,
                    "unit_id": units[i % 3].id,
                    "description": "",
                    "due_date": (when + timedelta(days=3)).date(),
                    "due_provisional": False,
                    "created_at": when,
                }
            )
    session.execute(insert(Item), rows)
    session.execute(insert(AuditEvent), audit)
    session.execute(insert(Obligation), owed)


def is_setting(statement: str) -> bool:
    """The evaluation raises PostgreSQL's work_mem for its aggregate: a setting, not a
    query (SQLite has none), so not counted."""
    return "set_config('work_mem'" in statement


def count_statements(session: Session, fn: Callable[[], Any]) -> int:
    seen: list[str] = []

    def on_execute(*args: Any) -> None:
        if not is_setting(args[2]):
            seen.append(args[2])

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    return len(seen)


def test_same_statement_count_at_100_and_10000_items(session: Session, world: World) -> None:
    p = Portal(session, world)
    a, b, c = world.unit_a, world.unit_b, p.unit_c
    p.column("月报", [a, b, c], {"kind": "periodic", "every": 1, "unit": "month", "by_day": 25})
    p.column("周报", [a, b], {"kind": "periodic", "every": 1, "unit": "week"}, tags=["news"])
    p.column("季报", [b, c], {"kind": "periodic", "every": 3, "unit": "month"}, tags=["notice"])
    p.column("咨询", [a], {"kind": "after_event", "within": 5, "unit": "workday"}, tags=["consult"])
    session.flush()

    def all_reports() -> dict[str, int]:
        # No summaries (those `with_summary` left are dropped): the dashboard and the
        # scoreboard compute everything live at both sizes.
        session.execute(delete(DeadlineStatus))
        session.execute(delete(ScoreMonth))
        session.expire_all()
        return {
            "dashboard": count_statements(session, lambda: dashboard(session, NOW)),
            "dashboard_unit": count_statements(
                session, lambda: dashboard(session, NOW, unit_id=a.id, stage="head_review")
            ),
            "scoreboard_month": count_statements(
                session, lambda: scoreboard(session, parse_period("2026-10"), NOW)
            ),
            "scoreboard_year": count_statements(
                session, lambda: scoreboard(session, parse_period("2026"), NOW)
            ),
            "cramming": count_statements(session, lambda: cramming(session, 2026)),
            "health": count_statements(session, lambda: portal_health(session, NOW)),
        }

    def with_summary(item_id: int) -> tuple[int, ...]:
        """The dashboard and the scoreboard read from fresh summaries, then with one
        column changed since (evaluated live)."""
        refresh_status(session, NOW)
        session.expire_all()
        october = parse_period("2026-10")
        fresh = count_statements(session, lambda: dashboard(session, NOW))
        board = count_statements(session, lambda: scoreboard(session, october, NOW))
        session.execute(update(Item).where(Item.id == item_id).values(due_date=None))
        session.expire_all()
        marked = count_statements(session, lambda: dashboard(session, NOW))
        board_marked = count_statements(session, lambda: scoreboard(session, october, NOW))
        return fresh, marked, board, board_marked

    add_items(session, world, p, 0, 100)
    small = all_reports()
    small_summary = with_summary(100_000)
    add_items(session, world, p, 100, 9_900)
    large = all_reports()
    large_summary = with_summary(100_005)
    assert small == large
    assert small_summary == large_summary
    # The fixed costs, as documented in each module: without a usable summary the
    # dashboard evaluates everything (19, external publications and who holds the stuck
    # items included); from the summary it counts per unit and fetches the shown units'
    # rows (13), plus the evaluation's seven statements for the columns changed since.
    assert small["dashboard"] == 19 and small["scoreboard_month"] == 13
    # The scoreboard live (13): calendar (2), marks, the summary's months, rule periods
    # (3: assignments, parts, counts), due dates, obligations, visits, returns, names,
    # paths. From its summary (14): the stored rule periods instead of judging them, the
    # recount, stored and newer visits, returns over both, the version check; plus three
    # for a changed column (its rule periods: assignments, parts, counts).
    assert small_summary == (13, 20, 14, 17), small_summary
    assert small["cramming"] == 1 and small["health"] == 3
