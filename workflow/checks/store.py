"""Loading what a check needs from the database, and writing what it found.

`load_context` builds the matcher from the word lists (cached per list version, see
`matcher.CACHE`) with the leaders' names and inactive units. `save` merges one check's
findings into the revision's rows: a finding seen again keeps its row and decision; one
gone is marked fixed; a new one takes over the 已核实 / override of the same finding
(same key) on an earlier revision of the item, so nobody is asked twice.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from workflow.checks import FIXED, NAME, NORMAL, OPEN, OVERRIDDEN, SERIOUS, VERIFIED
from workflow.checks.findings import Context, Found, keyed, leader_patterns, patterns_of
from workflow.checks.matcher import CACHE, Pattern
from workflow.checks.names import LeaderFact
from workflow.models import BlobCheck, Finding, Leader, LinkCheck, Unit, WordEntry, WordList

DECIDED = (VERIFIED, OVERRIDDEN)


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def load_context(
    session: Session, urls: Iterable[str] = (), now: datetime | None = None, ttl: int = 0
) -> Context:
    """The facts for checking: word lists, leaders, retired unit names, and the cached
    results of `urls` still fresh at `now` (checked within `ttl` seconds)."""
    lists = tuple(session.execute(select(WordList.id, WordList.stamp).order_by(WordList.id)))
    leaders = [
        LeaderFact(name, title or "")
        for name, title in session.execute(select(Leader.name, Leader.title).order_by(Leader.id))
    ]
    retired = sorted(session.scalars(select(Unit.name).where(Unit.active.is_(False))))
    fingerprint = hashlib.sha256(
        repr((leaders, retired)).encode()
    ).hexdigest()  # names change rarely: a key, not a version
    key = (tuple(tuple(r) for r in lists), fingerprint)
    matcher = CACHE.get(key)
    if matcher is None:
        rows = session.execute(
            select(
                WordEntry.term,
                WordEntry.category,
                WordEntry.severity,
                WordEntry.suggestion,
                WordEntry.note,
            ).order_by(WordEntry.list_id, WordEntry.id)
        )
        patterns = patterns_of((r[0], r[1], r[2], r[3], r[4]) for r in rows)
        patterns += [Pattern(n, NAME, NORMAL, "retired_unit") for n in retired]
        patterns += leader_patterns(leaders)
        matcher = CACHE.get(key, patterns)
        assert matcher is not None
    return Context.build(matcher, leaders, link_results(session, urls, now, ttl))


def link_results(
    session: Session, urls: Iterable[str], now: datetime | None, ttl: int
) -> dict[str, tuple[str, str]]:
    """Cached results of `urls`; with `ttl` > 0 only those checked within `ttl` seconds
    of `now` (0: any age — the link job decides when a result is stale)."""
    wanted = {url_hash(u): u for u in urls}
    if not wanted:
        return {}
    out: dict[str, tuple[str, str]] = {}
    hashes = list(wanted)
    for i in range(0, len(hashes), 500):
        stmt = select(LinkCheck).where(LinkCheck.url_hash.in_(hashes[i : i + 500]))
        if ttl > 0 and now is not None:
            stmt = stmt.where(LinkCheck.checked_at >= now - timedelta(seconds=ttl))
        for row in session.scalars(stmt):
            out[row.url] = (row.result, row.detail or str(row.http_status or ""))
    return out


def blob_facts(session: Session, shas: Iterable[str]) -> dict[str, BlobCheck]:
    wanted = sorted(set(shas))
    out: dict[str, BlobCheck] = {}
    for i in range(0, len(wanted), 500):
        for row in session.scalars(
            select(BlobCheck).where(BlobCheck.sha256.in_(wanted[i : i + 500]))
        ):
            out[row.sha256] = row
    return out


@dataclass
class Saved:
    new: list[Finding]  # rows created by this check (open or carried over)
    fixed: int


class Ledger:
    """The findings rows of a batch of (item, revision) pairs, loaded in two queries."""

    def __init__(self, session: Session, pairs: Sequence[tuple[int, int]]) -> None:
        self.session = session
        self.rows: dict[tuple[int, int], dict[str, Finding]] = defaultdict(dict)
        self.decided: dict[int, dict[str, Finding]] = defaultdict(dict)
        items = sorted({item for item, _ in pairs})
        for i in range(0, len(pairs), 400):
            chunk = list(pairs[i : i + 400])
            for row in session.scalars(
                select(Finding).where(tuple_(Finding.item_id, Finding.revision_no).in_(chunk))
            ):
                self.rows[(row.item_id, row.revision_no)][row.key] = row
        for i in range(0, len(items), 500):
            for row in session.scalars(
                select(Finding)
                .where(Finding.item_id.in_(items[i : i + 500]), Finding.status.in_(DECIDED))
                .order_by(Finding.revision_no)
            ):
                self.decided[row.item_id][row.key] = row  # the latest decision wins

    def save(
        self,
        item_id: int,
        unit_id: int,
        revision_no: int,
        found: Sequence[Found],
        now: datetime,
        on_live: bool = False,
    ) -> Saved:
        existing = self.rows[(item_id, revision_no)]
        seen: set[str] = set()
        new: list[Finding] = []
        for key, f in keyed(found):
            seen.add(key)
            row = existing.get(key)
            if row is not None:
                row.start, row.end = f.start, f.end
                if row.status == FIXED:
                    row.status, row.updated_at = OPEN, now
                continue
            row = Finding(
                item_id=item_id,
                revision_no=revision_no,
                unit_id=unit_id,
                key=key,
                source=f.source[:300],
                category=f.category,
                severity=f.severity,
                term=f.term[:2000],
                suggestion=f.suggestion[:300],
                excerpt=f.excerpt[:300],
                start=f.start,
                end=f.end,
                status=OPEN,
                on_live=on_live,
                created_at=now,
                updated_at=now,
            )
            earlier = self.decided[item_id].get(key)
            if earlier is not None and earlier.revision_no != revision_no:
                row.status, row.reason = earlier.status, earlier.reason
                row.decided_by_id, row.decided_at = earlier.decided_by_id, earlier.decided_at
            self.session.add(row)
            existing[key] = row
            new.append(row)
        fixed = 0
        for key, row in existing.items():
            if key not in seen and row.status != FIXED:
                row.status, row.updated_at = FIXED, now
                fixed += 1
        return Saved(new, fixed)


def blocking(session: Session, item_id: int, revision_no: int) -> list[Finding]:
    """The serious findings still open on a revision: they block submit and approval."""
    return list(
        session.scalars(
            select(Finding)
            .where(
                Finding.item_id == item_id,
                Finding.revision_no == revision_no,
                Finding.severity == SERIOUS,
                Finding.status.in_((OPEN, VERIFIED)),
            )
            .order_by(Finding.id)
        )
    )
