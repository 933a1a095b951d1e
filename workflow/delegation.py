"""Delegation while away (委托): who stands in for whom, at which stages, on which days.

A delegation holds on the local days from `starts_on` to `ends_on` (both inclusive) at
the stages it names, unless it was ended early (`ended_at`). Whether it holds is a date
check at `now`: nothing needs to run when it ends.

Acting for someone: a reviewer who may not act at a stage in their own right (no such
role, or not of that unit) may act there for a delegator who could, if both pass the
separation of duties for the item (workflow.permissions.check_separation). The audit row
then records both (`actor_id` the delegate, `on_behalf_of_id` the delegator) and the
review counts for both at that stage (workflow.review_facts).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Final

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from workflow.enums import REVIEW_STATES, Action, Role, State
from workflow.errors import NotAllowed, SeparationOfDuties
from workflow.models import Delegation, User
from workflow.permissions import (
    STAGES,
    History,
    ItemFacts,
    check_permission,
    check_separation,
)
from workflow.timezones import local_day

# The roles that make someone a reviewer: only they delegate, and (the rule for a
# reviewer choosing their own stand-in) only they stand in.
REVIEW_ROLES: Final = frozenset({Role.DEPUTY_HEAD, Role.HEAD, Role.OFFICE_EDITOR})
MAX_DAYS: Final = 92  # a delegation longer than a quarter is a change of duties


def holds_at(day: date, now: datetime) -> ColumnElement[bool]:
    """SQL: the delegation holds on local `day` at `now`."""
    return (
        (Delegation.starts_on <= day)
        & (Delegation.ends_on >= day)
        & or_(Delegation.ended_at.is_(None), Delegation.ended_at > now)
    )


def not_over(day: date, now: datetime) -> ColumnElement[bool]:
    """SQL: the delegation holds now or will (active or upcoming)."""
    return (Delegation.ends_on >= day) & or_(
        Delegation.ended_at.is_(None), Delegation.ended_at > now
    )


def stages_of(delegation: Delegation) -> frozenset[State]:
    return frozenset(State(s) for s in delegation.stage_list if s in set(REVIEW_STATES))


def active(
    session: Session, now: datetime, delegate_ids: Iterable[int] | None = None
) -> list[Delegation]:
    """The delegations that hold at `now` (of these delegates, if given): one query."""
    stmt = select(Delegation).where(holds_at(local_day(now), now)).order_by(Delegation.id)
    if delegate_ids is not None:
        stmt = stmt.where(Delegation.delegate_id.in_(sorted(set(delegate_ids))))
    return list(session.scalars(stmt))


def stage_of_role(user: User) -> list[State]:
    """The review stages a user holds by their roles (the office's only in the office)."""
    return [
        state
        for state, stage in STAGES.items()
        if user.has_role(stage.role) and (stage.own_unit or user.unit.is_office)
    ]


def principal_for(
    session: Session,
    item: ItemFacts,
    actor: User,
    action: Action,
    history: History,
    now: datetime,
) -> User | None:
    """Whom `actor` may take review `action` on `item` for now, by a delegation; None
    if nobody. Raises SeparationOfDuties when a delegation covers the stage but the
    actor, or the delegator, may not review this item."""
    state = State(item.state)
    refused: SeparationOfDuties | None = None
    for delegation in active(session, now, [actor.id]):
        if state not in stages_of(delegation):
            continue
        principal = session.get(User, delegation.delegator_id)
        if principal is None:
            continue
        try:
            check_permission(action, item, principal, history)
            check_separation(item, actor, history)
        except SeparationOfDuties as exc:
            refused = refused or exc
            continue
        except NotAllowed:
            continue
        return principal
    if refused is not None:
        raise refused
    return None
