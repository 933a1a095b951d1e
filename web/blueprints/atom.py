"""Atom feeds of what the portal published through 三审 (issue 18): one per column
(/feeds/columns/<id>.atom, the column's subtree included) and one for the whole portal
(/feeds/portal.atom). Public, like the portal's own pages: only live revisions of
published items, whose content is public by definition (retracted items drop out).
Built with feedgen (escaping and dates done by a library, not a template). Publications
reported from outside sanshen (外部发布) are not in them: they were never reviewed here."""

from __future__ import annotations

from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, abort, request, url_for
from flask_babel import gettext as _

from web import db_session
from web.sanitize import clean_body
from workflow import portal
from workflow.models import Column

bp = Blueprint("atom", __name__)

ENTRIES = 50
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _feed(title: str, self_url: str, items: list[portal.Published]) -> Response:
    host = request.host.split(":")[0] or "localhost"
    fg = FeedGenerator()
    fg.id(f"tag:{host},2026:{request.path}")
    fg.title(title)
    fg.link(href=self_url, rel="self")
    fg.language("zh-CN")
    fg.updated(max((i.published_at for i in items), default=EPOCH))
    for item in reversed(items):  # feedgen puts the last added first
        entry = fg.add_entry()
        entry.id(f"tag:{host},2026:item:{item.id}")
        entry.title(item.title)
        entry.updated(item.published_at)
        entry.published(item.first_published_at)
        entry.author({"name": item.unit_name})
        entry.category({"term": item.column_path})
        entry.content(clean_body(item.body) or item.title, type="html")
    body = fg.atom_str(pretty=False)
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/feeds/portal.atom")
def portal_feed() -> Response:
    items = portal.latest_published(db_session(), limit=ENTRIES)
    return _feed(_("政府信息公开：最新发布"), url_for("atom.portal_feed", _external=True), items)


@bp.get("/feeds/columns/<int:column_id>.atom")
def column_feed(column_id: int) -> Response:
    session = db_session()
    column = session.get(Column, column_id)
    if column is None or column.retired_at is not None:
        abort(404)
    subtree = portal.subtrees(session, [column_id])
    items = portal.latest_published(session, column_ids=subtree, limit=ENTRIES)
    url = url_for("atom.column_feed", column_id=column_id, _external=True)
    return _feed(_("政府信息公开：%(path)s", path=column.path), url, items)
