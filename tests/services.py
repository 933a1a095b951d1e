"""The item services as the tests call them: one line per action instead of six.

    act(session, "approve", item, by=head, now=now)

is `services.approve(session, actor=head, item_id=item.id,
expected_version=item.version, now=now)`: the version is the one the item has at the
call, as a user who just loaded the page would send. The services are called directly,
not through `workflow.runner`: the tests' session rolls back at the end instead of
committing, and a refused action must leave the test's unflushed setup alone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from workflow import services
from workflow.enums import Action
from workflow.models import User
from workflow.outcome import Outcome

# Every service that acts on an existing item at a version, by its action's name.
BY_NAME: dict[str, Callable[..., Outcome[Any]]] = {
    **{str(action): service for action, service in services.ACTIONS.items()},
    Action.EDIT.value: services.update_draft,
}


class Versioned(Protocol):
    """An ORM Item or the snapshot a review action returns."""

    @property
    def id(self) -> int: ...

    @property
    def version(self) -> int: ...


def act(
    session: Session,
    action: str | Callable[..., Outcome[Any]],
    item: Versioned,
    *,
    by: User,
    now: datetime,
    **kwargs: Any,
) -> Outcome[Any]:
    """`action` (a name: "submit", "approve"…, "edit"; or a service such as
    services.add_attachment) on `item` at its current version, by `by`."""
    service = BY_NAME[str(action)] if isinstance(action, str) else action
    return service(
        session, actor=by, item_id=item.id, expected_version=item.version, now=now, **kwargs
    )

