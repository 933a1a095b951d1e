"""Every (state × action × role × own/other unit) combination, against an oracle
written here from domain.md — not derived from the library's own table."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow import errors, services
from workflow.enums import Action, Role, State
from workflow.models import AuditEvent, Item

from .factories import World, audit_count, build_world, item_in_state

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
}

# Who may act: (role, must belong to the item's unit).
WHO: dict[tuple[str, str], tuple[str, bool]] = {
    ("draft", "submit"): ("drafter", True),
    ("draft", "withdraw"): ("drafter", True),
    ("returned", "resubmit"): ("drafter", True),
    ("returned", "withdraw"): ("drafter", True),
    ("published", "revise"): ("drafter", True),
    ("initial_review", "approve"): ("deputy_head", True),
    ("initial_review", "reject"): ("deputy_head", True),
    ("head_review", "approve"): ("head", True),
    ("head_review", "reject"): ("head", True),
    ("office_review", "approve"): ("office_editor", False),
    ("office_review", "reject"): ("office_editor", False),
    ("published", "retract"): ("office_editor", False),
}

# Valid input for each action, so only role/unit/state decide the outcome.
KWARGS: dict[str, dict[str, object]] = {
    "approve": {"confidentiality_checked": True, "comment": "同意"},
    "reject": {"comment": "数据需核实"},
    "retract": {"comment": "信息已过期"},
}


def expected(state: str, action: str, role: str, own_unit: bool) -> type[Exception] | str:
    if (state, action) not in DEST:
        return errors.InvalidTransition
    needed_role, needs_own = WHO[(state, action)]
    if role != needed_role:
        return errors.RoleRequired
    if needs_own and not own_unit:
        return errors.WrongUnit
    return DEST[(state, action)]


def snapshot(session: Session, item_id: int) -> tuple[str, int, int]:
    session.expire_all()
    item = session.get(Item, item_id)
    assert item is not None
    return item.state, item.version, audit_count(session, item_id)


def test_oracle_covers_every_allowed_transition() -> None:
    from workflow.machine import allowed_actions

    for state in State:
        assert allowed_actions(state) == {Action(a) for (s, a) in DEST if s == state}, state


@pytest.mark.parametrize("action", [a.value for a in Action if a is not Action.CREATE])
@pytest.mark.parametrize("state", [s.value for s in State])
def test_state_action_role_unit(session: Session, now: datetime, state: str, action: str) -> None:
    world: World = build_world(session, now)
    item = item_in_state(session, world, state, now)
    session.flush()
    before = snapshot(session, item.id)
    assert before[0] == state
    failures = []
    for role in Role:
        for where, own in (("a", True), ("b", False)):
            actor = world.user(role, where)
            want = expected(state, action, role, own)
            savepoint = session.begin_nested()
            try:
                services.ACTIONS[Action(action)](  # type: ignore[operator]
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
                    and after == (want, before[1] + 1, before[2] + 1)
                    and tuple(last) == (action, state, want, actor.id)
                )
            else:
                ok = got is want and snapshot(session, item.id) == before
            if not ok:
                failures.append(f"{role}/{where}: wanted {want}, got {got}")
            savepoint.rollback()
    assert not failures, failures


def test_office_editor_of_the_office_unit_publishes(session: Session, now: datetime) -> None:
    world = build_world(session, now)
    item = item_in_state(session, world, State.PUBLISHED, now)
    assert item.state == State.PUBLISHED
    assert item.live_revision_no == 1 and item.published_at == now
