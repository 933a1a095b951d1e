"""The dashboard against hand-computed values: stuck items in working days across the
National Day holiday, who holds them, filters and sorting, and who is late now."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from config import load_config
from notifications.status_job import report_settings
from workflow.enums import Role, State
from workflow.models import HolidayOverride
from workflow.reporting.common import ReportSettings
from workflow.reporting.dashboard import dashboard, stuck_items, unit_deadlines

from .factories import World
from .reporting_portal import NOW, Portal, at, october_portal

FRIDAY = at("2026-10-09")  # after the holiday; limits: 初审 2, 审核 2, 审发 3 working days


@pytest.fixture
def stuck(session: Session, world: World) -> dict[str, int]:
    p = Portal(session, world)
    a, b = world.unit_a, world.unit_b
    p.column("通知公告", [a, b])
    # Working days waited by 10-09 (09-30 … 10-08 spans the holiday, 10-01…10-07 off):
    items = {
        "a_initial_3": p.item("通知公告", a, state=State.INITIAL_REVIEW, since="2026-09-29"),
        "a_initial_2": p.item("通知公告", a, state=State.INITIAL_REVIEW, since="2026-09-30"),
        "b_head_4": p.item("通知公告", b, state=State.HEAD_REVIEW, since="2026-09-28"),
        "a_office_3": p.item("通知公告", a, state=State.OFFICE_REVIEW, since="2026-09-29"),
        "a_office_4": p.item("通知公告", a, state=State.OFFICE_REVIEW, since="2026-09-28"),
        "a_draft": p.item("通知公告", a, state=State.DRAFT, since="2026-08-01"),
    }
    return {k: v.id for k, v in items.items()}


def test_stuck_items_beyond_the_stage_limit(
    stuck: dict[str, int], session: Session, world: World
) -> None:
    page = stuck_items(session, FRIDAY)
    # 3 > 2 (初审), 4 > 2 (审核), 4 > 3 (审发); 2 ≤ 2 and 3 ≤ 3 are within the limit.
    assert page.total == 3
    assert [(r.item_id, r.workdays_waiting, r.limit) for r in page.rows] == [
        (stuck["b_head_4"], 4, 2),
        (stuck["a_office_4"], 4, 3),
        (stuck["a_initial_3"], 3, 2),
    ]
    holders = {r.item_id: [h.name for h in r.holding.holders] for r in page.rows if r.holding}
    assert holders[stuck["a_initial_3"]] == [world.user(Role.DEPUTY_HEAD).name]
    assert holders[stuck["b_head_4"]] == [world.user(Role.HEAD, "b").name]
    assert world.office_editor is not None
    assert holders[stuck["a_office_4"]] == sorted(
        [world.office_editor.name, world.user(Role.OFFICE_EDITOR, "office").name]
    )


def test_stuck_filters_sorting_and_pages(
    stuck: dict[str, int], session: Session, world: World
) -> None:
    only_a = stuck_items(session, FRIDAY, unit_id=world.unit_a.id)
    assert [r.item_id for r in only_a.rows] == [stuck["a_office_4"], stuck["a_initial_3"]]
    head = stuck_items(session, FRIDAY, stage=State.HEAD_REVIEW)
    assert [r.item_id for r in head.rows] == [stuck["b_head_4"]]
    shortest_first = stuck_items(session, FRIDAY, descending=False)
    assert shortest_first.rows[0].item_id == stuck["a_initial_3"]
    by_stage = stuck_items(session, FRIDAY, sort="stage", descending=False)
    assert [r.stage for r in by_stage.rows] == ["head_review", "initial_review", "office_review"]
    page2 = stuck_items(session, FRIDAY, limit=2, offset=2)
    assert page2.total == 3 and [r.item_id for r in page2.rows] == [stuck["a_initial_3"]]
    other_column = stuck_items(session, FRIDAY, column_id=world.column.id)
    assert other_column.total == 0
    with pytest.raises(ValueError):
        stuck_items(session, FRIDAY, sort="title")


def test_an_office_holiday_and_the_limits_are_data(stuck: dict[str, int], session: Session) -> None:
    # The office closes on 10-09 (a typhoon): 初审 since 09-29 has waited 2 days only.
    session.add(HolidayOverride(day=date(2026, 10, 9), is_workday=False, note="台风"))
    session.flush()
    page = stuck_items(session, FRIDAY)
    # 审核 since 09-28: 3 > 2 stuck; 审发 since 09-28: 3 ≤ 3 and 初审 since 09-29: 2 ≤ 2 not.
    assert [(r.item_id, r.workdays_waiting) for r in page.rows] == [(stuck["b_head_4"], 3)]
    strict = stuck_items(
        session,
        FRIDAY,
        ReportSettings(stage_limits={"initial_review": 1, "head_review": 5, "office_review": 5}),
    )
    assert [r.item_id for r in strict.rows] == [stuck["a_initial_3"]]


def test_the_deployments_stage_limits_reach_the_dashboard(
    stuck: dict[str, int], session: Session, tmp_path: Path
) -> None:
    # The same NOTIFY_STAGE_LIMIT_* the reminders read: 审发 allowed 5 days, 审核 3.
    config = load_config(
        {
            "SANSHEN_INSTANCE_DIR": str(tmp_path),
            "NOTIFY_STAGE_LIMIT_OFFICE_REVIEW": "5",
            "NOTIFY_STAGE_LIMIT_HEAD_REVIEW": "3",
        }
    )
    page = stuck_items(session, FRIDAY, report_settings(config))
    assert [(r.item_id, r.limit) for r in page.rows] == [
        (stuck["b_head_4"], 3),
        (stuck["a_initial_3"], 2),
    ]


def test_who_is_late_now(session: Session, world: World) -> None:
    p = october_portal(session, world)
    units = unit_deadlines(session, NOW)
    # B: 政策解读 obligation due 10-12 (overdue since 10-13), 依申请公开 item due 10-15
    # (since 10-16). C: 月报 — September met, October missed → since 10-27.
    # A: 月报 November window (10-26, 11-25] empty, due Wednesday 11-25 → due soon.
    assert [u.unit_id for u in units][:3] == [world.unit_b.id, p.unit_c.id, world.unit_a.id]
    b, c, a = units[:3]
    assert [(d.column_path, d.overdue_since) for d in b.overdue] == [
        ("政策解读", date(2026, 10, 13)),
        ("依申请公开", date(2026, 10, 16)),
    ]
    assert [(d.column_path, d.overdue_since) for d in c.overdue] == [("月报", date(2026, 10, 27))]
    assert (a.overdue, [(d.column_path, d.due) for d in a.due_soon]) == (
        [],
        [("月报", date(2026, 11, 25))],
    )


def test_the_dashboard_together(session: Session, world: World) -> None:
    october_portal(session, world)
    board = dashboard(session, NOW, unit_id=world.unit_b.id)
    # B's items: 月报 (published), 依申请公开 (初审 since 10-10, withdrawn one).
    assert board.state_counts["published"] == 1
    assert board.state_counts["initial_review"] == 1
    assert board.state_counts["withdrawn"] == 1
    assert sum(board.state_counts.values()) == 3
    # 初审 since Saturday 10-10 (a working day, day 0): 10-12…10-30 15 working days,
    # 11-02…11-23 16 → 31.
    assert [(r.unit_id, r.workdays_waiting) for r in board.stuck.rows] == [(world.unit_b.id, 31)]
    assert [u.unit_id for u in board.units] == [world.unit_b.id]
    everyone = dashboard(session, NOW)
    # Z waits at 审发 since 10-21 (23 working days); B's item; nothing else in review.
    assert everyone.stuck.total == 2
    assert everyone.provisional == []


def test_the_dashboard_for_one_column(session: Session, world: World) -> None:
    p = october_portal(session, world)
    board = dashboard(session, NOW, column_id=p.columns["依申请公开"].id)
    # Its items: two published (A), B's request at 初审, B's withdrawn one, A's draft.
    assert (board.state_counts["published"], board.state_counts["draft"]) == (2, 1)
    assert [r.column_path for r in board.stuck.rows] == ["依申请公开"]
    late = {u.unit_id: [d.column_path for d in u.overdue] for u in board.units}
    # Only units with something overdue or due in this column: B.
    assert late == {world.unit_b.id: ["依申请公开"]}
