"""What is due, computed from the database at `now` — never from Redis, never from
having run at every tick (rq cron does not catch up on missed runs): a scan that runs
late still finds every reminder whose threshold has been crossed.

(a) items waiting at a review stage longer than the stage limit → the holders; longer
    than the escalation limit → a lapse for the office (supervisors, group robots);
(b) column rules and linked obligations due within a threshold (3, 1, 0 working days)
    → the designated drafters and the unit's deputy head; a scan that missed a threshold
    sends the tightest one crossed, once;
(c) overdue columns → the unit daily; a lapse for the supervisors and the robots, and
    for the supervising leader after LEADER_ESCALATE_WORKDAYS — only for columns whose
    rules the office confirmed (待确认 columns remind the unit, never escalate);
(d) after_event items (依申请公开, letters) nearing their legal limit → the drafter and
    the deputy head;
(e) requests of the 依申请公开 register nearing their legal limit at the same thresholds
    → the handling unit's deputy head and head (the office's editors while unrouted);
    overdue → a lapse for the supervisors and the robots. A paused clock (补正, third
    party) reminds nobody. A 协办 unit's opinion not given by its own date is reminded
    at the same thresholds to that unit's deputy head and head.

Reminders become one ledger row per recipient and channel (`notifications.drafts`);
lapses are told in one 督办 message per recipient and channel (`notifications.escalation`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from config import NotifyConfig
from notifications.recipients import Directory
from workflow.calendar import WorkCalendar
from workflow.deadlines.due import load_calendar
from workflow.deadlines.evaluate import DUE_SOON, OVERDUE, Settings, evaluate
from workflow.disclosure.states import RequestState
from workflow.enums import REVIEW_STATES, Role, State
from workflow.holding import Holding, who_holds
from workflow.models import (
    Column,
    ColumnAssignment,
    DisclosureAssist,
    DisclosureRequest,
    Item,
    Obligation,
)
from workflow.permissions import STAGES

REMINDER, ESCALATION = "reminder", "escalation"
# What a lapse is about: an overdue column of a unit, or an item stuck at a review stage.
COLUMN_LAPSE, ITEM_LAPSE = "column", "item"
_CHUNK = 500  # items loaded at a time for who holds them
# Unit reminders of a column whose rules are 待确认 say so.
UNCONFIRMED_TITLE = "（时限待确认）"
UNCONFIRMED_BODY = "该栏目的时限规则尚待确认，逾期暂不督办、不计入考核。"


@dataclass(frozen=True)
class Reminder:
    subject: str
    threshold: str
    period: str
    kind: str
    title: str
    body: str
    users: tuple[int, ...]
    link: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    leaders: tuple[int, ...] = ()
    robots: bool = False
    urgent: bool = False

    @property
    def escalation(self) -> bool:
        return self.kind == ESCALATION


@dataclass(frozen=True)
class Lapse:
    """Something the office must hear of (督办), while it lasts: an overdue column of a
    unit (`subject` "overdue:<assignment>") or an item stuck at a review stage
    ("item:<id>:<state>"). `since` is the lapse's first day (local); `threshold` says who
    hears (escalate_supervisor / escalate_leader / stage_escalate)."""

    subject: str
    threshold: str
    kind: str  # COLUMN_LAPSE or ITEM_LAPSE
    since: date
    unit_id: int
    what: str  # the column's path, or the item's title
    link: str
    stage: str = ""  # the stage an item waits at (初审…)
    waited: int = 0  # working days an item has waited
    # A column's last publication (local day; None: never): with nothing published since
    # it was last told, a column still overdue is the same lapse even if its first day
    # was recomputed later (a column never published has its lapse dated from the
    # latest missed period by the evaluator).
    last_published: date | None = None
    users: tuple[int, ...] = ()
    leaders: tuple[int, ...] = ()
    robots: bool = False


@dataclass(frozen=True)
class Due:
    """What the scan found due at `now`."""

    reminders: list[Reminder]
    lapses: list[Lapse]


def _uniq(ids: list[int]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(ids))


def _leaders(directory: Directory, unit_id: int) -> list[int]:
    """A unit's deputy heads and head: who answers for its 依申请公开 work."""
    return [*directory.unit(unit_id, Role.DEPUTY_HEAD), *directory.unit(unit_id, Role.HEAD)]


def _when(remaining: int, due: date) -> str:
    return (
        f"今天（{due:%m月%d日}）" if remaining == 0 else f"{remaining}个工作日后（{due:%m月%d日}）"
    )


def due_reminders(
    session: Session, now: datetime, cfg: NotifyConfig, timezone: str = "Asia/Shanghai"
) -> Due:
    tz = ZoneInfo(timezone)
    today = now.astimezone(tz).date()
    calendar = load_calendar(session)
    directory = Directory.load(session)
    due = Due([], [])
    _stage_waits(due, session, now, tz, calendar, directory, cfg)
    _columns(due, session, now, today, calendar, directory, cfg, timezone)
    due.reminders.extend(_obligations(session, today, calendar, directory, cfg))
    due.reminders.extend(_item_dues(session, today, calendar, directory, cfg))
    _disclosure_dues(due, session, today, calendar, directory, cfg)
    _assist_dues(due, session, today, calendar, directory, cfg)
    return due


def _threshold(cfg: NotifyConfig, remaining: int) -> int | None:
    """The tightest threshold crossed: 2 working days left with (3, 1, 0) → 3."""
    crossed = [t for t in cfg.THRESHOLDS if remaining <= t]
    return min(crossed) if crossed else None


def _link(cfg: NotifyConfig, path: str) -> str:
    return f"{cfg.BASE_URL.rstrip('/')}{path}"


# --------------------------------------------------------------------------- (a)


def _stage_waits(
    due: Due,
    session: Session,
    now: datetime,
    tz: ZoneInfo,
    calendar: WorkCalendar,
    directory: Directory,
    cfg: NotifyConfig,
) -> None:
    today = now.astimezone(tz).date()
    rows = session.execute(
        select(Item.id, Item.state, Item.state_since)
        .where(Item.state.in_([s.value for s in REVIEW_STATES]))
        .order_by(Item.id)
    )
    stuck = [
        item_id
        for item_id, state, since in rows
        if calendar.count_workdays(since.astimezone(tz).date(), today)[0] >= cfg.STAGE_LIMITS[state]
    ]
    for start in range(0, len(stuck), _CHUNK):
        items = session.scalars(
            select(Item).where(Item.id.in_(stuck[start : start + _CHUNK])).order_by(Item.id)
        ).all()
        # Who can act now, as the item page says: the stage's people and their delegates
        # (委托), without those separation of duties bars (the drafter, earlier reviewers).
        held = who_holds(session, items, now, calendar, tz)
        for item in items:
            if item.id in held:  # it may have moved on since the first query
                _stage_wait(due, item, held[item.id], tz, directory, cfg)


def _stage_wait(
    due: Due, item: Item, holding: Holding, tz: ZoneInfo, directory: Directory, cfg: NotifyConfig
) -> None:
    stage, waited = STAGES[State(item.state)], holding.waited
    subject, link = f"item:{item.id}:{item.state}", _link(cfg, f"/items/{item.id}")
    # A reminder per stay at the stage (period: when it arrived there).
    due.reminders.append(
        Reminder(
            subject,
            "stage_limit",
            item.state_since.isoformat(),
            REMINDER,
            f"【待{stage.label}】《{item.title}》已等待{waited}个工作日",
            f"信息《{item.title}》在{stage.label}环节已等待{waited}个工作日，请及时处理。",
            _uniq([h.user_id for h in holding.holders]),
            link,
            {"subject": f"《{item.title}》{stage.label}", "when": f"已等待{waited}个工作日"},
        )
    )
    if waited >= cfg.STAGE_ESCALATE_WORKDAYS:
        due.lapses.append(
            Lapse(
                subject,
                "stage_escalate",
                ITEM_LAPSE,
                item.state_since.astimezone(tz).date(),
                item.unit_id,
                item.title,
                link,
                stage=stage.label,
                waited=waited,
                users=_uniq(directory.role(Role.SUPERVISOR)),
                robots=True,
            )
        )


# --------------------------------------------------------------------------- (b), (c)


def _columns(
    due: Due,
    session: Session,
    now: datetime,
    today: date,
    calendar: WorkCalendar,
    directory: Directory,
    cfg: NotifyConfig,
    timezone: str,
) -> None:
    horizon = max(cfg.THRESHOLDS, default=0)
    statuses = evaluate(
        session, now, Settings(due_soon_workdays=horizon, timezone=timezone), calendar
    )
    for a in statuses:
        pending_rules = "" if a.confirmed else UNCONFIRMED_TITLE
        pending_note = "" if a.confirmed else UNCONFIRMED_BODY
        unit_people = directory.drafters_for(a.assignment_id, a.unit_id) + directory.unit(
            a.unit_id, Role.DEPUTY_HEAD
        )
        link = _link(cfg, f"/columns/{a.column_id}")
        for index, rule in enumerate(a.rules):
            if rule.status != DUE_SOON or rule.due is None or rule.due < today:
                continue
            remaining, _ = calendar.count_workdays(today, rule.due)
            threshold = _threshold(cfg, remaining)
            if threshold is None:
                continue
            missing = max(rule.required - rule.published, 0)
            due.reminders.append(
                Reminder(
                    f"rule:{a.assignment_id}:{index}",
                    f"{threshold}wd",
                    rule.due.isoformat(),
                    REMINDER,
                    f"【到期提醒】栏目“{a.column_path}”{_when(remaining, rule.due)}到期"
                    + pending_rules,
                    f"栏目“{a.column_path}”本期应发布{rule.required}条，已发布{rule.published}条，"
                    f"还差{missing}条，{_when(remaining, rule.due)}到期，请及时报送。"
                    + pending_note,
                    _uniq(unit_people),
                    link,
                    {"subject": f"栏目{a.column_path}", "when": rule.due.strftime("%m月%d日")},
                    urgent=remaining == 0,
                )
            )
        if a.status != OVERDUE:
            continue
        since = a.overdue_since or today
        due.reminders.append(
            Reminder(
                f"overdue:{a.assignment_id}",
                "overdue",
                today.isoformat(),  # daily
                REMINDER,
                f"【已逾期】栏目“{a.column_path}”自{since:%m月%d日}起逾期" + pending_rules,
                f"栏目“{a.column_path}”已逾期（自{since:%Y年%m月%d日}起），请尽快报送。"
                + pending_note,
                _uniq(unit_people),
                link,
                {"subject": f"栏目{a.column_path}", "when": f"{since:%m月%d日}起逾期"},
                urgent=True,
            )
        )
        if not a.escalates:  # 待确认: the unit is reminded, nobody else is told
            continue
        last = a.last_published_at
        overdue = functools.partial(
            Lapse,
            f"overdue:{a.assignment_id}",
            kind=COLUMN_LAPSE,
            since=since,
            unit_id=a.unit_id,
            what=a.column_path,
            link=link,
            last_published=last.astimezone(ZoneInfo(timezone)).date() if last else None,
        )
        due.lapses.append(
            overdue(
                threshold="escalate_supervisor",
                users=_uniq(directory.role(Role.SUPERVISOR)),
                robots=True,
            )
        )
        late, _ = calendar.count_workdays(since - timedelta(days=1), today)
        leader = directory.leader_of_unit.get(a.unit_id)
        if leader is not None and late >= cfg.LEADER_ESCALATE_WORKDAYS:
            due.lapses.append(overdue(threshold="escalate_leader", leaders=(leader,)))


def _assignment_ids(session: Session) -> dict[tuple[int, int], int]:
    return {
        (c, u): a
        for a, c, u in session.execute(
            select(ColumnAssignment.id, ColumnAssignment.column_id, ColumnAssignment.unit_id)
        )
    }


def _obligations(
    session: Session, today: date, calendar: WorkCalendar, directory: Directory, cfg: NotifyConfig
) -> list[Reminder]:
    horizon = calendar.add_workdays(today, max(cfg.THRESHOLDS, default=0)).date
    rows = session.execute(
        select(
            Obligation.id,
            Obligation.column_id,
            Obligation.unit_id,
            Obligation.due_date,
            Obligation.description,
            Column.path,
        )
        .join(Column, Column.id == Obligation.column_id)
        .where(
            Obligation.fulfilled_at.is_(None),
            Obligation.cancelled_at.is_(None),
            Obligation.due_date >= today,
            Obligation.due_date <= horizon,
        )
        .order_by(Obligation.id)
    ).all()
    if not rows:
        return []
    assignments = _assignment_ids(session)
    out = []
    for ob_id, column_id, unit_id, due, description, path in rows:
        remaining, _ = calendar.count_workdays(today, due)
        threshold = _threshold(cfg, remaining)
        if threshold is None:
            continue
        people = directory.drafters_for(assignments.get((column_id, unit_id)), unit_id)
        what = description or f"栏目“{path}”关联信息"
        out.append(
            Reminder(
                f"obligation:{ob_id}",
                f"{threshold}wd",
                due.isoformat(),
                REMINDER,
                f"【到期提醒】{what}{_when(remaining, due)}到期",
                f"{what}（栏目“{path}”）{_when(remaining, due)}到期，请及时发布。",
                _uniq(people + directory.unit(unit_id, Role.DEPUTY_HEAD)),
                _link(cfg, f"/columns/{column_id}"),
                {"subject": what[:30], "when": due.strftime("%m月%d日")},
                urgent=remaining == 0,
            )
        )
    return out


# --------------------------------------------------------------------------- (d)


def _item_dues(
    session: Session, today: date, calendar: WorkCalendar, directory: Directory, cfg: NotifyConfig
) -> list[Reminder]:
    horizon = calendar.add_workdays(today, max(cfg.THRESHOLDS, default=0)).date
    rows = session.execute(
        select(Item.id, Item.title, Item.unit_id, Item.drafter_id, Item.due_date)
        .where(
            Item.due_date.is_not(None),
            Item.due_date >= today,
            Item.due_date <= horizon,
            Item.first_published_at.is_(None),
            Item.state.not_in([State.WITHDRAWN.value, State.RETRACTED.value]),
        )
        .order_by(Item.id)
    )
    out = []
    for item_id, title, unit_id, drafter_id, due in rows:
        assert due is not None  # the query keeps only items with a due date
        remaining, _ = calendar.count_workdays(today, due)
        threshold = _threshold(cfg, remaining)
        if threshold is None:
            continue
        out.append(
            Reminder(
                f"item_due:{item_id}",
                f"{threshold}wd",
                due.isoformat(),
                REMINDER,
                f"【法定时限】《{title}》{_when(remaining, due)}到期",
                f"《{title}》的法定答复/发布时限{_when(remaining, due)}届满，请抓紧办理。",
                _uniq([drafter_id, *directory.unit(unit_id, Role.DEPUTY_HEAD)]),
                _link(cfg, f"/items/{item_id}"),
                {"subject": f"《{title}》"[:30], "when": due.strftime("%m月%d日")},
                urgent=remaining <= 1,
            )
        )
    return out


# --------------------------------------------------------------------------- (e)

DISCLOSURE_STAGE = "依申请公开办理"
ASSIST_STAGE = "协办"
RUNNING = (
    RequestState.RECEIVED,
    RequestState.HANDLING,
    RequestState.REPLY_DRAFTED,
    RequestState.REPLY_APPROVED,
)


def _disclosure_dues(
    due: Due,
    session: Session,
    today: date,
    calendar: WorkCalendar,
    directory: Directory,
    cfg: NotifyConfig,
) -> None:
    """Requests whose clock runs and whose stored due date is near or past (the due date
    is recomputed at every write of the request)."""
    horizon = calendar.add_workdays(today, max(cfg.THRESHOLDS, default=0)).date
    rows = session.execute(
        select(
            DisclosureRequest.id,
            DisclosureRequest.reference,
            DisclosureRequest.unit_id,
            DisclosureRequest.due_on,
            DisclosureRequest.received_on,
        )
        .where(
            DisclosureRequest.state.in_([s.value for s in RUNNING]),
            DisclosureRequest.due_on <= horizon,
        )
        .order_by(DisclosureRequest.id)
    )
    for request_id, reference, unit_id, due_on, received_on in rows:
        link = _link(cfg, f"/disclosure/{request_id}")
        what = f"政府信息公开申请{reference}"
        holders = (
            directory.role(Role.OFFICE_EDITOR) if unit_id is None else _leaders(directory, unit_id)
        )
        if due_on >= today:
            remaining, _ = calendar.count_workdays(today, due_on)
            threshold = _threshold(cfg, remaining)
            if threshold is None:
                continue
            due.reminders.append(
                Reminder(
                    f"disclosure:{request_id}",
                    f"{threshold}wd",
                    due_on.isoformat(),
                    REMINDER,
                    f"【依申请公开】{what}{_when(remaining, due_on)}到期",
                    f"{what}的法定答复期限{_when(remaining, due_on)}届满，请抓紧办理。",
                    _uniq(holders),
                    link,
                    {"subject": what[:30], "when": due_on.strftime("%m月%d日")},
                    urgent=remaining <= 1,
                )
            )
            continue
        waited, _ = calendar.count_workdays(received_on, today)
        due.lapses.append(
            Lapse(
                f"disclosure:{request_id}",
                "disclosure_overdue",
                ITEM_LAPSE,
                due_on,
                unit_id or 0,
                what,
                link,
                stage=DISCLOSURE_STAGE,
                waited=waited,
                users=_uniq(directory.role(Role.SUPERVISOR)),
                robots=True,
            )
        )


def _assist_dues(
    due: Due,
    session: Session,
    today: date,
    calendar: WorkCalendar,
    directory: Directory,
    cfg: NotifyConfig,
) -> None:
    """协办 opinions still awaited (an open request only): near their own date, the
    assisting unit's leaders are reminded; past it, the office editors who collect them
    and that unit's head hear of it as a lapse (督办), once a day while it lasts."""
    horizon = calendar.add_workdays(today, max(cfg.THRESHOLDS, default=0)).date
    rows = session.execute(
        select(
            DisclosureAssist.id,
            DisclosureAssist.unit_id,
            DisclosureAssist.asked_on,
            DisclosureAssist.due_on,
            DisclosureRequest.id,
            DisclosureRequest.reference,
        )
        .join(DisclosureRequest, DisclosureRequest.id == DisclosureAssist.request_id)
        .where(
            DisclosureAssist.opinion.is_(None),
            DisclosureAssist.due_on <= horizon,
            DisclosureRequest.state != RequestState.ANSWERED.value,
        )
        .order_by(DisclosureAssist.id)
    )
    for assist_id, unit_id, asked_on, due_on, request_id, reference in rows:
        what = f"政府信息公开申请{reference}的协办意见"
        link = _link(cfg, f"/disclosure/{request_id}")
        if due_on < today:
            due.lapses.append(
                Lapse(
                    f"disclosure_assist:{assist_id}",
                    "assist_overdue",
                    ITEM_LAPSE,
                    due_on,
                    unit_id,
                    what,
                    link,
                    stage=ASSIST_STAGE,
                    waited=calendar.count_workdays(asked_on, today)[0],
                    users=_uniq(
                        [*directory.role(Role.OFFICE_EDITOR), *directory.unit(unit_id, Role.HEAD)]
                    ),
                )
            )
            continue
        remaining, _ = calendar.count_workdays(today, due_on)
        threshold = _threshold(cfg, remaining)
        if threshold is None:
            continue
        due.reminders.append(
            Reminder(
                f"disclosure_assist:{assist_id}",
                f"{threshold}wd",
                due_on.isoformat(),
                REMINDER,
                f"【协办】{what}{_when(remaining, due_on)}到期",
                f"请于{_when(remaining, due_on)}前提交{what}（清晰、准确、全面）。",
                _uniq(_leaders(directory, unit_id)),
                link,
                {"subject": what[:30], "when": due_on.strftime("%m月%d日")},
                urgent=remaining <= 1,
            )
        )
