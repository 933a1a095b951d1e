"""The append-only, hash-chained audit trail.

Each row's hash covers its content and the previous row's hash of the same item, and
the item keeps the hash of its last row (`audit_head`), so a changed, removed or
inserted row anywhere — the last one included — breaks a chain that `verify_chains`
recomputes. The ORM refuses UPDATE and DELETE of audit rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Delete, Update, event, select
from sqlalchemy.orm import Mapper, ORMExecuteState, Session

from workflow.models import AuditEvent, Item


class AuditTrailIsAppendOnly(RuntimeError):
    pass


def _utc_iso(at: datetime) -> str:
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_hash(
    *,
    item_id: int,
    seq: int,
    revision_no: int,
    from_state: str | None,
    to_state: str,
    action: str,
    actor_id: int,
    comment: str | None,
    confidentiality_checked: bool,
    at: datetime,
    prev_hash: str | None,
) -> str:
    payload = json.dumps(
        {
            "item": item_id,
            "seq": seq,
            "revision": revision_no,
            "from": from_state,
            "to": to_state,
            "action": action,
            "actor": actor_id,
            "comment": comment,
            "confidential_checked": bool(confidentiality_checked),
            "at": _utc_iso(at),
            "prev": prev_hash,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def row_hash(row: AuditEvent) -> str:
    return compute_hash(
        item_id=row.item_id,
        seq=row.seq,
        revision_no=row.revision_no,
        from_state=row.from_state,
        to_state=row.to_state,
        action=row.action,
        actor_id=row.actor_id,
        comment=row.comment,
        confidentiality_checked=row.confidentiality_checked,
        at=row.at,
        prev_hash=row.prev_hash,
    )


def append(
    session: Session,
    item: Item,
    *,
    action: str,
    from_state: str | None,
    to_state: str,
    actor_id: int,
    at: datetime,
    comment: str | None = None,
    confidentiality_checked: bool = False,
) -> AuditEvent:
    """Add the next audit row of `item` (the item must already have an id)."""
    seq = item.audit_seq + 1
    fields: dict[str, Any] = {
        "item_id": item.id,
        "seq": seq,
        "revision_no": item.current_revision_no,
        "from_state": from_state,
        "to_state": to_state,
        "action": action,
        "actor_id": actor_id,
        "comment": comment,
        "confidentiality_checked": confidentiality_checked,
        "at": at,
        "prev_hash": item.audit_head,
    }
    row = AuditEvent(**fields, hash=compute_hash(**fields))
    item.audit_seq = seq
    item.audit_head = row.hash
    session.add(row)
    return row


@dataclass(frozen=True)
class ChainBreak:
    item_id: int
    audit_id: int | None  # None when the break is a missing tail row
    seq: int | None
    reason: str

    def describe(self) -> str:
        where = f"audit row id={self.audit_id} (seq {self.seq})" if self.audit_id else "tail"
        return f"item {self.item_id}: {where}: {self.reason}"


def verify_chains(session: Session, batch: int = 2000) -> Iterator[ChainBreak]:
    """Yield the first break of every broken chain, in item order. Streams the rows."""
    heads: dict[int, str | None] = {
        item_id: head for item_id, head in session.execute(select(Item.id, Item.audit_head))
    }
    rows = session.execute(
        select(AuditEvent)
        .order_by(AuditEvent.item_id, AuditEvent.seq)
        .execution_options(yield_per=batch)
    ).scalars()
    current: int | None = None
    prev_hash: str | None = None
    expected_seq = 1
    broken = False

    def tail_check(item_id: int, last_hash: str | None) -> ChainBreak | None:
        if heads.get(item_id) != last_hash:
            return ChainBreak(item_id, None, None, "last row missing or item head altered")
        return None

    seen: set[int] = set()
    for row in rows:
        if row.item_id != current:
            if current is not None and not broken and (b := tail_check(current, prev_hash)):
                yield b
            current, prev_hash, expected_seq, broken = row.item_id, None, 1, False
            seen.add(row.item_id)
        if broken:
            continue
        reason = None
        if row.seq != expected_seq:
            reason = f"sequence gap: expected seq {expected_seq}"
        elif row.prev_hash != prev_hash:
            reason = "prev_hash does not match the previous row"
        elif row_hash(row) != row.hash:
            reason = "content does not match its hash"
        if reason:
            broken = True
            yield ChainBreak(row.item_id, row.id, row.seq, reason)
        prev_hash, expected_seq = row.hash, expected_seq + 1
    if current is not None and not broken and (b := tail_check(current, prev_hash)):
        yield b
    for item_id, head in heads.items():
        if item_id not in seen and head is not None:
            yield ChainBreak(item_id, None, None, "all audit rows missing")


def _refuse_flush_change(mapper: Mapper[Any], connection: Any, target: AuditEvent) -> None:
    raise AuditTrailIsAppendOnly(f"audit rows are append-only (row {target.id})")


def _refuse_bulk_change(state: ORMExecuteState) -> None:
    stmt = state.statement
    if (
        isinstance(stmt, Update | Delete)
        and getattr(stmt.table, "name", None) == AuditEvent.__tablename__
    ):
        raise AuditTrailIsAppendOnly("audit rows are append-only")


event.listen(AuditEvent, "before_update", _refuse_flush_change)
event.listen(AuditEvent, "before_delete", _refuse_flush_change)
event.listen(Session, "do_orm_execute", _refuse_bulk_change)
