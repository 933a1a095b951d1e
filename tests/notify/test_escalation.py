"""督办 informs instead of flooding: one message per recipient and channel per scan, units
by name with their overdue columns, 新增 apart from 仍逾期 (repeated at most once per
working day), nothing for columns whose rules are 待确认, stuck items in the same
message, robots cut to their size limit. Rolled-back sessions for what the scan records;
a real Redis, aiosmtpd and robot webhooks for what arrives."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import redis
from pytest_httpserver import HTTPServer
from rq import Queue
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from werkzeug import Request, Response

from notifications import ledger
from notifications.channels.robots import MARKDOWN_LIMITS, markdown_text
from notifications.escalation_text import Entry, render
from notifications.jobs import scan_and_enqueue
from notifications.leaders import import_file
from notifications.reminders import COLUMN_LAPSE, ITEM_LAPSE, Lapse
from notifications.runtime import QUEUE
from notifications.scan import scan
from workflow.demo import DEMO_UNCONFIRMED, load_demo
from workflow.enums import Role, State
from workflow.models import Column, Delivery, Unit, User

from ..conftest import NOW, burst
from ..factories import World, item_in_state, make_column, published_item, unique
from .conftest import SmtpSink, configure
from .test_scan import ALL, beijing, cfg, rows, with_contacts

LINK = "http://sanshen.test/office/"
# What a message must never show: internal ids and codes.
INTERNAL = re.compile(r"单位编号|user:|leader:|robot:|overdue:|item:\d|rule:|escalate_")


def overdue_column(
    session: Session,
    world: World,
    unit: Unit | None = None,
    by_day: int = 20,
    confirmed: bool = True,
) -> Column:
    """A monthly column due by `by_day`, kept in October, missed in November: by the
    20th → overdue since Saturday 21 November 2026 (NOW is Monday 23rd)."""
    unit = unit or world.unit_a
    column = make_column(session, [unit], name=unique("逾期栏目"))
    column.path = f"区政府门户网站/政务公开/{column.name}"
    column.rules = [
        {"kind": "periodic", "every": 1, "unit": "month", "min_items": 1, "by_day": by_day}
    ]
    column.rules_confirmed_at = NOW if confirmed else None
    item = published_item(session, world, column, NOW - timedelta(days=39))  # 15 October
    item.unit_id = unit.id
    session.flush()
    return column


def messages(session: Session, **where: object) -> list[Delivery]:
    """The 督办 messages (the rows that are sent; the per-lapse rows are folded)."""
    return rows(session, subject="escalation", **where)


def per_recipient_and_channel(session: Session) -> Counter[tuple[str, str]]:
    return Counter((r.recipient, r.channel) for r in messages(session))


def leader_file(tmp_path: Path, unit: Unit) -> Path:
    csv = tmp_path / "leaders.csv"
    csv.write_text(
        f"单位,分管领导,职务,邮箱,手机\n{unit.name},程宏刚,副区长,cheng@gov.test,13900000001\n",
        encoding="utf-8",
    )
    return csv


# --------------------------------------------------------------------------- (1) the demo


def test_demo_first_scan_gives_each_supervisor_one_message_per_channel(
    session: Session,
) -> None:
    load_demo(session, NOW)
    supervisor = session.execute(select(User).where(User.login == "supervisor")).scalar_one()
    supervisor.mobile = "13800000011"
    session.flush()
    result = scan(session, NOW, cfg(), ALL)
    mine = messages(session, recipient=f"user:{supervisor.id}")
    assert sorted(r.channel for r in mine) == ["email", "inapp", "sms"]
    assert set(per_recipient_and_channel(session).values()) == {1}
    # Nothing else of the escalations goes out on its own: every lapse row is folded.
    unsent = [r for r in rows(session, kind="escalation") if r.subject != "escalation"]
    assert unsent and all(r.status == ledger.DIGESTED for r in unsent)
    assert result.escalations == len(messages(session))
    mail = next(r for r in mine if r.channel == "email")
    units = {u.id: u.name for u in session.execute(select(Unit)).scalars()}
    columns_told = {r.subject for r in unsent if r.threshold == "escalate_supervisor"}
    assert len(columns_told) > 20
    for r in messages(session):
        assert not INTERNAL.search(r.title + r.body), r.body
        # Columns whose rules the demo office has not confirmed never escalate.
        assert not any(name in r.body for name in DEMO_UNCONFIRMED)
    assert "区教育局" in mail.body and "区民政局" in mail.body
    assert re.match(
        r"【督办】\d+个单位的\d+个栏目逾期、\d+条信息在审核环节滞留（新增\d+项）", mail.title
    )
    assert sum(name in mail.body for name in units.values()) > 20
    # The unit itself is still reminded of the unconfirmed column, and told it is 待确认.
    pending = [r for r in rows(session, threshold="overdue") if "待确认" in r.title]
    assert pending and all(any(name in r.title for name in DEMO_UNCONFIRMED) for r in pending)
    for channel, limit in MARKDOWN_LIMITS.items():
        [robot] = messages(session, recipient=f"robot:{channel}")
        assert len(markdown_text(robot.title, robot.body, robot.link).encode()) <= limit
    sms = next(r for r in mine if r.channel == "sms")
    assert re.fullmatch(
        r"\d+个单位\d+个栏目逾期、\d+条信息审核滞留，新增\d+项", sms.params["subject"]
    )
    assert len(sms.params["subject"]) <= 35 and sms.link == LINK


# --------------------------------------------------------------------------- (2) 新增 / 仍逾期


def test_new_and_still_overdue_over_working_and_non_working_days(
    session: Session, world: World
) -> None:
    with_contacts(world)
    a = overdue_column(session, world)  # overdue since Saturday 21st
    b = overdue_column(session, world, by_day=27)  # due Friday 27th: overdue from the 28th
    config = cfg()
    supervisor = f"user:{world.user(Role.SUPERVISOR).id}"

    def told(at: datetime) -> list[Delivery]:
        before = {r.id for r in messages(session)}
        scan(session, at, config, ALL)
        new = [r for r in messages(session) if r.id not in before]
        # One message per recipient and channel, whatever the scan found.
        assert all(n == 1 for n in Counter((r.recipient, r.channel) for r in new).values())
        return [r for r in new if r.recipient == supervisor and r.channel == "email"]

    [monday] = told(NOW)
    assert monday.title == "【督办】1个单位的1个栏目逾期（新增1个）"
    assert f"【新增】{a.path}：自11月21日起逾期" in monday.body
    assert world.unit_a.name in monday.body and b.path not in monday.body
    assert told(NOW + timedelta(hours=5)) == []  # the same day: not again
    [tuesday] = told(NOW + timedelta(days=1))  # the next working day: once, 仍逾期
    assert tuesday.title == "【督办】1个单位的1个栏目仍逾期"
    assert f"【仍逾期】{a.path}：自11月21日起逾期" in tuesday.body
    assert told(NOW + timedelta(days=1, hours=8)) == []
    # Saturday 28th, not a working day: A is not repeated; B, newly overdue, is 新增.
    [saturday] = told(beijing("2026-11-28", 9))
    assert saturday.title == "【督办】1个单位的1个栏目逾期（新增1个）"
    assert f"【新增】{b.path}：自11月28日起逾期" in saturday.body and a.path not in saturday.body
    assert told(beijing("2026-11-29", 9)) == []  # Sunday: nothing
    [monday_30] = told(beijing("2026-11-30", 9))
    assert monday_30.title == "【督办】1个单位的2个栏目仍逾期"
    assert f"【仍逾期】{a.path}" in monday_30.body and f"【仍逾期】{b.path}" in monday_30.body
    # The ledger says who was told of what, when: one row per day told, folded.
    days = [
        r.period
        for r in rows(
            session,
            subject=f"overdue:{_assignment(a)}",
            threshold="escalate_supervisor",
            recipient=supervisor,
            channel="email",
        )
    ]
    assert days == ["2026-11-23", "2026-11-24", "2026-11-30"]


def _assignment(column: Column) -> int:
    return column.assignments[0].id


def test_a_new_lapse_of_the_same_column_is_new_again(session: Session, world: World) -> None:
    """Published, then missed again: the next lapse is 新增, not 仍逾期."""
    with_contacts(world)
    column = overdue_column(session, world)
    config = cfg()
    scan(session, NOW, config, ALL)
    published_item(session, world, column, NOW + timedelta(days=1))  # Tuesday 24th
    # That item kept the period to 20 December; the next one is missed: overdue again
    # from Thursday 21 January.
    scan(session, beijing("2027-01-21", 9), config, ALL)
    supervisor = f"user:{world.user(Role.SUPERVISOR).id}"
    [_, january] = messages(session, recipient=supervisor, channel="inapp")
    assert f"【新增】{column.path}：自1月21日起逾期" in january.body


# --------------------------------------------------------------------------- (3), (5) end to end


def test_scan_twice_and_jobs_twice_send_one_mail_and_one_robot_post(
    committed: tuple[Session, World],
    smtp: tuple[SmtpSink, int],
    redis_client: redis.Redis,
    engine: Engine,
    database_url: str,
    httpserver: HTTPServer,
) -> None:
    session, world = committed
    sink, port = smtp
    posts: list[tuple[str, dict[str, object]]] = []

    def robot(request: Request) -> Response:
        posts.append((request.path, json.loads(request.get_data())))
        return Response(json.dumps({"errcode": 0, "errmsg": "ok"}), content_type="application/json")

    httpserver.expect_request("/wecom").respond_with_handler(robot)
    httpserver.expect_request("/dingtalk").respond_with_handler(robot)
    supervisor = world.user(Role.SUPERVISOR)
    supervisor.email = "supervisor@office.test"
    columns = [overdue_column(session, world) for _ in range(3)]
    columns.append(overdue_column(session, world, unit=world.unit_b))
    stuck = item_in_state(session, world, State.OFFICE_REVIEW, NOW - timedelta(days=9))
    session.commit()
    configure(
        engine,
        database_url,
        port,
        WECOM_WEBHOOK_URL=httpserver.url_for("/wecom"),
        DINGTALK_WEBHOOK_URL=httpserver.url_for("/dingtalk"),
    )
    queue = Queue(QUEUE, connection=redis_client)

    def run() -> None:
        burst(redis_client, queue.name)

    first = scan_and_enqueue(queue, now=NOW)
    again = scan_and_enqueue(queue, now=NOW)  # the same tick: a duplicated cron run
    assert first["escalations"] > 0 and again["escalations"] == again["new"] == 0
    with Session(engine) as s:
        ids = list(s.execute(select(Delivery.id)).scalars())
    for row_id in ids:
        queue.enqueue("notifications.jobs.deliver", row_id)  # every job retried
    run()
    mails = sink.to("supervisor@office.test")
    assert len(mails) == 1
    mail = mails[0].message
    assert mail["Subject"] == "【督办】2个单位的4个栏目逾期、1条信息在审核环节滞留（新增5项）"
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    for column in columns:
        assert column.path in text
    assert world.unit_a.name in text and world.unit_b.name in text
    assert f"《{stuck.title}》在审发环节" in text and LINK in text
    assert sorted(path for path, _ in posts) == ["/dingtalk", "/wecom"]
    wecom = next(body for path, body in posts if path == "/wecom")
    content = wecom["markdown"]["content"]  # type: ignore[index]
    assert content.startswith("### 【督办】") and world.unit_b.name in content
    assert f"[查看]({LINK})" in content

    # The next working day: once more each, as 仍逾期, however often it runs.
    tuesday = NOW + timedelta(days=1)
    scan_and_enqueue(queue, now=tuesday, recover_at=tuesday)
    scan_and_enqueue(queue, now=tuesday, recover_at=tuesday)
    run()
    mails = sink.to("supervisor@office.test")
    assert len(mails) == 2 and "仍逾期" in mails[1].message["Subject"]
    assert len(posts) == 4
    with Session(engine) as s:
        sent = Counter(
            (r.recipient, r.channel, r.period.split("#")[0])
            for r in messages(s)
            if r.status == ledger.SENT
        )
    assert set(sent.values()) == {1}


# --------------------------------------------------------------------------- (4) 待确认


def test_unconfirmed_column_reminds_the_unit_and_never_escalates(
    session: Session, world: World, tmp_path: Path
) -> None:
    with_contacts(world)
    assert import_file(session, leader_file(tmp_path, world.unit_a)) == (1, 1)
    late = overdue_column(session, world, confirmed=False)
    soon = overdue_column(session, world, by_day=26, confirmed=False)  # due Thursday 26th
    config = cfg()
    for days in range(4):  # Monday to Thursday: past the leader's 3 working days
        scan(session, NOW + timedelta(days=days), config, ALL)
    assert rows(session, kind="escalation") == []
    assert rows(session, escalation=True) == []
    unit = rows(session, threshold="overdue", recipient=f"user:{world.drafter.id}")
    assert unit and all(late.path in r.title and "待确认" in r.title for r in unit)
    assert "尚待确认" in unit[0].body
    due_soon = rows(session, subject=f"rule:{_assignment(soon)}:0")
    assert due_soon and all("待确认" in r.title for r in due_soon)
    # Once the office confirms the rules, the lapse escalates (新增: never told before).
    late.rules_confirmed_at = NOW + timedelta(days=4)
    session.flush()
    scan(session, NOW + timedelta(days=4), config, ALL)
    [mail] = messages(session, recipient=f"user:{world.user(Role.SUPERVISOR).id}", channel="email")
    assert f"【新增】{late.path}" in mail.body
    assert {r.recipient for r in messages(session)} >= {"robot:wecom", "robot:dingtalk"}
    assert any(r.recipient.startswith("leader:") for r in messages(session))


# --------------------------------------------------------------------------- (5) robots


def test_robots_get_one_message_per_scan(session: Session, world: World) -> None:
    for _ in range(5):
        overdue_column(session, world)
    overdue_column(session, world, unit=world.unit_b)
    item_in_state(session, world, State.INITIAL_REVIEW, NOW - timedelta(days=9))
    scan(session, NOW, cfg(), ALL)
    for channel in ("wecom", "dingtalk"):
        [robot] = messages(session, recipient=f"robot:{channel}")
        assert robot.channel == channel and robot.escalation and robot.link == LINK
        assert robot.title == "【督办】2个单位的6个栏目逾期、1条信息在审核环节滞留（新增7项）"
        folded = rows(session, recipient=f"robot:{channel}", digest_id=robot.id)
        assert len(folded) == 7
    scan(session, NOW + timedelta(hours=1), cfg(), ALL)
    assert len(messages(session, recipient="robot:wecom")) == 1


def _entries(units: int, columns: int) -> list[Entry]:
    out = []
    for u in range(units):
        for c in range(columns):
            lapse = Lapse(
                f"overdue:{u * 100 + c}",
                "escalate_supervisor",
                COLUMN_LAPSE,
                date(2026, 11, 1) if c else date(2025, 12, 1),
                u + 1,
                f"区政府门户网站/政务公开/法定主动公开/重点领域/栏目{u}-{c}",
                "",
            )
            out.append(Entry(lapse, f"第{u}局", new=u % 3 == 0))
    stuck = Lapse(
        "item:1:office_review",
        "stage_escalate",
        ITEM_LAPSE,
        date(2026, 11, 16),
        1,
        "关于民办学校年检结果的公示",
        "",
        stage="审发",
        waited=5,
    )
    return [*out, Entry(stuck, "第0局", new=True)]


def test_long_lists_are_cut_for_robots_with_the_rest_counted() -> None:
    entries = _entries(units=120, columns=4)
    today = date(2026, 11, 23)
    for channel, limit in MARKDOWN_LIMITS.items():
        text = render(entries, today, channel, LINK)
        whole = markdown_text(text.title, text.body, LINK)
        assert len(whole.encode()) <= limit
        cut = re.search(r"……等(\d+)个单位的(\d+)个栏目未列出", text.body)
        assert cut is not None
        shown = len(re.findall(r"^\*\*第\d+局\*\*", text.body, re.M))
        assert shown + int(cut.group(1)) == 120
        assert text.body.count("\n- 【") - 1 + int(cut.group(2)) == 480  # 1: the item
        # The news first: the stuck item, then the units with something 新增.
        assert text.body.index("《关于民办学校年检结果的公示》") < text.body.index("**第0局**")
        order = [int(n) % 3 != 0 for n in re.findall(r"^\*\*第(\d+)局", text.body, re.M)]
        assert order == sorted(order)
    mail = render(entries, today, "email", LINK)
    assert mail.title == "【督办】120个单位的480个栏目逾期、1条信息在审核环节滞留（新增161项）"
    assert "第119局（4个栏目）" in mail.body and "自2025年12月1日起逾期" in mail.body
    assert "自11月1日起逾期" in mail.body and "未列出" not in mail.body
    sms = render(entries, today, "sms", LINK)
    assert sms.params == {
        "subject": "120个单位480个栏目逾期、1条信息审核滞留，新增161项",
        "when": "截至11月23日",
    }
    assert len(sms.params["subject"]) <= 35
    assert len(render(entries[:1], today, "wecom", LINK).body.encode()) < 300  # nothing cut
    assert "未列出" not in render(entries[:1], today, "wecom", LINK).body


# --------------------------------------------------------------------------- (6) the leader


def test_leader_hears_of_their_units_only_in_one_message(
    session: Session, world: World, tmp_path: Path
) -> None:
    with_contacts(world)
    assert import_file(session, leader_file(tmp_path, world.unit_a)) == (1, 1)
    theirs = [overdue_column(session, world) for _ in range(2)]
    other = overdue_column(session, world, unit=world.unit_b)
    wednesday = NOW + timedelta(days=2)  # 3 working days late (23, 24, 25)
    scan(session, wednesday, cfg(), ALL)
    to_leader = [r for r in messages(session) if r.recipient.startswith("leader:")]
    assert sorted(r.channel for r in to_leader) == ["email", "sms"]
    mail = next(r for r in to_leader if r.channel == "email")
    assert mail.title == "【督办】您分管的1个单位的2个栏目逾期（新增2个）"
    assert all(c.path in mail.body for c in theirs) and world.unit_a.name in mail.body
    assert other.path not in mail.body and world.unit_b.name not in mail.body
    assert not INTERNAL.search(mail.body)
    # The supervisor's one message has both units.
    supervisor = f"user:{world.user(Role.SUPERVISOR).id}"
    [everything] = messages(session, recipient=supervisor, channel="email")
    assert world.unit_b.name in everything.body and other.path in everything.body


# --------------------------------------------------------------------------- (7) stuck items


def test_stuck_items_are_folded_into_the_same_message(session: Session, world: World) -> None:
    with_contacts(world)
    column = overdue_column(session, world)
    first = item_in_state(session, world, State.INITIAL_REVIEW, NOW - timedelta(days=9))
    second = item_in_state(session, world, State.HEAD_REVIEW, NOW - timedelta(days=7))
    second.title = "2026年下半年教师资格认定公告"
    session.flush()
    scan(session, NOW, cfg(), ALL)
    supervisor = f"user:{world.user(Role.SUPERVISOR).id}"
    mine = messages(session, recipient=supervisor)
    assert sorted(r.channel for r in mine) == ["email", "inapp", "sms"]
    for message in mine:
        folded = rows(session, digest_id=message.id)
        assert {r.threshold for r in folded} == {"escalate_supervisor", "stage_escalate"}
        assert {r.subject for r in folded} == {
            f"overdue:{_assignment(column)}",
            f"item:{first.id}:initial_review",
            f"item:{second.id}:head_review",
        }
    mail = next(r for r in mine if r.channel == "email")
    assert mail.title == "【督办】1个单位的1个栏目逾期、2条信息在审核环节滞留（新增3项）"
    assert f"【新增】{world.unit_a.name}《{first.title}》在初审环节已滞留" in mail.body
    assert f"《{second.title}》在审核环节已滞留" in mail.body
    assert column.path in mail.body
    # The next working day both are repeated once, in one message again.
    scan(session, NOW + timedelta(days=1), cfg(), ALL)
    [_, tuesday] = messages(session, recipient=supervisor, channel="email")
    assert tuesday.title == "【督办】1个单位的1个栏目仍逾期、2条信息仍在审核环节滞留"
    assert "【仍滞留】" in tuesday.body and "【仍逾期】" in tuesday.body


def test_a_column_never_published_keeps_its_lapse_and_stays_still_overdue(
    session: Session, world: World
) -> None:
    """A weekly column with nothing ever published: its lapse runs from the first week
    its unit answered for, whatever the day of the scan — the same lapse a week later:
    仍逾期, not 新增 every week."""
    with_contacts(world)
    column = make_column(session, [world.unit_a], name=unique("要闻"))
    column.rules = [{"kind": "periodic", "every": 1, "unit": "week", "min_items": 1}]
    column.rules_confirmed_at = NOW
    column.assignments[0].responsible_since = date(2026, 11, 2)
    session.flush()
    config = cfg()
    supervisor = f"user:{world.user(Role.SUPERVISOR).id}"
    scan(session, NOW, config, ALL)
    scan(session, NOW + timedelta(days=7), config, ALL)
    first, week_later = messages(session, recipient=supervisor, channel="email")
    since = [re.search(r"自(\d+月\d+日)起", m.body).group(1) for m in (first, week_later)]  # type: ignore[union-attr]
    # The week of 11-02 was due Sun 11-08, moved to Mon 11-09.
    assert since == ["11月10日", "11月10日"]
    assert "【新增】" in first.body and "【仍逾期】" in week_later.body
