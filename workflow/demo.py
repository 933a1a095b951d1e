"""The demo data set: the real column tables of seeds 000 and 003, demo users for every
role, and items in every state moved there through the real services."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from importlib import resources
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import services
from workflow.accounts import find_unit
from workflow.enums import Action, ItemKind, Role, State
from workflow.models import Column, ColumnAssignment, Item, Unit, User
from workflow.outcome import Outcome, done
from workflow.reporting.kinds import apply_guessed_kinds
from workflow.services import columns as column_settings
from workflow.services import units as unit_settings
from workflow.services import users as user_settings
from workflow.services.checks import load_starter
from workflow.timezones import local_day

DEMO_PASSWORD = "sanshen-demo"
# Columns whose parsed rules the demo office has not confirmed yet (shown as 待确认:
# they remind, never escalate, never count in the 考核).
DEMO_UNCONFIRMED = frozenset({"板块、部门政府信息公开"})
OFFICE_UNIT = "区政府办"

# (login, name, unit, roles)
DEMO_USERS: list[tuple[str, str, str, list[Role]]] = [
    ("edu_drafter", "王晓燕（教育局信息报送员）", "区教育局", [Role.DRAFTER]),
    ("edu_deputy", "李建国（教育局分管副局长）", "区教育局", [Role.DEPUTY_HEAD]),
    ("edu_head", "张卫东（教育局局长）", "区教育局", [Role.HEAD]),
    ("mz_drafter", "陈静（民政局信息报送员）", "区民政局", [Role.DRAFTER]),
    ("mz_deputy", "刘洋（民政局分管副局长）", "区民政局", [Role.DEPUTY_HEAD]),
    ("mz_head", "赵敏（民政局局长）", "区民政局", [Role.HEAD]),
    ("gov_drafter", "孙丽（政府办信息报送员）", OFFICE_UNIT, [Role.DRAFTER]),
    ("gov_deputy", "周强（政府办副主任）", OFFICE_UNIT, [Role.DEPUTY_HEAD]),
    ("gov_head", "吴海（政府办主任）", OFFICE_UNIT, [Role.HEAD]),
    ("office_editor", "郑爽（政府网站编辑部）", OFFICE_UNIT, [Role.OFFICE_EDITOR]),
    ("supervisor", "冯涛（政务公开办）", OFFICE_UNIT, [Role.SUPERVISOR]),
    ("admin", "系统管理员", OFFICE_UNIT, [Role.ADMIN]),
]

# (unit, column name, kind, title, target state)
DEMO_ITEMS: list[tuple[str, str, str, str, State]] = [
    (
        "区教育局",
        "教育招生",
        ItemKind.ARTICLE,
        "2026年秋季学期义务教育学区划分公告",
        State.PUBLISHED,
    ),
    ("区教育局", "教育招生", ItemKind.ARTICLE, "关于民办学校年检结果的公示", State.OFFICE_REVIEW),
    ("区教育局", "学前教育", ItemKind.SERVICE_GUIDE, "幼儿园入园报名办事指南", State.HEAD_REVIEW),
    ("区教育局", "小学", ItemKind.ARTICLE, "小学新生入学报名须知", State.INITIAL_REVIEW),
    ("区教育局", "初中", ItemKind.ARTICLE, "初中学籍管理工作说明（草稿）", State.DRAFT),
    ("区教育局", "教师资格服务", ItemKind.ARTICLE, "2026年下半年教师资格认定公告", State.RETURNED),
    ("区教育局", "高中", ItemKind.ARTICLE, "高中招生咨询会安排（已撤销）", State.WITHDRAWN),
    ("区教育局", "教育招生", ItemKind.ARTICLE, "2025年秋季招生计划（已撤稿）", State.RETRACTED),
    (
        "区民政局",
        "城镇低保",
        ItemKind.ARTICLE,
        "关于调整城乡最低生活保障标准的通知",
        State.PUBLISHED,
    ),
    (
        "区民政局",
        "养老院",
        ItemKind.ARTICLE,
        "区属养老机构基本信息（2026年更新）",
        State.OFFICE_REVIEW,
    ),
    (
        "区民政局",
        "最低生活保障",
        ItemKind.ARTICLE,
        "最低生活保障申请办事指南",
        State.INITIAL_REVIEW,
    ),
    ("区民政局", "城镇低保", ItemKind.ARTICLE, "10月份低保金发放情况", State.RETURNED),
    (
        "区政府办",
        "政府文件",
        ItemKind.POLICY,
        "区政府关于印发2027年重点工作任务的通知",
        State.HEAD_REVIEW,
    ),
    (
        "区政府办",
        "信息公开年报",
        ItemKind.ARTICLE,
        "2025年政府信息公开工作年度报告",
        State.PUBLISHED,
    ),
]

GUIDE_FIELDS = {
    "item_name": "幼儿园入园报名",
    "legal_basis": "《幼儿园管理条例》",
    "conditions": "年满3周岁的本区适龄儿童",
    "materials": "户口簿、出生医学证明、预防接种证",
    "location": "各幼儿园招生办公室",
    "hours": "工作日 8:30-11:30，14:00-17:00",
    "phone": "027-12345678",
    "procedure": "网上报名—资格审核—现场确认—录取公示",
}


@dataclass
class DemoSummary:
    units: int = 0
    columns: int = 0
    assignments: int = 0
    users: list[tuple[str, str, list[str]]] = field(default_factory=list)
    items_by_state: dict[str, int] = field(default_factory=dict)
    already_loaded: bool = False


def _data() -> dict[str, Any]:
    text = resources.files("workflow").joinpath("demo_data/columns.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def load_columns(session: Session, now: datetime) -> DemoSummary:
    """Create the units and the column tree of seeds 000 and 003 (through the same
    services and column builder as the admin pages; their log entries are dropped: the
    demo's own data is no administrator's change, docs/web.md). The demo office took
    its tables into effect on 1 January: its units answer for their columns since then,
    and it has confirmed the rules of every column but a few (to show 待确认)."""
    data = _data()
    summary = DemoSummary()
    since = date(local_day(now).year, 1, 1)
    for unit in data["units"]:
        unit_settings.create_unit(
            session,
            actor=None,
            now=now,
            name=unit["name"],
            kind=unit["kind"],
            aliases=unit.get("aliases", []),
            is_office=unit["name"] == OFFICE_UNIT,
        )
        summary.units += 1
    by_path: dict[tuple[str, ...], Column] = {}
    with session.no_autoflush:  # unit look-ups must not flush half-built columns
        for position, row in enumerate(data["columns"]):
            by_path[tuple(row["path"])] = _column_row(
                session, row, position, by_path, summary, since, now
            )
    session.flush()
    return summary


def _column_row(
    session: Session,
    row: dict[str, Any],
    position: int,
    by_path: dict[tuple[str, ...], Column],
    summary: DemoSummary,
    since: date,
    now: datetime,
) -> Column:
    path = tuple(row["path"])
    # Tags and prerequisites (办事指南: the eight elements) follow from the kind, as for
    # a column made on the admin page or imported; the rules are parsed from the text.
    column = column_settings.new_column(
        session,
        name=path[-1],
        parent=by_path.get(path[:-1]) if len(path) > 1 else None,
        names=path,
        position=position,
        content=row.get("content", ""),
        time_requirement=row.get("time_requirement", ""),
        content_type=row["content_type"],
        # "如无重大突发事件，发布说明性信息" (000), "无信件、留言信息" (003)
        allows_statement=bool(re.search(r"说明|无信件", row.get("time_requirement", ""))),
    )
    if column.rules and path[-1] not in DEMO_UNCONFIRMED:
        column.rules_confirmed_at = now
    column_settings.sync_parts(session, column)
    assigned: set[int] = set()
    for assignment in row.get("assignments", []):
        unit = find_unit(session, assignment["unit"])
        if unit is None:
            raise ValueError(f"demo data names unknown unit {assignment['unit']}")
        column.assignments.append(
            ColumnAssignment(unit=unit, role=assignment["role"], responsible_since=since)
        )
        assigned.add(unit.id)
        summary.assignments += 1
    # Group words (各部门…) stand for every unit of that kind; the importer will flag
    # them for review, the demo simply expands them.
    for word in row.get("group_units", []):
        for unit in _group(session, word):
            if unit.id not in assigned:
                column.assignments.append(
                    ColumnAssignment(unit=unit, role="lead", responsible_since=since)
                )
                assigned.add(unit.id)
                summary.assignments += 1
    summary.columns += 1
    return column


GROUP_KINDS = {
    "各部门": "department",
    "区政府组成部门": "department",
    "各街道": "street",
    "各街道办事处": "street",
    "街道办事处": "street",
}
# 政策文件 → 政策解读 within 3 working days (seed 000).
LINKS = [
    ("区政府门户网站/政务公开/政策法规/" + source, "区政府门户网站/政务公开/政策法规/政策解读")
    for source in ("政府文件", "政府办文件", "部门文件", "规范性文件")
]


def _group(session: Session, word: str) -> list[Unit]:
    kind = GROUP_KINDS.get(word)
    if kind is None:
        return []
    return list(session.execute(select(Unit).where(Unit.kind == kind).order_by(Unit.id)).scalars())


def link_columns(session: Session, now: datetime) -> None:
    """Add the demo's known column links (LINKS) between columns that exist."""
    by_path = {c.path: c for c in session.execute(select(Column)).scalars()}
    for source, target in LINKS:
        if source in by_path and target in by_path:
            column_settings.add_link(
                session, actor=None, now=now, source=by_path[source], target=by_path[target]
            )


def _unit(session: Session, name: str) -> Unit:
    unit = find_unit(session, name)
    if unit is None:
        raise ValueError(f"demo data has no unit {name}")
    return unit


def _column(session: Session, unit: Unit, name: str) -> Column:
    column = session.execute(
        select(Column)
        .join(ColumnAssignment)
        .where(Column.name == name, ColumnAssignment.unit_id == unit.id)
        .order_by(Column.id)
        .limit(1)
    ).scalar_one_or_none()
    if column is None:
        raise ValueError(f"no demo column {name} for {unit.name}")
    return column


def _drive(
    session: Session, item: Item, target: State, people: dict[str, User], editor: User, at: datetime
) -> None:
    """Move `item` to `target` along the real path, one hour per step."""
    steps: list[tuple[str, User, dict[str, Any]]] = []
    if target == State.WITHDRAWN:
        steps = [("withdraw", people["drafter"], {"comment": "内容合并到其他稿件"})]
    elif target != State.DRAFT:
        steps.append(("submit", people["drafter"], {}))
        if target == State.RETURNED:
            steps.append(("reject", people["deputy"], {"comment": "请补充数据来源并核对金额。"}))
        else:
            order = [State.HEAD_REVIEW, State.OFFICE_REVIEW, State.PUBLISHED]
            approvers: list[tuple[User, dict[str, Any]]] = [
                (people["deputy"], {"confidentiality_checked": True, "comment": "保密审查通过"}),
                (people["head"], {"comment": "同意"}),
                (editor, {"comment": "审发"}),
            ]
            stop = (
                len(order)
                if target == State.RETRACTED
                else (order.index(target) + 1 if target in order else 0)
            )
            steps += [("approve", who, kw) for who, kw in approvers[:stop]]
            if target == State.RETRACTED:
                steps.append(("retract", editor, {"comment": "政策已废止，撤稿"}))
    for n, (action, actor, kwargs) in enumerate(steps, start=1):
        services.ACTIONS[Action(action)](
            session,
            actor=actor,
            item_id=item.id,
            expected_version=item.version,
            now=at + timedelta(hours=n),
            **kwargs,
        )


def load(
    session: Session, *, actor: User | None, now: datetime, password: str = DEMO_PASSWORD
) -> Outcome[DemoSummary]:
    """`load_demo` as a service, for the runner (`flask demo load`, `make run`)."""
    return done(load_demo(session, now, password))


def load_demo(session: Session, now: datetime, password: str = DEMO_PASSWORD) -> DemoSummary:
    """Load everything once; a second call changes nothing and says so."""
    if find_unit(session, OFFICE_UNIT) is not None:
        return DemoSummary(already_loaded=True)
    summary = load_columns(session, now)
    link_columns(session, now)
    # The starter word lists (workflow/checks/data): the demo's items are checked as
    # they are saved, and the 错敏词库 page has something to show.
    load_starter(session, actor=None, now=now)
    apply_guessed_kinds(session)  # the seeds' tables carry no inspection kinds
    users: dict[str, User] = {}
    for login, name, unit_name, roles in DEMO_USERS:
        unit = _unit(session, unit_name)
        users[login] = user_settings.create_user(
            session,
            actor=None,
            now=now,
            login=login,
            name=name,
            unit=unit,
            roles=roles,
            email=f"{login}@demo.sanshen.local",
            password=password,
            demo=True,  # the documented demo password: no forced change at first login
        ).value
        summary.users.append((login, name, [str(r) for r in roles]))
    prefixes = {"区教育局": "edu", "区民政局": "mz", OFFICE_UNIT: "gov"}
    for i, (unit_name, column_name, kind, title, target) in enumerate(DEMO_ITEMS):
        unit = _unit(session, unit_name)
        prefix = prefixes[unit_name]
        people = {role: users[f"{prefix}_{role}"] for role in ("drafter", "deputy", "head")}
        at = now - timedelta(days=3 * (len(DEMO_ITEMS) - i))
        column = _column(session, unit, column_name)
        item = services.create_item(
            session,
            actor=people["drafter"],
            column_id=column.id,
            kind=kind,
            title=title,
            now=at,
            body=f"<p>{title}。具体内容详见附件。</p>",
            fields=GUIDE_FIELDS if kind == ItemKind.SERVICE_GUIDE else None,
            # A column with parts (栏目分类): the drafter files the item under its first.
            part_id=column.parts[0].id if len(column.parts) > 1 else None,
        ).value
        _drive(session, item, target, people, users["office_editor"], at)
        summary.items_by_state[target] = summary.items_by_state.get(target, 0) + 1
    # A disclosure request received 10 days ago: the reply carries its own due date.
    gov = {role: users[f"gov_{role}"] for role in ("drafter", "deputy", "head")}
    reply = services.create_item(
        session,
        actor=gov["drafter"],
        column_id=_column(session, _unit(session, OFFICE_UNIT), "依申请公开").id,
        kind=ItemKind.REPLY,
        title="关于王某某申请公开老旧小区改造资金使用情况的答复",
        now=now - timedelta(days=2),
        event_date=(now - timedelta(days=10)).date(),
        body="<p>经审查，您申请的信息属于主动公开范围……</p>",
    ).value
    services.submit(
        session,
        actor=gov["drafter"],
        item_id=reply.id,
        expected_version=reply.version,
        now=now - timedelta(days=1),
    )
    # A department document published yesterday: its 政策解读 is now owed.
    edu = {role: users[f"edu_{role}"] for role in ("drafter", "deputy", "head")}
    document = services.create_item(
        session,
        actor=edu["drafter"],
        column_id=_column(session, _unit(session, "区教育局"), "部门文件").id,
        kind=ItemKind.POLICY,
        title="区教育局关于规范校外培训机构管理的通知",
        now=now - timedelta(days=2),
        body="<p>各学校、各培训机构：……</p>",
    ).value
    _drive(session, document, State.PUBLISHED, edu, users["office_editor"], now - timedelta(days=2))
    summary.items_by_state[State.INITIAL_REVIEW] = (
        summary.items_by_state.get(State.INITIAL_REVIEW, 0) + 1
    )
    summary.items_by_state[State.PUBLISHED] += 1
    # A published item whose new revision is in review: the live one stays visible.
    published = session.execute(
        select(Item).where(Item.state == State.PUBLISHED).order_by(Item.id).limit(1)
    ).scalar_one()
    drafter = session.get(User, published.drafter_id)
    assert drafter is not None
    at = now - timedelta(days=1)
    services.revise(
        session, actor=drafter, item_id=published.id, expected_version=published.version, now=at
    )
    services.update_draft(
        session,
        actor=drafter,
        item_id=published.id,
        expected_version=published.version,
        title=published.title + "（更正）",
        now=at + timedelta(minutes=5),
    )
    services.submit(
        session,
        actor=drafter,
        item_id=published.id,
        expected_version=published.version,
        now=at + timedelta(minutes=10),
    )
    summary.items_by_state[State.PUBLISHED] -= 1
    summary.items_by_state[State.INITIAL_REVIEW] += 1
    session.flush()
    return summary
