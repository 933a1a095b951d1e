"""Who may take which action on which item.

Pure functions over plain values: the services gather the facts (the actor, the item,
who has acted in the current review round) and these decide, raising the precise
NotAllowed subclass. Order of checks: active → role → unit → separation of duties.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Protocol

from workflow.enums import Action, Role, State
from workflow.errors import InactiveUser, RoleRequired, SeparationOfDuties, WrongUnit
from workflow.models import User
from workflow.stages import STAGE_LABELS


class ItemFacts(Protocol):
    """What the rules read of an item (an ORM Item or a services snapshot)."""

    @property
    def state(self) -> str: ...
    @property
    def unit_id(self) -> int: ...
    @property
    def drafter_id(self) -> int: ...


@dataclass(frozen=True)
class Stage:
    state: State
    role: Role
    own_unit: bool  # must the reviewer belong to the item's unit? (else: the office)
    label: str  # Chinese name, for messages shown to users


STAGES: Final[dict[State, Stage]] = {
    s: Stage(s, role, own_unit, STAGE_LABELS[s])
    for s, role, own_unit in (
        (State.INITIAL_REVIEW, Role.DEPUTY_HEAD, True),
        (State.HEAD_REVIEW, Role.HEAD, True),
        (State.OFFICE_REVIEW, Role.OFFICE_EDITOR, False),
    )
}

# Drafting actions: any 信息报送员 of the item's unit (colleagues cover each other).
DRAFTING_ACTIONS: Final = frozenset(
    {Action.SUBMIT, Action.RESUBMIT, Action.WITHDRAW, Action.REVISE}
)
REVIEW_ACTIONS: Final = frozenset({Action.APPROVE, Action.REJECT})

# 撤回 from a review stage is the previous stage's reviewer's (from 初审: the drafter's).
PREVIOUS_STAGE: Final[dict[State, State]] = {
    State.HEAD_REVIEW: State.INITIAL_REVIEW,
    State.OFFICE_REVIEW: State.HEAD_REVIEW,
}


@dataclass(frozen=True)
class History:
    """What the audit trail says about the people around an item."""

    # Everyone who created, edited, submitted or revised any revision of the item.
    authors: frozenset[int] = frozenset()
    # Stage → who approved or rejected at that stage, for the current revision (all rounds).
    reviewers: dict[str, frozenset[int]] = field(default_factory=dict)

    def stages_of(self, user_id: int) -> list[str]:
        return [stage for stage, ids in self.reviewers.items() if user_id in ids]


def required_role(action: Action, state: str) -> tuple[Role, bool]:
    """The role an action needs from `state` and whether it must be in the item's unit."""
    if action in REVIEW_ACTIONS:
        stage = STAGES[State(state)]
        return stage.role, stage.own_unit
    if action in DRAFTING_ACTIONS:
        return Role.DRAFTER, True
    if action is Action.RECALL:
        if State(state) in PREVIOUS_STAGE:
            stage = STAGES[PREVIOUS_STAGE[State(state)]]
            return stage.role, stage.own_unit
        return Role.DRAFTER, True
    if action is Action.RETRACT:
        return Role.OFFICE_EDITOR, False
    raise ValueError(f"no permission rule for {action}")


def check_permission(action: Action, item: ItemFacts, actor: User, history: History) -> None:
    """Raise a NotAllowed subclass unless `actor` may take `action` on `item` now."""
    if not actor.active:
        raise InactiveUser(f"user {actor.login} is deactivated")
    role, own_unit = required_role(action, item.state)
    if not actor.has_role(role):
        raise RoleRequired(f"{action} from {item.state} needs the {role} role")
    if own_unit and actor.unit_id != item.unit_id:
        raise WrongUnit(f"{action} needs a {role} of the item's own unit")
    if not own_unit and not actor.unit.is_office:
        raise WrongUnit(f"{action} needs a {role} of the district office (区政府办)")
    if action in REVIEW_ACTIONS:
        check_separation(item, actor, history)


def check_separation(item: ItemFacts, actor: User, history: History) -> None:
    """Nobody reviews what they authored, nor this revision at two stages (a delegate's
    review counts for both people: workflow.review_facts)."""
    if actor.id == item.drafter_id or actor.id in history.authors:
        raise SeparationOfDuties("nobody may review an item they drafted or submitted")
    other_stages = [s for s in history.stages_of(actor.id) if s != item.state]
    if other_stages:
        labels = "、".join(STAGES[State(s)].label for s in other_stages)
        raise SeparationOfDuties(
            f"user {actor.login} already reviewed this revision at another stage ({labels})"
        )
