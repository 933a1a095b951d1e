"""What the portal shows, read for the API and the Atom feeds: the column tree and the
published items with their live revision (never a revision still in review).

Plain reads (a session in, dataclasses out); the callers limit them to a key's units and
column subtrees with `only_units` / `only_columns`."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from workflow.models import (
    Attachment,
    Blob,
    Column,
    ColumnAssignment,
    ExternalPublication,
    Item,
    Revision,
    Unit,
)


@dataclass
class ColumnNode:
    id: int
    name: str
    path: str
    level: int
    parent_id: int | None
    content_type: str
    tags: list[str]
    units: list[str] = field(default_factory=list)
    children: list[ColumnNode] = field(default_factory=list)


def column_tree(session: Session, only_columns: Collection[int] | None = None) -> list[ColumnNode]:
    """The live columns as a forest (roots first, children by position); with
    `only_columns`, those columns, each under its nearest shown ancestor."""
    rows = session.execute(
        select(Column).where(Column.retired_at.is_(None)).order_by(Column.position, Column.id)
    ).scalars()
    units: dict[int, list[str]] = {}
    for column_id, name in session.execute(
        select(ColumnAssignment.column_id, Unit.name)
        .join(Unit, Unit.id == ColumnAssignment.unit_id)
        .order_by(ColumnAssignment.id)
    ):
        units.setdefault(column_id, []).append(name)
    nodes = {
        c.id: ColumnNode(
            c.id,
            c.name,
            c.path,
            c.level,
            c.parent_id,
            c.content_type,
            list(c.tags or []),
            units.get(c.id, []),
        )
        for c in rows
        if only_columns is None or c.id in only_columns
    }
    roots: list[ColumnNode] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id is not None else None
        (parent.children if parent is not None else roots).append(node)
    return roots


def subtrees(session: Session, roots: Collection[int]) -> frozenset[int]:
    """The columns `roots` and everything under them."""
    children: dict[int | None, list[int]] = {}
    for column_id, parent in session.execute(select(Column.id, Column.parent_id)):
        children.setdefault(parent, []).append(column_id)
    seen: set[int] = set()
    todo = list(roots)
    while todo:
        column_id = todo.pop()
        if column_id not in seen:
            seen.add(column_id)
            todo.extend(children.get(column_id, []))
    return frozenset(seen)


@dataclass(frozen=True)
class Published:
    id: int
    title: str
    column_id: int
    column_path: str
    unit_id: int
    unit_name: str
    revision: int
    first_published_at: datetime
    published_at: datetime
    body: str = ""
    fields: dict[str, Any] = field(default_factory=dict)


def _published(row: Any, body: str = "", fields: dict[str, Any] | None = None) -> Published:
    i, title, column_id, path, unit_id, unit, revision, first, last = row
    return Published(
        i, title, column_id, path, unit_id, unit, revision, first, last, body, fields or {}
    )


def _published_stmt() -> Any:
    return (
        select(
            Item.id,
            Revision.title,
            Item.column_id,
            Column.path,
            Item.unit_id,
            Unit.name,
            Item.live_revision_no,
            Item.first_published_at,
            Item.published_at,
        )
        .join(
            Revision,
            and_(Revision.item_id == Item.id, Revision.number == Item.live_revision_no),
        )
        .join(Column, Column.id == Item.column_id)
        .join(Unit, Unit.id == Item.unit_id)
        .where(Item.live_revision_no.is_not(None))
    )


def _limit(
    stmt: Any, only_units: Collection[int] | None, only_columns: Collection[int] | None
) -> Any:
    if only_units is not None:
        stmt = stmt.where(Item.unit_id.in_(sorted(only_units)))
    if only_columns is not None:
        stmt = stmt.where(Item.column_id.in_(sorted(only_columns)))
    return stmt


def published_items(
    session: Session,
    *,
    after: int = 0,
    limit: int = 50,
    column_id: int | None = None,
    unit_id: int | None = None,
    only_units: Collection[int] | None = None,
    only_columns: Collection[int] | None = None,
) -> list[Published]:
    """Published items by id (a keyset page: those after `after`)."""
    stmt = _published_stmt().where(Item.id > after).order_by(Item.id).limit(limit)
    if column_id is not None:
        stmt = stmt.where(Item.column_id == column_id)
    if unit_id is not None:
        stmt = stmt.where(Item.unit_id == unit_id)
    return [_published(row) for row in session.execute(_limit(stmt, only_units, only_columns))]


def latest_published(
    session: Session, *, column_ids: Collection[int] | None = None, limit: int = 50
) -> list[Published]:
    """The newest publications (a feed), bodies included."""
    stmt = (
        _published_stmt()
        .add_columns(Revision.body)
        .order_by(Item.published_at.desc(), Item.id.desc())
        .limit(limit)
    )
    if column_ids is not None:
        stmt = stmt.where(Item.column_id.in_(sorted(column_ids)))
    return [_published(row[:9], body=row[9] or "") for row in session.execute(stmt)]


@dataclass(frozen=True)
class AttachmentFact:
    id: int
    filename: str
    media_type: str
    type: str
    size: int
    sha256: str


def published_item(session: Session, item_id: int) -> tuple[Published, list[AttachmentFact]] | None:
    """One published item with its live revision's body, fields and attachments."""
    row = session.execute(
        _published_stmt()
        .add_columns(Revision.body, Revision.fields, Revision.id)
        .where(Item.id == item_id)
    ).first()
    if row is None:
        return None
    item = _published(row[:9], body=row[9] or "", fields=dict(row[10] or {}))
    attachments = [
        AttachmentFact(a_id, name, media, kind, size, sha)
        for a_id, name, media, kind, size, sha in session.execute(
            select(
                Attachment.id,
                Attachment.filename,
                Attachment.media_type,
                Attachment.type,
                Blob.size,
                Blob.sha256,
            )
            .join(Blob, Blob.sha256 == Attachment.blob_sha256)
            .where(Attachment.revision_id == row[11])
            .order_by(Attachment.id)
        )
    ]
    return item, attachments


@dataclass(frozen=True)
class External:
    id: int
    column_id: int
    column_path: str
    unit_id: int
    unit_name: str
    url: str
    title: str
    published_at: datetime
    published_by: str


def external_publications(
    session: Session, *, column_id: int | None = None, limit: int = 50
) -> list[External]:
    """The newest publications made outside sanshen (外部发布)."""
    stmt = (
        select(
            ExternalPublication.id,
            ExternalPublication.column_id,
            Column.path,
            ExternalPublication.unit_id,
            Unit.name,
            ExternalPublication.url,
            ExternalPublication.title,
            ExternalPublication.published_at,
            ExternalPublication.published_by,
        )
        .join(Column, Column.id == ExternalPublication.column_id)
        .join(Unit, Unit.id == ExternalPublication.unit_id)
        .order_by(ExternalPublication.published_at.desc(), ExternalPublication.id.desc())
        .limit(limit)
    )
    if column_id is not None:
        stmt = stmt.where(ExternalPublication.column_id == column_id)
    return [External(*row) for row in session.execute(stmt)]
