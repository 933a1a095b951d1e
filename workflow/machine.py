"""The 三审 state machine: the transition table as data and one shared machine.

One `transitions.Machine(model=None)` serves every item: we trigger its events on a row
(`events[name].trigger(item)`), never build a machine per row (pytransitions #146), and
auto transitions are off so no generated `to_<state>()` can bypass the rules.
`fire` moves a model through that machine; `destination`, `available` and `next_state`
ask where an action leads by reading the same table, without touching the model.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, Final, NamedTuple

from transitions import Machine, MachineError

from workflow.enums import REVIEW_STATES, Action, State
from workflow.errors import InvalidTransition

REVIEW: Final = list(REVIEW_STATES)

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
    # 撤回: the drafter takes a submission back while it waits at 初审; a reviewer takes
    # their approval back while the next stage has not acted (who, and whether anyone
    # acted since, is for workflow.services.flow.recall: the audit trail knows).
    {"trigger": Action.RECALL, "source": State.INITIAL_REVIEW, "dest": State.DRAFT},
    {"trigger": Action.RECALL, "source": State.HEAD_REVIEW, "dest": State.INITIAL_REVIEW},
    {"trigger": Action.RECALL, "source": State.OFFICE_REVIEW, "dest": State.HEAD_REVIEW},
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


class Step(NamedTuple):
    """One row of the table as seen from a state: where it leads and on what facts."""

    dest: State
    conditions: tuple[str, ...]  # attributes of the item that must be true
    unless: tuple[str, ...]  # attributes of the item that must be false


def _names(value: str | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _sources(row: dict[str, Any]) -> list[State]:
    return row["source"] if isinstance(row["source"], list) else [row["source"]]


def _steps() -> dict[tuple[State, Action], tuple[Step, ...]]:
    steps: dict[tuple[State, Action], list[Step]] = {}
    for row in TRANSITIONS:
        step = Step(row["dest"], _names(row.get("conditions")), _names(row.get("unless")))
        for source in _sources(row):
            steps.setdefault((source, row["trigger"]), []).append(step)
    return {key: tuple(rows) for key, rows in steps.items()}


# (state, action) -> its rows in table order. Asking where an action leads reads this
# table (docs/workflow.md, "Asking the machine"): transitions 0.9 answers `may_<trigger>`
# only for models attached to the machine, which rows never are (pytransitions #146).
STEPS: Final = _steps()


def destination(model: Any, action: Action) -> State | None:
    """Where `action` takes `model` (anything with a `state` and the attributes the
    table's conditions name) now, or None: the first row whose conditions hold."""
    for step in STEPS.get((State(model.state), action), ()):
        if all(bool(getattr(model, c)) for c in step.conditions) and not any(
            bool(getattr(model, c)) for c in step.unless
        ):
            return step.dest
    return None


def available(model: Any, action: Action) -> bool:
    """Whether `action` applies to `model` now: a transition from its state whose
    conditions hold (used to refuse an action before checking who may take it)."""
    return destination(model, action) is not None


def next_state(model: Any, action: Action) -> State:
    """Where `action` takes `model`, without touching it.

    Raises InvalidTransition when no transition applies, as `fire` does.
    """
    dest = destination(model, action)
    if dest is None:
        raise InvalidTransition(f"cannot {action} an item in state {State(model.state)}")
    return dest


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
