"""The evaluation's queries: a handful for the whole portal, whatever its size — the
assignments with their columns' rules, responsible-since days and confirmation; the
columns' parts; one aggregate over published items per (column, unit, part) with a
conditional count per period boundary; the statements; open items with their own due
dates; open obligations; and, only for rolling rules asking for several items per
window, the latest items of those columns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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

from workflow.calendar import WorkCalendar
from workflow.deadlines.periods import periods_for
from workflow.deadlines.rules import valid_rules
from workflow.deadlines.scopes import part_scopes
from workflow.deadlines.statuses import JUDGED_KINDS, Settings
from workflow.enums import ItemKind, State
from workflow.models import (
    Column,
    ColumnAssignment,
    ColumnPart,
    ExternalPublication,
    Item,
    Obligation,
)


@dataclass(frozen=True)
class Only:
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


class Assignment(NamedTuple):
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
    parted: bool  # the rules name two or more scopes: each is judged on its part's items


def assignments(session: Session, only: Only) -> list[Assignment]:
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
    parsed: dict[str | None, tuple[list[dict[str, Any]], int, tuple[Any, ...], bool, bool]] = {}
    out = []
    for a, c, u, p, raw, allows, since, confirmed in session.connection().execute(stmt).all():
        if raw not in parsed:
            rules, invalid = valid_rules(raw)
            judged = tuple(r for r in rules if r.get("kind") in JUDGED_KINDS)
            on_change = any(r.get("kind") == "on_change" for r in rules)
            parsed[raw] = (rules, invalid, judged, on_change, bool(part_scopes(rules)))
        rules, invalid, judged, on_change, parted = parsed[raw]
        since = since if isinstance(since, date) else date.fromisoformat(str(since))
        out.append(
            Assignment(
                a,
                c,
                u,
                p,
                rules,
                invalid,
                bool(allows),
                since,
                bool(confirmed),
                judged,
                on_change,
                parted,
            )
        )
    return out


def parts(session: Session, only: Only) -> dict[int, dict[str, int]]:
    """Per column, its parts by name (retired ones too: their items still count)."""
    stmt = select(ColumnPart.column_id, ColumnPart.name, ColumnPart.id)
    stmt = only.where(stmt, None, ColumnPart.column_id)
    out: dict[int, dict[str, int]] = {}
    for column_id, name, part_id in session.connection().execute(stmt):
        out.setdefault(column_id, {})[name] = part_id
    return out


@dataclass(frozen=True)
class Counts:
    last: datetime | None  # last publication, a revision's too (freshness, rolling gaps)
    last_statement: datetime | None  # last "nothing to publish" statement
    numbers: list[int]  # items first published on/after each boundary, then the total
    # The last item's first publication: where a calendar lapse began (a revision of an
    # old item is an update, not one more item).
    last_item: datetime | None = None

    def plus(self, other: Counts) -> Counts:
        return Counts(
            _latest(self.last, other.last),
            _latest(self.last_statement, other.last_statement),
            [a + b for a, b in zip(self.numbers, other.numbers, strict=True)],
            _latest(self.last_item, other.last_item),
        )


@dataclass
class Published:
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


def published(
    session: Session, boundaries: Sequence[date], tz: ZoneInfo, only: Only
) -> dict[tuple[int, int], Published]:
    """Per (column, unit), one GROUP BY over the published items, by part."""
    first = Item.first_published_at
    counts = [func.count().filter(first >= as_utc(b, tz)) for b in boundaries]
    stmt = (
        select(
            Item.column_id,
            Item.unit_id,
            Item.part_id,
            # The plain type: UTCDateTime's per-row conversion costs more than the
            # aggregate's tail; `_utc` makes SQLite's naive values aware.
            type_coerce(func.max(Item.published_at), DateTime(timezone=True)),
            type_coerce(func.max(first), DateTime(timezone=True)),
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
    out: dict[tuple[int, int], Published] = {}
    # COUNT … FILTER is never NULL, so the counts need no cleaning.
    for row in _with_memory(conn, stmt):
        column_id, unit, part = row[0], row[1], row[2]
        counts_row = Counts(
            _utc(row[3]), statements.get((column_id, unit, part)), list(row[5:]), _utc(row[4])
        )
        _add(out, column_id, unit, part, counts_row)
    for row in conn.execute(_external(boundaries, tz, only)):
        last = _utc(row[2])
        _add(out, row[0], row[1], None, Counts(last, None, list(row[3:]), last))
    return out


def _add(
    out: dict[tuple[int, int], Published], column_id: int, unit: int, part: int | None, c: Counts
) -> None:
    found = out.get((column_id, unit))
    if found is None:
        out[(column_id, unit)] = Published(c, {part: c})
        return
    found.whole = found.whole.plus(c)
    same = found.parts.get(part)
    found.parts[part] = c if same is None else same.plus(c)


def _external(boundaries: Sequence[date], tz: ZoneInfo, only: Only) -> Any:
    """Publications made outside sanshen (外部发布) count like items of no part: one
    small aggregate per (column, unit) with the same boundary counts."""
    at = ExternalPublication.published_at
    stmt = select(
        ExternalPublication.column_id,
        ExternalPublication.unit_id,
        type_coerce(func.max(at), DateTime(timezone=True)),
        *(func.count().filter(at >= as_utc(b, tz)) for b in boundaries),
        func.count(),
    ).group_by(ExternalPublication.column_id, ExternalPublication.unit_id)
    return only.where(stmt, ExternalPublication.unit_id, ExternalPublication.column_id)


def latest_items(
    session: Session,
    assignments: Sequence[Assignment],
    parts: Mapping[int, Mapping[str, int]],
    only: Only,
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
class Dues:
    count: int = 0
    late: int = 0
    soon: int = 0
    next_due: date | None = None  # the earliest due date on or after today
    lapse: date | None = None  # the day after the earliest missed due date


NO_DUES = Dues()


def open_item_dues(
    session: Session,
    today: date,
    calendar: WorkCalendar,
    settings: Settings,
    only: Only,
) -> dict[tuple[int, int], Dues]:
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
        out[(column_id, unit)] = Dues(int(n), int(late or 0), int(near or 0), _day(upcoming), lapse)
    return out


def open_obligations(session: Session, today: date, only: Only) -> dict[tuple[int, int], Dues]:
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
        out[(column_id, unit)] = Dues(int(n), int(late or 0), 0, _day(upcoming), lapse)
    return out


def _day(value: Any) -> Any:
    """A date from a MIN() over dates (SQLite answers text through a CASE)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def as_utc(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tz).astimezone(UTC)
