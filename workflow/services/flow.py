"""Keeping an item moving: recall (撤回), nudge (催办) and delegation while away (委托).

`recall` is a transition of the 三审 machine (audited in the item's hash chain like the
others); `nudge` and the delegation services write their own rows and an entry of the
administrators' log. All take the session, the acting user and `now` and return an
Outcome (workflow.outcome); nothing is written before every check has passed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workflow import delegation as rules
from workflow.calendar import WorkCalendar
from workflow.deadlines.due import load_calendar
from workflow.enums import REVIEW_STATES, Action, Role, State
from workflow.errors import (
    DelegationRefused,
    InactiveUser,
    InvalidTransition,
    NotFound,
    NudgeRefused,
    RecallRefused,
    RoleRequired,
)
from workflow.events import DelegationMade, ItemNudged, ItemRecalled
from workflow.holding import who_holds
from workflow.machine import available
from workflow.models import AuditEvent, Delegation, Item, Nudge, ScheduledPublication, User
from workflow.outcome import LogEntry, Outcome, done
from workflow.permissions import PREVIOUS_STAGE, STAGES, History, check_permission
from workflow.services.core import (
    AnyItem,
    ItemSnapshot,
    check_designated,
    check_version,
    clean_comment,
    event,
    load,
    next_state,
    one_flush,
    require_aware,
    write,
)
from workflow.timezones import local_day

# --------------------------------------------------------------------------- 撤回


def _last_row(session: Session, item: AnyItem) -> Any:
    return session.execute(
        select(
            AuditEvent.action,
            AuditEvent.actor_id,
            AuditEvent.on_behalf_of_id,
            AuditEvent.from_state,
        ).where(AuditEvent.item_id == item.id, AuditEvent.seq == item.audit_seq)
    ).one()


def check_recall(session: Session, item: AnyItem, actor: User) -> int | None:
    """Raise unless `actor` may recall `item` now; whom they recall for (委托) or None.

    From 初审: a drafter of the unit (designated, if the column names drafters), while the
    last row is the submission (no reviewer has acted on this round). From a later
    stage: the reviewer whose approval brought it there (or the delegate who gave it),
    while that approval is still the last row (the next stage has not acted, nor
    scheduled the publication)."""
    state = State(item.state)
    last = _last_row(session, item)
    if state not in PREVIOUS_STAGE:
        check_permission(Action.RECALL, item, actor, History())
        check_designated(session, actor, item.column_id, item.unit_id)
        if last.action not in (Action.SUBMIT, Action.RESUBMIT):
            raise RecallRefused("a reviewer has acted on this round", "acted")
        return None
    principal_id: int | None = None
    if last.actor_id == actor.id and last.on_behalf_of_id is not None:
        principal = session.get(User, last.on_behalf_of_id)
        if principal is None:
            raise NotFound(f"user {last.on_behalf_of_id} does not exist")
        if not actor.active:
            raise InactiveUser(f"user {actor.login} is deactivated")
        check_permission(Action.RECALL, item, principal, History())
        principal_id = principal.id
    else:
        check_permission(Action.RECALL, item, actor, History())
    if last.action != Action.APPROVE or last.from_state != PREVIOUS_STAGE[state]:
        raise RecallRefused("the approval is no longer the last step", "acted")
    if actor.id not in (last.actor_id, last.on_behalf_of_id):
        raise RecallRefused("only the reviewer who approved may recall it", "not_yours")
    schedule = session.get(ScheduledPublication, item.id)
    if schedule is not None and schedule.done_at is None:
        raise RecallRefused("the office has scheduled the publication", "scheduled")
    return principal_id


@one_flush
def recall(
    session: Session,
    *,
    actor: User,
    item_id: int,
    expected_version: int,
    now: datetime,
    comment: str | None = None,
) -> Outcome[ItemSnapshot]:
    """撤回: initial_review → draft (the drafter), head_review → initial_review and
    office_review → head_review (the reviewer who approved). Who had been asked to act
    at the stage it leaves is told it no longer waits for them."""
    require_aware(now)
    item, _ = load(session, item_id)
    check_version(item, expected_version)
    if not available(item, Action.RECALL):
        raise InvalidTransition(f"cannot recall an item in state {item.state}")
    principal_id = check_recall(session, item, actor)
    told = who_holds(session, [item], now, WorkCalendar())
    told_ids = told[item.id].user_ids if item.id in told else ()
    row = write(
        session,
        item,
        expected_version,
        actor=actor,
        action=Action.RECALL,
        to_state=next_state(item, Action.RECALL),
        now=now,
        comment=clean_comment(comment),
        on_behalf_of_id=principal_id,
    )
    recalled = event(ItemRecalled, item, row, drafter_id=item.drafter_id, told=told_ids)
    return done(item, [recalled])


# --------------------------------------------------------------------------- 催办

NUDGE_ROLES = (Role.OFFICE_EDITOR, Role.SUPERVISOR)


def may_nudge(actor: User, unit_id: int) -> bool:
    """The item's unit's drafters, and the office's editors and supervisors."""
    if not actor.active:
        return False
    if actor.has_role(Role.DRAFTER) and actor.unit_id == unit_id:
        return True
    return actor.unit.is_office and any(actor.has_role(r) for r in NUDGE_ROLES)


def nudge_day(calendar: WorkCalendar, now: datetime) -> date:
    """The working day a nudge at `now` counts for (a rest day's: the next one)."""
    return calendar.next_workday(local_day(now)).date


def last_nudges(session: Session, item_ids: Iterable[int]) -> dict[int, tuple[Nudge, str]]:
    """Item id → its latest nudge and the name of who gave it (one query)."""
    ids = sorted(set(item_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(Nudge, User.name)
        .join(User, User.id == Nudge.actor_id)
        .where(Nudge.item_id.in_(ids))
        .order_by(Nudge.item_id, Nudge.at)
    )
    return {n.item_id: (n, name) for n, name in rows}


@one_flush
def nudge(session: Session, *, actor: User, item_id: int, now: datetime) -> Outcome[Nudge]:
    """催办: one message to each person who can act on the item now (delegates
    included), at most once per item and working day."""
    require_aware(now)
    item = session.get(Item, item_id)
    if item is None:
        raise NotFound(f"item {item_id} does not exist")
    if not actor.active:
        raise InactiveUser(f"user {actor.login} is deactivated")
    if not may_nudge(actor, item.unit_id):
        raise RoleRequired("nudging needs a drafter of the item's unit or the office")
    if item.state not in {s.value for s in REVIEW_STATES}:
        raise NudgeRefused(f"item {item_id} does not wait at a review stage", "not_waiting")
    calendar = load_calendar(session)
    held = who_holds(session, [item], now, calendar)[item.id]
    told = [h for h in held.holders if h.user_id != actor.id]  # not oneself (an editor)
    reviewer_ids = tuple(dict.fromkeys(h.user_id for h in told))
    if not reviewer_ids:
        raise NudgeRefused(f"nobody can act on item {item_id} now", "nobody")
    day = nudge_day(calendar, now)
    earlier = session.execute(
        select(Nudge, User.name)
        .join(User, User.id == Nudge.actor_id)
        .where(Nudge.item_id == item_id, Nudge.day == day)
    ).first()
    if earlier is not None:
        raise NudgeRefused(
            f"item {item_id} was nudged on {day}", "already", by=earlier[1], at=earlier[0].at
        )
    row = Nudge(
        item_id=item_id,
        actor_id=actor.id,
        stage=item.state,
        day=day,
        at=now,
        recipients=",".join(str(u) for u in reviewer_ids),
    )
    session.add(row)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:  # a concurrent nudge of the same day won
        raise NudgeRefused(f"item {item_id} was nudged on {day}", "already") from exc
    stage = STAGES[State(item.state)].label
    return done(
        row,
        [ItemNudged(item_id, row.id, actor.id, now, item.state, reviewer_ids)],
        LogEntry(
            "item.nudge",
            "item",
            item_id,
            item.title,
            {"stage": stage, "recipients": list(dict.fromkeys(h.name for h in told))},
        ),
    )


# --------------------------------------------------------------------------- 委托


def _refuse(reason: str, message: str) -> DelegationRefused:
    return DelegationRefused(message, reason)


def _check_people(actor: User, delegator: User, delegate: User) -> None:
    if not actor.active:
        raise InactiveUser(f"user {actor.login} is deactivated")
    if actor.id != delegator.id and not actor.has_role(Role.ADMIN):
        raise RoleRequired("only the reviewer themselves or an administrator delegates")
    if delegate.id == delegator.id:
        raise _refuse("self", "nobody delegates to themselves")
    if not delegator.active:
        raise _refuse("delegator", f"user {delegator.login} is deactivated")
    if not delegate.active or delegate.unit_id != delegator.unit_id:
        raise _refuse("delegate", "the delegate must be an active user of the same unit")
    # A reviewer picks another leader of the unit; an administrator may pick anyone of it.
    leader = any(delegate.has_role(r) for r in rules.REVIEW_ROLES)
    if not leader and not actor.has_role(Role.ADMIN):
        raise _refuse("delegate", "the delegate must hold a review role in the unit")


def _check_dates(starts_on: date, ends_on: date, today: date) -> None:
    if ends_on < starts_on:
        raise _refuse("dates", "the delegation ends before it starts")
    if starts_on < today:
        raise _refuse("past", "a delegation cannot start in the past")
    if (ends_on - starts_on).days + 1 > rules.MAX_DAYS:
        raise _refuse("too_long", f"a delegation lasts at most {rules.MAX_DAYS} days")


def _overlapping(
    session: Session, user_ids: list[int], starts_on: date, ends_on: date, now: datetime
) -> list[Delegation]:
    """Delegations not ended that share a day with [starts_on, ends_on] and involve one
    of `user_ids` (as delegator or delegate)."""
    return list(
        session.scalars(
            select(Delegation).where(
                Delegation.starts_on <= ends_on,
                Delegation.ends_on >= starts_on,
                (Delegation.ended_at.is_(None)) | (Delegation.ended_at > now),
                Delegation.delegator_id.in_(user_ids) | Delegation.delegate_id.in_(user_ids),
            )
        )
    )


def _check_chain(
    session: Session,
    delegator: User,
    delegate: User,
    stages: frozenset[State],
    span: tuple[date, date],
    now: datetime,
) -> None:
    for other in _overlapping(session, [delegator.id, delegate.id], *span, now):
        if other.delegator_id == delegator.id and rules.stages_of(other) & stages:
            raise _refuse("overlap", f"delegation {other.id} already covers these days")
        if other.delegate_id == delegator.id or other.delegator_id == delegate.id:
            raise _refuse("chain", f"delegation {other.id} would make a chain")


@one_flush
def create_delegation(
    session: Session,
    *,
    actor: User,
    now: datetime,
    delegator_id: int,
    delegate_id: int,
    stages: Iterable[str],
    starts_on: date,
    ends_on: date,
    reason: str | None = None,
) -> Outcome[Delegation]:
    """委托: `delegate_id` acts for `delegator_id` at `stages` from `starts_on` to
    `ends_on` (local days, inclusive). The delegator (or an administrator for them) makes
    it; the delegate is another active user of the delegator's unit (a reviewer's choice:
    one holding a review role; an administrator's: anyone of the unit). No delegating to
    oneself, no chains (a delegate who delegates, a delegator who stands in) and no two
    delegations of one person at one stage on the same day."""
    require_aware(now)
    delegator = session.get(User, delegator_id)
    delegate = session.get(User, delegate_id)
    if delegator is None or delegate is None:
        raise NotFound("no such user")
    _check_people(actor, delegator, delegate)
    held = set(rules.stage_of_role(delegator))
    wanted = frozenset(State(s) for s in stages if s in {r.value for r in REVIEW_STATES})
    if not wanted or not wanted <= held:
        raise _refuse("stages", "choose review stages the delegator holds")
    _check_dates(starts_on, ends_on, local_day(now))
    _check_chain(session, delegator, delegate, wanted, (starts_on, ends_on), now)
    text = clean_comment(reason)
    row = Delegation(
        delegator_id=delegator.id,
        delegate_id=delegate.id,
        stages=",".join(s.value for s in REVIEW_STATES if s in wanted),
        starts_on=starts_on,
        ends_on=ends_on,
        reason=text[:200] if text else None,
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    label = f"{delegate.name}（代 {delegator.name}）"
    changes = {
        "delegator": delegator.name,
        "delegate": delegate.name,
        "stages": [STAGES[s].label for s in REVIEW_STATES if s in wanted],
        "starts_on": starts_on.isoformat(),
        "ends_on": ends_on.isoformat(),
    }
    made = DelegationMade(
        row.id,
        delegator.id,
        delegate.id,
        actor.id,
        now,
        starts_on,
        ends_on,
        tuple(row.stage_list),
    )
    return done(row, [made], LogEntry("delegation.create", "delegation", row.id, label, changes))


@one_flush
def end_delegation(
    session: Session, *, actor: User, now: datetime, delegation_id: int
) -> Outcome[Delegation]:
    """End a delegation early (from now), or withdraw one that has not started; by the
    delegator or an administrator."""
    require_aware(now)
    row = session.get(Delegation, delegation_id)
    if row is None:
        raise NotFound(f"delegation {delegation_id} does not exist")
    if not actor.active:
        raise InactiveUser(f"user {actor.login} is deactivated")
    if actor.id != row.delegator_id and not actor.has_role(Role.ADMIN):
        raise RoleRequired("only the delegator or an administrator ends a delegation")
    today = local_day(now)
    if (row.ended_at is not None and row.ended_at <= now) or row.ends_on < today:
        raise _refuse("ended", f"delegation {delegation_id} is already over")
    row.ended_at = now  # not started yet: it never holds
    row.ended_by_id = actor.id
    session.flush()
    names: dict[int, str] = {
        user_id: name
        for user_id, name in session.execute(
            select(User.id, User.name).where(User.id.in_([row.delegator_id, row.delegate_id]))
        )
    }
    label = f"{names.get(row.delegate_id, '')}（代 {names.get(row.delegator_id, '')}）"
    return done(
        row,
        (),
        LogEntry("delegation.end", "delegation", row.id, label, {"ended_at": now.isoformat()}),
    )
