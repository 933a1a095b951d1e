"""Recall (撤回), nudges (催办), delegation (委托) and who holds an item now: the
services' outcomes and every refusal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from workflow import audit, errors, services
from workflow.calendar import WorkCalendar
from workflow.enums import Action, Role, State
from workflow.events import ItemNudged, ItemRecalled
from workflow.holding import who_holds
from workflow.models import AuditEvent, Item, ScheduledPublication, User
from workflow.reporting.dashboard import dashboard
from workflow.services.flow import last_nudges

from .factories import World, item_in_state, new_item, person, tick
from .services import act

DAY = timedelta(days=1)


def last_row(session: Session, item: Item) -> AuditEvent:
    return (
        session.execute(
            select(AuditEvent).where(AuditEvent.item_id == item.id).order_by(AuditEvent.seq.desc())
        )
        .scalars()
        .first()
    )  # type: ignore[return-value]


def chains_ok(session: Session) -> list[str]:
    session.flush()
    return [b.describe() for b in audit.verify_chains(session)]


def delegate(
    session: Session, by: User, of: User, to: User, now: datetime, stages: list[str], **kw: Any
) -> Any:
    today = now.date()
    return services.create_delegation(
        session,
        actor=by,
        now=now,
        delegator_id=of.id,
        delegate_id=to.id,
        stages=stages,
        starts_on=kw.pop("starts_on", today),
        ends_on=kw.pop("ends_on", today + 4 * DAY),
        **kw,
    ).value


# --------------------------------------------------------------------------- 撤回


def test_drafter_recalls_from_initial_review(session: Session, world: World, now: datetime) -> None:
    item = item_in_state(session, world, State.INITIAL_REVIEW, now)
    outcome = act(session, "recall", item, by=world.drafter, now=tick(now), comment="数据要更新")
    assert outcome.value.state == State.DRAFT
    row = last_row(session, item)
    assert (row.action, row.from_state, row.to_state, row.actor_id) == (
        "recall",
        "initial_review",
        "draft",
        world.drafter.id,
    )
    (recalled,) = outcome.events
    assert isinstance(recalled, ItemRecalled)
    assert recalled.told == (world.user(Role.DEPUTY_HEAD).id,)
    # The draft can be edited (a new revision: the submitted one stays frozen) and sent again.
    act(
        session,
        "edit",
        item,
        by=world.drafter,
        now=tick(now, 2),
        title="改后的标题",
        body="<p>新</p>",
    )
    act(session, "submit", item, by=world.drafter, now=tick(now, 3))
    assert item.state == State.INITIAL_REVIEW
    assert chains_ok(session) == []


def test_drafter_cannot_recall_once_a_reviewer_acted(
    session: Session, world: World, now: datetime
) -> None:
    item = item_in_state(session, world, State.HEAD_REVIEW, now)
    deputy = world.user(Role.DEPUTY_HEAD)
    act(session, "recall", item, by=deputy, now=tick(now))  # back at 初审, deputy acted
    with pytest.raises(errors.RecallRefused) as refused:
        act(session, "recall", item, by=world.drafter, now=tick(now, 2))
    assert refused.value.reason == "acted"
    # Another unit's drafter, or a designated column's other drafter, never could.
    with pytest.raises(errors.WrongUnit):
        act(session, "recall", item, by=world.user(Role.DRAFTER, "b"), now=tick(now, 2))


def test_reviewer_recalls_their_approval(session: Session, world: World, now: datetime) -> None:
    item = item_in_state(session, world, State.HEAD_REVIEW, now)
    deputy = world.user(Role.DEPUTY_HEAD)
    outcome = act(session, "recall", item, by=deputy, now=tick(now))
    assert item.state == State.INITIAL_REVIEW
    (recalled,) = outcome.events
    assert isinstance(recalled, ItemRecalled)
    assert recalled.told == (world.user(Role.HEAD).id,)
    assert recalled.to_state == State.INITIAL_REVIEW
    # The recalled approval no longer counts as one (a return would not tell the deputy).
    assert item.review_facts["approvers"] == []
    # The same deputy may approve again at the same stage.
    act(session, "approve", item, by=deputy, now=tick(now, 2), confidentiality_checked=True)
    assert item.state == State.HEAD_REVIEW
    head = world.user(Role.HEAD)
    act(session, "approve", item, by=head, now=tick(now, 3))
    act(session, "recall", item, by=head, now=tick(now, 4))
    assert item.state == State.HEAD_REVIEW
    assert chains_ok(session) == []


def test_recall_refusals_for_reviewers(session: Session, world: World, now: datetime) -> None:
    item = item_in_state(session, world, State.HEAD_REVIEW, now)
    other_deputy = person(session, world, [Role.DEPUTY_HEAD], now, name="另一位分管负责人")
    with pytest.raises(errors.RecallRefused) as refused:
        act(session, "recall", item, by=other_deputy, now=tick(now))
    assert refused.value.reason == "not_yours"
    with pytest.raises(errors.RoleRequired):  # the drafter cannot recall a reviewer's approval
        act(session, "recall", item, by=world.drafter, now=tick(now))
    act(session, "approve", item, by=world.user(Role.HEAD), now=tick(now, 2))
    # The next stage (the head) acted: the deputy's approval can no longer be taken back.
    with pytest.raises(errors.RoleRequired):
        act(session, "recall", item, by=world.user(Role.DEPUTY_HEAD), now=tick(now, 3))
    # The office scheduled the publication: that is acting.
    assert world.office_editor is not None
    session.add(
        ScheduledPublication(
            item_id=item.id,
            editor_id=world.office_editor.id,
            item_version=item.version,
            publish_at=now + DAY,
            created_at=tick(now, 3),
        )
    )
    session.flush()
    with pytest.raises(errors.RecallRefused) as refused:
        act(session, "recall", item, by=world.user(Role.HEAD), now=tick(now, 4))
    assert refused.value.reason == "scheduled"


def test_nothing_to_recall_after_publication_or_a_return(
    session: Session, world: World, now: datetime
) -> None:
    published = item_in_state(session, world, State.PUBLISHED, now)
    with pytest.raises(errors.InvalidTransition):
        act(session, "recall", published, by=world.drafter, now=tick(now))
    returned = item_in_state(session, world, State.RETURNED, now)
    with pytest.raises(errors.InvalidTransition):
        act(session, "recall", returned, by=world.drafter, now=tick(now))
    item = item_in_state(session, world, State.INITIAL_REVIEW, now)
    with pytest.raises(errors.StaleVersion):
        services.recall(
            session, actor=world.drafter, item_id=item.id, expected_version=0, now=tick(now)
        )


# --------------------------------------------------------------------------- 催办


def test_nudge_tells_each_reviewer_once_per_working_day(
    session: Session, world: World, now: datetime
) -> None:
    item = item_in_state(session, world, State.INITIAL_REVIEW, now)
    second = person(session, world, [Role.DEPUTY_HEAD], now, name="第二分管")
    outcome = services.nudge(session, actor=world.drafter, item_id=item.id, now=tick(now))
    (nudged,) = outcome.events
    assert isinstance(nudged, ItemNudged)
    assert nudged.reviewer_ids == (world.user(Role.DEPUTY_HEAD).id, second.id)
    assert [e.action for e in outcome.log] == ["item.nudge"]
    with pytest.raises(errors.NudgeRefused) as refused:
        services.nudge(session, actor=world.drafter, item_id=item.id, now=tick(now, 60))
    assert refused.value.reason == "already"
    assert refused.value.by == world.drafter.name and refused.value.at == tick(now)
    # The office is refused too on that day: the limit is per item.
    assert world.office_editor is not None
    with pytest.raises(errors.NudgeRefused):
        services.nudge(session, actor=world.office_editor, item_id=item.id, now=tick(now, 61))
    # Next working day (Tuesday): allowed again; by the office this time.
    again = services.nudge(session, actor=world.office_editor, item_id=item.id, now=now + DAY)
    assert again.value.day == date(2026, 11, 24)
    assert last_nudges(session, [item.id])[item.id][1] == world.office_editor.name


def test_a_weekend_nudge_counts_for_monday(session: Session, world: World, now: datetime) -> None:
    saturday = now - 2 * DAY  # 2026-11-21
    item = item_in_state(session, world, State.INITIAL_REVIEW, saturday - DAY)
    first = services.nudge(session, actor=world.drafter, item_id=item.id, now=saturday)
    assert first.value.day == date(2026, 11, 23)
    with pytest.raises(errors.NudgeRefused):
        services.nudge(session, actor=world.drafter, item_id=item.id, now=now)


def test_nudge_refusals(session: Session, world: World, now: datetime) -> None:
    item = item_in_state(session, world, State.INITIAL_REVIEW, now)
    for outsider in (world.user(Role.DRAFTER, "b"), world.user(Role.HEAD), world.user(Role.ADMIN)):
        with pytest.raises(errors.RoleRequired):
            services.nudge(session, actor=outsider, item_id=item.id, now=now)
    draft = new_item(session, world, now)
    with pytest.raises(errors.NudgeRefused) as refused:
        services.nudge(session, actor=world.drafter, item_id=draft.id, now=now)
    assert refused.value.reason == "not_waiting"
    # Nobody can act: the only deputy head is deactivated.
    world.user(Role.DEPUTY_HEAD).active = False
    session.flush()
    with pytest.raises(errors.NudgeRefused) as refused:
        services.nudge(session, actor=world.drafter, item_id=item.id, now=now)
    assert refused.value.reason == "nobody"
    with pytest.raises(errors.NotFound):
        services.nudge(session, actor=world.drafter, item_id=10**8, now=now)


# --------------------------------------------------------------------------- 委托


def test_a_delegation_from_start_to_end(session: Session, world: World, now: datetime) -> None:
    head = world.user(Role.HEAD)
    stand_in = person(session, world, [Role.DEPUTY_HEAD], now, name="李四")
    made = delegate(session, head, head, stand_in, now, ["head_review"])
    waiting = item_in_state(session, world, State.HEAD_REVIEW, now)  # already waiting
    held = who_holds(session, [waiting], tick(now), WorkCalendar())[waiting.id]
    assert [(h.name, h.for_name) for h in held.holders] == [
        (head.name, None),
        ("李四", head.name),
    ]
    act(session, "approve", waiting, by=stand_in, now=tick(now))
    row = last_row(session, waiting)
    assert (row.actor_id, row.on_behalf_of_id, row.from_state) == (
        stand_in.id,
        head.id,
        "head_review",
    )
    # The review counts for both people at that stage.
    assert waiting.review_facts["stages"]["head_review"] == sorted([stand_in.id, head.id])
    # The delegate may recall what they approved for the head.
    act(session, "recall", waiting, by=stand_in, now=tick(now, 2))
    assert last_row(session, waiting).on_behalf_of_id == head.id
    # Ended early by the head: the stand-in may no longer act.
    services.end_delegation(session, actor=head, now=tick(now, 3), delegation_id=made.id)
    with pytest.raises(errors.RoleRequired):
        act(session, "approve", waiting, by=stand_in, now=tick(now, 4))
    assert chains_ok(session) == []


def test_a_delegation_ends_by_itself(session: Session, world: World, now: datetime) -> None:
    head = world.user(Role.HEAD)
    stand_in = person(session, world, [Role.DEPUTY_HEAD], now, name="李四")
    delegate(session, head, head, stand_in, now, ["head_review"], ends_on=now.date() + DAY)
    item = item_in_state(session, world, State.HEAD_REVIEW, now)
    later = now + 2 * DAY  # Wednesday: the delegation ended on Tuesday
    with pytest.raises(errors.RoleRequired):
        act(session, "approve", item, by=stand_in, now=later)
    held = who_holds(session, [item], later, WorkCalendar())[item.id]
    assert [h.user_id for h in held.holders] == [head.id]
    # A delegation that has not started does not hold either.
    other = item_in_state(session, world, State.HEAD_REVIEW, now)
    assert other.id != item.id


def test_separation_of_duties_holds_for_both_people(
    session: Session, world: World, now: datetime
) -> None:
    head, deputy = world.user(Role.HEAD), world.user(Role.DEPUTY_HEAD)
    delegate(session, head, head, deputy, now, ["head_review"])
    item = item_in_state(session, world, State.HEAD_REVIEW, now)  # the deputy did 初审
    with pytest.raises(errors.SeparationOfDuties):
        act(session, "approve", item, by=deputy, now=tick(now))
    held = who_holds(session, [item], tick(now), WorkCalendar())[item.id]
    assert [h.user_id for h in held.holders] == [head.id]
    # A stand-in at 初审 for a deputy who is also the head (兼任): neither person may then
    # review the same revision at 审核.
    both = person(session, world, [Role.DEPUTY_HEAD, Role.HEAD], now, name="兼任")
    stand_in = person(session, world, [Role.HEAD], now, name="代审")  # another leader
    delegate(session, both, both, stand_in, now, ["initial_review"])
    fresh = item_in_state(session, world, State.INITIAL_REVIEW, now)
    act(session, "approve", fresh, by=stand_in, now=tick(now), confidentiality_checked=True)
    assert last_row(session, fresh).on_behalf_of_id == both.id
    for reviewer in (both, stand_in):
        with pytest.raises(errors.SeparationOfDuties):
            act(session, "approve", fresh, by=reviewer, now=tick(now, 2))
    held = who_holds(session, [fresh], tick(now, 2), WorkCalendar())[fresh.id]
    assert both.id not in held.user_ids and stand_in.id not in held.user_ids


def test_the_drafter_cannot_stand_in_for_their_own_item(
    session: Session, world: World, now: datetime
) -> None:
    head = world.user(Role.HEAD)
    both = person(session, world, [Role.DRAFTER, Role.DEPUTY_HEAD], now, name="报送兼分管")
    delegate(session, head, head, both, now, ["head_review"])
    item = new_item(session, world, now, drafter=both)
    act(session, "submit", item, by=both, now=now)
    act(
        session,
        "approve",
        item,
        by=world.user(Role.DEPUTY_HEAD),
        now=now,
        confidentiality_checked=True,
    )
    with pytest.raises(errors.SeparationOfDuties):
        act(session, "approve", item, by=both, now=tick(now))


REFUSALS: list[tuple[str, Callable[[World, dict[str, User]], dict[str, Any]]]] = [
    ("self", lambda w, p: {"delegate_id": p["head"].id}),
    ("delegate", lambda w, p: {"delegate_id": w.user(Role.HEAD, "b").id}),  # other unit
    ("delegate", lambda w, p: {"delegate_id": w.user(Role.DRAFTER).id}),  # not a reviewer
    ("stages", lambda w, p: {"stages": ["initial_review"]}),  # not the head's stage
    ("stages", lambda w, p: {"stages": ["published"]}),
    ("dates", lambda w, p: {"starts_on": date(2026, 11, 30), "ends_on": date(2026, 11, 25)}),
    ("past", lambda w, p: {"starts_on": date(2026, 11, 20)}),
    ("too_long", lambda w, p: {"ends_on": date(2027, 6, 1)}),
]


@pytest.mark.parametrize(("reason", "change"), REFUSALS)
def test_delegation_refusals(
    session: Session,
    world: World,
    now: datetime,
    reason: str,
    change: Callable[[World, dict[str, User]], dict[str, Any]],
) -> None:
    head = world.user(Role.HEAD)
    stand_in = person(session, world, [Role.DEPUTY_HEAD], now, name="李四")
    kwargs: dict[str, Any] = {
        "delegator_id": head.id,
        "delegate_id": stand_in.id,
        "stages": ["head_review"],
        "starts_on": now.date(),
        "ends_on": now.date() + 4 * DAY,
    }
    kwargs.update(change(world, {"head": head}))
    with pytest.raises(errors.DelegationRefused) as refused:
        services.create_delegation(session, actor=head, now=now, **kwargs)
    assert refused.value.reason == reason


def test_no_chains_no_overlaps_and_who_may_delegate(
    session: Session, world: World, now: datetime
) -> None:
    head = world.user(Role.HEAD)
    a = person(session, world, [Role.DEPUTY_HEAD], now, name="甲")
    b = person(session, world, [Role.DEPUTY_HEAD], now, name="乙")
    delegate(session, head, head, a, now, ["head_review"])
    with pytest.raises(errors.DelegationRefused) as refused:  # same days, same stage
        delegate(session, head, head, b, now, ["head_review"], starts_on=now.date() + DAY)
    assert refused.value.reason == "overlap"
    with pytest.raises(errors.DelegationRefused) as refused:  # a stands in: cannot delegate
        delegate(session, a, a, b, now, ["initial_review"])
    assert refused.value.reason == "chain"
    with pytest.raises(errors.DelegationRefused) as refused:  # the head is away: no stand-in
        delegate(session, b, b, head, now, ["initial_review"])
    assert refused.value.reason == "chain"
    # Someone else's delegation: only an administrator makes it.
    with pytest.raises(errors.RoleRequired):
        delegate(session, a, b, world.user(Role.DEPUTY_HEAD), now, ["initial_review"])
    admin = world.user(Role.ADMIN)
    admin.unit_id = world.unit_a.id
    made = delegate(
        session,
        admin,
        b,
        world.drafter,  # an administrator may pick anyone of the unit
        now,
        ["initial_review"],
        starts_on=now.date() + 10 * DAY,
        ends_on=now.date() + 12 * DAY,
    )
    assert made.created_by_id == admin.id
    with pytest.raises(errors.RoleRequired):
        services.end_delegation(session, actor=a, now=now, delegation_id=made.id)
    services.end_delegation(session, actor=b, now=now, delegation_id=made.id)
    with pytest.raises(errors.DelegationRefused) as refused:
        services.end_delegation(session, actor=b, now=tick(now), delegation_id=made.id)
    assert refused.value.reason == "ended"


# --------------------------------------------------------------------------- who holds


def count_statements(session: Session, fn: Callable[[], Any]) -> int:
    seen: list[str] = []

    def on_execute(*args: Any) -> None:
        seen.append(args[2])

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    return len(seen)


def test_who_holds_is_set_based(session: Session, world: World, now: datetime) -> None:
    head = world.user(Role.HEAD)
    stand_in = person(session, world, [Role.DEPUTY_HEAD], now, name="李四")
    delegate(session, head, head, stand_in, now, ["head_review"])
    few = [item_in_state(session, world, State.HEAD_REVIEW, now) for _ in range(2)]
    many = few + [
        item_in_state(session, world, s, now)
        for s in (State.INITIAL_REVIEW, State.OFFICE_REVIEW, State.DRAFT) * 4
    ]
    session.flush()
    calendar = WorkCalendar()
    small = count_statements(session, lambda: who_holds(session, few, now, calendar))
    large = count_statements(session, lambda: who_holds(session, many, now, calendar))
    assert small == large == 2
    held = who_holds(session, many, now + 2 * DAY, calendar)
    assert len(held) == 10  # the drafts hold nobody
    office = next(h for h in held.values() if h.stage == "office_review")
    assert world.office_editor is not None
    assert {world.office_editor.id, world.user(Role.OFFICE_EDITOR, "office").id} <= set(
        office.user_ids
    )
    assert office.waited == 2  # Monday → Wednesday
    assert held[few[0].id].user_ids == (head.id, stand_in.id)


def test_history_of_a_delegated_action(session: Session, world: World, now: datetime) -> None:
    head = world.user(Role.HEAD)
    stand_in = person(session, world, [Role.DEPUTY_HEAD], now, name="李四")
    delegate(session, head, head, stand_in, now, ["head_review"])
    item = item_in_state(session, world, State.HEAD_REVIEW, now)
    act(session, "reject", item, by=stand_in, now=tick(now), comment="请补充")
    row = last_row(session, item)
    assert (row.action, row.actor_id, row.on_behalf_of_id) == (Action.REJECT, stand_in.id, head.id)
    # Tampering with whom the row names breaks the chain.
    assert row.hash == audit.row_hash(row)
    row_copy = AuditEvent(
        **{
            c: getattr(row, c)
            for c in (
                "item_id",
                "seq",
                "revision_no",
                "from_state",
                "to_state",
                "action",
                "actor_id",
                "comment",
                "confidentiality_checked",
                "content_digest",
                "at",
                "prev_hash",
                "hash_alg",
            )
        }
    )
    row_copy.on_behalf_of_id = world.user(Role.HEAD, "b").id
    assert audit.row_hash(row_copy) != row.hash


def test_more_refusals_inactive_people_and_designated_drafters(
    session: Session, world: World, now: datetime
) -> None:
    # A column with designated drafters: another drafter of the unit may not recall.
    item = item_in_state(session, world, State.INITIAL_REVIEW, now)
    colleague = person(session, world, [Role.DRAFTER], now, name="另一位报送员")
    world.column.assignments[0].drafters.append(world.drafter)
    session.flush()
    with pytest.raises(errors.NotDesignated):
        act(session, "recall", item, by=colleague, now=tick(now))
    # A deactivated reviewer cannot recall, nor delegate; nobody delegates for them.
    head = world.user(Role.HEAD)
    stand_in = person(session, world, [Role.DEPUTY_HEAD], now, name="李四")
    admin = world.user(Role.ADMIN)
    admin.unit_id = world.unit_a.id
    head.active = False
    session.flush()
    with pytest.raises(errors.InactiveUser):
        delegate(session, head, head, stand_in, now, ["head_review"])
    with pytest.raises(errors.DelegationRefused) as refused:
        delegate(session, admin, head, stand_in, now, ["head_review"])
    assert refused.value.reason == "delegator"
    stand_in.active = False
    session.flush()
    with pytest.raises(errors.InactiveUser):
        services.nudge(session, actor=stand_in, item_id=item.id, now=now)


def test_the_office_dashboard_names_who_holds_stuck_items(
    session: Session, world: World, now: datetime
) -> None:
    head = world.user(Role.HEAD)
    stand_in = person(session, world, [Role.DEPUTY_HEAD], now, name="李四")
    stuck = item_in_state(session, world, State.HEAD_REVIEW, now - 10 * DAY)
    delegate(session, head, head, stand_in, now, ["head_review"])
    session.flush()
    rows = [r for r in dashboard(session, now).stuck.rows if r.item_id == stuck.id]
    assert [[(h.name, h.for_name) for h in r.holding.holders] for r in rows if r.holding] == [
        [(head.name, None), ("李四", head.name)]
    ]


def test_an_editor_nudging_is_not_told_themselves(
    session: Session, world: World, now: datetime
) -> None:
    item = item_in_state(session, world, State.OFFICE_REVIEW, now)
    assert world.office_editor is not None
    outcome = services.nudge(session, actor=world.office_editor, item_id=item.id, now=now)
    (nudged,) = outcome.events
    assert isinstance(nudged, ItemNudged)
    assert world.office_editor.id not in nudged.reviewer_ids
    assert world.user(Role.OFFICE_EDITOR, "office").id in nudged.reviewer_ids
