"""Linked obligations: what a publication settles and what it creates.

Publishing in a column linked to others (政策文件 → 政策解读, seed 000) creates, per
linked column, an obligation for the responsible unit, due by that column's
after_event rule from the publication day. Publishing in a column where the unit owes
something fulfils the obligation the item names, else the oldest open one.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.deadlines.due import DEFAULT_PROMPT_WINDOW, item_due, load_calendar
from workflow.enums import AssignmentRole, ItemKind
from workflow.events import ObligationCreated, ObligationFulfilled
from workflow.models import Column, ColumnAssignment, ColumnLink, Obligation
from workflow.services.core import AnyItem, ColumnFacts

LOCAL = ZoneInfo("Asia/Shanghai")  # deadlines count Beijing calendar days


def on_publish(
    session: Session,
    item: AnyItem,
    facts: ColumnFacts,
    now: datetime,
    first_time: bool,
    prompt_window: int = DEFAULT_PROMPT_WINDOW,
) -> list[ObligationCreated | ObligationFulfilled]:
    """Only an item's first publication settles or creates obligations: a republished
    revision is an update of something already public."""
    events: list[ObligationCreated | ObligationFulfilled] = []
    if not first_time:
        return events
    answers = item.kind != ItemKind.STATEMENT  # "nothing to publish" answers no document
    if answers and (facts.owes or item.obligation_id is not None):
        fulfilled = _fulfil(session, item, now)
        if fulfilled is not None:
            events.append(fulfilled)
    if facts.has_links:
        events.extend(_create_linked(session, item, now, prompt_window))
    return events


def on_retract(session: Session, item_id: int, now: datetime) -> int:
    """A retracted document owes no interpretation any more: cancel what is still open."""
    open_ones = (
        session.execute(
            select(Obligation).where(
                Obligation.source_item_id == item_id,
                Obligation.fulfilled_at.is_(None),
                Obligation.cancelled_at.is_(None),
            )
        )
        .scalars()
        .all()
    )
    for obligation in open_ones:
        obligation.cancelled_at = now
    session.flush()
    return len(open_ones)


def _fulfil(session: Session, item: AnyItem, now: datetime) -> ObligationFulfilled | None:
    open_ones = select(Obligation).where(
        Obligation.column_id == item.column_id,
        Obligation.unit_id == item.unit_id,
        Obligation.fulfilled_at.is_(None),
        Obligation.cancelled_at.is_(None),
    )
    chosen = None
    if item.obligation_id is not None:
        chosen = session.execute(
            open_ones.where(Obligation.id == item.obligation_id)
        ).scalar_one_or_none()
    if chosen is None:
        chosen = session.execute(
            open_ones.order_by(Obligation.due_date, Obligation.id).limit(1)
        ).scalar_one_or_none()
    if chosen is None:
        return None
    chosen.fulfilled_by_item_id, chosen.fulfilled_at = item.id, now
    session.flush()
    late = now.astimezone(LOCAL).date() > chosen.due_date
    return ObligationFulfilled(chosen.id, item.id, now, late)


def _create_linked(
    session: Session, item: AnyItem, now: datetime, prompt_window: int
) -> list[ObligationCreated]:
    targets = (
        session.execute(
            select(Column)
            .join(ColumnLink, ColumnLink.target_id == Column.id)
            .where(ColumnLink.source_id == item.column_id, Column.retired_at.is_(None))
        )
        .scalars()
        .all()
    )
    if not targets:
        return []
    calendar = load_calendar(session)
    today = now.astimezone(LOCAL).date()
    created = []
    for target in targets:
        due = item_due(target.rules or [], today, calendar, prompt_window, event="published")
        if due is None:  # the linked column has no after_event rule: publish promptly
            due = calendar.add_workdays(today, prompt_window)
        unit_id = _responsible_unit(session, target, item.unit_id)
        obligation = Obligation(
            column_id=target.id,
            unit_id=unit_id,
            source_item_id=item.id,
            description=f"{target.name}：因发布《{item.title[:100]}》",
            due_date=due.date,
            due_provisional=due.provisional,
            created_at=now,
        )
        session.add(obligation)
        session.flush()
        created.append(
            ObligationCreated(obligation.id, target.id, unit_id, item.id, due.date, due.provisional)
        )
    return created


def _responsible_unit(session: Session, target: Column, publisher_unit_id: int) -> int:
    """The publishing unit when it is responsible for the linked column (各部门 write
    their own 解读), else the linked column's lead unit, else the publisher."""
    units = session.execute(
        select(ColumnAssignment.unit_id, ColumnAssignment.role).where(
            ColumnAssignment.column_id == target.id
        )
    ).all()
    if any(unit_id == publisher_unit_id for unit_id, _ in units):
        return publisher_unit_id
    leads = [unit_id for unit_id, role in units if role == AssignmentRole.LEAD]
    return leads[0] if leads else publisher_unit_id
