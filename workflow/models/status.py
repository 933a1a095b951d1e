"""The deadline status summary: each column assignment's evaluation, kept so the
dashboard need not re-evaluate the whole portal on every request.

`deadline_status` holds `workflow.deadlines.evaluate`'s result per assignment as of a
local day (`computed_for`) and settings (`settings_key`); `refresh_status` rewrites it.
`deadline_status_dirty` is filled by database triggers (migration 0009) whenever
something the evaluation reads changes: an item's publication, state (with its own due
date), due date, kind, column or unit; an obligation; a column or assignment (the
column's id); the calendar (column_id NULL: everything). Readers recompute the marked
columns live; the refresh removes the marks it has taken into account.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base, UTCDateTime


class DeadlineStatus(Base):
    __tablename__ = "deadline_status"

    # No foreign keys: a row outlives its assignment until the next refresh, and the
    # marks make readers ignore it meanwhile.
    assignment_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    column_id: Mapped[int] = mapped_column(Integer)
    unit_id: Mapped[int] = mapped_column(Integer, index=True)
    column_path: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20))
    next_due: Mapped[date | None] = mapped_column(Date)
    overdue_since: Mapped[date | None] = mapped_column(Date)
    # False: the column's rules are 待确认 (shown, reminded, never escalated or scored).
    confirmed: Mapped[bool] = mapped_column(Boolean)
    computed_for: Mapped[date] = mapped_column(Date)  # the local day evaluated
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    settings_key: Mapped[str] = mapped_column(String(100))


class DeadlineStatusDirty(Base):
    """A change since the summary was computed: this column's assignments (or, with
    column_id NULL, every assignment) must be evaluated afresh."""

    __tablename__ = "deadline_status_dirty"

    id: Mapped[int] = mapped_column(primary_key=True)
    column_id: Mapped[int | None] = mapped_column(Integer)


class ItemStateCount(Base):
    """Items per state as signed deltas written by triggers on `items` (migration 0009,
    seeded there with the counts of the day): the sum per state is exact in every
    transaction, without counting a million rows. `refresh_status` folds the deltas
    into one row per state."""

    __tablename__ = "item_state_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    n: Mapped[int] = mapped_column(Integer)
