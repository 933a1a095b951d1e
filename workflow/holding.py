"""Who holds an item now: its review stage, the people who can act on it at that stage
(delegates included, 委托) and how long it has waited there in working days.

Set-based for lists: `who_holds` answers for any number of items in two statements (the
reviewers of the items' units and the office, and the delegations that hold at `now`),
then applies the same rules the services enforce — role, unit, separation of duties
(workflow.permissions) — in Python over the facts each item carries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from workflow import review_facts
from workflow.calendar import WorkCalendar
from workflow.delegation import holds_at, stages_of
from workflow.enums import REVIEW_STATES, State
from workflow.models import Delegation, Unit, User, UserRole
from workflow.permissions import STAGES, History, ItemFacts
from workflow.timezones import LOCAL, local_day


class HeldItem(ItemFacts, Protocol):
    """What `who_holds` reads of an item: the rules' facts, and where it waits since when."""

    @property
    def id(self) -> int: ...
    @property
    def current_revision_no(self) -> int: ...
    @property
    def review_facts(self) -> Any: ...
    @property
    def state_since(self) -> datetime: ...


@dataclass(frozen=True)
class Holder:
    user_id: int
    name: str
    for_id: int | None = None  # a delegate: whom they stand in for
    for_name: str | None = None


@dataclass(frozen=True)
class Holding:
    item_id: int
    stage: str  # the review state the item waits at
    since: datetime
    waited: int  # working days at the stage so far
    holders: tuple[Holder, ...]

    @property
    def user_ids(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(h.user_id for h in self.holders))


@dataclass(frozen=True)
class _Person:
    id: int
    name: str
    unit_id: int
    is_office: bool


_WAITING = frozenset(s.value for s in REVIEW_STATES)


def _barred(state: str, drafter_id: int, history: History) -> frozenset[int]:
    """Who may not review the item at `state`: separation of duties
    (workflow.permissions.check_separation) as one set per item."""
    others = (ids for stage, ids in history.reviewers.items() if stage != state)
    return frozenset({drafter_id}).union(history.authors, *others)


def _reviewers(
    session: Session, unit_ids: Iterable[int]
) -> dict[tuple[int | None, str], list[_Person]]:
    """(unit id, role) → active people; the office's editors under (None, office_editor)."""
    roles = [STAGES[s].role.value for s in REVIEW_STATES]
    rows = session.execute(
        select(User.id, User.name, User.unit_id, UserRole.role, Unit.is_office)
        .join(UserRole, UserRole.user_id == User.id)
        .join(Unit, Unit.id == User.unit_id)
        .where(
            User.active.is_(True),
            UserRole.role.in_(roles),
            or_(User.unit_id.in_(sorted(set(unit_ids))), Unit.is_office.is_(True)),
        )
        .order_by(User.id)
    )
    found: dict[tuple[int | None, str], list[_Person]] = defaultdict(list)
    for user_id, name, unit_id, role, is_office in rows:
        person = _Person(user_id, name, unit_id, bool(is_office))
        found[(unit_id, role)].append(person)
        if is_office:
            found[(None, role)].append(person)
    return found


def _delegates(
    session: Session, now: datetime, tz: ZoneInfo
) -> dict[tuple[int, State], list[tuple[int, str]]]:
    """(delegator id, stage) → [(delegate id, name)] of the delegations holding now."""
    delegate = aliased(User)
    rows = session.execute(
        select(Delegation, delegate.name)
        .join(delegate, delegate.id == Delegation.delegate_id)
        .where(holds_at(local_day(now, tz), now), delegate.active.is_(True))
        .order_by(Delegation.id)
    )
    found: dict[tuple[int, State], list[tuple[int, str]]] = defaultdict(list)
    for row, name in rows:
        for stage in stages_of(row):
            found[(row.delegator_id, stage)].append((row.delegate_id, name))
    return found


def who_holds(
    session: Session,
    items: Sequence[HeldItem],
    now: datetime,
    calendar: WorkCalendar,
    tz: ZoneInfo = LOCAL,
) -> dict[int, Holding]:
    """Item id → who holds it, for the items waiting at a review stage (others absent)."""
    waiting = [i for i in items if i.state in _WAITING]
    if not waiting:
        return {}
    reviewers = _reviewers(session, {i.unit_id for i in waiting})
    delegates = _delegates(session, now, tz)
    today = local_day(now, tz)
    # Working days per distinct arrival day: a list of thousands spans a few dozen days.
    days = {local_day(i.state_since, tz) for i in waiting}
    waits = {day: calendar.count_workdays(day, today)[0] for day in days}
    out: dict[int, Holding] = {}
    for item in waiting:
        state = State(item.state)
        stage = STAGES[state]
        history = review_facts.history(item.review_facts, item.current_revision_no)
        barred = _barred(item.state, item.drafter_id, history)
        key = (item.unit_id if stage.own_unit else None, stage.role.value)
        holders = _holders(state, barred, reviewers.get(key, []), delegates)
        waited = waits[local_day(item.state_since, tz)]
        out[item.id] = Holding(item.id, state.value, item.state_since, waited, holders)
    return out


def _holders(
    state: State,
    barred: frozenset[int],
    people: list[_Person],
    delegates: Mapping[tuple[int, State], list[tuple[int, str]]],
) -> tuple[Holder, ...]:
    holders = [Holder(p.id, p.name) for p in people if p.id not in barred]
    own = {h.user_id for h in holders}
    for principal in list(holders):
        for delegate_id, name in delegates.get((principal.user_id, state), []):
            if delegate_id in own or delegate_id in barred:
                continue
            holders.append(Holder(delegate_id, name, principal.user_id, principal.name))
    return tuple(holders)
