"""The 三审 state machine: the transition table as data and one shared machine.

One `transitions.Machine(model=None)` serves every item: we trigger its events on a row
(`events[name].trigger(item)`), never build a machine per row (pytransitions #146), and
auto transitions are off so no generated `to_<state>()` can bypass the rules.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Final

from transitions import Machine, MachineError

from workflow.enums import Action, State
from workflow.errors import InvalidTransition

REVIEW: Final = [State.INITIAL_REVIEW, State.HEAD_REVIEW, State.OFFICE_REVIEW]

# Order matters where a trigger has several rows from one source: the first whose
# conditions hold wins (withdrawing a new revision of a published item goes back to
# published; otherwise the item is withdrawn).
TRANSITIONS: Final[list[dict[str, Any]]] = [
    {"trigger": Action.SUBMIT, "source": State.DRAFT, "dest": State.INITIAL_REVIEW},
    {"trigger": Action.APPROVE, "source": State.INITIAL_REVIEW, "dest": State.HEAD_REVIEW},
    {"trigger": Action.APPROVE, "source": State.HEAD_REVIEW, "dest": State.OFFICE_REVIEW},
    {"trigger": Action.APPROVE, "source": State.OFFICE_REVIEW, "dest": State.PUBLISHED},
    {"trigger": Action.REJECT, "source": REVIEW, "dest": State.RETURNED},
    {"trigger": Action.RESUBMIT, "source": State.RETURNED, "dest": State.INITIAL_REVIEW},
    {
        "trigger": Action.WITHDRAW,
        "source": [State.DRAFT, State.RETURNED],
        "dest": State.PUBLISHED,
        "conditions": "has_live_revision",
    },
    {
        "trigger": Action.WITHDRAW,
        "source": [State.DRAFT, State.RETURNED],
        "dest": State.WITHDRAWN,
        "unless": "has_live_revision",
    },
    {"trigger": Action.RETRACT, "source": State.PUBLISHED, "dest": State.RETRACTED},
    # The office must be able to take wrong content down at once, even while a new
    # revision of it is being drafted or reviewed: that revision is closed with it.
    {
        "trigger": Action.RETRACT,
        "source": [State.DRAFT, State.RETURNED, *REVIEW],
        "dest": State.RETRACTED,
        "conditions": "has_live_revision",
    },
    {"trigger": Action.REVISE, "source": State.PUBLISHED, "dest": State.DRAFT},
]

MACHINE: Final = Machine(
    model=None,
    states=[s.value for s in State],
    transitions=[
        {
            **row,
            "trigger": str(row["trigger"]),
            "source": [str(s) for s in row["source"]]
            if isinstance(row["source"], list)
            else str(row["source"]),
            "dest": str(row["dest"]),
        }
        for row in TRANSITIONS
    ],
    initial=State.DRAFT.value,
    auto_transitions=False,
    model_attribute="state",
    send_event=False,
)


def available(model: Any, action: Action) -> bool:
    """Whether `action` applies to `model` now: a transition from its state whose
    conditions hold (used to refuse an action before checking who may take it)."""
    event = MACHINE.events.get(str(action))
    state = model.state.value if isinstance(model.state, Enum) else model.state
    if event is None or state not in event.transitions:
        return False
    return any(
        all(bool(getattr(model, str(c.func))) == c.target for c in t.conditions)
        for t in event.transitions[state]
    )


def fire(model: Any, action: Action) -> State:
    """Move `model` (anything with a `state` attribute) by `action`; return the new state.

    Raises InvalidTransition instead of returning False when no transition applies.
    """
    if isinstance(model.state, Enum):  # transitions would look an Enum up by its name
        model.state = model.state.value
    before = model.state
    event = MACHINE.events.get(str(action))
    if event is None:
        raise InvalidTransition(f"unknown action {action!r}")
    try:
        moved = event.trigger(model)
    except MachineError as exc:
        raise InvalidTransition(f"cannot {action} an item in state {before}") from exc
    if not moved:
        raise InvalidTransition(f"cannot {action} an item in state {before}")
    return State(model.state)
