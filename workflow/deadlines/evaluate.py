"""Where every column assignment (column × unit) stands against its rules at `now`.

Set-based: a handful of queries for the whole portal, whatever its size — the calendar
(overrides, entered years); the assignments with their columns' rules; the columns'
parts; one aggregate over published items per (column, unit, part) with a conditional
count per period boundary any rule needs; the statements; the open items that carry
their own due dates (after_event, prompt); the open linked obligations; and, only for
rolling rules asking for several items per window, the latest items of those columns.
Everything else is date arithmetic in Python, cached per distinct rule and due date.

What is judged (issue 13, "deadlines the office can trust"):
- a rule whose `scope` names a part of the column counts that part's items only; every
  other rule counts all of the column's items (an item with no part counts only there);
- a period that began before the unit became responsible (`responsible_since`) is never
  judged: the first judged period is the first one that began on or after that day, and
  a rolling window runs from that day at the earliest;
- a column whose rules the office has not confirmed is evaluated the same way (the unit
  is reminded), but `AssignmentStatus.confirmed` is False: it never escalates and never
  counts in the 考核 or the 通报.

Statuses, worst first: overdue, due_soon, provisional (the due date was counted with the
Monday–Friday fallback of a year the office has not entered), ok. `overdue_since` is the
first day of the current unbroken lapse; `next_due` the earliest due date on or after
today of something still owed.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    DateTime,
    Text,
    and_,
    case,
    cast,
    func,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import Session

from workflow.calendar import WorkCalendar, add_months, memo
from workflow.deadlines.due import load_calendar
from workflow.deadlines.periods import Periods, periods_for
from workflow.deadlines.rules import valid_rules
from workflow.enums import ItemKind, State
from workflow.models import Column, ColumnAssignment, ColumnPart, Item, Obligation

OK, DUE_SOON, PROVISIONAL, OVERDUE = "ok", "due_soon", "provisional", "overdue"
RANK = {OK: 0, PROVISIONAL: 1, DUE_SOON: 2, OVERDUE: 3}
STATUSES = (OK, PROVISIONAL, DUE_SOON, OVERDUE)  # by rank
JUDGED_KINDS = ("periodic", "annual", "once", "on_change")


@dataclass(frozen=True)
class Settings:
    due_soon_workdays: int = 3
    stale_after_months: int = 6  # 检查指标: columns that must be kept up to date
    timezone: str = "Asia/Shanghai"


@dataclass(frozen=True)
class RuleStatus:
    rule: Mapping[str, Any]
    status: str
    period_start: date | None = None
    period_end: date | None = None
    required: int = 0
    published: int = 0
    due: date | None = None
    overdue_since: date | None = None
    provisional: bool = False
    stale: bool = False
    part_id: int | None = None  # the part whose items were counted (None: the column's)
    # The next day by which something is due under this rule, on or after today: the
    # current period's due date, or the next period's when this one is met.
    next_due: date | None = None
    # False: no period of this rule has been judged yet (the unit became responsible
    # during the current one, or a one-off task was due before that).
    judged: bool = True


# Not frozen: 20,000 of them are built per evaluation, and a frozen dataclass's
# __init__ costs several times as much. Nothing changes one after it is built.
@dataclass(slots=True)
class AssignmentStatus:
    assignment_id: int
    column_id: int
    unit_id: int
    column_path: str
    status: str
    rules: list[RuleStatus] = field(default_factory=list)
    last_published_at: datetime | None = None
    overdue_since: date | None = None
    next_due: date | None = None
    provisional: bool = False
    stale: bool = False
    open_items_overdue: int = 0
    open_items_due_soon: int = 0
    obligations_overdue: int = 0
    obligations_open: int = 0
    invalid_rules: int = 0  # hand-entered rules that do not follow the contract: skipped
    confirmed: bool = True  # False: the column's rules are 待确认
    responsible_since: date | None = None

    @property
    def escalates(self) -> bool:
        """Overdue on rules the office confirmed: what 督办 and the 考核 may act on."""
        return self.status == OVERDUE and self.confirmed


def evaluate(
    session: Session,
    now: datetime,
    settings: Settings = Settings(),
    calendar: WorkCalendar | None = None,
    unit_id: int | None = None,
    column_id: int | None = None,
    column_ids: Collection[int] | None = None,
) -> list[AssignmentStatus]:
    """The status of every assignment (or one unit's, one column's, or those of the
    columns in `column_ids`), in assignment order."""
    only = _Only(unit_id, column_id, None if column_ids is None else tuple(sorted(column_ids)))
    # The statements run on the connection (plain rows: the ORM's result handling cost
    # more than the SQL for 20,000 assignments), so flush as autoflush would.
    session.flush()
    tz = ZoneInfo(settings.timezone)
    today = now.astimezone(tz).date()
    calendar = memo(calendar or load_calendar(session))
    assignments = _assignments(session, only)
    parts = _parts(session, only)
    windows = _Windows(today, calendar)
    # Per distinct rule text (a few dozen), not per assignment.
    distinct = {id(a.judged): a.judged for a in assignments}.values()
    boundaries = sorted({b for rules in distinct for r in rules for b in windows.boundaries(r)})
    published = _published(session, boundaries, tz, only)
    latest = _latest_items(session, assignments, parts, only)
    item_dues = _open_item_dues(session, today, calendar, settings, only)
    obligations = _open_obligations(session, today, only)
    stale_before = _as_utc(add_months(today, -settings.stale_after_months), tz)
    judge = _Judge(boundaries, windows, today, calendar, settings, tz, latest)
    out = []
    no_parts: dict[str, int] = {}
    for a in assignments:
        found = published.get((a.column_id, a.unit_id))
        column_parts = parts.get(a.column_id, no_parts)
        per_rule = []
        rank, lapse, next_due, provisional = 0, None, None, False
        for rule in a.judged:
            part = column_parts.get(rule.get("scope")) if column_parts else None  # type: ignore[arg-type]
            counts = found.of_part(part) if found is not None else None
            r = judge.rule(rule, counts, a, part)
            per_rule.append(r)
            rank = max(rank, RANK[r.status])
            if r.overdue_since and (lapse is None or r.overdue_since < lapse):
                lapse = r.overdue_since
            if r.next_due and (next_due is None or r.next_due < next_due):
                next_due = r.next_due
            provisional = provisional or r.provisional
        last = found.whole.last if found is not None else None
        stale = a.on_change and (last is None or last < stale_before)
        items = item_dues.get((a.column_id, a.unit_id), _NO_DUES)
        owed = obligations.get((a.column_id, a.unit_id), _NO_DUES)
        status = STATUSES[rank]
        if items.late or owed.late:
            status = OVERDUE
        elif items.soon and RANK[status] < RANK[DUE_SOON]:
            status = DUE_SOON
        lapses = [d for d in (lapse, items.lapse, owed.lapse) if d]
        dues = [d for d in (next_due, items.next_due, owed.next_due) if d]
        out.append(
            AssignmentStatus(
                assignment_id=a.id,
                column_id=a.column_id,
                unit_id=a.unit_id,
                column_path=a.path,
                status=status,
                rules=per_rule,
                last_published_at=last,
                overdue_since=min(lapses) if status == OVERDUE and lapses else None,
                next_due=min(dues) if dues else None,
                provisional=provisional,
                stale=stale,
                open_items_overdue=items.late,
                open_items_due_soon=items.soon,
                obligations_overdue=owed.late,
                obligations_open=owed.count,
                invalid_rules=a.invalid_rules,
                confirmed=a.confirmed,
                responsible_since=a.since,
            )
        )
    return out


# --------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class _Only:
    """An optional filter to one unit and/or one column or a set of columns."""

    unit_id: int | None = None
    column_id: int | None = None
    column_ids: tuple[int, ...] | None = None

    def where(self, stmt: Any, unit: Any, column: Any) -> Any:
        if self.unit_id is not None and unit is not None:
            stmt = stmt.where(unit == self.unit_id)
        if self.column_id is not None:
            stmt = stmt.where(column == self.column_id)
        if self.column_ids is not None:
            stmt = stmt.where(column.in_(self.column_ids))
        return stmt


class _Assignment(NamedTuple):
    id: int
    column_id: int
    unit_id: int
    path: str
    rules: list[dict[str, Any]]
    invalid_rules: int
    allows_statement: bool
    since: date
    confirmed: bool
    judged: tuple[dict[str, Any], ...]  # the rules judged per period (not event rules)
    on_change: bool  # a rule asks for updates on change: the column can go stale


def _assignments(session: Session, only: _Only) -> list[_Assignment]:
    # Rules come as text and are parsed once per distinct text: portals reuse a few
    # dozen rule sets across thousands of columns.
    stmt = (
        select(
            ColumnAssignment.id,
            Column.id,
            ColumnAssignment.unit_id,
            Column.path,
            cast(Column.rules, Text),
            Column.allows_statement,
            ColumnAssignment.responsible_since,
            Column.rules_confirmed_at.is_not(None),
        )
        .join(Column, Column.id == ColumnAssignment.column_id)
        .where(Column.retired_at.is_(None))
        .order_by(ColumnAssignment.id)
    )
    stmt = only.where(stmt, ColumnAssignment.unit_id, ColumnAssignment.column_id)
    parsed: dict[str | None, tuple[list[dict[str, Any]], int, tuple[Any, ...], bool]] = {}
    out = []
    for a, c, u, p, raw, allows, since, confirmed in session.connection().execute(stmt).all():
        if raw not in parsed:
            rules, invalid = valid_rules(raw)
            judged = tuple(r for r in rules if r.get("kind") in JUDGED_KINDS)
            on_change = any(r.get("kind") == "on_change" for r in rules)
            parsed[raw] = (rules, invalid, judged, on_change)
        rules, invalid, judged, on_change = parsed[raw]
        since = since if isinstance(since, date) else date.fromisoformat(str(since))
        out.append(
            _Assignment(
                a, c, u, p, rules, invalid, bool(allows), since, bool(confirmed), judged, on_change
            )
        )
    return out


def _parts(session: Session, only: _Only) -> dict[int, dict[str, int]]:
    """Per column, its parts by name (retired ones too: their items still count)."""
    stmt = select(ColumnPart.column_id, ColumnPart.name, ColumnPart.id)
    stmt = only.where(stmt, None, ColumnPart.column_id)
    out: dict[int, dict[str, int]] = {}
    for column_id, name, part_id in session.connection().execute(stmt):
        out.setdefault(column_id, {})[name] = part_id
    return out


@dataclass(frozen=True)
class Counts:
    last: datetime | None  # last publication (freshness, and where a lapse began)
    last_statement: datetime | None  # last "nothing to publish" statement
    numbers: list[int]  # items first published on/after each boundary, then the total

    def plus(self, other: Counts) -> Counts:
        return Counts(
            _latest(self.last, other.last),
            _latest(self.last_statement, other.last_statement),
            [a + b for a, b in zip(self.numbers, other.numbers, strict=True)],
        )


@dataclass
class _Published:
    """One (column, unit)'s counts: the whole column's and each part's."""

    whole: Counts
    parts: dict[int | None, Counts]

    def of_part(self, part: int | None) -> Counts | None:
        return self.whole if part is None else self.parts.get(part)


# The aggregate sorts or hashes one group per (column, unit, part): 20,000 groups of a
# dozen counts each spill PostgreSQL's default 4 MB to disk (an external merge, about a
# quarter of the query's time). The evaluation's transaction gets at least this much,
# raised only, never lowered, and only until the transaction ends (set_config local).
AGGREGATE_WORK_MEM = "64MB"
_RAISE_WORK_MEM = text(
    "SELECT set_config('work_mem', :mem, true) "
    "WHERE pg_size_bytes(current_setting('work_mem')) < pg_size_bytes(:mem)"
)


def _with_memory(conn: Connection, stmt: Any) -> Sequence[Any]:
    if conn.dialect.name == "postgresql":
        conn.execute(_RAISE_WORK_MEM, {"mem": AGGREGATE_WORK_MEM})
    return conn.execute(stmt).all()


def _utc(moment: datetime | None) -> datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _published(
    session: Session, boundaries: Sequence[date], tz: ZoneInfo, only: _Only
) -> dict[tuple[int, int], _Published]:
    """Per (column, unit), one GROUP BY over the published items, by part."""
    first = Item.first_published_at
    counts = [func.count().filter(first >= _as_utc(b, tz)) for b in boundaries]
    stmt = (
        select(
            Item.column_id,
            Item.unit_id,
            Item.part_id,
            # The plain type: UTCDateTime's per-row conversion costs more than the
            # aggregate's tail; `_utc` makes SQLite's naive values aware.
            type_coerce(func.max(Item.published_at), DateTime(timezone=True)),
            *counts,
            func.count(first),
        )
        .where(Item.live_revision_no.is_not(None), first.is_not(None))
        .group_by(Item.column_id, Item.unit_id, Item.part_id)
    )
    stmt = only.where(stmt, Item.unit_id, Item.column_id)
    # Statements are few and indexed apart (ix_items_statements): a second, small query
    # is cheaper than a filtered aggregate over every published item.
    statements_stmt = (
        select(Item.column_id, Item.unit_id, Item.part_id, func.max(first))
        .where(
            Item.kind == ItemKind.STATEMENT.value,
            Item.live_revision_no.is_not(None),
            first.is_not(None),
        )
        .group_by(Item.column_id, Item.unit_id, Item.part_id)
    )
    statements_stmt = only.where(statements_stmt, Item.unit_id, Item.column_id)
    conn = session.connection()
    statements = {(c, u, p): last for c, u, p, last in conn.execute(statements_stmt)}
    out: dict[tuple[int, int], _Published] = {}
    # COUNT … FILTER is never NULL, so the counts need no cleaning.
    for row in _with_memory(conn, stmt):
        column_id, unit, part = row[0], row[1], row[2]
        counts_row = Counts(_utc(row[3]), statements.get((column_id, unit, part)), list(row[4:]))
        found = out.get((column_id, unit))
        if found is None:
            out[(column_id, unit)] = _Published(counts_row, {part: counts_row})
        else:
            found.whole = found.whole.plus(counts_row)
            found.parts[part] = counts_row
    return out


def _latest_items(
    session: Session,
    assignments: Sequence[_Assignment],
    parts: Mapping[int, Mapping[str, int]],
    only: _Only,
) -> dict[tuple[int, int, int | None], tuple[datetime, ...]]:
    """For rolling rules asking for several items per window ("每50天至少更新3条"): the
    first publication times of the latest items per (column, unit, part judged),
    newest first — the k-th of them says when the window last held k items."""
    wanted: dict[int, int] = {}  # column → the most items any such rule asks for
    for a in assignments:
        for rule in a.rules:
            many = rule.get("kind") == "periodic" and int(rule.get("min_items", 1)) > 1
            if many and periods_for(rule, None) is None:
                wanted[a.column_id] = max(wanted.get(a.column_id, 0), int(rule["min_items"]))
    if not wanted:
        return {}
    first = Item.first_published_at
    ranked = select(
        Item.column_id,
        Item.unit_id,
        Item.part_id,
        first,
        func.row_number()
        .over(partition_by=(Item.column_id, Item.unit_id, Item.part_id), order_by=first.desc())
        .label("n"),
    ).where(
        Item.live_revision_no.is_not(None),
        first.is_not(None),
        Item.column_id.in_(sorted(wanted)),
    )
    ranked = only.where(ranked, Item.unit_id, Item.column_id).subquery()
    rows = session.execute(
        select(ranked.c.column_id, ranked.c.unit_id, ranked.c.part_id, ranked.c.first_published_at)
        .where(ranked.c.n <= max(wanted.values()))
        .order_by(ranked.c.first_published_at.desc())
    ).all()
    # Newest first (the ORDER BY): each part's list, and the column's across its parts.
    out: dict[tuple[int, int, int | None], list[datetime]] = {}
    for column_id, unit, part, at in rows:
        at = at if at.tzinfo else at.replace(tzinfo=UTC)
        out.setdefault((column_id, unit, None), []).append(at)
        if part is not None:
            out.setdefault((column_id, unit, part), []).append(at)
    most = max(wanted.values())
    return {k: tuple(v[:most]) for k, v in out.items()}


@dataclass(frozen=True)
class _Dues:
    count: int = 0
    late: int = 0
    soon: int = 0
    next_due: date | None = None  # the earliest due date on or after today
    lapse: date | None = None  # the day after the earliest missed due date


_NO_DUES = _Dues()


def _open_item_dues(
    session: Session,
    today: date,
    calendar: WorkCalendar,
    settings: Settings,
    only: _Only,
) -> dict[tuple[int, int], _Dues]:
    """Per (column, unit): open items past their own due date, due soon, the next due
    date and the first lapse."""
    soon = calendar.add_workdays(today, settings.due_soon_workdays).date
    due = Item.due_date
    stmt = (
        select(
            Item.column_id,
            Item.unit_id,
            func.count(),
            func.sum(case((due < today, 1), else_=0)),
            func.sum(case((and_(due >= today, due <= soon), 1), else_=0)),
            func.min(case((due >= today, due))),
            func.min(due),
        )
        .where(
            due.is_not(None),
            Item.first_published_at.is_(None),
            Item.state.not_in([State.WITHDRAWN.value, State.RETRACTED.value]),
        )
        .group_by(Item.column_id, Item.unit_id)
    )
    stmt = only.where(stmt, Item.unit_id, Item.column_id)
    out = {}
    for column_id, unit, n, late, near, upcoming, first in session.execute(stmt):
        lapse = _day(first) + timedelta(days=1) if late else None
        out[(column_id, unit)] = _Dues(
            int(n), int(late or 0), int(near or 0), _day(upcoming), lapse
        )
    return out


def _open_obligations(session: Session, today: date, only: _Only) -> dict[tuple[int, int], _Dues]:
    due = Obligation.due_date
    stmt = (
        select(
            Obligation.column_id,
            Obligation.unit_id,
            func.count(),
            func.sum(case((due < today, 1), else_=0)),
            func.min(case((due >= today, due))),
            func.min(due),
        )
        .where(Obligation.fulfilled_at.is_(None), Obligation.cancelled_at.is_(None))
        .group_by(Obligation.column_id, Obligation.unit_id)
    )
    stmt = only.where(stmt, Obligation.unit_id, Obligation.column_id)
    out = {}
    for column_id, unit, n, late, upcoming, first in session.execute(stmt):
        lapse = _day(first) + timedelta(days=1) if late else None
        out[(column_id, unit)] = _Dues(int(n), int(late or 0), 0, _day(upcoming), lapse)
    return out


def _day(value: Any) -> Any:
    """A date from a MIN() over dates (SQLite answers text through a CASE)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _as_utc(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tz).astimezone(UTC)


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class _Window:
    """A calendar rule's windows at `today`, anchored on due dates (local dates): an item
    published on a due date moved to the next working day still counts for that period.

    current = (previous_due, due], previous = (before_previous_due, previous_due].
    """

    current_start: date
    current_end: date  # the calendar end of the current period
    due: date
    previous_start: date | None
    previous_due: date | None
    provisional: bool
    periods: Periods | None = None  # to look further back for the start of a lapse
    index: int = 0
    period_start: date | None = None  # the calendar start, for display


class _Windows:
    """Period windows per rule at `today`, computed once per distinct rule."""

    def __init__(self, today: date, calendar: WorkCalendar) -> None:
        self.today, self.calendar = today, calendar
        self.window = functools.lru_cache(maxsize=None)(self._window)

    def boundaries(self, rule: Mapping[str, Any]) -> list[date]:
        w = self.for_rule(rule)
        if w is None:
            return []
        return [d for d in (w.current_start, w.previous_start) if d not in (None, date.min)]

    def for_rule(self, rule: Mapping[str, Any]) -> _Window | None:
        kind = rule.get("kind")
        if kind in ("periodic", "annual", "once"):
            return self.window(
                (
                    kind,
                    rule.get("every"),
                    rule.get("unit"),
                    rule.get("by_day"),
                    rule.get("by"),
                    rule.get("rolling") is True,
                )
            )
        return None

    def _window(self, rule_key: tuple[Any, ...]) -> _Window | None:
        """Calendar periods (deadline-rules.md): Monday–Sunday weeks, months/quarters/
        half-years/years; annual and once dates. None for a rolling window."""
        kind, every, unit, by_day, by, rolling = rule_key
        if kind == "once":
            day = date.fromisoformat(by)
            found = self.calendar.next_workday(day)
            return _Window(date.min, day, found.date, None, None, found.provisional)
        rule = {"kind": kind, "every": every, "unit": unit, "by": by, "rolling": rolling}
        if by_day is not None:
            rule["by_day"] = by_day
        periods = periods_for(rule, self.calendar)
        if periods is None:
            return None  # rolling: judged from the last publication
        k = periods.active(self.today)
        due, provisional = periods.due(k)
        previous_due = periods.due(k - 1)[0]
        before_previous_due = periods.due(k - 2)[0]
        return _Window(
            previous_due + timedelta(days=1),
            periods.bounds(k)[1],
            due,
            before_previous_due + timedelta(days=1),
            previous_due,
            provisional,
            periods,
            k,
            periods.bounds(k)[0],
        )


@dataclass(frozen=True)
class _CalendarPlan:
    """What one calendar rule needs for a unit responsible since a given day, worked
    out once per (rule, day): thousands of assignments share a few of them."""

    window: _Window
    first_judged: int | None  # None: a one-off task
    not_judged: bool  # the current period began before the unit was responsible
    current: int  # position of the current window's start in the counts
    previous: int | None  # … of the previous window's start (None: not judged)


class _Judge:
    """One rule of one assignment at `today`. The result depends only on the rule, the
    responsible-since day, the part and a few numbers from the counts, so it is
    remembered on those: a large portal has 20,000 assignments but a few hundred
    distinct answers."""

    def __init__(
        self,
        boundaries: Sequence[date],
        windows: _Windows,
        today: date,
        calendar: WorkCalendar,
        settings: Settings,
        tz: ZoneInfo,
        latest: Mapping[tuple[int, int, int | None], Sequence[datetime]],
    ) -> None:
        self.latest = latest
        self.index = {b: i for i, b in enumerate(boundaries)}
        self.windows, self.today, self.calendar = windows, today, calendar
        self.settings, self.tz = settings, tz
        self.zero = [0] * (len(boundaries) + 1)
        self.total = len(boundaries)  # the position of the total in the counts
        # Keyed by id(rule): each distinct stored rule text is parsed once, so its rule
        # dicts live (and keep their ids) for the whole evaluation.
        self._windows: dict[int, _Window | None] = {}
        self._plans: dict[tuple[int, date], _CalendarPlan] = {}
        self._memo: dict[tuple[Any, ...], RuleStatus] = {}
        self._days: dict[datetime, date] = {}

    def rule(
        self, rule: Mapping[str, Any], counts: Counts | None, a: _Assignment, part: int | None
    ) -> RuleStatus:
        since = a.since
        if rule["kind"] == "on_change":
            return self._remember(("c", id(rule), part), lambda: RuleStatus(rule, OK, part_id=part))
        rid = id(rule)
        if rid not in self._windows:
            self._windows[rid] = self.windows.for_rule(rule)
        window = self._windows[rid]
        required = int(rule.get("min_items", 1))
        if window is None:
            if required > 1:
                recent = self.latest.get((a.column_id, a.unit_id, part), ())
                return self._rolling_many(rule, required, since, part, recent)
            return self._rolling(rule, counts, since, part)
        return self._calendar(rule, window, counts, required, a.allows_statement, since, part)

    def _remember(self, key: tuple[Any, ...], make: Any) -> RuleStatus:
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = make()
        return found

    def _local(self, moment: datetime) -> date:
        day = self._days.get(moment)
        if day is None:
            day = self._days[moment] = moment.astimezone(self.tz).date()
        return day

    def _pending(self, due: date, provisional: bool) -> str:
        if self.calendar.count_workdays(self.today, due)[0] <= self.settings.due_soon_workdays:
            return DUE_SOON
        return PROVISIONAL if provisional else OK

    def _plan(self, rule: Mapping[str, Any], window: _Window, since: date) -> _CalendarPlan:
        key = (id(rule), since)
        plan = self._plans.get(key)
        if plan is not None:
            return plan
        periods = window.periods
        first_judged = periods.first_from(since) if periods is not None else None
        not_judged = (
            window.due < since if periods is None else window.index < first_judged  # type: ignore[operator]
        )
        current = (
            self.total if window.current_start == date.min else self.index[window.current_start]
        )
        previous_judged = first_judged is None or window.index - 1 >= first_judged
        previous = (
            self.index[window.previous_start]
            if window.previous_start is not None and previous_judged
            else None
        )
        plan = self._plans[key] = _CalendarPlan(window, first_judged, not_judged, current, previous)
        return plan

    def _calendar(
        self,
        rule: Mapping[str, Any],
        window: _Window,
        counts: Counts | None,
        required: int,
        allows_statement: bool,
        since: date,
        part: int | None,
    ) -> RuleStatus:
        plan = self._plan(rule, window, since)
        if plan.not_judged:
            return self._remember(
                ("n", id(rule), since, part), lambda: self._first_judged(rule, plan, required, part)
            )
        numbers = counts.numbers if counts is not None else self.zero
        current = numbers[plan.current]
        previous = numbers[plan.previous] - current if plan.previous is not None else required
        if counts is not None and counts.last_statement is not None and allows_statement:
            # "Nothing to publish this period" stands for the period.
            statement = self._local(counts.last_statement)
            if statement >= window.current_start:
                current = max(current, required)
            elif window.previous_start and statement >= window.previous_start:
                previous = max(previous, required)
        lapse: date | None = None
        today = self.today
        if current < required:
            if (
                window.previous_due is not None
                and previous < required
                and window.previous_due < today
            ):
                lapse = self._lapse(plan, counts, required)
            elif window.due < today:
                lapse = window.due + timedelta(days=1)
        return self._remember(
            ("p", id(rule), since, part, current, lapse),
            lambda: self._period_status(rule, plan, required, current, lapse, part),
        )

    def _lapse(self, plan: _CalendarPlan, counts: Counts | None, required: int) -> date:
        """The first day of the lapse when the previous period was missed too: the day
        after the due date of the first judged period missed after the last item's."""
        window, periods = plan.window, plan.window.periods
        assert window.previous_due is not None
        since_day = window.previous_due + timedelta(days=1)
        if periods is not None and required == 1:
            last = self._local(counts.last) if counts and counts.last else None
            # Never published: from the first period the unit answered for.
            judged_from = plan.first_judged if plan.first_judged is not None else window.index - 1
            missed = periods.window_of(last) + 1 if last is not None else judged_from
            missed = max(missed, judged_from)
            if missed < window.index - 1:
                since_day = periods.due(missed)[0] + timedelta(days=1)
        return since_day

    def _first_judged(
        self, rule: Mapping[str, Any], plan: _CalendarPlan, required: int, part: int | None
    ) -> RuleStatus:
        """The current period began before the unit was responsible: the rule is pending
        on the first period it answers for (a one-off task due before: not judged)."""
        periods = plan.window.periods
        if periods is None or plan.first_judged is None:
            return RuleStatus(rule, OK, part_id=part, judged=False)
        due, provisional = periods.due(plan.first_judged)
        start, end = periods.bounds(plan.first_judged)
        return RuleStatus(
            rule,
            self._pending(due, provisional),
            period_start=start,
            period_end=end,
            required=required,
            published=0,
            due=due,
            provisional=provisional,
            part_id=part,
            next_due=due,
            judged=False,
        )

    def _period_status(
        self,
        rule: Mapping[str, Any],
        plan: _CalendarPlan,
        required: int,
        published: int,
        lapse: date | None,
        part: int | None,
    ) -> RuleStatus:
        window, periods = plan.window, plan.window.periods
        base: dict[str, Any] = {
            "period_start": window.period_start,
            "period_end": window.current_end,
            "required": required,
            "published": published,
            "due": window.due,
            "provisional": window.provisional,
            "part_id": part,
            "next_due": window.due if window.due >= self.today else None,
        }
        if published >= required:
            # Met: the next period's due date is the next one (a one-off task is done).
            base["next_due"] = periods.due(window.index + 1)[0] if periods is not None else None
            return RuleStatus(rule, OK, **base)
        if lapse is not None:
            return RuleStatus(rule, OVERDUE, overdue_since=lapse, **base)
        return RuleStatus(rule, self._pending(window.due, window.provisional), **base)

    def _add(self, start: date, rule: Mapping[str, Any]) -> Any:
        every, unit = int(rule["every"]), rule["unit"]
        return self.calendar.add(
            start, every * 12 if unit == "year" else every, "month" if unit == "year" else unit
        )

    def _rolling(
        self, rule: Mapping[str, Any], counts: Counts | None, since: date, part: int | None
    ) -> RuleStatus:
        """At most `every` units between two publications, counted from the unit's
        first responsible day when it has published nothing since."""
        last = counts.last if counts is not None else None
        last_day = self._local(last) if last is not None else None
        start = last_day if last_day is not None and last_day >= since else since
        published = int(last_day is not None)
        return self._remember(
            ("r", id(rule), start, published, part),
            lambda: self._rolling_from(rule, start, 1, published, part),
        )

    def _rolling_many(
        self,
        rule: Mapping[str, Any],
        required: int,
        since: date,
        part: int | None,
        recent: Sequence[datetime],
    ) -> RuleStatus:
        """At least `required` items in every window of `every` units: due a window
        after the required-th latest item (or after the first responsible day)."""
        kth = self._local(recent[required - 1]) if len(recent) >= required else None
        start = kth if kth is not None and kth >= since else since
        every, unit = int(rule["every"]), rule["unit"]
        if unit in ("month", "year"):
            window_start = add_months(self.today, -(every * 12 if unit == "year" else every))
        else:
            window_start = self.today - timedelta(days=every * (7 if unit == "week" else 1))
        within = sum(1 for at in recent if self._local(at) >= window_start)
        return self._remember(
            ("m", id(rule), start, within, part),
            lambda: self._rolling_from(rule, start, required, within, part),
        )

    def _rolling_from(
        self, rule: Mapping[str, Any], start: date, required: int, published: int, part: int | None
    ) -> RuleStatus:
        due = self._add(start, rule)
        base: dict[str, Any] = {
            "period_start": start,
            "period_end": due.date,
            "required": required,
            "published": published,
            "due": due.date,
            "provisional": due.provisional,
            "part_id": part,
            "next_due": due.date if due.date >= self.today else None,
        }
        if due.date < self.today:
            return RuleStatus(rule, OVERDUE, overdue_since=due.date + timedelta(days=1), **base)
        return RuleStatus(rule, self._pending(due.date, due.provisional), **base)
