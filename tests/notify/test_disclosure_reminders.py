"""The 依申请公开 register in the reminder scan (issue 19): a request nearing its legal
limit reminds the handling unit's leaders at the columns' thresholds, an overdue one is
told to the supervisors (督办), an overdue 协办 opinion to the office and that unit's
head, a paused clock reminds nobody, and a second scan at the
same moment sends nothing twice."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from notifications.scan import scan
from workflow.disclosure.states import RequestState
from workflow.enums import Role
from workflow.models import DisclosureAssist, DisclosureRequest

from ..conftest import NOW
from ..factories import World, unique
from .test_scan import ALL, cfg, rows, with_contacts


def request(session: Session, world: World, due_on: date, state: str) -> DisclosureRequest:
    assert world.office_editor is not None
    row = DisclosureRequest(
        reference=unique("R"),
        received_on=date(2026, 10, 20),
        channel="online",
        applicant_type="person",
        applicant_name="张三",
        content="申请内容",
        info_requested="所需信息",
        unit_id=world.unit_a.id,
        state=state,
        clock_start=date(2026, 10, 20),
        paused_workdays=0,
        extension_workdays=0,
        due_on=due_on,
        due_provisional=False,
        registered_by_id=world.office_editor.id,
        created_at=NOW,
        updated_at=NOW,
        version=1,
        history_seq=0,
    )
    session.add(row)
    session.flush()
    return row


def test_a_request_nearing_its_limit_reminds_the_units_leaders(
    session: Session, world: World
) -> None:
    with_contacts(world)
    near = request(session, world, date(2026, 11, 24), RequestState.HANDLING)  # 1 working day
    paused = request(session, world, date(2026, 11, 24), RequestState.CORRECTION)
    far = request(session, world, date(2026, 12, 10), RequestState.HANDLING)
    scan(session, NOW, cfg(), ALL)
    found = rows(session, subject=f"disclosure:{near.id}")
    assert {r.threshold for r in found} == {"1wd"}
    assert {r.recipient for r in found} == {
        f"user:{world.user(Role.DEPUTY_HEAD).id}",
        f"user:{world.user(Role.HEAD).id}",
    }
    assert "sms" in {r.channel for r in found}  # 1 working day left: urgent
    assert "依申请公开" in found[0].title
    assert rows(session, subject=f"disclosure:{paused.id}") == []
    assert rows(session, subject=f"disclosure:{far.id}") == []
    before = len(rows(session))
    scan(session, NOW, cfg(), ALL)
    assert len(rows(session)) == before  # the ledger's keys: nothing twice


def test_an_overdue_request_is_told_to_the_supervisors(session: Session, world: World) -> None:
    with_contacts(world)
    late = request(session, world, date(2026, 11, 18), RequestState.REPLY_DRAFTED)
    scan(session, NOW, cfg(), ALL)
    told = rows(session, subject=f"disclosure:{late.id}")
    supervisors = {f"user:{u.id}" for (role, _w), u in world.users.items() if role == "supervisor"}
    people = {r.recipient for r in told if r.recipient.startswith("user:")}
    assert people and people <= supervisors  # and the group robots, as for columns
    assert all(r.threshold == "disclosure_overdue" for r in told)


def test_an_awaited_assisting_opinion_reminds_that_unit(session: Session, world: World) -> None:
    with_contacts(world)
    asked = request(session, world, date(2026, 12, 10), RequestState.HANDLING)
    asked.assists.append(
        DisclosureAssist(
            unit_id=world.unit_b.id, asked_on=date(2026, 11, 20), due_on=date(2026, 11, 25)
        )
    )
    given = request(session, world, date(2026, 12, 10), RequestState.HANDLING)
    given.assists.append(
        DisclosureAssist(
            unit_id=world.unit_b.id,
            asked_on=date(2026, 11, 20),
            due_on=date(2026, 11, 25),
            opinion="经核查，该信息由我单位保存，可以公开。",
        )
    )
    session.flush()
    scan(session, NOW, cfg(), ALL)
    [awaited] = asked.assists
    found = rows(session, subject=f"disclosure_assist:{awaited.id}")
    assert {r.threshold for r in found} == {"3wd"}  # 2 working days left: the 3-day mark
    assert {r.recipient for r in found} == {
        f"user:{world.user(Role.DEPUTY_HEAD, 'b').id}",
        f"user:{world.user(Role.HEAD, 'b').id}",
    }
    assert "协办" in found[0].title
    [answered] = given.assists
    assert rows(session, subject=f"disclosure_assist:{answered.id}") == []


def test_an_overdue_assisting_opinion_is_told_to_the_office_and_that_units_head(
    session: Session, world: World
) -> None:
    with_contacts(world)
    asked = request(session, world, date(2026, 12, 10), RequestState.HANDLING)
    asked.assists.append(
        DisclosureAssist(
            unit_id=world.unit_b.id, asked_on=date(2026, 11, 12), due_on=date(2026, 11, 19)
        )
    )
    answered = request(session, world, date(2026, 12, 10), RequestState.ANSWERED)
    answered.assists.append(
        DisclosureAssist(
            unit_id=world.unit_b.id, asked_on=date(2026, 11, 12), due_on=date(2026, 11, 19)
        )
    )
    session.flush()
    scan(session, NOW, cfg(), ALL)
    [late] = asked.assists
    told = rows(session, subject=f"disclosure_assist:{late.id}")
    assert told and all(r.threshold == "assist_overdue" for r in told)
    # Asked 11-12, due 11-19, today 11-23: 7 working days since it was asked.
    assert {r.title for r in told} == {
        f"【督办】{world.unit_b.name}《政府信息公开申请{asked.reference}的协办意见》在协办环节滞留7个工作日"
    }
    people = {r.recipient for r in told if r.recipient.startswith("user:")}
    editors = {f"user:{u.id}" for (role, _w), u in world.users.items() if role == "office_editor"}
    assert f"user:{world.user(Role.HEAD, 'b').id}" in people
    assert editors and editors <= people
    assert f"user:{world.user(Role.DEPUTY_HEAD, 'b').id}" not in people
    [gone] = answered.assists
    assert rows(session, subject=f"disclosure_assist:{gone.id}") == []  # the request is done
    before = len(rows(session))
    scan(session, NOW, cfg(), ALL)
    assert len(rows(session)) == before  # once a day while it lasts
