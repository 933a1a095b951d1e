"""The shared state machine: one machine, no generated shortcuts, errors not False."""

from __future__ import annotations

import pytest

from workflow import errors
from workflow.enums import Action, State
from workflow.machine import MACHINE, TRANSITIONS, fire


class Row:
    def __init__(self, state: str, live: bool = False) -> None:
        self.state = state
        self.has_live_revision = live


def test_no_auto_transitions_and_no_models_attached() -> None:
    assert not any(name.startswith("to_") for name in MACHINE.events)
    assert MACHINE.models == []  # rows are triggered, never added (pytransitions #146)
    assert set(MACHINE.events) == {a.value for a in Action if a not in (Action.CREATE, Action.EDIT)}


def test_table_is_data() -> None:
    assert all({"trigger", "source", "dest"} <= set(row) for row in TRANSITIONS)


def test_wrong_state_raises_instead_of_returning_false() -> None:
    row = Row(State.PUBLISHED)
    with pytest.raises(errors.InvalidTransition):
        fire(row, Action.APPROVE)
    assert row.state == State.PUBLISHED


@pytest.mark.parametrize(("live", "dest"), [(False, State.WITHDRAWN), (True, State.PUBLISHED)])
def test_withdraw_depends_on_a_live_revision(live: bool, dest: State) -> None:
    row = Row(State.RETURNED, live)
    assert fire(row, Action.WITHDRAW) == dest


def test_many_rows_share_one_machine() -> None:
    rows = [Row(State.DRAFT) for _ in range(1000)]
    for r in rows:
        fire(r, Action.SUBMIT)
    assert {r.state for r in rows} == {State.INITIAL_REVIEW}
    assert MACHINE.models == []
