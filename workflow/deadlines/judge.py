"""Judging one rule of one assignment at `today`: calendar periods (counted in windows
between due dates), rolling windows, one-off tasks — from the counts the evaluation's
queries return (`workflow.deadlines.counts`)."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from workflow.calendar import WorkCalendar, add_months
from workflow.deadlines.counts import Assignment, Counts
from workflow.deadlines.periods import Periods, periods_for
from workflow.deadlines.statuses import DUE_SOON, OK, OVERDUE, PROVISIONAL, RuleStatus, Settings


@dataclass(frozen=True)
class Window:
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


class Windows:
    """Period windows per rule at `today`, computed once per distinct rule."""

    def __init__(self, today: date, calendar: WorkCalendar) -> None:
        self.today, self.calendar = today, calendar
        self.window = functools.lru_cache(maxsize=None)(self._window)

    def boundaries(self, rule: Mapping[str, Any]) -> list[date]:
        w = self.for_rule(rule)
        if w is None:
            return []
        return [d for d in (w.current_start, w.previous_start) if d not in (None, date.min)]

    def first_starts(self, rule: Mapping[str, Any], since: date) -> tuple[date | None, date | None]:
        """Where the current and the previous window start for a unit responsible since
        `since` (None: where `boundaries` says). The first judged period counts from its
        own first day: a previous due date moved onto it (a Sunday's, to Monday) must not
        give its first items to a period the unit never answered for."""
        w = self.for_rule(rule)
        if w is None or w.periods is None:
            return None, None
        first = w.periods.first_from(since)
        current = previous = None
        if first == w.index and w.periods.bounds(first)[0] < w.current_start:
            current = w.periods.bounds(first)[0]
        if (
            first == w.index - 1
            and w.previous_start is not None
            and w.periods.bounds(first)[0] < w.previous_start
        ):
            previous = w.periods.bounds(first)[0]
        return current, previous

    def for_rule(self, rule: Mapping[str, Any]) -> Window | None:
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

    def _window(self, rule_key: tuple[Any, ...]) -> Window | None:
        """Calendar periods (deadline-rules.md): Monday–Sunday weeks, months/quarters/
        half-years/years; annual and once dates. None for a rolling window."""
        kind, every, unit, by_day, by, rolling = rule_key
        if kind == "once":
            day = date.fromisoformat(by)
            found = self.calendar.next_workday(day)
            return Window(date.min, day, found.date, None, None, found.provisional)
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
        return Window(
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
class CalendarPlan:
    """What one calendar rule needs for a unit responsible since a given day, worked
    out once per (rule, day): thousands of assignments share a few of them."""

    window: Window
    first_judged: int | None  # None: a one-off task
    not_judged: bool  # the current period began before the unit was responsible
    current: int  # position of the current window's start in the counts
    previous: int | None  # … of the previous window's start (None: not judged)
    current_start: date  # the current window's first day (its period's, when first judged)
    previous_start: date | None


class Judge:
    """One rule of one assignment at `today`. The result depends only on the rule, the
    responsible-since day, the part and a few numbers from the counts, so it is
    remembered on those: a large portal has 20,000 assignments but a few hundred
    distinct answers."""

    def __init__(
        self,
        boundaries: Sequence[date],
        windows: Windows,
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
        self._windows: dict[int, Window | None] = {}
        self._plans: dict[tuple[int, date], CalendarPlan] = {}
        self._memo: dict[tuple[Any, ...], RuleStatus] = {}
        self._days: dict[datetime, date] = {}

    def rule(
        self, rule: Mapping[str, Any], counts: Counts | None, a: Assignment, part: int | None
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

    def _plan(self, rule: Mapping[str, Any], window: Window, since: date) -> CalendarPlan:
        key = (id(rule), since)
        plan = self._plans.get(key)
        if plan is not None:
            return plan
        periods = window.periods
        first_judged = periods.first_from(since) if periods is not None else None
        not_judged = (
            window.due < since if periods is None else window.index < first_judged  # type: ignore[operator]
        )
        early_current, early_previous = self.windows.first_starts(rule, since)
        current_start = early_current or window.current_start
        previous_start = early_previous or window.previous_start
        current = self.total if current_start == date.min else self.index[current_start]
        previous_judged = first_judged is None or window.index - 1 >= first_judged
        previous = (
            self.index[previous_start] if previous_start is not None and previous_judged else None
        )
        plan = self._plans[key] = CalendarPlan(
            window, first_judged, not_judged, current, previous, current_start, previous_start
        )
        return plan

    def _calendar(
        self,
        rule: Mapping[str, Any],
        window: Window,
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
            if statement >= plan.current_start:
                current = max(current, required)
            elif plan.previous_start and statement >= plan.previous_start:
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

    def _lapse(self, plan: CalendarPlan, counts: Counts | None, required: int) -> date:
        """The first day of the lapse when the previous period was missed too: the day
        after the due date of the first judged period missed after the last item's."""
        window, periods = plan.window, plan.window.periods
        assert window.previous_due is not None
        since_day = window.previous_due + timedelta(days=1)
        if periods is not None and required == 1:
            last = self._local(counts.last_item) if counts and counts.last_item else None
            # Never published: from the first period the unit answered for.
            judged_from = plan.first_judged if plan.first_judged is not None else window.index - 1
            if last is None:
                missed = judged_from
            else:
                met = periods.window_of(last)
                if met < judged_from <= periods.index_of(last):
                    met = judged_from  # the first judged period counts from its first day
                missed = met + 1
            missed = max(missed, judged_from)
            if missed < window.index - 1:
                since_day = periods.due(missed)[0] + timedelta(days=1)
        return since_day

    def _first_judged(
        self, rule: Mapping[str, Any], plan: CalendarPlan, required: int, part: int | None
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
        plan: CalendarPlan,
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
