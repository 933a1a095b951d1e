"""The changes feed: what went public, changed or came down, in a sequence a portal CMS
follows with a cursor (`GET /api/v1/changes`).

Each publication (`published`), revision gone live (`revised`) and retraction
(`retracted`) adds one `item_changes` row in the transaction of the change, written by
the service that makes it (`workflow.services.review.approve` and `retract`). The cursor
is the last row id a client has seen; a page is the rows after it, in id order.

That never skips a row only if ids become visible in id order. SQLite has one writer at a
time, so they do. PostgreSQL draws sequence values at INSERT and commits in any order: a
transaction that drew 7 may commit after one that drew 8, and a reader between the two
commits would move its cursor past 7 for ever. So on PostgreSQL the writer takes a
transaction-level advisory lock before its INSERT: the sequence value is drawn under the
lock and the lock is released after the commit is visible, so ids commit in order.
Publications are a few a minute, and the lock is held only from the INSERT to the
commit (the end of one review action), so writers rarely meet on it (not benchmarked);
readers never take it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from workflow.models import ItemChange

PUBLISHED = "published"
REVISED = "revised"
RETRACTED = "retracted"
KINDS = (PUBLISHED, REVISED, RETRACTED)

# pg_advisory_xact_lock key of the feed's writers ("sanshen changes").
FEED_LOCK = 0x5A_C4A9_6E5


def lock(session: Session) -> None:
    """Take the feed's writer lock (PostgreSQL; held to the end of the transaction). A
    service that publishes or retracts takes it *before* it updates the item's row, so
    every writer takes the lock first and the row second: a transaction publishing
    several items (scheduled publications) and an editor publishing one of them at the
    same moment queue on the lock instead of deadlocking."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(FEED_LOCK)))


def record(
    session: Session,
    *,
    item_id: int,
    kind: str,
    revision_no: int | None,
    column_id: int,
    unit_id: int,
    now: datetime,
) -> None:
    """Add one change to the caller's transaction (see the module's note on order)."""
    if kind not in KINDS:
        raise ValueError(f"unknown change kind {kind}")
    lock(session)  # taken already by the services (re-entrant): for any other caller
    session.execute(
        insert(ItemChange).values(
            item_id=item_id,
            kind=kind,
            revision_no=revision_no,
            column_id=column_id,
            unit_id=unit_id,
            at=now,
        )
    )


@dataclass(frozen=True)
class Change:
    seq: int
    item_id: int
    kind: str
    revision_no: int | None
    column_id: int
    unit_id: int
    at: datetime


def page(
    session: Session,
    after: int,
    limit: int,
    *,
    since: datetime | None = None,
    unit_ids: Collection[int] | None = None,
    column_ids: Collection[int] | None = None,
) -> list[Change]:
    """Up to `limit` changes after the cursor `after` (a row id; 0: from the start),
    optionally only from `since` on and within units / columns; one indexed range read
    on the primary key whatever the feed's length."""
    stmt = select(ItemChange).where(ItemChange.id > after).order_by(ItemChange.id).limit(limit)
    if since is not None:
        stmt = stmt.where(ItemChange.at >= since)
    if unit_ids is not None:
        stmt = stmt.where(ItemChange.unit_id.in_(sorted(unit_ids)))
    if column_ids is not None:
        stmt = stmt.where(ItemChange.column_id.in_(sorted(column_ids)))
    return [
        Change(c.id, c.item_id, c.kind, c.revision_no, c.column_id, c.unit_id, c.at)
        for c in session.scalars(stmt)
    ]


def last_seq(session: Session) -> int:
    return int(session.scalar(select(func.max(ItemChange.id))) or 0)
