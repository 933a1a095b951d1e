"""Asking where an action leads (the table) and moving a row (the library) agree."""

from __future__ import annotations

import pytest

from workflow import errors
from workflow.enums import Action, State
from workflow.machine import STEPS, available, destination, fire, next_state

ACTIONS = [a for a in Action if a not in (Action.CREATE, Action.EDIT)]


class Row:
    def __init__(self, state: State, live: bool) -> None:
        self.state = state
        self.has_live_revision = live


@pytest.mark.parametrize("live", [False, True])
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("state", list(State))
def test_asking_agrees_with_firing(state: State, action: Action, live: bool) -> None:
    asked = destination(Row(state, live), action)
    row = Row(state, live)
    try:
        moved: State | None = fire(row, action)
    except errors.InvalidTransition:
        moved = None
    assert asked == moved
    assert available(Row(state, live), action) is (moved is not None)


def test_next_state_leaves_the_row_alone_and_raises_where_nothing_applies() -> None:
    row = Row(State.RETURNED, True)
    assert next_state(row, Action.WITHDRAW) == State.PUBLISHED
    assert row.state is State.RETURNED
    with pytest.raises(errors.InvalidTransition):
        next_state(Row(State.PUBLISHED, False), Action.APPROVE)


def test_rows_keep_the_tables_order() -> None:
    # withdraw from a draft: the conditional row (back to published) is asked first
    dests = [step.dest for step in STEPS[(State.DRAFT, Action.WITHDRAW)]]
    assert dests == [State.PUBLISHED, State.WITHDRAWN]
