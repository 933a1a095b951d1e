"""What the item page shows: the revision, attachments, diffs, history and the actions
this user may take now (the same rules the services enforce, asked in advance)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, object_session

from web.checkmarks import page_context
from web.helpers import calendar, now, tz
from web.labels import ATTACHMENT_TYPES, GUIDE_ELEMENTS, label
from web.sanitize import body_text_lines
from workflow import review_facts
from workflow.attachments import KINDS, extension
from workflow.delegation import principal_for
from workflow.enums import Action, State
from workflow.errors import NotAllowed, RoleRequired, WrongUnit
from workflow.holding import who_holds
from workflow.machine import available
from workflow.models import Attachment, AuditEvent, Item, Revision, User
from workflow.permissions import DRAFTING_ACTIONS, REVIEW_ACTIONS, History, check_permission
from workflow.scheduling import open_schedule
from workflow.services.core import EDITABLE_STATES, check_designated, check_drafter
from workflow.services.flow import check_recall, last_nudges, may_nudge, nudge_day


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same" | "added" | "removed"
    text: str


@dataclass(frozen=True)
class Diff:
    against: str  # "previous" or "published"
    base_no: int
    lines: list[DiffLine]

    @property
    def changed(self) -> bool:
        return any(line.kind != "same" for line in self.lines)


def file_size(size: int) -> str:
    """A file's size as people read it: 812 字节, 24.5 KB, 3.2 MB."""
    if size < 1024:
        return _("%(n)s 字节", n=size)
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def attachment_line(att: Attachment, replaced: bool = False) -> str:
    """An attachment in a diff: its type, name, kind of file and size (issue 16: no hash
    fragments); a file replaced under the same name says so."""
    kind = KINDS.get(extension(att.filename), (_("文件"), ()))[0]
    line = (
        f"{label(ATTACHMENT_TYPES, att.type)}：{att.filename}（{kind}，{file_size(att.blob.size)}）"
    )
    return line + _("（文件内容已更换）") if replaced else line


def _lines(rev: Revision, replaced: frozenset[tuple[str, str]] = frozenset()) -> list[str]:
    lines = [f"标题：{rev.title}"]
    lines += body_text_lines(rev.body)
    lines += [f"{label(GUIDE_ELEMENTS, k)}：{v}" for k, v in sorted((rev.fields or {}).items())]
    lines += [attachment_line(a, (a.type, a.filename) in replaced) for a in rev.attachments]
    return lines


def _replaced(base: Revision, current: Revision) -> frozenset[tuple[str, str]]:
    """(type, name) of the files whose content changed under the same name."""
    before = {(a.type, a.filename): a.blob_sha256 for a in base.attachments}
    return frozenset(
        (a.type, a.filename)
        for a in current.attachments
        if before.get((a.type, a.filename), a.blob_sha256) != a.blob_sha256
    )


def diff(base: Revision, current: Revision, against: str) -> Diff:
    out = []
    for raw in difflib.ndiff(_lines(base), _lines(current, _replaced(base, current))):
        tag, text = raw[:2], raw[2:]
        if tag == "? ":
            continue
        out.append(DiffLine({"+ ": "added", "- ": "removed"}.get(tag, "same"), text))
    return Diff(against, base.number, out)


def _designated(item: Item, user: User) -> None:
    session = object_session(item)
    assert session is not None  # the item was loaded by the request's session
    check_designated(session, user, item.column_id, item.unit_id)


def may(action: Action, item: Item, user: User) -> bool:
    if not available(item, action):
        return False
    history = review_facts.history(item.review_facts, item.current_revision_no)
    try:
        check_permission(action, item, user, history)
        if action in DRAFTING_ACTIONS:
            _designated(item, user)
    except (RoleRequired, WrongUnit):
        return action in REVIEW_ACTIONS and _stands_in(action, item, user, history)
    except NotAllowed:
        return False
    return True


def _stands_in(action: Action, item: Item, user: User, history: History) -> bool:
    """Whether `user` may take a review action for someone they stand in for (委托)."""
    session = object_session(item)
    assert session is not None
    try:
        return principal_for(session, item, user, action, history, now()) is not None
    except NotAllowed:
        return False


def may_edit(item: Item, user: User) -> bool:
    if item.state not in EDITABLE_STATES:
        return False
    try:
        check_drafter(user, item.unit_id)
        _designated(item, user)
    except NotAllowed:
        return False
    return True


def history(session: Session, item_id: int) -> list[tuple[AuditEvent, str]]:
    """The item's audit rows with who acted: "张三（代 李四）" for a delegate (委托)."""
    principal = aliased(User)
    return [
        (row, _("%(name)s（代 %(other)s）", name=name, other=other) if other else name)
        for row, name, other in session.execute(
            select(AuditEvent, User.name, principal.name)
            .join(User, User.id == AuditEvent.actor_id)
            .outerjoin(principal, principal.id == AuditEvent.on_behalf_of_id)
            .where(AuditEvent.item_id == item_id)
            .order_by(AuditEvent.seq)
        ).all()
    ]


def may_recall(session: Session, item: Item, user: User) -> bool:
    """Whether `user` may recall (撤回) `item` now: the service's own check, in advance."""
    if not available(item, Action.RECALL):
        return False
    try:
        check_recall(session, item, user)
    except NotAllowed:
        return False
    return True


def flow_context(session: Session, item: Item, user: User, now: datetime) -> dict[str, Any]:
    """Who holds the item now, its last nudge (催办), and whether this user may recall
    or nudge it."""
    held = who_holds(session, [item], now, calendar(), tz()).get(item.id)
    last = last_nudges(session, [item.id]).get(item.id) if held else None
    nudged_today = last is not None and last[0].day == nudge_day(calendar(), now)
    return {
        "holding": held,
        "last_nudge": last,
        "nudged_today": nudged_today,
        "may_recall": may_recall(session, item, user),
        "may_nudge": held is not None and may_nudge(user, item.unit_id),
    }


def last_return(rows: list[tuple[AuditEvent, str]]) -> tuple[AuditEvent, str] | None:
    for row, name in reversed(rows):
        if row.action == Action.REJECT:
            return row, name
        if row.action in (Action.RESUBMIT, Action.SUBMIT):
            return None
    return None


def context(session: Session, item: Item, user: User) -> dict[str, Any]:
    revisions = {r.number: r for r in item.revisions}
    current = revisions[item.current_revision_no]
    diffs = []
    earlier = [n for n in revisions if n < current.number]
    if earlier:
        base = revisions[max(earlier)]
        diffs.append(diff(base, current, "previous"))
    live = item.live_revision_no
    if live is not None and live != current.number and (not earlier or live != max(earlier)):
        diffs.append(diff(revisions[live], current, "published"))
    elif live is not None and live != current.number and diffs:
        diffs[0] = Diff("published", live, diffs[0].lines)
    rows = history(session, item.id)
    actions = {
        a: may(a, item, user)
        for a in Action
        if a not in (Action.CREATE, Action.EDIT, Action.RECALL)
    }
    return {
        **page_context(session, item, current, user),  # content-check findings
        "item": item,
        "rev": current,
        "live_rev": revisions.get(live) if live is not None else None,
        "diffs": diffs,
        "history": rows,
        "returned": last_return(rows) if item.state == State.RETURNED else None,
        "actions": actions,
        "can_edit": may_edit(item, user),
        "schedule": open_schedule(session, item.id),
        "stage": item.state,
        **flow_context(session, item, user, now()),
    }
