"""Content checks as services (workflow.checks does the finding): check an item's
current revision, decide on a finding (已核实 by the drafter, override by the office),
recheck live items, and maintain the word lists — every decision and list change in the
administrators' log.

`after_save` is not a service: the drafting services call it in their own transaction
after each content change, so a saved revision always carries the findings of what it
says.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from workflow.checks import (
    LIST_CATEGORIES,
    OPEN,
    OVERRIDDEN,
    SERIOUS,
    SEVERITIES,
    VERIFIED,
)
from workflow.checks.revisions import DEFAULT_LINK_TTL, Checked, Target, check_revisions
from workflow.checks.store import blocking, url_hash
from workflow.enums import REVIEW_STATES, Role
from workflow.errors import NotAllowed, NotFound, RoleRequired, ValidationFailed
from workflow.events import LinksToCheck, LiveFindings, WordListChanged
from workflow.models import Finding, Item, LinkCheck, User, WordEntry, WordList
from workflow.outcome import LogEntry, Outcome, done
from workflow.prerequisites import check_findings
from workflow.services.core import check_drafter, require_aware
from workflow.storage import BlobStore

REASON_MAX = 500
TERM_MAX = 100


def _link_events(checked: Checked) -> list[LinksToCheck]:
    return [LinksToCheck(item_id, tuple(urls)) for item_id, urls in checked.pending_urls.items()]


def after_save(
    session: Session,
    item_id: int,
    revision_no: int,
    now: datetime,
    store: BlobStore | None = None,
    link_ttl: int = DEFAULT_LINK_TTL,
) -> list[LinksToCheck]:
    """Check a revision just saved; the link checks it asks for (events)."""
    checked = check_revisions(session, [Target(item_id, revision_no)], now, store, link_ttl)
    return _link_events(checked)


def check_for_submit(
    session: Session, item_id: int, revision_no: int, now: datetime
) -> list[LinksToCheck]:
    """Check the revision being submitted once more (a list may have changed since it
    was saved) and refuse (SeriousFindings) while a serious finding is open."""
    checked = check_revisions(session, [Target(item_id, revision_no)], now)
    check_findings(checked.serious.get((item_id, revision_no), []))
    return _link_events(checked)


def require_no_serious(session: Session, item_id: int, revision_no: int) -> None:
    """Refuse (SeriousFindings) while a serious finding of the revision is open."""
    check_findings(f.term for f in blocking(session, item_id, revision_no))


@dataclass(frozen=True)
class CheckSummary:
    checked: int
    new: int
    fixed: int


def check_item(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    item_id: int,
    store: BlobStore | None = None,
    link_ttl: int = DEFAULT_LINK_TTL,
) -> Outcome[CheckSummary]:
    """Check the item's current revision again (and its live one, when another)."""
    require_aware(now)
    item = session.get(Item, item_id)
    if item is None:
        raise NotFound(f"item {item_id} does not exist")
    targets = [Target(item.id, item.current_revision_no)]
    if item.live_revision_no is not None and item.live_revision_no != item.current_revision_no:
        targets.append(Target(item.id, item.live_revision_no, on_live=True))
    checked = check_revisions(session, targets, now, store, link_ttl)
    new = sum(len(v) for v in checked.new.values())
    return done(CheckSummary(checked.checked, new, checked.fixed), _link_events(checked))


def recheck_targets(session: Session, after_id: int = 0, limit: int = 1000) -> list[Target]:
    """Published items (their live revision) and items in review (their current one),
    by id from `after_id`: what a list change or the schedule checks again."""
    rows = session.execute(
        select(Item.id, Item.state, Item.current_revision_no, Item.live_revision_no)
        .where(Item.id > after_id)
        .where((Item.live_revision_no.is_not(None)) | Item.state.in_(REVIEW_STATES))
        .order_by(Item.id)
        .limit(limit)
    )
    out = []
    for item_id, state, current, live in rows:
        if state in REVIEW_STATES:
            out.append(Target(item_id, current))
        if live is not None and (state not in REVIEW_STATES or live != current):
            out.append(Target(item_id, live, on_live=True))
    return out


def recheck(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    targets: Sequence[Target],
    store: BlobStore | None = None,
    link_ttl: int = DEFAULT_LINK_TTL,
) -> Outcome[CheckSummary]:
    """Check the given revisions (a batch of the live recheck). New findings on live
    revisions are announced (LiveFindings); links without a fresh result are asked for."""
    require_aware(now)
    checked = check_revisions(session, targets, now, store, link_ttl)
    live = {t.item_id for t in targets if t.on_live}
    events: list[Any] = _link_events(checked)
    announce = [i for i in checked.new if i in live]
    if announce:
        items = {i.id: i for i in session.scalars(select(Item).where(Item.id.in_(announce)))}
        for item_id in announce:
            rows = [f for f in checked.new[item_id] if f.on_live and f.status == OPEN]
            item = items.get(item_id)
            if rows and item is not None:
                events.append(
                    LiveFindings(
                        item_id,
                        item.unit_id,
                        item.drafter_id,
                        item.title,
                        tuple(f.id for f in rows),
                    )
                )
    new = sum(len(v) for v in checked.new.values())
    return done(CheckSummary(checked.checked, new, checked.fixed), events)


def _reason(reason: str | None) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise ValidationFailed("a reason is required")
    if len(text) > REASON_MAX:
        raise ValidationFailed(f"the reason is longer than {REASON_MAX} characters")
    return text


def _finding(session: Session, finding_id: int) -> Finding:
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise NotFound(f"finding {finding_id} does not exist")
    return finding


def _decide(finding: Finding, status: str, reason: str, actor: User, now: datetime) -> LogEntry:
    before = finding.status
    finding.status, finding.reason = status, reason
    finding.decided_by_id, finding.decided_at, finding.updated_at = actor.id, now, now
    return LogEntry(
        f"finding.{status}",
        "finding",
        finding.id,
        f"{finding.term[:100]}（稿件 {finding.item_id} 第{finding.revision_no}版）",
        {"status": [before, status], "reason": reason, "item_id": finding.item_id},
    )


def verify_finding(
    session: Session, *, actor: User | None, now: datetime, finding_id: int, reason: str
) -> Outcome[Finding]:
    """The drafter marks a finding 已核实 (the wording is right here), with a reason.
    A serious finding is not theirs to let through: only the office overrides it."""
    require_aware(now)
    if actor is None:
        raise RoleRequired("a person marks a finding checked")
    finding = _finding(session, finding_id)
    check_drafter(actor, finding.unit_id)
    if finding.severity == SERIOUS:
        raise NotAllowed("a serious finding is fixed, or overridden by the office")
    if finding.status != OPEN:
        raise ValidationFailed("only an open finding can be marked checked")
    entry = _decide(finding, VERIFIED, _reason(reason), actor, now)
    return done(finding, (), entry)


def is_office_editor(user: User) -> bool:
    return user.active and user.has_role(Role.OFFICE_EDITOR) and user.unit.is_office


def override_finding(
    session: Session, *, actor: User | None, now: datetime, finding_id: int, reason: str
) -> Outcome[Finding]:
    """The office lets a serious finding through, with a reason (it no longer blocks)."""
    require_aware(now)
    if actor is None or not is_office_editor(actor):
        raise RoleRequired("only the office (区政府办) overrides a serious finding")
    finding = _finding(session, finding_id)
    if finding.severity != SERIOUS:
        raise ValidationFailed("only a serious finding is overridden")
    if finding.status not in (OPEN, VERIFIED):
        raise ValidationFailed("this finding is no longer open")
    entry = _decide(finding, OVERRIDDEN, _reason(reason), actor, now)
    return done(finding, (), entry)


# ---- word lists -------------------------------------------------------------------


def may_edit_lists(user: User | None) -> bool:
    return user is not None and (user.has_role(Role.ADMIN) or is_office_editor(user))


def _editor(actor: User | None) -> None:
    if actor is not None and not may_edit_lists(actor):  # None: a command-line action
        raise RoleRequired("word lists are the office's and the administrators'")


@dataclass(frozen=True)
class EntryInput:
    term: str
    category: str
    severity: str
    suggestion: str = ""
    note: str = ""

    def cleaned(self) -> EntryInput:
        term = " ".join((self.term or "").split())
        if not term:
            raise ValidationFailed("a term is required")
        if len(term) > TERM_MAX:
            raise ValidationFailed(f"the term is longer than {TERM_MAX} characters")
        if self.category not in LIST_CATEGORIES:
            raise ValidationFailed(f"unknown category {self.category!r}")
        if self.severity not in SEVERITIES:
            raise ValidationFailed(f"unknown severity {self.severity!r}")
        return EntryInput(
            term,
            self.category,
            self.severity,
            " ".join((self.suggestion or "").split())[:200],
            " ".join((self.note or "").split())[:300],
        )


_ENTRY_FIELDS = ("term", "category", "severity", "suggestion", "note")


def _list(session: Session, list_id: int) -> WordList:
    word_list = session.get(WordList, list_id)
    if word_list is None:
        raise NotFound(f"word list {list_id} does not exist")
    return word_list


def _bump(word_list: WordList, now: datetime) -> None:
    word_list.version += 1
    word_list.stamp = uuid.uuid4().hex
    word_list.updated_at = now


def create_list(
    session: Session, *, actor: User | None, now: datetime, name: str
) -> Outcome[WordList]:
    _editor(actor)
    name = " ".join((name or "").split())[:100]
    if not name:
        raise ValidationFailed("a list needs a name")
    if session.scalar(select(WordList.id).where(WordList.name == name)) is not None:
        raise ValidationFailed(f"a list named {name} exists")
    word_list = WordList(name=name, version=1, stamp=uuid.uuid4().hex, updated_at=now)
    session.add(word_list)
    session.flush()
    entry = LogEntry("wordlist.create", "word_list", word_list.id, name, {"name": [None, name]})
    return done(word_list, (), entry)


def save_entry(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    list_id: int,
    entry: EntryInput,
    entry_id: int | None = None,
) -> Outcome[WordEntry]:
    """Add an entry (entry_id None) or change one; the list's version goes up."""
    _editor(actor)
    word_list = _list(session, list_id)
    data = entry.cleaned()
    clash = session.scalar(
        select(WordEntry).where(WordEntry.list_id == list_id, WordEntry.term == data.term)
    )
    if clash is not None and clash.id != entry_id:
        raise ValidationFailed(f"the list already has {data.term}")
    if entry_id is None:
        row = WordEntry(list_id=list_id, **{f: getattr(data, f) for f in _ENTRY_FIELDS})
        session.add(row)
        changes: dict[str, Any] = {f: [None, getattr(data, f)] for f in _ENTRY_FIELDS}
        action = "wordlist.add"
    else:
        found = session.get(WordEntry, entry_id)
        if found is None or found.list_id != list_id:
            raise NotFound(f"entry {entry_id} is not in this list")
        row = found
        changes = {
            f: [getattr(row, f), getattr(data, f)]
            for f in _ENTRY_FIELDS
            if getattr(row, f) != getattr(data, f)
        }
        for f in _ENTRY_FIELDS:
            setattr(row, f, getattr(data, f))
        action = "wordlist.edit"
        if not changes:
            return done(row)
    _bump(word_list, now)
    session.flush()
    log = LogEntry(action, "word_list", word_list.id, f"{word_list.name}：{data.term}", changes)
    return done(row, [WordListChanged(word_list.id)], log)


def delete_entry(
    session: Session, *, actor: User | None, now: datetime, list_id: int, entry_id: int
) -> Outcome[None]:
    _editor(actor)
    word_list = _list(session, list_id)
    row = session.get(WordEntry, entry_id)
    if row is None or row.list_id != list_id:
        raise NotFound(f"entry {entry_id} is not in this list")
    changes = {f: [getattr(row, f), None] for f in _ENTRY_FIELDS}
    label = f"{word_list.name}：{row.term}"
    session.delete(row)
    _bump(word_list, now)
    session.flush()
    log = LogEntry("wordlist.delete", "word_list", word_list.id, label, changes)
    return done(None, [WordListChanged(word_list.id)], log)


@dataclass(frozen=True)
class ImportSummary:
    added: int
    changed: int
    removed: int


def import_entries(
    session: Session,
    *,
    actor: User | None,
    now: datetime,
    list_id: int,
    entries: Iterable[EntryInput],
    replace: bool = False,
) -> Outcome[ImportSummary]:
    """Add and update entries by term (the file was read and checked whole before:
    `workflow.checks.listfile`); with `replace`, entries the file lacks are removed."""
    _editor(actor)
    word_list = _list(session, list_id)
    rows = {
        r.term: r for r in session.scalars(select(WordEntry).where(WordEntry.list_id == list_id))
    }
    added = changed = 0
    seen: set[str] = set()
    for raw in entries:
        data = raw.cleaned()
        seen.add(data.term)
        row = rows.get(data.term)
        if row is None:
            row = WordEntry(list_id=list_id, **{f: getattr(data, f) for f in _ENTRY_FIELDS})
            session.add(row)
            rows[data.term] = row
            added += 1
        elif any(getattr(row, f) != getattr(data, f) for f in _ENTRY_FIELDS):
            for f in _ENTRY_FIELDS:
                setattr(row, f, getattr(data, f))
            changed += 1
    removed = 0
    if replace:
        gone = [r.id for term, r in rows.items() if term not in seen and r.id is not None]
        if gone:
            session.execute(delete(WordEntry).where(WordEntry.id.in_(gone)))
            removed = len(gone)
    summary = ImportSummary(added, changed, removed)
    if not (added or changed or removed):
        return done(summary)
    _bump(word_list, now)
    session.flush()
    log = LogEntry(
        "wordlist.import",
        "word_list",
        word_list.id,
        word_list.name,
        {"added": added, "changed": changed, "removed": removed},
    )
    return done(summary, [WordListChanged(word_list.id)], log)


STARTER = "starter.json"


def starter_lists() -> list[tuple[str, list[EntryInput]]]:
    """The starter lists shipped with sanshen (workflow/checks/data/starter.json, sources
    in docs/content-checks.md)."""
    import json
    from importlib import resources

    raw = json.loads(resources.files("workflow.checks").joinpath("data", STARTER).read_text())
    return [(lst["name"], [EntryInput(*entry) for entry in lst["entries"]]) for lst in raw["lists"]]


def load_starter(
    session: Session, *, actor: User | None, now: datetime
) -> Outcome[list[ImportSummary]]:
    """Create the starter lists (or add what they lack): the office edits them after."""
    _editor(actor)
    summaries: list[ImportSummary] = []
    events: list[Any] = []
    log: list[LogEntry] = []
    for name, entries in starter_lists():
        word_list = session.scalar(select(WordList).where(WordList.name == name))
        if word_list is None:
            made = create_list(session, actor=actor, now=now, name=name)
            word_list, log = made.value, [*log, *made.log]
        have = set(session.scalars(select(WordEntry.term).where(WordEntry.list_id == word_list.id)))
        missing = [e for e in entries if e.term not in have]  # the office's edits stay
        outcome = import_entries(
            session, actor=actor, now=now, list_id=word_list.id, entries=missing
        )
        summaries.append(outcome.value)
        events.extend(outcome.events)
        log.extend(outcome.log)
    return Outcome(summaries, tuple(events), tuple(log))


@dataclass(frozen=True)
class LinkResult:
    """One fetched link (notifications.links): ok | dead | offsite."""

    url: str
    result: str
    http_status: int | None = None
    final_url: str = ""
    detail: str = ""


def record_links(
    session: Session, *, actor: User | None, now: datetime, results: Sequence[LinkResult]
) -> Outcome[int]:
    """Keep the link job's results (the cache every check reads); how many."""
    require_aware(now)
    for r in results:
        key = url_hash(r.url)
        row = session.get(LinkCheck, key)
        if row is None:
            row = LinkCheck(url_hash=key, url=r.url)
            session.add(row)
        row.result, row.http_status = r.result, r.http_status
        row.final_url, row.detail, row.checked_at = r.final_url[:2000], r.detail[:300], now
    session.flush()
    return done(len(results))
