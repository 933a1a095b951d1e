"""Realistic bulk data for benchmarks: units, users, a column tree, assignments, and items
with their revisions and hash-chained audit trails.

Rows go in with SQLAlchemy Core executemany in batches (not through the services), but
every item is walked along a real path of the 三审 transition table (create, submit,
approve…, one audit row per transition and per edit, with each revision's content digest,
chained with `workflow.audit.compute_hash`), and `items.version/audit_seq/audit_head/
review_facts/live_revision_no/first_published_at` end where the services would leave them, so
`workflow.audit.verify_chains` passes on generated data.

    python -m bench.generate --url URL [--migrate] --units 40 --columns 300 --items 100000
    python -m bench.generate --bench        # time 20 units / 100 columns / 20,000 items

Deterministic for a given seed and `now` (pass --now for identical runs) on an empty
database.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.orm import Session

from workflow import audit, migrate, review_facts
from workflow.audit import compute_hash, verify_chains
from workflow.db import make_engine, make_session_factory
from workflow.enums import (
    REVIEW_STATES,
    Action,
    AssignmentRole,
    ContentType,
    ItemKind,
    Role,
    State,
    UnitKind,
)
from workflow.machine import destination
from workflow.models import Base
from workflow.prerequisites import NORMATIVE_DEFAULT, SERVICE_GUIDE_ELEMENTS

BATCH = 2000  # rows per executemany
K = TypeVar("K")

# ----------------------------------------------------------------------- proportions

UNIT_MIX: dict[UnitKind, float] = {
    UnitKind.DEPARTMENT: 0.80,
    UnitKind.STREET: 0.15,
    UnitKind.ZONE: 0.05,
}
CONTENT_MIX: dict[ContentType, float] = {
    ContentType.POLICY: 0.20,
    ContentType.NEWS: 0.25,
    ContentType.SERVICE: 0.20,
    ContentType.INTERACTION: 0.10,
    ContentType.OTHER: 0.25,
}
STATE_MIX: dict[State, float] = {
    State.PUBLISHED: 0.80,
    State.WITHDRAWN: 0.03,
    State.RETRACTED: 0.02,
    State.RETURNED: 0.03,
    State.DRAFT: 0.05,
    State.INITIAL_REVIEW: 0.03,
    State.HEAD_REVIEW: 0.02,
    State.OFFICE_REVIEW: 0.02,
}
OPEN_STATES = frozenset(
    {State.DRAFT, State.RETURNED, State.INITIAL_REVIEW, State.HEAD_REVIEW, State.OFFICE_REVIEW}
)
OPEN_WINDOW = timedelta(days=30)  # items still being worked on are recent
COOPERATING_SHARE = 0.20
LEAD_SHARE_OF_ITEMS = 0.85  # the rest are posted by a cooperating unit, where there is one
# How busy a leaf column is, by content type (news columns fill fastest).
COLUMN_WEIGHT: dict[str, float] = {
    ContentType.NEWS: 4.0,
    ContentType.POLICY: 1.5,
    ContentType.SERVICE: 1.0,
    ContentType.INTERACTION: 2.0,
    ContentType.OTHER: 1.0,
}
KINDS: dict[str, tuple[tuple[ItemKind, ...], tuple[float, ...]]] = {
    ContentType.POLICY: ((ItemKind.POLICY, ItemKind.INTERPRETATION), (0.6, 0.4)),
    ContentType.NEWS: ((ItemKind.NEWS, ItemKind.ARTICLE), (0.8, 0.2)),
    ContentType.SERVICE: ((ItemKind.SERVICE_GUIDE, ItemKind.ARTICLE), (0.7, 0.3)),
    ContentType.INTERACTION: ((ItemKind.REPLY,), (1.0,)),
    ContentType.OTHER: ((ItemKind.ARTICLE, ItemKind.STATEMENT), (0.9, 0.1)),
}

# ----------------------------------------------------------------------- vocabulary

OFFICE_UNIT = "区政府办"
OFFICE_ALIASES = ("政府办", "区人民政府办公室")
DEPARTMENTS = (
    "区发展和改革局",
    "区教育局",
    "区科学技术局",
    "区工业和信息化局",
    "区民族宗教事务局",
    "区公安分局",
    "区民政局",
    "区司法局",
    "区财政局",
    "区人力资源和社会保障局",
    "区自然资源和规划分局",
    "区生态环境分局",
    "区住房和城乡建设局",
    "区交通运输局",
    "区水务局",
    "区农业农村局",
    "区商务局",
    "区文化和旅游局",
    "区卫生健康委员会",
    "区退役军人事务局",
    "区应急管理局",
    "区审计局",
    "区市场监督管理局",
    "区统计局",
    "区医疗保障局",
    "区城市管理执法局",
    "区政务服务和大数据管理局",
    "区信访局",
    "区地方金融工作局",
    "区机关事务管理局",
    "区国有资产监督管理局",
    "区林业局",
    "区体育局",
    "区档案馆",
    "区残疾人联合会",
    "区妇女联合会",
    "区总工会",
    "区科学技术协会",
    "区供销合作社",
    "区气象局",
    "区税务局",
    "区消防救援大队",
)
STREETS = (
    "中山街道",
    "解放街道",
    "新华街道",
    "建设街道",
    "人民街道",
    "和平街道",
    "东湖街道",
    "西湖街道",
    "南湖街道",
    "北湖街道",
    "江滨街道",
    "城关街道",
    "青山街道",
    "白沙街道",
    "红旗街道",
    "长江街道",
    "汉阳街道",
    "临江街道",
)
ZONES = (
    "区经济开发区管委会",
    "区高新技术产业园区管委会",
    "区临空港经济区管委会",
    "区滨江新区管委会",
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建国海燕晓红"
TOP_COLUMNS = (
    "政府信息公开",
    "新闻中心",
    "政务服务",
    "互动交流",
    "专题专栏",
    "走进本区",
    "数据开放",
    "重点领域信息公开",
    "政策文件库",
    "公共服务",
)
SUB_COLUMNS = (
    "政策文件",
    "规范性文件",
    "政策解读",
    "部门动态",
    "通知公告",
    "办事指南",
    "领导信箱",
    "依申请公开",
    "财政预决算",
    "人事信息",
    "规划计划",
    "统计数据",
    "应急管理",
    "重大项目",
    "建议提案办理",
    "政府采购",
    "行政许可",
    "行政处罚",
    "公共资源配置",
    "民生实事",
    "教育",
    "医疗卫生",
    "社会救助",
    "养老服务",
    "就业创业",
    "生态环境",
    "安全生产",
    "食品药品",
    "征地拆迁",
    "住房保障",
    "乡村振兴",
    "营商环境",
    "街道动态",
    "图片新闻",
    "视频新闻",
    "意见征集",
    "在线访谈",
    "常见问题",
    "办事服务",
    "年度报告",
)
TOPICS = (
    "安全生产",
    "垃圾分类",
    "老旧小区改造",
    "义务教育招生",
    "城乡低保",
    "养老服务",
    "优化营商环境",
    "河湖长制",
    "森林防火",
    "食品安全",
    "就业创业",
    "医疗保障",
    "防汛抗旱",
    "乡村振兴",
    "文明城市创建",
    "消防安全",
    "疫苗接种",
    "退役军人优待",
    "残疾人帮扶",
    "政务公开",
    "高龄津贴",
    "学前教育",
    "住房公积金",
    "农村人居环境整治",
    "燃气安全",
)
REJECT_COMMENTS = (
    "请补充数据来源",
    "标题不规范，请修改",
    "附件缺失，请补充",
    "涉及个人信息，请脱敏处理",
    "请核实发布时间和文号",
    "正文格式不规范",
)
RETRACT_COMMENTS = ("信息有误", "文件已废止", "按上级要求撤稿", "重复发布")
WITHDRAW_COMMENTS: tuple[str | None, ...] = (None, None, "暂不发布", "内容已合并到其他信息")
TIME_REQUIREMENTS = (
    "信息形成或变更之日起20个工作日内",
    "实时更新",
    "每月10日前",
    "每季度首月15日前",
    "每年1月31日前",
    "收到之日起5个工作日内答复",
)

# ----------------------------------------------------------------------- transition table


def _dest(action: str, state: str, live: bool) -> str | None:
    """Where `action` leads from `state` (the item has a live revision or not), by the
    workflow's own transition table, conditions included."""
    dest = destination(SimpleNamespace(state=state, has_live_revision=live), Action(action))
    return None if dest is None else dest.value


def quotas(total: int, shares: Mapping[K, float]) -> dict[K, int]:
    """Split `total` by `shares` with exact integer counts (largest remainder)."""
    weight = sum(shares.values())
    raw = {k: total * s / weight for k, s in shares.items()}
    out = {k: int(v) for k, v in raw.items()}
    rest = total - sum(out.values())
    for k in sorted(raw, key=lambda k: raw[k] - out[k], reverse=True)[:rest]:
        out[k] += 1
    return out


def _shuffled(rng: random.Random, counts: Mapping[K, int]) -> list[K]:
    out = [k for k, n in counts.items() for _ in range(n)]
    rng.shuffle(out)
    return out


# ----------------------------------------------------------------------- item walk

Step = tuple[str, str, str | None, int]  # action, actor key, comment, delay in seconds
STAGE_ACTORS = ("deputy", "head", "editor")  # who approves or rejects each review stage
REVIEW_ORDER = REVIEW_STATES


EDIT_NOTE = "修改内容"


def revision_digest(title: str, body: str, fields: Mapping[str, Any]) -> str:
    """The content digest workflow.audit records for a revision without attachments."""
    return audit.content_digest(title, body, fields, ())


@dataclass
class ItemWalk:
    """One item walked along its path, producing the rows the services would write."""

    item_id: int
    drafter_id: int
    title: str
    body: str
    fields: dict[str, Any]
    at: datetime
    state: str = State.DRAFT.value
    rev_no: int = 1
    live: int | None = None
    first_published_at: datetime | None = None
    published_at: datetime | None = None
    seq: int = 0
    head: str | None = None
    version: int = 1  # the INSERT; create_item's second flush makes it 2
    revisions: list[dict[str, Any]] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)  # content digest per revision
    audit: list[dict[str, Any]] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # workflow.review_facts
    unit_id: int | None = None  # copied onto each audit row, as the services do
    since: datetime | None = None  # the item's state_since: the last state change

    @property
    def digest(self) -> str:
        """The current revision's content digest ("" when workflow records none)."""
        return self.digests[self.rev_no - 1] if self.digests else ""

    def _new_revision(self, actor_id: int, source: dict[str, Any] | None) -> None:
        src = source or {"title": self.title, "body": self.body, "fields": self.fields}
        self.revisions.append(
            {
                "item_id": self.item_id,
                "number": len(self.revisions) + 1,
                "title": src["title"],
                "body": src["body"],
                "fields": dict(src["fields"]),
                "created_by_id": actor_id,
                "created_at": self.at,
                "submitted_by_id": None,
                "submitted_at": None,
            }
        )
        self.digests.append(
            self.digests[source["number"] - 1]
            if source
            else revision_digest(src["title"], src["body"], src["fields"])
        )
        self.rev_no = len(self.revisions)
        self.drafter_id = actor_id

    def _append(
        self,
        action: str,
        actor_id: int,
        comment: str | None = None,
        confidentiality_checked: bool = False,
    ) -> None:
        if action == Action.CREATE:
            from_state, to_state = None, State.DRAFT.value
        elif action == Action.EDIT:
            from_state = to_state = self.state
        else:
            from_state = self.state
            dest = _dest(action, from_state, self.live is not None)
            if dest is None:
                raise ValueError(f"no transition {action} from {from_state}")
            to_state = dest
        self.seq += 1
        row: dict[str, Any] = {
            "item_id": self.item_id,
            "seq": self.seq,
            "revision_no": self.rev_no,
            "from_state": from_state,
            "to_state": to_state,
            "action": action,
            "actor_id": actor_id,
            "comment": comment,
            "confidentiality_checked": confidentiality_checked,
            "at": self.at,
            "prev_hash": self.head,
        }
        row["content_digest"] = self.digest
        row["hash"] = compute_hash(**row)
        # The reporting copies, outside the hash (see workflow.audit.next_row).
        row["unit_id"] = self.unit_id
        row["state_entered_at"] = None if action == Action.CREATE else self.since
        if from_state != to_state:
            self.since = self.at
        self.facts = review_facts.advance(
            self.facts,
            action=action,
            actor_id=actor_id,
            from_state=from_state,
            revision_no=self.rev_no,
        )
        self.audit.append(row)
        self.head = row["hash"]
        self.state = to_state
        self.version += 1

    def do(self, action: str, actor_id: int, comment: str | None = None) -> None:
        """Apply one step the way workflow.services does."""
        rev = self.revisions[self.rev_no - 1] if self.revisions else None
        if action == "create":
            self._new_revision(actor_id, None)
            self._append(Action.CREATE, actor_id)
        elif action == "edit":  # update_draft: a frozen revision is copied first
            assert rev is not None and self.state in (State.DRAFT, State.RETURNED)
            if rev["submitted_at"] is not None:
                self._new_revision(actor_id, rev)
            self.drafter_id = actor_id
            self._append(Action.EDIT, actor_id, EDIT_NOTE)
        elif action in (Action.SUBMIT, Action.RESUBMIT):
            assert rev is not None
            if rev["submitted_at"] is None:
                rev["submitted_at"], rev["submitted_by_id"] = self.at, actor_id
            self._append(action, actor_id)
        elif action == Action.APPROVE:
            initial = self.state == State.INITIAL_REVIEW
            self._append(action, actor_id, comment, confidentiality_checked=initial)
            if self.state == State.PUBLISHED:
                self.live, self.published_at = self.rev_no, self.at
                self.first_published_at = self.first_published_at or self.at
        elif action == Action.REJECT:
            self._append(action, actor_id, comment)
        elif action == Action.WITHDRAW:
            self._append(action, actor_id, comment)
            if self.state == State.PUBLISHED and self.live is not None:
                self.rev_no = self.live
        elif action == Action.RETRACT:
            self._append(action, actor_id, comment)
            self.live = None
        elif action == Action.REVISE:
            assert self.live is not None
            self._new_revision(actor_id, self.revisions[self.live - 1])
            self._append(action, actor_id)
        else:
            raise ValueError(f"unknown step {action}")


def _delay(rng: random.Random, low_minutes: int, high_minutes: int) -> int:
    return rng.randint(low_minutes * 60, high_minutes * 60)


def _review(rng: random.Random, stages: int) -> list[Step]:
    """Approvals of the first `stages` review stages."""
    return [("approve", STAGE_ACTORS[k], None, _delay(rng, 20, 3 * 1440)) for k in range(stages)]


def _round(rng: random.Random) -> list[Step]:
    """A full round ending in publication, sometimes with a rejection on the way."""
    steps: list[Step] = [("submit", "drafter", None, _delay(rng, 10, 2 * 1440))]
    if rng.random() < 0.10:
        k = rng.randrange(3)
        steps += _review(rng, k)
        steps.append(
            ("reject", STAGE_ACTORS[k], rng.choice(REJECT_COMMENTS), _delay(rng, 20, 3 * 1440))
        )
        steps.append(("edit", "drafter", None, _delay(rng, 60, 2 * 1440)))
        steps.append(("resubmit", "drafter", None, _delay(rng, 10, 1440)))
    return steps + _review(rng, 3)


def plan(rng: random.Random, target: State) -> list[Step]:
    """The steps that bring a new item to `target`."""
    steps: list[Step] = [("create", "drafter", None, 0)]
    if target == State.DRAFT:
        if rng.random() < 0.10:  # a new revision of a published item
            steps += _round(rng)
            steps.append(("revise", "drafter", None, _delay(rng, 7 * 1440, 120 * 1440)))
            steps.append(("edit", "drafter", None, _delay(rng, 10, 600)))
    elif target in REVIEW_STATES:
        steps.append(("submit", "drafter", None, _delay(rng, 10, 2 * 1440)))
        steps += _review(rng, REVIEW_ORDER.index(target))
    elif target in (State.PUBLISHED, State.RETRACTED):
        steps += _round(rng)
        if target == State.PUBLISHED and rng.random() < 0.05:
            steps.append(("revise", "drafter", None, _delay(rng, 7 * 1440, 200 * 1440)))
            steps.append(("edit", "drafter", None, _delay(rng, 10, 600)))
            steps += _round(rng)
        if target == State.RETRACTED:
            steps.append(
                ("retract", "editor", rng.choice(RETRACT_COMMENTS), _delay(rng, 1440, 120 * 1440))
            )
    elif target in (State.RETURNED, State.WITHDRAWN):
        if target == State.RETURNED or rng.random() < 0.4:
            k = rng.randrange(3)
            steps.append(("submit", "drafter", None, _delay(rng, 10, 2 * 1440)))
            steps += _review(rng, k)
            steps.append(
                ("reject", STAGE_ACTORS[k], rng.choice(REJECT_COMMENTS), _delay(rng, 20, 3 * 1440))
            )
        if target == State.WITHDRAWN:
            steps.append(
                ("withdraw", "drafter", rng.choice(WITHDRAW_COMMENTS), _delay(rng, 60, 10 * 1440))
            )
    else:
        raise ValueError(f"no plan for {target}")
    return steps


def _start(
    rng: random.Random, target: State, steps: Sequence[Step], now: datetime, years: int
) -> datetime:
    """When the item was created: spread over `years`, recent if still open."""
    total = sum(s[3] for s in steps)
    window = OPEN_WINDOW if target in OPEN_STATES else timedelta(days=365 * years)
    lower = now - window
    upper = now - timedelta(seconds=total + 60)
    if upper <= lower:
        return upper
    return lower + timedelta(seconds=int(rng.random() * (upper - lower).total_seconds()))


# ----------------------------------------------------------------------- helpers


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _next_id(conn: Connection, name: str) -> int:
    return int(conn.execute(select(func.coalesce(func.max(_table(name).c.id), 0))).scalar_one()) + 1


def _insert(conn: Connection, name: str, rows: Sequence[dict[str, Any]]) -> None:
    table = _table(name)
    for i in range(0, len(rows), BATCH):
        conn.execute(table.insert(), list(rows[i : i + BATCH]))


def sync_sequences(conn: Connection, names: Iterable[str]) -> None:
    """PostgreSQL: move the id sequences past explicitly inserted ids."""
    if conn.dialect.name != "postgresql":
        return
    for name in names:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"GREATEST((SELECT MAX(id) FROM {name}), 1), "
                f"(SELECT MAX(id) FROM {name}) IS NOT NULL)"
            )
        )


def _fresh(name: str, taken: set[str]) -> str:
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name}{n}"
    taken.add(candidate)
    return candidate


def _person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _short(unit_name: str) -> str:
    return unit_name.removeprefix("区").removesuffix("管委会")


def _title(rng: random.Random, kind: str, unit_name: str, year: int) -> str:
    topic = rng.choice(TOPICS)
    unit = _short(unit_name)
    titles: dict[str, str] = {
        ItemKind.NEWS: f"{unit}召开{topic}工作推进会",
        ItemKind.POLICY: f"关于印发《{year}年{topic}工作实施方案》的通知",
        ItemKind.INTERPRETATION: f"《{year}年{topic}工作实施方案》政策解读",
        ItemKind.SERVICE_GUIDE: f"{topic}相关事项办事指南",
        ItemKind.REPLY: f"关于{topic}有关问题的答复",
        ItemKind.STATEMENT: f"{unit}{year}年{topic}信息说明",
    }
    return titles.get(kind, f"{unit}{year}年{topic}工作情况")


def _body(rng: random.Random, title: str) -> str:
    paras = [
        f"<p>{title}。</p>",
        f"<p>为深入贯彻落实上级有关部署，进一步做好{rng.choice(TOPICS)}工作，现将有关事项通知如下。</p>",
        f"<p>联系人：{_person(rng)}，联系电话：027-{rng.randint(10000000, 99999999)}。</p>",
    ]
    return "".join(paras)


def _guide_fields(rng: random.Random, title: str) -> dict[str, Any]:
    fields = {key: f"{label}：见{title}" for key, label in SERVICE_GUIDE_ELEMENTS.items()}
    fields["phone"] = f"027-{rng.randint(10000000, 99999999)}"
    return fields


# ----------------------------------------------------------------------- drafts for bench


@dataclass(frozen=True)
class DraftRef:
    """What a caller knows about a draft inserted by `insert_drafts`."""

    item_id: int
    version: int
    audit_seq: int
    audit_head: str
    content_digest: str = ""
    review_facts: dict[str, Any] = field(default_factory=dict)


def insert_drafts(
    conn: Connection,
    *,
    n: int,
    column_id: int,
    unit_id: int,
    drafter_id: int,
    now: datetime,
    title: str = "基准测试信息",
) -> list[DraftRef]:
    """Insert `n` drafts as services.create_item leaves them (revision 1, one create row)."""
    refs: list[DraftRef] = []
    next_item = _next_id(conn, "items")
    next_rev = _next_id(conn, "revisions")
    next_audit = _next_id(conn, "audit_events")
    for start in range(0, n, BATCH):
        items: list[dict[str, Any]] = []
        revisions: list[dict[str, Any]] = []
        audit_rows: list[dict[str, Any]] = []
        for k in range(start, min(n, start + BATCH)):
            walk = ItemWalk(
                next_item + k,
                drafter_id,
                f"{title}{k + 1}",
                "<p>正文</p>",
                {},
                now,
                unit_id=unit_id,
            )
            walk.do("create", drafter_id)
            items.append(_item_row(walk, column_id, unit_id, ItemKind.ARTICLE, now))
            revisions += walk.revisions
            audit_rows += walk.audit
            refs.append(
                DraftRef(
                    walk.item_id, walk.version, walk.seq, walk.head or "", walk.digest, walk.facts
                )
            )
        next_rev = _ids(revisions, next_rev)
        next_audit = _ids(audit_rows, next_audit)
        _insert(conn, "items", items)
        _insert(conn, "revisions", revisions)
        _insert(conn, "audit_events", audit_rows)
    sync_sequences(conn, ("items", "revisions", "audit_events"))
    return refs


def _ids(rows: list[dict[str, Any]], first: int) -> int:
    for i, row in enumerate(rows):
        row["id"] = first + i
    return first + len(rows)


def _item_row(
    walk: ItemWalk, column_id: int, unit_id: int, kind: str, created_at: datetime
) -> dict[str, Any]:
    rev = walk.revisions[walk.rev_no - 1]
    row: dict[str, Any] = {
        "id": walk.item_id,
        "column_id": column_id,
        "unit_id": unit_id,
        "drafter_id": walk.drafter_id,
        "kind": kind,
        "title": rev["title"],
        "event_date": created_at.date() if kind == ItemKind.NEWS else None,
        "due_date": None,
        "due_provisional": False,
        "state": walk.state,
        "version": walk.version,
        "current_revision_no": walk.rev_no,
        "live_revision_no": walk.live,
        "first_published_at": walk.first_published_at,
        "audit_seq": walk.seq,
        "audit_head": walk.head,
        "created_at": created_at,
        "updated_at": walk.at,
        "state_since": walk.since,
        "published_at": walk.published_at,
        "content_digest": walk.digest,
        "review_facts": walk.facts,
    }
    return row


# ----------------------------------------------------------------------- the generator


@dataclass
class _UnitInfo:
    id: int
    name: str
    kind: str
    drafters: list[int] = field(default_factory=list)
    deputy: int = 0
    head: int = 0


@dataclass
class _Portal:
    """What the item pass needs to know about the units, users and columns."""

    units: list[_UnitInfo]
    editors: list[int]
    leaves: list[dict[str, Any]]
    lead_of: dict[int, _UnitInfo]
    coop_of: dict[int, list[_UnitInfo]]
    designated: dict[tuple[int, int], list[int]]  # (column, unit) → drafters (信息报送员)


class _Generator:
    def __init__(self, conn: Connection, rng: random.Random, now: datetime, years: int) -> None:
        self.conn, self.rng, self.now, self.years = conn, rng, now, years
        self.counts: Counter[str] = Counter()
        self.by_state: Counter[str] = Counter()

    def insert(self, name: str, rows: Sequence[dict[str, Any]]) -> None:
        _insert(self.conn, name, rows)
        self.counts[name] += len(rows)

    def units_and_users(self, units: int) -> tuple[list[_UnitInfo], list[int]]:
        """Units by kind (区政府办 first) with 2 drafters, a deputy head and a head each;
        the office also gets 2 office editors, a supervisor and an admin."""
        conn, rng = self.conn, self.rng
        taken_units = set(conn.execute(select(_table("units").c.name)).scalars())
        taken_aliases = set(conn.execute(select(_table("unit_aliases").c.alias)).scalars())
        kinds = quotas(units, UNIT_MIX)
        if kinds[UnitKind.ZONE] == 0:  # the office unit is a zone
            kinds[UnitKind.ZONE] = 1
            biggest = max((UnitKind.DEPARTMENT, UnitKind.STREET), key=lambda k: kinds[k])
            kinds[biggest] -= 1
        names: list[tuple[str, UnitKind]] = [(OFFICE_UNIT, UnitKind.ZONE)]
        pools = {UnitKind.DEPARTMENT: DEPARTMENTS, UnitKind.STREET: STREETS, UnitKind.ZONE: ZONES}
        for kind in (UnitKind.DEPARTMENT, UnitKind.STREET, UnitKind.ZONE):
            pool = pools[kind]
            wanted = kinds[kind] - (1 if kind == UnitKind.ZONE else 0)
            names += [(pool[i % len(pool)], kind) for i in range(wanted)]
        first = _next_id(conn, "units")
        infos = [
            _UnitInfo(first + i, _fresh(name, taken_units), kind.value)
            for i, (name, kind) in enumerate(names)
        ]
        office = infos[0]

        since = self.now - timedelta(days=365 * self.years + 30)
        next_user = _next_id(conn, "users")
        user_rows: list[dict[str, Any]] = []
        role_rows: list[dict[str, Any]] = []

        def add_user(unit: _UnitInfo, role: Role, n: int) -> int:
            uid = next_user + len(user_rows)
            user_rows.append(
                {
                    "id": uid,
                    "login": f"u{unit.id:04d}.{role.value}{n}",
                    "name": _person(rng),
                    "email": None,
                    "mobile": f"139{rng.randint(10000000, 99999999)}",
                    "unit_id": unit.id,
                    "password_hash": None,
                    "active": True,
                    "created_at": since,
                }
            )
            role_rows.append({"user_id": uid, "role": role.value})
            return uid

        for info in infos:
            info.drafters = [add_user(info, Role.DRAFTER, 1), add_user(info, Role.DRAFTER, 2)]
            info.deputy = add_user(info, Role.DEPUTY_HEAD, 1)
            info.head = add_user(info, Role.HEAD, 1)
        editors = [add_user(office, Role.OFFICE_EDITOR, k) for k in (1, 2)]
        add_user(office, Role.SUPERVISOR, 1)
        add_user(office, Role.ADMIN, 1)
        unit_rows: list[dict[str, Any]] = [
            {"id": u.id, "name": u.name, "kind": u.kind, "active": True} for u in infos
        ]
        if "is_office" in _table("units").c:  # only the office's editors may 审发
            for row in unit_rows:
                row["is_office"] = row["id"] == office.id
        self.insert("units", unit_rows)
        self.insert(
            "unit_aliases",
            [
                {"alias": a, "unit_id": office.id}
                for a in OFFICE_ALIASES
                if a not in taken_aliases and a not in taken_units
            ],
        )
        self.insert("users", user_rows)
        self.insert("user_roles", role_rows)
        return infos, editors

    def column_tree(self, columns: int) -> list[dict[str, Any]]:
        """~10% top-level columns, ~30% second level, the rest third level."""
        conn, rng = self.conn, self.rng
        n1 = max(1, round(columns * 0.1))
        n2 = min(columns - n1, max(1, round(columns * 0.3)))
        table = _table("columns")
        taken_top = set(
            conn.execute(select(table.c.name).where(table.c.parent_id.is_(None))).scalars()
        )
        content_types = _shuffled(rng, quotas(columns, CONTENT_MIX))
        first = _next_id(conn, "columns")
        rows: list[dict[str, Any]] = []
        siblings: dict[int, set[str]] = {}
        by_level: dict[int, list[dict[str, Any]]] = {1: [], 2: [], 3: []}
        for level, n in ((1, n1), (2, n2), (3, columns - n1 - n2)):
            for i in range(n):
                parent = rng.choice(by_level[level - 1]) if level > 1 else None
                if parent is None:
                    name = _fresh(TOP_COLUMNS[i % len(TOP_COLUMNS)], taken_top)
                    position = i
                else:
                    names = siblings.setdefault(parent["id"], set())
                    position = len(names)
                    name = _fresh(rng.choice(SUB_COLUMNS), names)
                ctype = content_types[len(rows)]
                prerequisites: dict[str, Any] = {}
                if ctype == ContentType.POLICY:
                    prerequisites = {"required_attachments": NORMATIVE_DEFAULT}
                elif ctype == ContentType.SERVICE:
                    prerequisites = {"service_guide_elements": True}
                row: dict[str, Any] = {
                    "id": first + len(rows),
                    "parent_id": parent["id"] if parent else None,
                    "name": name,
                    "path": f"{parent['path']}/{name}" if parent else name,
                    "level": level,
                    "position": position,
                    "content": f"{name}相关信息",
                    "time_requirement": rng.choice(TIME_REQUIREMENTS),
                    "rules": [],
                    "content_type": ctype.value,
                    "tags": [],
                    "prerequisites": prerequisites,
                    "retired_at": None,
                }
                rows.append(row)
                by_level[level].append(row)
        self.insert("columns", rows)
        return rows

    def assignments(
        self, column_rows: list[dict[str, Any]], infos: list[_UnitInfo], editors: list[int]
    ) -> _Portal:
        """One lead unit per column (every unit leads at least one leaf column when
        there are enough), ~20% of columns with 1–2 cooperating units; each assignment
        designates one of the unit's drafters, a third of them both."""
        rng = self.rng
        parents = {r["parent_id"] for r in column_rows}
        leaves = [r for r in column_rows if r["id"] not in parents]
        leaf_ids = {r["id"] for r in leaves}
        portal = _Portal(infos, editors, leaves, {}, {}, {})
        coverage = infos[:]
        rng.shuffle(coverage)
        cooperating = set(
            rng.sample([r["id"] for r in column_rows], round(len(column_rows) * COOPERATING_SHARE))
        )
        first = _next_id(self.conn, "column_assignments")
        # Responsible from before the generated history begins: every period is judged.
        since = (self.now - timedelta(days=365 * self.years + 30)).date()
        rows: list[dict[str, Any]] = []
        drafter_rows: list[dict[str, Any]] = []
        for column in column_rows:
            cid = column["id"]
            if cid in leaf_ids and coverage:
                lead = coverage.pop()
            elif column["level"] == 1 and rng.random() < 0.5:
                lead = infos[0]  # the office
            else:
                lead = rng.choice(infos)
            others = [u for u in infos if u is not lead]
            coop = (
                rng.sample(others, min(len(others), rng.choice((1, 2))))
                if cid in cooperating
                else []
            )
            portal.lead_of[cid], portal.coop_of[cid] = lead, coop
            roles = [(lead, AssignmentRole.LEAD)] + [(u, AssignmentRole.COOPERATING) for u in coop]
            for unit, role in roles:
                aid = first + len(rows)
                rows.append(
                    {
                        "id": aid,
                        "column_id": cid,
                        "unit_id": unit.id,
                        "role": role.value,
                        "responsible_since": since,
                    }
                )
                chosen = unit.drafters if rng.random() < 1 / 3 else [rng.choice(unit.drafters)]
                portal.designated[(cid, unit.id)] = chosen
                drafter_rows += [{"assignment_id": aid, "user_id": uid} for uid in chosen]
        self.insert("column_assignments", rows)
        self.insert("assignment_drafters", drafter_rows)
        return portal

    def items(self, items: int, portal: _Portal) -> None:
        """Pass 1 fixes each item's target state, seed and creation time, so ids follow
        creation order; pass 2 replays each item's walk from its seed, in batches."""
        rng, now, years = self.rng, self.now, self.years
        order: list[tuple[datetime, int, State, int]] = []
        for i, target in enumerate(_shuffled(rng, quotas(items, STATE_MIX))):
            seed = rng.getrandbits(63)
            item_rng = random.Random(seed)
            created = _start(item_rng, target, plan(item_rng, target), now, years)
            order.append((created, i, target, seed))
        order.sort()
        cum_weights = list(
            itertools.accumulate(COLUMN_WEIGHT[leaf["content_type"]] for leaf in portal.leaves)
        )

        next_item = _next_id(self.conn, "items")
        next_rev = _next_id(self.conn, "revisions")
        next_audit = _next_id(self.conn, "audit_events")
        for start in range(0, len(order), BATCH):
            item_rows: list[dict[str, Any]] = []
            rev_rows: list[dict[str, Any]] = []
            audit_rows: list[dict[str, Any]] = []
            for created, _, target, seed in order[start : start + BATCH]:
                item_rng = random.Random(seed)
                steps = plan(item_rng, target)
                _start(item_rng, target, steps, now, years)  # the same draws as in pass 1
                leaf = item_rng.choices(portal.leaves, cum_weights=cum_weights)[0]
                unit = portal.lead_of[leaf["id"]]
                coop = portal.coop_of[leaf["id"]]
                if coop and item_rng.random() > LEAD_SHARE_OF_ITEMS:
                    unit = item_rng.choice(coop)
                kinds, weights = KINDS[leaf["content_type"]]
                kind = item_rng.choices(kinds, weights=weights)[0]
                title = _title(item_rng, kind, unit.name, created.year)
                fields = _guide_fields(item_rng, title) if kind == ItemKind.SERVICE_GUIDE else {}
                drafter = item_rng.choice(portal.designated[(leaf["id"], unit.id)])
                actors = {
                    "drafter": drafter,
                    "deputy": unit.deputy,
                    "head": unit.head,
                    "editor": item_rng.choice(portal.editors),
                }
                walk = ItemWalk(
                    next_item,
                    drafter,
                    title,
                    _body(item_rng, title),
                    fields,
                    created,
                    unit_id=unit.id,
                )
                next_item += 1
                for action, who, comment, delay in steps:
                    walk.at += timedelta(seconds=delay)
                    walk.do(action, actors[who], comment)
                if walk.state != target:
                    raise AssertionError(f"walk ended in {walk.state}, not {target}")
                item_rows.append(_item_row(walk, leaf["id"], unit.id, kind, created))
                rev_rows += walk.revisions
                audit_rows += walk.audit
                self.by_state[walk.state] += 1
            next_rev = _ids(rev_rows, next_rev)
            next_audit = _ids(audit_rows, next_audit)
            self.insert("items", item_rows)
            self.insert("revisions", rev_rows)
            self.insert("audit_events", audit_rows)


def generate(
    session: Session,
    *,
    units: int,
    columns: int,
    items: int,
    years: int,
    now: datetime,
    seed: int = 0,
) -> dict[str, Any]:
    """Fill a migrated database; returns row counts per table, their total ("rows") and
    items per state ("by_state"). Flushes through the session's connection but does not
    commit: the caller does."""
    if units < 1 or columns < 1 or items < 0 or years < 1:
        raise ValueError("need units >= 1, columns >= 1, items >= 0, years >= 1")
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware")
    gen = _Generator(session.connection(), random.Random(seed), now, years)
    infos, editors = gen.units_and_users(units)
    portal = gen.assignments(gen.column_tree(columns), infos, editors)
    gen.items(items, portal)
    sync_sequences(
        gen.conn,
        ("units", "users", "columns", "column_assignments", "items", "revisions", "audit_events"),
    )
    result: dict[str, Any] = dict(gen.counts)
    result["rows"] = sum(gen.counts.values())
    result["by_state"] = dict(sorted(gen.by_state.items()))
    return result


# ----------------------------------------------------------------------- CLI


def _parse_now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC).replace(microsecond=0)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _verify(session: Session) -> int:
    breaks = list(verify_chains(session))
    for b in breaks[:10]:
        print(f"chain break: {b.describe()}", file=sys.stderr)
    return len(breaks)


def _bench(args: argparse.Namespace) -> int:
    units = args.units or 20
    columns = args.columns or 100
    items = args.items if args.items is not None else 20_000
    with tempfile.TemporaryDirectory(prefix="sanshen_gen_") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        migrate.upgrade(url)
        engine = make_engine(url)
        try:
            with make_session_factory(engine)() as session:
                print(f"generating {items} items on SQLite…", file=sys.stderr)
                t0 = time.perf_counter()
                summary = generate(
                    session,
                    units=units,
                    columns=columns,
                    items=items,
                    years=args.years or 3,
                    now=_parse_now(args.now),
                    seed=args.seed,
                )
                session.commit()
                elapsed = time.perf_counter() - t0
                t1 = time.perf_counter()
                breaks = _verify(session)
                verify_s = time.perf_counter() - t1
        finally:
            engine.dispose()
    if breaks:
        print(f"FAILED: {breaks} broken audit chains", file=sys.stderr)
        return 1
    print(
        json.dumps(
            {
                "benchmark": "generate",
                "backend": "sqlite",
                "units": units,
                "columns": columns,
                "items": summary["items"],
                "audit_events": summary["audit_events"],
                "rows": summary["rows"],
                "seconds": round(elapsed, 2),
                "rows_per_s": round(summary["rows"] / elapsed, 1),
                "items_per_s": round(summary["items"] / elapsed, 1),
                "verify_seconds": round(verify_s, 2),
                "verify_audit_rows_per_s": round(summary["audit_events"] / verify_s, 1),
                "peak_rss_mb": _peak_rss_mb(),
            },
            ensure_ascii=False,
        )
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", help="database URL (required unless --bench)")
    parser.add_argument("--migrate", action="store_true", help="run the migrations first")
    parser.add_argument("--units", type=int)
    parser.add_argument("--columns", type=int)
    parser.add_argument("--items", type=int)
    parser.add_argument("--years", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--now", help="ISO timestamp (UTC if naive); default: now")
    parser.add_argument("--verify", action="store_true", help="verify the audit chains after")
    parser.add_argument(
        "--bench",
        action="store_true",
        help="time a generation on a temporary SQLite file, print JSON",
    )
    args = parser.parse_args(argv)
    if args.bench:
        return _bench(args)
    if not args.url:
        parser.error("--url is required (or --bench)")
    if args.migrate:
        migrate.upgrade(args.url)
    engine = make_engine(args.url)
    try:
        with make_session_factory(engine)() as session:
            t0 = time.perf_counter()
            summary = generate(
                session,
                units=args.units or 40,
                columns=args.columns or 300,
                items=args.items if args.items is not None else 100_000,
                years=args.years or 3,
                now=_parse_now(args.now),
                seed=args.seed,
            )
            session.commit()
            summary["seconds"] = round(time.perf_counter() - t0, 2)
            if args.verify:
                summary["chain_breaks"] = _verify(session)
    finally:
        engine.dispose()
    print(json.dumps(summary, ensure_ascii=False))
    return 1 if summary.get("chain_breaks") else 0


if __name__ == "__main__":
    sys.exit(main())
