"""The append-only, hash-chained audit trail.

Each row's hash covers its content and the previous row's hash of the same item, and
the item keeps the hash of its last row (`audit_head`), so a changed, removed or
inserted row anywhere — the last one included — breaks a chain that `verify_chains`
recomputes; it also compares each item row with what its chain says the row must be.
The ORM refuses UPDATE and DELETE of audit rows.

Each row records the algorithm of its hash (`hash_alg`: sha256 or sm3, see
workflow.hashes), so a chain may switch algorithm mid-way and still verify (docs/audit.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Delete, Engine, Update, event, func, select
from sqlalchemy.orm import Mapper, ORMExecuteState, Session, selectinload

from workflow import hashes, review_facts
from workflow.enums import Action, State
from workflow.models import AuditEvent, Item, Revision


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
    content_digest: str,
    at: datetime,
    prev_hash: str | None,
    hash_alg: str = hashes.DEFAULT,
    on_behalf_of_id: int | None = None,
) -> str:
    # The algorithm is not part of the hashed text: rows written before it was recorded
    # verify unchanged, and a relabelled row fails anyway (the other function's digest).
    # Whom a delegate acted for (委托) is hashed only when set, for the same reason.
    extra = {} if on_behalf_of_id is None else {"on_behalf": on_behalf_of_id}
    text = _canonical(
        {
            **extra,
            "content": content_digest,
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
    )
    return hashes.digest(hash_alg, text)


def _canonical(value: Any) -> bytes:
    """A canonical JSON form (sorted keys, no spaces, UTF-8)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.encode("utf-8")


def _sha256_json(value: Any) -> str:
    """SHA-256 of the canonical JSON form: the content and facts digests, which stay
    SHA-256 whatever the chain uses (they are inputs to the row hash; docs/audit.md)."""
    return hashes.digest(hashes.SHA256, _canonical(value))


def session_hash(session: Session) -> str:
    """The algorithm new rows are chained with: the session factory's (AUDIT_HASH, see
    workflow.db.make_session_factory); SHA-256 for a session made without one."""
    return str(session.info.get(hashes.SESSION_KEY, hashes.DEFAULT))


def rows_by_hash(session: Session) -> dict[str, int]:
    """How many audit rows each algorithm hashed (what `flask audit verify` reports)."""
    counts = session.execute(
        select(AuditEvent.hash_alg, func.count()).group_by(AuditEvent.hash_alg)
    )
    return {alg: n for alg, n in sorted((alg, n) for alg, n in counts)}


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
        content_digest=row.content_digest,
        at=row.at,
        prev_hash=row.prev_hash,
        hash_alg=row.hash_alg,
        on_behalf_of_id=row.on_behalf_of_id,
    )


def content_digest(
    title: str,
    body: str,
    fields: Mapping[str, Any] | None,
    attachments: Iterable[tuple[str, str, str]],
) -> str:
    """SHA-256 of a revision's content; attachments as (type, filename, blob sha256)."""
    return _sha256_json(
        {
            "title": title,
            "body": body,
            "fields": dict(fields or {}),
            "attachments": sorted(list(a) for a in attachments),
        },
    )


def revision_digest(rev: Revision) -> str:
    return content_digest(
        rev.title,
        rev.body,
        rev.fields,
        ((a.type, a.filename, a.blob_sha256) for a in rev.attachments),
    )


class Chained(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def audit_seq(self) -> int: ...
    @property
    def audit_head(self) -> str | None: ...


def next_row(
    item: Chained,
    *,
    action: str,
    from_state: str | None,
    to_state: str,
    actor_id: int,
    at: datetime,
    revision_no: int,
    content_digest: str,
    comment: str | None = None,
    confidentiality_checked: bool = False,
    unit_id: int | None = None,
    state_entered_at: datetime | None = None,
    hash_alg: str = hashes.DEFAULT,
    on_behalf_of_id: int | None = None,
) -> dict[str, Any]:
    """The next audit row of `item` as column values, hash included (nothing written).

    `unit_id` and `state_entered_at` are reporting copies (the item's unit, the time it
    entered `from_state`): stored on the row but not hashed, so chains written before
    they existed verify unchanged. `hash_alg` hashes this row; the previous row may have
    used another (a switch of AUDIT_HASH chains on from the item's head)."""
    fields: dict[str, Any] = {
        "item_id": item.id,
        "seq": item.audit_seq + 1,
        "revision_no": revision_no,
        "from_state": str(from_state) if from_state is not None else None,
        "to_state": str(to_state),
        "action": str(action),
        "actor_id": actor_id,
        "comment": comment,
        "confidentiality_checked": confidentiality_checked,
        "content_digest": content_digest,
        "at": at,
        "prev_hash": item.audit_head,
        "hash_alg": hashes.check(hash_alg),
        "on_behalf_of_id": on_behalf_of_id,
    }
    return {
        **fields,
        "hash": compute_hash(**fields),
        "unit_id": unit_id,
        "state_entered_at": state_entered_at,
    }


@dataclass(frozen=True)
class ChainBreak:
    item_id: int
    audit_id: int | None  # None when the break is a missing tail row
    seq: int | None
    reason: str
    title: str | None = None  # the item's title, where the check read it

    def describe(self) -> str:
        where = f"audit row id={self.audit_id} (seq {self.seq})" if self.audit_id else "tail"
        # A title is user text: control characters would reach the terminal or the log.
        title = "".join(c if c.isprintable() else "?" for c in self.title or "")
        item = f"item {self.item_id}" + (f" 《{title}》" if title else "")
        return f"{item}: {where}: {self.reason}"


# (audit row id, seq, content digest) of the last row about one revision of one item
Recorded = tuple[int, int, str]


@dataclass
class _Expected:
    """The item row as the services leave it after its audit rows so far (see
    services._core.write and review.py): folded row by row, compared at the chain's end."""

    state: str | None = None
    seq: int = 0
    revision_no: int = 0
    content_digest: str = ""
    live_revision_no: int | None = None
    state_since: datetime | None = None
    published_at: datetime | None = None
    first_published_at: datetime | None = None
    last_id: int = 0

    def advance(self, row: AuditEvent, recorded: Mapping[tuple[int, int], Recorded]) -> None:
        """Apply one row; `recorded` holds each revision's last recorded digest."""
        action, to_state, at = row.action, row.to_state, row.at
        self.state, self.seq, self.last_id = to_state, row.seq, row.id
        self.revision_no, self.content_digest = row.revision_no, row.content_digest
        if row.from_state != to_state:  # the creation row too (from None)
            self.state_since = at
        if action == Action.APPROVE and to_state == State.PUBLISHED:
            self.live_revision_no = row.revision_no
            self.published_at = at
            self.first_published_at = self.first_published_at or at
        elif action == Action.RETRACT:
            self.live_revision_no = None
        elif (
            action == Action.WITHDRAW
            and to_state == State.PUBLISHED
            and self.live_revision_no is not None
        ):
            # A discarded new revision: the item points at its live revision again (no
            # row of its own; review.withdraw's _restore).
            self.revision_no = self.live_revision_no
            live = recorded.get((row.item_id, self.live_revision_no))
            self.content_digest = live[2] if live else ""


# The item columns the audit trail determines, streamed in id order beside the rows.
_ITEM_ROWS = select(
    Item.id,
    Item.title,
    Item.state,
    Item.version,
    Item.audit_seq,
    Item.current_revision_no,
    Item.live_revision_no,
    Item.content_digest,
    Item.state_since,
    Item.published_at,
    Item.first_published_at,
).order_by(Item.id)


def _same_moment(a: datetime | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return a is b
    # Aware datetimes compare as instants; a naive one is UTC (as _utc_iso takes it).
    return (a if a.tzinfo else a.replace(tzinfo=UTC)) == (b if b.tzinfo else b.replace(tzinfo=UTC))


def _row_differences(item: Any, expected: _Expected) -> list[str]:
    """What in the item row contradicts its audit trail, one phrase per column."""
    found: list[str] = []

    def differs(name: str, have: Any, want: Any) -> None:
        found.append(f"{name} is {have!r}, the audit trail says {want!r}")

    for name, want in (
        ("state", expected.state),
        ("audit_seq", expected.seq),
        ("current_revision_no", expected.revision_no),
        ("live_revision_no", expected.live_revision_no),
        ("content_digest", expected.content_digest),
    ):
        if getattr(item, name) != want:
            differs(name, getattr(item, name), want)
    # Every audit row bumps the version; so may a write without one (a recount of a
    # provisional due date), so the version is at least one more than the rows.
    if item.version < expected.seq + 1:
        differs("version", item.version, f">= {expected.seq + 1}")
    for name, moment in (
        ("state_since", expected.state_since),
        ("published_at", expected.published_at),
        ("first_published_at", expected.first_published_at),
    ):
        if not _same_moment(getattr(item, name), moment):
            differs(name, _utc_or_none(getattr(item, name)), _utc_or_none(moment))
    return found


def _utc_or_none(at: datetime | None) -> str | None:
    return None if at is None else _utc_iso(at)


class _ItemCursor:
    """The item rows in id order, advanced alongside the audit rows (a merge join: one
    streamed query instead of one per item, and nothing kept per item)."""

    def __init__(self, session: Session, batch: int) -> None:
        self._rows = iter(session.execute(_ITEM_ROWS.execution_options(yield_per=batch)))
        self._next: Any = next(self._rows, None)

    def get(self, item_id: int) -> Any:
        while self._next is not None and self._next.id < item_id:
            self._next = next(self._rows, None)
        return self._next if self._next is not None and self._next.id == item_id else None


def _item_break(items: _ItemCursor, item_id: int, expected: _Expected) -> ChainBreak | None:
    item = items.get(item_id)
    if item is None:
        return None  # rows of a missing item: the tail check has reported it
    differences = _row_differences(item, expected)
    if not differences:
        return None
    return ChainBreak(
        item_id,
        expected.last_id,
        expected.seq,
        "item row differs from its audit trail: " + "; ".join(differences),
        title=item.title,
    )


def verify_chains(session: Session, batch: int = 2000) -> Iterator[ChainBreak]:
    """Yield the first break of every broken item, in item order.

    Checks each item's chain (sequence, links, each row's hash, the item's stored head),
    that the item row says what its rows say (state, revisions current and live,
    publication times…: an item moved by direct SQL past 三审 is found), and then that
    every revision's content still has the digest its last audit row recorded. Streams
    rows, and the items beside them; memory grows with the number of revisions, not of
    rows.
    Run it in one snapshot (`snapshot_session`) so concurrent writers cause no false
    alarms.
    """
    heads: dict[int, str | None] = {
        item_id: head for item_id, head in session.execute(select(Item.id, Item.audit_head))
    }
    rows = session.execute(
        select(AuditEvent)
        .order_by(AuditEvent.item_id, AuditEvent.seq)
        .execution_options(yield_per=batch)
    ).scalars()
    items = _ItemCursor(session, batch)
    current: int | None = None
    prev_hash: str | None = None
    expected_seq = 1
    broken_items: set[int] = set()
    seen: set[int] = set()
    # (item, revision) → (audit row id, seq, digest recorded by the last row about it)
    recorded: dict[tuple[int, int], Recorded] = {}
    # item → digest of its review facts as folded from its rows (checked at the end)
    folded: dict[int, str] = {}
    facts: dict[str, Any] = {}
    expected = _Expected()
    for row in rows:
        if row.item_id != current:
            if current is not None:
                yield from _end_of_chain(heads, items, broken_items, current, prev_hash, expected)
                folded[current] = _facts_digest(facts)
            current, prev_hash, expected_seq, facts = row.item_id, None, 1, {}
            expected = _Expected()
            seen.add(row.item_id)
        if row.item_id in broken_items:
            continue
        reason = _link_break(row, expected_seq, prev_hash)
        if reason:
            broken_items.add(row.item_id)
            yield ChainBreak(row.item_id, row.id, row.seq, reason)
            continue
        recorded[(row.item_id, row.revision_no)] = (row.id, row.seq, row.content_digest)
        facts = review_facts.advance(
            facts,
            action=row.action,
            actor_id=row.actor_id,
            from_state=row.from_state,
            revision_no=row.revision_no,
            on_behalf_of_id=row.on_behalf_of_id,
        )
        expected.advance(row, recorded)
        prev_hash, expected_seq = row.hash, expected_seq + 1
    if current is not None:
        yield from _end_of_chain(heads, items, broken_items, current, prev_hash, expected)
        folded[current] = _facts_digest(facts)
    for item_id, head in heads.items():
        if item_id not in seen and head is not None:
            broken_items.add(item_id)
            yield ChainBreak(item_id, None, None, "all audit rows missing")
    yield from _verify_contents(session, recorded, broken_items, batch)
    yield from _verify_facts(session, folded, broken_items, batch)


def _end_of_chain(
    heads: dict[int, str | None],
    items: _ItemCursor,
    broken_items: set[int],
    item_id: int,
    last_hash: str | None,
    expected: _Expected,
) -> Iterator[ChainBreak]:
    """At the end of an item's rows: its stored head, then its row against the trail."""
    if item_id in broken_items:
        return
    found = _tail_break(heads, item_id, last_hash) or _item_break(items, item_id, expected)
    if found:
        broken_items.add(item_id)
        yield found


def _link_break(row: AuditEvent, expected_seq: int, prev_hash: str | None) -> str | None:
    """Why a row does not continue its item's chain (None: it does)."""
    if row.seq != expected_seq:
        return f"sequence gap: expected seq {expected_seq}"
    if row.prev_hash != prev_hash:
        return "prev_hash does not match the previous row"
    if row.hash_alg not in hashes.ALGORITHMS:
        return f"unknown hash algorithm {row.hash_alg!r}"
    if row_hash(row) != row.hash:
        return "content does not match its hash"
    return None


def _tail_break(
    heads: dict[int, str | None], item_id: int, last_hash: str | None
) -> ChainBreak | None:
    """The chain's last row must be the item's stored head."""
    if heads.get(item_id) != last_hash:
        return ChainBreak(item_id, None, None, "last row missing or item head altered")
    return None


def _facts_digest(facts: Mapping[str, Any]) -> str:
    return _sha256_json(facts)


def _verify_facts(
    session: Session, folded: dict[int, str], broken_items: set[int], batch: int
) -> Iterator[ChainBreak]:
    """The review facts on each item (which decide separation of duties) must be what its
    audit rows say: altering them to let someone review twice is found here."""
    stored = session.execute(
        select(Item.id, Item.review_facts).order_by(Item.id).execution_options(yield_per=batch)
    )
    for item_id, facts in stored:
        if item_id in broken_items or item_id not in folded:
            continue
        if _facts_digest(facts or {}) != folded[item_id]:
            broken_items.add(item_id)
            yield ChainBreak(item_id, None, None, "review facts differ from the audit trail")


def _verify_contents(
    session: Session,
    recorded: dict[tuple[int, int], tuple[int, int, str]],
    broken_items: set[int],
    batch: int,
) -> Iterator[ChainBreak]:
    revisions = session.execute(
        select(Revision)
        .options(selectinload(Revision.attachments))
        .order_by(Revision.item_id, Revision.number)
        .execution_options(yield_per=batch)
    ).scalars()
    for rev in revisions:
        if rev.item_id in broken_items:
            continue
        entry = recorded.get((rev.item_id, rev.number))
        if entry is None:
            broken_items.add(rev.item_id)
            yield ChainBreak(
                rev.item_id, None, None, f"revision {rev.number} is not in the audit trail"
            )
        elif revision_digest(rev) != entry[2]:
            broken_items.add(rev.item_id)
            yield ChainBreak(
                rev.item_id,
                entry[0],
                entry[1],
                f"revision {rev.number} content differs from what this row recorded",
            )


@contextmanager
def snapshot_session(engine: Engine) -> Iterator[Session]:
    """A read-only session on one consistent snapshot: REPEATABLE READ on PostgreSQL, a
    deferred (WAL snapshot) transaction on SQLite so writers are not blocked."""
    options: dict[str, Any] = (
        {"sqlite_deferred": True}
        if engine.dialect.name == "sqlite"
        else {"isolation_level": "REPEATABLE READ"}
    )
    with engine.connect().execution_options(**options) as conn, Session(bind=conn) as session:
        try:
            yield session
        finally:
            session.rollback()


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
