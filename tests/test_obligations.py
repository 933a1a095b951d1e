"""Due dates of single items, "nothing to publish" statements, and linked obligations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import errors, services
from workflow.enums import ItemKind, Role, State
from workflow.events import ItemPublished, ObligationCreated, ObligationFulfilled
from workflow.models import CalendarYear, Column, ColumnLink, HolidayOverride, Item, Obligation

from .factories import World, make_column
from .services import act

RECEIVED_15_WORKDAYS = [
    {"kind": "after_event", "within": 15, "unit": "workday", "event": "received"}
]


def publish(session: Session, w: World, item_id: int, now: datetime) -> Sequence[object]:
    item = session.get(Item, item_id)
    assert item is not None and w.office_editor is not None
    act(session, "submit", item, by=w.drafter, now=now)
    act(
        session, "approve", item, by=w.user(Role.DEPUTY_HEAD), now=now, confidentiality_checked=True
    )
    act(session, "approve", item, by=w.user(Role.HEAD), now=now)
    return act(session, "approve", item, by=w.office_editor, now=now).events


def test_item_due_date_from_its_event_date(session: Session, w: World, now: datetime) -> None:
    column = make_column(session, [w.unit_a])
    column.rules = RECEIVED_15_WORKDAYS
    item = services.create_item(
        session,
        actor=w.drafter,
        column_id=column.id,
        kind=ItemKind.REPLY,
        title="关于某某信息公开申请的答复",
        now=now,
        event_date=date(2026, 9, 28),
    ).value
    assert (item.due_date, item.due_provisional) == (date(2026, 10, 23), False)
    # The request was really received in late December: the count runs into 2027.
    act(
        session,
        "edit",
        item,
        by=w.drafter,
        now=now,
        title=item.title,
        event_date=date(2026, 12, 21),
    )
    assert (item.due_date, item.due_provisional) == (date(2027, 1, 11), True)
    # Once the office enters 2027's calendar the date is no longer provisional.
    session.add(HolidayOverride(day=date(2027, 1, 1), is_workday=False, note="元旦"))
    session.add(CalendarYear(year=2027, entered_at=now))
    session.flush()
    act(
        session,
        "edit",
        item,
        by=w.drafter,
        now=now,
        title=item.title,
        event_date=date(2026, 12, 22),
    )
    assert (item.due_date, item.due_provisional) == (date(2027, 1, 13), False)


def test_prompt_columns_use_the_prompt_window(session: Session, w: World, now: datetime) -> None:
    column = make_column(session, [w.unit_a])
    column.rules = [{"kind": "prompt"}]
    item = services.create_item(
        session,
        actor=w.drafter,
        column_id=column.id,
        kind=ItemKind.ARTICLE,
        title="突发事件处置情况",
        now=now,
        event_date=date(2026, 9, 30),
        prompt_window=3,
    ).value
    assert item.due_date == date(2026, 10, 10)  # 10-08, 10-09, 10-10 (调休 Saturday)


def test_statements_only_where_the_column_allows(session: Session, w: World, now: datetime) -> None:
    with pytest.raises(errors.KindNotAllowed):
        services.create_item(
            session,
            actor=w.drafter,
            column_id=w.column.id,
            kind=ItemKind.STATEMENT,
            title="11月1日—11月30日无信件、留言信息",
            now=now,
        )
    column = make_column(session, [w.unit_a])
    column.allows_statement = True
    item = services.create_item(
        session,
        actor=w.drafter,
        column_id=column.id,
        kind=ItemKind.STATEMENT,
        title="11月1日—11月30日无信件、留言信息",
        now=now,
    ).value
    assert item.state == State.DRAFT  # and it goes through all three stages:
    publish(session, w, item.id, now)
    assert item.state == State.PUBLISHED and item.first_published_at == now


def test_publishing_a_policy_creates_the_interpretation_obligation(
    session: Session, w: World
) -> None:
    policies = make_column(session, [w.unit_a, w.unit_b], name="规范性文件")
    interpretations = make_column(session, [w.unit_a, w.unit_b], name="政策解读")
    interpretations.rules = [
        {"kind": "after_event", "within": 3, "unit": "workday", "event": "published"}
    ]
    session.add(ColumnLink(source_id=policies.id, target_id=interpretations.id))
    session.flush()
    item = services.create_item(
        session,
        actor=w.drafter,
        column_id=policies.id,
        kind=ItemKind.POLICY,
        title="关于促进消费的若干措施",
        now=datetime(2026, 9, 29, 2, tzinfo=UTC),
    ).value
    published_at = datetime(2026, 9, 29, 8, tzinfo=UTC)  # 16:00 in Beijing, Tuesday
    events = publish(session, w, item.id, published_at)
    assert isinstance(events[0], ItemPublished)
    created = [e for e in events if isinstance(e, ObligationCreated)]
    # 3 working days after 09-29: 09-30 (1), National Day week off, 10-08 (2), 10-09 (3).
    assert [(e.column_id, e.unit_id, e.due_date, e.provisional) for e in created] == [
        (interpretations.id, w.unit_a.id, date(2026, 10, 9), False)
    ]
    obligation = session.get(Obligation, created[0].obligation_id)
    assert obligation is not None and obligation.source_item_id == item.id
    # The unit answers it with an interpretation naming the obligation.
    answer = services.create_item(
        session,
        actor=w.drafter,
        column_id=interpretations.id,
        kind=ItemKind.INTERPRETATION,
        title="《关于促进消费的若干措施》政策解读",
        now=published_at,
        obligation_id=obligation.id,
    ).value
    events = publish(session, w, answer.id, datetime(2026, 10, 8, 2, tzinfo=UTC))
    fulfilled = [e for e in events if isinstance(e, ObligationFulfilled)]
    assert [(e.obligation_id, e.item_id, e.late) for e in fulfilled] == [
        (obligation.id, answer.id, False)
    ]
    assert obligation.fulfilled_by_item_id == answer.id


def test_an_answer_without_a_named_obligation_settles_the_oldest(
    session: Session, w: World, now: datetime
) -> None:
    target = make_column(session, [w.unit_a], name="政策解读")
    older = Obligation(
        column_id=target.id,
        unit_id=w.unit_a.id,
        due_date=date(2026, 11, 20),
        created_at=now,
        description="较早",
    )
    newer = Obligation(
        column_id=target.id,
        unit_id=w.unit_a.id,
        due_date=date(2026, 11, 27),
        created_at=now,
        description="较晚",
    )
    session.add_all([older, newer])
    session.flush()
    item = services.create_item(
        session,
        actor=w.drafter,
        column_id=target.id,
        kind=ItemKind.INTERPRETATION,
        title="解读",
        now=now,
    ).value
    events = publish(session, w, item.id, now)
    late = [e for e in events if isinstance(e, ObligationFulfilled)]
    assert [(e.obligation_id, e.late) for e in late] == [(older.id, True)]  # due 11-20
    open_ones = (
        session.execute(select(Obligation.id).where(Obligation.fulfilled_at.is_(None)))
        .scalars()
        .all()
    )
    assert open_ones == [newer.id]


def test_obligation_must_be_open_and_of_the_column(
    session: Session, w: World, now: datetime
) -> None:
    other = make_column(session, [w.unit_a])
    obligation = Obligation(
        column_id=other.id, unit_id=w.unit_a.id, due_date=date(2026, 12, 1), created_at=now
    )
    session.add(obligation)
    session.flush()
    with pytest.raises(errors.ValidationFailed):
        services.create_item(
            session,
            actor=w.drafter,
            column_id=w.column.id,
            kind=ItemKind.ARTICLE,
            title="x",
            now=now,
            obligation_id=obligation.id,
        )


def test_provisional_due_dates_are_recomputed_once_the_year_is_entered(
    session: Session, w: World, now: datetime
) -> None:
    from workflow.deadlines.maintenance import recompute_provisional

    column = make_column(session, [w.unit_a])
    column.rules = RECEIVED_15_WORKDAYS
    item = services.create_item(
        session,
        actor=w.drafter,
        column_id=column.id,
        kind=ItemKind.REPLY,
        title="答复",
        now=now,
        event_date=date(2026, 12, 22),
    ).value
    assert (item.due_date, item.due_provisional) == (date(2027, 1, 12), True)
    report = recompute_provisional(session)
    assert (report.items_changed, report.still_provisional) == (0, 1)
    from workflow.deadlines.maintenance import provisional_dues

    assert [(d.kind, d.id, d.due_date) for d in provisional_dues(session)] == [
        ("item", item.id, date(2027, 1, 12))
    ]
    # A single override (a typhoon closure, say) does not make 2027 known …
    session.add(HolidayOverride(day=date(2027, 1, 1), is_workday=False, note="元旦"))
    session.flush()
    report = recompute_provisional(session)
    assert (report.items_changed, report.still_provisional) == (1, 1)  # date moved, flagged
    assert (item.due_date, item.due_provisional) == (date(2027, 1, 13), True)
    # … entering the whole notice does.
    session.add(CalendarYear(year=2027, entered_at=now))
    session.flush()
    report = recompute_provisional(session)
    assert (report.items_changed, report.still_provisional) == (1, 0)
    assert (item.due_date, item.due_provisional) == (date(2027, 1, 13), False)


def _linked(session: Session, w: World) -> tuple[Column, Column]:
    policies = make_column(session, [w.unit_a], name="部门文件")
    interpretations = make_column(session, [w.unit_a], name="政策解读")
    interpretations.rules = [
        {"kind": "after_event", "within": 3, "unit": "workday", "event": "published"}
    ]
    interpretations.allows_statement = True
    session.add(ColumnLink(source_id=policies.id, target_id=interpretations.id))
    session.flush()
    return policies, interpretations


def _published_document(session: Session, w: World, column: Column, now: datetime) -> Item:
    item = services.create_item(
        session, actor=w.drafter, column_id=column.id, kind=ItemKind.POLICY, title="文件", now=now
    ).value
    publish(session, w, item.id, now)
    return item


def _open(session: Session) -> list[int]:
    return list(
        session.execute(
            select(Obligation.id).where(
                Obligation.fulfilled_at.is_(None), Obligation.cancelled_at.is_(None)
            )
        ).scalars()
    )


def test_a_republished_revision_creates_and_settles_nothing(
    session: Session, w: World, now: datetime
) -> None:
    policies, _ = _linked(session, w)
    item = _published_document(session, w, policies, now)
    assert len(_open(session)) == 1
    act(session, "revise", item, by=w.drafter, now=now)
    events = publish(session, w, item.id, now)
    assert not [e for e in events if isinstance(e, ObligationCreated | ObligationFulfilled)]
    assert len(_open(session)) == 1
    total = session.execute(select(Obligation.id)).scalars().all()
    assert len(total) == 1


def test_a_statement_does_not_answer_an_obligation(
    session: Session, w: World, now: datetime
) -> None:
    policies, interpretations = _linked(session, w)
    _published_document(session, w, policies, now)
    statement = services.create_item(
        session,
        actor=w.drafter,
        column_id=interpretations.id,
        kind=ItemKind.STATEMENT,
        title="本月无解读",
        now=now,
    ).value
    publish(session, w, statement.id, now)
    assert len(_open(session)) == 1


def test_retracting_the_document_cancels_its_obligation(
    session: Session, w: World, now: datetime
) -> None:
    policies, _ = _linked(session, w)
    item = _published_document(session, w, policies, now)
    assert w.office_editor is not None
    act(session, "retract", item, by=w.office_editor, now=now, comment="文件废止")
    assert _open(session) == []
    cancelled = session.execute(select(Obligation)).scalar_one()
    assert cancelled.cancelled_at == now and cancelled.fulfilled_at is None
