"""What every workflow service returns: its value, the events to send after the commit,
and the administrators' log entries to write inside the transaction.

One shape for every write lets one runner (`workflow.runner`) commit, log and dispatch
for the web views, the command line and the jobs alike; nobody guesses a result's shape.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One line of the administrators' log (`workflow.admin_log.record` without the
    actor and the time, which the runner supplies). `target_id` must be known when the
    service returns: a service that creates a row flushes before building this."""

    action: str
    target_type: str
    target_id: object
    target_label: str
    changes: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """A service's result. `events` leave only after the commit; `log` is written in the
    same transaction as the change, so neither exists for a rolled-back change."""

    value: T
    events: Sequence[Any] = field(default_factory=tuple)
    log: Sequence[LogEntry] = field(default_factory=tuple)

    def with_events(self, *more: Any) -> Outcome[T]:
        return Outcome(self.value, (*self.events, *more), self.log)


def done(value: T, events: Sequence[Any] = (), *log: LogEntry) -> Outcome[T]:
    """Shorthand: `return done(item, events, LogEntry(...))`."""
    return Outcome(value, tuple(events), tuple(log))
