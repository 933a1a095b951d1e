"""Writing the transactional outbox (`workflow.models.OutboxEvent`).

`workflow.runner.run` calls `write` before it commits, so the events that leave the
system exist exactly when their change does; what carries them on (RQ, in
`notifications.relay`) may be down at that moment without anything being lost.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from workflow.events import (
    ColumnOverdue,
    DelegationMade,
    ItemApproved,
    ItemNudged,
    ItemPublished,
    ItemRecalled,
    ItemRetracted,
    ItemReturned,
    ItemSubmitted,
    WebhookPaused,
)
from workflow.models import OutboxEvent

# The events someone is told about (notifications.events) or a webhook carries
# (notifications.webhooks); the others stay in the audit trail and the log.
KINDS = (
    ItemSubmitted,
    ItemApproved,
    ItemReturned,
    ItemPublished,
    ItemRecalled,
    ItemNudged,
    DelegationMade,
    ItemRetracted,
    ColumnOverdue,
    WebhookPaused,
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def payload(event: Any) -> dict[str, Any]:
    """The event as JSON values: its fields plus "type", its class name."""
    fields = {f.name: _plain(getattr(event, f.name)) for f in dataclasses.fields(event)}
    return {"type": type(event).__name__, **fields}


def write(session: Session, events: Iterable[Any], now: datetime) -> int:
    """Add one outbox row per event of KINDS to the session's transaction; the count."""
    rows = [
        {"kind": type(e).__name__, "payload": payload(e), "created_at": now}
        for e in events
        if isinstance(e, KINDS)
    ]
    if rows:
        session.execute(insert(OutboxEvent), rows)
    return len(rows)
