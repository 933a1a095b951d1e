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
from typing import Any, cast

from sqlalchemy import String, Table, bindparam, literal, select, text, tuple_, union_all, update
from sqlalchemy import cast as cast_
from sqlalchemy.orm import Session

from workflow.checks import FIXED, NAME, NORMAL, OPEN, OVERRIDDEN, SERIOUS, VERIFIED
from workflow.checks.findings import Context, Found, keyed, leader_patterns, patterns_of
from workflow.checks.matcher import CACHE, Pattern
from workflow.checks.names import LeaderFact
from workflow.models import Finding, Leader, LinkCheck, Unit, WordEntry, WordList

DECIDED = (VERIFIED, OVERRIDDEN)


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


def load_context(
    session: Session, urls: Iterable[str] = (), now: datetime | None = None, ttl: int = 0
) -> Context:
    """The facts for checking: word lists, leaders, retired unit names, and the cached
    results of `urls` still fresh at `now` (checked within `ttl` seconds)."""
    lists: list[tuple[str, str]] = []
    leaders: list[LeaderFact] = []
    retired: list[str] = []
    # One round trip for the three (a submit checks its revision once more).
    facts = union_all(
        select(
            literal("l", String).label("k"),
            cast_(WordList.id, String).label("a"),
            WordList.stamp.label("b"),
        ),
        select(literal("p", String), Leader.name, Leader.title),
        select(literal("u", String), Unit.name, literal("", String)).where(Unit.active.is_(False)),
    )
    for kind, a, b in session.execute(select(facts.subquery()).order_by("k", "a", "b")):
        if kind == "l":
            lists.append((a, b))
        elif kind == "p":
            leaders.append(LeaderFact(a, b or ""))
        else:
            retired.append(a)
    fingerprint = hashlib.sha256(
        repr((leaders, retired)).encode()
    ).hexdigest()  # names change rarely: a key, not a version
    key = (tuple(lists), fingerprint)
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


@dataclass
class Known:
    """A finding row as a check needs it (read with Core: a batch holds thousands)."""

    id: int
    status: str
    start: int | None
    end: int | None
    severity: str = ""
    term: str = ""


@dataclass(frozen=True)
class NewFinding:
    id: int
    item_id: int
    status: str
    on_live: bool


_TABLE = cast(Table, Finding.__table__)
_UPDATE = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("_id"))
    .values(
        start=bindparam("_start"),
        end=bindparam("_end"),
        status=bindparam("_status"),
        updated_at=bindparam("_at", type_=_TABLE.c.updated_at.type),
    )
)
_COLUMNS = [c.name for c in _TABLE.c if c.name != "id"]
# A textual INSERT runs as the driver's own executemany (psycopg: one pipeline, the
# statement parsed once); an insert() construct would be rewritten into multi-row VALUES
# statements of thousands of parameters, which psycopg parses in Python every time.
_QUOTED = ", ".join('"' + c + '"' for c in _COLUMNS)  # "start" and "end" are keywords
_INSERT = text(
    f"INSERT INTO findings ({_QUOTED}) VALUES ({', '.join(':' + c for c in _COLUMNS)})"
).bindparams(*(bindparam(c, type_=_TABLE.c[c].type) for c in _COLUMNS))


class Ledger:
    """The findings rows of a batch of (item, revision) pairs, read in two queries and
    written in two statements (an executemany UPDATE and an INSERT … RETURNING) by
    `flush`: a batch of 500 items holds thousands of findings."""

    def __init__(self, session: Session, pairs: Sequence[tuple[int, int]]) -> None:
        self.session = session
        self.rows: dict[tuple[int, int], dict[str, Known]] = defaultdict(dict)
        self.decided: dict[int, dict[str, tuple[int, str, str | None, int | None, Any]]] = (
            defaultdict(dict)
        )
        self.inserts: list[dict[str, Any]] = []
        self.updates: list[dict[str, Any]] = []
        self.fixed = 0
        conn = session.connection()
        t = _TABLE.c
        wanted = set(pairs)
        items = sorted({item for item, _ in pairs})
        # One query for both: the rows of the batch's revisions, and the decisions taken
        # on any revision of its items (the latest decision wins: ordered by revision).
        for i in range(0, len(items), 500):
            for row in conn.execute(
                select(
                    t.id, t.item_id, t.revision_no, t.key, t.status, t.start, t.end,
                    t.severity, t.term, t.reason, t.decided_by_id, t.decided_at,
                )
                .where(t.item_id.in_(items[i : i + 500]))
                .order_by(t.revision_no)
            ):  # fmt: skip
                if (row.item_id, row.revision_no) in wanted:
                    self.rows[(row.item_id, row.revision_no)][row.key] = Known(
                        row.id, row.status, row.start, row.end, row.severity, row.term
                    )
                if row.status in DECIDED:
                    self.decided[row.item_id][row.key] = (
                        row.revision_no, row.status, row.reason, row.decided_by_id,
                        row.decided_at,
                    )  # fmt: skip

    def save(
        self,
        item_id: int,
        unit_id: int,
        revision_no: int,
        found: Sequence[Found],
        now: datetime,
        on_live: bool = False,
    ) -> None:
        existing = self.rows[(item_id, revision_no)]
        seen: set[str] = set()
        for key, f in keyed(found):
            seen.add(key)
            known = existing.get(key)
            if known is not None:
                status = OPEN if known.status == FIXED else known.status
                if (known.start, known.end, known.status) != (f.start, f.end, status):
                    self._update(known, f.start, f.end, status, now)
                continue
            row: dict[str, Any] = {
                "item_id": item_id,
                "revision_no": revision_no,
                "unit_id": unit_id,
                "key": key,
                "source": f.source[:300],
                "category": f.category,
                "severity": f.severity,
                "term": f.term[:2000],
                "suggestion": f.suggestion[:300],
                "excerpt": f.excerpt[:300],
                "start": f.start,
                "end": f.end,
                "status": OPEN,
                "reason": None,
                "decided_by_id": None,
                "decided_at": None,
                "on_live": on_live,
                "created_at": now,
                "updated_at": now,
            }
            earlier = self.decided[item_id].get(key)
            if earlier is not None and earlier[0] != revision_no:
                row.update(
                    status=earlier[1],
                    reason=earlier[2],
                    decided_by_id=earlier[3],
                    decided_at=earlier[4],
                )
            self.inserts.append(row)
            existing[key] = Known(0, row["status"], f.start, f.end, f.severity, f.term)
        for key, known in existing.items():
            if key not in seen and known.status != FIXED:
                self._update(known, known.start, known.end, FIXED, now)
                self.fixed += 1

    def _update(
        self, known: Known, start: int | None, end: int | None, status: str, now: datetime
    ) -> None:
        known.start, known.end, known.status = start, end, status
        if known.id:  # a row inserted by this batch is written as it is now
            self.updates.append(
                {"_id": known.id, "_start": start, "_end": end, "_status": status, "_at": now}
            )

    def serious(self, item_id: int, revision_no: int) -> list[str]:
        """The terms of the revision's serious findings still open (or only 已核实), as
        saved: what blocks its submit and approval."""
        rows = self.rows.get((item_id, revision_no), {})
        return [
            k.term for k in rows.values() if k.severity == SERIOUS and k.status in (OPEN, VERIFIED)
        ]

    def flush(self) -> list[NewFinding]:
        """Write what the batch's checks found; the new rows (with their ids)."""
        conn = self.session.connection()
        if self.updates:
            conn.execute(_UPDATE, self.updates)
            touched = {u["_id"] for u in self.updates}
            for obj in list(self.session.identity_map.values()):
                if isinstance(obj, Finding) and obj.id in touched:
                    self.session.expire(obj)  # the ORM copy is stale now
        new: list[NewFinding] = []
        if self.inserts:
            conn.execute(_INSERT, self.inserts)
            by_key = {(r["item_id"], r["revision_no"], r["key"]): r for r in self.inserts}
            pairs = sorted({(r["item_id"], r["revision_no"]) for r in self.inserts})
            t = _TABLE.c
            for i in range(0, len(pairs), 400):
                for row_id, item_id, revision_no, key in conn.execute(
                    select(t.id, t.item_id, t.revision_no, t.key).where(
                        tuple_(t.item_id, t.revision_no).in_(pairs[i : i + 400])
                    )
                ):
                    row = by_key.get((item_id, revision_no, key))
                    if row is not None:
                        new.append(NewFinding(row_id, item_id, row["status"], row["on_live"]))
        self.updates, self.inserts = [], []
        return new


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
