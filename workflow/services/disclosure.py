"""The writes of the 依申请公开 register, in the runner's shape (workflow.runner.run):
each checks who acts and whether the request's state allows it (workflow.disclosure.
states), writes the change and one hash-chained history row, recomputes the due date,
and returns an Outcome. Refusals are `DisclosureRefused` with a code the pages translate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.calendar import WorkCalendar
from workflow.deadlines.due import load_calendar
from workflow.disclosure import clock, history, reply
from workflow.disclosure.outcomes import OUTCOMES, ApplicantType, Channel
from workflow.disclosure.states import RequestAction, RequestState, after
from workflow.enums import Role
from workflow.errors import NotAllowed, NotFound, StaleVersion, ValidationFailed
from workflow.events import DisclosureChanged
from workflow.models import DisclosureAssist, DisclosureRequest, Unit, User
from workflow.outcome import Outcome, done
from workflow.timezones import local_day

A, S = RequestAction, RequestState
TEXT_MAX = 5000


class DisclosureRefused(ValidationFailed):
    """A refused register write; `reason` names the rule (the pages' message key) and
    `params` its values."""

    code = "disclosure_refused"

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(f"{reason}: {params}" if params else reason)
        self.reason = reason
        self.params = params


# ----------------------------------------------------------------- who may act


def is_office_staff(user: User) -> bool:
    """The office's people who register, route, pause and send (区政府办)."""
    return (
        user.active
        and user.unit.is_office
        and bool(user.roles & {Role.OFFICE_EDITOR, Role.SUPERVISOR, Role.HEAD, Role.DEPUTY_HEAD})
    )


def is_office_head(user: User) -> bool:
    """Who approves an extension (art. 33: 政府信息公开工作机构负责人)."""
    return user.active and user.unit.is_office and user.has_role(Role.HEAD)


def handles(user: User, request: DisclosureRequest) -> bool:
    """The handling unit's people, or the office."""
    return is_office_staff(user) or (user.active and user.unit_id == request.unit_id)


def may_review(user: User, request: DisclosureRequest) -> bool:
    if not user.active or user.id == request.reply_drafted_by_id:
        return False
    if request.reviewer_id is not None:
        return user.id == request.reviewer_id
    return user.unit_id == request.unit_id and bool(user.roles & {Role.DEPUTY_HEAD, Role.HEAD})


def can_view(user: User, request: DisclosureRequest) -> bool:
    if is_office_staff(user) or user.has_role(Role.ADMIN) or user.has_role(Role.SUPERVISOR):
        return True
    if user.unit_id == request.unit_id or user.id == request.reviewer_id:
        return True
    return any(a.unit_id == user.unit_id for a in request.assists)


def _require(allowed: bool) -> None:
    if not allowed:
        raise NotAllowed("not allowed on this request")


# ----------------------------------------------------------------- helpers


@dataclass(frozen=True)
class RequestInput:
    received_on: date
    channel: str
    applicant_type: str
    applicant_name: str
    content: str
    info_requested: str


def _text(value: str | None, field: str, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DisclosureRefused("required", field=field)
    if len(text) > TEXT_MAX:
        raise DisclosureRefused("too_long", field=field, max=TEXT_MAX)
    return text


def _day(value: date, today: date, field: str, not_before: date | None = None) -> date:
    if value > today:
        raise DisclosureRefused("future_date", field=field)
    if not_before is not None and value < not_before:
        raise DisclosureRefused("date_before", field=field, day=not_before.isoformat())
    return value


def _refresh_due(request: DisclosureRequest, calendar: WorkCalendar) -> None:
    when = clock.due(facts(request), calendar)
    request.due_on, request.due_provisional = when.date, when.provisional


def facts(request: DisclosureRequest) -> clock.ClockFacts:
    return clock.ClockFacts(
        clock_start=request.clock_start,
        paused_workdays=request.paused_workdays or 0,
        extension_workdays=request.extension_workdays or 0,
        consult_since=request.consult_since,
        waiting_correction=request.state == S.CORRECTION,
        answered_on=request.answered_on,
    )


def _load(session: Session, request_id: int, expected_version: int | None) -> DisclosureRequest:
    # Locked for the transaction (PostgreSQL; SQLite's writes are serialised by the
    # runner), so a concurrent write waits and then finds the version moved on.
    request = session.get(DisclosureRequest, request_id, with_for_update=True)
    if request is None:
        raise NotFound(f"no request {request_id}")
    if expected_version is not None and request.version != expected_version:
        raise StaleVersion(f"request {request_id} changed")
    return request


def _step(
    session: Session,
    request: DisclosureRequest,
    action: RequestAction,
    *,
    actor: User,
    now: datetime,
    note: str | None = None,
    changes: Mapping[str, Any] | None = None,
) -> Outcome[DisclosureRequest]:
    """Move the request (already changed by the caller), chain its history row, bump
    its version, recompute the due date, and say so."""
    before = request.state
    request.state = after(before, action, has_unit=request.unit_id is not None)
    request.version += 1
    request.updated_at = now
    _refresh_due(request, load_calendar(session))
    history.append(
        session,
        request,
        action=action,
        from_state=before,
        actor=actor,
        now=now,
        note=note,
        facts=changes,
    )
    session.flush()
    event = DisclosureChanged(request.id, str(action), request.unit_id, actor.id)
    return done(request, (event,))


def _check_state(request: DisclosureRequest, action: RequestAction) -> None:
    after(request.state, action, has_unit=request.unit_id is not None)


def _next_reference(session: Session, year: int) -> str:
    """The year's next 登记编号, 2026-0001 onwards."""
    taken = set(
        session.execute(
            select(DisclosureRequest.reference).where(DisclosureRequest.reference.like(f"{year}-%"))
        ).scalars()
    )
    number = len(taken) + 1
    while f"{year}-{number:04d}" in taken:
        number += 1
    return f"{year}-{number:04d}"


# ----------------------------------------------------------------- the services


def register(
    session: Session, *, actor: User | None, now: datetime, data: RequestInput
) -> Outcome[DisclosureRequest]:
    """Enter a request received on `data.received_on` (today or earlier)."""
    assert actor is not None
    _require(is_office_staff(actor))
    today = local_day(now)
    received = _day(data.received_on, today, "received_on")
    if data.channel not in Channel.__members__.values():
        raise DisclosureRefused("choice", field="channel")
    if data.applicant_type not in ApplicantType.__members__.values():
        raise DisclosureRefused("choice", field="applicant_type")
    reference = _next_reference(session, received.year)
    request = DisclosureRequest(
        reference=reference,
        received_on=received,
        channel=data.channel,
        applicant_type=data.applicant_type,
        applicant_name=_text(data.applicant_name, "applicant_name")[:200],
        content=_text(data.content, "content"),
        info_requested=_text(data.info_requested, "info_requested"),
        state=S.RECEIVED,
        clock_start=received,
        paused_workdays=0,
        extension_workdays=0,
        registered_by_id=actor.id,
        created_at=now,
        updated_at=now,
        version=1,
        history_seq=0,
    )
    _refresh_due(request, load_calendar(session))
    session.add(request)
    session.flush()
    history.append(
        session,
        request,
        action=A.REGISTER,
        from_state=None,
        actor=actor,
        now=now,
        facts={"received_on": received.isoformat(), "due_on": request.due_on.isoformat()},
    )
    session.flush()
    # No administrators' log entry: the request's own history is its audit trail.
    return done(request, (DisclosureChanged(request.id, "register", None, actor.id),))


def route(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    request_id: int,
    expected_version: int | None,
    unit_id: int,
    reason: str,
    reviewer_id: int | None = None,
) -> Outcome[DisclosureRequest]:
    """转办: the unit that holds the information handles the request; `reviewer_id` a
    user who reviews the reply instead of the unit's leaders (a legal adviser)."""
    assert actor is not None
    request = _load(session, request_id, expected_version)
    _require(is_office_staff(actor))
    _check_state(request, A.ROUTE)
    unit = session.get(Unit, unit_id)
    if unit is None or not unit.active:
        raise DisclosureRefused("no_unit")
    if reviewer_id is not None:
        reviewer = session.get(User, reviewer_id)
        if reviewer is None or not reviewer.active:
            raise DisclosureRefused("no_reviewer")
    request.unit_id = unit.id
    request.route_reason = _text(reason, "reason")
    request.reviewer_id = reviewer_id
    return _step(
        session,
        request,
        A.ROUTE,
        actor=actor,
        now=now,
        note=request.route_reason,
        changes={"unit": unit.name, "reviewer_id": reviewer_id},
    )


def ask_correction(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    request_id: int,
    expected_version: int | None,
    note: str,
) -> Outcome[DisclosureRequest]:
    """Ask the applicant to correct the request (art. 30: within 7 working days of
    receipt); the clock stops."""
    assert actor is not None
    request = _load(session, request_id, expected_version)
    _require(handles(actor, request))
    _check_state(request, A.ASK_CORRECTION)
    if request.correction_asked_on is not None:
        raise DisclosureRefused("correction_once")
    today = local_day(now)
    last = clock.correction_deadline(request.received_on, load_calendar(session))
    if today > last.date:
        raise DisclosureRefused("correction_late", day=last.date.isoformat())
    request.correction_asked_on = today
    return _step(
        session,
        request,
        A.ASK_CORRECTION,
        actor=actor,
        now=now,
        note=_text(note, "note"),
        changes={"asked_on": today.isoformat()},
    )


def correction_received(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    request_id: int,
    expected_version: int | None,
    received_on: date,
    note: str = "",
) -> Outcome[DisclosureRequest]:
    """The corrected request arrived on `received_on`: the 20 days count from that day."""
    assert actor is not None
    request = _load(session, request_id, expected_version)
    _require(handles(actor, request))
    _check_state(request, A.CORRECTION_RECEIVED)
    asked = request.correction_asked_on or request.received_on
    day = _day(received_on, local_day(now), "received_on", not_before=asked)
    request.clock_start = day
    request.paused_workdays = 0
    return _step(
        session,
        request,
        A.CORRECTION_RECEIVED,
        actor=actor,
        now=now,
        note=_text(note, "note", required=False) or None,
        changes={"received_on": day.isoformat()},
    )


def close_uncorrected(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    request_id: int,
    expected_version: int | None,
    note: str,
) -> Outcome[DisclosureRequest]:
    """The applicant did not correct the request in time: it is not processed further
    (其他处理 1)."""
    assert actor is not None
    request = _load(session, request_id, expected_version)
    _require(is_office_staff(actor))
    _check_state(request, A.CLOSE_UNCORRECTED)
    request.outcome = "other_uncorrected"
    request.answered_on = local_day(now)
    return _step(
        session,
        request,
        A.CLOSE_UNCORRECTED,
        actor=actor,
        now=now,
        note=_text(note, "note"),
        changes={"outcome": request.outcome},
    )


def consult(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    request_id: int,
    expected_version: int | None,
    note: str,
) -> Outcome[DisclosureRequest]:
    """Consult a third party (art. 32): the clock stops from today."""
    assert actor is not None
    request = _load(session, request_id, expected_version)
    _require(handles(actor, request))
    _check_state(request, A.CONSULT)
    request.consult_since = local_day(now)
    return _step(
        session,
        request,
        A.CONSULT,
        actor=actor,
        now=now,
        note=_text(note, "note"),
        changes={"since": request.consult_since.isoformat()},
    )


def consult_end(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    request_id: int,
    expected_version: int | None,
    note: str = "",
) -> Outcome[DisclosureRequest]:
    """The third party answered (or its 15 working days ran out): the working days of
    the consultation, at most 15, are added to the time limit."""
    assert actor is not None
    request = _load(session, request_id, expected_version)
    _require(handles(actor, request))
    _check_state(request, A.CONSULT_END)
    since = request.consult_since or local_day(now)
    days, _guess = clock.consultation_days(since, local_day(now), load_calendar(session))
    request.paused_workdays = (request.paused_workdays or 0) + days
    request.consult_since = None
    return _step(
        session,
        request,
        A.CONSULT_END,
        actor=actor,
        now=now,
        note=_text(note, "note", required=False) or None,
        changes={"workdays_not_counted": days},
    )


def extend(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    request_id: int,
    expected_version: int | None,
    workdays: int,
    reason: str,
) -> Outcome[DisclosureRequest]:
    """Extend the time limit once by 1–20 working days, approved by the office's head."""
    assert actor is not None
    request = _load(session, request_id, expected_version)
    _require(is_office_head(actor))
    _check_state(request, A.EXTEND)
    if request.extension_workdays:
        raise DisclosureRefused("extension_once")
    if not 1 <= workdays <= clock.MAX_EXTENSION_WORKDAYS:
        raise DisclosureRefused("extension_days", max=clock.MAX_EXTENSION_WORKDAYS)
    request.extension_workdays = workdays
    request.extended_by_id = actor.id
    return _step(
        session,
        request,
        A.EXTEND,
        actor=actor,
        now=now,
        note=_text(reason, "reason"),
        changes={"workdays": workdays},
    )


def ask_assist(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    request_id: int,
    expected_version: int | None,
    unit_id: int,
    due_on: date,
) -> Outcome[DisclosureRequest]:
    """Ask another unit for its written 协办 opinion by `due_on`."""
    assert actor is not None
    request = _load(session, request_id, expected_version)
    _require(handles(actor, request))
    _check_state(request, A.ASSIST)
    unit = session.get(Unit, unit_id)
    if unit is None or not unit.active or unit.id == request.unit_id:
        raise DisclosureRefused("assist_unit")
    if any(a.unit_id == unit.id for a in request.assists):
        raise DisclosureRefused("assist_twice")
    today = local_day(now)
    if due_on < today or due_on > request.due_on:
        raise DisclosureRefused("assist_due", day=request.due_on.isoformat())
    request.assists.append(DisclosureAssist(unit_id=unit.id, asked_on=today, due_on=due_on))
    return _step(
        session,
        request,
        A.ASSIST,
        actor=actor,
        now=now,
        changes={"unit": unit.name, "due_on": due_on.isoformat()},
    )


def assist_opinion(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    request_id: int,
    expected_version: int | None,
    opinion: str,
) -> Outcome[DisclosureRequest]:
    """The actor's unit gives its written 协办 opinion."""
    assert actor is not None
    request = _load(session, request_id, expected_version)
    _check_state(request, A.ASSIST_OPINION)
    asked = next((a for a in request.assists if a.unit_id == actor.unit_id), None)
    _require(asked is not None and actor.active)
    assert asked is not None
    asked.opinion = _text(opinion, "opinion")
    asked.answered_by_id = actor.id
    asked.answered_at = now
    return _step(
        session,
        request,
        A.ASSIST_OPINION,
        actor=actor,
        now=now,
        note=asked.opinion,
        changes={"unit_id": asked.unit_id},
    )


def draft_reply(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    request_id: int,
    expected_version: int | None,
    outcome: str,
    text: str | None = None,
) -> Outcome[DisclosureRequest]:
    """Draft (or redraft) the 答复书 with its outcome; empty text: the template's."""
    assert actor is not None
    request = _load(session, request_id, expected_version)
    _require(handles(actor, request))
    _check_state(request, A.DRAFT_REPLY)
    if outcome not in OUTCOMES:
        raise DisclosureRefused("choice", field="outcome")
    unit = session.get(Unit, request.unit_id) if request.unit_id else None
    body = _text(text, "reply", required=False) or reply.draft(
        applicant=request.applicant_name,
        received_on=request.received_on,
        info_requested=request.info_requested,
        outcome=outcome,
        unit_name=unit.name if unit else "",
        today=local_day(now),
    )
    request.outcome = outcome
    request.reply_text = body
    request.reply_drafted_by_id = actor.id
    return _step(
        session, request, A.DRAFT_REPLY, actor=actor, now=now, changes={"outcome": outcome}
    )


def approve_reply(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    request_id: int,
    expected_version: int | None,
    comment: str = "",
) -> Outcome[DisclosureRequest]:
    assert actor is not None
    request = _load(session, request_id, expected_version)
    _require(may_review(actor, request))
    _check_state(request, A.APPROVE_REPLY)
    return _step(
        session,
        request,
        A.APPROVE_REPLY,
        actor=actor,
        now=now,
        note=_text(comment, "comment", required=False) or None,
    )


def return_reply(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    request_id: int,
    expected_version: int | None,
    comment: str,
) -> Outcome[DisclosureRequest]:
    assert actor is not None
    request = _load(session, request_id, expected_version)
    _require(may_review(actor, request) or is_office_staff(actor))
    _check_state(request, A.RETURN_REPLY)
    return _step(
        session, request, A.RETURN_REPLY, actor=actor, now=now, note=_text(comment, "comment")
    )


def answer(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    request_id: int,
    expected_version: int | None,
) -> Outcome[DisclosureRequest]:
    """The reviewed reply goes out today: the request is answered."""
    assert actor is not None
    request = _load(session, request_id, expected_version)
    _require(is_office_staff(actor) or (handles(actor, request) and may_review(actor, request)))
    _check_state(request, A.ANSWER)
    request.answered_on = local_day(now)
    return _step(
        session,
        request,
        A.ANSWER,
        actor=actor,
        now=now,
        changes={"outcome": request.outcome, "answered_on": request.answered_on.isoformat()},
    )
