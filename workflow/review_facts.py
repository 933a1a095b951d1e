"""Who has authored an item and who has reviewed its current revision, kept on the item.

These facts decide separation of duties. They are a fold over the item's audit rows,
kept up to date in the same UPDATE that moves the item (so a review needs no extra
query), and `audit.verify_chains` recomputes them from the rows to catch tampering.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from workflow.enums import Action
from workflow.permissions import REVIEW_ACTIONS, History

AUTHOR_ACTIONS = frozenset(
    {Action.CREATE, Action.EDIT, Action.SUBMIT, Action.RESUBMIT, Action.REVISE}
)


def advance(
    facts: Mapping[str, Any] | None,
    *,
    action: str,
    actor_id: int,
    from_state: str | None,
    revision_no: int,
    on_behalf_of_id: int | None = None,
) -> dict[str, Any]:
    """The facts after one more audit row. A delegate's review (委托) counts for both
    people at that stage; a recalled approval (撤回) no longer counts as one."""
    facts = facts or {}
    authors = set(facts.get("authors", ()))
    same_revision = facts.get("revision") == revision_no
    stages: dict[str, list[int]] = (
        {k: list(v) for k, v in facts.get("stages", {}).items()} if same_revision else {}
    )
    approvers: list[int] = list(facts.get("approvers", ())) if same_revision else []
    if action in AUTHOR_ACTIONS:
        authors.add(actor_id)
    elif action in REVIEW_ACTIONS and from_state is not None:
        for person in (actor_id, on_behalf_of_id):
            if person is not None and person not in stages.setdefault(from_state, []):
                stages[from_state].append(person)
        if action == Action.APPROVE and actor_id not in approvers:
            approvers.append(actor_id)
    elif action == Action.RECALL and actor_id in approvers:
        approvers.remove(actor_id)
    return {
        "authors": sorted(authors),
        "revision": revision_no,
        "stages": {k: sorted(v) for k, v in sorted(stages.items())},
        "approvers": approvers,
    }


def fold(
    rows: Iterable[tuple[str, int, str | None, int] | tuple[str, int, str | None, int, int | None]],
) -> dict[str, Any]:
    """Facts from audit rows (action, actor_id, from_state, revision_no[, on_behalf_of_id]),
    in order."""
    facts: dict[str, Any] = {}
    for action, actor_id, from_state, revision_no, *rest in rows:
        facts = advance(
            facts,
            action=action,
            actor_id=actor_id,
            from_state=from_state,
            revision_no=revision_no,
            on_behalf_of_id=rest[0] if rest else None,
        )
    return facts


def history(facts: Mapping[str, Any] | None, current_revision_no: int) -> History:
    if not facts:
        return History()
    same = facts.get("revision") == current_revision_no
    return History(
        authors=frozenset(facts.get("authors", ())),
        reviewers={k: frozenset(v) for k, v in facts.get("stages", {}).items()} if same else {},
    )


def approvers(facts: Mapping[str, Any] | None, current_revision_no: int) -> tuple[int, ...]:
    if not facts or facts.get("revision") != current_revision_no:
        return ()
    return tuple(facts.get("approvers", ()))
