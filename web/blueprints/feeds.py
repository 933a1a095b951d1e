"""Calendar feeds: everyone may issue and revoke a subscription URL for their own due
dates; the district office's editors also for a whole unit. The feed itself is public
at /feeds/<secret>.ics — the secret is the credential (stored only as a hash)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from web import db_session
from web.blueprints.office_view import settings
from web.helpers import actor, as_id, now
from workflow.db import begin_write
from workflow.models import FeedToken, Unit
from workflow.reporting.feeds import (
    feed_ics,
    feed_tokens,
    issue_feed_token,
    resolve_feed_token,
    revoke_feed_token,
)

bp = Blueprint("feeds", __name__)


def _is_office_editor() -> bool:
    from workflow.enums import Role

    user = actor()
    return user.has_role(Role.OFFICE_EDITOR) and user.unit.is_office


def _render(new_url: str | None = None) -> str:
    session = db_session()
    user = actor()
    mine = feed_tokens(session, user_id=user.id)
    unit_feeds: list[tuple[FeedToken, str]] = []
    units: list[tuple[int, str]] = []
    if _is_office_editor():
        units = [
            (u.id, u.name) for u in session.execute(select(Unit).order_by(Unit.name)).scalars()
        ]
        names = dict(units)
        unit_feeds = [
            (t, names.get(t.unit_id or 0, ""))
            for t in session.execute(
                select(FeedToken)
                .where(FeedToken.unit_id.is_not(None))
                .order_by(FeedToken.created_at.desc(), FeedToken.id.desc())
            ).scalars()
        ]
    return render_template(
        "feeds/index.html", mine=mine, unit_feeds=unit_feeds, units=units, new_url=new_url
    )


@bp.get("/feeds")
@login_required
def index() -> str:
    return _render()


@bp.post("/feeds")
@login_required
def issue() -> str | tuple[str, int]:
    session = db_session()
    begin_write(session)
    user = actor()
    label = request.form.get("label", "").strip()[:100]
    unit_value = request.form.get("unit", "").strip()
    if unit_value:
        if not _is_office_editor():
            abort(403)
        unit_id = as_id(unit_value)
        if unit_id is None or session.get(Unit, unit_id) is None:
            flash(_("请选择单位。"), "error")
            return _render(), 422
        _feed, secret = issue_feed_token(
            session, created_by=user, now=now(), unit_id=unit_id, label=label
        )
    else:
        _feed, secret = issue_feed_token(
            session, created_by=user, now=now(), user_id=user.id, label=label
        )
    session.commit()
    url = url_for("feeds.feed", secret=secret, _external=True)
    # The secret is shown once, on this response only: it is stored as a hash.
    return _render(new_url=url)


@bp.post("/feeds/<int:token_id>/revoke")
@login_required
def revoke(token_id: int) -> BaseResponse:
    session = db_session()
    begin_write(session)
    token = session.get(FeedToken, token_id)
    if token is None:
        abort(404)
    user = actor()
    own = token.user_id == user.id
    if not own and not (token.unit_id is not None and _is_office_editor()):
        abort(403)
    revoke_feed_token(session, token_id, now())
    session.commit()
    flash(_("订阅地址已作废，日历软件将无法再更新。"), "ok")
    return redirect(url_for("feeds.index"))


@bp.get("/feeds/<secret>.ics")
def feed(secret: str) -> Response:
    session = db_session()
    begin_write(session)  # it records the feed's last use
    moment = now()
    token = resolve_feed_token(session, secret, moment)
    if token is None:
        abort(404)
    body = feed_ics(session, token, moment, settings())
    session.commit()  # its last use
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["Content-Disposition"] = "inline; filename=sanshen.ics"
    return response
