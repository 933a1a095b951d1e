"""The 信息发布审核表: the 三审 record of one revision of an item, laid out like the paper
form offices keep on file (title, unit, column, kind, each stage's reviewer, opinion and
time, the 保密审查 confirmation, the publication time and the content's digest), as a
.docx (python-docx) and a PDF (reportlab), one form or a month's batch in one file.

The facts come from the audit trail, not from the item row: what a stage approved is the
reviewer's own audit row for that revision, after its last submission. The form reads
in Chinese whatever the reader's language (it is an office document, like the 通报).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from workflow.audit import revision_digest
from workflow.enums import Action, ItemKind, State
from workflow.models import AuditEvent, Column, Item, Revision, Unit, User
from workflow.prerequisites import ATTACHMENT_LABELS
from workflow.reporting.common import DEFAULTS, ReportSettings, local_midnight

TITLE: Final = "政府网站信息发布审核表"

ITEM_KIND_NAMES: Final[dict[str, str]] = {
    ItemKind.ARTICLE: "一般信息",
    ItemKind.NEWS: "动态要闻",
    ItemKind.POLICY: "政策文件",
    ItemKind.NORMATIVE: "规范性文件",
    ItemKind.INTERPRETATION: "政策解读",
    ItemKind.SERVICE_GUIDE: "办事指南",
    ItemKind.REPLY: "答复",
    ItemKind.STATEMENT: "说明性信息",
}

# Each review stage on the form: its opinion's label and who signs it.
STAGE_ROWS: Final[tuple[tuple[str, str, str], ...]] = (
    (State.INITIAL_REVIEW.value, "初审意见", "部门分管负责人"),
    (State.HEAD_REVIEW.value, "审核意见", "单位主要负责人"),
    (State.OFFICE_REVIEW.value, "审发意见", "区政府办"),
)

CONFIDENTIALITY_TEXT: Final = "已完成保密审查，稿件不涉及国家秘密、工作秘密和敏感信息"
_CHUNK = 500  # ids per IN list


@dataclass(frozen=True)
class Signoff:
    """One review stage of the revision: who approved it, with what opinion, when."""

    stage: str  # the stage's state code
    label: str  # 初审意见…
    role: str  # 部门分管负责人…
    reviewer: str  # "" while the stage has not approved
    opinion: str
    at: datetime | None

    @property
    def signed(self) -> bool:
        return self.at is not None


@dataclass(frozen=True)
class ReviewForm:
    item_id: int
    revision_no: int
    title: str
    unit: str
    column: str
    kind: str  # the kind's Chinese name
    drafter: str  # who submitted this revision
    submitted_at: datetime | None
    attachments: tuple[str, ...]  # "正文：通知.docx"
    signoffs: tuple[Signoff, ...]
    confidentiality_checked: bool  # 初审 confirmed the 保密审查
    published_at: datetime | None  # when this revision went public (None: not yet)
    content_digest: str  # SHA-256 of the content, as the revision's last audit row has it
    digest_matches: bool  # the stored content still has that digest
    live: bool  # this revision is what the public sees now
    # The item taken off the portal (撤稿), whichever revision the form is of.
    retracted_at: datetime | None = None
    retraction_reason: str = ""


# ---------------------------------------------------------------- the facts


def form_revision(item: Item) -> int:
    """The revision an item's form describes: the one the public sees, else the one in
    hand."""
    return item.live_revision_no or item.current_revision_no


def review_form(session: Session, item_id: int, revision_no: int) -> ReviewForm | None:
    forms = review_forms(session, [(item_id, revision_no)])
    return forms[0] if forms else None


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]


def review_forms(session: Session, keys: Sequence[tuple[int, int]]) -> list[ReviewForm]:
    """The forms of these (item id, revision number) pairs, in their order; a pair that
    does not exist is left out. Four statements per 500 items, whatever their history."""
    ids = sorted({item_id for item_id, _ in keys})
    items: dict[int, Any] = {}
    revisions: dict[tuple[int, int], Revision] = {}
    trail: dict[int, list[tuple[AuditEvent, str]]] = {}
    wanted = set(keys)
    for chunk in _chunks(ids):
        for row in session.execute(
            select(Item.id, Item.kind, Item.live_revision_no, Unit.name, Column.path)
            .join(Unit, Unit.id == Item.unit_id)
            .join(Column, Column.id == Item.column_id)
            .where(Item.id.in_(chunk))
        ):
            items[row.id] = row
        for found in session.execute(
            select(Revision)
            .options(selectinload(Revision.attachments))
            .where(Revision.item_id.in_(chunk))
        ).scalars():
            if (found.item_id, found.number) in wanted:
                revisions[(found.item_id, found.number)] = found
        for audit_row, name in session.execute(
            select(AuditEvent, User.name)
            .join(User, User.id == AuditEvent.actor_id)
            .where(AuditEvent.item_id.in_(chunk))
            .order_by(AuditEvent.item_id, AuditEvent.seq)
        ):
            trail.setdefault(audit_row.item_id, []).append((audit_row, name))
    out = []
    for item_id, number in keys:
        rev = revisions.get((item_id, number))
        if rev is None or item_id not in items:
            continue
        history = trail.get(item_id, [])
        rows = [(r, n) for r, n in history if r.revision_no == number]
        retract = next((r for r, _ in reversed(history) if r.action == Action.RETRACT), None)
        form = _form(items[item_id], rev, rows)
        if retract is not None:
            form = replace(form, retracted_at=retract.at, retraction_reason=retract.comment or "")
        out.append(form)
    return out


def _form(item: Any, rev: Revision, rows: list[tuple[AuditEvent, str]]) -> ReviewForm:
    submitted: tuple[AuditEvent, str] | None = None
    approvals: dict[str, tuple[AuditEvent, str]] = {}
    returned: tuple[AuditEvent, str] | None = None
    published_at: datetime | None = None
    for row, name in rows:
        if row.action in (Action.SUBMIT, Action.RESUBMIT):
            # A new round of 三审: a return voided the last one's approvals.
            submitted, approvals, returned = (row, name), {}, None
        elif row.action == Action.REJECT:
            returned = (row, name)  # the round as it ended, until a resubmission
        elif row.action == Action.APPROVE and row.from_state is not None:
            approvals[row.from_state] = (row, name)
            if row.to_state == State.PUBLISHED:
                published_at = row.at
    signoffs = []
    for stage, label, role in STAGE_ROWS:
        got = approvals.get(stage)
        opinion = (got[0].comment or "") if got else ""
        if got is None and returned is not None and returned[0].from_state == stage:
            # The stage that returned this revision: its 退回 opinion, signed.
            got, opinion = returned, f"退回修改：{returned[0].comment or ''}"
        signoffs.append(
            Signoff(
                stage,
                label,
                role,
                reviewer=got[1] if got else "",
                opinion=opinion,
                at=got[0].at if got else None,
            )
        )
    initial = approvals.get(State.INITIAL_REVIEW.value)
    recorded = rows[-1][0].content_digest if rows else ""
    return ReviewForm(
        item_id=item.id,
        revision_no=rev.number,
        title=rev.title,
        unit=item.name,
        column=item.path,
        kind=ITEM_KIND_NAMES.get(item.kind, item.kind),
        drafter=submitted[1] if submitted else "",
        submitted_at=submitted[0].at if submitted else None,
        attachments=tuple(
            f"{ATTACHMENT_LABELS.get(a.type, '附件')}：{a.filename}" for a in rev.attachments
        ),
        signoffs=tuple(signoffs),
        confidentiality_checked=bool(initial and initial[0].confidentiality_checked),
        published_at=published_at,
        content_digest=recorded,
        digest_matches=bool(recorded) and revision_digest(rev) == recorded,
        live=item.live_revision_no == rev.number,
    )


def published_in(
    session: Session,
    start: date,
    end: date,
    settings: ReportSettings = DEFAULTS,
    unit_id: int | None = None,
) -> list[tuple[int, int]]:
    """(item id, revision) of every revision published from `start` to `end` inclusive
    (local dates), optionally of one unit: a batch's forms, by unit, then time."""
    tz = settings.tz
    stmt = (
        select(AuditEvent.item_id, AuditEvent.revision_no)
        .join(Item, Item.id == AuditEvent.item_id)
        .join(Unit, Unit.id == Item.unit_id)
        .where(
            AuditEvent.action == Action.APPROVE.value,
            AuditEvent.to_state == State.PUBLISHED.value,
            AuditEvent.at >= local_midnight(start, tz),
            AuditEvent.at < local_midnight(end + timedelta(days=1), tz),
        )
        .order_by(Unit.name, AuditEvent.at, AuditEvent.item_id)
    )
    if unit_id is not None:
        stmt = stmt.where(Item.unit_id == unit_id)
    return [(item_id, number) for item_id, number in session.execute(stmt)]


# ---------------------------------------------------------------- the words


def when(moment: datetime | None, settings: ReportSettings = DEFAULTS) -> str:
    if moment is None:
        return ""
    local = moment.astimezone(settings.tz)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def confidentiality_text(form: ReviewForm) -> str:
    return f"■ {CONFIDENTIALITY_TEXT}" if form.confidentiality_checked else "□ 未确认"


def digest_text(form: ReviewForm) -> str:
    if not form.content_digest:
        return "（无审核记录）"
    note = "" if form.digest_matches else "（注意：稿件内容与审核记录不一致）"
    return f"{form.content_digest}{note}"


def number_text(form: ReviewForm) -> str:
    return f"编号：{form.item_id}-{form.revision_no}（第{form.revision_no}版）"


def facts_rows(form: ReviewForm, settings: ReportSettings) -> list[tuple[str, str, str, str]]:
    """The form's upper rows: (label, value, label, value); an empty third label makes
    the value span the row."""
    return [
        ("信息标题", form.title, "", ""),
        ("报送单位", form.unit, "信息类别", form.kind),
        ("发布栏目", form.column, "", ""),
        ("报送人", form.drafter, "报送时间", when(form.submitted_at, settings)),
        ("附件", "；".join(form.attachments) or "无", "", ""),
        ("保密审查", confidentiality_text(form), "", ""),
    ]


def signature_text(signoff: Signoff, settings: ReportSettings) -> str:
    if not signoff.signed:
        return "签名：　　　　　　　日期："
    return f"签名：{signoff.reviewer}　　日期：{when(signoff.at, settings)}"


def opinion_text(signoff: Signoff) -> str:
    if not signoff.signed:
        return "（尚未审核）"
    return signoff.opinion or "同意。"


def footer_rows(form: ReviewForm, settings: ReportSettings) -> list[tuple[str, str, str, str]]:
    published = when(form.published_at, settings) or "尚未发布"
    rows = [
        ("发布时间", published, "版本", f"第{form.revision_no}版"),
        ("内容摘要\n（SHA-256）", digest_text(form), "", ""),
    ]
    if form.retracted_at is not None:
        reason = f"，原因：{form.retraction_reason}" if form.retraction_reason else ""
        rows.append(("撤稿", f"已于{when(form.retracted_at, settings)}撤稿{reason}", "", ""))
    return rows


def note_text(now: datetime, settings: ReportSettings) -> str:
    return (
        f"本表由三审系统根据审核记录生成，生成时间：{when(now, settings)}。"
        "签名栏所列为在系统中办理该环节的人员。"
    )
