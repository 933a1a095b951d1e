"""The legal clock of a request for disclosure, in working days (workflow.calendar).

《政府信息公开条例》(2019):
- art. 33: answered within 20 working days of receipt; the receipt day is day 0 and
  counting starts the next day (民法典 art. 201), so the due date is the 20th working day
  after it. Extendable once, by at most 20 working days, with the approval of the
  office's head (a second extension is refused).
- art. 30: corrections (补正) are asked for within 7 working days of receipt; the time
  limit is then counted from the day the corrected request arrives, that day being the
  new day 0 (the whole 20 days start again; the time before is not kept).
- art. 32: time spent consulting a third party is not counted; the third party has 15
  working days to answer, so at most 15 working days of a consultation are left out.
A count that touches a year the calendar does not know is provisional (the calendar's
flag), shown as such until the office enters that year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from workflow.calendar import Due, WorkCalendar

ANSWER_WORKDAYS = 20  # art. 33
MAX_EXTENSION_WORKDAYS = 20  # art. 33
CORRECTION_WITHIN_WORKDAYS = 7  # art. 30
THIRD_PARTY_WORKDAYS = 15  # art. 32


@dataclass(frozen=True)
class ClockFacts:
    clock_start: date  # the receipt, or the day the correction arrived
    paused_workdays: int = 0  # third-party consultation days already left out
    extension_workdays: int = 0
    consult_since: date | None = None  # a consultation still running
    waiting_correction: bool = False
    answered_on: date | None = None


@dataclass(frozen=True)
class Remaining:
    """What the pages show: "剩余 N 个工作日", "已超期 N 个工作日", or paused."""

    due: Due
    workdays: int  # left (≥ 0) or, when overdue, the negative of the days late
    paused: str | None  # None, "correction" or "consulting"
    provisional: bool

    @property
    def overdue(self) -> bool:
        return self.workdays < 0


def due(facts: ClockFacts, calendar: WorkCalendar) -> Due:
    """The last day to answer on the facts as they stand (a running consultation adds
    nothing yet: its days are added when it ends)."""
    total = ANSWER_WORKDAYS + facts.paused_workdays + facts.extension_workdays
    return calendar.add_workdays(facts.clock_start, total)


def correction_deadline(received_on: date, calendar: WorkCalendar) -> Due:
    """The last day to ask for corrections (art. 30)."""
    return calendar.add_workdays(received_on, CORRECTION_WITHIN_WORKDAYS)


def consultation_days(since: date, until: date, calendar: WorkCalendar) -> tuple[int, bool]:
    """Working days of a consultation from `since` to `until` left out of the count:
    those in (since, until], at most THIRD_PARTY_WORKDAYS."""
    days, provisional = calendar.count_workdays(since, until)
    return min(days, THIRD_PARTY_WORKDAYS), provisional


def remaining(facts: ClockFacts, calendar: WorkCalendar, today: date) -> Remaining:
    """Working days left at `today`. Paused while the correction is awaited (the count
    starts again from its arrival: 20 days shown) or frozen at the consultation's start."""
    when = due(facts, calendar)
    if facts.waiting_correction:
        return Remaining(when, ANSWER_WORKDAYS, "correction", when.provisional)
    upto = facts.answered_on or today
    paused = None
    if facts.consult_since is not None:
        upto, paused = min(upto, facts.consult_since), "consulting"
    if upto <= when.date:
        left, guessed = calendar.count_workdays(upto, when.date)
        return Remaining(when, left, paused, when.provisional or guessed)
    late, guessed = calendar.count_workdays(when.date, upto)
    return Remaining(when, -max(late, 1), paused, when.provisional or guessed)
