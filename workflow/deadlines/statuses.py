"""The evaluation's answers: statuses, settings and the per-rule and per-assignment
results (`workflow.deadlines.evaluate` computes them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

OK, DUE_SOON, PROVISIONAL, OVERDUE = "ok", "due_soon", "provisional", "overdue"
RANK = {OK: 0, PROVISIONAL: 1, DUE_SOON: 2, OVERDUE: 3}
STATUSES = (OK, PROVISIONAL, DUE_SOON, OVERDUE)  # by rank
JUDGED_KINDS = ("periodic", "annual", "once", "on_change")


@dataclass(frozen=True)
class Settings:
    due_soon_workdays: int = 3
    stale_after_months: int = 6  # 检查指标: columns that must be kept up to date
    timezone: str = "Asia/Shanghai"


DEFAULT_SETTINGS = Settings()


@dataclass(frozen=True)
class RuleStatus:
    rule: Mapping[str, Any]
    status: str
    period_start: date | None = None
    period_end: date | None = None
    required: int = 0
    published: int = 0
    due: date | None = None
    overdue_since: date | None = None
    provisional: bool = False
    stale: bool = False
    part_id: int | None = None  # the part whose items were counted (None: the column's)
    # The next day by which something is due under this rule, on or after today: the
    # current period's due date, or the next period's when this one is met.
    next_due: date | None = None
    # False: no period of this rule has been judged yet (the unit became responsible
    # during the current one, or a one-off task was due before that).
    judged: bool = True


# Not frozen: 20,000 of them are built per evaluation, and a frozen dataclass's
# __init__ costs several times as much. Nothing changes one after it is built.
@dataclass(slots=True)
class AssignmentStatus:
    assignment_id: int
    column_id: int
    unit_id: int
    column_path: str
    status: str
    rules: list[RuleStatus] = field(default_factory=list)
    last_published_at: datetime | None = None
    overdue_since: date | None = None
    next_due: date | None = None
    provisional: bool = False
    stale: bool = False
    open_items_overdue: int = 0
    open_items_due_soon: int = 0
    obligations_overdue: int = 0
    obligations_open: int = 0
    invalid_rules: int = 0  # hand-entered rules that do not follow the contract: skipped
    confirmed: bool = True  # False: the column's rules are 待确认
    responsible_since: date | None = None

    @property
    def escalates(self) -> bool:
        """Overdue on rules the office confirmed: what 督办 and the 考核 may act on."""
        return self.status == OVERDUE and self.confirmed
