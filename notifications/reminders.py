"""What is due, computed from the database at `now` — never from Redis, never from
having run at every tick (rq cron does not catch up on missed runs): a scan that runs
late still finds every reminder whose threshold has been crossed.

(a) items waiting at a review stage longer than the stage limit → the holders; longer
    than the escalation limit → the office (supervisors, group robots);
(b) column rules and linked obligations due within a threshold (3, 1, 0 working days)
    → the designated drafters and the unit's deputy head; a scan that missed a threshold
    sends the tightest one crossed, once;
(c) overdue columns → the unit daily; the supervisor once per lapse; the supervising
    leader once per lapse after LEADER_ESCALATE_WORKDAYS;
(d) after_event items (依申请公开, letters) nearing their legal limit → the drafter and
    the deputy head.
"""

from __future__ import annotations

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
from workflow.enums import REVIEW_STATES, Role, State
from workflow.models import Column, ColumnAssignment, Item, Obligation
from workflow.permissions import STAGES

REMINDER, ESCALATION = "reminder", "escalation"


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


def _uniq(ids: list[int], exclude: int | None = None) -> tuple[int, ...]:
    return tuple(i for i in dict.fromkeys(ids) if i != exclude)


def _when(remaining: int, due: date) -> str:
    return (
        f"今天（{due:%m月%d日}）" if remaining == 0 else f"{remaining}个工作日后（{due:%m月%d日}）"
    )


def due_reminders(
    session: Session, now: datetime, cfg: NotifyConfig, timezone: str = "Asia/Shanghai"
) -> list[Reminder]:
    tz = ZoneInfo(timezone)
    today = now.astimezone(tz).date()
    calendar = load_calendar(session)
    directory = Directory.load(session)
    out: list[Reminder] = []
    out += _stage_waits(session, today, tz, calendar, directory, cfg)
    out += _columns(session, now, today, calendar, directory, cfg, timezone)
    out += _obligations(session, today, calendar, directory, cfg)
    out += _item_dues(session, today, calendar, directory, cfg)
    return out


def _threshold(cfg: NotifyConfig, remaining: int) -> int | None:
    """The tightest threshold crossed: 2 working days left with (3, 1, 0) → 3."""
    crossed = [t for t in cfg.THRESHOLDS if remaining <= t]
    return min(crossed) if crossed else None


def _link(cfg: NotifyConfig, path: str) -> str:
    return f"{cfg.BASE_URL.rstrip('/')}{path}"


# --------------------------------------------------------------------------- (a)


def _stage_waits(
    session: Session,
    today: date,
    tz: ZoneInfo,
    calendar: WorkCalendar,
    directory: Directory,
    cfg: NotifyConfig,
) -> list[Reminder]:
    rows = session.execute(
        select(Item.id, Item.title, Item.unit_id, Item.state, Item.state_since, Item.drafter_id)
        .where(Item.state.in_([s.value for s in REVIEW_STATES]))
        .order_by(Item.id)
    )
    out = []
    for item_id, title, unit_id, state, since, drafter_id in rows:
        waited, _ = calendar.count_workdays(since.astimezone(tz).date(), today)
        if waited < cfg.STAGE_LIMIT_WORKDAYS:
            continue
        stage = STAGES[State(state)]
        holders = (
            directory.unit(unit_id, stage.role) if stage.own_unit else directory.role(stage.role)
        )
        subject, period = f"item:{item_id}:{state}", since.isoformat()
        link = _link(cfg, f"/items/{item_id}")
        out.append(
            Reminder(
                subject,
                "stage_limit",
                period,
                REMINDER,
                f"【待{stage.label}】《{title}》已等待{waited}个工作日",
                f"信息《{title}》在{stage.label}环节已等待{waited}个工作日，请及时处理。",
                _uniq(holders, exclude=drafter_id),
                link,
                {"subject": f"《{title}》{stage.label}", "when": f"已等待{waited}个工作日"},
            )
        )
        if waited >= cfg.STAGE_ESCALATE_WORKDAYS:
            out.append(
                Reminder(
                    subject,
                    "stage_escalate",
                    period,
                    ESCALATION,
                    f"【督办】《{title}》在{stage.label}环节滞留{waited}个工作日",
                    f"信息《{title}》在{stage.label}环节已滞留{waited}个工作日，请督促办理。",
                    _uniq(directory.role(Role.SUPERVISOR)),
                    link,
                    {"subject": f"《{title}》{stage.label}滞留", "when": f"{waited}个工作日"},
                    robots=True,
                    urgent=True,
                )
            )
    return out


# --------------------------------------------------------------------------- (b), (c)


def _columns(
    session: Session,
    now: datetime,
    today: date,
    calendar: WorkCalendar,
    directory: Directory,
    cfg: NotifyConfig,
    timezone: str,
) -> list[Reminder]:
    horizon = max(cfg.THRESHOLDS, default=0)
    statuses = evaluate(
        session, now, Settings(due_soon_workdays=horizon, timezone=timezone), calendar
    )
    out = []
    for a in statuses:
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
            out.append(
                Reminder(
                    f"rule:{a.assignment_id}:{index}",
                    f"{threshold}wd",
                    rule.due.isoformat(),
                    REMINDER,
                    f"【到期提醒】栏目“{a.column_path}”{_when(remaining, rule.due)}到期",
                    f"栏目“{a.column_path}”本期应发布{rule.required}条，已发布{rule.published}条，"
                    f"还差{missing}条，{_when(remaining, rule.due)}到期，请及时报送。",
                    _uniq(unit_people),
                    link,
                    {"subject": f"栏目{a.column_path}", "when": rule.due.strftime("%m月%d日")},
                    urgent=remaining == 0,
                )
            )
        if a.status != OVERDUE:
            continue
        since = a.overdue_since or today
        out.append(
            Reminder(
                f"overdue:{a.assignment_id}",
                "overdue",
                today.isoformat(),  # daily
                REMINDER,
                f"【已逾期】栏目“{a.column_path}”自{since:%m月%d日}起逾期",
                f"栏目“{a.column_path}”已逾期（自{since:%Y年%m月%d日}起），请尽快报送。",
                _uniq(unit_people),
                link,
                {"subject": f"栏目{a.column_path}", "when": f"{since:%m月%d日}起逾期"},
                urgent=True,
            )
        )
        out.append(
            Reminder(
                f"overdue:{a.assignment_id}",
                "escalate_supervisor",
                since.isoformat(),  # once per lapse
                ESCALATION,
                f"【督办】栏目“{a.column_path}”自{since:%m月%d日}起逾期",
                f"栏目“{a.column_path}”（单位编号{a.unit_id}）自{since:%Y年%m月%d日}起逾期，请督办。",
                _uniq(directory.role(Role.SUPERVISOR)),
                link,
                {"subject": f"栏目{a.column_path}逾期", "when": f"{since:%m月%d日}起"},
                robots=True,
                urgent=True,
            )
        )
        late, _ = calendar.count_workdays(since - timedelta(days=1), today)
        leader = directory.leader_of_unit.get(a.unit_id)
        if leader is not None and late >= cfg.LEADER_ESCALATE_WORKDAYS:
            out.append(
                Reminder(
                    f"overdue:{a.assignment_id}",
                    "escalate_leader",
                    since.isoformat(),
                    ESCALATION,
                    f"【督办】分管单位栏目“{a.column_path}”逾期{late}个工作日",
                    f"您分管单位的栏目“{a.column_path}”自{since:%Y年%m月%d日}起逾期，"
                    f"已{late}个工作日未报送，请督促落实。",
                    (),
                    link,
                    {"subject": f"栏目{a.column_path}逾期", "when": f"{late}个工作日"},
                    leaders=(leader,),
                    urgent=True,
                )
            )
    return out


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
