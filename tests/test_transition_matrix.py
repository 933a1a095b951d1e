"""Every (state × action × role × own unit / other unit / the office) combination,
against an oracle written here from domain.md — not derived from the library's table.

"State" includes the two shapes of a published item under revision (a live revision
plus a working one in draft or in review), where withdraw and retract behave apart.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import errors, services
from workflow.enums import Action, Role, State
from workflow.machine import available
from workflow.models import AuditEvent, Item

from .factories import World, audit_count, build_world, item_in_state
from .services import act

LIVE_DRAFT = "draft+live"  # published item, new revision in draft
LIVE_REVIEW = "initial_review+live"  # published item, new revision awaiting 初审
SHAPES = [s.value for s in State] + [LIVE_DRAFT, LIVE_REVIEW]

# domain.md: which actions exist from which state, and where they lead.
DEST: dict[tuple[str, str], str] = {
    ("draft", "submit"): "initial_review",
    ("draft", "withdraw"): "withdrawn",
    ("initial_review", "approve"): "head_review",
    ("initial_review", "reject"): "returned",
    ("head_review", "approve"): "office_review",
    ("head_review", "reject"): "returned",
    ("office_review", "approve"): "published",
    ("office_review", "reject"): "returned",
    ("returned", "resubmit"): "initial_review",
    ("returned", "withdraw"): "withdrawn",
    ("published", "retract"): "retracted",
    ("published", "revise"): "draft",
    # A new revision of a published item: withdrawing it keeps the published one;
    # the office can retract the live content at any time.
    (LIVE_DRAFT, "submit"): "initial_review",
    (LIVE_DRAFT, "withdraw"): "published",
    (LIVE_DRAFT, "retract"): "retracted",
    (LIVE_REVIEW, "approve"): "head_review",
    (LIVE_REVIEW, "reject"): "returned",
    (LIVE_REVIEW, "retract"): "retracted",
    # 撤回 (issue 16): the drafter from 初审; a reviewer their approval, one stage back.
    ("initial_review", "recall"): "draft",
    ("head_review", "recall"): "initial_review",
    ("office_review", "recall"): "head_review",
    (LIVE_REVIEW, "recall"): "draft",
}

DRAFTER, DEPUTY, HEAD, EDITOR = "drafter", "deputy_head", "head", "office_editor"
# Who may act: (role, where) with where "own" (the item's unit) or "office" (区政府办).
WHO: dict[str, tuple[str, str]] = {
    "submit": (DRAFTER, "own"),
    "resubmit": (DRAFTER, "own"),
    "withdraw": (DRAFTER, "own"),
    "revise": (DRAFTER, "own"),
    "retract": (EDITOR, "office"),
}
REVIEWER: dict[str, tuple[str, str]] = {
    "initial_review": (DEPUTY, "own"),
    LIVE_REVIEW: (DEPUTY, "own"),
    "head_review": (HEAD, "own"),
    "office_review": (EDITOR, "office"),
}
# Who may recall from each stage: the drafter from 初审, else who approved into it (in
# these items, the previous stage's reviewer of unit A).
RECALLER: dict[str, tuple[str, str]] = {
    "initial_review": (DRAFTER, "own"),
    LIVE_REVIEW: (DRAFTER, "own"),
    "head_review": (DEPUTY, "own"),
    "office_review": (HEAD, "own"),
}

# Valid input for each action, so only state, role and unit decide the outcome.
KWARGS: dict[str, dict[str, object]] = {
    "approve": {"confidentiality_checked": True, "comment": "同意"},
    "reject": {"comment": "数据需核实"},
    "retract": {"comment": "信息已过期"},
}


def expected(shape: str, action: str, role: str, where: str) -> type[Exception] | str:
    if (shape, action) not in DEST:
        return errors.InvalidTransition
    if action in ("approve", "reject"):
        needed_role, needed_where = REVIEWER[shape]
    elif action == "recall":
        needed_role, needed_where = RECALLER[shape]
    else:
        needed_role, needed_where = WHO[action]
    if role != needed_role:
        return errors.RoleRequired
    if where != needed_where:
        return errors.WrongUnit
    return DEST[(shape, action)]


def make(session: Session, world: World, shape: str, now: datetime) -> Item:
    if shape not in (LIVE_DRAFT, LIVE_REVIEW):
        return item_in_state(session, world, shape, now)
    item = item_in_state(session, world, State.PUBLISHED, now)
    act(session, "revise", item, by=world.drafter, now=now)
    if shape == LIVE_REVIEW:
        act(session, "submit", item, by=world.drafter, now=now)
    return item


def snapshot(session: Session, item_id: int) -> tuple[str, int, int, int | None]:
    session.expire_all()
    item = session.get(Item, item_id)
    assert item is not None
    return item.state, item.version, audit_count(session, item_id), item.live_revision_no


class Row:
    def __init__(self, state: str, live: bool) -> None:
        self.state, self.has_live_revision = state, live


def test_oracle_covers_every_transition_of_the_library() -> None:
    for shape in SHAPES:
        state, live = shape.split("+")[0], shape.endswith("+live") or shape == "published"
        library = {a for a in Action if available(Row(state, live), a)}
        assert library == {Action(a) for (s, a) in DEST if s == shape}, shape


WORKFLOW_ACTIONS = [a.value for a in Action if a not in (Action.CREATE, Action.EDIT)]


@pytest.mark.parametrize("action", WORKFLOW_ACTIONS)
@pytest.mark.parametrize("shape", SHAPES)
def test_state_action_role_unit(session: Session, now: datetime, shape: str, action: str) -> None:
    world: World = build_world(session, now)
    item = make(session, world, shape, now)
    session.flush()
    before = snapshot(session, item.id)
    failures = []
    for role in Role:
        for where, key in (("own", "a"), ("other", "b"), ("office", "office")):
            actor = world.user(role, key)
            want = expected(shape, action, role, where)
            savepoint = session.begin_nested()
            try:
                services.ACTIONS[Action(action)](
                    session,
                    actor=actor,
                    item_id=item.id,
                    expected_version=before[1],
                    now=now,
                    **KWARGS.get(action, {}),
                )
                session.flush()
                got: type[Exception] | str = "ok"
            except errors.WorkflowError as exc:
                got = type(exc)
            if isinstance(want, str):
                after = snapshot(session, item.id)
                last = session.execute(
                    select(
                        AuditEvent.action,
                        AuditEvent.from_state,
                        AuditEvent.to_state,
                        AuditEvent.actor_id,
                    )
                    .where(AuditEvent.item_id == item.id)
                    .order_by(AuditEvent.seq.desc())
                    .limit(1)
                ).one()
                ok = (
                    got == "ok"
                    and after[:3] == (want, before[1] + 1, before[2] + 1)
                    and tuple(last) == (action, before[0], want, actor.id)
                )
            else:
                ok = got is want and snapshot(session, item.id) == before
            if not ok:
                failures.append(f"{role}/{where}: wanted {want}, got {got}")
            savepoint.rollback()
    assert not failures, failures


def test_live_revision_follows_the_path(session: Session, now: datetime) -> None:
    world = build_world(session, now)
    item = make(session, world, LIVE_REVIEW, now)
    assert (item.live_revision_no, item.current_revision_no) == (1, 2)
    assert world.office_editor is not None
    act(session, "retract", item, by=world.office_editor, now=now, comment="原文有误，立即撤下")
    assert item.state == State.RETRACTED and item.live_revision_no is None
