"""What every service shares: loading an item with the column facts it needs, checking,
and writing an item change together with its audit row.

Writes to `items` are explicit, versioned Core UPDATEs (`… WHERE id = ? AND version = ?`,
exactly one row or StaleVersion) followed by the audit INSERT; the loaded Item is then
brought up to date with `set_committed_value`, so the ORM never flushes the item itself.
This keeps a transition to one load, one UPDATE and one INSERT (plus what its rules need
to read), which the transitions benchmark measures against hand-written SQL.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ParamSpec, TypeVar, cast

from sqlalchemy import Insert, Table, Update, bindparam, exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm.util import identity_key

from workflow import audit, delegation, machine, review_facts
from workflow.enums import Action, Role, State
from workflow.errors import (
    CommentRequired,
    InactiveUser,
    InvalidTransition,
    NotDesignated,
    NotFound,
    RoleRequired,
    StaleVersion,
    ValidationFailed,
    WrongUnit,
)
from workflow.events import ItemEvent
from workflow.machine import available
from workflow.models import (
    AuditEvent,
    Column,
    ColumnAssignment,
    ColumnLink,
    Finding,
    Item,
    Obligation,
    Revision,
    User,
    assignment_drafters,
)
from workflow.permissions import DRAFTING_ACTIONS, REVIEW_ACTIONS, History, check_permission
from workflow.prerequisites import Prerequisites

P = ParamSpec("P")
R = TypeVar("R")

TITLE_MAX = 500
EDITABLE_STATES = frozenset({State.DRAFT, State.RETURNED})
_ITEMS = cast(Table, Item.__table__)
_AUDIT = cast(Table, AuditEvent.__table__)
_REVISIONS = cast(Table, Revision.__table__)
_INSERT_AUDIT = insert(_AUDIT)


_AUDIT_COLUMNS = tuple(c.name for c in _AUDIT.c if c.name != "id")


@functools.cache
def _move_item(keys: tuple[str, ...], freeze: bool) -> Insert:
    """PostgreSQL: the versioned UPDATE and the audit INSERT as one statement
    (`WITH moved AS (UPDATE … RETURNING id) INSERT … SELECT … FROM moved`): one round trip,
    and no audit row unless the UPDATE matched. With `freeze`, a submit's revision is
    frozen in the same statement (returned as the second column)."""
    moved = _update_item(keys).returning(_ITEMS.c.id).cte("moved")
    values = select(
        *(bindparam(f"a_{name}", type_=_AUDIT.c[name].type) for name in _AUDIT_COLUMNS)
    ).select_from(moved)
    # RETURNING: the driver's rowcount is not reliable for INSERT … SELECT.
    stmt = insert(_AUDIT).from_select(list(_AUDIT_COLUMNS), values)
    if not freeze:
        return stmt.returning(_AUDIT.c.seq)
    frozen = (
        _freeze_revision()
        .where(exists(select(moved.c.id)))
        .returning(_REVISIONS.c.id)
        .cte("frozen")
    )
    return stmt.returning(_AUDIT.c.seq, select(frozen.c.id).scalar_subquery())


def _freeze_revision() -> Update:
    """Mark the submitted revision frozen (an unedited resubmission stays as it was)."""
    return (
        update(_REVISIONS)
        .where(
            _REVISIONS.c.item_id == bindparam("_id"),
            _REVISIONS.c.number == bindparam("f_number"),
            _REVISIONS.c.submitted_at.is_(None),
        )
        .values(
            submitted_at=bindparam("f_at", type_=_REVISIONS.c.submitted_at.type),
            submitted_by_id=bindparam("f_by"),
        )
    )


@functools.cache
def _update_item(keys: tuple[str, ...]) -> Update:
    """`UPDATE items SET … WHERE id = :_id AND version = :_expected`, built once per set of
    columns: a transition's statement is then only bound, not rebuilt."""
    return (
        update(_ITEMS)
        .where(_ITEMS.c.id == bindparam("_id"), _ITEMS.c.version == bindparam("_expected"))
        .values({k: bindparam(f"v_{k}", type_=_ITEMS.c[k].type) for k in keys})
    )


@dataclass
class ItemSnapshot:
    """An item's row as a transition needs it, read with Core: building a full ORM object
    costs more CPU than the rest of a transition (see bench/README.md)."""

    id: int
    column_id: int
    unit_id: int
    drafter_id: int
    kind: str
    title: str
    state: str
    version: int
    current_revision_no: int
    live_revision_no: int | None
    audit_seq: int
    audit_head: str | None
    content_digest: str
    review_facts: dict[str, Any]
    state_since: datetime
    first_published_at: datetime | None
    obligation_id: int | None

    @property
    def has_live_revision(self) -> bool:
        return self.live_revision_no is not None


SNAPSHOT_FIELDS = tuple(ItemSnapshot.__dataclass_fields__)
AnyItem = Item | ItemSnapshot


@dataclass(frozen=True)
class ColumnFacts:
    """The few column fields the rules read, loaded with the item in one query."""

    path: str
    retired: bool
    prerequisites: Prerequisites
    has_links: bool  # publishing here obliges a publication in a linked column
    owes: bool  # the item's unit has open obligations in this column
    # The current revision has a serious content-check finding still open (or only
    # 已核实): submit and approval refuse it (workflow.services.checks).
    flagged: bool = False


# Built once: a transition binds parameters instead of rebuilding its statements.
_COLUMNS = cast(Table, Column.__table__)
_LINKS = cast(Table, ColumnLink.__table__)
_OBLIGATIONS = cast(Table, Obligation.__table__)
_FINDINGS = cast(Table, Finding.__table__)
_LOAD = (
    select(
        *(_ITEMS.c[name] for name in SNAPSHOT_FIELDS),
        _COLUMNS.c.path,
        _COLUMNS.c.retired_at,
        _COLUMNS.c.content_type,
        _COLUMNS.c.prerequisites,
        exists().where(_LINKS.c.source_id == _ITEMS.c.column_id).label("has_links"),
        exists()
        .where(
            _OBLIGATIONS.c.column_id == _ITEMS.c.column_id,
            _OBLIGATIONS.c.unit_id == _ITEMS.c.unit_id,
            _OBLIGATIONS.c.fulfilled_at.is_(None),
            _OBLIGATIONS.c.cancelled_at.is_(None),
        )
        .label("owes"),
        exists()
        .where(
            _FINDINGS.c.item_id == _ITEMS.c.id,
            _FINDINGS.c.revision_no == _ITEMS.c.current_revision_no,
            _FINDINGS.c.severity == "serious",
            _FINDINGS.c.status.in_(("open", "verified")),
        )
        .label("flagged"),
    )
    .join(_COLUMNS, _COLUMNS.c.id == _ITEMS.c.column_id)
    .where(_ITEMS.c.id == bindparam("item_id"))
)
_REVISION = (
    select(Revision)
    .where(Revision.item_id == bindparam("item_id"), Revision.number == bindparam("number"))
    .execution_options(populate_existing=True)
)


def one_flush(service: Callable[P, R]) -> Callable[P, R]:
    """Run a service with autoflush off: its look-ups must not flush half-made changes;
    ORM objects it adds (revisions, attachments) are flushed once, at the end."""

    @functools.wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        session = args[0] if args else kwargs["session"]
        assert isinstance(session, Session)
        if session.new or session.dirty or session.deleted:
            session.flush()  # the caller's own unsaved changes go first, as autoflush would
        with session.no_autoflush:
            return service(*args, **kwargs)

    return wrapper


def require_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("`now` must be timezone-aware")


def load(session: Session, item_id: int) -> tuple[ItemSnapshot, ColumnFacts]:
    """The item as the database has it now, with the facts of its column."""
    row = session.connection().execute(_LOAD, {"item_id": item_id}).first()
    if row is None:
        raise NotFound(f"item {item_id} does not exist")
    values = row._mapping
    item = ItemSnapshot(**{name: values[name] for name in SNAPSHOT_FIELDS})
    path, retired_at, content_type, prerequisites, has_links, owes, flagged = row[
        len(SNAPSHOT_FIELDS) :
    ]
    return item, ColumnFacts(
        path=path,
        retired=retired_at is not None,
        prerequisites=Prerequisites.of(content_type, prerequisites),
        has_links=bool(has_links),
        owes=bool(owes),
        flagged=bool(flagged),
    )


def check_version(item: AnyItem, expected_version: int) -> None:
    if item.version != expected_version:
        raise StaleVersion(f"item {item.id} is at version {item.version}, not {expected_version}")


def check_drafter(actor: User, item_unit_id: int) -> None:
    if not actor.active:
        raise InactiveUser(f"user {actor.login} is deactivated")
    if not actor.has_role(Role.DRAFTER):
        raise RoleRequired("drafting needs the drafter role")
    if actor.unit_id != item_unit_id:
        raise WrongUnit("only drafters of the item's own unit may draft it")


# Control characters (tab, CR and LF included) and Unicode line separators; not
# str.isprintable, which would refuse the ideographic space of Chinese titles.
_NOT_ONE_LINE = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")


def designated_drafters(session: Session, column_id: int, unit_id: int) -> frozenset[int]:
    """The drafters the unit's assignment to the column names (信息报送员); empty when it
    names none, and then any drafter of the unit may draft."""
    rows = session.execute(
        select(assignment_drafters.c.user_id)
        .join(ColumnAssignment, ColumnAssignment.id == assignment_drafters.c.assignment_id)
        .where(ColumnAssignment.column_id == column_id, ColumnAssignment.unit_id == unit_id)
    ).scalars()
    return frozenset(rows)


def check_designated(session: Session, actor: User, column_id: int, unit_id: int) -> None:
    """Every drafting action (create, edit, attach, submit, withdraw, revise) on a column
    whose assignment designates drafters is theirs alone, not every drafter's."""
    named = designated_drafters(session, column_id, unit_id)
    if named and actor.id not in named:
        raise NotDesignated(f"column {column_id} has designated drafters; ask one of them")


def clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("a title is required")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(f"the title is longer than {TITLE_MAX} characters")
    if _NOT_ONE_LINE.search(title):  # a title is one line (it becomes a mail subject)
        raise ValidationFailed("the title contains a line break or control character")
    return title


def clean_comment(comment: str | None) -> str | None:
    comment = (comment or "").strip()
    return comment or None


def require_comment(comment: str | None, why: str) -> str:
    text = clean_comment(comment)
    if text is None:
        raise CommentRequired(why)
    return text


def revision(session: Session, item: AnyItem, number: int) -> Revision:
    # populate_existing: rows changed by Core UPDATEs (e.g. frozen at submit) must not be
    # read from a stale copy in the session.
    rev = session.execute(_REVISION, {"item_id": item.id, "number": number}).scalar_one_or_none()
    if rev is None:
        raise NotFound(f"item {item.id} has no revision {number}")
    return rev


def history(item: AnyItem) -> tuple[History, tuple[int, ...]]:
    """Authors of the item and reviewers of its current revision (kept on the item, see
    workflow.review_facts); also who approved the current revision, in order."""
    facts = item.review_facts
    return (
        review_facts.history(facts, item.current_revision_no),
        review_facts.approvers(facts, item.current_revision_no),
    )


def check_publishable(session: Session, item: AnyItem, facts: ColumnFacts) -> None:
    """The column's rules for the current revision (loaded only when they need it)."""
    if facts.retired:
        raise ValidationFailed(f"column {facts.path} is retired")
    prereq = facts.prerequisites
    if not prereq.needs_content(item.kind):
        prereq.check_kind(item.kind)
        return
    rev = revision(session, item, item.current_revision_no)
    prereq.check_content(item.kind, rev.fields or {}, (a.type for a in rev.attachments))


def begin_transition(
    session: Session, item_id: int, actor: User, action: Action, expected_version: int
) -> tuple[ItemSnapshot, ColumnFacts, tuple[int, ...]]:
    """Load and check; returns the item, its column facts and who approved its current
    revision (for reviews)."""
    item, facts = load(session, item_id)
    check_version(item, expected_version)
    if not available(item, action):
        raise InvalidTransition(f"cannot {action} an item in state {item.state}")
    found, approvers = history(item) if action in REVIEW_ACTIONS else (History(), ())
    check_permission(action, item, actor, found)
    if action in DRAFTING_ACTIONS:
        check_designated(session, actor, item.column_id, item.unit_id)
    return item, facts, approvers


def begin_review(
    session: Session,
    item_id: int,
    actor: User,
    action: Action,
    expected_version: int,
    now: datetime,
) -> tuple[ItemSnapshot, ColumnFacts, tuple[int, ...], User | None]:
    """`begin_transition` for approve and reject, which a delegate (委托) may take for
    their delegator: also returns whom the actor acts for (None: in their own right)."""
    item, facts = load(session, item_id)
    check_version(item, expected_version)
    if not available(item, action):
        raise InvalidTransition(f"cannot {action} an item in state {item.state}")
    found, approvers = history(item)
    try:
        check_permission(action, item, actor, found)
    except (RoleRequired, WrongUnit):
        principal = delegation.principal_for(session, item, actor, action, found, now)
        if principal is None:
            raise
        return item, facts, approvers, principal
    return item, facts, approvers, None


def write(
    session: Session,
    item: AnyItem,
    expected_version: int,
    *,
    actor: User,
    action: Action,
    to_state: str,
    now: datetime,
    changes: Mapping[str, Any] | None = None,
    comment: str | None = None,
    confidentiality_checked: bool = False,
    creating: bool = False,
    freeze: bool = False,
    on_behalf_of_id: int | None = None,
) -> dict[str, Any]:
    """UPDATE the item (if still at `expected_version`) and INSERT its next audit row.

    `changes` are further item columns; the audit row records the revision and content
    digest the item has after them. `freeze` marks the current revision submitted.
    Returns the audit row's values.
    """
    changes = dict(changes or {})
    revision_no = changes.get("current_revision_no", item.current_revision_no)
    row = audit.next_row(
        item,
        action=action,
        from_state=None if creating else item.state,
        to_state=to_state,
        actor_id=actor.id,
        at=now,
        revision_no=revision_no,
        content_digest=changes.get("content_digest", item.content_digest),
        comment=comment,
        confidentiality_checked=confidentiality_checked,
        unit_id=item.unit_id,
        state_entered_at=None if creating else item.state_since,
        hash_alg=audit.session_hash(session),
        on_behalf_of_id=on_behalf_of_id,
    )
    values = {
        **changes,
        "state": str(to_state),
        "updated_at": now,
        "state_since": now if to_state != item.state else item.state_since,
        "audit_seq": row["seq"],
        "audit_head": row["hash"],
        "review_facts": review_facts.advance(
            item.review_facts,
            action=action,
            actor_id=actor.id,
            from_state=row["from_state"],
            revision_no=revision_no,
            on_behalf_of_id=on_behalf_of_id,
        ),
        "version": expected_version + 1,
    }
    item_id = item.id
    conn = session.connection()
    keys = tuple(sorted(values))
    params: dict[str, Any] = {"_id": item_id, "_expected": expected_version}
    params.update({f"v_{k}": v for k, v in values.items()})
    if freeze:
        params.update(f_number=revision_no, f_at=now, f_by=actor.id)
    frozen_id = None
    try:
        if conn.dialect.name == "postgresql":
            params.update({f"a_{k}": row[k] for k in _AUDIT_COLUMNS})
            returned = conn.execute(_move_item(keys, freeze), params).all()
            moved = len(returned)
            frozen_id = returned[0][1] if freeze and returned else None
        else:
            moved = conn.execute(_update_item(keys), params).rowcount
            if moved == 1:
                conn.execute(_INSERT_AUDIT, row)
                if freeze:
                    frozen_id = conn.execute(
                        _freeze_revision().returning(_REVISIONS.c.id), params
                    ).scalar_one_or_none()
    except IntegrityError as exc:  # a racer appended this seq first
        if _is_key_clash(exc, "audit_events", ("item_id", "seq")):
            raise StaleVersion(f"item {item_id} was changed by someone else") from exc
        raise
    if moved != 1:
        raise StaleVersion(f"item {item_id} was changed by someone else")
    sync(session, item, values, expected_version)
    loaded = session.identity_map.get(identity_key(Revision, frozen_id)) if frozen_id else None
    if loaded is not None:  # keep a copy of the revision the session holds truthful
        set_committed_value(loaded, "submitted_at", now)
        set_committed_value(loaded, "submitted_by_id", actor.id)
    return row


def sync(session: Session, item: AnyItem, values: Mapping[str, Any], expected_version: int) -> None:
    """Bring the caller's object, and any ORM copy of the item the session holds, up to
    what was just written (the ORM never flushes the item itself). A copy that was
    already out of date is expired instead, so it reloads everything on next use."""
    orm_copy = session.identity_map.get(identity_key(Item, item.id))
    for target in {id(t): t for t in (item, orm_copy) if t is not None}.values():
        if isinstance(target, Item):
            if target.version != expected_version:
                session.expire(target)
                continue
            for key, value in values.items():
                set_committed_value(target, key, value)
        else:
            for key, value in values.items():
                if key in SNAPSHOT_FIELDS:
                    setattr(target, key, value)


def flush(session: Session, item_id: int) -> None:
    """Flush the ORM objects a service added; a concurrent change shows as StaleVersion."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise StaleVersion(f"item {item_id} was changed by someone else") from exc
    except IntegrityError as exc:  # a concurrent new revision took the same number
        if _is_key_clash(exc, "revisions", ("item_id", "number")):
            raise StaleVersion(f"item {item_id} was changed by someone else") from exc
        raise


def _is_key_clash(exc: IntegrityError, table: str, columns: tuple[str, ...]) -> bool:
    """A unique-key violation on `table(columns)`, as PostgreSQL or SQLite words it."""
    text = str(exc.orig)
    named = f"uq_{table}_{'_'.join(columns)}" in text
    sqlite = "UNIQUE constraint failed: " + ", ".join(f"{table}.{c}" for c in columns)
    return named or sqlite in text


def next_state(item: AnyItem, action: Action) -> State:
    """Where `action` takes the item, by the shared table, without touching the row."""
    return machine.next_state(item, action)


def event(cls: type[ItemEvent], item: AnyItem, row: Mapping[str, Any], **extra: Any) -> ItemEvent:
    return cls(
        item_id=item.id,
        revision_no=row["revision_no"],
        unit_id=item.unit_id,
        column_id=item.column_id,
        actor_id=row["actor_id"],
        at=row["at"],
        from_state=row["from_state"],
        to_state=row["to_state"],
        action=row["action"],
        comment=row["comment"],
        on_behalf_of_id=row.get("on_behalf_of_id"),
        **extra,
    )
