"""The three review stages' own facts: their Chinese names and how long an item may
wait at each by default. One home for every layer: permissions and reports use the
names as they are, web/labels.py wraps them for translation, config.py overrides
the limits from the environment (NOTIFY_STAGE_LIMIT_<STAGE>).
"""

from __future__ import annotations

from typing import Final

from workflow.enums import State


def N_(text: str) -> str:
    """Mark `text` for the message catalog (`make translations` extracts N_) without
    translating it here: workflow/ has no locale; web/labels.py translates at display."""
    return text


STAGE_LABELS: Final[dict[State, str]] = {
    State.INITIAL_REVIEW: N_("初审"),
    State.HEAD_REVIEW: N_("审核"),
    State.OFFICE_REVIEW: N_("审发"),
}

# Working days an item may wait at a stage: its holders are reminded when it has waited
# this long (notifications.reminders) and the office dashboard lists it as stuck once it
# has waited longer (workflow.reporting.dashboard). 审发 has a day more: the office
# reviews every unit's items.
DEFAULT_STAGE_LIMITS: Final[dict[str, int]] = {
    State.INITIAL_REVIEW.value: 2,
    State.HEAD_REVIEW.value: 2,
    State.OFFICE_REVIEW.value: 3,
}
