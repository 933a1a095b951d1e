"""What the `flask …` commands share: one session per command, every write a workflow
service run through `workflow.runner.run` as the command line (actor None: the
administrators' log shows no user), and a refusal of the library said plainly.

    with command_session() as session:
        unit = run(session, units.create_unit, name=name).value
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import click
from flask import current_app
from sqlalchemy.orm import Session

from workflow import runner
from workflow.errors import WorkflowError
from workflow.outcome import Outcome

T = TypeVar("T")


def now() -> datetime:
    return datetime.now(UTC)


@contextmanager
def command_session() -> Iterator[Session]:
    """The command's session, closed at the end (anything not committed by the runner
    is rolled back); a WorkflowError becomes a ClickException (its message, exit 1)."""
    session: Session = current_app.extensions["sanshen.sessions"]()
    try:
        yield session
    except WorkflowError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        session.close()


def run(session: Session, service: Callable[..., Outcome[T]], /, **kwargs: Any) -> Outcome[T]:
    """`service` in one transaction with its log entries, committed (or rolled back)."""
    return runner.run(session, service, actor=None, now=now(), **kwargs)
