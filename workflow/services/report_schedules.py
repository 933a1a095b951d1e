"""The reports the office has mailed every month (ReportSchedule): the monthly 考核
workbook or seed 002's submission spreadsheet ("以表格形式同步报送至政务公开领导小组邮箱"),
to mailboxes, on a day of the month. The mailing is notifications.report_mail's."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.orm import Session

from workflow.errors import NotAllowed, NotFound
from workflow.models import ReportSchedule, User
from workflow.outcome import LogEntry, Outcome, done
from workflow.services.disclosure import DisclosureRefused, is_office_staff

KINDS = ("assessment", "submissions")
# The reports' names as the administrators' log shows them (the files' own titles).
KIND_NAMES = {"assessment": "政务公开栏目月度考核表", "submissions": "政务公开信息报送情况表"}
MAILBOX = re.compile(r"[^@\s,;<>\"']+@[^@\s,;<>\"']+\.[A-Za-z]{2,}")
MAX_RECIPIENTS = 20


def mailboxes(text: str) -> list[str]:
    """The addresses of a recipients field (one a line, or separated by , ; or spaces);
    DisclosureRefused naming the first that is not an address."""
    found = [part for part in re.split(r"[\s,;，；]+", text or "") if part]
    for part in found:
        if not MAILBOX.fullmatch(part) or len(part) > 90:
            raise DisclosureRefused("mailbox", value=part[:60])
    if not found:
        raise DisclosureRefused("required", field="recipients")
    if len(found) > MAX_RECIPIENTS:
        raise DisclosureRefused("too_many", max=MAX_RECIPIENTS)
    return list(dict.fromkeys(found))


def save_schedule(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    kind: str,
    recipients: str,
    day_of_month: int,
    active: bool = True,
    schedule_id: int | None = None,
) -> Outcome[ReportSchedule]:
    """Add a schedule, or change one (`schedule_id`)."""
    assert actor is not None
    if not is_office_staff(actor):
        raise NotAllowed("only the office schedules reports")
    if kind not in KINDS:
        raise DisclosureRefused("choice", field="kind")
    if not 1 <= day_of_month <= 28:
        raise DisclosureRefused("day_of_month")
    addresses = mailboxes(recipients)
    if schedule_id is None:
        schedule = ReportSchedule(kind=kind)
        session.add(schedule)
    else:
        found = session.get(ReportSchedule, schedule_id)
        if found is None:
            raise NotFound(f"no schedule {schedule_id}")
        schedule = found
    schedule.kind = kind
    schedule.recipients = "\n".join(addresses)
    schedule.day_of_month = day_of_month
    schedule.active = active
    schedule.updated_at = now
    schedule.updated_by_id = actor.id
    session.flush()
    changes = {
        "kind": [None, KIND_NAMES[kind]],
        "recipients": [None, "、".join(addresses)],
        "day_of_month": [None, day_of_month],
        "active": [None, active],
    }
    label = KIND_NAMES[kind]
    return done(
        schedule, (), LogEntry("report.schedule", "report_schedule", schedule.id, label, changes)
    )
