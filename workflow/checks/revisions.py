"""Checking revisions of items, one or a batch at a time: load their parts in a few
queries, read files not read before (when the blob store is at hand), match, save.

`check_revisions` is what the services call: the drafting services after each save, the
submit, the link job after it has fresh results, and the recheck of live items after a
list change or on schedule (batches of BATCH items, a fixed number of queries each).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from workflow.checks import files as file_facts
from workflow.checks.findings import AttachedFile, check
from workflow.checks.htmltext import links
from workflow.checks.store import Ledger, NewFinding, load_context
from workflow.models import Attachment, BlobCheck, Item, Revision
from workflow.storage import BlobStore

BATCH = 500
DEFAULT_LINK_TTL = 0  # read any cached link result: the link job refreshes stale ones


@dataclass(frozen=True)
class Target:
    item_id: int
    revision_no: int
    on_live: bool = False


@dataclass
class Checked:
    """What a run found: new findings per item, links to fetch, totals."""

    new: dict[int, list[NewFinding]] = field(default_factory=dict)
    pending_urls: dict[int, list[str]] = field(default_factory=dict)
    fixed: int = 0
    checked: int = 0
    # (item, revision) → the terms of its serious findings still open after the check
    serious: dict[tuple[int, int], list[str]] = field(default_factory=dict)


def read_blob(session: Session, sha256: str, filename: str, data: bytes, now: datetime) -> None:
    """Read a file once per content and keep what it opens to."""
    if session.get(BlobCheck, sha256) is not None:
        return
    facts = file_facts.read(filename, data)
    session.add(
        BlobCheck(
            sha256=sha256,
            problem=facts.problem,
            text=facts.text,
            links=[list(pair) for pair in facts.links],
            checked_at=now,
        )
    )


def _facts(row: BlobCheck | None) -> file_facts.FileFacts | None:
    if row is None:
        return None
    return file_facts.FileFacts(row.problem, row.text, [(u, t) for u, t in row.links or []])


def _urls(revisions: Sequence[Revision], blobs: dict[str, BlobCheck]) -> set[str]:
    # Cheap: no link in a body without "href" (most bodies have none).
    bodies = [rev.body for rev in revisions if rev.body and "href" in rev.body.lower()]
    urls = {link.url for body in bodies for link in links(body)}
    for row in blobs.values():
        urls.update(u for u, _t in row.links or [])
    return urls


def check_revisions(
    session: Session,
    targets: Sequence[Target],
    now: datetime,
    store: BlobStore | None = None,
    link_ttl: int = DEFAULT_LINK_TTL,
) -> Checked:
    """Check each target revision and save its findings; batch by batch."""
    out = Checked()
    for i in range(0, len(targets), BATCH):
        _batch(session, targets[i : i + BATCH], now, store, link_ttl, out)
    return out


def _batch(
    session: Session,
    targets: Sequence[Target],
    now: datetime,
    store: BlobStore | None,
    link_ttl: int,
    out: Checked,
) -> None:
    pairs = [(t.item_id, t.revision_no) for t in targets]
    # One query: the revisions, their item's kind and unit, their files and what the
    # files were found to be (a revision without files comes once, with NULLs).
    rows = session.execute(
        select(Revision, Item.kind, Item.unit_id, Attachment, BlobCheck)
        .join(Item, Item.id == Revision.item_id)
        .outerjoin(Attachment, Attachment.revision_id == Revision.id)
        .outerjoin(BlobCheck, BlobCheck.sha256 == Attachment.blob_sha256)
        .where(tuple_(Revision.item_id, Revision.number).in_(pairs))
        .order_by(Revision.id, Attachment.id)
    ).all()
    by_pair: dict[tuple[int, int], tuple[Revision, str, int]] = {}
    attachments: dict[int, list[Attachment]] = defaultdict(list)
    blobs: dict[str, BlobCheck] = {}
    for rev, kind, unit, att, blob in rows:
        by_pair[(rev.item_id, rev.number)] = (rev, kind, unit)
        if att is not None:
            attachments[rev.id].append(att)
        if blob is not None:
            blobs[blob.sha256] = blob
    all_atts = [a for group in attachments.values() for a in group]
    if store is not None:
        for att in all_atts:
            sha = att.blob_sha256
            if sha not in blobs and store.exists(sha):
                read_blob(session, sha, att.filename, store.get(sha), now)
                read = session.get(BlobCheck, sha)
                if read is not None:
                    blobs[sha] = read
    revisions = [rev for rev, _k, _u in by_pair.values()]
    ctx = load_context(session, _urls(revisions, blobs), now, link_ttl)
    ledger = Ledger(session, pairs)
    for target in targets:
        found = by_pair.get((target.item_id, target.revision_no))
        if found is None:
            continue
        rev, kind, unit_id = found
        files = [
            AttachedFile(a.filename, _facts(blobs.get(a.blob_sha256))) for a in attachments[rev.id]
        ]
        result = check(
            ctx,
            kind=kind,
            title=rev.title,
            body=rev.body or "",
            fields=rev.fields or {},
            files=files,
        )
        ledger.save(target.item_id, unit_id, target.revision_no, result.found, now, target.on_live)
        out.checked += 1
        serious = ledger.serious(target.item_id, target.revision_no)
        if serious:
            out.serious[(target.item_id, target.revision_no)] = serious
        if result.pending_urls:
            out.pending_urls[target.item_id] = result.pending_urls
    session.flush()  # files read by this batch
    for new in ledger.flush():
        out.new.setdefault(new.item_id, []).append(new)
    out.fixed += ledger.fixed


def urls_of(session: Session, targets: Sequence[Target]) -> dict[int, set[str]]:
    """The http(s) links of the target revisions (body and attached files), per item."""
    out: dict[int, set[str]] = defaultdict(set)
    pairs = [(t.item_id, t.revision_no) for t in targets]
    if not pairs:
        return out
    revs = list(
        session.scalars(
            select(Revision).where(tuple_(Revision.item_id, Revision.number).in_(pairs))
        )
    )
    for rev in revs:
        out[rev.item_id].update(link.url for link in links(rev.body or ""))
    rows = session.execute(
        select(Revision.item_id, BlobCheck.links)
        .join(Attachment, Attachment.revision_id == Revision.id)
        .join(BlobCheck, BlobCheck.sha256 == Attachment.blob_sha256)
        .where(Revision.id.in_([r.id for r in revs]))
    )
    for item_id, file_links in rows:
        out[item_id].update(u for u, _t in file_links or [])
    return {
        item_id: {u for u in urls if u.lower().startswith(("http://", "https://"))}
        for item_id, urls in out.items()
    }
