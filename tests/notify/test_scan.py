"""What the scan finds due, computed from the database at `now` (rolled-back sessions,
no Redis needed): stage waits and their escalation, overdue columns up to the
supervising leader, after_event items, quiet hours, digests and preferences. The 督办
messages themselves (one per recipient and channel) are tested in test_escalation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from config import Config, load_config
from notifications import ledger
from notifications.leaders import LeaderFileError, import_file, read_rows
from notifications.recipients import set_preference
from notifications.scan import scan
from workflow.accounts import create_user
from workflow.enums import ItemKind, Role, State
from workflow.models import Column, ColumnAssignment, Delivery, Leader, UnitLeader

from ..conftest import NOW
from ..factories import World, item_in_state, make_column, published_item, unique
from .conftest import notify_env

BJ = ZoneInfo("Asia/Shanghai")
ALL = {"inapp", "email", "sms", "wecom", "dingtalk"}


def cfg(**extra: str) -> Config:
    return load_config(notify_env("sqlite://", 2525, **extra))


def beijing(day: str, hour: int) -> datetime:
    return (
        datetime.combine(date.fromisoformat(day), datetime.min.time(), BJ)
        .replace(hour=hour)
        .astimezone(UTC)
    )


def rows(session: Session, **where: object) -> list[Delivery]:
    stmt = select(Delivery).order_by(Delivery.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(Delivery, name) == value)
    return list(session.execute(stmt).scalars())


def with_contacts(world: World) -> None:
    for (role, where), user in world.users.items():
        user.email = f"{role}.{where}.{user.id}@gov.test"
        user.mobile = f"1380000{user.id:04d}"


# --------------------------------------------------------------------------- (a)


def test_item_waiting_at_a_stage_reminds_the_holder_then_escalates(
    session: Session, world: World
) -> None:
    with_contacts(world)
    # Submitted Wednesday 18 Nov: by Monday 23rd it has waited 3 working days (19, 20, 23).
    item = item_in_state(session, world, State.INITIAL_REVIEW, NOW - timedelta(days=5))
    config = cfg()
    scan(session, NOW, config, ALL)
    reminders = rows(session, subject=f"item:{item.id}:initial_review")
    assert {(r.threshold, r.recipient, r.channel) for r in reminders} == {
        ("stage_limit", f"user:{world.user(Role.DEPUTY_HEAD).id}", "inapp"),
        ("stage_limit", f"user:{world.user(Role.DEPUTY_HEAD).id}", "email"),
    }
    # Tuesday: 4 working days → the office's supervisors and the group robots hear, in
    # their 督办 message (the item's rows are folded into it).
    scan(session, NOW + timedelta(days=1), config, ALL)
    escalations = rows(session, threshold="stage_escalate")
    supervisor = world.user(Role.SUPERVISOR, "a").id
    assert {r.recipient for r in escalations} >= {f"user:{supervisor}", "robot:wecom"}
    assert all(r.escalation and r.status == ledger.DIGESTED for r in escalations)
    messages = rows(session, subject="escalation", recipient=f"user:{supervisor}")
    # SMS goes to escalations (urgent) by default, not to the plain reminder.
    assert {r.channel for r in messages} == {"inapp", "email", "sms"}
    assert {r.digest_id for r in escalations if r.recipient == f"user:{supervisor}"} == {
        r.id for r in messages
    }
    # Scanning again changes nothing.
    before = len(rows(session))
    scan(session, NOW + timedelta(days=1), config, ALL)
    assert len(rows(session)) == before


@pytest.mark.parametrize(("limits", "reminded"), [({}, True), ({"INITIAL_REVIEW": "4"}, False)])
def test_each_stage_has_its_own_limit(
    session: Session, world: World, limits: dict[str, str], reminded: bool
) -> None:
    # 3 working days at 初审 (as above): due at the default 2, not at a 初审 limit of 4,
    # whatever the other stages' limits say.
    item = item_in_state(session, world, State.INITIAL_REVIEW, NOW - timedelta(days=5))
    env = {f"NOTIFY_STAGE_LIMIT_{stage}": days for stage, days in limits.items()}
    scan(session, NOW, cfg(NOTIFY_STAGE_LIMIT_HEAD_REVIEW="9", **env), ALL)
    reminders = rows(session, subject=f"item:{item.id}:initial_review", threshold="stage_limit")
    assert bool(reminders) is reminded


# --------------------------------------------------------------------------- (c)


def test_overdue_column_daily_to_unit_and_told_to_supervisor_then_leader(
    session: Session, world: World, tmp_path: Path
) -> None:
    with_contacts(world)
    # Due by the 20th monthly; October was kept, November missed: overdue since Sat 21st.
    column = _due_columns(session, world, 1, by_day=20, published=NOW - timedelta(days=39))[0]
    csv = tmp_path / "leaders.csv"
    csv.write_text(
        f"单位,分管领导,职务,邮箱,手机\n{world.unit_a.name},程宏刚,副区长,cheng@gov.test,13900000001\n",
        encoding="utf-8",
    )
    assert import_file(session, csv) == (1, 1)
    config = cfg()
    # Monday: the unit hears, the supervisor hears; 1 working day late: not the leader yet.
    scan(session, NOW, config, ALL)
    overdue = [r for r in rows(session) if r.subject.startswith("overdue:")]
    assert {r.threshold for r in overdue} == {"overdue", "escalate_supervisor"}
    assert not any(r.recipient.startswith("leader:") for r in overdue)
    # Next day: the unit again (daily); the supervisor again too, once, as 仍逾期 (a
    # working day: an overdue column is repeated at most once per working day).
    scan(session, NOW + timedelta(days=1), config, ALL)
    scan(session, NOW + timedelta(days=1, hours=2), config, ALL)
    daily = {r.period for r in rows(session, threshold="overdue")}
    assert len(daily) == 2
    supervisor = f"user:{world.user(Role.SUPERVISOR).id}"
    told = rows(session, threshold="escalate_supervisor", recipient=supervisor, channel="email")
    assert [r.params["new"] for r in told] == [True, False]
    leader = session.execute(select(Leader)).scalar_one()
    assert rows(session, recipient=f"leader:{leader.id}") == []
    # Wednesday: 3 working days late (23, 24, 25) → the supervising leader, 新增; Thursday
    # again as 仍逾期.
    scan(session, NOW + timedelta(days=2), config, ALL)
    scan(session, NOW + timedelta(days=3), config, ALL)
    to_leader = rows(session, recipient=f"leader:{leader.id}")
    lapses = [r for r in to_leader if r.threshold == "escalate_leader"]
    assert all(column.path in r.title for r in lapses)
    assert [r.params["new"] for r in lapses if r.channel == "email"] == [True, False]
    messages = [r for r in to_leader if r.subject == "escalation"]
    assert {r.channel for r in messages} == {"email", "sms"}  # no login: no inbox
    assert all(r.title.startswith("【督办】您分管的1个单位") for r in messages)
    assert "程宏刚" in leader.name


def test_leader_file_errors_name_file_row_and_field(
    session: Session, world: World, tmp_path: Path
) -> None:
    bad = tmp_path / "领导.csv"
    bad.write_text("单位,分管领导,手机\n区教育局,张勇强,12ab\n", encoding="utf-8")
    with pytest.raises(LeaderFileError, match=r"领导\.csv 第2行：“手机”格式不对"):
        read_rows(bad.read_bytes(), bad.name)
    unknown = tmp_path / "x.csv"
    unknown.write_text(f"单位,分管领导\n{world.unit_a.name},甲\n不存在的局,乙\n", encoding="utf-8")
    with pytest.raises(LeaderFileError, match=r"第3行：找不到单位“不存在的局”"):
        import_file(session, unknown)
    assert session.execute(select(UnitLeader)).first() is None  # nothing half-written
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["单位", "分管领导", "职务"])
    sheet.append([world.unit_a.name, "尹天兵", "副区长"])
    sheet.append([world.unit_b.name, "尹天兵", "副区长"])
    book.save(tmp_path / "leaders.xlsx")
    assert import_file(session, tmp_path / "leaders.xlsx") == (1, 2)


# --------------------------------------------------------------------------- (b), (d)


def test_after_event_item_nearing_its_legal_limit(session: Session, world: World) -> None:
    with_contacts(world)
    item = item_in_state(session, world, State.DRAFT, NOW)
    item.kind = ItemKind.REPLY
    item.due_date = date(2026, 11, 24)  # 1 working day after Monday 23rd
    session.flush()
    scan(session, NOW, cfg(), ALL)
    found = rows(session, subject=f"item_due:{item.id}")
    assert {r.threshold for r in found} == {"1wd"}
    assert {r.recipient for r in found} == {
        f"user:{world.drafter.id}",
        f"user:{world.user(Role.DEPUTY_HEAD).id}",
    }
    assert "sms" in {r.channel for r in found}  # 1 working day left: urgent


def _due_columns(
    session: Session,
    world: World,
    n: int,
    by_day: int = 26,
    published: datetime = NOW - timedelta(days=30),
    confirmed: bool = True,
) -> list[Column]:
    """n columns due Thursday 26th (3 working days), each kept last month; the office
    confirmed their rules unless `confirmed` is False (待确认)."""
    out = []
    for _ in range(n):
        column = make_column(session, [world.unit_a], name=unique("栏目"))
        column.rules = [
            {"kind": "periodic", "every": 1, "unit": "month", "min_items": 1, "by_day": by_day}
        ]
        column.rules_confirmed_at = NOW if confirmed else None
        out.append(column)
        published_item(session, world, column, published)
    session.flush()
    return out


def test_more_than_n_due_items_make_one_digest_mail(session: Session, world: World) -> None:
    with_contacts(world)
    _due_columns(session, world, 4)
    config = cfg(NOTIFY_DIGEST_THRESHOLD="3")
    result = scan(session, NOW, config, ALL)
    me = f"user:{world.drafter.id}"
    mails = rows(session, recipient=me, channel="email")
    digest = [r for r in mails if r.subject == "digest"]
    assert len(digest) == 1 and "4项" in digest[0].title
    folded = [r for r in mails if r.status == ledger.DIGESTED]
    assert len(folded) == 4 and {r.digest_id for r in folded} == {digest[0].id}
    assert digest[0].id in result.to_enqueue
    assert not set(result.to_enqueue) & {r.id for r in folded}
    # In-app copies stay one per item.
    assert len(rows(session, recipient=me, channel="inapp")) == 4
    scan(session, NOW, config, ALL)
    assert len(rows(session, subject="digest")) == 2  # drafter and deputy head, once each


def test_preferences_turn_channels_off_and_sms_on(session: Session, world: World) -> None:
    with_contacts(world)
    _due_columns(session, world, 1)
    set_preference(session, world.drafter.id, "email", False)
    set_preference(session, world.drafter.id, "sms", True)
    with pytest.raises(ValueError):
        set_preference(session, world.drafter.id, "inapp", False)
    scan(session, NOW, cfg(), ALL)
    mine = {r.channel for r in rows(session, recipient=f"user:{world.drafter.id}")}
    deputy = {r.channel for r in rows(session, recipient=f"user:{world.user(Role.DEPUTY_HEAD).id}")}
    assert mine == {"inapp", "sms"}
    assert deputy == {"inapp", "email"}  # 3 days ahead is not urgent: no SMS by default


# --------------------------------------------------------------------------- quiet hours


@pytest.mark.parametrize(
    ("at", "escalation", "expected"),
    [
        (beijing("2026-11-23", 10), False, None),  # Monday morning: now
        (beijing("2026-11-23", 22), False, beijing("2026-11-24", 8)),  # quiet: next 08:00
        (beijing("2026-11-24", 6), False, beijing("2026-11-24", 8)),  # before 08:00
        (beijing("2026-11-28", 10), False, beijing("2026-11-30", 8)),  # Saturday → Monday
        (beijing("2026-11-28", 10), True, None),  # escalations go on non-working days
        (beijing("2026-11-28", 23), True, beijing("2026-11-29", 8)),  # but not at night
    ],
)
def test_sms_waits_for_the_morning_and_working_days(
    at: datetime, escalation: bool, expected: datetime | None
) -> None:
    from notifications.scan import sms_not_before
    from workflow.calendar import WorkCalendar

    got = sms_not_before(at, cfg().NOTIFY, WorkCalendar(), BJ, escalation)
    assert got == expected


def test_sms_made_in_quiet_hours_waits_and_is_not_enqueued(session: Session, world: World) -> None:
    with_contacts(world)
    _due_columns(session, world, 1)
    set_preference(session, world.drafter.id, "sms", True)
    night = beijing("2026-11-23", 22)
    result = scan(session, night, cfg(), ALL)
    sms = rows(session, recipient=f"user:{world.drafter.id}", channel="sms")
    assert len(sms) == 1 and sms[0].not_before == beijing("2026-11-24", 8)
    assert sms[0].id not in result.to_enqueue
    email = rows(session, recipient=f"user:{world.drafter.id}", channel="email")[0]
    assert email.id in result.to_enqueue
    morning = scan(
        session, beijing("2026-11-24", 8), cfg(), ALL, recover_at=beijing("2026-11-24", 8)
    )
    assert sms[0].id in morning.to_enqueue
    # A worker that picks the row up early (a stray job) leaves it alone.
    assert ledger.claim(session, sms[0].id, night) is None


def test_designated_drafters_replace_the_unit_drafters(session: Session, world: World) -> None:
    with_contacts(world)
    _due_columns(session, world, 1)
    named = create_user(
        session,
        login=unique("named"),
        name="指定信息员",
        unit=world.unit_a,
        roles=[Role.DRAFTER],
        now=NOW,
        email="named@gov.test",
    )
    for a in session.execute(select(ColumnAssignment)).scalars():
        if a.unit_id == world.unit_a.id:
            a.drafters = [named]
    session.flush()
    scan(session, NOW, cfg(), ALL)
    recipients = {r.recipient for r in rows(session) if r.subject.startswith("rule:")}
    assert f"user:{named.id}" in recipients
    assert f"user:{world.drafter.id}" not in recipients


def test_notify_settings_from_environment() -> None:
    from config import ConfigError

    n = cfg(NOTIFY_THRESHOLDS="0,3,1", NOTIFY_QUIET_START="22:30", SMTP_STARTTLS="yes").NOTIFY
    assert n.THRESHOLDS == (3, 1, 0) and n.QUIET_START == "22:30" and n.SMTP_STARTTLS
    for bad in (
        {"NOTIFY_THRESHOLDS": "3,x"},
        {"NOTIFY_QUIET_END": "25:00"},
        {"SMS_PROVIDER": "qcloud"},
        {"SMTP_SSL": "maybe"},
        {"NOTIFY_MAX_ATTEMPTS": "0"},
    ):
        with pytest.raises(ConfigError):
            cfg(**bad)
