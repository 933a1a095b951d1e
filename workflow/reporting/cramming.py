"""Year-end cramming (seed 003: "原则上不允许年底突击完成任务"): a unit that published more
than a set share of a year's items for a column in the year's last month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workflow.models import Column, Item, Unit
from workflow.reporting.common import DEFAULTS, ReportSettings, local_midnight


@dataclass(frozen=True)
class CramFlag:
    unit_id: int
    unit_name: str
    column_id: int
    column_path: str
    year_items: int
    december_items: int

    @property
    def share(self) -> float:
        return self.december_items / self.year_items


def cramming(session: Session, year: int, settings: ReportSettings = DEFAULTS) -> list[CramFlag]:
    """(unit, column) pairs whose December share of the year's first publications is
    above `settings.cram_share`, counting only pairs with at least `cram_min_items`
    items that year; highest share first. One statement."""
    tz = settings.tz
    first = Item.first_published_at
    start, december = local_midnight(date(year, 1, 1), tz), local_midnight(date(year, 12, 1), tz)
    end = local_midnight(date(year + 1, 1, 1), tz)
    total = func.count()
    late = func.count().filter(first >= december)
    rows = session.execute(
        select(Item.unit_id, Unit.name, Item.column_id, Column.path, total, late)
        .join(Unit, Unit.id == Item.unit_id)
        .join(Column, Column.id == Item.column_id)
        .where(first >= start, first < end)
        .group_by(Item.unit_id, Unit.name, Item.column_id, Column.path)
        # share > threshold, without division in SQL: late > threshold × total
        .having(total >= settings.cram_min_items, late > total * settings.cram_share)
    ).all()
    flags = [CramFlag(u, n, c, p, int(t), int(d)) for u, n, c, p, t, d in rows]
    return sorted(flags, key=lambda f: (-f.share, f.unit_name, f.column_path))
