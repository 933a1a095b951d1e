"""The API's reads: the column tree, published items (with attachments to download), the
changes feed and the deadline status."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from flask import current_app, send_file, url_for
from flask.wrappers import Response
from flask_smorest import Blueprint
from sqlalchemy import select

from web import db_session
from web.api import column_scope, current_key, guard, in_scope, unit_scope
from web.api import schemas as s
from web.api.problems import ApiRefusal
from web.blueprints.office_view import settings
from web.helpers import now
from workflow import changes, portal
from workflow.deadlines.evaluate import evaluate
from workflow.models import Unit
from workflow.reporting.status import evaluation_settings
from workflow.storage import BlobStore

bp = Blueprint(
    "api_read", __name__, description="Published content, the changes feed and deadlines"
)
guard(bp)


def _item_url(item_id: int) -> str:
    return url_for("api_read.item", item_id=item_id, _external=True)


def _summary(p: portal.Published) -> dict[str, Any]:
    return {
        "id": p.id,
        "title": p.title,
        "column_id": p.column_id,
        "column_path": p.column_path,
        "unit_id": p.unit_id,
        "unit_name": p.unit_name,
        "revision": p.revision,
        "first_published_at": p.first_published_at,
        "published_at": p.published_at,
        "url": _item_url(p.id),
    }


@bp.get("/columns")
@bp.response(200, s.ColumnTree)
def columns() -> dict[str, Any]:
    """The column tree (栏目), with each column's responsible units.

    A key limited to column subtrees sees those subtrees."""
    return {"columns": portal.column_tree(db_session(), column_scope(current_key()))}


@bp.get("/items")
@bp.arguments(s.ItemsQuery, location="query")
@bp.response(200, s.ItemPage)
def items(args: dict[str, Any]) -> dict[str, Any]:
    """Published items, oldest id first, a page at a time (pass `next_after` as `after`).

    Only the live revision is shown: a new revision in review stays invisible."""
    key = current_key()
    found = portal.published_items(
        db_session(),
        after=args["after"],
        limit=args["limit"],
        column_id=args.get("column_id"),
        unit_id=args.get("unit_id"),
        only_units=unit_scope(key),
        only_columns=column_scope(key),
    )
    last = found[-1].id if len(found) == args["limit"] else None
    return {"items": [_summary(p) for p in found], "next_after": last}


def _visible(item_id: int) -> tuple[portal.Published, list[portal.AttachmentFact]]:
    found = portal.published_item(db_session(), item_id)
    if found is None or not in_scope(current_key(), found[0].column_id, found[0].unit_id):
        raise ApiRefusal(404)
    return found


@bp.get("/items/<int:item_id>")
@bp.response(200, s.ItemDetail)
def item(item_id: int) -> dict[str, Any]:
    """One published item: its live revision's title, body (HTML), fields and
    attachments (download links and SHA-256)."""
    from web.sanitize import clean_body

    published, attachments = _visible(item_id)
    return {
        **_summary(published),
        "body_html": clean_body(published.body),
        "fields_": published.fields,
        "attachments": [
            {
                "id": a.id,
                "filename": a.filename,
                "media_type": a.media_type,
                "type": a.type,
                "size": a.size,
                "sha256": a.sha256,
                "download_url": url_for(
                    "api_read.attachment", item_id=item_id, attachment_id=a.id, _external=True
                ),
            }
            for a in attachments
        ],
    }


@bp.get("/items/<int:item_id>/attachments/<int:attachment_id>")
@bp.response(200, description="The file's bytes (check them against `sha256`)")
def attachment(item_id: int, attachment_id: int) -> Response:
    """One attachment of an item's live revision."""
    _published, attachments = _visible(item_id)
    fact = next((a for a in attachments if a.id == attachment_id), None)
    if fact is None:
        raise ApiRefusal(404)
    store = BlobStore(current_app.config["SANSHEN"].ATTACHMENT_DIR)
    try:
        data = store.get(fact.sha256)
    except OSError as exc:
        raise ApiRefusal(404) from exc
    response = send_file(
        BytesIO(data), mimetype=fact.media_type, as_attachment=True, download_name=fact.filename
    )
    response.headers["Digest"] = "sha-256=" + fact.sha256
    return response


@bp.get("/changes")
@bp.arguments(s.ChangesQuery, location="query")
@bp.response(200, s.ChangesPage)
def changes_feed(args: dict[str, Any]) -> dict[str, Any]:
    """What was published, revised or retracted, in order, after `cursor`.

    Keep `next_cursor` and pass it as `cursor` next time: no change is skipped or
    repeated, even while items change between the calls. `since` limits the first call
    to recent changes."""
    key = current_key()
    limit = args["limit"]
    found = changes.page(
        db_session(),
        args["cursor"],
        limit + 1,
        since=args.get("since"),
        unit_ids=unit_scope(key),
        column_ids=column_scope(key),
    )
    shown = found[:limit]
    return {
        "changes": [
            {
                "seq": c.seq,
                "kind": c.kind,
                "item_id": c.item_id,
                "revision": c.revision_no,
                "column_id": c.column_id,
                "unit_id": c.unit_id,
                "at": c.at,
                "url": None if c.kind == changes.RETRACTED else _item_url(c.item_id),
            }
            for c in shown
        ],
        "next_cursor": shown[-1].seq if shown else args["cursor"],
        "has_more": len(found) > limit,
    }


@bp.get("/deadlines")
@bp.arguments(s.DeadlinesQuery, location="query")
@bp.response(200, s.Deadlines)
def deadlines(args: dict[str, Any]) -> dict[str, Any]:
    """Where each column × responsible unit stands against its time requirement
    (时限要求), publications made outside sanshen included."""
    key = current_key()
    session = db_session()
    columns = column_scope(key)
    if args.get("column_id") is not None:
        columns = frozenset({args["column_id"]}) & (columns or {args["column_id"]})
    statuses = evaluate(
        session,
        now(),
        evaluation_settings(settings()),
        unit_id=args.get("unit_id"),
        column_ids=columns,
    )
    units = unit_scope(key)
    names = {u: n for u, n in session.execute(select(Unit.id, Unit.name)).all()}
    return {
        "deadlines": [
            {
                "column_id": st.column_id,
                "column_path": st.column_path,
                "unit_id": st.unit_id,
                "unit_name": names.get(st.unit_id, ""),
                "status": st.status,
                "next_due": st.next_due,
                "overdue_since": st.overdue_since,
                "last_published_at": st.last_published_at,
                "confirmed": st.confirmed,
            }
            for st in statuses
            if units is None or st.unit_id in units
        ]
    }
