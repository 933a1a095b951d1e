"""The legal clocks of the 依申请公开 register on the real 2026 calendar (issue 19):
20 working days across National Day, a 补正 restarting the count, a third-party
consultation left out, one extension and no second, and a count running into a year
whose calendar is not entered (provisional)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.factories import World
from workflow.audit import AuditTrailIsAppendOnly
from workflow.calendar import WorkCalendar
from workflow.deadlines.due import load_calendar
from workflow.disclosure import clock, history
from workflow.disclosure.states import RequestState
from workflow.errors import NotAllowed
from workflow.models import CalendarYear, DisclosureRequest, User
from workflow.services import disclosure as svc

CAL = WorkCalendar()


def at(day: date, hour: int = 2) -> datetime:
    """10:00 in Beijing on `day`."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def office(w: World) -> User:
    assert w.office_editor is not None
    return w.office_editor


def registered(session: Session, w: World, received: date) -> DisclosureRequest:
    data = svc.RequestInput(
        received_on=received,
        channel="online",
        applicant_type="person",
        applicant_name="张三",
        content="申请公开本区2026年义务教育阶段学校招生划片方案",
        info_requested="2026年义务教育招生划片方案",
    )
    request = svc.register(session, actor=office(w), now=at(received), data=data).value
    return svc.route(
        session,
        actor=office(w),
        now=at(received),
        request_id=request.id,
        expected_version=request.version,
        unit_id=w.unit_a.id,
        reason="该信息由区教育局制作并保存",
    ).value


def test_twenty_working_days_across_national_day(session: Session, w: World) -> None:
    request = registered(session, w, date(2026, 9, 28))
    # 9-29, 9-30, then the holiday 10-1…10-7, the Saturday 10-10 worked (调休) …
    assert request.due_on == date(2026, 10, 30)
    assert not request.due_provisional
    # Monday–Friday counting would be a week early: the holidays matter.
    assert date(2026, 9, 28) < date(2026, 10, 26) < request.due_on
    left = clock.remaining(svc.facts(request), CAL, date(2026, 10, 8))
    assert (left.workdays, left.paused, left.overdue) == (17, None, False)
    late = clock.remaining(svc.facts(request), CAL, date(2026, 11, 3))
    assert late.overdue and late.workdays == -2  # 11-2 and 11-3


def test_correction_asked_on_day_five_restarts_the_count(session: Session, w: World) -> None:
    request = registered(session, w, date(2026, 9, 28))
    day5 = CAL.add_workdays(date(2026, 9, 28), 5).date
    assert day5 == date(2026, 10, 10)  # the Saturday worked after National Day
    request = svc.ask_correction(
        session,
        actor=office(w),
        now=at(day5),
        request_id=request.id,
        expected_version=request.version,
        note="请明确所需信息的学段和年份",
    ).value
    assert request.state == RequestState.CORRECTION
    paused = clock.remaining(svc.facts(request), CAL, date(2026, 10, 15))
    assert paused.paused == "correction" and paused.workdays == 20
    arrived = date(2026, 10, 20)  # ten days later
    request = svc.correction_received(
        session,
        actor=office(w),
        now=at(arrived),
        request_id=request.id,
        expected_version=request.version,
        received_on=arrived,
    ).value
    assert request.state == RequestState.HANDLING
    # 20 working days from the correction's arrival, not from the first receipt.
    assert request.due_on == date(2026, 11, 17) == CAL.add_workdays(arrived, 20).date
    assert request.due_on > date(2026, 10, 30)


def test_correction_after_seven_working_days_is_refused(session: Session, w: World) -> None:
    request = registered(session, w, date(2026, 9, 28))
    day8 = CAL.add_workdays(date(2026, 9, 28), 8).date
    with pytest.raises(svc.DisclosureRefused) as refused:
        svc.ask_correction(
            session,
            actor=office(w),
            now=at(day8),
            request_id=request.id,
            expected_version=request.version,
            note="请补正",
        )
    assert refused.value.reason == "correction_late"
    assert refused.value.params == {"day": "2026-10-13"}  # the 7th working day


def test_third_party_consultation_of_eight_working_days_is_not_counted(
    session: Session, w: World
) -> None:
    request = registered(session, w, date(2026, 9, 28))
    request = svc.consult(
        session,
        actor=office(w),
        now=at(date(2026, 10, 12)),
        request_id=request.id,
        expected_version=request.version,
        note="涉及第三方商业秘密，书面征求第三方意见",
    ).value
    assert request.state == RequestState.CONSULTING
    frozen = clock.remaining(svc.facts(request), CAL, date(2026, 10, 20))
    assert frozen.paused == "consulting"
    assert frozen.workdays == CAL.count_workdays(date(2026, 10, 12), date(2026, 10, 30))[0] == 14
    request = svc.consult_end(
        session,
        actor=office(w),
        now=at(date(2026, 10, 22)),  # 10-13…10-22: 8 working days
        request_id=request.id,
        expected_version=request.version,
    ).value
    assert request.paused_workdays == 8
    assert request.due_on == date(2026, 11, 11) == CAL.add_workdays(date(2026, 10, 30), 8).date
    # The days left are those of before the consultation.
    after = clock.remaining(svc.facts(request), CAL, date(2026, 10, 22))
    assert after.workdays == 14 and after.paused is None


def test_one_extension_of_twenty_working_days_and_no_second(session: Session, w: World) -> None:
    request = registered(session, w, date(2026, 9, 28))
    head = w.user("head", "office")
    with pytest.raises(NotAllowed):  # the office editor may not approve it
        svc.extend(
            session,
            actor=office(w),
            now=at(date(2026, 10, 26)),
            request_id=request.id,
            expected_version=request.version,
            workdays=20,
            reason="所需信息量大，需调档检索",
        )
    request = svc.extend(
        session,
        actor=head,
        now=at(date(2026, 10, 26)),
        request_id=request.id,
        expected_version=request.version,
        workdays=20,
        reason="所需信息量大，需调档检索",
    ).value
    assert request.due_on == CAL.add_workdays(date(2026, 9, 28), 40).date == date(2026, 11, 27)
    with pytest.raises(svc.DisclosureRefused) as refused:
        svc.extend(
            session,
            actor=head,
            now=at(date(2026, 11, 20)),
            request_id=request.id,
            expected_version=request.version,
            workdays=5,
            reason="再次延期",
        )
    assert refused.value.reason == "extension_once"
    assert request.due_on == date(2026, 11, 27)


def test_more_than_twenty_days_of_extension_is_refused(session: Session, w: World) -> None:
    request = registered(session, w, date(2026, 9, 28))
    with pytest.raises(svc.DisclosureRefused) as refused:
        svc.extend(
            session,
            actor=w.user("head", "office"),
            now=at(date(2026, 10, 26)),
            request_id=request.id,
            expected_version=request.version,
            workdays=21,
            reason="延期",
        )
    assert refused.value.reason == "extension_days"


def test_a_request_crossing_into_an_unentered_year_is_provisional(
    session: Session, w: World
) -> None:
    assert not CAL.knows(2027)
    request = registered(session, w, date(2026, 12, 14))
    assert request.due_on.year == 2027
    assert request.due_provisional
    assert clock.remaining(svc.facts(request), CAL, date(2026, 12, 15)).provisional
    request_2026 = registered(session, w, date(2026, 11, 2))
    assert not request_2026.due_provisional
    # Once the office enters 2027's notice, the count is no longer provisional.
    session.add(CalendarYear(year=2027, entered_at=at(date(2026, 12, 15)), note="国务院通知"))
    session.flush()
    entered = clock.due(svc.facts(request), load_calendar(session))
    assert not entered.provisional


def test_the_history_is_chained_and_verifies(session: Session, w: World) -> None:
    request = registered(session, w, date(2026, 9, 28))
    rows = history.rows(session, request.id)
    assert [r.action for r in rows] == ["register", "route"]
    assert rows[1].prev_hash == rows[0].hash and request.history_head == rows[1].hash
    assert history.verify(session, request) == []


def test_history_rows_cannot_be_changed(session: Session, w: World) -> None:
    request = registered(session, w, date(2026, 9, 28))
    first = history.rows(session, request.id)[0]
    first.note = "改过的说明"
    with pytest.raises(AuditTrailIsAppendOnly):
        session.flush()


def test_a_row_changed_behind_the_orm_is_found(session: Session, w: World) -> None:
    request = registered(session, w, date(2026, 9, 28))
    row = history.rows(session, request.id)[1]
    session.execute(
        text("UPDATE disclosure_events SET note = :n WHERE id = :i"), {"n": "改过", "i": row.id}
    )
    session.expire_all()
    problems = history.verify(session, request)
    assert problems == [f"row {row.id}: its content does not match its hash"]
