"""The portal against the national inspection rules (《政府网站与政务新媒体检查指标》,
国办秘函〔2019〕19号; domain.md): today's standing on each 单项否决 (veto) test, the
deduction items, and the first day the portal would fail if nothing more were published,
with the columns and units that cause it.

Definitions (a column's "update" is its last publication, any revision; days are
Beijing days; "in the last N" counts today):
- home page: no new information for 2 weeks — the last publication in the columns tagged
  `home`, else the `news` columns, else any column, is 14 or more days old;
- out of date (≥ 5 fails): `news` columns with no update in 14 days, and `top` columns
  that are `notice` or `policy` with no update in 6 months (never updated counts);
- long without update (≥ 10 fails): columns that must be kept up to date (a prompt or
  on_change rule, or a period of at most `stale_after_months`) with no update in
  `stale_after_months` (6) months;
- empty (≥ 5 fails): leaf columns with nothing published;
- 政务咨询 (≥ 1 fails): a message (an open item with a received date in a `consult`
  column) received in the last 12 months and unanswered for more than 3 months.
Deductions: −5 for each `policy` `top` column without update in 6 months; −3 for each
`consult` column without a published answer in 2 months.

Statements: columns with their last publications, open messages, and the units of the
columns named — three, whatever the size.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime, Text, cast, func, select, type_coerce
from sqlalchemy.orm import Session

from workflow.calendar import add_months
from workflow.enums import State
from workflow.models import Column, ColumnAssignment, ExternalPublication, Item, Unit
from workflow.reporting.common import DEFAULTS, ReportSettings, local_date
from workflow.reporting.kinds import ColumnKind, kinds_of

HOME, OUTDATED, LONG_STALE, EMPTY, CONSULT = "home", "outdated", "long_stale", "empty", "consult"
NEVER = date.min  # "stale since forever": a column never updated


@dataclass(frozen=True)
class ColumnRef:
    column_id: int
    path: str
    last_update: date | None
    units: tuple[str, ...]


@dataclass(frozen=True)
class VetoTest:
    code: str
    title: str  # in Chinese, as the inspection names it
    limit: int  # fails at `limit` or more
    count: int  # today
    columns: list[ColumnRef]  # counted today
    fail_date: date | None  # first day it fails if nothing more is published (today if now)
    fail_columns: list[ColumnRef] = field(default_factory=list)  # counted on fail_date

    @property
    def failing(self) -> bool:
        return self.count >= self.limit


@dataclass(frozen=True)
class Deduction:
    code: str
    title: str
    points: int  # per column
    columns: list[ColumnRef]

    @property
    def total(self) -> int:
        return self.points * len(self.columns)


@dataclass(frozen=True)
class PortalHealth:
    today: date
    tests: list[VetoTest]
    deductions: list[Deduction]
    first_fail_date: date | None
    first_fail_tests: list[str]  # codes of the tests failing first on that date
    first_fail_units: list[str]  # units responsible for the columns that cause it

    @property
    def failing(self) -> bool:
        return any(t.failing for t in self.tests)

    @property
    def deducted(self) -> int:
        return sum(d.total for d in self.deductions)


@dataclass(frozen=True)
class _Col:
    id: int
    path: str
    kinds: frozenset[ColumnKind]
    upkeep: bool  # must be kept up to date (see _kept_up)
    leaf: bool
    last: date | None


@functools.lru_cache(maxsize=4096)  # thousands of columns share a few hundred dates
def _stale_from(last: date | None, days: int = 0, months: int = 0) -> date:
    """The first day on which the column has had no update for `days` days or `months`
    months, counting today: no publication in (day − span, day]."""
    if last is None:
        return NEVER
    if days:
        return last + timedelta(days=days)
    day = add_months(last, months)
    while add_months(day, -months) < last:  # month ends clamp: 08-31 + 6 months → 02-28
        day += timedelta(days=1)
    return day


def portal_health(
    session: Session, now: datetime, settings: ReportSettings = DEFAULTS
) -> PortalHealth:
    tz = settings.tz
    today = local_date(now, tz)
    columns = _columns(session, settings, now)
    by_kind: dict[ColumnKind, list[_Col]] = defaultdict(list)
    for c in columns:
        for k in c.kinds:
            by_kind[k].append(c)

    def ref(c: _Col) -> ColumnRef:
        return ColumnRef(c.id, c.path, c.last, ())  # units: named below, once for all

    def counting(code: str, title: str, limit: int, dated: list[tuple[date, _Col]]) -> VetoTest:
        """A test that counts columns, each stale from a date: fails at the limit-th."""
        dated.sort(key=lambda x: (x[0], x[1].path))
        now_counted = [ref(c) for d, c in dated if d <= today]
        fail_date = None
        if len(dated) >= limit:
            fail_date = max(dated[limit - 1][0], today)
        fail_columns = [ref(c) for d, c in dated if fail_date and d <= fail_date]
        return VetoTest(code, title, limit, len(now_counted), now_counted, fail_date, fail_columns)

    home_cols = by_kind.get(ColumnKind.HOME) or by_kind.get(ColumnKind.NEWS) or columns
    home_last = max((c.last for c in home_cols if c.last), default=None)
    home_from = _stale_from(home_last, days=14)
    home_causes = [ref(c) for c in home_cols]
    home = VetoTest(
        HOME,
        "首页栏目信息超过2周未更新",
        1,
        1 if home_from <= today else 0,
        home_causes if home_from <= today else [],
        max(home_from, today),
        home_causes,
    )
    outdated: dict[int, tuple[date, _Col]] = {}
    for c in by_kind.get(ColumnKind.NEWS, []):
        outdated[c.id] = (_stale_from(c.last, days=14), c)
    for c in by_kind.get(ColumnKind.TOP, []):
        if c.kinds & {ColumnKind.NOTICE, ColumnKind.POLICY}:
            since = _stale_from(c.last, months=6)
            outdated[c.id] = min(outdated.get(c.id, (since, c)), (since, c), key=lambda x: x[0])
    long_stale = [
        (_stale_from(c.last, months=settings.stale_after_months), c) for c in columns if c.upkeep
    ]
    empty = [(NEVER, c) for c in columns if c.leaf and c.last is None]
    tests = [
        home,
        counting(
            OUTDATED,
            "动态、要闻类栏目2周以上未更新，通知公告、政策文件类一级栏目6个月以上未更新",
            5,
            list(outdated.values()),
        ),
        counting(LONG_STALE, "应更新但长期未更新的栏目", 10, long_stale),
        counting(EMPTY, "空白栏目", 5, empty),
        _consult(session, today, by_kind.get(ColumnKind.CONSULT, []), ref),
    ]
    policy_top = [
        ref(c)
        for c in by_kind.get(ColumnKind.POLICY, [])
        if ColumnKind.TOP in c.kinds and _stale_from(c.last, months=6) <= today
    ]
    no_answer = [
        ref(c)
        for c in by_kind.get(ColumnKind.CONSULT, [])
        if _stale_from(c.last, months=2) <= today
    ]
    deductions = [
        Deduction("policy_top_6_months", "政策文件类一级栏目6个月以上未更新", 5, policy_top),
        Deduction("consult_2_months", "政务咨询类栏目2个月以上无留言答复", 3, no_answer),
    ]
    # The units of the columns named: only those, not all 20,000 assignments of a
    # large portal (most columns are named nowhere).
    named = [refs for t in tests for refs in (t.columns, t.fail_columns)]
    named += [d.columns for d in deductions]
    units = _units_of(session, {r.column_id for refs in named for r in refs})
    for refs in named:
        refs[:] = [replace(r, units=units.get(r.column_id, ())) for r in refs]
    dated = [t for t in tests if t.fail_date is not None]
    first = min((t.fail_date for t in dated if t.fail_date), default=None)
    first_tests = [t for t in dated if t.fail_date == first]
    causing = sorted({u for t in first_tests for c in t.fail_columns for u in c.units})
    return PortalHealth(today, tests, deductions, first, [t.code for t in first_tests], causing)


# More columns named than this: read every assignment rather than a list of ids.
MAX_NAMED_IDS = 5000


def _units_of(session: Session, column_ids: set[int]) -> dict[int, tuple[str, ...]]:
    """The names of the units keeping each of these columns, by name (one statement)."""
    stmt = (
        select(ColumnAssignment.column_id, Unit.name)
        .join(Unit, Unit.id == ColumnAssignment.unit_id)
        .order_by(Unit.name)
    )
    if len(column_ids) <= MAX_NAMED_IDS:
        stmt = stmt.where(ColumnAssignment.column_id.in_(sorted(column_ids)))
    units: dict[int, list[str]] = defaultdict(list)
    for column_id, name in session.connection().execute(stmt).all():
        units[column_id].append(name)
    return {c: tuple(names) for c, names in units.items()}


def _columns(session: Session, settings: ReportSettings, now: datetime) -> list[_Col]:
    tz = settings.tz
    # Each column's last publication, looked up per column: an index probe on
    # ix_items_live_column_published (the newest entry), not a scan of every published
    # item.
    # Plain timestamps (no UTCDateTime conversion per row: it is done once below).
    last = (
        select(type_coerce(func.max(Item.published_at), DateTime(timezone=True)))
        .where(Item.column_id == Column.id, Item.live_revision_no.is_not(None))
        .scalar_subquery()
    )
    # Publications made outside sanshen (外部发布) keep a column up to date too.
    external = (
        select(type_coerce(func.max(ExternalPublication.published_at), DateTime(timezone=True)))
        .where(ExternalPublication.column_id == Column.id)
        .scalar_subquery()
    )
    # Plain rows through the connection: ten thousand of them, no ORM entities to build.
    conn = session.connection()
    rows = conn.execute(
        select(
            Column.id,
            Column.path,
            Column.parent_id,
            cast(Column.tags, Text),
            cast(Column.rules, Text),
            last,
            external,
        )
        .where(Column.retired_at.is_(None))
        .order_by(Column.path)
    ).all()
    parents = {row[2] for row in rows if row[2] is not None}
    # Portals reuse a few dozen tag and rule sets across thousands of columns: parse
    # each distinct text once.
    kinds_by_text: dict[str | None, frozenset[ColumnKind]] = {}
    upkeep_by_text: dict[str | None, bool] = {}
    out = []
    for column_id, path, _, tags, rules, ours, theirs in rows:
        published = _later(ours, theirs)
        if tags not in kinds_by_text:
            kinds_by_text[tags] = kinds_of(json.loads(tags) if tags else [])
        if rules not in upkeep_by_text:
            parsed = json.loads(rules) if rules else []
            upkeep_by_text[rules] = isinstance(parsed, list) and any(
                _kept_up(r, settings.stale_after_months) for r in parsed
            )
        out.append(
            _Col(
                column_id,
                path,
                kinds_by_text[tags],
                upkeep_by_text[rules],
                column_id not in parents,
                _local_day(published, tz) if published else None,
            )
        )
    return out


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    a = a if a.tzinfo else a.replace(tzinfo=UTC)
    b = b if b.tzinfo else b.replace(tzinfo=UTC)
    return max(a, b)


def _local_day(moment: datetime, tz: ZoneInfo) -> date:
    # SQLite hands back naive UTC.
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(tz).date()


def _kept_up(rule: object, months: int) -> bool:
    """Whether a rule asks for updates at least every `months` months: prompt,
    on_change, or a period no longer than that (a yearly column is not long-stale after
    six months)."""
    if not isinstance(rule, dict):
        return False
    kind = rule.get("kind")
    if kind in ("prompt", "on_change"):
        return True
    if kind != "periodic":
        return False
    every, unit = rule.get("every"), rule.get("unit")
    if not isinstance(every, int):
        return False
    return unit in ("day", "week") or (unit == "month" and every <= months)


def _consult(session: Session, today: date, columns: list[_Col], ref: Any) -> VetoTest:
    """Messages received in the last 12 months and unanswered for more than 3 months:
    received on day e, a message is over 3 months old from add_months(e, 3) + 1 day."""
    title = "政务咨询类栏目存在超过3个月未答复的有效留言"
    if not columns:
        return VetoTest(CONSULT, title, 1, 0, [], None)
    year_ago = add_months(today, -12)
    rows = session.execute(
        select(Item.column_id, Item.event_date)
        .where(
            Item.column_id.in_([c.id for c in columns]),
            Item.event_date.is_not(None),
            Item.event_date > year_ago,
            Item.first_published_at.is_(None),
            Item.state.not_in([State.WITHDRAWN.value, State.RETRACTED.value]),
        )
        .group_by(Item.column_id, Item.event_date)
    ).all()
    by_id = {c.id: c for c in columns}
    dated = sorted(
        ((add_months(e, 3) + timedelta(days=1), by_id[c]) for c, e in rows if e is not None),
        key=lambda x: (x[0], x[1].path),
    )
    now_counted = {c.id: ref(c) for d, c in dated if d <= today}
    fail_date = max(dated[0][0], today) if dated else None
    fail_columns = {c.id: ref(c) for d, c in dated if fail_date and d <= fail_date}
    return VetoTest(
        CONSULT,
        title,
        1,
        len(now_counted),
        list(now_counted.values()),
        fail_date,
        list(fail_columns.values()),
    )
