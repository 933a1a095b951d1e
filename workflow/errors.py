"""The library's own exceptions: callers never get a silent False.

Each carries a stable `code` (for the web layer's translated messages) and an English
message naming what was refused. HTTP mapping: NotAllowed → 403, InvalidTransition and
StaleVersion → 409, ValidationFailed → 422, NotFound → 404.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime


class WorkflowError(Exception):
    code = "workflow_error"
    http_status = 400


class NotFound(WorkflowError):
    code = "not_found"
    http_status = 404


class NotAllowed(WorkflowError):
    """The actor may not do this (role, unit or separation of duties)."""

    code = "not_allowed"
    http_status = 403


class InactiveUser(NotAllowed):
    code = "inactive_user"


class RoleRequired(NotAllowed):
    code = "role_required"


class WrongUnit(NotAllowed):
    code = "wrong_unit"


class NotDesignated(NotAllowed):
    """The column has designated drafters (信息报送员) and the actor is not one of them."""

    code = "not_designated"


class SeparationOfDuties(NotAllowed):
    """Nobody acts on two stages of one review round; nobody reviews their own item."""

    code = "separation_of_duties"


class InvalidTransition(WorkflowError):
    """The action does not exist from the item's current state."""

    code = "invalid_transition"
    http_status = 409


class StaleVersion(WorkflowError):
    """The item changed since the caller loaded it; nothing was written."""

    code = "stale_version"
    http_status = 409


class ValidationFailed(WorkflowError):
    code = "validation_failed"
    http_status = 422


class DateOutOfRange(ValidationFailed, OverflowError):
    """A date, or a count from it, beyond what the calendar can represent (year 9999).
    Still an OverflowError for callers that caught the arithmetic's own error."""

    code = "date_out_of_range"


class CommentRequired(ValidationFailed):
    code = "comment_required"


class ConfidentialityCheckRequired(ValidationFailed):
    """初审 approval needs the 保密审查 confirmation."""

    code = "confidentiality_check_required"


class PrerequisiteMissing(ValidationFailed):
    """The column's publish prerequisites are not met (attachments, guide elements, kind)."""

    code = "prerequisite_missing"

    def __init__(self, message: str, missing: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.missing = tuple(missing)


class SeriousFindings(PrerequisiteMissing):
    """The revision has serious (严重) check findings neither fixed nor overridden by the
    office; `missing` lists them as "finding:<term>"."""

    code = "serious_findings"


class KindNotAllowed(PrerequisiteMissing):
    """E.g. a news item in a policy column (政策性栏目不得用新闻信息代替)."""

    code = "kind_not_allowed"


class RecallRefused(NotAllowed):
    """撤回 is not possible now. `reason`: "acted" (a reviewer has acted on this round, or
    the next stage has), "not_yours" (only who approved may recall that approval),
    "scheduled" (the office has scheduled the publication)."""

    code = "recall_refused"

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class NudgeRefused(WorkflowError):
    """催办 refused. `reason`: "not_waiting" (no review stage holds the item), "nobody"
    (no reviewer to tell), "already" (nudged this working day: `by` and `at` say who and
    when)."""

    code = "nudge_refused"
    http_status = 409

    def __init__(
        self, message: str, reason: str, by: str | None = None, at: datetime | None = None
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.by = by
        self.at = at


class DelegationRefused(ValidationFailed):
    """A delegation (委托) that cannot be made or ended. `reason` names the rule: "self",
    "chain", "overlap", "delegate" (not an eligible stand-in), "stages", "dates", "past",
    "too_long", "ended"."""

    code = "delegation_refused"

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason
