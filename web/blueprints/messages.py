"""The in-app inbox (站内消息) and each user's channel choices (email, SMS).

Messages are written by the notifications workers; this page only lists them and marks
them read (notifications.services, run by `web.helpers.run`), never touching another
user's messages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from notifications import inbox
from notifications import services as notify_services
from notifications.channels import EMAIL, SMS
from notifications.recipients import preferences
from web import db_session
from web.forms import DeleteForm
from web.helpers import actor, arg_page, as_id, run

bp = Blueprint("messages", __name__, url_prefix="/messages")
PAGE_SIZE = 30
SMS_CHOICES = notify_services.SMS_CHOICES


@bp.before_request
@login_required
def _logged_in() -> None:
    return None


@bp.get("/")
def index() -> str:
    page = arg_page()
    session = db_session()
    user_id = actor().id
    rows = inbox.messages(session, user_id, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    return render_template(
        "messages/index.html",
        rows=rows[:PAGE_SIZE],
        page=page,
        more=len(rows) > PAGE_SIZE,
        unread=inbox.unread_count(session, user_id),
        form=DeleteForm(),
    )


@bp.post("/read")
def read() -> Response:
    if not DeleteForm().validate_on_submit():
        abort(400)
    raw = request.form.get("id")
    one = as_id(raw)
    ids = None if raw is None else [one] if one is not None else []
    changed = run(notify_services.mark_read, ids=ids).value
    if ids is None:
        flash(_("已将 %(n)s 条消息标为已读。", n=changed), "ok")
    return redirect(url_for("messages.index", page=request.form.get("page", 1, type=int)))


@bp.post("/<int:message_id>/open")
def open_message(message_id: int) -> Response:
    """查看: the message is marked read, then its page opens (on this host: only the
    link's path is kept)."""
    if not DeleteForm().validate_on_submit():
        abort(400)
    link = run(notify_services.open_message, message_id=message_id).value
    if link is None:
        abort(404)
    parts = urlsplit(link)
    target = urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
    return redirect(target if target.startswith("/") and not target.startswith("//") else "/")


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> Any:
    session = db_session()
    user = actor()
    if request.method == "POST":
        if not DeleteForm().validate_on_submit():
            abort(400)
        sms = request.form.get("sms", "urgent")
        if sms not in SMS_CHOICES:
            abort(400)
        run(notify_services.set_channels, email=request.form.get("email") == "on", sms=sms)
        flash(_("提醒方式已保存。"), "ok")
        return redirect(url_for("messages.settings"))
    chosen = preferences(session, [user.id]).get(user.id, {})
    return render_template(
        "messages/settings.html",
        user=user,
        # Without a choice: email on; SMS only for urgent reminders (due today, overdue,
        # escalations) — notifications.recipients.user_channels.
        email_on=chosen.get(EMAIL, True),
        sms={True: "all", False: "none"}.get(chosen[SMS], "urgent") if SMS in chosen else "urgent",
        form=DeleteForm(),
    )


def unread_count() -> int:
    """For the navigation bar: one indexed count per page view."""
    if not (current_user and current_user.is_authenticated):
        return 0
    return inbox.unread_count(db_session(), current_user.user.id)
