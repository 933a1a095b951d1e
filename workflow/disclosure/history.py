"""The history of a request for disclosure: append-only rows hash-chained per request,
as the items' audit trail (workflow.audit, docs/audit.md). The request keeps the hash of
its last row (`history_head`), so a changed, removed or inserted row breaks the chain
`verify` recomputes; the ORM refuses UPDATE and DELETE of history rows."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Mapper, Session

from workflow import hashes
from workflow.audit import AuditTrailIsAppendOnly, session_hash
from workflow.models import DisclosureEvent, DisclosureRequest, User


def _utc_iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def compute_hash(row: DisclosureEvent) -> str:
    text = json.dumps(
        {
            "request": row.request_id,
            "seq": row.seq,
            "action": row.action,
            "from": row.from_state,
            "to": row.to_state,
            "actor": row.actor_id,
            "note": row.note,
            "facts": row.facts,
            "at": _utc_iso(row.at),
            "prev": row.prev_hash,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashes.digest(row.hash_alg, text.encode("utf-8"))


def append(
    session: Session,
    request: DisclosureRequest,
    *,
    action: str,
    from_state: str | None,
    actor: User,
    now: datetime,
    note: str | None = None,
    facts: Mapping[str, Any] | None = None,
) -> DisclosureEvent:
    """Add the next row of the request's chain (the request must have its id)."""
    request.history_seq = (request.history_seq or 0) + 1
    row = DisclosureEvent(
        request_id=request.id,
        seq=request.history_seq,
        action=action,
        from_state=from_state,
        to_state=request.state,
        actor_id=actor.id,
        note=note,
        facts=dict(facts or {}),
        at=now,
        prev_hash=request.history_head,
        hash_alg=session_hash(session),
    )
    row.hash = compute_hash(row)
    request.history_head = row.hash
    session.add(row)
    return row


def rows(session: Session, request_id: int) -> list[DisclosureEvent]:
    return list(
        session.execute(
            select(DisclosureEvent)
            .where(DisclosureEvent.request_id == request_id)
            .order_by(DisclosureEvent.seq)
        ).scalars()
    )


def verify(session: Session, request: DisclosureRequest) -> list[str]:
    """The problems of one request's chain (empty: intact)."""
    problems: list[str] = []
    prev: str | None = None
    trail = rows(session, request.id)
    for expected_seq, row in enumerate(trail, start=1):
        if row.seq != expected_seq:
            problems.append(f"row {row.id}: seq {row.seq}, expected {expected_seq}")
        if row.prev_hash != prev:
            problems.append(f"row {row.id}: does not follow the row before it")
        if compute_hash(row) != row.hash:
            problems.append(f"row {row.id}: its content does not match its hash")
        prev = row.hash
    if prev != request.history_head:
        problems.append("the last row is not the one the request recorded")
    return problems


def _refuse_change(mapper: Mapper[Any], connection: Any, target: DisclosureEvent) -> None:
    raise AuditTrailIsAppendOnly(f"history rows are append-only (row {target.id})")


event.listen(DisclosureEvent, "before_update", _refuse_change)
event.listen(DisclosureEvent, "before_delete", _refuse_change)


def verify_all(session: Session) -> dict[str, list[str]]:
    """Every request's chain: {reference: problems} for the broken ones."""
    broken: dict[str, list[str]] = {}
    for request in session.execute(
        select(DisclosureRequest).order_by(DisclosureRequest.id)
    ).scalars():
        problems = verify(session, request)
        if problems:
            broken[request.reference] = problems
    return broken
