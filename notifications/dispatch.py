"""Events → `notify_item_event` jobs directly (tests, and jobs queued before the outbox;
the app relays the outbox instead, see notifications.relay):

    enqueue_events(queue_or_redis, events) -> int

turns the `workflow.events` objects a service returned into RQ jobs that carry plain
values only (ids, state names, an ISO time); events nobody needs a message for are
skipped. Returns the number of jobs enqueued.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from redis import Redis
from rq import Queue

from notifications.runtime import QUEUE
from workflow import outbox
from workflow.events import (
    DelegationMade,
    ItemApproved,
    ItemNudged,
    ItemPublished,
    ItemRecalled,
    ItemReturned,
    ItemSubmitted,
)

# Events whose payload is the outbox's (all their fields).
_WHOLE = (ItemRecalled, ItemNudged, DelegationMade)

# The events people are told about (the outbox carries more, for webhooks).
NOTIFIED = (
    ItemSubmitted,
    ItemApproved,
    ItemReturned,
    ItemPublished,
    ItemRecalled,
    ItemNudged,
    DelegationMade,
)


def event_payload(event: Any) -> dict[str, Any] | None:
    if not isinstance(event, NOTIFIED):
        return None
    if isinstance(event, _WHOLE):
        return outbox.payload(event)
    fields: dict[str, Any] = {
        "type": type(event).__name__,
        "item_id": event.item_id,
        "revision_no": event.revision_no,
        "actor_id": event.actor_id,
        "at": event.at.isoformat(),
        "to_state": event.to_state,
        "comment": event.comment,
    }
    if isinstance(event, ItemReturned | ItemPublished):
        fields["drafter_id"] = event.drafter_id
    if isinstance(event, ItemReturned):
        fields["approver_ids"] = list(event.approver_ids)
    return fields


def enqueue_events(queue_or_redis: Queue | Redis, events: Iterable[Any]) -> int:
    from notifications.jobs import notify_item_event

    queue = (
        queue_or_redis
        if isinstance(queue_or_redis, Queue)
        else Queue(QUEUE, connection=queue_or_redis)
    )
    count = 0
    for event in events:
        payload = event_payload(event)
        if payload is not None:
            queue.enqueue(notify_item_event, payload, result_ttl=600, failure_ttl=86400)
            count += 1
    return count
