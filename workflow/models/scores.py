"""The scoreboard summary: what the unit scoreboard (月考核) reads instead of judging
20,000 assignments' windows and scanning a month of audit rows on every request.

Written only by `workflow.reporting.score_summary.refresh_scores`, which the status
refresh calls in its transaction (so the change marks it consumes serve both), for the
current local month and the 23 before it:

- `score_months`: one row per month: the day and settings it was computed for, the
  time before which the month's audit rows are folded, how many audit rows that range
  held when folded (a reader recounts: a row committed after the fold makes it fall
  back to a live computation), and a version every refresh changes (a reader checks it
  did not change while it read);
- `score_rule_cases`: each judged column-rule period (a `Case` of source "rule") by the
  month of its due date;
- `score_review_durations`: review-stage visits that ended in the month, per unit, stage
  and working days spent (the calendar of the day computed);
- `score_review_items`: the items with a review decision in the month, per unit, and
  whether one was a rejection (returned shares over any run of months);
- `score_review_flows`: audit rows entering each review stage (and publication).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base, UTCDateTime


class ScoreMonth(Base):
    __tablename__ = "score_months"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # its first local day
    computed_for: Mapped[date] = mapped_column(Date)  # the local day judged
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    settings_key: Mapped[str] = mapped_column(String(100))
    folded_before: Mapped[datetime] = mapped_column(UTCDateTime())
    audit_rows: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)


class ScoreRuleCase(Base):
    __tablename__ = "score_rule_cases"
    __table_args__ = (Index("ix_score_rule_cases_month_column", "month", "column_id"),)

    # No foreign keys (as deadline_status): a row outlives its column or assignment until
    # the next refresh, and the change marks make readers ignore it meanwhile.
    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date)
    column_id: Mapped[int] = mapped_column(Integer, index=True)
    unit_id: Mapped[int] = mapped_column(Integer)
    due: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(10))


class ScoreReviewDuration(Base):
    __tablename__ = "score_review_durations"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    stage: Mapped[str] = mapped_column(String(20), primary_key=True)
    workdays: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(Integer)


class ScoreReviewItem(Base):
    __tablename__ = "score_review_items"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    unit_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    item_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rejected: Mapped[int] = mapped_column(Integer)  # 1: returned at least once that month


class ScoreReviewFlow(Base):
    __tablename__ = "score_review_flows"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    state: Mapped[str] = mapped_column(String(20), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
