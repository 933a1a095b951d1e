"""Events the services return in their Outcome. Plain dataclasses: `workflow.runner`
hands them on after the commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class ItemEvent:
    item_id: int
    revision_no: int
    unit_id: int
    column_id: int
    actor_id: int
    at: datetime
    from_state: str | None
    to_state: str
    action: str
    comment: str | None = None
    on_behalf_of_id: int | None = None  # 委托: the reviewer the actor acted for


@dataclass(frozen=True)
class ItemCreated(ItemEvent):
    pass


@dataclass(frozen=True)
class ItemSubmitted(ItemEvent):
    """Submitted or resubmitted: now waits for 初审."""


@dataclass(frozen=True)
class ItemApproved(ItemEvent):
    """Approved at a stage and moved to the next one (not the final approval)."""


@dataclass(frozen=True)
class ItemPublished(ItemEvent):
    drafter_id: int = 0
    # A new revision of an item already public went live (item.revised), not a first
    # publication (item.published).
    revised: bool = False


@dataclass(frozen=True)
class ItemReturned(ItemEvent):
    """Rejected: tell the drafter and everyone who already approved this round."""

    drafter_id: int = 0
    approver_ids: tuple[int, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ItemWithdrawn(ItemEvent):
    pass


@dataclass(frozen=True)
class ItemRetracted(ItemEvent):
    pass


@dataclass(frozen=True)
class ItemRevised(ItemEvent):
    """A published item got a new working revision; the live one stays visible."""


@dataclass(frozen=True)
class ItemRecalled(ItemEvent):
    """撤回: the drafter took a submission back from 初审 (to_state draft), or a reviewer
    took their approval back (to_state their stage). `told` are the people who had been
    asked to act and no longer are (the next stage's holders)."""

    drafter_id: int = 0
    told: tuple[int, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ItemNudged:
    """催办: one message to each of `reviewer_ids` (who can act on the item now)."""

    item_id: int
    nudge_id: int
    actor_id: int
    at: datetime
    stage: str
    reviewer_ids: tuple[int, ...]


@dataclass(frozen=True)
class DelegationMade:
    """委托: the delegate hears that they stand in (and for whom, when)."""

    delegation_id: int
    delegator_id: int
    delegate_id: int
    actor_id: int
    at: datetime
    starts_on: date
    ends_on: date
    stages: tuple[str, ...]


@dataclass(frozen=True)
class ObligationCreated:
    """Publishing `source_item_id` obliges `unit_id` to publish in `column_id` by
    `due_date` (e.g. the 解读 of a 政策文件)."""

    obligation_id: int
    column_id: int
    unit_id: int
    source_item_id: int
    due_date: date
    provisional: bool


@dataclass(frozen=True)
class ObligationFulfilled:
    obligation_id: int
    item_id: int
    at: datetime
    late: bool


@dataclass(frozen=True)
class DisclosureChanged:
    """A request for disclosure was registered or moved (workflow.services.disclosure);
    `action` is its RequestAction. Logged after the commit; the register's reminders come
    from the scan, not from this event."""

    request_id: int
    action: str
    unit_id: int | None
    actor_id: int


@dataclass(frozen=True)
class ColumnOverdue:
    """A unit's column turned overdue at the summary's refresh (a webhook's
    column.overdue; the 督办 messages come from the scan)."""

    column_id: int
    unit_id: int
    column_path: str
    overdue_since: date | None
    at: datetime


@dataclass(frozen=True)
class WebhookPaused:
    """A webhook endpoint failed too often in a row and was paused: the office is told."""

    subscription_id: int
    name: str
    url: str
    failures: int
    at: datetime


@dataclass(frozen=True)
class LinksToCheck:
    """A check found links with no fresh result: the link job fetches them (never the
    request) and checks the item again."""

    item_id: int
    urls: tuple[str, ...]


@dataclass(frozen=True)
class WordListChanged:
    """An entry of a word list was added, changed or removed: live items are rechecked."""

    list_id: int


@dataclass(frozen=True)
class LiveFindings:
    """A recheck found something new on a published item: its drafter and the office
    hear of it."""

    item_id: int
    unit_id: int
    drafter_id: int
    title: str
    finding_ids: tuple[int, ...]
