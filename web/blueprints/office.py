"""The district office's editor: publish at a set time, cancel it, retract, and the
published list. Publishing now is the 审发 approval on the item page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from web import db_session
from web.blueprints.review import act_on_form, form_refused, render_item
from web.errors import workflow_message
from web.forms import CommentForm, ScheduleForm
from web.helpers import actor, now, run, tz, visible_item
from workflow import services
from workflow.enums import Role
from workflow.errors import ValidationFailed
from workflow.models import Column, Item, Revision, ScheduledPublication, Unit, User
from workflow.scheduling import cancel_schedule, schedule_publication

bp = Blueprint("office", __name__)


def _require_editor() -> None:
    if not current_is_editor():
        abort(403)


def current_is_editor() -> bool:
    user = actor()
    return user.has_role(Role.OFFICE_EDITOR) and user.unit.is_office


@bp.post("/items/<int:item_id>/schedule")
@login_required
def schedule(item_id: int) -> Any:
    _require_editor()
    item = visible_item(item_id)
    form = ScheduleForm()
    if not form.validate():
        return render_item(item, _("请选择有效的发布时间。"), 422, schedule_form=form)
    local = form.publish_at.data
    assert local is not None  # the form validated, and the field is required
    publish_at = local.replace(tzinfo=tz())
    try:
        run(
            schedule_publication,
            item_id=item_id,
            expected_version=form.version.data,
            publish_at=publish_at,
        )
    except ValidationFailed as exc:  # the runner has rolled back
        message = workflow_message(exc)
        if publish_at <= now():
            message = _("发布时间须晚于当前时间。")
        return render_item(item, message, 422, schedule_form=form)
    flash(_("已设定定时发布。"), "ok")
    return redirect(url_for("review.item", item_id=item_id))


@bp.post("/items/<int:item_id>/unschedule")
@login_required
def unschedule(item_id: int) -> Any:
    _require_editor()
    item = visible_item(item_id)
    form = CommentForm()
    if not form.validate():
        return form_refused(item, form)
    run(cancel_schedule, item_id=item_id)
    flash(_("已取消定时发布，稿件仍在待审发中。"), "ok")
    return redirect(url_for("review.item", item_id=item_id))


@bp.post("/items/<int:item_id>/retract")
@login_required
def retract(item_id: int) -> Any:
    form = CommentForm()
    refused = act_on_form(
        visible_item(item_id),
        form,
        "retract_form",
        services.retract,
        comment=form.comment.data or "",
    )
    if refused is not None:
        return refused
    flash(_("已撤稿，该信息不再对外公开。"), "ok")
    return redirect(url_for("office.published"))


@bp.get("/published")
@login_required
def published() -> str:
    _require_editor()
    session = db_session()
    # The title the public sees is the live revision's (a new one may be in review).
    rows = session.execute(
        select(Item, Unit.name, Column.path, Revision.title)
        .join(Unit, Unit.id == Item.unit_id)
        .join(Column, Column.id == Item.column_id)
        .join(
            Revision,
            (Revision.item_id == Item.id) & (Revision.number == Item.live_revision_no),
        )
        .where(Item.live_revision_no.is_not(None))
        .order_by(Item.published_at.desc())
        .limit(500)
    ).all()
    scheduled = session.execute(
        select(ScheduledPublication, Item, User.name)
        .join(Item, Item.id == ScheduledPublication.item_id)
        .join(User, User.id == ScheduledPublication.editor_id)
        .where(ScheduledPublication.done_at.is_(None))
        .order_by(ScheduledPublication.publish_at)
    ).all()
    return render_template("office/published.html", rows=rows, scheduled=scheduled)
