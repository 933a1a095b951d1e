"""The office's holiday overrides (节假日与调休): one day set or removed by hand, or a
whole CSV of the State Council notice stored (`workflow.holidays` reads it). Services in
the runner's shape (`workflow.runner.run`): the file is checked row by row before
anything is written, and each change returns its administrators' log entry."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from workflow import admin_log
from workflow.errors import NotFound
from workflow.holidays import HolidayRow, read_csv, store
from workflow.models import HolidayOverride, User
from workflow.outcome import LogEntry, Outcome, done
from workflow.timezones import local_day

HOLIDAY_FIELDS = ("is_workday", "note")


@dataclass(frozen=True)
class Upload:
    days: int
    rows: list[HolidayRow]

    @property
    def years(self) -> list[int]:
        return sorted({r.day.year for r in self.rows})


def set_day(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    day: date,
    is_workday: bool,
    note: str = "",
) -> Outcome[bool]:
    """Make `day` a working day or a holiday (a single change, e.g. a typhoon closure:
    its year stays as provisional as it was). False when it already was so."""
    existing = session.get(HolidayOverride, day)
    before = admin_log.snapshot(existing, HOLIDAY_FIELDS) if existing else None
    store(session, [HolidayRow(day, is_workday, note)], now, complete=False)
    after = {"is_workday": is_workday, "note": note}
    changes = {
        k: [before[k] if before else None, v]
        for k, v in after.items()
        if before is None or before[k] != v
    }
    if not changes:
        return done(False)
    key = day.isoformat()
    return done(True, (), LogEntry("holiday.set", "holiday", key, key, changes))


def upload(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    data: bytes,
    filename: str,
    complete: bool = True,
) -> Outcome[Upload]:
    """Store a CSV of 日期,是否上班,备注. HolidayFileError (naming the file and the row)
    before anything is written. `complete`: a whole year's notice, so its years stop
    being provisional."""
    rows = read_csv(data, filename, today=local_day(now))  # years near the service's now
    count = store(session, rows, now, complete=complete)
    result = Upload(count, rows)
    changes = admin_log.facts(
        file=filename,
        sha256=hashlib.sha256(data).hexdigest(),
        days=count,
        years="、".join(str(y) for y in result.years),
        partial=None if complete else True,
    )
    return done(result, (), LogEntry("holiday.upload", "calendar", None, filename, changes))


def remove_day(session: Session, *, actor: User | None, now: datetime, day: date) -> Outcome[None]:
    row = session.get(HolidayOverride, day)
    if row is None:
        raise NotFound(f"no holiday override on {day.isoformat()}")
    changes = admin_log.removed(admin_log.snapshot(row, HOLIDAY_FIELDS))
    session.delete(row)
    session.flush()
    key = day.isoformat()
    return done(None, (), LogEntry("holiday.remove", "holiday", key, key, changes))
