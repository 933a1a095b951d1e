"""The one runner of workflow services: call, write the log, commit, then dispatch.

Web views, command-line commands and jobs all change data through `run`, so every write
commits the same way: a service checks and writes; the runner adds the administrators'
log entries the service returned and the outbox rows of its events (`workflow.outbox`)
to the same transaction, commits, and only then hands the events on (nothing is ever
sent for a change that was rolled back, nothing lost if the queue is down). Any error rolls
back first and propagates: a StaleVersion must not leave half a change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from workflow import admin_log, outbox
from workflow.db import begin_write
from workflow.models import User
from workflow.outcome import Outcome

T = TypeVar("T")

Dispatch = Callable[[Sequence[Any]], None]


def run(
    session: Session,
    service: Callable[..., Outcome[T]],
    /,
    *,
    actor: User | None,
    now: datetime,
    dispatch: Dispatch | None = None,
    **kwargs: Any,
) -> Outcome[T]:
    """`service(session, actor=actor, now=now, **kwargs)` in one transaction. `actor`
    None is the system (a command-line action or a job). The session stays open: its
    owner (the request, the command, the job) closes it."""
    try:
        if not getattr(service, "locks_late", False):
            begin_write(session)
        outcome = service(session, actor=actor, now=now, **kwargs)
        record(session, outcome, actor=actor, now=now)
        outbox.write(session, outcome.events, now)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    if dispatch is not None and outcome.events:
        dispatch(list(outcome.events))
    return outcome


S = TypeVar("S", bound=Callable[..., Any])


def locks_late(service: S) -> S:
    """Mark a service that takes SQLite's write lock itself (`workflow.db.begin_write`)
    once its slow reading is done, so the runner does not hold the lock meanwhile (an
    import reads its file for up to IMPORT_SECONDS)."""
    service.locks_late = True  # type: ignore[attr-defined]
    return service


def record(session: Session, outcome: Outcome[Any], *, actor: User | None, now: datetime) -> None:
    """Add the outcome's log entries to the session (for the rare caller that commits
    several services at once, such as the demo loader)."""
    for entry in outcome.log:
        admin_log.record(
            session,
            actor=actor,
            action=entry.action,
            target_type=entry.target_type,
            target_id=entry.target_id,
            target_label=entry.target_label,
            changes=entry.changes,
            now=now,
        )
