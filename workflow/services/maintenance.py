"""The office's bulk upkeep as services (`workflow.runner.run`): rules parsed from every
column's 时限要求, provisional due dates recounted after a new year's holidays, inspection
kinds guessed for columns without any, the dashboard's deadline status refreshed, and
the demo data loaded. The command line and the office's pages run these; the work itself
lives in `workflow.deadlines.maintenance`, `workflow.reporting` and `workflow.demo`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from workflow.deadlines.due import DEFAULT_PROMPT_WINDOW
from workflow.deadlines.maintenance import (
    ParseReport,
    RecomputeReport,
    parse_column_rules,
)
from workflow.deadlines.maintenance import recompute_provisional as _recompute
from workflow.models import User
from workflow.outcome import Outcome, done
from workflow.reporting.common import DEFAULTS, ReportSettings
from workflow.reporting.kinds import apply_guessed_kinds
from workflow.reporting.status import refresh_status as _refresh


def parse_rules(
    session: Session, *, actor: User | None, now: datetime, overwrite: bool = False
) -> Outcome[ParseReport]:
    """Every column's rules from its 时限要求 text (待确认 where they change)."""
    return done(parse_column_rules(session, now, overwrite))


def recompute_provisional(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    prompt_window: int = DEFAULT_PROMPT_WINDOW,
) -> Outcome[RecomputeReport]:
    """Recount every provisional due date with the calendar as it is now."""
    return done(_recompute(session, prompt_window=prompt_window))


def guess_kinds(session: Session, *, actor: User | None, now: datetime) -> Outcome[int]:
    """Columns without inspection kinds get those their paths suggest; how many."""
    return done(apply_guessed_kinds(session))


def refresh_status(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    settings: ReportSettings = DEFAULTS,
) -> Outcome[int]:
    """The dashboard's deadline status summary, rewritten; the rows written."""
    return done(_refresh(session, now, settings))
