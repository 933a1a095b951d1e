"""What the views share: the clock, the acting user, running a service and committing,
who may see an item, working-day counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import abort, current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user

from web import ID_MAX, db_session
from web.errors import InputRefused
from web.events import dispatch
from workflow import runner
from workflow.calendar import WorkCalendar
from workflow.deadlines.due import load_calendar
from workflow.enums import Role
from workflow.models import Item, User
from workflow.outcome import Outcome

T = TypeVar("T")


def now() -> datetime:
    """The request's clock (tests may set SANSHEN_CLOCK to a callable)."""
    clock = current_app.config.get("SANSHEN_CLOCK")
    return clock() if clock else datetime.now(UTC)


def tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["SANSHEN"].TIMEZONE)


def today() -> date:
    return now().astimezone(tz()).date()


def as_id(value: str | None) -> int | None:
    """A database id typed or linked by a user: ASCII digits within INTEGER, else None
    (str.isdigit alone admits ² and ①, and a huge number overflows the driver)."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit() and len(value) <= 10 and int(value) <= ID_MAX:
        return int(value)
    return None


PAGE_MAX = 100_000  # a page number beyond any real listing (and any SQL OFFSET range)
YEAR_MIN, YEAR_MAX = 1900, 2100  # the years a page or report can be asked about


def arg_page(name: str = "page") -> int:
    """A page number from the query string: garbage is page 1, beyond PAGE_MAX the last
    page anyone could mean (an OFFSET that large overflows the database's integers)."""
    raw = (request.args.get(name) or "").strip()
    if not (raw.isascii() and raw.isdigit()):
        return 1
    return PAGE_MAX if len(raw) > 6 else min(max(int(raw), 1), PAGE_MAX)


def arg_year(name: str = "year", default: int | None = None) -> int:
    """A year from the query string (default: this year); one outside YEAR_MIN–YEAR_MAX
    is refused with a message (dates there overflow the calendar and the database)."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default if default is not None else today().year
    if raw.isascii() and raw.isdigit() and len(raw) <= 4 and YEAR_MIN <= int(raw) <= YEAR_MAX:
        return int(raw)
    raise InputRefused(
        _(
            "年份“%(value)s”无效：请填写%(lo)s至%(hi)s之间的年份。",
            value=raw[:20],
            lo=YEAR_MIN,
            hi=YEAR_MAX,
        )
    )


def as_day(value: str | None) -> date | None:
    """A day typed in a filter (YYYY-MM-DD), or None when empty, malformed or outside
    YEAR_MIN–YEAR_MAX (far-off years overflow the day-after and time-zone arithmetic)."""
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day is None or YEAR_MIN <= day.year <= YEAR_MAX else None


def arg_id(name: str) -> int | None:
    """An id filter from the query string (unit, column…): anything but a valid id is
    no filter at all."""
    return as_id(request.args.get(name))


def actor() -> User:
    user: User = current_user.user
    return user


def calendar() -> WorkCalendar:
    if "calendar" not in g:
        g.calendar = load_calendar(db_session())
    cal: WorkCalendar = g.calendar
    return cal


def workdays_since(moment: datetime) -> int:
    return workdays_since_many([moment])[0]


def workdays_since_many(moments: list[datetime]) -> list[int]:
    """Working days from each moment's local date to today, walking the calendar once
    (an inbox of hundreds of items asks about a few dozen distinct days)."""
    if not moments:
        return []
    local = [m.astimezone(tz()).date() for m in moments]
    end = today()
    start = min(local)
    cal = calendar()
    # prefix[d] = working days in (start, d]
    prefix: dict[date, int] = {start: 0}
    day, count = start, 0
    while day < end:
        day += timedelta(days=1)
        count += cal.is_workday(day)[0]
        prefix[day] = count
    total = prefix.get(end, 0)
    return [max(total - prefix.get(d, total), 0) for d in local]


def run(service: Callable[..., Outcome[T]], **kwargs: Any) -> Outcome[T]:
    """Call a workflow service as the current user through `workflow.runner`: one
    transaction (commit, with its administrators' log entries; rollback on any error),
    then the events to the app's handlers after the commit."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return runner.run(
        db_session(),
        service,
        actor=actor(),
        now=now(),
        dispatch=lambda events: dispatch(app, events),
        **kwargs,
    )


def run_as(user: User | None, service: Callable[..., Outcome[T]], /, **kwargs: Any) -> Outcome[T]:
    """`run` for a request whose actor is not the logged-in user: the user logging in,
    or nobody (None) for a public calendar feed."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return runner.run(
        db_session(),
        service,
        actor=user,
        now=now(),
        dispatch=lambda events: dispatch(app, events),
        **kwargs,
    )


def can_view(user: User, item: Item) -> bool:
    if user.unit_id == item.unit_id:
        return True
    if user.has_role(Role.ADMIN) or user.has_role(Role.SUPERVISOR):
        return True
    return user.has_role(Role.OFFICE_EDITOR) and user.unit.is_office


def visible_item(item_id: int) -> Item:
    """The item, or 404 — also when it exists but is not the user's to see, so other
    units cannot even learn which ids exist."""
    item = db_session().get(Item, item_id)
    if item is None or not can_view(actor(), item):
        abort(404)
    return item


def require_role(*roles: Role) -> None:
    user = actor()
    if not any(user.has_role(r) for r in roles):
        abort(403)
