"""What the item page shows: the revision, attachments, diffs, history and the actions
this user may take now (the same rules the services enforce, asked in advance)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from web.checkmarks import page_context
from web.labels import ATTACHMENT_TYPES, GUIDE_ELEMENTS, label
from web.sanitize import body_text_lines
from workflow import review_facts
from workflow.enums import Action, State
from workflow.errors import NotAllowed
from workflow.machine import available
from workflow.models import AuditEvent, Item, Revision, User
from workflow.permissions import DRAFTING_ACTIONS, check_permission
from workflow.scheduling import open_schedule
from workflow.services.core import EDITABLE_STATES, check_designated, check_drafter


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


def _lines(rev: Revision) -> list[str]:
    lines = [f"标题：{rev.title}"]
    lines += body_text_lines(rev.body)
    lines += [f"{label(GUIDE_ELEMENTS, k)}：{v}" for k, v in sorted((rev.fields or {}).items())]
    lines += [
        f"{label(ATTACHMENT_TYPES, a.type)}：{a.filename}（{a.blob_sha256[:8]}）"
        for a in rev.attachments
    ]
    return lines


def diff(base: Revision, current: Revision, against: str) -> Diff:
    out = []
    for raw in difflib.ndiff(_lines(base), _lines(current)):
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
    try:
        check_permission(
            action, item, user, review_facts.history(item.review_facts, item.current_revision_no)
        )
        if action in DRAFTING_ACTIONS:
            _designated(item, user)
    except NotAllowed:
        return False
    return True


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
    return [
        (row, name)
        for row, name in session.execute(
            select(AuditEvent, User.name)
            .join(User, User.id == AuditEvent.actor_id)
            .where(AuditEvent.item_id == item_id)
            .order_by(AuditEvent.seq)
        ).all()
    ]


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
    actions = {a: may(a, item, user) for a in Action if a not in (Action.CREATE, Action.EDIT)}
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
    }
